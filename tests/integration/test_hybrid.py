"""examples/hybrid end to end: installed with `meson install --destdir`,
built by the example's build.sh with nothing but `pkg-config --cflags
--libs pyembed` (PKG_CONFIG_SYSROOT_DIR pointing at the staged tree), its
blob made by `pyembed-pack blob` and placed in the program's read-only data;
then run, with the blob file gone, from another directory."""
import glob
import json
import os
import shutil
import subprocess
import unittest

import harness
from harness import BUILD, DISTRIBUTION, DYNLOAD_DIR, PACK, SOURCE_ROOT, STDLIB_DIR, run

EXAMPLE = os.path.join(SOURCE_ROOT, "examples", "hybrid")

EXPECTED = """\
order 0: acme    DE  3800.00 ->  3843.70
order 1: globex  DE  2812.50 ->  3012.19
order 2: initech DE  3800.00 ->  4069.80
order 3: acme    FR  3637.50 ->  3710.25
order 4: globex  FR  3500.00 ->  3780.00
order 5: initech FR  4637.50 ->  5008.50
total 23424.44
quantities {"shaft": 163, "gear": 162, "bolt": 140, "nut": 56}
unknown customer: checked_quote: LookupError: no such customer: umbrella corp
  traceback ends: LookupError: no such customer: umbrella corp
  audit: acme: net 3230.00, discount 15%, DE -> 3843.70
  audit: globex: net 2531.25, discount 10%, DE -> 3012.19
  audit: initech: net 3420.00, discount 10%, DE -> 4069.80
  audit: acme: net 3091.88, discount 15%, FR -> 3710.25
  audit: globex: net 3150.00, discount 10%, FR -> 3780.00
  audit: initech: net 4173.75, discount 10%, FR -> 5008.50
python objects tracked: yes
"""


def build_option(name):
    """A meson option of the build under test (None if unknown)."""
    path = os.path.join(BUILD, "meson-info", "intro-buildoptions.json")
    with open(path) as f:
        return next((o["value"] for o in json.load(f) if o["name"] == name), None)


@unittest.skipIf(DISTRIBUTION, "links the system's libpython, not a distribution's")
class HybridExampleTest(harness.PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for tool in ("meson", "pkg-config", "cc"):
            if not shutil.which(tool):
                raise unittest.SkipTest(tool + " not found")
        cls.stage = os.path.join(cls.class_tmp, "stage")
        r = run(["meson", "install", "-C", BUILD, "--destdir", cls.stage, "--no-rebuild",
                 "--quiet"], timeout=600)
        if r.returncode:
            raise AssertionError("meson install: %r" % r)
        pcs = glob.glob(os.path.join(cls.stage, "**", "pkgconfig", "pyembed.pc"),
                        recursive=True)
        if len(pcs) != 1:
            raise AssertionError("pyembed.pc in the staged tree: %r" % pcs)
        cls.env = dict(harness.BASE_ENV, PKG_CONFIG_PATH=os.path.dirname(pcs[0]),
                       PKG_CONFIG_SYSROOT_DIR=cls.stage, PYEMBED_PACK=PACK,
                       XDG_CACHE_HOME=cls.cache_home)
        cls.link_system_headers()
        sanitize = build_option("b_sanitize")
        if sanitize and sanitize != "none":  # libpyembed.a is instrumented: so must we be
            cls.env["CC"] = "cc -fsanitize=" + sanitize
        cls.out = os.path.join(cls.class_tmp, "out")
        cls.built = run(["sh", os.path.join(EXAMPLE, "build.sh"), cls.out, "--stdlib-dir",
                         STDLIB_DIR, "--dynload-dir", DYNLOAD_DIR], env=cls.env,
                        timeout=harness.BUILD_TIMEOUT)

    @classmethod
    def link_system_headers(cls):
        """The sysroot applies to every package pkg-config reads, the
        system's python-3.11-embed too: its include directory is made
        visible inside the staged tree."""
        flags = subprocess.run(["pkg-config", "--cflags-only-I", "python-3.11-embed"],
                               capture_output=True, text=True, check=True).stdout.split()
        for flag in flags:
            inc = flag[2:]
            staged = cls.stage + inc
            if os.path.isdir(inc) and not os.path.exists(staged):
                os.makedirs(os.path.dirname(staged), exist_ok=True)
                os.symlink(inc, staged)

    def test_built_with_pkg_config_only(self):
        self.assertExited(self.built, 0)
        cflags = run(["pkg-config", "--cflags", "--libs", "pyembed"], env=self.env).stdout
        self.assertIn("-I" + self.stage, cflags)
        self.assertIn("-lpyembed", cflags)

    def test_blob_in_read_only_data(self):
        self.assertExited(self.built, 0)
        exe = os.path.join(self.out, "hybrid")
        syms = run(["nm", exe]).stdout.split("\n")
        self.assertTrue(any(s.endswith(" R hybrid_blob") for s in syms), "hybrid_blob")
        size = os.path.getsize(os.path.join(self.out, "app.blob"))
        self.assertGreater(os.path.getsize(exe), size)

    def test_runs_without_the_blob_file(self):
        self.assertExited(self.built, 0)
        moved = os.path.join(self.tmp, "hybrid")
        shutil.copy(os.path.join(self.out, "hybrid"), moved)
        elsewhere = os.path.join(self.tmp, "cwd")
        os.makedirs(elsewhere)
        # a C host, not a packed executable: under memcheck in the valgrind pass too
        r = run([moved], cwd=elsewhere, env=dict(self.env, PYTHONPATH="/nonexistent"),
                memcheck=True)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, EXPECTED)


if __name__ == "__main__":
    harness.main()
