"""Import tracing: the modules reachable from the entry point.

modulefinder-style, from each module's imports (compiler.py gives them,
cached by content hash, so rebuilds are quick): import statements and
constant names given to importlib.import_module, __import__,
importlib.util.find_spec and pkgutil (in_target.BY_NAME). Optional imports
(inside try/except ImportError) are followed like any other: whatever is
installed is packed. Installed distributions (deps.SitePackages) are packed
by unit: reaching any module of a top-level package packs and traces all
of it. Every module records the importer that reached it first, and
imports that name nothing the build can see are collected for warnings."""
from collections import deque
from dataclasses import dataclass, field
from typing import Dict, Set

from .deps import TEST_PARTS, is_test_module

# What the runtime needs whatever the app imports: codecs for any locale
# (every encodings.* module is a root: their own imports, stringprep for
# idna, the CJK codec extensions, are followed), io for the standard
# streams, traceback for source lines in tracebacks. (-m runs without
# runpy: libpyembed/runmain.c.)
BOOT_MODULES = ["encodings", "codecs", "io", "abc", "os", "stat", "traceback",
                "linecache", "tokenize"]
# What CPython itself imports before the entry point runs (python -I -S):
# with the entry module's load-time imports, never compressed by default
# (3.13+ also import linecache: run_command registers its source there).
START_MODULES = ["encodings", "encodings.aliases", "encodings.utf_8", "encodings.ascii",
                 "encodings.latin_1", "codecs", "io", "abc"]

# What a python command line (--python-argv) needs besides: -m runs runpy,
# and python's defaults import site.
PYTHON_ARGV_MODULES = ["runpy", "site"]

ENTRY, BOOT, INCLUDE = "(entry point)", "(runtime)", "(--include)"


def with_parents(names, mods):
    """names plus every parent package present in mods."""
    out = set()
    for n in names:
        parts = n.split(".")
        for i in range(1, len(parts) + 1):
            if ".".join(parts[:i]) in mods:
                out.add(".".join(parts[:i]))
    return out


def absolute(importer, is_pkg, name, level):
    """The absolute module name of an import in module importer ('' when a
    relative import goes above the top level)."""
    if not level:
        return name
    base = importer.split(".") if is_pkg else importer.split(".")[:-1]
    if level > 1:
        if level - 1 > len(base):
            return ""
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def expand(name, fromlist, mods):
    """Module names (in mods) an import of name with fromlist can load."""
    if not name:
        return []
    parts = name.split(".")
    out = [".".join(parts[: i + 1]) for i in range(len(parts))]
    out += [name + "." + f for f in fromlist if f != "*"]
    if "*" in fromlist:
        out += [n for n in mods if n.startswith(name + ".") and "." not in n[len(name) + 1:]]
    return [n for n in out if n in mods]


def resolve(importer, is_pkg, name, level, fromlist, mods):
    """Module names (in mods) an import statement in importer can load."""
    return expand(absolute(importer, is_pkg, name, level), fromlist, mods)


@dataclass
class Trace:
    """What tracing found (selection.py and the build summary read it)."""

    names: Set[str] = field(default_factory=set)             # modules to pack
    reached_by: Dict[str, str] = field(default_factory=dict)  # module -> its first importer
    units: Dict[str, str] = field(default_factory=dict)      # site unit -> what reached it
    unresolved: Dict[str, str] = field(default_factory=dict)  # missing top-level -> importer
    held_back: Dict[str, str] = field(default_factory=dict)  # excluded by default -> importer
    file_users: Set[str] = field(default_factory=set)         # modules reading __file__


