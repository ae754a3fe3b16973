"""pyembed-pack's packing logic, run inside the pack tool's embedded CPython.

It selects modules (application module paths plus a standard-library
policy), compiles them with this very interpreter (so the bytecode matches
the driver's libpython), and hands everything to libpackrs through the
built-in module _pyembed_pack. Blob layout, embedding and checksums are C.
"""
import argparse
import fnmatch
import _imp
import hashlib
import importlib.machinery
import importlib.util
import marshal
import dis
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import _pyembed_pack as P
from canonical_marshal import canonical

MAGIC = importlib.util.MAGIC_NUMBER
EXT_SUFFIXES = sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)
META = "@pyembed"
DIST_PREFIX = "@dist/"  # dist-info resources (docs/runtime.md)
# Frozen into this libpython (os, io, codecs, runpy, …): traced for their
# imports, but never packed — the runtime takes them from libpython.
FROZEN = frozenset(_imp._frozen_module_names())
# Excluded from --stdlib all (and never traced into): tests, GUI, demos.
STDLIB_EXCLUDE = ["test", "test.*", "*.test", "*.test.*", "*.tests", "*.tests.*",
                  "idlelib", "idlelib.*", "tkinter", "tkinter.*", "_tkinter",
                  "turtledemo", "turtledemo.*", "turtle", "lib2to3.tests", "lib2to3.tests.*",
                  "ensurepip._bundled", "__phello__", "__phello__.*", "__hello__"]
STDLIB_DATA_EXCLUDE = ["ensurepip/_bundled/*"]
# What the runtime needs whatever the app imports: codecs for any locale
# (encodings comes whole), io for the standard streams, traceback for source
# lines in tracebacks. (-m runs without runpy: libpyembed/runmain.c.)
BOOT_MODULES = ["encodings", "codecs", "io", "abc", "os", "stat", "traceback",
                "linecache", "tokenize"]


class PackError(Exception):
    """A user-facing failure: printed as one line, exit status 1."""


class Module:
    """One importable unit found on disk."""

    def __init__(self, name, kind, path, root_kind):
        self.name = name
        self.kind = kind          # "module", "package", "namespace", "extension"
        self.path = path          # .py / __init__.py / .so, None for namespace
        self.data = {}            # data-file key -> absolute path
        self.origin = root_kind   # "app" or "stdlib"
        self._source = None

    def source(self):
        """The module's source bytes, read once."""
        if self._source is None:
            self._source = read(self.path)
        return self._source


def is_identifier(name):
    return name.isidentifier()


def importable_stem(stem):
    """Top-level file names importlib can import by name, including ones
    like _sysconfigdata__x86_64-linux-gnu that sysconfig imports."""
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", stem) is not None


def ext_module_name(filename):
    """Module name of an extension file name, or None."""
    for suffix in EXT_SUFFIXES:
        if filename.endswith(suffix) and is_identifier(filename[: -len(suffix)]):
            return filename[: -len(suffix)]
    return None


def has_python(path):
    """True when directory path holds a .py file at any depth."""
    for _, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        if any(f.endswith(".py") for f in files):
            return True
    return False


def scan_package(mods, path, name, kind, root_kind):
    """Adds package `name` at directory `path`, its submodules and data."""
    init = os.path.join(path, "__init__.py")
    pkg = mods.setdefault(name, Module(name, kind, init if kind == "package" else None, root_kind))
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        child = name + "." + entry.name
        if entry.is_dir():
            if entry.name == "__pycache__":
                continue
            if is_identifier(entry.name) and os.path.exists(os.path.join(entry.path, "__init__.py")):
                scan_package(mods, entry.path, child, "package", root_kind)
            elif is_identifier(entry.name) and has_python(entry.path):
                scan_package(mods, entry.path, child, "namespace", root_kind)
            else:
                add_data_dir(pkg, entry.path, entry.name)
        elif entry.name == "__init__.py":
            continue
        elif entry.name.endswith(".py") and is_identifier(entry.name[:-3]):
            mods[name + "." + entry.name[:-3]] = Module(name + "." + entry.name[:-3], "module",
                                                        entry.path, root_kind)
        elif ext_module_name(entry.name):
            mname = name + "." + ext_module_name(entry.name)
            mods[mname] = Module(mname, "extension", entry.path, root_kind)
        elif not entry.name.endswith((".pyc", ".pyo")):
            pkg.data[entry.name] = entry.path


