"""The command line of `pyembed-pack build|blob`: argparse -> BuildSpec.

Every check of a flag's value is made here, before any work starts."""
import argparse
import os
import shlex
import sys

from .errors import PackError
from .spec import BuildSpec


def parser(cmd):
    """The argparse parser of `pyembed-pack CMD`."""
    p = argparse.ArgumentParser(prog=f"pyembed-pack {cmd}")
    p.add_argument("script", nargs="?", metavar="SCRIPT.py",
                   help="the app as one file: its directory is the module path, its "
                        "name the module to run and (without -o) the output's name")
    p.add_argument("-o", "--output",
                   help="the file to write (its directory is made if needed)")
    p.add_argument("--module-path", action="append", default=[], metavar="DIR")
    run = p.add_mutually_exclusive_group()
    run.add_argument("--run-module", metavar="NAME")
    run.add_argument("--run-code", metavar="CODE")
    p.add_argument("--stdlib", choices=["all", "traced", "none"], default="traced")
    p.add_argument("--site-packages", action="append", default=[], metavar="DIR",
                   help="installed distributions the trace follows imports into: every "
                        "one it reaches is packed with its metadata (repeatable)")
    p.add_argument("--venv", action="append", default=[], metavar="DIR",
                   help="a virtual environment whose site-packages (and, if it includes "
                        "them, the system's) the trace follows imports into")
    p.add_argument("--package", action="append", default=[], metavar="NAME",
                   help="pack installed distribution NAME (a distribution or an import "
                        "name) whole, even where no import reaches it")
    p.add_argument("--knowledge", action="append", default=[], metavar="FILE",
                   help="a package knowledge file (TOML) added to the shipped one")
    p.add_argument("--pip-install", action="append", default=[], metavar="ARGS",
                   help="pip install ARGS (local paths/wheels, offline) and pack the result")
    p.add_argument("--requirements", action="append", default=[], metavar="FILE",
                   help="pip install -r FILE (offline) and pack the result")
    p.add_argument("--filesystem-package", action="append", default=[], metavar="NAME[=PREFIX]",
                   help="put package NAME's files beside the output under PREFIX (default lib)")
    p.add_argument("--in-memory-package", action="append", default=[], metavar="NAME",
                   help="keep package NAME in memory even where it would go "
                        "filesystem-relative by detection or the knowledge file")
    p.add_argument("--resources-location", default="in-memory",
                   metavar="in-memory|filesystem-relative:PREFIX")
    p.add_argument("--resources-fallback", default=None,
                   metavar="filesystem-relative:PREFIX",
                   help="where modules that cannot load from memory go (default: lib)")
    p.add_argument("--trace", choices=["all", "load-time"], default="all",
                   help="traced: follow every import (all) or only those that run when "
                        "modules load, not inside functions (load-time: much smaller, but a "
                        "function's lazy import of an unpacked module fails at run time)")
    p.add_argument("--include", action="append", default=[], metavar="MODULE")
    p.add_argument("--exclude", action="append", default=[], metavar="PATTERN")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--sources", dest="sources", action="store_const", const="all",
                     help="pack sources of every module (default: app modules only)")
    src.add_argument("--no-sources", dest="sources", action="store_const", const="none")
    p.set_defaults(sources="app")
    p.add_argument("--optimize", type=int, choices=[0, 1, 2], default=0)
    p.add_argument("--compress", action="store_true")
    p.add_argument("--strip", action="store_true", help="strip the driver before embedding")
    p.add_argument("--driver", metavar="PATH", help="driver executable to copy")
    p.add_argument("--fast-exit", action="store_true",
                   help="exit without finalising objects when the entry module ends "
                        "(atexit, thread joins and stdio flush still happen)")
    p.add_argument("--python-argv", action="store_true",
                   help="the executable also takes python's command line: an argv starting "
                        "with an option (-c CODE, -m MOD, -O, -X ..., a script after "
                        "options, -) is parsed and run as python3 would; without this, "
                        "argv is the app's (multiprocessing's own re-executions excepted)")
    p.add_argument("--allocator", choices=["pymalloc", "malloc", "debug"], default="pymalloc",
                   help="memory allocator of the packed app (malloc: for valgrind)")
    dist = p.add_mutually_exclusive_group()
    dist.add_argument("--distribution", metavar="ARCHIVE|DIR",
                      help="pack against this python-build-standalone style distribution "
                           "(its interpreter compiles; a driver is linked for it)")
    dist.add_argument("--python", metavar="X.Y",
                      help="pack against the newest CPython X.Y in the local distribution "
                           "store (made by `pyembed-pack dist build --python X.Y`)")
    p.add_argument("--stdlib-dir")    # default: the target's (target.py)
    p.add_argument("--dynload-dir")
    p.add_argument("--no-cache", action="store_true", help="do not use the bytecode cache")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def check_prefix(prefix):
    """A filesystem-relative prefix must stay below the output directory."""
    if not prefix or os.path.isabs(prefix) or ".." in prefix.split("/"):
        raise PackError(f"bad filesystem-relative prefix '{prefix}'")
    return prefix


