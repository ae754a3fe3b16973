"""Hostile environments and user mistakes (docs/reliability.md): a packed
program in them behaves as python3.11 does, or fails with a clean message;
the extension fallback's private directories are safe and never left
behind; the pack tool answers mistakes with one line.

The packed program is fixtures/reliability/relapp.py (one CASE per
situation), built once with the whole standard library, so extension
modules load from memory (or, when that is refused, from the private
temporary directory of libpyembed/tempdir.c)."""
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import unittest

import harness
from harness import DISTRIBUTION, PACK, PYTHON, BUILD, run

APP = os.path.join(harness.FIXTURES, "reliability")
TEMPDIR_RE = re.compile(r"^pyembed-ext-[A-Za-z0-9]{6}$")

SHIM = r"""
#define _GNU_SOURCE
#include <errno.h>
/* memfd_create refused, as a seccomp filter or an old kernel would */
int memfd_create(const char *name, unsigned int flags)
{
    (void)name; (void)flags;
    errno = ENOSYS;
    return -1;
}
"""


def build_option(name):
    """A meson option of the build under test (None if unknown)."""
    import json
    path = os.path.join(BUILD, "meson-info", "intro-buildoptions.json")
    with open(path) as f:
        return next((o["value"] for o in json.load(f) if o["name"] == name), None)


SANITIZED = (build_option("b_sanitize") or "none") != "none"


def tempdirs(where):
    """The private directories under where."""
    return sorted(n for n in os.listdir(where) if n.startswith("pyembed-ext-"))