def add_data_dir(pkg, path, prefix):
    """Files under a non-package directory become data of pkg."""
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = os.path.relpath(dirpath, os.path.dirname(path))
        for f in sorted(files):
            if not f.endswith((".pyc", ".pyo")):
                pkg.data[os.path.join(rel, f).replace(os.sep, "/")] = os.path.join(dirpath, f)


def scan_root(root, root_kind):
    """Modules and packages directly importable from sys.path entry root."""
    mods = {}
    if not os.path.isdir(root):
        raise PackError(f"{root}: not a directory")
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_dir() and is_identifier(entry.name) and entry.name != "__pycache__":
            if os.path.exists(os.path.join(entry.path, "__init__.py")):
                scan_package(mods, entry.path, entry.name, "package", root_kind)
            elif has_python(entry.path):
                scan_package(mods, entry.path, entry.name, "namespace", root_kind)
        elif entry.is_file() and entry.name.endswith(".py") and importable_stem(entry.name[:-3]):
            mods[entry.name[:-3]] = Module(entry.name[:-3], "module", entry.path, root_kind)
        elif entry.is_file() and ext_module_name(entry.name):
            name = ext_module_name(entry.name)
            mods[name] = Module(name, "extension", entry.path, root_kind)
        elif entry.is_dir() and entry.name.endswith((".dist-info", ".egg-info")):
            dist = Module(DIST_PREFIX + entry.name, "distinfo", None, root_kind)
            add_data_dir(dist, entry.path, "")
            dist.data = {k.split("/", 1)[1]: v for k, v in dist.data.items()}
            mods[dist.name] = dist
        elif entry.is_file() and entry.name.endswith(".egg-info"):
            # distutils' single-file form: the file is the PKG-INFO
            dist = Module(DIST_PREFIX + entry.name, "distinfo", None, root_kind)
            dist.data = {"PKG-INFO": entry.path}
            mods[dist.name] = dist
    return mods


def matches(name, patterns):
    """True when name matches a pattern, or is inside a package that does."""
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name, p + ".*")
               for p in patterns)


def candidates(args):
    """All modules the build may use: app module paths override stdlib.
    The stdlib is scanned even for --stdlib none, which still needs
    encodings (3.11 does not freeze it)."""
    mods = {}
    for root in (args.stdlib_dir, args.dynload_dir):
        for name, m in scan_root(root, "stdlib").items():
            if not matches(name, STDLIB_EXCLUDE):
                m.data = {k: v for k, v in m.data.items()
                          if not matches(name.replace(".", "/") + "/" + k, STDLIB_DATA_EXCLUDE)}
                mods[name] = m
    for root in args.module_path:
        mods.update(scan_root(root, "app"))
    for name in args.package:
        mods.update(installed_package(args, name))
    # Built-in modules of this libpython always win; never pack a shadow.
    return {n: m for n, m in mods.items()
            if not matches(n, args.exclude) and n not in sys.builtin_module_names}


