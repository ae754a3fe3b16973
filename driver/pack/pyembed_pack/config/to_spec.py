"""A PythonExecutable (api.py) as the BuildSpec the command line would make
for the same options (docs/config.md has the table), plus, when the config
has resource callbacks, the decide function the pipeline calls for every
candidate module.
"""
import os
import sys

from .. import cli
from ..spec import BuildSpec, Decision, allocator_problem, canonical_levels, pack_time_link
from ..scan import DIST_PREFIX
from .allocators import AllocatorError, runtime_allocator
from .api import HOST_TRIPLE
from .resources import Resource
from .settings import prefix_of
from .errors import EvalError, StarlarkError
from .values import call

LEVEL_WORDS = ("zero", "one", "two")


class Options:
    """Command-line options of a config build that apply to every target."""

    def __init__(self, quiet=False, verbose=False, no_cache=False, stdlib_dir=None,
                 dynload_dir=None):
        self.quiet, self.verbose, self.no_cache = quiet, verbose, no_cache
        self.stdlib_dir, self.dynload_dir = stdlib_dir, dynload_dir


def where(obj, name, exe):
    """The Pos where obj's attribute name was set, else where exe was made."""
    return (obj.where or {}).get(name) or exe.created_at


def fail(obj, name, exe, msg):
    return where(obj, name, exe).error(msg)


def allocator(exe, linked):
    """(allocator, domains, debug) of exe's interpreter config
    (allocators.py), checked against the driver the build will use."""
    try:
        runtime, domains, debug = runtime_allocator(exe.config.values)
    except AllocatorError as e:
        raise fail(exe.config, e.field, exe, str(e)) from None
    problem = allocator_problem(runtime, linked, exe.values["driver"])
    if problem:
        raise fail(exe.config, "allocator_backend", exe,
                   f"allocator_backend = \"{exe.config.values['allocator_backend']}\": {problem}")
    return runtime, domains, debug


def exit_mode(exe):
    """full_exit, which fast_exit excludes (as --fast-exit / --full-exit)."""
    cfg = exe.config.values
    if cfg["fast_exit"] and cfg["full_exit"]:
        raise fail(exe.config, "full_exit", exe, "fast_exit and full_exit are both set; an "
                   "executable exits one way")
    return cfg["full_exit"]


def bytecode_levels(exe):
    """(optimize, packed levels) from optimization_level and the policy's
    bytecode_optimize_level_* (unset: just optimization_level)."""
    optimize = exe.config.values["optimization_level"]
    pol = exe.policy.values
    chosen = {i for i, w in enumerate(LEVEL_WORDS) if pol["bytecode_optimize_level_" + w]}
    explicit = any(pol["bytecode_optimize_level_" + w] is not None for w in LEVEL_WORDS)
    if not explicit:
        return optimize, (optimize,)
    if optimize not in chosen:
        raise fail(exe.config, "optimization_level", exe,
                   f"optimization_level is {optimize} but the packaging policy packs no "
                   f"level-{optimize} bytecode (set bytecode_optimize_level_"
                   f"{LEVEL_WORDS[optimize]} = True)")
    return optimize, tuple(sorted(chosen))


def sources(exe):
    """--sources all|app|none of include_distribution_sources and
    include_non_distribution_sources."""
    dist, app = (exe.policy.values[k] for k in ("include_distribution_sources",
                                                 "include_non_distribution_sources"))
    if dist and not app:
        raise fail(exe.policy, "include_non_distribution_sources", exe,
                   "include_distribution_sources = True with include_non_distribution_sources "
                   "= False is not supported (sources of the standard library but not of the "
                   "app)")
    return "all" if dist else ("app" if app else "none")


def distribution_fields(exe):
    """(distribution, distribution_sha256, python) of exe's distribution."""
    d = exe.dist
    if d.kind == "host":
        return None, None, None
    if d.kind == "stored":
        return None, None, d.python
    return d.given, d.sha256, None


