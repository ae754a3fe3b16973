"""Which modules a build packs: the candidates (stdlib policy, module
paths, installed distributions, --exclude) and the choice among them
(--stdlib, --include, --package, the trace), plus where each goes: in
memory, or filesystem-relative (--filesystem-package, the knowledge file,
or detected: a package that reads __file__ and ships data files)."""
import fnmatch
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, Mapping, Optional, Tuple

from . import deps, extfilter
from .errors import PackError, syntax_error
from .scan import Module, Scanner
from .trace import Trace, load_time, trace, with_parents

# Excluded from --stdlib all and held back from the trace unless named by
# --include: tests, GUI, demos (docs/compatibility.md says why).
STDLIB_EXCLUDE = ["test", "test.*", "*.test", "*.test.*", "*.tests", "*.tests.*",
                  "idlelib", "idlelib.*", "tkinter", "tkinter.*", "_tkinter",
                  "turtledemo", "turtledemo.*", "turtle", "lib2to3.tests", "lib2to3.tests.*",
                  "ensurepip._bundled", "__phello__", "__phello__.*", "__hello__"]
STDLIB_DATA_EXCLUDE = ["ensurepip/_bundled/*"]

# Data files that say nothing about a package needing its directory
# (typing markers, stubs, C sources, licences).
TRIVIAL_DATA = ["py.typed", "*.pyi", "*.pxd", "*.pyx", "*.c", "*.h", "*.cpp", "LICENSE*",
                "COPYING*", "AUTHORS*", "*.md", "*.rst"]


@dataclass(frozen=True)
class Candidates:
    """Everything a build may pack: mods (name -> Module), the stdlib
    modules held back unless --include'd, and the site directories."""

    mods: Dict[str, Module]
    held: Dict[str, Module]
    site: Optional[deps.SitePackages]


@dataclass(frozen=True)
class Selection:
    """The result of selection: every candidate module, the names packed,
    the packages that go filesystem-relative (package -> prefix) and
    what the trace found (None unless --stdlib traced)."""

    candidates: Mapping[str, Module]
    chosen: FrozenSet[str]
    fs_packages: Tuple[Tuple[str, str], ...] = ()
    trace: Optional[Trace] = None
    notes: Tuple[str, ...] = ()
    dists: Tuple[deps.Distribution, ...] = field(default=())
    load_time: FrozenSet[str] = frozenset()  # chosen names imported at start-up

    def packed(self):
        """The chosen modules, in name order (the blob's order)."""
        return [self.candidates[n] for n in sorted(self.chosen)]


def matches(name, patterns):
    """True when name matches a pattern, or is inside a package that does."""
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name, p + ".*")
               for p in patterns)


def stdlib_candidates(scanner, target, spec):
    """(modules, held back) of the target's stdlib: STDLIB_EXCLUDE goes to
    the second; the extension modules --extension-module-filter leaves out
    and excluded data (all data without --stdlib-data) are dropped."""
    mods, held = {}, {}
    for root in (target.stdlib_dir, target.dynload_dir):
        if root is None:
            continue
        for name, m in scanner.root(root, "stdlib").items():
            if m.kind == "extension" and not extfilter.keeps_shared(spec.extension_filter,
                                                                    m.path):
                continue
            m.data = {k: v for k, v in m.data.items() if spec.stdlib_data and
                      not matches(name.replace(".", "/") + "/" + k, STDLIB_DATA_EXCLUDE)}
            (held if matches(name, STDLIB_EXCLUDE) else mods)[name] = m
    return mods, held


def build_outputs(spec):
    """Paths a build writes, never scanned as the app's (a module path
    holding the output: `--module-path .` after an earlier build): the
    output file and its filesystem-relative prefix directories, or the
    whole output directory when it is not itself a module path."""
    out = {os.path.abspath(spec.output)}
    if not any(os.path.realpath(p) == os.path.realpath(spec.out_dir) for p in spec.module_paths):
        out.add(spec.out_dir)
    prefixes = {p for _, p in spec.fs_packages} | {spec.resources_fallback, "lib"}
    if spec.resources_location:
        prefixes.add(spec.resources_location)
    return out | {os.path.join(spec.out_dir, p.split("/")[0]) for p in prefixes}


