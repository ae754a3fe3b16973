"""The values and functions of pyembed.bzl files, with PyOxidizer's names
and meanings (docs/config.md lists each and how it maps to the build).

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

from . import allocators, targets
from .errors import EvalError, did_you_mean
from .values import Builtin, Function, Object, SDict, SList, freeze, type_name

HOST_TRIPLE = f"{os.uname().machine}-unknown-linux-gnu"
HOST_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
# exclude_test_packages(): the same patterns as --exclude-test-packages
TEST_PATTERNS = ("test", "tests", "*.test", "*.tests")
FLAVORS = ("standalone", "standalone_static")
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


# ---- argument checks (EvalError names the argument or attribute) ----------

def want_bool(name, v):
    if type(v) is not bool:
        raise EvalError(f"{name} must be a bool, not {type_name(v)}")
    return v


def want_str(name, v, none=False):
    if v is None and none:
        return None
    if type(v) is not str:
        raise EvalError(f"{name} must be a string{' or None' if none else ''}, "
                        f"not {type_name(v)}")
    return v


def want_strs(name, v, none=False):
    """A tuple of the strings of list or tuple v."""
    if v is None and none:
        return None
    if type(v) not in (SList, tuple):
        raise EvalError(f"{name} must be a list of strings, not {type_name(v)}")
    for x in v:
        if type(x) is not str:
            raise EvalError(f"{name} must be a list of strings, but has a {type_name(x)}")
    return tuple(v)


def want_choice(name, v, choices):
    want_str(name, v)
    if v not in choices:
        raise EvalError(f"{name}: '{v}' is not one of " + ", ".join(f"'{c}'" for c in choices)
                        + did_you_mean(v, choices))
    return v


def want_module_name(name, v):
    want_str(name, v)
    if not DOTTED.match(v):
        raise EvalError(f"{name}: '{v}' is not a dotted module name")
    return v


def check_prefix(name, prefix):
    if not prefix or prefix.startswith("/") or ".." in prefix.split("/"):
        raise EvalError(f"{name}: bad filesystem-relative prefix '{prefix}' (a relative "
                        "directory below the executable's)")
    return prefix


def want_location(name, v, ctx, fallback=False):
    """'in-memory' or 'filesystem-relative:PREFIX' (a fallback: None too)."""
    if fallback and v is None:
        return None
    want_str(name, v, none=fallback)
    if v == "in-memory" and not fallback:
        return v
    if v == "filesystem-relative":
        ctx.note(f"{name} = \"filesystem-relative\" has no prefix: using "
                 "filesystem-relative:lib")
        return "filesystem-relative:lib"
    if v.startswith("filesystem-relative:"):
        check_prefix(name, v.split(":", 1)[1])
        return v
    raise EvalError(f"{name}: expected " + ("" if fallback else "'in-memory' or ")
                    + f"'filesystem-relative:PREFIX', not '{v}'")


def prefix_of(location):
    """The PREFIX of filesystem-relative:PREFIX, None for in-memory/None."""
    if location and location.startswith("filesystem-relative:"):
        return location.split(":", 1)[1]
    return None


def unsupported(name, why):
    raise EvalError(f"{name}: not supported by pyembed yet ({why})")


# ---- settings objects: attributes with defaults and checks ----------------

class Settings(Object):
    """An object whose attributes are FIELDS: name -> (default, check),
    check(self, name, value) returning the value to store. UNSUPPORTED:
    PyOxidizer's names pyembed cannot honour (None only)."""

    FIELDS = {}
    UNSUPPORTED = {}

    def __init__(self):
        self.values = {k: d for k, (d, _) in self.FIELDS.items()}

    def attr_names(self):
        return sorted(set(self.FIELDS) | set(self.READONLY) | set(self.METHODS))

    def get_attr(self, name):
        if name in self.FIELDS:
            v = self.values[name]
            return SList(v) if type(v) is tuple else v
        if name in self.UNSUPPORTED:
            return None
        return Object.get_attr(self, name)

    def set_attr(self, name, value):
        if name in self.UNSUPPORTED and name not in self.FIELDS:
            if value is None:
                return
            unsupported(f"{self.TYPE}.{name}", self.UNSUPPORTED[name])
        if name not in self.FIELDS:
            return Object.set_attr(self, name, value)
        self.check_mutable(f"set {name}")
        self.values[name] = self.FIELDS[name][1](self, name, value)

    def copy_settings(self, other):
        other.values = dict(self.values)
        other.where = dict(self.where or {})
        return other

    def was_set(self, name):
        return bool(self.where and name in self.where)


