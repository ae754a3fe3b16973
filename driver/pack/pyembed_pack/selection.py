"""Which modules a build packs: the candidates (stdlib policy, module
paths, --package, --exclude) and the choice among them (--stdlib,
--include, the trace)."""
import fnmatch
import sys
from dataclasses import dataclass
from typing import FrozenSet, Mapping

from . import extfilter
from .errors import PackError, syntax_error
from .scan import Module, Scanner
from .trace import trace, with_parents

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

    def packed(self):
        """The chosen modules, in name order (the blob's order)."""
        return [self.candidates[n] for n in sorted(self.chosen)]


def matches(name, patterns):
    """True when name matches a pattern, or is inside a package that does."""
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name, p + ".*")
               for p in patterns)


def stdlib_candidates(scanner, target, spec):
    """The target's stdlib modules, less STDLIB_EXCLUDE, the extension
    modules --extension-module-filter leaves out, and excluded data (all
    data without --stdlib-data)."""
    mods = {}
    for root in (target.stdlib_dir, target.dynload_dir):
        if root is None:
            continue
        for name, m in scanner.root(root, "stdlib").items():
            if matches(name, STDLIB_EXCLUDE) or (
                    m.kind == "extension" and not extfilter.keeps_shared(spec.extension_filter,
                                                                        m.path)):
                continue
            m.data = {k: v for k, v in m.data.items() if spec.stdlib_data and
                      not matches(name.replace(".", "/") + "/" + k, STDLIB_DATA_EXCLUDE)}
            mods[name] = m
    return mods


def package_root(scanner, root, names):
    """The modules of root whose top-level name is one of names."""
    found = scanner.root(root, "app")
    missing = [n for n in names if n not in found]
    if missing:
        raise PackError(f"--package-root {root}: no package or module {', '.join(missing)}")
    return {n: m for n, m in found.items() if n.split(".")[0] in names}


def needed_to_start(name, target):
    """True for modules the interpreter cannot start without (what --stdlib
    none keeps)."""
    return name == "encodings" or name.startswith("encodings.") or (
        name == "linecache" and target.version >= (3, 13))


def apply_decisions(spec, mods, target):
    """mods less those spec.decide leaves out (never what the interpreter
    needs to start); each kept module gets its Decision. Decided in name
    order, so callbacks run in a reproducible order."""
    kept = []
    for name in sorted(mods):
        m = mods[name]
        d = spec.decide(m, spec)
        if d is None:
            continue
        m.decision = d
        if not d.include:
            if needed_to_start(name, target):
                kept.append(name)
            else:
                del mods[name]
    if kept and not spec.quiet:
        print(f"pyembed-pack: note: kept {len(kept)} modules the interpreter needs to start "
              f"({', '.join(kept[:3])}{', ...' if len(kept) > 3 else ''}) although "
              "add_include is False", file=sys.stderr)
    return mods


def candidates(spec, target, extra_roots=()):
    """All modules the build may use: app roots (module paths, then
    extra_roots, e.g. pip's staging directory) override the stdlib. The
    stdlib is scanned even for --stdlib none, which still needs encodings
    (3.11 does not freeze it)."""
    scanner = Scanner(target.ext_suffixes)
    mods = stdlib_candidates(scanner, target, spec)
    for root in spec.module_paths:
        mods.update(scanner.root(root, "app"))
    for root, names in spec.package_roots:
        mods.update(package_root(scanner, root, names))
    for root in extra_roots:
        mods.update(scanner.root(root, "app"))
    for name in spec.packages:
        mods.update(scanner.installed(spec.site_packages, name))
    # Built-in modules of the target's libpython always win; never pack a shadow.
    mods = {n: m for n, m in mods.items()
            if not matches(n, spec.exclude) and n not in target.builtins}
    return apply_decisions(spec, mods, target) if spec.decide is not None else mods


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
    else:  # none: only what CPython cannot start without (3.13's -c/run_command
        # registers the source in linecache)
        chosen = app | {n for n in mods if needed_to_start(n, target)}
    for inc in spec.include:
        if inc not in mods:
            raise PackError(f"--include {inc}: no such module")
        chosen |= with_parents({inc}, mods)
    return Selection(candidates=mods, chosen=frozenset(chosen))
