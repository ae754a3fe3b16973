"""The per-package knowledge file: what automatic tracing cannot see.

Data, shipped with the tool (pyembed_pack/knowledge/packages.toml), in the
spirit of PyInstaller's hooks and Nuitka's package configuration; users add
their own files with --knowledge FILE (later files win, key by key). Each
table `[package.NAME]` is about the top-level import name NAME:

  filesystem = true|false   its files must be (true) or need not be (false)
                            on the filesystem; unset: detected (it reads
                            __file__ and ships data files)
  importer_files = true     it finds data next to its *importer's*
                            __file__ (Flask's templates/static): app
                            packages with data that import it go
                            filesystem-relative
  hidden_imports = [...]    modules it loads by computed names
  entry_points = [...]      entry-point groups it loads plugins from: every
                            installed distribution providing one is packed
  exclude = [...]           fnmatch patterns of its modules not packed with
                            it unless something imports them (test suites,
                            build tools)
  data_files_path = "..."   a directory of non-Python files it needs beside
                            the executable (copied there; tkinter's Tcl/Tk)
  note = "..."              said in the build summary when it is packed
"""
import fnmatch
import os
import tomllib

from .errors import PackError

SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "knowledge", "packages.toml")
KEYS = {"filesystem": bool, "importer_files": bool, "hidden_imports": list,
        "entry_points": list, "exclude": list, "data_files_path": str, "note": str}


def load_file(path):
    """{package: {key: value}} of one knowledge file (PackError if bad)."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PackError(f"knowledge file {path}: {e}") from None
    out = {}
    for name, table in doc.get("package", {}).items():
        for key, value in table.items():
            if key not in KEYS or not isinstance(value, KEYS[key]):
                raise PackError(f"knowledge file {path}: [package.{name}] {key}: expected "
                                + (KEYS[key].__name__ if key in KEYS else "a known key "
                                   "(" + ", ".join(sorted(KEYS)) + ")"))
        out[name] = dict(table)
    return out


class Knowledge:
    """The merged knowledge files (the shipped one, then users')."""

    def __init__(self, files=()):
        self.packages = {}
        for path in (SHIPPED,) + tuple(files):
            for name, table in load_file(path).items():
                self.packages.setdefault(name, {}).update(table)

    def _get(self, top, key, default=None):
        return self.packages.get(top, {}).get(key, default)

    def filesystem(self, top):
        """True/False when the file says whether top needs the filesystem."""
        return self._get(top, "filesystem")

    def importer_files_packages(self):
        """Packages that read files next to their importer's __file__."""
        return [n for n, t in self.packages.items() if t.get("importer_files")]

    def hidden_imports(self, top):
        return list(self._get(top, "hidden_imports", ()))

    def entry_point_groups(self, top):
        return list(self._get(top, "entry_points", ()))

    def excluded(self, top, name):
        """True when module name of unit top is left out of the whole unit."""
        return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name, p + ".*")
                   for p in self._get(top, "exclude", ()))

    def data_files_path(self, top):
        return self._get(top, "data_files_path")

    def note(self, top):
        return self._get(top, "note")
