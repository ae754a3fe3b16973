"""Allocator backends end to end: for every backend this build has, a
packed app (pyembed-pack --allocator NAME) runs, prints tracebacks, ends
with python's exit statuses and runs multiprocessing's spawn children;
tracking brings live bytes back within 5 % of the baseline after a large
allocation is freed; the debug hooks catch an overrun by an extension
module; a backend the driver lacks is refused at pack time."""
import json
import os
import shutil
import signal
import subprocess
import unittest

import harness
from harness import APP, DISTRIBUTION, FIXTURES, PYTHON, PackTestCase, reference, run

# What this build has (libpyembed/meson.build's alloc_backends); a driver
# linked against a distribution has no jemalloc (pyembed_pack/cli.py).
BUILT = (os.environ.get("PYEMBED_TEST_ALLOC_BACKENDS") or "pymalloc,malloc").split(",")
AVAILABLE = [b for b in BUILT if not (DISTRIBUTION and b == "jemalloc")]
CONFIGS = [(b, ()) for b in AVAILABLE] + [("debug", ())] + \
    [(b, ("--allocator-debug",)) for b in AVAILABLE if b not in ("pymalloc",)] + \
    [(b, ("--allocator-domains", "raw,arena")) for b in AVAILABLE if b not in ("pymalloc",)]


class AllocatorChecks:
    """The checks of one allocator configuration (a mixin: make_class
    makes one PackTestCase per configuration)."""

    backend, extra = "pymalloc", ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("allocapp", "--run-module", "allocapp", "--include", "tbhelper",
                                "--allocator", cls.backend, "--allocator-tracking", *cls.extra)

    def run_case(self, *args, **kw):
        return run([self.exe] + list(args), cwd=self.tmp, **kw)

    def test_allocator_installed(self):
        r = self.run_case("info")
        self.assertExited(r, 0)
        info = json.loads(r.stdout)
        want = "pymalloc" if self.backend == "debug" else self.backend
        self.assertEqual(info["backend"], want)
        self.assertIs(info["tracking"], True)
        self.assertIs(info["debug"], self.backend == "debug" or "--allocator-debug" in self.extra)
        if "--allocator-domains" in self.extra:
            self.assertEqual(info["domains"], ["raw", "arena"])
        elif self.backend not in ("pymalloc", "debug"):
            self.assertEqual(info["domains"], ["raw", "mem", "obj"])

    def test_traceback_like_python(self):
        packed, ref = self.run_case("traceback"), reference("allocapp", ["traceback"])
        self.assertSameRun(packed, ref)
        self.assertExited(packed, 1)
        self.assertTrue(packed.stderr.startswith("Traceback (most recent call last):\n"))
        self.assertIn('tbhelper.py", line 3, in explode\n', packed.stderr)
        self.assertTrue(packed.stderr.endswith("ValueError: exploded: kaboom\n"), packed.stderr)

    def test_exit_statuses_like_python(self):
        for case, status in (("exit3", 3), ("exception", 1), ("normal", 0)):
            packed, ref = self.run_case(case), reference("allocapp", [case])
            self.assertEqual(packed.returncode, ref.returncode, case)
            self.assertExited(packed, status)
        self.assertTrue(self.run_case("exception").stderr.endswith(
            "RuntimeError: uncaught in allocapp\n"))

    def test_multiprocessing_spawn(self):
        r = self.run_case("spawn", timeout=120)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "spawn pool [0, 1, 4, 9, 16, 25]\n")

    def test_tracking_back_to_baseline(self):
        r = self.run_case("tracking")
        self.assertExited(r, 0)
        t = json.loads(r.stdout)
        self.assertGreater(t["base"], 100000)
        self.assertGreaterEqual(t["grown"], t["base"] + (32 << 20))
        self.assertGreaterEqual(t["peak"], t["base"] + (32 << 20))
        self.assertLessEqual(abs(t["after"] - t["base"]), t["base"] * 0.05, t)


def make_class(backend, extra):
    """A test class for one allocator configuration."""
    name = "Alloc_" + backend + "".join(
        "_" + e.strip("-").replace("allocator-", "").replace(",", "_") for e in extra)
    return type(name, (AllocatorChecks, PackTestCase),
                {"backend": backend, "extra": tuple(extra)})


for _backend, _extra in CONFIGS:
    _cls = make_class(_backend, _extra)
    globals()[_cls.__name__] = _cls
del _cls, _backend, _extra


