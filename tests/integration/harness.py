"""Shared machinery of the pyembed integration tests.

Each test file is a unittest module run by the target interpreter
(/usr/bin/python3.11, whose libpython the driver links). It builds real
executables with pyembed-pack and runs them as a user would; where the
behaviour is python's own, the same code is also run by
`/usr/bin/python3.11 -I` from the same fixture directory and the two are
compared.

Environment (set by tests/meson.build; the defaults suit a manual run from
the source tree with a build in build-it/):
  PYEMBED_PACK         path of pyembed-pack
  PYEMBED_BUILD        the meson build directory
  PYEMBED_PYTHON       reference interpreter (default /usr/bin/python3.11)
  PYEMBED_STDLIB_DIR   --stdlib-dir / --dynload-dir passed to every build
  PYEMBED_DYNLOAD_DIR  (default: the reference interpreter's sysconfig)
  PYEMBED_TEST_DISTRIBUTION  a distribution directory (python-build-standalone
                       layout, e.g. made by `pyembed-pack dist build`): every
                       build packs against it (--distribution DIR) and its
                       own python is the reference interpreter
"""
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
APP = os.path.join(FIXTURES, "app")
BAD = os.path.join(FIXTURES, "bad")
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))

BUILD = os.environ.get("PYEMBED_BUILD") or os.path.join(SOURCE_ROOT, "build-it")
PACK = os.environ.get("PYEMBED_PACK") or os.path.join(BUILD, "driver", "pyembed-pack")
PYTHON = os.environ.get("PYEMBED_PYTHON") or "/usr/bin/python3.11"
DISTRIBUTION = os.environ.get("PYEMBED_TEST_DISTRIBUTION") or None
if DISTRIBUTION:
    import json as _json
    _root = DISTRIBUTION if os.path.exists(os.path.join(DISTRIBUTION, "PYTHON.json")) \
        else os.path.join(DISTRIBUTION, "python")
    with open(os.path.join(_root, "PYTHON.json")) as _f:
        _doc = _json.load(_f)
    DISTRIBUTION = _root
    PYTHON = os.path.join(_root, _doc["python_exe"])
    DIST_VERSION = _doc["python_version"]

RUN_TIMEOUT = 60
BUILD_TIMEOUT = 180


def _stdlib_dirs():
    """The reference interpreter's stdlib and lib-dynload directories."""
    stdlib = os.environ.get("PYEMBED_STDLIB_DIR")
    dynload = os.environ.get("PYEMBED_DYNLOAD_DIR")
    if stdlib and dynload:
        return stdlib, dynload
    out = subprocess.run(
        [PYTHON, "-I", "-c", "import sysconfig; print(sysconfig.get_path('stdlib')); "
         "print(sysconfig.get_config_var('DESTSHARED'))"],
        check=True, capture_output=True, text=True).stdout.split("\n")
    return out[0], out[1]


if DISTRIBUTION:  # the distribution's own: built-in extension modules only
    STDLIB_DIR, DYNLOAD_DIR = os.path.join(DISTRIBUTION, _doc["python_paths"]["stdlib"]), None
else:
    STDLIB_DIR, DYNLOAD_DIR = _stdlib_dirs()


# The host's interpreter: runs pip for tests that build wheels, whatever
# the target is (a distribution need not ship pip).
HOST_PYTHON = os.environ.get("PYEMBED_PYTHON") or "/usr/bin/python3.11"
# Tag of the target's bytecode and extension file names.
if DISTRIBUTION:
    CACHE_TAG = _doc["python_implementation_cache_tag"]
    EXT_SUFFIX = _doc["python_suffixes"]["extension"][0]
else:
    CACHE_TAG, EXT_SUFFIX = "cpython-311", ".cpython-311-x86_64-linux-gnu.so"
# True when the target's stdlib extension modules are shared libraries the
# runtime loads from memory (the host's); a distribution builds them in.
SHARED_STDLIB_EXTENSIONS = DISTRIBUTION is None


def host_dynload_dir():
    """The host Python's lib-dynload (real ELF samples for elf.py tests)."""
    if not DISTRIBUTION:
        return DYNLOAD_DIR
    return subprocess.run([HOST_PYTHON, "-I", "-c", "import sysconfig; "
                           "print(sysconfig.get_config_var('DESTSHARED'))"],
                          check=True, capture_output=True, text=True).stdout.strip()


def needs_cp311(reason):
    """Skips a test unless the target is a CPython 3.11 (the host's or a 3.11
    distribution): reason names the cp311 binary it uses (Debian's)."""
    return unittest.skipUnless(CACHE_TAG == "cpython-311", "needs a CPython 3.11 target: "
                               + reason)


