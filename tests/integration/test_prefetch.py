"""The start-up read-ahead (docs/runtime.md §1.1): what pyembed-pack records
for it, that the runtime reads a start-up extension module's library
before the program needs it, and that it stays out of the program's way
(no descriptors in forked children; --no-prefetch and a config's
`prefetch = False` turn it off)."""
import json
import os

import harness
from harness import PACK, PYTHON, PackTestCase, host_python_only, run, skip_under_valgrind

# Under memcheck a file the client maps gets its head read (measured: a
# mapping of libsqlite3, never touched, left 4 pages resident), and the
# client's descriptor table holds valgrind's own (high numbers: its files
# and pipes): residency and descriptor checks mean nothing there.
MEMCHECK_READS = "memcheck reads the head of files its client maps (residency says nothing)"
MEMCHECK_FDS = "memcheck keeps descriptors of its own in the client's table"

FIXTURE = os.path.join(harness.FIXTURES, "prefetch")
SQLITE = "libsqlite3.so.0"  # what Debian's _sqlite3 links (host Python)


def library_dirs():
    """Directories of the shared objects this process has mapped, in order
    (where the runtime looks for a library by name, too)."""
    dirs = []
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split(None, 5)
            path = fields[5].strip() if len(fields) == 6 else ""
            if ".so" in path and path.startswith("/") and os.path.dirname(path) not in dirs:
                dirs.append(os.path.dirname(path))
    return dirs


def library_path(soname):
    """The file the runtime's read-ahead finds for soname, or None."""
    found = [os.path.join(d, soname) for d in library_dirs()
             if os.path.isfile(os.path.join(d, soname))]
    return found[0] if found else None


def resident_pages(path):
    """Pages of path in the page cache, asked of the reference python
    (this process must not map the file: eviction would keep them)."""
    r = run([PYTHON, "-I", os.path.join(FIXTURE, "resident.py"), path])
    if r.returncode != 0:
        raise AssertionError("resident.py failed: %r" % r)
    return int(r.stdout)