@harness.host_python_only("builds an extension module against the host Python's headers")
class DebugHooksTest(PackTestCase):
    """The debug hooks catch a one-byte overrun of a block of each domain
    by a small extension module, for every backend: CPython prints the
    damaged block and aborts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise unittest.SkipTest("no C compiler")
        site = os.path.join(cls.class_tmp, "site")
        os.makedirs(site)
        inc, suffix = run([PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['include'], sysconfig.get_config_var('EXT_SUFFIX'))"]).stdout.split()
        r = run([cc, "-shared", "-fPIC", "-O1", "-I" + inc, "-o",
                 os.path.join(site, "_overrun" + suffix),
                 os.path.join(FIXTURES, "overrun", "_overrun.c")])
        if r.returncode:
            raise AssertionError("compiling _overrun: %r" % r)
        cls.exes = {}
        for backend in AVAILABLE:
            opts = ("--allocator", "debug") if backend == "pymalloc" else \
                ("--allocator", backend, "--allocator-debug")
            cls.exes[backend] = cls.build_app("overrun-" + backend, "--module-path", site,
                                              "--run-module", "allocapp", "--include",
                                              "_overrun", *opts)

    def test_overrun_caught_in_every_domain(self):
        for backend, exe in self.exes.items():
            for domain in ("raw", "mem", "obj"):
                r = run([exe, "overrun", domain], cwd=self.tmp)
                msg = "%s/%s: %r" % (backend, domain, r)
                self.assertEqual(r.returncode, -signal.SIGABRT, msg)
                self.assertIn("bad trailing pad byte", r.stderr, msg)
                self.assertIn("Fatal Python error", r.stderr, msg)
                self.assertNotIn("unnoticed", r.stdout, msg)


class PackTimeChecksTest(PackTestCase):
    """Unknown names and backends the driver lacks fail at pack time."""

    def pack_fails(self, *options):
        out = os.path.join(self.tmp, "app")
        r = self.pack(out, "--module-path", APP, "--run-module", "tinyapp", *options,
                      check=False)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertFalse(os.path.exists(out))
        return r

    def test_unknown_allocator_name(self):
        r = self.pack_fails("--allocator", "tcmalloc")
        self.assertIn("invalid choice: 'tcmalloc'", r.stderr)

    def test_bad_domains(self):
        self.assertIn("--allocator-domains", self.pack_fails(
            "--allocator", "malloc", "--allocator-domains", "raw,heap").stderr)
        # pymalloc is the default; the valgrind pass makes malloc the default, so names it
        pymalloc = ("--allocator", "pymalloc") if harness.VALGRIND else ()
        self.assertIn("pymalloc already serves", self.pack_fails(
            *pymalloc, "--allocator-domains", "raw").stderr)

    @unittest.skipUnless(DISTRIBUTION, "a distribution's driver lacks jemalloc")
    def test_jemalloc_not_in_distribution_drivers(self):
        self.assertIn("drivers linked against a distribution", self.pack_fails(
            "--allocator", "jemalloc").stderr)

    @unittest.skipUnless("jemalloc" in AVAILABLE and not DISTRIBUTION,
                         "jemalloc is not in this build")
    def test_jemalloc_only_in_its_driver(self):
        """The default driver does not carry jemalloc (0.8 MB); --allocator
        jemalloc copies pyembed-run-jemalloc, which does."""
        code = "import _pyembed; print(_pyembed.alloc_backends())"
        sizes = {}
        for backend in ("pymalloc", "jemalloc"):
            out = os.path.join(self.tmp, "be-" + backend)
            self.pack(out, "--module-path", APP, "--run-code", code, "--allocator", backend)
            r = run([out], cwd=self.tmp)
            self.assertExited(r, 0)
            self.assertEqual("jemalloc" in r.stdout, backend == "jemalloc", r.stdout)
            sizes[backend] = os.path.getsize(out)
        self.assertGreater(sizes["jemalloc"] - sizes["pymalloc"], 500_000, sizes)

    def test_metadata_keys(self):
        out = os.path.join(self.tmp, "app.blob")
        self.pack(out, "--module-path", APP, "--include", "tinyapp", "--allocator", "malloc",
                  "--allocator-domains", "raw,obj", "--allocator-debug", "--allocator-tracking",
                  cmd="blob")
        with open(out, "rb") as f:
            blob = f.read()
        fields = harness.blob_fields(blob)["@pyembed"]
        meta = [blob[o:o + n] for t, _f, o, n in fields if t == 10]  # FIELD_METADATA
        text = meta[0].decode() if meta else ""
        for line in ("allocator=malloc", "allocator_domains=raw,obj", "allocator_debug=1",
                     "allocator_tracking=1"):
            self.assertIn(line + "\n", text)


if __name__ == "__main__":
    harness.main()
