"""PythonExecutable: one executable and where its resources come from
(docs/config.md 4.4), and PythonEmbeddedResources (its blob)."""
import os

from .errors import EvalError, did_you_mean
from .files import FileManifest
from .resources import Resource, Resources, module_source
from .settings import Settings, f_bool, f_choice, unsupported, want_bool, want_choice, \
    want_module_name, want_str, want_strs
from .values import Object, SDict, SList, type_name


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


def exe_compress(self, name, v):
    """compress: True (= "all"), False (= "none"), "all", "lazy" or "none"."""
    if isinstance(v, bool):
        return "all" if v else "none"
    return want_choice(name, v, ("all", "lazy", "none"))


def exe_freeze(self, name, v):
    """freeze: a list of dotted module names (pyembed-pack --freeze)."""
    names = want_strs(name, v)
    for n in names:
        want_module_name(name, n)
    return tuple(dict.fromkeys(names))


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
        "compress": ("lazy", exe_compress),
        "strip": (True, f_bool),
        "driver": (None, exe_driver),
        "freeze": ((), exe_freeze),
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
