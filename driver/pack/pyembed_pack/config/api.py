"""The values and functions of pyembed.bzl files, with PyOxidizer's names
and meanings (docs/config.md lists each and how it maps to the build):
the distributions, the evaluation's Context and the predeclared names;
the objects are in policy, interpreter, executable, resources and files.

Evaluation only describes: a PythonExecutable records where its resources
come from (pip arguments, package roots, ...) and takes copies of its
packaging policy and interpreter config; nothing is scanned, installed or
built until a target is built (to_spec.py, commands.py). So a collection
such as pip_install()'s result is opaque: it is passed to
add_python_resources(), and per-resource decisions are made by resource
callbacks, which run at build time on every candidate resource.

Defaults are pyembed's (the same as the command line's), which differ from
PyOxidizer's in a few places (sys_frozen, sources, stdlib data); a setting
pyembed cannot honour is an error naming it, never ignored.
"""
import os
import re
import sys

from . import targets
from .errors import EvalError
from .executable import Executable
from .files import FileContent, FileManifest
from .interpreter import InterpreterConfig
from .policy import Policy
from .resources import Resources
from .settings import unsupported, want_choice, want_str
from .values import Builtin, Object, SDict, freeze, type_name

HOST_TRIPLE = f"{os.uname().machine}-unknown-linux-gnu"
HOST_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
FLAVORS = ("standalone", "standalone_static")


class Distribution(Object):
    """PythonDistribution: the Python an executable embeds. kind 'host'
    (the system Python pyembed-pack was built with), 'stored' (the newest
    CPython X.Y in the local store) or 'given' (an archive, directory or
    URL). Resolved when a target using it is built."""

    TYPE = "PythonDistribution"
    METHODS = ("make_python_packaging_policy", "make_python_interpreter_config",
               "python_resources", "to_python_executable")
    POSITIONED = ("to_python_executable",)

    def __init__(self, ctx, kind, given=None, sha256=None, python=None, triple=None,
                 where=None):
        self.ctx, self.kind = ctx, kind
        self.given, self.sha256, self.python, self.triple = given, sha256, python, triple
        self.where = where  # the Pos of the call that made it

    def __repr__(self):
        return f"<PythonDistribution {self.describe()}>"

    def describe(self):
        if self.kind == "host":
            return f"the system Python {HOST_VERSION}"
        if self.kind == "stored":
            return f"CPython {self.python} from the local store"
        return self.given

    def method_make_python_packaging_policy(self):
        return Policy(self.ctx)

    def method_make_python_interpreter_config(self):
        return InterpreterConfig(self.ctx)

    def method_python_resources(self):
        return Resources("python_resources", ("stdlib",))

    def method_to_python_executable(self, name, packaging_policy=None, config=None,
                                    _where=None):
        """A PythonExecutable with copies of the policy and config as they are now."""
        want_str("name", name)
        if not name or "/" in name or name in (".", ".."):
            raise EvalError(f"to_python_executable: '{name}' is not a file name")
        if packaging_policy is not None and not isinstance(packaging_policy, Policy):
            raise EvalError("packaging_policy must be a PythonPackagingPolicy, not "
                            + type_name(packaging_policy))
        if config is not None and not isinstance(config, InterpreterConfig):
            raise EvalError("config must be a PythonInterpreterConfig, not " + type_name(config))
        policy = (packaging_policy or Policy(self.ctx)).copy()
        cfg = (config or InterpreterConfig(self.ctx)).copy()
        return Executable(self.ctx, name, self, policy, cfg, _where)


def default_python_distribution(ctx, flavor="standalone", build_target=None,
                                python_version=None, _where=None):
    """The host's Python unless another version (or, with --distribution /
    --python on the command line, another default) is asked for."""
    want_choice("flavor", flavor, FLAVORS + ("standalone_dynamic",))
    if flavor == "standalone_dynamic":
        unsupported("flavor = \"standalone_dynamic\"", "pyembed links libpython statically")
    triple = want_str("build_target", build_target, none=True)
    version = want_str("python_version", python_version, none=True)
    if version is not None and not re.fullmatch(r"3\.\d+", version):
        raise EvalError(f"python_version: '{version}' is not X.Y (e.g. \"3.13\")")
    if triple == HOST_TRIPLE:
        triple = None
    if version is None and ctx.default_distribution:
        kind, given, sha, python = ctx.default_distribution
        return Distribution(ctx, kind, given, sha, python, triple, _where)
    if version is None or version == HOST_VERSION:
        return Distribution(ctx, "host", triple=triple, where=_where)
    return Distribution(ctx, "stored", python=version, triple=triple, where=_where)


