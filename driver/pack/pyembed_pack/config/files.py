"""FileContent and FileManifest: files and executables installed together
(docs/config.md 4.6)."""
import os

from .errors import EvalError
from .settings import want_bool, want_str
from .values import Object, SList, type_name


def rel_path(name, p):
    want_str(name, p)
    norm = os.path.normpath(p)
    if os.path.isabs(p) or norm == ".." or norm.startswith("../"):
        raise EvalError(f"{name}: '{p}' must be a relative path inside the manifest")
    return "" if norm == "." else norm


class FileContent(Object):
    """FileContent(path=, filename=, content=, executable=): a file's bytes."""

    TYPE = "FileContent"
    ATTRS = ("filename", "executable")

    def __init__(self, ctx, path=None, filename=None, content=None, executable=False):
        want_str("path", path, none=True)
        want_str("content", content, none=True)
        want_bool("executable", executable)
        if (path is None) == (content is None):
            raise EvalError("FileContent: give exactly one of path and content")
        if path is not None:
            src = ctx.path(path)
            try:
                with open(src, "rb") as f:
                    self.data = f.read()
            except OSError as e:
                raise EvalError(f"FileContent: {path}: {e.strerror}") from None
            self.a_executable = executable or os.access(src, os.X_OK)
        else:
            self.data = content.encode("utf-8")
            self.a_executable = executable
        name = want_str("filename", filename, none=True) or (path and os.path.basename(path))
        if not name:
            raise EvalError("FileContent: filename is needed with content")
        self.a_filename = name

    def set_attr(self, name, value):
        if name == "filename":
            want_str(name, value)
        elif name == "executable":
            want_bool(name, value)
        Object.set_attr(self, name, value)


class FileManifest(Object):
    """FileManifest(): files and executables installed together (the
    'install' target of the usual config)."""

    TYPE = "FileManifest"
    METHODS = ("add_file", "add_manifest", "add_python_resource", "install", "paths")

    def __init__(self, ctx):
        self.ctx = ctx
        self.files = {}     # relative path -> FileContent
        self.exes = []      # (prefix, Executable)

    def children(self):
        return list(self.files.values()) + [e for _, e in self.exes]

    def method_add_file(self, content, path=None, directory=None):
        """Adds content at path, or at directory/its filename."""
        self.check_mutable("add a file")
        if not isinstance(content, FileContent):
            raise EvalError(f"add_file: want a FileContent, not {type_name(content)}")
        if path is not None:
            rel = rel_path("path", path)
        else:
            rel = os.path.join(rel_path("directory", directory or "."), content.a_filename)
        self.files[os.path.normpath(rel)] = content

    def method_add_manifest(self, manifest):
        self.check_mutable("add a manifest")
        if not isinstance(manifest, FileManifest):
            raise EvalError(f"add_manifest: want a FileManifest, not {type_name(manifest)}")
        self.files.update(manifest.files)
        self.exes.extend(manifest.exes)

    def method_add_python_resource(self, prefix, value):
        self.check_mutable("add an executable")
        prefix = rel_path("prefix", prefix)
        if getattr(value, "TYPE", None) != "PythonExecutable":
            raise EvalError(f"add_python_resource: pyembed's manifests take a PythonExecutable, "
                            f"not {type_name(value)}")
        self.exes.append((prefix, value))

    def method_paths(self):
        return SList(sorted(list(self.files) +
                            [os.path.join(p, e.name) if p else e.name for p, e in self.exes]))

    def method_install(self, path, replace=True):
        want_bool("replace", replace)
        dest = os.path.join(self.ctx.build_path, want_str("path", path))
        self.ctx.install_manifest(self, dest, replace)