def location_prefix(option, value):
    """The prefix of `filesystem-relative:PREFIX`, None for in-memory/unset."""
    if not value or value == "in-memory":
        return None
    if not value.startswith("filesystem-relative:"):
        raise PackError(f"--{option}: expected in-memory or filesystem-relative:PREFIX")
    return check_prefix(value.split(":", 1)[1])


def fs_packages(values):
    """(package, prefix) pairs of the --filesystem-package NAME[=PREFIX] values."""
    pairs = {}
    for value in values:
        name, _, prefix = value.partition("=")
        pairs[name] = check_prefix(prefix or "lib")
    return tuple(pairs.items())


def pip_args(ns):
    """pip install arguments: -r FILE for each --requirements, then each
    --pip-install split like a shell would; None when neither was given."""
    if not ns.requirements and not ns.pip_install:
        return None
    args = []
    for req in ns.requirements:
        args += ["-r", req]
    for value in ns.pip_install:
        try:
            args += shlex.split(value)
        except ValueError as e:
            raise PackError(f"--pip-install {value!r}: {e}") from None
    return tuple(args)


def cache_root(no_cache):
    """$XDG_CACHE_HOME/pyembed (default ~/.cache/pyembed); None without a
    cache or a home."""
    if no_cache:
        return None
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else None)
    return base and os.path.join(base, "pyembed")


def script_defaults(ns):
    """`pyembed-pack build app.py`: the script's directory is a module path,
    its stem the entry module and (without -o) the output's name."""
    if not ns.script:
        return
    if not ns.script.endswith(".py") or not os.path.isfile(ns.script):
        raise PackError(f"{ns.script}: not a Python file")
    stem = os.path.basename(ns.script)[:-3]
    if not stem.isidentifier():
        raise PackError(f"{ns.script}: {stem!r} is not a module name")
    if ns.run_module or ns.run_code is not None:
        raise PackError(f"{ns.script}: give the script or --run-module/--run-code, not both")
    ns.module_path = [os.path.dirname(os.path.abspath(ns.script))] + ns.module_path
    ns.run_module = stem
    ns.output = ns.output or stem


def to_spec(cmd, ns):
    """The BuildSpec of parsed arguments ns (PackError for a bad value)."""
    script_defaults(ns)
    packages = fs_packages(ns.filesystem_package)
    location = location_prefix("resources-location", ns.resources_location)
    fallback = location_prefix("resources-fallback", ns.resources_fallback) or "lib"
    return BuildSpec(
        command=cmd, output=ns.output, out_dir=os.path.dirname(os.path.abspath(ns.output)),
        module_paths=tuple(os.path.abspath(d) for d in ns.module_path),
        run_module=ns.run_module, run_code=ns.run_code, stdlib=ns.stdlib, trace=ns.trace,
        include=tuple(ns.include), exclude=tuple(ns.exclude),
        site_packages=tuple(os.path.abspath(d) for d in ns.site_packages),
        venvs=tuple(os.path.abspath(d) for d in ns.venv), packages=tuple(ns.package),
        knowledge_files=tuple(ns.knowledge), memory_packages=tuple(ns.in_memory_package),
        pip_args=pip_args(ns), fs_packages=packages, resources_location=location,
        resources_fallback=fallback, sources=ns.sources, optimize=ns.optimize,
        compress=ns.compress, strip=ns.strip, driver=ns.driver, fast_exit=ns.fast_exit,
        python_argv=ns.python_argv,
        allocator=ns.allocator, distribution=ns.distribution, python=ns.python,
        stdlib_dir=ns.stdlib_dir, dynload_dir=ns.dynload_dir,
        cache_root=cache_root(ns.no_cache), quiet=ns.quiet, verbose=ns.verbose,
        progress=sys.stderr.isatty() and not ns.quiet)


def parse(argv):
    """BuildSpec of argv = [CMD, ARGS...] (CMD: build or blob). argparse
    exits itself for --help (0) and for malformed arguments (2)."""
    cmd = argv[0]
    p = parser(cmd)
    ns = p.parse_args(argv[1:])
    if not ns.script and not ns.output:
        p.error("the following arguments are required: -o/--output (or the app's SCRIPT.py)")
    return to_spec(cmd, ns)