def f_bool(self, name, v):
    return want_bool(name, v)


def f_bool_none(self, name, v):
    return None if v is None else want_bool(name, v)


def f_only(value, why):
    """A check accepting only value (and None): pyembed's fixed behaviour."""
    def check(self, name, v):
        if v is None or v == value:
            return value if v is None else v
        if type(v) is not type(value) and not (value is False and type(v) is int):
            raise EvalError(f"{name} must be a {type_name(value)}, not {type_name(v)}")
        unsupported(name + f" = {v!r}".replace("'", '"'), why)
    return check


def f_choice(*choices):
    return lambda self, name, v: want_choice(name, v, choices)


# ---- PythonPackagingPolicy -------------------------------------------------

def policy_location(self, name, v):
    return want_location(name, v, self.ctx)


def policy_fallback(self, name, v):
    loc = want_location(name, v, self.ctx, fallback=True)
    return loc


class Policy(Settings):
    """PythonPackagingPolicy: which resources are packed and where."""

    TYPE = "PythonPackagingPolicy"
    FIELDS = {
        "allow_files": (False, f_bool),
        "allow_in_memory_shared_library_loading": (True, f_bool),
        "bytecode_optimize_level_zero": (None, f_bool_none),
        "bytecode_optimize_level_one": (None, f_bool_none),
        "bytecode_optimize_level_two": (None, f_bool_none),
        "extension_module_filter": ("all", f_choice("all", "minimal", "no-libraries",
                                                    "no-copyleft")),
        "file_scanner_classify_files": (True, f_only(
            True, "pyembed always classifies files into typed resources")),
        "file_scanner_emit_files": (False, f_only(
            False, "pyembed packs typed resources, not File resources")),
        "include_classified_resources": (True, f_bool),
        "include_distribution_resources": (True, f_bool),
        "include_distribution_sources": (False, f_bool),
        "include_file_resources": (False, f_bool),
        "include_non_distribution_sources": (True, f_bool),
        "include_test": (False, f_only(
            False, "the standard library's test packages are never packed")),
        "resources_location": ("in-memory", policy_location),
        "resources_location_fallback": (None, policy_fallback),
        "stdlib": ("traced", f_choice("traced", "all", "none")),
        "trace": ("all", f_choice("all", "load-time")),
    }
    ATTRS = tuple(FIELDS)
    READONLY = ("preferred_extension_module_variants",)
    METHODS = ("register_resource_callback", "set_preferred_extension_module_variant",
               "set_resource_handling_mode", "exclude_test_packages", "include_module",
               "exclude_module", "set_package_location")
    POSITIONED = ("register_resource_callback",)

    def __init__(self, ctx):
        Settings.__init__(self)
        self.ctx = ctx
        self.callbacks = []
        self.callback_at = {}   # id(callback) -> Pos of its registration
        self.includes, self.excludes, self.fs_packages = [], [], []

    def copy(self):
        p = self.copy_settings(Policy(self.ctx))
        p.callbacks = list(self.callbacks)
        p.callback_at = dict(self.callback_at)
        p.includes, p.excludes = list(self.includes), list(self.excludes)
        p.fs_packages = list(self.fs_packages)
        return p

    def children(self):
        return list(self.callbacks)

    def get_attr(self, name):
        if name == "preferred_extension_module_variants":
            return SDict()
        return Settings.get_attr(self, name)

    def method_register_resource_callback(self, fn, _where=None):
        if type(fn) not in (Function, Builtin):
            raise EvalError(f"register_resource_callback: want a function, not {type_name(fn)}")
        self.check_mutable("register a resource callback")
        self.callbacks.append(fn)
        self.callback_at[id(fn)] = _where

    def method_set_preferred_extension_module_variant(self, name, value):
        want_str("name", name)
        want_str("value", value)
        if value != "default":
            unsupported(f"set_preferred_extension_module_variant({name!r}, {value!r})",
                        "pyembed's distributions have one variant, 'default', per "
                        "extension module")

    def method_set_resource_handling_mode(self, mode):
        want_choice("mode", mode, ("classify", "files"))
        if mode == "files":
            unsupported("set_resource_handling_mode(\"files\")",
                        "pyembed packs typed resources, not File resources")

    def method_exclude_test_packages(self):
        self.check_mutable("exclude test packages")
        self.excludes.extend(p for p in TEST_PATTERNS if p not in self.excludes)

    def method_include_module(self, name):
        self.check_mutable("include a module")
        self.includes.append(want_module_name("include_module", name))

    def method_exclude_module(self, pattern):
        self.check_mutable("exclude a module")
        self.excludes.append(want_str("exclude_module", pattern))

    def method_set_package_location(self, name, location):
        """Package name (all of it) goes to the filesystem (--filesystem-package)."""
        self.check_mutable("set a package location")
        want_module_name("set_package_location", name)
        loc = want_location("location", location, self.ctx)
        if loc == "in-memory":
            raise EvalError("set_package_location: in-memory is the default; give "
                            "filesystem-relative:PREFIX")
        self.fs_packages.append((name, prefix_of(loc)))