def site_dirs(spec, target):
    """--venv's site directories first, then --site-packages."""
    dirs = []
    for venv in spec.venvs:
        dirs += deps.venv_site_packages(venv, target)
    return dirs + list(spec.site_packages)


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
    """All modules the build may use, in python's sys.path order: app
    roots (module paths, --package-root packages, then extra_roots, e.g.
    pip's staging directory) first, then the stdlib, then the site
    directories (by top-level name). Named --include modules come back
    from the held-back stdlib; a config's decisions apply last. The stdlib
    is scanned even for --stdlib none, which still needs encodings (3.11
    does not freeze it)."""
    scanner = Scanner(target.ext_suffixes, build_outputs(spec))
    mods, held = stdlib_candidates(Scanner(target.ext_suffixes), target, spec)
    for root in spec.module_paths:
        mods.update(scanner.root(root, "app"))
    for root, names in spec.package_roots:
        mods.update(package_root(scanner, root, names))
    for root in extra_roots:
        mods.update(scanner.root(root, "app"))
    dirs = site_dirs(spec, target)
    site = deps.SitePackages(scanner, dirs) if dirs else None
    if site:
        tops = {n.split(".")[0] for n in mods}
        mods.update({n: m for n, m in site.modules.items() if n.split(".")[0] not in tops})
    for inc in spec.include:  # never over the app's own modules of those names
        mods.update({n: m for n, m in held.items()
                     if (n == inc or n.startswith(inc + ".")) and n not in mods})
    # Built-in modules of the target's libpython always win; never pack a shadow.
    keep = {n: m for n, m in mods.items() if not matches(n, spec.exclude) and n not in target.builtins}
    if spec.decide is not None:
        keep = apply_decisions(spec, keep, target)
    return Candidates(keep, {n: m for n, m in held.items() if n not in keep}, site)


def check_entry(spec, mods):
    """PackError unless --run-module names a candidate."""
    if spec.run_module and spec.run_module not in mods:
        raise PackError(f"--run-module {spec.run_module}: no such module in the module paths"
                        + ("" if spec.stdlib != "none" else " (stdlib: none)"))


def package_tops(spec, cands):
    """Top-level names of the --package distributions (a distribution or
    an import name), and those distributions."""
    tops, dists = [], []
    for name in spec.packages:
        dist = cands.site.find(name) if cands.site else None
        if dist:
            dists.append(dist)
            tops += [t for t in dist.tops if t in cands.mods]
        elif cands.site and name in cands.mods and cands.mods[name].origin == "site":
            tops.append(name)
        else:
            raise PackError(f"--package {name}: not found in --site-packages "
                            + (" ".join(cands.site.roots) if cands.site else "(none given)"))
    return tops, dists


def shipped_data(m):
    """m's data files that need the package's directory (TRIVIAL_DATA aside)."""
    return [k for k in m.data if not any(fnmatch.fnmatchcase(k.rsplit("/", 1)[-1], p)
                                         for p in TRIVIAL_DATA)]


def package_members(top, names):
    """The names of package top and its submodules among names."""
    return [n for n in names if n == top or n.startswith(top + ".")]


def imported_tops(m, comp):
    """Top-level names module m imports by absolute name."""
    return {imp[0].split(".")[0] for imp in comp.imports(m)
            if len(imp) < 5 or imp[4] != "file"} if m.kind in ("module", "package") else set()


