"""TargetPython: the CPython a build packs for, and how to compile for it.

Every fact about the target interpreter that the packer uses — bytecode
magic, version, frozen and built-in module names, extension suffixes,
stdlib and lib-dynload directories, python executable, libpython — is
read from this object, and compiling, marshal canonicalisation, import-list
extraction and .pyc writing go through its runner.

Two kinds of target:
  * TargetPython.host(): this embedded interpreter (the libpython
    pyembed-run links) with the paths meson computed for it (_pyembed_pack
    constants); the in_target module, called in-process, is the runner.
  * TargetPython.from_distribution(): a python-build-standalone style
    distribution (PYTHON.json), usually another CPython version. Its facts
    come from in_target.describe() run by the distribution's own python,
    and the runner is a worker in that python (worker.Runner), since its
    compile() and marshal are the ones that count. Its driver is linked
    against the distribution at pack time (dist/link.py).
"""
import os
from dataclasses import dataclass, field
from typing import Any, Callable, FrozenSet, Optional, Tuple

import _pyembed_pack as P

from . import in_target, worker
from .errors import PackError


@dataclass(frozen=True)
class TargetPython:
    """Facts of one target interpreter and its runner (see the module doc)."""

    version: Tuple[int, int, int]
    magic: bytes                      # importlib.util.MAGIC_NUMBER
    frozen: FrozenSet[str]            # modules frozen into its libpython
    builtins: FrozenSet[str]          # sys.builtin_module_names
    ext_suffixes: Tuple[str, ...]     # importlib.machinery.EXTENSION_SUFFIXES
    cache_tag: str                    # sys.implementation.cache_tag
    platform: str                     # sysconfig.get_platform()
    stdlib_dir: str
    dynload_dir: Optional[str]        # None: no shared extension modules
    executable: str                   # its python binary (runs pip)
    libpython: Optional[str]          # the libpython a driver links
    # Object with in_target's functions (compile_module, code_imports,
    # source_imports, hash_pyc), running them in the target interpreter.
    runner: Any = field(compare=False, repr=False)
    # Returns the path of the driver for this target; None: pyembed-run.
    make_driver: Optional[Callable[[], str]] = field(default=None, compare=False, repr=False)
    distribution: Any = field(default=None, compare=False, repr=False)
    distribution_id: Optional[str] = None  # its archive's sha256 (or dir-<hash>)

    @classmethod
    def from_facts(cls, facts, runner, stdlib_dir, dynload_dir, executable, libpython,
                   platform, **more):
        """A target from in_target.describe()'s facts plus its paths."""
        return cls(version=tuple(facts["version"]), magic=bytes.fromhex(facts["magic"]),
                   frozen=frozenset(facts["frozen"]), builtins=frozenset(facts["builtins"]),
                   ext_suffixes=tuple(facts["ext_suffixes"]), cache_tag=facts["cache_tag"],
                   platform=platform, stdlib_dir=stdlib_dir, dynload_dir=dynload_dir,
                   executable=executable, libpython=libpython, runner=runner, **more)

    @classmethod
    def from_distribution(cls, dist, make_driver, stdlib_dir=None, identity=None):
        """The interpreter of distribution dist (dist.pythonjson.Distribution),
        run as a worker; make_driver links its driver when asked."""
        runner = worker.Runner(dist.python_exe)
        facts = runner.describe()
        if dist.magic and facts["magic"] != dist.magic:
            raise PackError(f"{dist.root}: PYTHON.json says bytecode magic {dist.magic} but "
                            f"its interpreter has {facts['magic']}")
        stdlib = stdlib_dir or dist.path(dist.paths.get("stdlib", ""))
        dynload = os.path.join(stdlib, "lib-dynload")
        return cls.from_facts(facts, runner, stdlib,
                              dynload if os.path.isdir(dynload) else None, dist.python_exe,
                              None, dist.doc.get("python_platform_tag", ""),
                              make_driver=make_driver, distribution=dist,
                              distribution_id=identity)

    @classmethod
    def host(cls, stdlib_dir=None, dynload_dir=None):
        """The interpreter running the pack tool (the libpython the driver
        links); stdlib_dir/dynload_dir override its own directories."""
        return cls.from_facts(
            in_target.describe(), in_target,
            P.STDLIB_DIR if stdlib_dir is None else stdlib_dir,
            P.DYNLOAD_DIR if dynload_dir is None else dynload_dir,
            P.PYTHON, P.LIBPYTHON or None, P.PLATFORM)

    @property
    def version_string(self):
        """"MAJOR.MINOR", as the runtime metadata records it."""
        return f"{self.version[0]}.{self.version[1]}"

    @property
    def magic_number(self):
        """The magic as the runtime metadata's integer (little-endian)."""
        return int.from_bytes(self.magic, "little")

    def compile_module(self, source, rel, optimize):
        """(canonical marshal bytes, import list) of module source (bytes)."""
        return self.runner.compile_module(source, rel, optimize)

    def code_imports(self, bytecode):
        """The import list of bytecode from compile_module."""
        return self.runner.code_imports(bytecode)

    def source_imports(self, source, filename):
        """The import list of source text compiled as filename."""
        return self.runner.source_imports(source, filename)

    def static_code_c(self, modules, optimize):
        """C source of modules' code objects as static data (--freeze)."""
        return self.runner.static_code_c(modules, optimize)

    def hash_pyc(self, source, bytecode):
        """An unchecked hash-based .pyc of bytecode compiled from source."""
        return self.runner.hash_pyc(source, bytecode)

    def pyc_path(self, py_path, optimize):
        """Where the target's importlib looks for py_path's bytecode
        (importlib.util.cache_from_source, with this target's cache tag)."""
        head, tail = os.path.split(py_path)
        stem = tail.rpartition(".")[0] or tail
        opt = f".opt-{optimize}" if optimize else ""
        return os.path.join(head, "__pycache__", f"{stem}.{self.cache_tag}{opt}.pyc")
