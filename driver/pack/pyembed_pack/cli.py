"""The command line of `pyembed-pack build|blob`: argparse -> BuildSpec.

Every check of a flag's value is made here, before any work starts."""
import argparse
import os
import shlex
import sys

from . import freeze
from .errors import PackError
from .spec import BuildSpec, allocator_problem, canonical_levels, pack_time_link


CONFIG_NOTE = ("Without -o, `pyembed-pack build [TARGET...] [--config FILE]` builds the "
               "targets of a config file (pyembed.bzl; docs/config.md).")
TEST_PATTERNS = ("test", "tests", "*.test", "*.tests")  # --exclude-test-packages


ALLOCATORS = ["pymalloc", "malloc", "debug", "mimalloc", "jemalloc"]
DOMAINS = ("raw", "mem", "obj", "arena")


def parser(cmd):
    """The argparse parser of `pyembed-pack CMD`."""
    p = argparse.ArgumentParser(prog=f"pyembed-pack {cmd}",
                                epilog=CONFIG_NOTE if cmd == "build" else None)
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
    p.add_argument("--trace", choices=["app", "all", "load-time"], default="app",
                   help="traced: follow every import of the app's modules and what they "
                        "reach, and of the runtime's boot modules only those that run when "
                        "they load (app, the default); follow every import (all); or only "
                        "those that run when modules load, not inside functions (load-time: "
                        "smaller, but a function's lazy import of an unpacked module fails "
                        "at run time)")
    p.add_argument("--include", action="append", default=[], metavar="MODULE")
    p.add_argument("--exclude", action="append", default=[], metavar="PATTERN")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--sources", dest="sources", action="store_const", const="all",
                     help="pack sources of every module (default: app modules only)")
    src.add_argument("--no-sources", dest="sources", action="store_const", const="none")
    p.set_defaults(sources="app")
    p.add_argument("--optimize", type=int, choices=[0, 1, 2], default=0)
    comp = p.add_mutually_exclusive_group()
    comp.add_argument("--compress", nargs="?", const="all", default="lazy",
                      choices=["all", "lazy", "none"],
                      help="compress every resource (all), only those not imported at "
                           "start-up (lazy, the default: start-up reads nothing compressed), "
                           "or none")
    comp.add_argument("--no-compress", dest="compress", action="store_const", const="none")
    p.add_argument("--compress-codec", choices=["zstd", "zlib"], default="zstd",
                   help="codec of compressed resources (default zstd: smaller than zlib "
                        "and 2.5x faster to decompress; zlib blobs are format version 1, "
                        "which older readers take)")
    p.add_argument("--strip", action=argparse.BooleanOptionalAction, default=True,
                   help="strip the driver's symbols before embedding (default; --no-strip "
                        "keeps them)")
    p.add_argument("--driver", metavar="PATH", help="driver executable to copy")
    p.add_argument("--freeze", nargs="+", action="extend", default=[], metavar="MODULE",
                   help="compile these packed modules' code objects into a driver linked "
                        "for this build, so importing them unmarshals nothing (CPython 3.11: "
                        "the system Python or a 3.11 distribution; needs a C compiler)")
    p.add_argument("--prefetch", action=argparse.BooleanOptionalAction, default=True,
                   help="at start, a background thread reads the executable and the "
                        "libraries of the start-up extension modules ahead, for a cold page "
                        "cache (default; --no-prefetch: only what is touched is read)")
    exits = p.add_mutually_exclusive_group()
    exits.add_argument("--fast-exit", action="store_true",
                       help="exit without finalising objects when the entry module ends "
                            "(atexit, thread joins and stdio flush still happen)")
    exits.add_argument("--full-exit", action="store_true",
                       help="finalise the interpreter completely (Py_FinalizeEx) at exit; "
                            "by default everything observable is finalised but the "
                            "interpreter's own memory is not freed")
    p.add_argument("--python-argv", action="store_true",
                   help="the executable also takes python's command line: an argv starting "
                        "with an option (-c CODE, -m MOD, -O, -X ..., a script after "
                        "options, -) is parsed and run as python3 would; without this, "
                        "argv is the app's (multiprocessing's own re-executions excepted)")
    p.add_argument("--allocator", choices=ALLOCATORS, default="pymalloc",
                   help="memory allocator of the packed app (malloc: for valgrind; debug: "
                        "pymalloc with CPython's debug hooks)")
    p.add_argument("--allocator-domains", metavar="LIST",
                   help="comma-separated CPython domains the allocator serves: raw, mem, obj, "
                        "arena (default raw,mem,obj; not with pymalloc/debug)")
    p.add_argument("--allocator-debug", action="store_true",
                   help="CPython's debug hooks over the allocator (buffer overruns, "
                        "use after free, API mismatches)")
    p.add_argument("--allocator-tracking", action="store_true",
                   help="count live and peak bytes per domain (_pyembed.alloc_stats())")
    dist = p.add_mutually_exclusive_group()
    dist.add_argument("--distribution", metavar="ARCHIVE|DIR|URL",
                      help="pack against this python-build-standalone style distribution "
                           "(its interpreter compiles; a driver is linked for it); a URL is "
                           "downloaded once into the local store")
    dist.add_argument("--python", metavar="X.Y",
                      help="pack against the newest CPython X.Y in the local distribution "
                           "store (made by `pyembed-pack dist build --python X.Y`)")
    p.add_argument("--sha256", metavar="HEX",
                   help="SHA-256 of the --distribution archive (required for a remote URL)")
    p.add_argument("--package-root", action="append", default=[], metavar="DIR=PKG[,PKG...]",
                   help="pack only these top-level packages/modules of DIR")
    p.add_argument("--pip-env", action="append", default=[], metavar="NAME=VALUE",
                   help="environment variable for pip")
    p.add_argument("--exclude-test-packages", action="store_true",
                   help="leave out every test/tests package (--exclude test tests *.test *.tests)")
    p.add_argument("--extension-module-filter", default="all",
                   choices=["all", "minimal", "no-libraries", "no-copyleft"],
                   help="which of the target's standard extension modules are packed "
                        "(a distribution: built into its driver)")
    p.add_argument("--no-in-memory-extensions", action="store_true",
                   help="extension modules go to the --resources-fallback directory")
    p.add_argument("--no-stdlib-data", action="store_true",
                   help="leave out the data files of standard library packages")
    p.add_argument("--bytecode-level", action="append", type=int, choices=[0, 1, 2],
                   default=[], metavar="N",
                   help="pack bytecode of optimisation level N (repeatable; default: "
                        "--optimize's)")
    p.add_argument("--no-sys-frozen", action="store_true", help="do not set sys.frozen")
    p.add_argument("--print-spec", action="store_true",
                   help="print the build spec as JSON and build nothing")
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


