"""A packed executable made against a distribution needs nothing from the
machine but glibc: it runs in an empty root holding only glibc's files (the
libc6 package's) and a mounted /proc. The same app packed against the
system Python (the control) cannot even start there.

Needs root (chroot, mount) and a distribution (PYEMBED_TEST_DISTRIBUTION;
scripts/test.sh sets it for its run against CPython 3.13)."""
import os
import shutil
import subprocess
import unittest

import harness
from harness import FIXTURES, PACK, PackTestCase, run

APP_DIR = os.path.join(FIXTURES, "portable")
EXPECTED = """\
sqlite3 42
ssl PROTOCOL_TLS_CLIENT OpenSSL
ctypes 8 7
lzma True
decimal 3.3
xml hi
json {"k": [1, 2]}
zlib 3702628690
python True
"""


def glibc_files():
    """The shared objects of Debian's libc6 package (glibc itself)."""
    out = subprocess.run(["dpkg", "-L", "libc6"], capture_output=True, text=True,
                         check=True).stdout.split()
    return [p for p in out if (".so" in os.path.basename(p)) and os.path.isfile(p)]


def make_root(path):
    """An empty root with glibc's files (symlinks kept) and a /proc to mount."""
    for f in glibc_files():
        dest = path + f
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(f, dest, follow_symlinks=False)
    for link in ("/lib64", "/lib"):  # merged-/usr Debian: /lib64 -> usr/lib64 etc.
        if os.path.islink(link) and not os.path.lexists(path + link):
            os.symlink(os.readlink(link), path + link)
    os.makedirs(os.path.join(path, "proc"))
    os.makedirs(os.path.join(path, "tmp"))


@unittest.skipUnless(os.geteuid() == 0, "needs root (chroot and mount)")
@unittest.skipUnless(harness.DISTRIBUTION, "needs PYEMBED_TEST_DISTRIBUTION")
class PortableTest(PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = os.path.join(cls.class_tmp, "root")
        make_root(cls.root)
        r = run(["mount", "-t", "proc", "proc", os.path.join(cls.root, "proc")])
        if r.returncode != 0:
            raise unittest.SkipTest("cannot mount /proc: " + r.stderr.strip())

    @classmethod
    def tearDownClass(cls):
        run(["umount", os.path.join(cls.root, "proc")])
        super().tearDownClass()

    def in_root(self, exe):
        """Runs exe (copied into the root) inside the root."""
        shutil.copy2(exe, os.path.join(self.root, "app"))
        chroot = shutil.which("chroot") or "/usr/sbin/chroot"
        return run([chroot, self.root, "/app"], env={"LC_ALL": "C.UTF-8", "PATH": "/"})

    def test_distribution_executable_runs_with_glibc_only(self):
        exe = os.path.join(self.tmp, "portapp")
        self.pack(exe, "--module-path", APP_DIR, "--run-module", "portapp")
        r = self.in_root(exe)
        self.assertEqual((r.returncode, r.stdout), (0, EXPECTED), r)

    def test_system_python_executable_does_not(self):
        # the control: the default system-Python driver needs libz, libexpat…
        exe = os.path.join(self.tmp, "portapp-system")
        r = run([PACK, "build", "-q", "-o", exe, "--module-path", APP_DIR,
                 "--run-module", "portapp"], env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(run([exe]).stdout, EXPECTED)  # it works on this machine
        r = self.in_root(exe)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("error while loading shared libraries", r.stderr)


if __name__ == "__main__":
    harness.main()
