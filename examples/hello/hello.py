"""The smallest pyembed app: `pyembed-pack build --run-module hello`."""
import sys

print("Hello from a packed Python", "%d.%d" % sys.version_info[:2], "- args:", sys.argv[1:])