def package_roots(values):
    """(absolute root, names) pairs of the --package-root DIR=PKG,... values."""
    out = []
    for value in values:
        root, sep, names = value.rpartition("=")
        if not sep or not root or not names:
            raise PackError(f"--package-root {value}: expected DIR=PKG[,PKG...]")
        out.append((os.path.abspath(root), tuple(n for n in names.split(",") if n)))
    return tuple(out)


def pip_env(values):
    """Sorted (name, value) pairs of --pip-env NAME=VALUE."""
    env = {}
    for value in values:
        name, sep, v = value.partition("=")
        if not sep or not name:
            raise PackError(f"--pip-env {value}: expected NAME=VALUE")
        env[name] = v
    return tuple(sorted(env.items()))


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


def allocator_domains(ns):
    """The --allocator-domains names (None: the backend's default)."""
    if ns.allocator_domains is None:
        return None
    names = tuple(d for d in ns.allocator_domains.split(",") if d)
    bad = [d for d in names if d not in DOMAINS]
    if bad or len(set(names)) != len(names):
        raise PackError(f"--allocator-domains: expected a comma-separated list of "
                        f"{', '.join(DOMAINS)}, got {ns.allocator_domains!r}")
    if ns.allocator in ("pymalloc", "debug"):
        raise PackError("--allocator-domains needs --allocator malloc, mimalloc or jemalloc "
                        "(pymalloc already serves mem and obj)")
    return names


def check_freeze(ns):
    """--freeze's names, and what it cannot go with (PackError)."""
    freeze.check_names(ns.freeze)
    if ns.freeze and ns.driver:
        raise PackError("--freeze links a driver of its own; it cannot go with --driver")
    return tuple(dict.fromkeys(ns.freeze))


def check_allocator(ns):
    """An allocator the driver lacks is a pack-time error, not a runtime one."""
    problem = allocator_problem(ns.allocator,
                                pack_time_link(ns.distribution or ns.python, ns.freeze),
                                ns.driver)
    if problem:
        raise PackError(f"--allocator {ns.allocator}: {problem}")


