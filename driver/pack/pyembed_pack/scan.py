"""What is on disk: modules, packages, namespace packages, extension
modules, package data and distribution metadata under sys.path-style roots."""
import os
import re

from .errors import PackError
from .fsutil import read

DIST_PREFIX = "@dist/"  # resource names of dist-info (docs/runtime.md)


class Module:
    """One importable unit (or one distribution's metadata) found on disk.
    Built by the Scanner; read-only once candidates are chosen."""

    def __init__(self, name, kind, path, origin):
        self.name = name
        self.kind = kind          # module, package, namespace, extension, distinfo
        self.path = path          # .py / __init__.py / .so; None for namespace, distinfo
        self.data = {}            # data-file key -> absolute path
        self.origin = origin      # "app" or "stdlib"
        self.decision = None      # spec.Decision of a config's callbacks, or None
        self._source = None

    def source(self):
        """The module's source bytes, read once."""
        if self._source is None:
            self._source = read(self.path)
        return self._source


def importable_stem(stem):
    """Top-level file names importlib can import by name, including ones
    like _sysconfigdata__x86_64-linux-gnu that sysconfig imports."""
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", stem) is not None


def has_python(path, ignore=frozenset()):
    """True when directory path holds a .py file at any depth."""
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != "__pycache__" and os.path.join(dirpath, d) not in ignore]
        if any(f.endswith(".py") for f in files):
            return True
    return False


def add_data_dir(pkg, path, ignore=frozenset()):
    """Files under the non-package directory path become data of pkg,
    keyed by their path from path's parent (paths in ignore left out)."""
    for dirpath, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs
                         if d != "__pycache__" and os.path.join(dirpath, d) not in ignore)
        rel = os.path.relpath(dirpath, os.path.dirname(path))
        for f in sorted(files):
            if not f.endswith((".pyc", ".pyo")) and os.path.join(dirpath, f) not in ignore:
                pkg.data[os.path.join(rel, f).replace(os.sep, "/")] = os.path.join(dirpath, f)


def normalize(name):
    """PEP 503 name normalisation (as importlib.metadata compares them)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_name(resource_name):
    """The normalised project name of a dist-info resource name."""
    return normalize(resource_name[len(DIST_PREFIX):].rsplit(".", 1)[0].split("-")[0])


class Scanner:
    """Finds modules under roots, naming extension modules by the target's
    suffixes (longest first, so the ABI-tagged suffix wins over .so)."""

    def __init__(self, ext_suffixes, ignore=()):
        self.ext_suffixes = tuple(sorted(ext_suffixes, key=len, reverse=True))
        # absolute paths never scanned: what the build itself writes
        self.ignore = frozenset(os.path.abspath(p) for p in ignore)

    def ext_module_name(self, filename):
        """Module name of an extension file name, or None."""
        for suffix in self.ext_suffixes:
            if filename.endswith(suffix) and filename[: -len(suffix)].isidentifier():
                return filename[: -len(suffix)]
        return None

    def package(self, mods, path, name, kind, origin):
        """Adds package name at directory path, its submodules and data."""
        init = os.path.join(path, "__init__.py")
        pkg = mods.setdefault(name, Module(name, kind, init if kind == "package" else None,
                                           origin))
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.is_dir():
                self._package_dir(mods, pkg, entry, origin)
            elif entry.name != "__init__.py":
                self._package_file(mods, pkg, entry, origin)

    def _package_dir(self, mods, pkg, entry, origin):
        """A directory in package pkg: subpackage, namespace or data."""
        child = pkg.name + "." + entry.name
        if entry.name == "__pycache__" or entry.path in self.ignore:
            return
        if entry.name.isidentifier() and os.path.exists(os.path.join(entry.path, "__init__.py")):
            self.package(mods, entry.path, child, "package", origin)
        elif entry.name.isidentifier() and has_python(entry.path, self.ignore):
            self.package(mods, entry.path, child, "namespace", origin)
        else:
            add_data_dir(pkg, entry.path, self.ignore)

    def _package_file(self, mods, pkg, entry, origin):
        """A file in package pkg: submodule, extension or data."""
        ext = self.ext_module_name(entry.name)
        if entry.path in self.ignore:
            return
        if entry.name.endswith(".py") and entry.name[:-3].isidentifier():
            name = pkg.name + "." + entry.name[:-3]
            mods[name] = Module(name, "module", entry.path, origin)
        elif ext:
            mods[pkg.name + "." + ext] = Module(pkg.name + "." + ext, "extension", entry.path,
                                                origin)
        elif not entry.name.endswith((".pyc", ".pyo")):
            pkg.data[entry.name] = entry.path

    def root(self, root, origin):
        """{name: Module} directly importable from sys.path entry root."""
        mods = {}
        if not os.path.isdir(root):
            raise PackError(f"{root}: not a directory")
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if os.path.abspath(entry.path) not in self.ignore:
                self._root_entry(mods, entry, origin)
        return mods

    def _root_entry(self, mods, entry, origin):
        """One entry of a root: package, module, extension or dist-info."""
        if entry.is_dir() and entry.name.isidentifier() and entry.name != "__pycache__":
            if os.path.exists(os.path.join(entry.path, "__init__.py")):
                self.package(mods, entry.path, entry.name, "package", origin)
            elif has_python(entry.path, self.ignore):
                self.package(mods, entry.path, entry.name, "namespace", origin)
        elif entry.is_file() and entry.name.endswith(".py") and importable_stem(entry.name[:-3]):
            mods[entry.name[:-3]] = Module(entry.name[:-3], "module", entry.path, origin)
        elif entry.is_file() and self.ext_module_name(entry.name):
            name = self.ext_module_name(entry.name)
            mods[name] = Module(name, "extension", entry.path, origin)
        elif entry.is_dir() and entry.name.endswith((".dist-info", ".egg-info")):
            dist = Module(DIST_PREFIX + entry.name, "distinfo", None, origin)
            add_data_dir(dist, entry.path)
            dist.data = {k.split("/", 1)[1]: v for k, v in dist.data.items()}
            mods[dist.name] = dist
        elif entry.is_file() and entry.name.endswith(".egg-info"):
            # distutils' single-file form: the file is the PKG-INFO
            dist = Module(DIST_PREFIX + entry.name, "distinfo", None, origin)
            dist.data = {"PKG-INFO": entry.path}
            mods[dist.name] = dist

    def dist_top_levels(self, dist):
        """Top-level module names a dist-info describes."""
        if "top_level.txt" in dist.data:
            return [l.strip() for l in open(dist.data["top_level.txt"]).read().split()
                    if l.strip()]
        tops = set()
        record = dist.data.get("RECORD") or dist.data.get("installed-files.txt")
        for line in open(record).read().splitlines() if record else ():
            path = line.split(",")[0]
            if "installed-files.txt" in record and path.startswith("../"):
                path = path[3:]  # egg-info's list is relative to itself
            head = path.split("/")[0]
            if head.endswith(".py"):
                tops.add(head[:-3])
            elif self.ext_module_name(head):
                tops.add(self.ext_module_name(head))
            elif head and "." not in head and head != "__pycache__":
                tops.add(head)
        return sorted(tops)