class ReliabilityTest(harness.PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = os.path.join(cls.class_tmp, "relapp")
        cls.pack(cls.exe, "--module-path", APP, "--run-module", "relapp", "--stdlib", "all")
        cls.shim = os.path.join(cls.class_tmp, "nomemfd.so")
        src = cls.shim[:-3] + ".c"
        with open(src, "w") as f:
            f.write(SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", "-o", cls.shim, src], check=True)

    def setUp(self):
        super().setUp()
        self.tmpdir = os.path.join(self.tmp, "tmpdir")
        os.mkdir(self.tmpdir)

    def env(self, memfd=True, **extra):
        """The environment of a packed run: its own $TMPDIR; memfd_create
        refused unless memfd."""
        env = dict(harness.BASE_ENV, TMPDIR=self.tmpdir, **extra)
        if not memfd:
            env["LD_PRELOAD"] = self.shim
            # the shim comes before the sanitizer runtime in a sanitized build
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
        return env

    def packed(self, *args, memfd=True, env=None, **kw):
        return run([self.exe] + list(args), cwd=self.tmp, env=env or self.env(memfd), **kw)

    def ref(self, *args, **kw):
        return harness.reference("relapp", args, root=APP, cwd=self.tmp, **kw)

    def start(self, *args, memfd=True, exe=None):
        """A packed run in the background, once it printed 'ready'."""
        p = subprocess.Popen([exe or self.exe] + list(args), cwd=self.tmp, env=self.env(memfd),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), p.stdin.close(),
                                 p.stdout.close(), p.stderr.close()))
        self.assertEqual(p.stdout.readline(), "ready\n")
        return p

    # ---- extension modules without memfd: the private directory ----

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_memfd_refused_uses_tempdir_and_removes_it(self):
        ref = self.ref("imports")
        r = self.packed("imports", memfd=False)
        self.assertSameRun(r, ref)
        self.assertNotIn("ImportError", r.stdout)
        self.assertEqual(os.listdir(self.tmpdir), [])

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_tempdir_is_private_unpredictable_and_per_process(self):
        a = self.start("extwait", memfd=False)
        b = self.start("extwait", memfd=False)
        names = tempdirs(self.tmpdir)
        self.assertEqual(len(names), 2, names)  # one each, never shared
        for n in names:
            self.assertRegex(n, TEMPDIR_RE)
            st = os.lstat(os.path.join(self.tmpdir, n))
            self.assertTrue(stat.S_ISDIR(st.st_mode))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
            self.assertEqual(st.st_uid, os.geteuid())
            # each library is unlinked right after dlopen
            self.assertEqual(os.listdir(os.path.join(self.tmpdir, n)), [])
        # a live program's directory is not a leftover
        r = run([PACK, "clean-temp", "--dir", self.tmpdir], env=self.pack_env)
        self.assertExited(r, 0)
        self.assertIn("removed 0 leftover directories", r.stdout)
        self.assertEqual(tempdirs(self.tmpdir), names)
        for p in (a, b):
            p.stdin.close()  # extwait returns: a normal exit
            self.assertEqual(p.wait(), 0)
        self.assertEqual(tempdirs(self.tmpdir), [])  # removed at exit

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_kill9_leftover_removed_by_next_run_never_reused(self):
        # a signal whose default action ends the process (SIGKILL; SIGTERM,
        # which python leaves at its default too) skips every exit handler
        for sig in (signal.SIGKILL, signal.SIGTERM):
            p = self.start("extwait", memfd=False)
            left = tempdirs(self.tmpdir)
            self.assertEqual(len(left), 1)
            p.send_signal(sig)
            self.assertEqual(p.wait(), -sig)
            self.assertEqual(tempdirs(self.tmpdir), left)  # left behind
            q = self.start("extwait", memfd=False)
            now = tempdirs(self.tmpdir)
            self.assertEqual(len(now), 1)
            self.assertNotEqual(now, left)  # the leftover went, a new one is in use
            q.stdin.close()
            self.assertEqual(q.wait(), 0)
            self.assertEqual(tempdirs(self.tmpdir), [])

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_kill9_leftover_removed_by_clean_temp(self):
        ps = [self.start("extwait", memfd=False) for _ in range(2)]
        for p in ps:
            p.kill()
            p.wait()
        self.assertEqual(len(tempdirs(self.tmpdir)), 2)
        # a leftover with a stray ext file in it (killed between write and unlink)
        with open(os.path.join(self.tmpdir, tempdirs(self.tmpdir)[0], "ext-7.so"), "wb") as f:
            f.write(b"\x7fELF")
        r = run([PACK, "clean-temp", "--dir", self.tmpdir], env=self.pack_env)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, f"pyembed-pack: removed 2 leftover directories from "
                                   f"{self.tmpdir}\n")
        self.assertEqual(os.listdir(self.tmpdir), [])
        # $TMPDIR is the default
        r = run([PACK, "clean-temp", "-q"], env=dict(self.pack_env, TMPDIR=self.tmpdir))
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "")

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_planted_symlinks_and_strangers_are_left_alone(self):
        victim = os.path.join(self.tmp, "victim")
        os.mkdir(victim, 0o700)
        with open(os.path.join(victim, "ext-1.so"), "w") as f:
            f.write("precious")
        # names a cleaner could take for leftovers: links to a directory of
        # ours, a directory that is not 0700, one with another file in it
        for i, name in enumerate(["pyembed-ext-AAAAAA", "pyembed-ext-BBBBBB"]):
            os.symlink(victim, os.path.join(self.tmpdir, name))
        os.mkdir(os.path.join(self.tmpdir, "pyembed-ext-CCCCCC"), 0o755)
        os.mkdir(os.path.join(self.tmpdir, "pyembed-ext-DDDDDD"), 0o700)
        with open(os.path.join(self.tmpdir, "pyembed-ext-DDDDDD", "notes.txt"), "w") as f:
            f.write("mine")
        before = tempdirs(self.tmpdir)
        r = self.packed("imports", memfd=False)
        self.assertSameRun(r, self.ref("imports"))
        r = run([PACK, "clean-temp", "--dir", self.tmpdir], env=self.pack_env)
        self.assertIn("removed 0 leftover directories", r.stdout)
        self.assertEqual(tempdirs(self.tmpdir), before)
        self.assertEqual(os.listdir(victim), ["ext-1.so"])
        with open(os.path.join(victim, "ext-1.so")) as f:
            self.assertEqual(f.read(), "precious")

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_no_memfd_and_no_tempdir_is_an_import_error_naming_both(self):
        env = self.env(memfd=False)
        env["TMPDIR"] = os.path.join(self.tmp, "no", "such", "dir")
        r = self.packed("ext", env=env)
        self.assertExited(r, 0)
        self.assertIn("ext ImportError cannot load extension module '_sqlite3' from memory: "
                      "in-memory file: Function not implemented; private temporary "
                      "directory " + env["TMPDIR"] + "/pyembed-ext-XXXXXX: No such file or "
                      "directory", r.stdout)

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_tmpdir_relative_or_unwritable_falls_back_to_tmp_or_fails_cleanly(self):
        env = self.env(memfd=False)
        env["TMPDIR"] = "relative/dir"  # not absolute: /tmp is used
        r = self.packed("ext", env=env)
        self.assertEqual(r.stdout, "ext ok True\n", r)
        ro = os.path.join(self.tmp, "ro")
        os.mkdir(ro)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro], check=True)
        self.addCleanup(subprocess.run, ["umount", ro])
        env["TMPDIR"] = ro
        r = self.packed("ext", env=env)
        self.assertIn("private temporary directory " + ro + "/pyembed-ext-XXXXXX: Read-only "
                      "file system", r.stdout)

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_noexec_tmpdir_is_an_import_error(self):
        nx = os.path.join(self.tmp, "noexec")
        os.mkdir(nx)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,size=64m", "tmpfs", nx],
                       check=True)
        self.addCleanup(subprocess.run, ["umount", nx])
        env = self.env(memfd=False)
        env["TMPDIR"] = nx
        r = self.packed("ext", env=env)
        self.assertExited(r, 0)
        self.assertRegex(r.stdout, r"^ext ImportError cannot load extension module '_sqlite3' "
                         r"from memory: in-memory file: Function not implemented; private "
                         r"temporary directory: .*failed to map segment from shared object\n$")
        self.assertEqual(os.listdir(nx), [])

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_no_proc_uses_tempdir(self):
        exe = os.path.join(self.tmp, "relapp")
        shutil.copy(self.exe, exe)
        argv = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none /proc && exec "$@"', "sh",
                exe, "imports"]
        r = run(argv, cwd=self.tmp, env=self.env())
        ref = self.ref("imports")
        self.assertSameRun(r, ref)
        self.assertEqual(os.listdir(self.tmpdir), [])
        r = run(argv[:-1] + ["info"], cwd=self.tmp, env=self.env())
        self.assertExited(r, 0)
        self.assertIn("executable " + exe + "\n", r.stdout)

    # ---- limits ----

    def test_rlimit_nofile_16(self):
        def low():
            resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))
        for memfd in (True, False):
            r = subprocess.run([self.exe, "imports"], cwd=self.tmp, env=self.env(memfd),
                               capture_output=True, text=True, preexec_fn=low, timeout=60)
            ref = subprocess.run([PYTHON, "-I", "-B", os.path.join(APP, "relapp.py"),
                                  "imports"], cwd=self.tmp, env=harness.BASE_ENV,
                                 capture_output=True, text=True, preexec_fn=low, timeout=60)
            self.assertEqual((r.returncode, r.stdout), (ref.returncode, ref.stdout), r.stderr)
            self.assertEqual(os.listdir(self.tmpdir), [])

    @unittest.skipIf(SANITIZED, "the sanitizers reserve terabytes of address space")
    def test_rlimit_as_big_allocation_is_memory_error(self):
        def low():
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        r = subprocess.run([self.exe, "bigalloc", "4096"], cwd=self.tmp, env=self.env(),
                           capture_output=True, text=True, preexec_fn=low, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "MemoryError\nstill running 499500\n")

    # ---- stdout, signals ----

    def test_closed_stdout_same_as_python(self):
        r = subprocess.run(f"'{self.exe}' hello >&-; echo status $?", shell=True,
                           cwd=self.tmp, env=self.env(), capture_output=True, text=True)
        ref = subprocess.run(f"'{PYTHON}' -I '{APP}/relapp.py' hello >&-; echo status $?",
                             shell=True, cwd=self.tmp, env=self.env(), capture_output=True,
                             text=True)
        self.assertEqual(r.stdout, ref.stdout)
        self.assertEqual(r.stderr, ref.stderr)

    def test_broken_pipe_head_same_status_as_python(self):
        cmd = "'%s' lines 200000 | head -1; echo \"status ${PIPESTATUS[0]}\""
        r = subprocess.run(["bash", "-c", cmd % self.exe], cwd=self.tmp, env=self.env(),
                           capture_output=True, text=True, timeout=60)
        ref = subprocess.run(["bash", "-c", cmd % (PYTHON + "' -I '" + APP + "/relapp.py")],
                             cwd=self.tmp, env=self.env(), capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(r.stdout, ref.stdout)
        self.assertEqual(r.stdout.splitlines()[0], "line 0")
        last = lambda s: s.strip().splitlines()[-1] if s.strip() else ""  # noqa: E731
        self.assertEqual(last(r.stderr), last(ref.stderr))

    def test_signal_statuses_same_as_python(self):
        for sig in ("SIGTERM", "SIGHUP", "SIGPIPE", "SIGINT", "SIGUSR1"):
            r = self.packed("kill", sig)
            ref = self.ref("kill", sig)
            self.assertEqual((r.returncode, r.stdout), (ref.returncode, ref.stdout), sig)

    def test_sigterm_from_outside_same_as_python(self):
        for argv in ([self.exe, "wait"], [PYTHON, "-I", os.path.join(APP, "relapp.py"), "wait"]):
            p = subprocess.Popen(argv, cwd=self.tmp, env=self.env(), stdout=subprocess.PIPE,
                                 text=True)
            self.assertEqual(p.stdout.readline(), "ready\n")
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(), -signal.SIGTERM)
            p.stdout.close()

    # ---- how the executable is started ----

    def test_symlink_path_spaces_non_ascii(self):
        odd = os.path.join(self.tmp, "dir with spaces é ü")
        os.mkdir(odd)
        exe = os.path.join(odd, "app é")
        shutil.copy(self.exe, exe)
        link = os.path.join(self.tmp, "link")
        os.symlink(exe, link)
        for argv, env in ([[exe, "spawn"], None], [[link, "spawn"], None],
                          [["app é", "spawn"], dict(self.env(), PATH=odd + ":/usr/bin:/bin")]):
            r = run(argv, cwd=self.tmp, env=env or self.env())
            self.assertExited(r, 0)
            self.assertEqual(r.stdout, "spawn [0, 1, 4, 9, 16]\n")
        r = run([link, "info"], cwd=self.tmp, env=self.env())
        self.assertIn("executable " + exe + "\n", r.stdout)
        r = run(["app é", "info"], cwd=self.tmp, env=dict(self.env(), PATH=odd + ":/bin"))
        self.assertIn("executable " + exe + "\n", r.stdout)

    def test_deleted_while_running(self):
        """Lazy imports (an extension module too) keep working; spawn
        children fail as python's do when sys.executable is gone."""
        exe = os.path.join(self.tmp, "doomed")
        shutil.copy(self.exe, exe)
        pycopy = os.path.join(self.tmp, "python-doomed")
        shutil.copy(PYTHON, pycopy)
        for memfd in (True, False):
            shutil.copy(self.exe, exe)
            shutil.copy(PYTHON, pycopy)
            r = run([exe, "selfdelete", exe], cwd=self.tmp, env=self.env(memfd))
            ref = run([pycopy, "-I", os.path.join(APP, "relapp.py"), "selfdelete", pycopy],
                      cwd=self.tmp, env=self.env())
            self.assertFalse(os.path.exists(exe) or os.path.exists(pycopy))
            self.assertSameRun(r, ref)
            self.assertEqual(r.stdout.splitlines()[0], "after delete [1] 42")
            self.assertEqual(os.listdir(self.tmpdir), [])


if __name__ == "__main__":
    harness.main()
