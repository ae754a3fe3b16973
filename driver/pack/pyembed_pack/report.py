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

    def warn(self, msg):
        """A warning: printed even with --quiet."""
        print("pyembed-pack: warning: " + msg, file=sys.stderr)

    def module(self, i, count, name, why=None):
        """Module i (of count), name, is being added to the blob; why:
        what reached it (the importer, or how the build chose it)."""
        if self.verbose:
            print(f"  {name}" + (f"  <- {why}" if why else ""), file=sys.stderr)
        elif self.progress and i % 50 == 0:
            print(f"\r  compiling {i}/{count}", end="", file=sys.stderr, flush=True)

    def modules_done(self):
        """Erases the progress counter."""
        if self.progress and not self.verbose:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr)


def short_list(items, limit=8):
    """'a, b, c and 4 more' of items."""
    items = list(items)
    head = ", ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")


def summary(selection, comp, log):
    """What the build added and why, and the warnings: distributions
    packed from site directories (and what reached them), packages moved
    to the filesystem, imports that name nothing installed, modules held
    back, modules that do not compile."""
    found = selection.trace
    if selection.dists:
        by = {}
        for dist in selection.dists:
            who = [found.units[t] for t in dist.tops if found and t in found.units]
            by[dist] = who[0] if who else "--package"
        log("added " + str(len(selection.dists)) + " installed distribution(s): " + short_list(
            f"{d.name} {d.version} (reached from {by[d]})" for d in selection.dists))
    for note in selection.notes:
        log(note)
    if found and found.unresolved:
        log.warn("imports not found in the module paths, the stdlib or the site "
                 "directories (optional ones are fine): " + short_list(
                f"{n} (by {w})" for n, w in sorted(found.unresolved.items())))
    if found and found.held_back:
        log.warn("left out by default, add with --include NAME: " + short_list(
            f"{n} (imported by {w})" for n, w in sorted(found.held_back.items())))
    for name, why in sorted(comp.uncompilable.items()):
        log.warn(f"{name} does not compile, packed as source ({why})")
