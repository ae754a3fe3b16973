"""Import tracing: the modules reachable from the entry point.

modulefinder-style, from each module's import statements (compiler.py
gives them, cached by content hash, so rebuilds are quick)."""

# What the runtime needs whatever the app imports: codecs for any locale
# (encodings comes whole), io for the standard streams, traceback for source
# lines in tracebacks. (-m runs without runpy: libpyembed/runmain.c.)
BOOT_MODULES = ["encodings", "codecs", "io", "abc", "os", "stat", "traceback",
                "linecache", "tokenize"]
# What CPython itself imports before the entry point runs (python -I -S):
# with the entry module's load-time imports, never compressed by default
# (3.13+ also import linecache: run_command registers its source there).
START_MODULES = ["encodings", "encodings.aliases", "encodings.utf_8", "encodings.ascii",
                 "encodings.latin_1", "codecs", "io", "abc"]


def with_parents(names, mods):
    """names plus every parent package present in mods."""
    out = set()
    for n in names:
        parts = n.split(".")
        for i in range(1, len(parts) + 1):
            if ".".join(parts[:i]) in mods:
                out.add(".".join(parts[:i]))
    return out


def resolve(importer, is_pkg, name, level, fromlist, mods):
    """Module names (in mods) an import statement in importer can load."""
    if level:
        base = importer.split(".") if is_pkg else importer.split(".")[:-1]
        base = base[: len(base) - (level - 1)] if level > 1 else base
        name = ".".join(base + ([name] if name else []))
    if not name:
        return []
    parts = name.split(".")
    out = [".".join(parts[: i + 1]) for i in range(len(parts))]
    out += [name + "." + f for f in fromlist if f != "*"]
    if "*" in fromlist:
        out += [n for n in mods if n.startswith(name + ".") and "." not in n[len(name) + 1:]]
    return [n for n in out if n in mods]


def roots(spec, mods, target, boot=True):
    """Where tracing starts: the boot set (unless not boot), --include, the
    entry module (and a package's __main__), and what --run-code imports."""
    todo = [n for n in (BOOT_MODULES if boot else []) + list(spec.include) if n in mods]
    if spec.run_module:
        todo.append(spec.run_module)
        if mods[spec.run_module].kind in ("package", "namespace"):
            todo.append(spec.run_module + ".__main__")
    todo = [n for n in todo if n in mods]
    if spec.run_code:
        for name, level, fromlist, _ in target.source_imports(spec.run_code, "<run-code>"):
            todo += resolve("__main__", False, name, level, fromlist, mods)
    return todo


def follow(todo, mods, comp, load_time_only):
    """Every name reachable from todo through import statements (with
    load_time_only, only those that run when a module loads)."""
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parent = name.rpartition(".")[0]
        if parent:
            todo.append(parent)
        m = mods[name]
        if m.kind in ("module", "package"):
            for imp, level, fromlist, at_load in comp.imports(m):
                if at_load or not load_time_only:
                    todo += resolve(name, m.kind == "package", imp, level, fromlist, mods)
    return seen


def load_time(spec, mods, comp, target):
    """The modules imported when CPython starts and the entry point loads
    (not by imports inside functions): what start-up reads. SyntaxError
    propagates."""
    start = START_MODULES + (["linecache"] if target.version >= (3, 13) else [])
    todo = [n for n in start + roots(spec, mods, target, boot=False) if n in mods]
    return with_parents(follow(todo, mods, comp, True), mods)


def trace(spec, mods, comp, target):
    """Names to pack for --stdlib traced: what the entry point, the boot
    set and --include reach, plus what is imported by computed names
    (encodings.*, sysconfig's data module) and whole --include packages.
    SyntaxError propagates (selection.py reports it)."""
    if spec.trace == "app":  # boot modules' imports inside functions only if the app reaches them
        seen = follow(roots(spec, mods, target, boot=False), mods, comp, False)
        seen |= follow(list(BOOT_MODULES), mods, comp, True)
    else:
        seen = follow(roots(spec, mods, target), mods, comp, spec.trace == "load-time")
    seen |= {n for n in mods if n.startswith("encodings.")}
    if "sysconfig" in seen:  # imports its data module by a computed name
        seen |= {n for n in mods if n.startswith("_sysconfigdata_")}
    for inc in spec.include:  # a package named by --include comes whole
        seen |= {n for n in mods if n.startswith(inc + ".")}
    return with_parents(seen, mods) & set(mods)