# ---- PythonInterpreterConfig -------------------------------------------------

def cfg_run_module(self, name, v):
    return None if v is None else want_module_name(name, v)


def cfg_str_none(self, name, v):
    return want_str(name, v, none=True)


def cfg_optimization(self, name, v):
    if type(v) is not int or v not in (0, 1, 2):
        raise EvalError(f"{name} must be 0, 1 or 2, not {v!r}")
    return v


def cfg_run_filename(self, name, v):
    if v is None:
        return None
    want_str(name, v)
    unsupported(name, "a packed executable runs a module or a command from its "
                "resources; use run_module or run_command")


def cfg_empty_list(why):
    """A check accepting None or an empty list only."""
    def check(self, name, v):
        if v is None:
            return None
        items = want_strs(name, v)
        if items:
            unsupported(name, why)
        return ()
    return check


def cfg_allocator(self, name, v):
    want_str(name, v)
    if v in allocators.PENDING:
        unsupported(f"{name} = \"{v}\"", "this build's runtime has "
                    + ", ".join(sorted(allocators.BACKENDS)))
    return want_choice(name, v, tuple(allocators.BACKENDS))


def cfg_mp_method(self, name, v):
    """multiprocessing_start_method: None, none or auto."""
    if v is None or v in ("none", "auto"):
        return v
    want_str(name, v)
    if v in ("fork", "forkserver", "spawn"):
        unsupported(f"{name} = \"{v}\"", "the runtime does not set a start method; "
                    "multiprocessing uses its own default")
    return want_choice(name, v, ("none", "auto", "fork", "forkserver", "spawn"))


NOT_RUNTIME = "the packed runtime does not set it"


