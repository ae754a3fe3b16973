"""The app examples/ci builds: `myapp --version`, `myapp --self-test`."""
__version__ = "1.0.0"