def run_fields(exe):
    v = exe.config.values
    if v["run_module"] is not None and v["run_command"] is not None:
        raise fail(exe.config, "run_command", exe, "run_module and run_command are both set; "
                   "an executable runs one of them")
    return v["run_module"], v["run_command"]


def check_buildable(exe):
    """StarlarkError unless this host can build for exe's distribution's
    platform (the platform of a given archive is checked when it is read)
    and a stored distribution asked for is there."""
    d = exe.dist
    if d.triple and d.triple != HOST_TRIPLE:
        raise exe.created_at.error(
            f"cannot build {exe.name} for {d.triple}: this host builds executables for "
            f"{HOST_TRIPLE} only (pyembed builds for the machine it runs on)")
    if d.kind == "stored":
        from ..dist import resolve
        st = resolve.the_store(lambda msg: None)
        if not st.find_minor(d.python):
            raise (d.where or exe.created_at).error(
                f"no CPython {d.python} distribution in {st.root}; make one with: "
                f"pyembed-pack dist build --python {d.python}")


def package_roots(exe):
    """package_roots with the names of one root merged, in first-use order."""
    merged = {}
    for root, names in exe.package_roots:
        merged.setdefault(root, [])
        merged[root].extend(n for n in names if n not in merged[root])
    return tuple((root, tuple(names)) for root, names in merged.items())


def executable_spec(exe, command, output, opts):
    """The BuildSpec building exe (command 'build' or 'blob') into output."""
    pol, cfg = exe.policy.values, exe.config.values
    optimize, levels = bytecode_levels(exe)
    run_module, run_code = run_fields(exe)
    distribution, sha256, python = distribution_fields(exe)
    pip_args = tuple(exe.pip_args) if exe.pip_args else None
    frozen = exe.values["freeze"]
    if frozen and exe.values["driver"]:
        raise fail(exe, "freeze", exe, "freeze links a driver of its own; it cannot go "
                   "with driver")
    alloc, domains, alloc_debug = allocator(exe, pack_time_link(distribution or python, frozen))
    spec = BuildSpec(
        command=command, output=output, out_dir=os.path.dirname(os.path.abspath(output)),
        module_paths=tuple(exe.module_paths), run_module=run_module, run_code=run_code,
        stdlib="all" if exe.stdlib_all else pol["stdlib"], trace=pol["trace"],
        include=tuple(exe.policy.includes), exclude=tuple(dict.fromkeys(exe.policy.excludes)),
        site_packages=tuple(exe.site_packages), venvs=(), packages=tuple(exe.packages),
        knowledge_files=(), memory_packages=(), python_argv=cfg["parse_argv"],
        pip_args=pip_args, fs_packages=tuple(dict(exe.policy.fs_packages).items()),
        resources_location=prefix_of(pol["resources_location"]),
        resources_fallback=prefix_of(pol["resources_location_fallback"]) or "lib",
        sources=sources(exe), optimize=optimize, compress=exe.values["compress"] == "all",
        compress_lazy=exe.values["compress"] == "lazy", strip=exe.values["strip"],
        driver=exe.values["driver"], fast_exit=cfg["fast_exit"], full_exit=exit_mode(exe),
        allocator=alloc, allocator_domains=domains, allocator_debug=alloc_debug,
        allocator_tracking=cfg["allocator_tracking"], distribution=distribution, distribution_sha256=sha256,
        python=python, stdlib_dir=opts.stdlib_dir if exe.dist.kind == "host" else None,
        dynload_dir=opts.dynload_dir if exe.dist.kind == "host" else None,
        cache_root=cli.cache_root(opts.no_cache), quiet=opts.quiet, verbose=opts.verbose,
        progress=sys.stderr.isatty() and not opts.quiet,
        extension_filter=pol["extension_module_filter"],
        extensions_in_memory=pol["allow_in_memory_shared_library_loading"],
        stdlib_data=pol["include_distribution_resources"],
        bytecode_levels=canonical_levels(levels, optimize), sys_frozen=cfg["sys_frozen"],
        pip_env=tuple(sorted(exe.pip_env.items())),
        pip_cwd=exe.ctx.cwd if pip_args is not None else None,
        package_roots=package_roots(exe), freeze=frozen, prefetch=cfg["prefetch"],
        extra_modules=tuple((n, s, p) for n, s, p, _ in exe.extra_modules),
        decide=decider(exe))
    return spec