def python_distribution(ctx, sha256=None, local_path=None, url=None, flavor="standalone"):
    """PythonDistribution(sha256, local_path=, url=): an archive (or, a
    pyembed extension, a directory) on disk, or a URL with its SHA-256."""
    want_choice("flavor", flavor, FLAVORS)
    want_str("sha256", sha256, none=True)
    want_str("local_path", local_path, none=True)
    want_str("url", url, none=True)
    if (local_path is None) == (url is None):
        raise EvalError("PythonDistribution: give exactly one of local_path and url")
    if sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise EvalError(f"sha256: '{sha256}' is not 64 hexadecimal digits")
    if url is not None:
        if not re.match(r"(https?|file)://", url):
            raise EvalError(f"url: '{url}' is not an http(s):// or file:// URL")
        if sha256 is None and not url.startswith("file://"):
            raise EvalError("PythonDistribution: a URL needs sha256 (the SHA-256 of its "
                            "archive)")
        return Distribution(ctx, "given", url, sha256 and sha256.lower())
    path = ctx.path(local_path)
    if os.path.isdir(path) and sha256 is not None:
        raise EvalError(f"sha256 names an archive, but local_path {local_path} is a directory")
    if not os.path.exists(path):
        raise EvalError(f"local_path: {local_path}: no such file or directory")
    return Distribution(ctx, "given", path, sha256 and sha256.lower())


class Context:
    """What one evaluation of a config knows: its file, VARS, the build
    path, the targets, the default distribution and how to build."""

    def __init__(self, config_path, vars_=None, default_distribution=None, quiet=False):
        self.config_path = os.path.abspath(config_path)
        self.cwd = os.path.dirname(self.config_path)
        self.vars = freeze(SDict(vars_ or {}))
        self.build_path = os.path.join(self.cwd, "build")
        self.targets = targets.Registry()
        self.default_distribution = default_distribution
        self.quiet = quiet
        self.notes = []
        self.install_manifest = self.no_install

    def no_install(self, manifest, dest, replace):
        raise EvalError("FileManifest.install() builds files, which this command does not do")

    def path(self, p):
        """p relative to the config file's directory (CWD)."""
        return os.path.normpath(os.path.join(self.cwd, p))

    def note(self, msg):
        """An informational line (once per message) on stderr."""
        if msg not in self.notes:
            self.notes.append(msg)
            if not self.quiet:
                print("pyembed-pack: note: " + msg, file=sys.stderr)

    def set_build_path(self, path):
        self.build_path = self.path(want_str("path", path))

    def predeclared(self):
        """The names every file of this evaluation sees (with Starlark's builtins)."""
        ctx = self

        def fn(name, f, wants_pos=False):
            return name, Builtin(name, f, wants_pos)
        reg = self.targets
        return dict([
            ("BUILD_TARGET_TRIPLE", HOST_TRIPLE), ("CWD", self.cwd),
            ("CONFIG_PATH", self.config_path), ("VARS", self.vars),
            fn("default_python_distribution",
               lambda flavor="standalone", build_target=None, python_version=None, _where=None:
               default_python_distribution(ctx, flavor, build_target, python_version, _where),
               True),
            fn("PythonDistribution",
               lambda sha256=None, local_path=None, url=None, flavor="standalone":
               python_distribution(ctx, sha256, local_path, url, flavor)),
            fn("register_target", reg.register, True),
            fn("resolve_target", reg.resolve_target, True),
            fn("resolve_targets", reg.resolve_targets, True),
            fn("set_build_path", self.set_build_path),
            fn("FileManifest", lambda: FileManifest(ctx)),
            fn("FileContent", lambda path=None, filename=None, content=None, executable=False:
               FileContent(ctx, path, filename, content, executable)),
        ])
