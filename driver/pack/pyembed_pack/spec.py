"""BuildSpec: what one `pyembed-pack build|blob` is to produce, as plain data.

cli.py makes it from the command line (a config file front end would make
the same thing); every stage reads it and none changes it: what a stage
finds out is returned as a new value (selection.Selection, the blob bytes).
"""
from dataclasses import dataclass
from typing import Optional, Tuple


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
    site_packages: Tuple[str, ...]    # where --package looks
    packages: Tuple[str, ...]         # --package NAME (distributions)
    pip_args: Optional[Tuple[str, ...]]  # pip install arguments (None: no pip)
    fs_packages: Tuple[Tuple[str, str], ...]  # (package, prefix), first match wins
    resources_location: Optional[str]  # filesystem-relative prefix, None: in memory
    resources_fallback: str           # prefix for what cannot load from memory
    sources: str                      # sources packed: "all", "app" or "none"
    optimize: int                     # 0, 1 or 2
    compress: bool
    strip: bool
    driver: Optional[str]             # driver executable (None: found)
    fast_exit: bool
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

    @property
    def run(self):
        """The entry kind the runtime metadata records: module, code or none."""
        if self.run_module:
            return "module"
        return "code" if self.run_code is not None else "none"