class InterpreterConfig(Settings):
    """PythonInterpreterConfig: how the packed interpreter starts."""

    TYPE = "PythonInterpreterConfig"
    FIELDS = {
        "run_module": (None, cfg_run_module),
        "run_command": (None, cfg_str_none),
        "run_filename": (None, cfg_run_filename),
        "allocator_backend": ("default", cfg_allocator),
        "allocator_raw": (None, f_bool_none),
        "allocator_mem": (None, f_bool_none),
        "allocator_obj": (None, f_bool_none),
        "allocator_debug": (None, f_bool_none),
        "allocator_pymalloc_arena": (None, f_only(False, "pymalloc's arenas always come "
                                                  "from the system")),
        "oxidized_importer": (True, f_only(True, "the packed importer is how a packed "
                                           "executable finds its modules")),
        "filesystem_importer": (False, f_only(False, "packed executables import only from "
                                              "their resources and filesystem-relative "
                                              "files")),
        "module_search_paths": (None, cfg_empty_list("packed executables have no sys.path; "
                                                     "use filesystem-relative resources")),
        "sys_frozen": (True, f_bool),
        "sys_meipass": (False, f_only(False, "sys._MEIPASS is not set")),
        "isolated": (True, f_only(True, "packed executables always run isolated")),
        "multiprocessing_start_method": (None, cfg_mp_method),
        "optimization_level": (0, cfg_optimization),
        "write_bytecode": (None, f_only(False, "packed executables never write bytecode")),
        "bytes_warning": (None, f_only(0, NOT_RUNTIME)),
        "verbose": (None, f_only(0, NOT_RUNTIME)),
        "x_options": (None, cfg_empty_list(NOT_RUNTIME)),
        "warn_options": (None, cfg_empty_list(NOT_RUNTIME)),
        "fast_exit": (False, f_bool),
    }
    ATTRS = tuple(FIELDS)
    UNSUPPORTED = {n: NOT_RUNTIME for n in (
        "argvb", "terminfo_resolution", "write_modules_directory_env", "config_profile",
        "allocator", "configure_locale", "coerce_c_locale", "coerce_c_locale_warn",
        "development_mode", "legacy_windows_fs_encoding", "parse_argv", "use_environment",
        "utf8_mode", "base_exec_prefix", "base_executable", "base_prefix", "buffered_stdio",
        "check_hash_pycs_mode", "configure_c_stdio", "dump_refs", "exec_prefix", "executable",
        "fault_handler", "filesystem_encoding", "filesystem_errors", "hash_seed", "home",
        "import_time", "inspect", "install_signal_handlers", "interactive",
        "legacy_windows_stdio", "malloc_stats", "parser_debug", "pathconfig_warnings",
        "prefix", "program_name", "pycache_prefix", "python_path_env", "quiet",
        "show_ref_count", "site_import", "skip_first_source_line", "stdio_encoding",
        "stdio_errors", "tracemalloc", "user_site_directory")}

    def __init__(self, ctx):
        Settings.__init__(self)
        self.ctx = ctx

    def copy(self):
        return self.copy_settings(InterpreterConfig(self.ctx))

    def set_attr(self, name, value):
        Settings.set_attr(self, name, value)
        if name == "allocator_backend" and value == "rust":
            self.ctx.note("allocator_backend = \"rust\": Rust's global allocator is the "
                          "system malloc; pyembed uses its 'malloc' backend (for the domains "
                          "allocator_raw/mem/obj select)")


# ---- distributions -----------------------------------------------------------

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


# ---- resources ------------------------------------------------------------

ITERATION_NOTE = ("the resources of {what} are collected when the executable is built: "
                  "pass them to add_python_resources(), and decide per resource with "
                  "policy.register_resource_callback()")


class Resources(Object):
    """What pip_install(), read_package_root() and the like return: a
    description of resources, collected at build time."""

    TYPE = "PythonResources"

    def __init__(self, what, source):
        self.what, self.source = what, source

    def __repr__(self):
        return f"<PythonResources of {self.what}>"

    def starlark_iter(self):
        raise EvalError(ITERATION_NOTE.format(what=self.what + "()"))



class Resource(Object):
    """One resource offered to a resource callback (at build time), or made
    by make_python_module_source(): its facts and add_* attributes."""

    FREEZABLE = False
    ADD = ("add_include", "add_location", "add_location_fallback", "add_source",
           "add_bytecode_optimization_level_zero", "add_bytecode_optimization_level_one",
           "add_bytecode_optimization_level_two")

    def __init__(self, type_, facts, attrs, ctx):
        self.TYPE = type_
        self.facts = facts            # name -> value or a function returning it
        self.attrs = attrs            # add_* name -> value
        self.changes = {}             # add_* names assigned by the config
        self.ctx = ctx
        self.ATTRS = tuple(attrs)
        self.READONLY = tuple(facts)

    def read_attr(self, name):
        if name in self.attrs:
            return self.attrs[name]
        v = self.facts[name]
        return v() if callable(v) else v

    def set_attr(self, name, value):
        if name not in self.attrs:
            return Object.set_attr(self, name, value)
        if name in ("add_location",):
            value = want_location(name, value, self.ctx)
        elif name == "add_location_fallback":
            value = want_location(name, value, self.ctx, fallback=True)
        else:
            want_bool(name, value)
        self.attrs[name] = value
        self.changes[name] = value


def module_source(ctx, name, source, is_package, policy):
    """The PythonModuleSource of make_python_module_source()."""
    attrs = {"add_include": policy.values["include_classified_resources"],
             "add_location": policy.values["resources_location"],
             "add_location_fallback": policy.values["resources_location_fallback"],
             "add_source": policy.values["include_non_distribution_sources"]}
    for lvl, word in enumerate(("zero", "one", "two")):
        attrs["add_bytecode_optimization_level_" + word] = policy.values[
            "bytecode_optimize_level_" + word]
    r = Resource("PythonModuleSource", {"name": name, "source": source,
                                        "is_package": is_package, "is_stdlib": False}, attrs, ctx)
    r.FREEZABLE = True
    return r