class Tracer:
    """One trace over candidates mods (site: deps.SitePackages or None;
    held: stdlib modules excluded unless --include'd)."""

    def __init__(self, spec, mods, comp, target, site=None, held=None, knowledge=None):
        self.spec, self.mods, self.comp, self.target = spec, mods, comp, target
        self.site = site
        self.held = held or {}
        self.knowledge = knowledge
        self.known = set(target.builtins) | set(target.frozen)
        self.out = Trace()
        self.todo = []
        self.load_time_only = spec.trace == "load-time"  # follow only load-time imports
        # held-back packages that --include brought back: what they import
        # of the held-back set comes back too (tkinter needs _tkinter)
        self.released = {n.split(".")[0] for n in spec.include
                         if n in mods and mods[n].origin == "stdlib"}

    def release(self, top):
        """Moves held-back package top (and its modules) into the candidates."""
        for n in [n for n in self.held if n == top or n.startswith(top + ".")]:
            self.mods[n] = self.held.pop(n)
        self.released.add(top)

    def push(self, name, by):
        """Queues name (reached by `by`) unless it was reached already."""
        if name not in self.out.reached_by:
            self.todo.append((name, by))

    def activate(self, top, by):
        """Packs unit top of the site directories whole: each of its
        modules (tests aside) becomes a root, and the knowledge file's
        hidden imports and entry-point groups of it are followed."""
        if top in self.out.units or self.site is None:
            return
        self.out.units[top] = by
        for name in self.site.unit_modules(top):
            if not (self.knowledge and self.knowledge.excluded(top, name)):
                self.push(name, f"(with {top})")
        for name in self.knowledge.hidden_imports(top) if self.knowledge else ():
            self.push(name, f"(knowledge: {top})")
        for group in self.knowledge.entry_point_groups(top) if self.knowledge else ():
            for dist in self.site.providers(group):
                for mod in dist.entry_points[group]:
                    self.push(mod, f"(entry point {group} of {dist.name})")

    def visit(self, name, by):
        """Records module name (reached by `by`) and queues its imports."""
        m = self.mods[name]
        self.out.reached_by[name] = by
        if m.origin == "site":
            self.activate(name.split(".")[0], by)
        parent = name.rpartition(".")[0]
        if parent:
            self.push(parent, name)
        if m.kind not in ("module", "package"):
            return
        load_time_only = self.load_time_only
        for imp in self.comp.imports(m):
            imp_name, level, fromlist, at_load, kind = (list(imp) + ["import"])[:5]
            if kind == "file":
                self.out.file_users.add(name)
            elif at_load or not load_time_only:
                self.follow_import(name, m.kind == "package", imp_name, level, fromlist)

    def follow_import(self, importer, is_pkg, name, level, fromlist):
        """Queues what one import in importer loads; notes it when it
        names nothing the build can see."""
        full = absolute(importer, is_pkg, name, level)
        if not full:
            return
        found = expand(full, fromlist, self.mods)
        for n in found:
            self.push(n, importer)
        top = full.split(".")[0]
        if top in self.mods or top in self.known or top == "__main__":
            return
        if top in self.held and importer.split(".")[0] in self.released:
            self.release(top)  # what an --include'd held-back package needs
            for n in expand(full, fromlist, self.mods):
                self.push(n, importer)
        elif self.mods[importer].origin == "stdlib":
            return  # the stdlib's own optional and platform imports
        elif top in self.held:
            self.out.held_back.setdefault(top, importer)
        else:
            self.out.unresolved.setdefault(top, importer)

    def run(self, roots):
        """Traces from roots ([(name, by)]), breadth first (so each module
        records an importer on a shortest path); returns the Trace."""
        self.todo = deque(roots)
        while self.todo:
            name, by = self.todo.popleft()
            if name in self.out.reached_by or name not in self.mods:
                continue
            self.visit(name, by)
        self.out.names = with_parents(set(self.out.reached_by), self.mods) & set(self.mods)
        return self.out


def below_tests(name, package):
    """True when module name is inside a test package below package."""
    return any(part in TEST_PARTS for part in name[len(package) + 1:].split("."))


def roots(spec, mods, target, packages=()):
    """Where tracing starts: the boot set (every encodings module), the
    entry module (and a package's __main__), what --run-code imports,
    --include names with all their submodules, and the top-level names of
    --package distributions ([(name, by)])."""
    boot = BOOT_MODULES + (PYTHON_ARGV_MODULES if spec.python_argv else [])
    todo = [(n, BOOT) for n in boot if n in mods]
    todo += [(n, BOOT) for n in sorted(mods) if n.startswith("encodings.")]
    if spec.run_module:
        todo.append((spec.run_module, ENTRY))
        if mods[spec.run_module].kind in ("package", "namespace"):
            todo.append((spec.run_module + ".__main__", ENTRY))
    if spec.run_code:
        for imp in target.source_imports(spec.run_code, "<run-code>"):
            todo += [(n, ENTRY) for n in resolve("__main__", False, imp[0], imp[1], imp[2], mods)]
    for inc in spec.include:
        todo += [(n, INCLUDE) for n in sorted(mods)
                 if n == inc or (n.startswith(inc + ".") and not below_tests(n, inc))]
    for top in packages:
        todo += [(n, f"(--package {top})") for n in sorted(mods)
                 if (n == top or n.startswith(top + ".")) and not is_test_module(n)]
    return [(n, by) for n, by in todo if n in mods]


def trace(spec, mods, comp, target, site=None, held=None, knowledge=None, packages=()):
    """The Trace for --stdlib traced: what the entry point, the boot set,
    --include and --package reach, plus sysconfig's data module (imported
    by a computed name). With --trace app (the default) the imports inside
    functions are followed for what the app reaches, but only the load-time
    imports of the boot set's own modules. SyntaxError propagates
    (selection.py reports it)."""
    tracer = Tracer(spec, mods, comp, target, site, held, knowledge)
    start = roots(spec, mods, target, packages)
    if spec.trace == "app":
        tracer.run([r for r in start if r[1] != BOOT])
        tracer.load_time_only = True
        out = tracer.run([r for r in start if r[1] == BOOT])
        tracer.load_time_only = False
    else:
        out = tracer.run(start)
    if "sysconfig" in out.names:  # imports its data module by a computed name
        extra = [(n, "sysconfig") for n in mods if n.startswith("_sysconfigdata_")]
        out = tracer.run(extra)
    return out


def load_time(spec, mods, comp, target):
    """The modules imported when CPython starts and the entry point loads
    (not by imports inside functions): what start-up reads. SyntaxError
    propagates."""
    start = START_MODULES + (["linecache"] if target.version >= (3, 13) else [])
    tracer = Tracer(spec, mods, comp, target)
    tracer.load_time_only = True
    todo = [(n, BOOT) for n in start if n in mods]
    todo += [r for r in roots(spec, mods, target) if r[1] == ENTRY]
    return with_parents(tracer.run(todo).names, mods)