def detected_fs_packages(chosen, mods, found, knowledge, comp):
    """{package: why} of the packed installed and app top-level packages
    that go filesystem-relative: the knowledge file says so, or their code
    reads __file__ and they ship data files (python finds those next to
    __file__); and app packages with data files that import a package the
    knowledge file marks `importer_files` (Flask finds an app's templates
    next to the app's module)."""
    out = {}
    tops = sorted({n.split(".")[0] for n in chosen
                   if mods[n].origin in ("site", "app") and mods[n].kind != "distinfo"})
    for top in tops:
        members = package_members(top, chosen)
        say = knowledge.filesystem(top)
        if say is not None:
            if say:
                out[top] = "the knowledge file says so"
            continue
        data = [n for n in members if shipped_data(mods[n])]
        if data and any(n in found.file_users for n in members):
            out[top] = f"it reads __file__ and ships data files (in {data[0]})"
    users = set(knowledge.importer_files_packages())
    for top in tops:
        members = package_members(top, chosen)
        if top in out or mods[top].origin != "app" or not any(mods[n].data for n in members):
            continue
        hit = sorted(users & set().union(*(imported_tops(mods[n], comp) for n in members)))
        if hit:
            out[top] = f"it imports {hit[0]}, which finds files next to its user's __file__"
    return out


def distributions(cands, units, forced):
    """The distributions to pack: those providing a packed unit, and the
    --package ones."""
    out = list(forced)
    for top in units:
        for dist in cands.site.by_top.get(top, []) if cands.site else []:
            if dist not in out:
                out.append(dist)
    return out


def select_traced(spec, cands, comp, target, knowledge):
    """The Selection for --stdlib traced."""
    mods = cands.mods
    tops, forced = package_tops(spec, cands)
    try:
        found = trace(spec, mods, comp, target, cands.site, cands.held, knowledge, tops)
    except SyntaxError as e:
        raise syntax_error(e) from None
    chosen = found.names | {n for n, m in mods.items() if m.origin == "app"}
    chosen = with_parents(chosen, mods)
    dists = distributions(cands, found.units, forced)
    for dist in dists:
        mods[dist.module.name] = dist.module
        chosen.add(dist.module.name)
    auto = detected_fs_packages(chosen, mods, found, knowledge, comp)
    given = {p for p, _ in spec.fs_packages} | set(spec.memory_packages)
    fs = list(spec.fs_packages) + [(p, "lib") for p in sorted(auto) if p not in given]
    notes = tuple(f"{p} goes filesystem-relative (lib/{p}): {why}"
                  for p, why in sorted(auto.items()) if p not in given)
    return Selection(candidates=mods, chosen=frozenset(chosen), fs_packages=tuple(fs),
                     trace=found, notes=notes, dists=tuple(dists))


def select(spec, cands, comp, target, knowledge):
    """The Selection of candidates cands under the --stdlib policy."""
    mods = cands.mods
    check_entry(spec, mods)
    for inc in spec.include:
        if inc not in mods:
            raise PackError(f"--include {inc}: no such module")
    if spec.stdlib in ("traced", "all"):
        sel = select_traced(spec, cands, comp, target, knowledge)
        if spec.stdlib == "all":
            sel = replace(sel, chosen=sel.chosen | {n for n, m in mods.items()
                                                    if m.origin == "stdlib"})
        return with_load_time(sel, spec, comp, target)
    # none: only what CPython cannot start without
    chosen = {n for n in mods if mods[n].origin == "app"}
    chosen |= {n for n in mods if needed_to_start(n, target)}
    tops, forced = package_tops(spec, cands)
    for inc in list(spec.include) + tops:
        chosen |= with_parents({n for n in mods if n == inc or n.startswith(inc + ".")}, mods)
    for dist in forced:
        mods[dist.module.name] = dist.module
        chosen.add(dist.module.name)
    # with --stdlib none, everything chosen may be what start-up reads
    return Selection(candidates=mods, chosen=frozenset(chosen), fs_packages=spec.fs_packages,
                     dists=tuple(forced), load_time=frozenset(chosen))


def with_load_time(sel, spec, comp, target):
    """sel with load_time: the chosen modules start-up imports (what
    --compress lazy leaves uncompressed)."""
    try:
        eager = load_time(spec, sel.candidates, comp, target)
    except SyntaxError as e:
        raise syntax_error(e) from None
    return replace(sel, load_time=frozenset(eager) & sel.chosen)