def host_python_only(reason):
    """Skips a test when packing against a distribution: reason says what
    only the host's Python has (Debian's cp311 extension packages, say)."""
    return unittest.skipIf(DISTRIBUTION is not None, "host Python only: " + reason)

# The harness's own environment for child processes: no PYTHON* variables
# leak in from the developer's shell (tests that want them set them).
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
BASE_ENV["LC_ALL"] = "C.UTF-8"
if DISTRIBUTION and "PYEMBED_CACHE_DIR" not in BASE_ENV:
    # drivers linked for the distribution, shared by every test class
    BASE_ENV["PYEMBED_CACHE_DIR"] = os.path.join(BUILD, "pyembed-dist-cache")


class Result:
    """Outcome of one process: returncode, stdout and stderr as text."""

    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def __repr__(self):
        return "<rc=%r stdout=%r stderr=%r>" % (self.returncode, self.stdout[-2000:],
                                               self.stderr[-2000:])


# PYEMBED_TEST_VALGRIND=1 (meson test --suite slow, valgrind-*): packed
# executables are built with --allocator malloc --no-strip and run under valgrind
# memcheck; any error makes them exit 99, so the test comparing their status
# fails. What is wrapped: a process the harness starts (run(), or
# memcheck_argv() for a test's own Popen) whose argv[0] is a packed
# executable, or that the test marks as a C host (memcheck=True). Not
# wrapped: pyembed-pack, the reference python, shells and other tools, and
# (--trace-children=no) the children a wrapped program starts itself —
# multiprocessing's spawn children, subprocesses of sys.executable — which
# run natively. A test that cannot run under valgrind says why with
# skip_under_valgrind(reason).
VALGRIND = os.environ.get("PYEMBED_TEST_VALGRIND") == "1" and shutil.which("valgrind")
# --vgdb=no: no gdbserver FIFOs, which a program killed by -9 would leave in
# $TMPDIR (tests count what is there).
VALGRIND_ARGV = [VALGRIND or "valgrind", "-q", "--error-exitcode=99", "--trace-children=no",
                 "--vgdb=no", "--num-callers=30", "--suppressions=" + os.path.join(
                     os.path.dirname(os.path.abspath(__file__)), "valgrind-cpython-static.supp")]
VALGRIND_SLOWDOWN = 40  # timeouts of wrapped runs are multiplied by this
# Options PackTestCase.pack_cmd puts first in the valgrind pass (a test's own
# come after them and win): memcheck sees every block of the C library's
# malloc, and the driver keeps its symbols, because the suppressions name
# CPython's functions and a stripped driver's frames have no names.
VALGRIND_PACK_OPTIONS = ["--allocator", "malloc", "--no-strip"] if VALGRIND else []


def skip_under_valgrind(reason):
    """Skips a test in the valgrind pass; reason says why it cannot run
    under memcheck (it measures time, or a limit valgrind cannot honour)."""
    return unittest.skipIf(VALGRIND, "not under valgrind: " + reason)


def is_packed(path):
    """True for an executable pyembed-pack wrote: it ends with the trailer
    of docs/format.md §7.2 (strip removes it; those run unwrapped)."""
    try:
        with open(path, "rb") as f:
            f.seek(-32, 2)
            return f.read(8) == b"\x89PKRend\n"
    except OSError:
        return False


def memcheck_argv(argv, cwd=None, memcheck=None):
    """argv prefixed with valgrind memcheck in the valgrind pass when
    argv[0] (relative to cwd) is a packed executable, or always when
    memcheck is True (a C host embedding libpyembed); else argv."""
    if not VALGRIND or not argv or memcheck is False:
        return list(argv)
    if memcheck or is_packed(os.path.join(cwd or ".", argv[0])):
        _memcheck_runs.append(os.path.basename(argv[0]))
        return VALGRIND_ARGV + list(argv)
    return list(argv)


_memcheck_runs = []  # names of the programs run under memcheck (main() counts them)


def scaled_timeout(seconds):
    """A timeout for a run memcheck_argv wraps: longer in the valgrind pass."""
    return seconds * VALGRIND_SLOWDOWN if VALGRIND else seconds


def run(argv, cwd=None, env=None, stdout=subprocess.PIPE, timeout=RUN_TIMEOUT, stdin=None,
        memcheck=None):
    """Runs argv to its end (under valgrind as memcheck_argv says); a Result."""
    wrapped = memcheck_argv(argv, cwd, memcheck)
    if len(wrapped) != len(argv):
        timeout *= VALGRIND_SLOWDOWN
    argv = wrapped
    proc = subprocess.run(argv, cwd=cwd, env=BASE_ENV if env is None else env,
                          stdout=stdout, stderr=subprocess.PIPE, stdin=stdin,
                          text=True, timeout=timeout)
    if proc.stdout is None:
        proc.stdout = ""
    return Result(proc)