def normalize(name):
    """PEP 503 name normalisation (as importlib.metadata compares them)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_top_levels(dist):
    """Top-level module names a dist-info describes."""
    if "top_level.txt" in dist.data:
        return [l.strip() for l in open(dist.data["top_level.txt"]).read().split() if l.strip()]
    tops = set()
    record = dist.data.get("RECORD") or dist.data.get("installed-files.txt")
    for line in open(record).read().splitlines() if record else ():
        head = line.split(",")[0].split("/")[0]
        if head.endswith(".py"):
            tops.add(head[:-3])
        elif ext_module_name(head):
            tops.add(ext_module_name(head))
        elif head and "." not in head and head != "__pycache__":
            tops.add(head)
    return sorted(tops)


def installed_package(args, name):
    """Modules and dist-info of distribution `name` from --site-packages."""
    for root in args.site_packages:
        found = scan_root(root, "app")
        dists = [m for n, m in found.items() if m.kind == "distinfo" and
                 normalize(n[len(DIST_PREFIX):].rsplit(".", 1)[0].split("-")[0]) == normalize(name)]
        tops = set(dist_top_levels(dists[0])) if dists else {name}
        picked = {n: m for n, m in found.items()
                  if n.split(".")[0] in tops or m in dists}
        if any(m.kind != "distinfo" for m in picked.values()):
            return picked
    raise PackError(f"--package {name}: not found in --site-packages "
                    + (" ".join(args.site_packages) or "(none given)"))


def pip_install(args, staging):
    """Runs the host's pip (offline) into staging; returns the directory."""
    cmd = [P.PYTHON, "-m", "pip", "install", "--target", staging, "--no-index",
           "--no-build-isolation", "--no-compile", "--disable-pip-version-check",
           "--no-warn-script-location", "--root-user-action=ignore", "--quiet"]
    for req in args.requirements:
        cmd += ["-r", req]
    for arg in args.pip_install:
        cmd += shlex.split(arg)
    if subprocess.run(cmd).returncode != 0:
        raise PackError("pip install failed: " + " ".join(cmd[3:]))
    return staging


def with_parents(names, mods):
    """names plus every parent package present in mods."""
    out = set()
    for n in names:
        parts = n.split(".")
        for i in range(1, len(parts) + 1):
            if ".".join(parts[:i]) in mods:
                out.add(".".join(parts[:i]))
    return out


def code_imports(code):
    """[name, level, fromlist, at_load] for every import statement in code,
    nested functions and classes included (modulefinder's opcode scan);
    at_load is 1 when it runs at import time (module or class body, not
    inside a function)."""
    found = []
    stack = [(code, 1)]
    while stack:
        co, at_load = stack.pop()
        found.extend([name, level, list(fromlist or ()), at_load]
                     for name, level, fromlist in dis._find_imports(co))
        for c in co.co_consts:
            if hasattr(c, "co_code"):  # CO_NEWLOCALS (0x2): a function body
                stack.append((c, at_load and not c.co_flags & 0x2))
    return found


def resolve(importer, is_pkg, name, level, fromlist, mods):
    """Module names an import statement in `importer` can load."""
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


def trace(args, mods, comp):
    """Names reachable from the entry point, the boot set and --include,
    following every import statement (modulefinder-style, but with each
    module's import list cached by content hash, so rebuilds are quick)."""
    roots = [n for n in BOOT_MODULES + list(args.include) if n in mods]
    if args.run_module:
        roots.append(args.run_module)
        if mods[args.run_module].kind in ("package", "namespace"):
            roots.append(args.run_module + ".__main__")
    todo = [n for n in roots if n in mods]
    if args.run_code:
        code = compile(args.run_code, "<run-code>", "exec", dont_inherit=True)
        for name, level, fromlist, _ in code_imports(code):
            todo += resolve("__main__", False, name, level, fromlist, mods)
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
                if at_load or args.trace == "all":
                    todo += resolve(name, m.kind == "package", imp, level, fromlist, mods)
    seen |= {n for n in mods if n.startswith("encodings.")}
    if "sysconfig" in seen:  # imports its data module by a computed name
        seen |= {n for n in mods if n.startswith("_sysconfigdata_")}
    for inc in args.include:  # a package named by --include comes whole
        seen |= {n for n in mods if n.startswith(inc + ".")}
    return with_parents(seen, mods) & set(mods)


def syntax_error(e):
    """PackError 'path:line: message' for a SyntaxError."""
    return PackError(f"{e.filename}:{e.lineno}: {e.msg}")