def to_spec(cmd, ns):
    """The BuildSpec of parsed arguments ns (PackError for a bad value)."""
    script_defaults(ns)
    if ns.sha256 and not ns.distribution:
        raise PackError("--sha256 goes with --distribution ARCHIVE|URL")
    packages = fs_packages(ns.filesystem_package)
    location = location_prefix("resources-location", ns.resources_location)
    fallback = location_prefix("resources-fallback", ns.resources_fallback) or "lib"
    domains = allocator_domains(ns)
    frozen = check_freeze(ns)
    check_allocator(ns)
    pip = pip_args(ns)
    exclude = list(ns.exclude) + (list(TEST_PATTERNS) if ns.exclude_test_packages else [])
    return BuildSpec(
        command=cmd, output=ns.output, out_dir=os.path.dirname(os.path.abspath(ns.output)),
        module_paths=tuple(os.path.abspath(d) for d in ns.module_path),
        run_module=ns.run_module, run_code=ns.run_code, stdlib=ns.stdlib, trace=ns.trace,
        include=tuple(ns.include), exclude=tuple(dict.fromkeys(exclude)),
        site_packages=tuple(os.path.abspath(d) for d in ns.site_packages),
        venvs=tuple(os.path.abspath(d) for d in ns.venv), packages=tuple(ns.package),
        knowledge_files=tuple(ns.knowledge), memory_packages=tuple(ns.in_memory_package),
        pip_args=pip, fs_packages=packages, resources_location=location,
        resources_fallback=fallback, sources=ns.sources, optimize=ns.optimize,
        compress=ns.compress == "all", compress_lazy=ns.compress == "lazy", strip=ns.strip,
        driver=ns.driver, fast_exit=ns.fast_exit, full_exit=ns.full_exit,
        python_argv=ns.python_argv,
        allocator=ns.allocator, allocator_domains=domains, allocator_debug=ns.allocator_debug,
        allocator_tracking=ns.allocator_tracking, distribution=ns.distribution,
        distribution_sha256=ns.sha256, python=ns.python,
        stdlib_dir=ns.stdlib_dir, dynload_dir=ns.dynload_dir,
        cache_root=cache_root(ns.no_cache), quiet=ns.quiet, verbose=ns.verbose,
        progress=sys.stderr.isatty() and not ns.quiet,
        extension_filter=ns.extension_module_filter,
        extensions_in_memory=not ns.no_in_memory_extensions, stdlib_data=not ns.no_stdlib_data,
        bytecode_levels=canonical_levels(ns.bytecode_level, ns.optimize),
        sys_frozen=not ns.no_sys_frozen, pip_env=pip_env(ns.pip_env),
        pip_cwd=os.getcwd() if pip is not None else None,
        package_roots=package_roots(ns.package_root), freeze=frozen,
        codec=ns.compress_codec, prefetch=ns.prefetch)


def parse(argv):
    """(BuildSpec, print_spec) of argv = [CMD, ARGS...] (CMD: build or
    blob). argparse exits itself for --help (0) and for malformed
    arguments (2)."""
    cmd = argv[0]
    p = parser(cmd)
    ns = p.parse_args(argv[1:])
    if not ns.script and not ns.output:
        p.error("the following arguments are required: -o/--output (or the app's SCRIPT.py)")
    return to_spec(cmd, ns), ns.print_spec


def flag_mode(args):
    """True when `build ARGS` is the flag-only build (it has -o, a
    SCRIPT.py, or an option only that build has, or asks for its --help)
    rather than a config file's."""
    p = parser("build")
    flag_only = set(p._option_string_actions) - CONFIG_OPTIONS - {"-h", "--help"}
    names = []
    for a in args:
        if a == "--":
            break
        names.append(a.split("=", 1)[0])
        if names[-1] in ("-o", "--output") or names[-1] in flag_only or \
                (a.startswith("-o") and not a.startswith("--")) or \
                (a.endswith(".py") and not a.startswith("-")):
            return True
    return bool({"-h", "--help"} & set(names)) and "--config" not in names


# Options `build` takes in both forms (config/commands.py defines them there).
CONFIG_OPTIONS = {"-q", "--quiet", "-v", "--verbose", "--no-cache", "--stdlib-dir",
                  "--dynload-dir", "--distribution", "--python", "--sha256", "--print-spec"}
