"""myapp [--version | --self-test | WORDS...]: the CI example's app."""
import argparse
import json
import sys

from myapp import __version__


def self_test():
    """Checks what a packed app relies on; returns the exit status."""
    checks = {
        "frozen": getattr(sys, "frozen", False) is True,
        "json": json.loads(json.dumps({"a": [1, 2]})) == {"a": [1, 2]},
        "stdlib": __import__("textwrap").shorten("a b c d e f", 7) == "a [...]",
    }
    for name, ok in checks.items():
        print(f"{name}: {'ok' if ok else 'FAILED'}")
    return 0 if all(checks.values()) else 1


def main(argv):
    p = argparse.ArgumentParser(prog="myapp")
    p.add_argument("--version", action="version", version=f"myapp {__version__}")
    p.add_argument("--self-test", action="store_true", help="check the packed app and exit")
    p.add_argument("words", nargs="*")
    ns = p.parse_args(argv)
    if ns.self_test:
        return self_test()
    print("hello", " ".join(ns.words) or "world")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
