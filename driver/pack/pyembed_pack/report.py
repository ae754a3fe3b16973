"""What the pack tool tells the user while it builds (all on stderr)."""
import sys


class Log:
    """Build messages: `pyembed-pack: …` lines unless quiet; per-module
    names with verbose; a self-erasing progress counter on a terminal."""

    def __init__(self, quiet, verbose, progress):
        self.quiet = quiet
        self.verbose = verbose
        self.progress = progress

    def __call__(self, msg):
        """One status line, e.g. `pyembed-pack: selected 12 of 700 modules`."""
        if not self.quiet:
            print("pyembed-pack: " + msg, file=sys.stderr)

    def module(self, i, count, name):
        """Module i (of count), name, is being added to the blob."""
        if self.verbose:
            print(f"  {name}", file=sys.stderr)
        elif self.progress and i % 50 == 0:
            print(f"\r  compiling {i}/{count}", end="", file=sys.stderr, flush=True)

    def modules_done(self):
        """Erases the progress counter."""
        if self.progress and not self.verbose:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
