"""Which modules a build packs: the candidates (stdlib policy, module
paths, --package, --exclude) and the choice among them (--stdlib,
--include, the trace)."""
import fnmatch
from dataclasses import dataclass
from typing import FrozenSet, Mapping

from .errors import PackError, syntax_error
from .scan import Module, Scanner
from .trace import load_time, trace, with_parents

# Excluded from --stdlib all (and never traced into): tests, GUI, demos
# (docs/compatibility.md says why).
STDLIB_EXCLUDE = ["test", "test.*", "*.test", "*.test.*", "*.tests", "*.tests.*",
                  "idlelib", "idlelib.*", "tkinter", "tkinter.*", "_tkinter",
                  "turtledemo", "turtledemo.*", "turtle", "lib2to3.tests", "lib2to3.tests.*",
                  "ensurepip._bundled", "__phello__", "__phello__.*", "__hello__"]
STDLIB_DATA_EXCLUDE = ["ensurepip/_bundled/*"]


@dataclass(frozen=True)
class Selection:
    """The result of selection: every candidate module and the names packed."""

    candidates: Mapping[str, Module]
    chosen: FrozenSet[str]
    load_time: FrozenSet[str] = frozenset()  # chosen names imported at start-up

    def packed(self):
        """The chosen modules, in name order (the blob's order)."""
        return [self.candidates[n] for n in sorted(self.chosen)]


def matches(name, patterns):
    """True when name matches a pattern, or is inside a package that does."""
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name, p + ".*")
               for p in patterns)


def stdlib_candidates(scanner, target):
    """The target's stdlib modules, less STDLIB_EXCLUDE and excluded data."""
    mods = {}
    for root in (target.stdlib_dir, target.dynload_dir):
        if root is None:
            continue
        for name, m in scanner.root(root, "stdlib").items():
            if not matches(name, STDLIB_EXCLUDE):
                m.data = {k: v for k, v in m.data.items()
                          if not matches(name.replace(".", "/") + "/" + k, STDLIB_DATA_EXCLUDE)}
                mods[name] = m
    return mods


def candidates(spec, target, extra_roots=()):
    """All modules the build may use: app roots (module paths, then
    extra_roots, e.g. pip's staging directory) override the stdlib. The
    stdlib is scanned even for --stdlib none, which still needs encodings
    (3.11 does not freeze it)."""
    scanner = Scanner(target.ext_suffixes)
    mods = stdlib_candidates(scanner, target)
    for root in spec.module_paths + tuple(extra_roots):
        mods.update(scanner.root(root, "app"))
    for name in spec.packages:
        mods.update(scanner.installed(spec.site_packages, name))
    # Built-in modules of the target's libpython always win; never pack a shadow.
    return {n: m for n, m in mods.items()
            if not matches(n, spec.exclude) and n not in target.builtins}


def check_entry(spec, mods):
    """PackError unless --run-module names a candidate."""
    if spec.run_module and spec.run_module not in mods:
        raise PackError(f"--run-module {spec.run_module}: no such module in the module paths"
                        + ("" if spec.stdlib != "none" else " (stdlib: none)"))


def select(spec, mods, comp, target):
    """The Selection of candidates mods under the --stdlib policy."""
    check_entry(spec, mods)
    app = {n for n, m in mods.items() if m.origin == "app"}
    if spec.stdlib == "all":
        chosen = set(mods)
    elif spec.stdlib == "traced":
        try:
            chosen = trace(spec, mods, comp, target) | app
        except SyntaxError as e:
            raise syntax_error(e) from None
    else:  # none: only what CPython cannot start without
        chosen = app | {n for n in mods if n == "encodings" or n.startswith("encodings.")}
        if target.version >= (3, 13):  # its -c/run_command registers the source there
            chosen |= {"linecache"} & set(mods)
    for inc in spec.include:
        if inc not in mods:
            raise PackError(f"--include {inc}: no such module")
        chosen |= with_parents({inc}, mods)
    try:
        eager = load_time(spec, mods, comp, target) if spec.stdlib != "none" else chosen
    except SyntaxError as e:
        raise syntax_error(e) from None
    return Selection(candidates=mods, chosen=frozenset(chosen),
                     load_time=frozenset(eager) & frozenset(chosen))
