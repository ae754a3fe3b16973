"""PythonInterpreterConfig: how the packed interpreter starts
(docs/config.md 4.3). A field the runtime cannot honour accepts only the
value pyembed has; anything else is an error naming it."""
from . import allocators
from .errors import EvalError
from .settings import Settings, f_bool, f_bool_none, f_only, unsupported, want_choice, \
    want_module_name, want_str, want_strs


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
        "allocator_pymalloc_arena": (None, f_bool_none),
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
        "full_exit": (False, f_bool),
        "prefetch": (True, f_bool),
        "allocator_tracking": (False, f_bool),
        "parse_argv": (False, f_bool),
    }
    ATTRS = tuple(FIELDS)
    UNSUPPORTED = {n: NOT_RUNTIME for n in (
        "argvb", "terminfo_resolution", "write_modules_directory_env", "config_profile",
        "allocator", "configure_locale", "coerce_c_locale", "coerce_c_locale_warn",
        "development_mode", "legacy_windows_fs_encoding", "use_environment",
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
                          "allocator_raw/mem/obj/pymalloc_arena select)")