def reference(module, args=(), root=APP, cwd=None, stdout=subprocess.PIPE, env=None,
              pyflags=()):
    """Runs `module` as __main__ exactly as `python3.11 -I -m module` would,
    with root as the only application directory. (-I implies -P, so -m
    cannot see the current directory; the module is put on sys.path
    explicitly and run by runpy's -m entry point.)"""
    code = ("import sys, runpy; sys.path.insert(0, %r); "
            "runpy._run_module_as_main(%r)" % (root, module))
    return run([PYTHON, "-I", "-B"] + list(pyflags) + ["-c", code] + list(args), cwd=cwd or root,
               stdout=stdout, env=env)


class PackTestCase(unittest.TestCase):
    """Base class: a bytecode cache shared by the class, a temp dir per test."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.class_tmp = tempfile.mkdtemp(prefix="pyembed-it-%s-" % cls.__name__)
        cls.cache_home = os.path.join(cls.class_tmp, "cache")
        cls.pack_env = dict(BASE_ENV, XDG_CACHE_HOME=cls.cache_home)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.class_tmp, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="t-", dir=self.class_tmp)

    @classmethod
    def pack_cmd(cls, cmd, output, *options, stdlib_dirs=True):
        argv = [PACK, cmd, "-q", "-o", output] + VALGRIND_PACK_OPTIONS
        if DISTRIBUTION:
            argv += ["--distribution", DISTRIBUTION]
        elif stdlib_dirs:
            argv += ["--stdlib-dir", STDLIB_DIR, "--dynload-dir", DYNLOAD_DIR]
        return argv + list(options)

    @classmethod
    def pack(cls, output, *options, cmd="build", check=True, stdlib_dirs=True):
        """Runs pyembed-pack CMD -o output OPTIONS; asserts success if check."""
        r = run(cls.pack_cmd(cmd, output, *options, stdlib_dirs=stdlib_dirs),
                env=cls.pack_env, timeout=BUILD_TIMEOUT)
        if check and (r.returncode != 0 or not os.path.isfile(output)):
            raise AssertionError("pyembed-pack failed: %r" % r)
        return r

    @classmethod
    def build_app(cls, name, *options, **kw):
        """Builds an executable from the fixture app into the class dir."""
        exe = os.path.join(cls.class_tmp, name)
        cls.pack(exe, "--module-path", APP, *options, **kw)
        return exe

    def assertExited(self, result, status, msg=None):
        self.assertEqual(result.returncode, status, msg or result)

    def assertSameRun(self, packed, ref, compare_stdout=True):
        """Exit status (and stdout) of the packed run equal python's."""
        self.assertEqual(packed.returncode, ref.returncode,
                         "packed %r\nreference %r" % (packed, ref))
        if compare_stdout:
            self.assertEqual(packed.stdout, ref.stdout, "packed %r" % packed)


# ---- the blob inside an executable (docs/format.md §2, §4, §5, §7.1) ------

def elf_section(data, want=b".packrs"):
    """(file offset, size) of ELF64-LE section `want` (§7.1)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64-LE file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def header(i):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, ...
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)

    names = header(shstrndx)
    for i in range(shnum):
        h = header(i)
        start = names[4] + h[0]
        if data[start:start + len(want) + 1] == want + b"\0":
            return h[4], h[5]
    raise LookupError("no section %r" % want)


FIELD_SOURCE, FIELD_BYTECODE = 1, 2


def blob_fields(blob):
    """{resource name: [(type, flags, offset in blob, size)]} (§2, §4, §5)."""
    if blob[:8] != b"\x89PKR\r\n\x1a\n":
        raise ValueError("bad blob magic")
    count, = struct.unpack_from("<I", blob, 36)
    entries, fields, strings, _strings_size, data = struct.unpack_from("<QQQQQ", blob, 56)
    out = {}
    for i in range(count):
        name_off, name_len, _kind, first, nfields = struct.unpack_from(
            "<IIIII", blob, entries + 40 * i + 16)
        name = blob[strings + name_off:strings + name_off + name_len].decode()
        recs = []
        for j in range(first, first + nfields):
            ftype, flags = struct.unpack_from("<HH", blob, fields + 48 * j)
            doff, size = struct.unpack_from("<QQ", blob, fields + 48 * j + 16)
            recs.append((ftype, flags, data + doff, size))
        out[name] = recs
    return out


SIGINT = signal.SIGINT


def main():
    """unittest.main with the summary printed and a failing exit status; in
    the valgrind pass, also how many runs memcheck watched."""
    if VALGRIND:
        import atexit
        atexit.register(lambda: print("valgrind: %d runs under memcheck (%d programs)" % (
            len(_memcheck_runs), len(set(_memcheck_runs))), file=sys.stderr))
    unittest.main(module="__main__", verbosity=2)
