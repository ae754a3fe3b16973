"""PythonPackagingPolicy: which resources are packed and where
(docs/config.md 4.2)."""
from .errors import EvalError
from .settings import Settings, f_bool, f_bool_none, f_choice, f_only, prefix_of, \
    unsupported, want_choice, want_location, want_module_name, want_str
from .values import Builtin, Function, SDict, type_name

# exclude_test_packages(): the same patterns as --exclude-test-packages
TEST_PATTERNS = ("test", "tests", "*.test", "*.tests")


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