def select(args, mods, comp):
    """The names to pack under the --stdlib policy."""
    app = {n for n, m in mods.items() if m.origin == "app"}
    if args.stdlib == "all":
        chosen = set(mods)
    elif args.stdlib == "traced":
        try:
            chosen = trace(args, mods, comp) | app
        except SyntaxError as e:
            raise syntax_error(e) from None
    else:  # none: only what CPython cannot start without
        chosen = app | {n for n in mods if n == "encodings" or n.startswith("encodings.")}
    if args.run_module and args.run_module not in mods:
        raise PackError(f"--run-module {args.run_module}: no such module in the module paths"
                        + ("" if args.stdlib != "none" else " (stdlib: none)"))
    for inc in args.include:
        if inc not in mods:
            raise PackError(f"--include {inc}: no such module")
        chosen |= with_parents({inc}, mods)
    return chosen


class Compiler:
    """compile() + marshal with a content-hash keyed on-disk cache; each
    module's source is read and hashed once per build."""

    def __init__(self, optimize, cache_dir):
        self.optimize = optimize
        self.cache_dir = cache_dir
        self.hits, self.misses = set(), set()  # cache keys, each counted once
        self.keys = {}   # module name -> (rel, key, cache path or None)
        self.memo = {}   # module name -> bytecode: one answer per module per build

    def _key(self, m):
        if m.name not in self.keys:
            rel = m.name.replace(".", "/") + ("/__init__.py" if m.kind == "package" else ".py")
            key = hashlib.sha256(MAGIC + bytes([self.optimize]) + rel.encode() + b"\0"
                                 + m.source()).hexdigest()
            self.keys[m.name] = (rel, key, self.cache_dir and
                                 os.path.join(self.cache_dir, key[:2], key))
        return self.keys[m.name]

    def imports(self, m):
        """Import statements of module m, cached beside its bytecode."""
        cached = self._key(m)[2]
        if cached and os.path.exists(cached + ".imports"):
            with open(cached + ".imports") as f:
                return json.load(f)
        found = code_imports(marshal.loads(self.bytecode(m)))
        if cached:
            store(cached + ".imports", json.dumps(found).encode())
        return found

    def bytecode(self, m):
        if m.name not in self.memo:
            self.memo[m.name] = self._bytecode(m, *self._key(m))
        return self.memo[m.name]

    def _bytecode(self, m, rel, key, cached):
        if cached and os.path.exists(cached):
            self.hits.add(key)
            with open(cached, "rb") as f:
                return f.read()
        self.misses.add(key)
        try:
            code = compile(m.source(), rel, "exec", dont_inherit=True, optimize=self.optimize)
        except SyntaxError as e:
            e.filename = m.path
            raise syntax_error(e) from None
        data = canonical(marshal.dumps(code))  # independent of process state
        if cached:
            store(cached, data)
        return data


