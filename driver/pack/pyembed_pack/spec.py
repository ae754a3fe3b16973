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
    trace: str                        # "all" or "load-time"
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
    allocator: str                    # "pymalloc", "malloc" or "debug"
    distribution: Optional[str]       # --distribution ARCHIVE|DIR (None: host Python)
    python: Optional[str]             # --python X.Y: a stored distribution of X.Y
    stdlib_dir: Optional[str]         # None: the target's own
    dynload_dir: Optional[str]        # None: the target's own
    cache_root: Optional[str]         # $XDG_CACHE_HOME/pyembed; None: no cache
    quiet: bool
    verbose: bool
    progress: bool                    # a progress counter (stderr is a terminal)

    @property
    def run(self):
        """The entry kind the runtime metadata records: module, code or none."""
        if self.run_module:
            return "module"
        return "code" if self.run_code is not None else "none"