def evict(path):
    """Asks the kernel to drop path's clean, unmapped pages from the cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def prefetch_facts(exe):
    """The "prefetch" object of `pyembed-pack inspect exe --json`."""
    r = run([PACK, "inspect", exe, "--json"])
    if r.returncode != 0:
        raise AssertionError("inspect failed: %r" % r)
    return json.loads(r.stdout)["prefetch"]


class PrefetchTest(PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = os.path.join(cls.class_tmp, "prefetchapp")
        cls.pack(cls.exe, "--module-path", FIXTURE, "--run-module", "prefetchapp")
        cls.off = os.path.join(cls.class_tmp, "prefetchapp-off")
        cls.pack(cls.off, "--module-path", FIXTURE, "--run-module", "prefetchapp",
                 "--no-prefetch")

    def cold_library(self):
        """(path, environment) of a private copy of SQLITE, out of the page
        cache, that the runs load through LD_LIBRARY_PATH: no other process
        (tests run in parallel) reads this copy (else the test skips)."""
        real = library_path(SQLITE)
        if not real:
            self.skipTest(SQLITE + " not found beside this process's libraries")
        libdir = os.path.join(self.tmp, "lib")
        os.makedirs(libdir)
        path = os.path.join(libdir, SQLITE)
        with open(real, "rb") as src, open(path, "wb") as dst:
            dst.write(src.read())
            dst.flush()
            os.fsync(dst.fileno())
        evict(path)
        if resident_pages(path):
            self.skipTest(path + " stays in the page cache (a file system that keeps it)")
        return path, dict(harness.BASE_ENV, LD_LIBRARY_PATH=libdir)

    def test_records_the_executable_and_startup_libraries(self):
        facts = prefetch_facts(self.exe)
        self.assertTrue(facts["executable"])
        if harness.DISTRIBUTION is None:  # Debian's _sqlite3 and _ctypes link them
            self.assertIn(SQLITE, facts["libraries"])
            self.assertIn("libffi.so.8", facts["libraries"])
        self.assertFalse({"libc.so.6", "libm.so.6"} & set(facts["libraries"]), facts)
        self.assertTrue(all("/" not in n for n in facts["libraries"]), facts)
        r = run([PACK, "inspect", self.exe])
        self.assertIn("# read ahead at start: the executable", r.stdout)

    def test_no_prefetch_records_nothing(self):
        self.assertEqual(prefetch_facts(self.off), {"executable": False, "libraries": []})
        r = run([PACK, "inspect", self.off])
        self.assertNotIn("read ahead", r.stdout)

    @host_python_only("Debian's _sqlite3 links the shared libsqlite3")
    @skip_under_valgrind(MEMCHECK_READS)
    def test_library_is_read_before_its_import(self):
        path, env = self.cold_library()
        r = run([self.exe, path, str(harness.scaled_timeout(20))], cwd=self.tmp, env=env)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "resident\n42\n")

    @host_python_only("Debian's _sqlite3 links the shared libsqlite3")
    @skip_under_valgrind(MEMCHECK_READS)
    def test_no_prefetch_reads_only_what_is_used(self):
        path, env = self.cold_library()
        r = run([self.off, path, "0.5"], cwd=self.tmp, env=env)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "not resident\n42\n")

    @skip_under_valgrind(MEMCHECK_FDS)
    def test_forked_children_inherit_none_of_its_files(self):
        exe = os.path.join(self.tmp, "forkapp")
        self.pack(exe, "--module-path", FIXTURE, "--run-module", "forkapp")
        r = run([exe, exe, "40"], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "forks with stray descriptors: []\n")

    def test_executable_of_a_mostly_lazy_app_is_not_read(self):
        """Package data only a function reads, twice the size of a whole
        small packed app (driver included): start-up needs less than half
        of the executable, so it is not read ahead whole."""
        size = 2 * os.path.getsize(self.exe)
        root = os.path.join(self.tmp, "src")
        os.makedirs(os.path.join(root, "bigpkg"))
        with open(os.path.join(root, "bigapp.py"), "w") as f:
            f.write("import sqlite3\n\ndef later():\n    import bigpkg\n    return bigpkg.size()\n\n"
                    "print(later())\n")
        with open(os.path.join(root, "bigpkg", "__init__.py"), "w") as f:
            f.write("import importlib.resources\n\ndef size():\n"
                    "    return len(importlib.resources.files(__name__).joinpath('blob.bin')"
                    ".read_bytes())\n")
        with open(os.path.join(root, "bigpkg", "blob.bin"), "wb") as f:
            f.write(os.urandom(size))  # incompressible: stored as it is
        exe = os.path.join(self.tmp, "bigapp")
        self.pack(exe, "--module-path", root, "--run-module", "bigapp")
        facts = prefetch_facts(exe)
        self.assertFalse(facts["executable"], facts)
        if harness.DISTRIBUTION is None:
            self.assertIn(SQLITE, facts["libraries"])
        r = run([exe], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "%d\n" % size)

    @host_python_only("Debian's _sqlite3 links the shared libsqlite3")
    def test_libraries_of_lazy_imports_are_not_read(self):
        root = os.path.join(self.tmp, "src")
        os.makedirs(root)
        with open(os.path.join(root, "lazyapp.py"), "w") as f:
            f.write("def query():\n    import sqlite3\n    return sqlite3\n\nprint(1)\n")
        exe = os.path.join(self.tmp, "lazyapp")
        self.pack(exe, "--module-path", root, "--run-module", "lazyapp")
        facts = prefetch_facts(exe)
        self.assertTrue(facts["executable"])
        self.assertNotIn(SQLITE, facts["libraries"])
        self.assertExited(run([exe], cwd=self.tmp), 0)

    def test_config_prefetch_false(self):
        with open(os.path.join(self.tmp, "pyembed.bzl"), "w") as f:
            f.write('def make_exe():\n'
                    '    dist = default_python_distribution()\n'
                    '    config = dist.make_python_interpreter_config()\n'
                    '    config.run_module = "prefetchapp"\n'
                    '    config.prefetch = False\n'
                    '    exe = dist.to_python_executable(name = "pf", config = config)\n'
                    '    exe.add_python_resources(exe.read_package_root(%r, '
                    '["prefetchapp", "resident"]))\n'
                    '    return exe\n'
                    'register_target("exe", make_exe, default = True)\n'
                    'resolve_targets()\n' % FIXTURE)
        argv = [PACK, "build", "-q"] + (["--distribution", harness.DISTRIBUTION]
                                        if harness.DISTRIBUTION else
                                        ["--stdlib-dir", harness.STDLIB_DIR,
                                         "--dynload-dir", harness.DYNLOAD_DIR])
        r = run(argv, cwd=self.tmp, env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
        self.assertExited(r, 0)
        exe = os.path.join(self.tmp, "build", "%s-unknown-linux-gnu" % os.uname().machine,
                           "release", "exe", "pf")
        self.assertEqual(prefetch_facts(exe), {"executable": False, "libraries": []})


if __name__ == "__main__":
    harness.main()