def store(path, data):
    """Writes data to path atomically; cache failures are not fatal."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def cache_dir(args):
    if args.no_cache:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else None)
    return base and os.path.join(base, "pyembed", "bytecode-c2-" + MAGIC.hex())  # c2: canonical, import lists with at_load


def read(path):
    with open(path, "rb") as f:
        return f.read()


def placement(m, args):
    """None for in-memory, else the filesystem-relative prefix for m."""
    for name, prefix in args.fs_packages.items():
        if m.name == name or m.name.startswith(name + "."):
            return prefix
    if args.resources_location != "in-memory":
        return args.resources_location.split(":", 1)[1]
    if m.kind == "extension" and origin_rpath(m.path):
        # $ORIGIN-relative dependencies (wheel-bundled .libs) cannot be
        # found from a memfd: such a module goes on the filesystem.
        fallback = args.resources_fallback or "filesystem-relative:lib"
        return fallback.split(":", 1)[1]
    return None


def origin_rpath(path):
    """True when the ELF shared object at path has an RPATH/RUNPATH
    naming $ORIGIN (a minimal parse of its dynamic section)."""
    import struct
    data = read(path)
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            tag, val = struct.unpack_from("<qQ", data, off)
            if tag in (15, 29):  # DT_RPATH, DT_RUNPATH
                end = data.index(b"\0", strtab[4] + val)
                if b"$ORIGIN" in data[strtab[4] + val:end] or b"${ORIGIN}" in data[strtab[4] + val:end]:
                    return True
    return False


def write_on_disk(m, comp, args, prefix):
    """Writes m's file(s) under <output dir>/<prefix>; returns the path of
    its main file relative to the output's directory. Python modules get an
    unchecked-hash .pyc in __pycache__, compiled by this libpython."""
    import importlib._bootstrap_external as bx
    rel_dir = m.name.replace(".", "/") if m.kind == "package" else "/".join(m.name.split(".")[:-1])
    base = os.path.join(args.out_dir, prefix, rel_dir)
    os.makedirs(base, exist_ok=True)
    target = os.path.join(base, os.path.basename(m.path))
    shutil.copyfile(m.path, target)
    if m.kind == "extension":
        copy_origin_libs(m.path, target)
    else:
        source = m.source()
        code = marshal.loads(comp.bytecode(m))
        pyc = importlib.util.cache_from_source(target, optimization=args.optimize or "")
        os.makedirs(os.path.dirname(pyc), exist_ok=True)
        with open(pyc, "wb") as f:
            f.write(bx._code_to_hash_pyc(code, importlib.util.source_hash(source), False))
    for key, path in m.data.items():
        os.makedirs(os.path.dirname(os.path.join(base, key)), exist_ok=True)
        shutil.copyfile(path, os.path.join(base, key))
    return os.path.relpath(target, args.out_dir).replace(os.sep, "/")


def copy_origin_libs(src, target):
    """Copies the sibling '*.libs' directories an $ORIGIN rpath may name."""
    src_root = os.path.dirname(src)
    for up in (src_root, os.path.dirname(src_root), os.path.dirname(os.path.dirname(src_root))):
        for entry in os.scandir(up):
            if entry.is_dir() and entry.name.endswith(".libs"):
                rel = os.path.relpath(entry.path, src_root)
                dest = os.path.normpath(os.path.join(os.path.dirname(target), rel))
                shutil.copytree(entry.path, dest, dirs_exist_ok=True)


KINDS = {"module": P.KIND_MODULE, "package": P.KIND_PACKAGE | P.KIND_MODULE,
         "namespace": P.KIND_NAMESPACE, "extension": P.KIND_EXTENSION | P.KIND_MODULE,
         "distinfo": P.KIND_DISTINFO}


def add_module(w, m, comp, args):
    """Adds m's resource with bytecode, source (by policy) and data, or,
    for a filesystem-relative module, writes its files and an FS_PATH."""
    if m.name in FROZEN:  # libpython has it; the importer defers to it
        return
    kind = KINDS[m.kind] | (P.KIND_DATA if m.data else 0)
    w.add_resource(m.name, kind)
    if m.kind == "distinfo":
        for key, path in sorted(m.data.items()):
            w.add_field(m.name, P.FIELD_DISTINFO_FILE, key, read(path), args.compress)
        return
    prefix = placement(m, args)
    if prefix is not None and m.kind != "namespace":
        rel = write_on_disk(m, comp, args, prefix)
        w.add_field(m.name, P.FIELD_FS_PATH, None, rel.encode(), False)
        return
    if m.kind == "extension":
        w.add_field(m.name, P.FIELD_EXTENSION, None, read(m.path), args.compress)
    elif m.path:
        w.add_field(m.name, P.FIELD_BYTECODE + args.optimize, None, comp.bytecode(m),
                    args.compress)
        if args.sources == "all" or (args.sources == "app" and m.origin == "app"):
            w.add_field(m.name, P.FIELD_SOURCE, None, m.source(), args.compress)
    for key, path in sorted(m.data.items()):
        w.add_field(m.name, P.FIELD_DATA_FILE, key, read(path), args.compress)


def metadata(args):
    """The "@pyembed" resource text (docs/runtime.md)."""
    run = "module" if args.run_module else "code" if args.run_code is not None else "none"
    lines = [f"format=1", f"python_magic={int.from_bytes(MAGIC, 'little')}",
             f"python_version={sys.version_info[0]}.{sys.version_info[1]}",
             f"run={run}", f"optimize={args.optimize}", "isolated=1", "site_import=0",
             "filesystem_importer=0", "sys_frozen=1", f"allocator={args.allocator}",
             f"fast_exit={int(args.fast_exit)}"]
    if args.run_module:
        lines.append(f"run_module={args.run_module}")
    return ("\n".join(lines) + "\n").encode()


def build_blob(args, log):
    """Selects, compiles and serialises; returns the blob bytes."""
    t0 = time.monotonic()
    mods = candidates(args)
    comp = Compiler(args.optimize, cache_dir(args))
    chosen = select(args, mods, comp)
    log(f"selected {len(chosen)} of {len(mods)} modules ({time.monotonic() - t0:.2f}s)")
    w = P.Writer()
    for i, name in enumerate(sorted(chosen)):
        if args.verbose:
            print(f"  {name}", file=sys.stderr)
        elif args.progress and i % 50 == 0:
            print(f"\r  compiling {i}/{len(chosen)}", end="", file=sys.stderr, flush=True)
        add_module(w, mods[name], comp, args)
    if args.progress and not args.verbose:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    w.add_resource(META, 0)
    w.add_field(META, P.FIELD_METADATA, None, metadata(args), False)
    if args.run_code is not None:
        w.add_field(META, P.FIELD_SOURCE, None, args.run_code.encode(), False)
    blob = w.finish()
    log(f"compiled ({len(comp.hits - comp.misses)} cached, {len(comp.misses)} new), "
        f"blob {len(blob)} bytes "
        f"({time.monotonic() - t0:.2f}s)")
    return blob


def find_driver(args):
    if args.driver:
        return args.driver
    sibling = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "pyembed-run")
    for cand in (sibling, P.DRIVER_INSTALLED):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise PackError("cannot find the pyembed-run driver (use --driver PATH)")


def write_exe(args, blob):
    driver = find_driver(args)
    if not args.strip:
        P.embed(driver, blob, args.output)
        return
    with tempfile.TemporaryDirectory() as tmp:
        stripped = os.path.join(tmp, "driver")
        shutil.copyfile(driver, stripped)
        strip = shutil.which("strip") or "/usr/bin/strip"
        if subprocess.run([strip, "--strip-all", stripped]).returncode != 0:
            raise PackError("strip failed")
        P.embed(stripped, blob, args.output)


def write_blob(path, blob):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def parser(cmd):
    p = argparse.ArgumentParser(prog=f"pyembed-pack {cmd}")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--module-path", action="append", default=[], metavar="DIR")
    run = p.add_mutually_exclusive_group()
    run.add_argument("--run-module", metavar="NAME")
    run.add_argument("--run-code", metavar="CODE")
    p.add_argument("--stdlib", choices=["all", "traced", "none"], default="traced")
    p.add_argument("--site-packages", action="append", default=[], metavar="DIR",
                   help="where --package finds installed distributions")
    p.add_argument("--package", action="append", default=[], metavar="NAME",
                   help="pack installed distribution NAME (modules + dist-info)")
    p.add_argument("--pip-install", action="append", default=[], metavar="ARGS",
                   help="pip install ARGS (local paths/wheels, offline) and pack the result")
    p.add_argument("--requirements", action="append", default=[], metavar="FILE",
                   help="pip install -r FILE (offline) and pack the result")
    p.add_argument("--filesystem-package", action="append", default=[], metavar="NAME[=PREFIX]",
                   help="put package NAME's files beside the output under PREFIX (default lib)")
    p.add_argument("--resources-location", default="in-memory",
                   metavar="in-memory|filesystem-relative:PREFIX")
    p.add_argument("--resources-fallback", default=None,
                   metavar="filesystem-relative:PREFIX",
                   help="where modules that cannot load from memory go (default: lib)")
    p.add_argument("--trace", choices=["all", "load-time"], default="all",
                   help="traced: follow every import (all) or only those that run when "
                        "modules load, not inside functions (load-time: much smaller, but a "
                        "function's lazy import of an unpacked module fails at run time)")
    p.add_argument("--include", action="append", default=[], metavar="MODULE")
    p.add_argument("--exclude", action="append", default=[], metavar="PATTERN")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--sources", dest="sources", action="store_const", const="all",
                     help="pack sources of every module (default: app modules only)")
    src.add_argument("--no-sources", dest="sources", action="store_const", const="none")
    p.set_defaults(sources="app")
    p.add_argument("--optimize", type=int, choices=[0, 1, 2], default=0)
    p.add_argument("--compress", action="store_true")
    p.add_argument("--strip", action="store_true", help="strip the driver before embedding")
    p.add_argument("--driver", metavar="PATH", help="driver executable to copy")
    p.add_argument("--fast-exit", action="store_true",
                   help="exit without finalising objects when the entry module ends "
                        "(atexit, thread joins and stdio flush still happen)")
    p.add_argument("--allocator", choices=["pymalloc", "malloc", "debug"], default="pymalloc",
                   help="memory allocator of the packed app (malloc: for valgrind)")
    p.add_argument("--stdlib-dir", default=P.STDLIB_DIR)
    p.add_argument("--dynload-dir", default=P.DYNLOAD_DIR)
    p.add_argument("--no-cache", action="store_true", help="do not use the bytecode cache")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv):
    cmd = argv[0]
    args = parser(cmd).parse_args(argv[1:])
    args.module_path = [os.path.abspath(d) for d in args.module_path]
    args.out_dir = os.path.dirname(os.path.abspath(args.output))
    args.fs_packages = {}
    for spec in args.filesystem_package:
        name, _, prefix = spec.partition("=")
        args.fs_packages[name] = check_prefix(prefix or "lib")
    for opt in ("resources_location", "resources_fallback"):
        value = getattr(args, opt)
        if value and value != "in-memory":
            if not value.startswith("filesystem-relative:"):
                raise PackError(f"--{opt.replace('_', '-')}: expected in-memory or "
                                "filesystem-relative:PREFIX")
            check_prefix(value.split(":", 1)[1])
    if args.pip_install or args.requirements:
        with tempfile.TemporaryDirectory(prefix="pyembed-pip-") as staging:
            args.module_path.append(pip_install(args, staging))
            return finish(cmd, args)
    return finish(cmd, args)


def check_prefix(prefix):
    """A filesystem-relative prefix must stay below the output directory."""
    if not prefix or os.path.isabs(prefix) or ".." in prefix.split("/"):
        raise PackError(f"bad filesystem-relative prefix '{prefix}'")
    return prefix


def finish(cmd, args):
    """Builds and writes the output; returns the exit status."""
    args.progress = sys.stderr.isatty() and not args.quiet
    log = (lambda msg: None) if args.quiet else (lambda msg: print("pyembed-pack: " + msg, file=sys.stderr))
    t0 = time.monotonic()
    blob = build_blob(args, log)
    if cmd == "blob":
        write_blob(args.output, blob)
    else:
        write_exe(args, blob)
    log(f"wrote {args.output} ({os.path.getsize(args.output)} bytes, {time.monotonic() - t0:.2f}s)")
    return 0


def run():
    """Entry point called by pack_main.c; returns the exit status."""
    try:
        return main(sys.argv[1:])
    except PackError as e:
        print(f"pyembed-pack: {e}", file=sys.stderr)
        return 1
    except SystemExit as e:  # argparse
        return e.code if isinstance(e.code, int) else 2
    except OSError as e:
        print(f"pyembed-pack: {e}", file=sys.stderr)
        return 1
