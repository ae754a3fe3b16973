"""The 'slow' suite's distribution matrix (docs/distributions.md):

  * CPython 3.11 and 3.14 distributions built by `pyembed-pack dist build`
    (cached in the store, so a rerun is quick), then the integration suite
    run against each, as scripts/test.sh does for 3.13;
  * reproducibility: two builds of the same 3.13 source in two empty cache
    directories give byte-identical archives, and two packs against the
    same distribution give byte-identical executables.

Each build prints its time. 3.14: when Debian's Sources indexes list only
versions its mirror no longer serves, the build takes the pool's
FALLBACK_314 (checked against its uploader's signature).
"""
import glob
import os
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from harness import APP, BASE_ENV, PACK, run

HERE = os.path.dirname(os.path.abspath(__file__))
CORE_TESTS = ["imports", "main", "isolation", "corruption", "pack_tool", "packages",
              "portable"]
FALLBACK_314 = "3.14.7-1"
BUILD_TIMEOUT = 3600


def dist_build(minor, *extra, env=None):
    """Runs dist build; returns (result, seconds)."""
    t0 = time.monotonic()
    r = run([PACK, "dist", "build", "--python", minor] + list(extra), env=env or BASE_ENV,
            timeout=BUILD_TIMEOUT)
    return r, time.monotonic() - t0


def stored(minor):
    r = run([PACK, "dist", "path", "--python", minor], env=BASE_ENV)
    return r.stdout.strip() if r.returncode == 0 else None


@unittest.skipIf(harness.DISTRIBUTION, "runs its own distributions")
class MatrixTest(unittest.TestCase):

    def build_or_fail(self, minor):
        r, secs = dist_build(minor)
        if r.returncode != 0 and minor == "3.14" and "not downloadable" in r.stderr:
            r, secs = dist_build(minor, "--debian-version", FALLBACK_314)
        self.assertEqual(r.returncode, 0, r)
        print(f"\ndist build --python {minor}: {secs:.0f} s", file=sys.stderr)
        return stored(minor)

    def run_suite(self, dist):
        env = dict(os.environ, PYEMBED_TEST_DISTRIBUTION=dist)
        failed = []
        for t in CORE_TESTS:
            p = subprocess.run([sys.executable, "-B", os.path.join(HERE, f"test_{t}.py")],
                               env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
            print(f"  {t}: {p.stderr.strip().splitlines()[-1]}", file=sys.stderr)
            if p.returncode != 0:
                failed.append((t, p.stderr[-3000:]))
        self.assertEqual(failed, [])

    def test_311(self):
        self.run_suite(self.build_or_fail("3.11"))

    def test_314(self):
        self.run_suite(self.build_or_fail("3.14"))


@unittest.skipIf(harness.DISTRIBUTION, "runs its own distributions")
class ReproducibleTest(unittest.TestCase):

    def test_two_builds_same_archive(self):
        self.assertTrue(stored("3.13") or dist_build("3.13")[0].returncode == 0)
        tarballs = glob.glob(os.path.join(os.path.expanduser("~"), ".cache", "pyembed",
                                          "dist-src", "debian", "*", "python3.13_*.orig.tar.*"))
        tarballs = [t for t in tarballs if not t.endswith(".asc")]
        if not tarballs:
            self.skipTest("no Debian python3.13 source tarball in the cache")
        digests = []
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            for cache in (a, b):
                r, secs = dist_build("3.13", "--source", sorted(tarballs)[-1],
                                     env=dict(BASE_ENV, PYEMBED_CACHE_DIR=cache))
                self.assertEqual(r.returncode, 0, r)
                print(f"\nreproducibility build in {cache}: {secs:.0f} s", file=sys.stderr)
                digests.append(r.stdout.split()[0])
        self.assertEqual(digests[0], digests[1])

    def test_two_packs_same_executable(self):
        dist = stored("3.13")
        if not dist:
            self.skipTest("no stored 3.13 distribution")
        with tempfile.TemporaryDirectory() as tmp:
            outs = []
            for i in range(2):  # each links its own driver, compiles its own bytecode
                out = os.path.join(tmp, f"app{i}")
                env = dict(BASE_ENV, PYEMBED_CACHE_DIR=os.path.join(tmp, f"cache{i}"))
                r = run([PACK, "build", "-q", "-o", out, "--distribution", dist, "--no-cache",
                         "--module-path", APP, "--run-module", "tinyapp"], env=env, timeout=600)
                self.assertEqual(r.returncode, 0, r)
                with open(out, "rb") as f:
                    outs.append(f.read())
            self.assertEqual(outs[0], outs[1])


if __name__ == "__main__":
    harness.main()