# ---- PythonExecutable ------------------------------------------------------

def exe_load_mode(self, name, v):
    want_str(name, v)
    if v != "embedded:packed-resources":
        unsupported(f"{name} = \"{v}\"", "resources are always embedded in the executable")
    return v


def exe_tcl(self, name, v):
    if v is None:
        return None
    want_str(name, v)
    unsupported(name, "tcl/tk files are not packed (tkinter is left out)")


def exe_driver(self, name, v):
    if v is None:
        return None
    return self.ctx.path(want_str(name, v))


class Executable(Settings):
    """PythonExecutable: one executable and where its resources come from."""

    TYPE = "PythonExecutable"
    FIELDS = {
        "packed_resources_load_mode": ("embedded:packed-resources", exe_load_mode),
        "tcl_files_path": (None, exe_tcl),
        # Windows only (PyOxidizer ignores them elsewhere; accepted so that
        # configs shared with Windows builds evaluate)
        "windows_runtime_dlls_mode": ("when-present", f_choice("never", "when-present",
                                                                "always")),
        "windows_subsystem": ("console", lambda s, n, v: want_str(n, v)),
        "compress": (False, f_bool),
        "strip": (False, f_bool),
        "driver": (None, exe_driver),
    }
    ATTRS = tuple(FIELDS)
    READONLY = ("name",)
    METHODS = ("add_python_resource", "add_python_resources", "filter_from_files",
               "filter_resources_from_files", "make_python_module_source", "pip_download",
               "pip_install", "read_package_root", "read_site_packages", "read_virtualenv",
               "to_embedded_resources", "to_file_manifest")

    def __init__(self, ctx, name, dist, policy, config, where):
        Settings.__init__(self)
        self.ctx, self.name, self.dist = ctx, name, dist
        self.policy, self.config, self.created_at = policy, config, where
        self.pip_args, self.pip_env = [], {}
        self.module_paths, self.package_roots = [], []
        self.site_packages, self.packages = [], []
        self.extra_modules = []
        self.stdlib_all = False
        self.name_filter = None

    def __repr__(self):
        return f"<PythonExecutable {self.name}>"

    def children(self):
        return [self.policy, self.config, self.dist]

    def get_attr(self, name):
        if name == "name":
            return self.name
        return Settings.get_attr(self, name)

    # resource sources
    def method_pip_install(self, args, extra_envs=None):
        """The resources pip installs from args (offline), at build time."""
        args = want_strs("args", args)
        env = {}
        if extra_envs is not None:
            if type(extra_envs) is not SDict:
                raise EvalError(f"extra_envs must be a dict, not {type_name(extra_envs)}")
            for k, v in extra_envs.items():
                env[want_str("extra_envs key", k)] = want_str(f"extra_envs[{k!r}]", v)
        return Resources("pip_install", ("pip", args, tuple(sorted(env.items()))))

    def method_pip_download(self, args):
        args = want_strs("args", args)
        return Resources("pip_download", ("pip", ("--only-binary=:all:",) + args, ()))

    def method_read_package_root(self, path, packages=None):
        """The named top-level packages/modules of directory path (all without packages)."""
        root = self.ctx.path(want_str("path", path))
        names = want_strs("packages", packages, none=True)
        if not os.path.isdir(root):
            raise EvalError(f"read_package_root: {path}: not a directory")
        if names is not None:
            entries = os.listdir(root)
            for n in names:
                if not (os.path.isdir(os.path.join(root, n)) or n + ".py" in entries):
                    raise EvalError(f"read_package_root: no package or module '{n}' in {path}"
                                    + did_you_mean(n, [e[:-3] if e.endswith(".py") else e
                                                       for e in entries]))
        return Resources("read_package_root", ("root", root, names))

    def method_read_virtualenv(self, path):
        """Everything in the virtualenv's lib/pythonX.Y/site-packages."""
        venv = self.ctx.path(want_str("path", path))
        lib = os.path.join(venv, "lib")
        sites = sorted(os.path.join(lib, d, "site-packages") for d in
                       (os.listdir(lib) if os.path.isdir(lib) else ())
                       if d.startswith("python") and
                       os.path.isdir(os.path.join(lib, d, "site-packages")))
        if not sites:
            raise EvalError(f"read_virtualenv: {path}: no lib/pythonX.Y/site-packages")
        if len(sites) > 1:
            raise EvalError(f"read_virtualenv: {path} has several site-packages: "
                            + ", ".join(sites))
        return Resources("read_virtualenv", ("root", sites[0], None))

    def method_read_site_packages(self, path, packages):
        site = self.ctx.path(want_str("path", path))
        names = want_strs("packages", packages)
        if not os.path.isdir(site):
            raise EvalError(f"read_site_packages: {path}: not a directory")
        return Resources("read_site_packages", ("site", site, names))

    def method_make_python_module_source(self, name, source, is_package=False):
        want_module_name("name", name)
        want_str("source", source)
        want_bool("is_package", is_package)
        return module_source(self.ctx, name, source, is_package, self.policy)

    # adding
    def method_add_python_resource(self, resource):
        self.check_mutable("add resources")
        self.add(resource)

    def method_add_python_resources(self, resources):
        """Adds a PythonResources value or a list of resources."""
        self.check_mutable("add resources")
        if isinstance(resources, Resources):
            self.add(resources)
            return
        if type(resources) not in (SList, tuple):
            raise EvalError(f"add_python_resources: want resources, not {type_name(resources)}")
        for r in resources:
            self.add(r)

    def add(self, r):
        """Adds one resource source or in-config module."""
        if isinstance(r, Resources):
            self.add_source(r.source)
        elif isinstance(r, Resource) and r.TYPE == "PythonModuleSource" and "source" in r.facts:
            if r.attrs["add_include"]:
                self.extra_modules.append((r.facts["name"], r.facts["source"],
                                           r.facts["is_package"],
                                           tuple(sorted(r.changes.items()))))
        else:
            raise EvalError(f"add_python_resource: want a resource, not {type_name(r)}")

    def add_source(self, source):
        """Records where resources come from (pip, a root, a site dir, the stdlib)."""
        kind = source[0]
        if kind == "pip":
            self.pip_args.extend(source[1])
            for k, v in source[2]:
                if self.pip_env.get(k, v) != v:
                    raise EvalError(f"pip_install: extra_envs {k} differs from an earlier "
                                    "pip_install of this executable (all run as one pip)")
                self.pip_env[k] = v
        elif kind == "root":
            _, root, names = source
            if names is None:
                if root not in self.module_paths:
                    self.module_paths.append(root)
            else:
                self.package_roots.append((root, names))
        elif kind == "site":
            if source[1] not in self.site_packages:
                self.site_packages.append(source[1])
            self.packages.extend(n for n in source[2] if n not in self.packages)
        else:
            self.stdlib_all = True

    def method_filter_from_files(self, files=(), glob_files=()):
        """Keeps only the resources named in files (one per line, # comments)."""
        import glob
        names = set()
        paths = [self.ctx.path(p) for p in want_strs("files", files)]
        for pattern in want_strs("glob_files", glob_files):
            paths += sorted(glob.glob(self.ctx.path(pattern), recursive=True))
        for p in paths:
            try:
                with open(p, encoding="utf-8") as f:
                    names.update(l.strip() for l in f if l.strip() and not l.startswith("#"))
            except (OSError, UnicodeDecodeError) as e:
                raise EvalError(f"filter_from_files: {p}: {e}") from None
        self.check_mutable("filter resources")
        self.name_filter = names if self.name_filter is None else self.name_filter & names

    method_filter_resources_from_files = method_filter_from_files

    # other products
    def method_to_embedded_resources(self):
        return EmbeddedResources(self)

    def method_to_file_manifest(self, prefix):
        m = FileManifest(self.ctx)
        m.method_add_python_resource(prefix, self)
        return m


class EmbeddedResources(Object):
    """PythonEmbeddedResources: an executable's resources as a blob file
    (for C hosts: pyembed-pack blob)."""

    TYPE = "PythonEmbeddedResources"

    def __init__(self, exe):
        self.exe = exe

    def children(self):
        return [self.exe]


# ---- files ---------------------------------------------------------------

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
        if not isinstance(value, Executable):
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


# ---- the evaluation's context and predeclared names -------------------------

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
