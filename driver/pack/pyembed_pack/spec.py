"""BuildSpec: what one `pyembed-pack build|blob` is to produce, as plain data.

cli.py makes it from the command line and config/to_spec.py from a
pyembed.bzl file: the same options give the same spec (docs/config.md has
the mapping). Every stage reads it and none changes it: what a stage finds
out is returned as a new value (selection.Selection, the blob bytes).
"""
import json
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Optional, Tuple


@dataclass(frozen=True)
class Decision:
    """What a config's resource callback decided for one module (None
    fields: the build's own rule)."""

    include: bool = True
    location: Optional[str] = None    # "in-memory" or a filesystem-relative prefix
    fallback: Optional[str] = None    # prefix for what cannot load from memory
    source: Optional[bool] = None     # pack the source
    levels: Optional[Tuple[int, ...]] = None  # bytecode optimisation levels packed


@dataclass(frozen=True)
class BuildSpec:
    """One build, every option resolved (paths absolute where they are used
    as directories)."""

    command: str                      # "build" (executable) or "blob"
    output: str                       # -o as given (messages name it so)
    out_dir: str                      # absolute directory of output
    module_paths: Tuple[str, ...]     # application roots, absolute; later ones win
    run_module: Optional[str]         # --run-module NAME
    run_code: Optional[str]           # --run-code CODE
    stdlib: str                       # "all", "traced" or "none"
    trace: str                        # "app", "all" or "load-time"
    include: Tuple[str, ...]          # --include MODULE
    exclude: Tuple[str, ...]          # --exclude PATTERN (fnmatch)
    site_packages: Tuple[str, ...]    # --site-packages DIR: traced into, absolute
    venvs: Tuple[str, ...]            # --venv DIR: their site-packages, traced into
    packages: Tuple[str, ...]         # --package NAME (distribution or import name)
    knowledge_files: Tuple[str, ...]  # --knowledge FILE (after the shipped one)
    pip_args: Optional[Tuple[str, ...]]  # pip install arguments (None: no pip)
    fs_packages: Tuple[Tuple[str, str], ...]  # (package, prefix), first match wins
    memory_packages: Tuple[str, ...]  # --in-memory-package: never filesystem-relative by
                                      # detection or knowledge
    resources_location: Optional[str]  # filesystem-relative prefix, None: in memory
    resources_fallback: str           # prefix for what cannot load from memory
    sources: str                      # sources packed: "all", "app" or "none"
    optimize: int                     # 0, 1 or 2
    compress: bool
    strip: bool
    driver: Optional[str]             # driver executable (None: found)
    fast_exit: bool
    python_argv: bool                 # --python-argv: parse_argv=1 in the metadata
    allocator: str                    # "pymalloc", "malloc", "debug", "mimalloc", "jemalloc"
    allocator_domains: Optional[Tuple[str, ...]]  # raw/mem/obj/arena (None: the backend's)
    allocator_debug: bool             # CPython's debug hooks over the backend
    allocator_tracking: bool          # live/peak byte counters (_pyembed.alloc_stats)
    distribution: Optional[str]       # --distribution ARCHIVE|DIR|URL (None: host Python)
    distribution_sha256: Optional[str]  # --sha256 of that archive
    python: Optional[str]             # --python X.Y: a stored distribution of X.Y
    stdlib_dir: Optional[str]         # None: the target's own
    dynload_dir: Optional[str]        # None: the target's own
    cache_root: Optional[str]         # $XDG_CACHE_HOME/pyembed; None: no cache
    quiet: bool
    verbose: bool
    progress: bool                    # a progress counter (stderr is a terminal)
    full_exit: bool = False           # --full-exit: Py_FinalizeEx, not the quick exit
    compress_lazy: bool = False       # compress what start-up does not import
    extension_filter: str = "all"     # all, minimal, no-libraries, no-copyleft
    extensions_in_memory: bool = True  # extension modules may load from memory
    stdlib_data: bool = True          # data files of stdlib packages
    bytecode_levels: Tuple[int, ...] = ()  # levels packed; (): just optimize
    freeze: Tuple[str, ...] = ()      # --freeze: modules compiled into the driver
    codec: str = "zstd"               # --compress-codec: zstd or zlib
    prefetch: bool = True             # start-up read-ahead (--no-prefetch: off)
    sys_frozen: bool = True
    pip_env: Tuple[Tuple[str, str], ...] = ()  # extra environment of pip
    pip_cwd: Optional[str] = None     # pip's working directory (None: ours)
    package_roots: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()  # (root, top-level names)
    extra_modules: Tuple[Tuple[str, str, bool], ...] = ()  # (name, source, is_package)
    # Module, BuildSpec -> Decision or None, for every candidate module: a
    # config's resource callbacks (config/to_spec.py); None: none.
    decide: Optional[Callable[[Any, Any], Optional[Decision]]] = field(
        default=None, compare=False, repr=False)

    @property
    def levels(self):
        """The bytecode optimisation levels packed by default."""
        return self.bytecode_levels or (self.optimize,)

    def default_location(self, m):
        """The prefix the options give module m (--filesystem-package, then
        --resources-location), None for in memory."""
        for name, prefix in self.fs_packages:
            if m.name == name or m.name.startswith(name + "."):
                return prefix
        return self.resources_location

    def levels_of(self, m):
        """The bytecode levels packed for module m."""
        d = m.decision
        return d.levels if d is not None and d.levels is not None else self.levels

    def packs_source(self, m):
        """True when module m's source is packed."""
        d = m.decision
        if d is not None and d.source is not None:
            return d.source
        return self.sources == "all" or (self.sources == "app" and m.origin == "app")

    def as_json(self):
        """The spec as JSON text (`build --print-spec`), without the
        progress flag (it follows the terminal) and with decide as a bool."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "progress":
                continue
            out[f.name] = (v is not None) if f.name == "decide" else v
        return json.dumps(out, indent=1, sort_keys=True)

    @property
    def run(self):
        """The entry kind the runtime metadata records: module, code or none."""
        if self.run_module:
            return "module"
        return "code" if self.run_code is not None else "none"


def canonical_levels(levels, optimize):
    """bytecode_levels for the set levels: () when it is just optimize, so
    equal options give equal specs."""
    out = tuple(sorted(set(levels)))
    return () if out in ((), (optimize,)) else out


# Backends a driver linked at pack time (a distribution, --freeze) is built with: it
# is compiled from pyembed-runtime.json's sources, without jemalloc.
DISTRIBUTION_ALLOCATORS = ("pymalloc", "malloc", "debug", "mimalloc")


def pack_time_link(distribution, freeze):
    """Why a build's driver is linked at pack time, as allocator_problem
    says it, or None (a distribution or --python wins over --freeze)."""
    return ("against a distribution" if distribution else
            "for --freeze" if freeze else None)


def allocator_problem(allocator, linked, driver):
    """Why the driver a build uses lacks allocator (None: it has it). linked:
    why the driver is linked at pack time ("against a distribution", "for
    --freeze"; None: it is not); driver: a driver given by path (it reports
    a missing backend itself at run time)."""
    if linked:
        if allocator not in DISTRIBUTION_ALLOCATORS:
            return f"drivers linked {linked} have " + ", ".join(DISTRIBUTION_ALLOCATORS)
        return None
    if driver:
        return None
    try:
        import _pyembed  # the runtime this pyembed-pack (and its driver) is built with
    except ImportError:
        return None
    have = _pyembed.alloc_backends() + ["debug"]
    if allocator not in have:
        return f"not available in this build of pyembed (it has {', '.join(have)})"
    return None