# ---- resource callbacks at build time ---------------------------------------

def location_string(prefix):
    return "in-memory" if prefix is None else "filesystem-relative:" + prefix


def offered(m, spec, exe):
    """(Starlark type, facts, add_* attributes as the build would do it) of
    candidate m."""
    pol = exe.policy.values
    attrs = {"add_include": True}
    if m.kind == "distinfo":
        dirname = m.name[len(DIST_PREFIX):]
        stem = dirname.rsplit(".", 1)[0]
        package, _, version = stem.partition("-")
        return "PythonPackageDistributionResource", {
            "name": dirname, "package": package, "version": version, "is_stdlib": False}, attrs
    attrs["add_location"] = location_string(spec.default_location(m))
    attrs["add_location_fallback"] = pol["resources_location_fallback"]
    facts = {"name": m.name, "is_stdlib": m.origin == "stdlib"}
    if m.kind == "extension":
        return "PythonExtensionModule", facts, attrs
    attrs["add_source"] = spec.packs_source(m)
    for level, word in enumerate(LEVEL_WORDS):
        attrs["add_bytecode_optimization_level_" + word] = level in spec.levels
    facts["is_package"] = m.kind in ("package", "namespace")
    facts["source"] = (lambda: m.source().decode("utf-8", "replace")) if m.path else ""
    return "PythonModuleSource", facts, attrs


def decision(before, after):
    """The Decision of a callback's changes (None when there are none)."""
    if before == after:
        return None
    changed = {k for k in after if after[k] != before.get(k)}
    loc = after.get("add_location") if "add_location" in changed else None
    fallback = after.get("add_location_fallback") if "add_location_fallback" in changed else None
    levels = None
    if any(k.startswith("add_bytecode") for k in changed):
        levels = tuple(i for i, w in enumerate(LEVEL_WORDS)
                       if after["add_bytecode_optimization_level_" + w])
    return Decision(include=after["add_include"],
                    location=None if loc is None else
                    ("in-memory" if loc == "in-memory" else prefix_of(loc)),
                    fallback=prefix_of(fallback),
                    source=after["add_source"] if "add_source" in changed else None,
                    levels=levels)


def run_callbacks(exe, resource, name):
    """Runs exe's resource callbacks on resource (Starlark errors at their
    place in the file, with the module named)."""
    for fn in exe.policy.callbacks:
        try:
            call(fn, [exe.policy, resource], {})
        except EvalError as e:
            raise exe.policy.callback_at.get(id(fn), exe.created_at).error(
                f"resource callback: {e}") from None
        except StarlarkError as e:
            raise e.with_note(f"in the resource callback, for resource '{name}'")


def decider(exe):
    """decide(module, spec) -> Decision|None for exe, or None when nothing
    in the config decides per resource."""
    callbacks = exe.policy.callbacks
    include = exe.policy.values["include_classified_resources"]
    names = exe.name_filter
    explicit = {n: dict(ch) for n, _, _, ch in exe.extra_modules if ch}
    if not callbacks and include and names is None and not explicit:
        return None

    def decide(m, spec):
        kind, facts, before = offered(m, spec, exe)
        attrs = dict(before, add_include=include and (
            names is None or m.kind == "distinfo" or m.name in names))
        r = Resource(kind, facts, attrs, exe.ctx)
        run_callbacks(exe, r, facts["name"])
        r.attrs.update(explicit.get(m.name, {}))
        return decision(before, r.attrs)
    return decide
