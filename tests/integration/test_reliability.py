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
import shlex
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
VALGRIND_TMPDIR = ("valgrind makes its own temporary files (for its /proc/self/cmdline "
                   "and auxv) in $TMPDIR and cannot start when that is missing, relative or "
                   "read-only")


def tempdirs(where):
    """The private directories under where."""
    return sorted(n for n in os.listdir(where) if n.startswith("pyembed-ext-"))


class RelappCase(harness.PackTestCase):
    """relapp packed once per class, run with its own $TMPDIR."""

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

    def spawn(self, argv, memfd=True):
        """argv running in the background (pipes for stdin, stdout, stderr)."""
        p = subprocess.Popen(harness.memcheck_argv(argv, self.tmp), cwd=self.tmp,
                             env=self.env(memfd),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), p.stdin.close(),
                                 p.stdout.close(), p.stderr.close()))
        return p

    def start(self, *args, memfd=True, exe=None):
        """A packed run in the background, once it printed 'ready'."""
        p = self.spawn([exe or self.exe] + list(args), memfd)
        self.assertEqual(p.stdout.readline(), "ready\n")
        return p

    def start_ref(self, *args):
        """python3.11 running relapp.py in the background, once it printed
        'ready'."""
        p = self.spawn([PYTHON, "-I", os.path.join(APP, "relapp.py")] + list(args))
        self.assertEqual(p.stdout.readline(), "ready\n")
        return p



class ReliabilityTest(RelappCase):

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
        # a signal whose default action ends the process (SIGKILL; SIGUSR1,
        # which python leaves at its default too and libpyembed does not
        # handle) skips every exit handler
        for sig in (signal.SIGKILL, signal.SIGUSR1):
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
    def test_sigterm_sighup_remove_tempdir_at_once(self):
        """SIGTERM or SIGHUP, left at SIG_DFL by the app, while the private
        directory is in use: it is gone as soon as the program is, and the
        program dies of the signal as python3.11 does."""
        for sig in (signal.SIGTERM, signal.SIGHUP):
            ref = self.start_ref("extwait")
            ref.send_signal(sig)
            p = self.start("extwait", memfd=False)
            self.assertEqual(len(tempdirs(self.tmpdir)), 1)
            p.send_signal(sig)
            self.assertEqual(p.wait(), -sig)
            self.assertEqual(ref.wait(), -sig)
            self.assertEqual(os.listdir(self.tmpdir), [])
        for name in ("SIGTERM", "SIGHUP"):  # sent by the program itself
            r = self.packed("extkill", name, memfd=False)
            ref = self.ref("extkill", name)
            self.assertEqual((r.returncode, r.stdout), (ref.returncode, ref.stdout), name)
            self.assertEqual(r.returncode, -getattr(signal, name))
            self.assertEqual(os.listdir(self.tmpdir), [])

    @harness.host_python_only("extension modules are shared libraries only on the host")
    @harness.skip_under_valgrind("a SIGTERM that lands between print('ready') and the read "
                                 "is handled only when the read returns, by python3.11 too "
                                 "(CPython's signal check is in the eval loop); under memcheck "
                                 "that window is wide: `valgrind python3.11 -I relapp.py "
                                 "ownterm before`, signalled at 'ready', waits forever as the "
                                 "packed program does")
    def test_own_sigterm_handler_kept(self):
        """An app's own SIGTERM handler, installed before the private
        directory exists or after: it runs as under python3.11 (and its
        sys.exit removes the directory at exit)."""
        for when in ("before", "after"):
            got = []
            for p in (self.start_ref("ownterm", when),
                      self.start("ownterm", when, memfd=False)):
                p.send_signal(signal.SIGTERM)
                got.append((p.wait(), p.stdout.read()))
            self.assertEqual(got[1], got[0], when)
            self.assertEqual(got[1], (3, "caught SIGTERM\n"), when)
            self.assertEqual(os.listdir(self.tmpdir), [])

    @harness.host_python_only("extension modules are shared libraries only on the host")
    def test_forked_child_sigterm_leaves_parent_tempdir(self):
        """A forked child inherits the SIGTERM handler: killed by SIGTERM it
        dies of it as python3.11's does, and its parent's private directory
        stays until the parent ends."""
        out = []
        for argv, memfd in (([PYTHON, "-I", os.path.join(APP, "relapp.py"), "forkterm"], True),
                            ([self.exe, "forkterm"], False)):
            p = self.spawn(argv, memfd)
            out.append(p.stdout.readline())
            self.assertEqual(p.stdout.readline(), "ready\n")
            if not memfd:
                self.assertEqual(len(tempdirs(self.tmpdir)), 1)
            p.stdin.close()
            self.assertEqual(p.wait(), 0)
        self.assertEqual(out, ["child killed by SIGTERM\n"] * 2)
        self.assertEqual(os.listdir(self.tmpdir), [])

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
    @harness.skip_under_valgrind(VALGRIND_TMPDIR)
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
    @harness.skip_under_valgrind(VALGRIND_TMPDIR)
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
    @harness.skip_under_valgrind("valgrind itself cannot start without /proc (it reads "
                                 "/proc/self/maps)")
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

    @harness.skip_under_valgrind(
        "valgrind keeps descriptors for itself (its log, the executable, its "
        "/proc/self/cmdline and auxv files, a pipe) and under a limit of 16 leaves the "
        "program too few: imports fail that python's do not")
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
        r = subprocess.run(harness.memcheck_argv([self.exe, "bigalloc", "4096"]), cwd=self.tmp,
                           env=self.env(), capture_output=True, text=True, preexec_fn=low,
                           timeout=harness.scaled_timeout(60))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "MemoryError\nstill running 499500\n")

    # ---- stdout, signals ----

    def test_closed_stdout_same_as_python(self):
        packed = shlex.join(harness.memcheck_argv([self.exe, "hello"]))
        r = subprocess.run(f"{packed} >&-; echo status $?", shell=True,
                           cwd=self.tmp, env=self.env(), capture_output=True, text=True)
        ref = subprocess.run(f"'{PYTHON}' -I '{APP}/relapp.py' hello >&-; echo status $?",
                             shell=True, cwd=self.tmp, env=self.env(), capture_output=True,
                             text=True)
        self.assertEqual(r.stdout, ref.stdout)
        self.assertEqual(r.stderr, ref.stderr)

    def test_broken_pipe_head_same_status_as_python(self):
        cmd = "%s lines 200000 | head -1; echo \"status ${PIPESTATUS[0]}\""
        packed = shlex.join(harness.memcheck_argv([self.exe]))
        r = subprocess.run(["bash", "-c", cmd % packed], cwd=self.tmp, env=self.env(),
                           capture_output=True, text=True, timeout=harness.scaled_timeout(60))
        python = shlex.join([PYTHON, "-I", APP + "/relapp.py"])
        ref = subprocess.run(["bash", "-c", cmd % python], cwd=self.tmp, env=self.env(),
                             capture_output=True, text=True, timeout=60)
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
            p = subprocess.Popen(harness.memcheck_argv(argv, self.tmp), cwd=self.tmp,
                                 env=self.env(), stdout=subprocess.PIPE, text=True)
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

    @unittest.skipIf(DISTRIBUTION, "a copy of a distribution's python outside its tree has "
                     "no standard library: no reference run")
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


class PackMistakeTest(harness.PackTestCase):
    """Each user mistake: `pyembed-pack: <what>: <why>`, one line, exit 1,
    nothing written at the output path."""

    def setUp(self):
        super().setUp()
        self.app = os.path.join(self.tmp, "app")
        os.mkdir(self.app)
        self.write("m.py", "print('hi from m')\n")
        self.out = os.path.join(self.tmp, "out")

    def write(self, name, text, mode=None):
        path = os.path.join(self.app, name)
        with open(path, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def build(self, *options, out=None, env=None, argv_prefix=()):
        argv = list(argv_prefix) + self.pack_cmd("build", out or self.out, "--module-path",
                                                 self.app, *options)
        return run(argv, env=env or self.pack_env, timeout=harness.BUILD_TIMEOUT)

    def assertMistake(self, r, message, out=None):
        """r failed with exactly the one line message."""
        self.assertExited(r, 1)
        self.assertEqual(r.stderr, "pyembed-pack: " + message + "\n")
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out or self.out), "output written")

    def test_run_module_nonexistent_or_invalid(self):
        for name in ("nosuchmod", "a;b", "m.", ".m", "m..x", "1m", "m-x", "a b", "é"):
            r = self.build("--run-module", name)
            self.assertMistake(r, f"--run-module {name}: no such module in the module paths")

    def test_dangling_symlink_and_non_utf8_names_are_skipped(self):
        os.symlink(os.path.join(self.tmp, "nowhere.py"), os.path.join(self.app, "dang.py"))
        os.symlink("dang.py", os.path.join(self.app, "loop1.py"))
        self.write(b"bad\xff.py".decode("utf-8", "surrogateescape"), "x = 1\n")
        r = self.build("--run-module", "m")
        self.assertExited(r, 0)
        self.assertEqual(run([self.out]).stdout, "hi from m\n")
        os.unlink(self.out)
        r = self.build("--run-module", "dang")
        self.assertMistake(r, "--run-module dang: no such module in the module paths")

    @unittest.skipIf(DISTRIBUTION, "the unprivileged user cannot read root's distribution store")
    def test_unreadable_module(self):
        os.chmod(self.class_tmp, 0o755)
        os.chmod(self.tmp, 0o777)
        os.chmod(self.app, 0o777)
        path = self.write("secret.py", "x = 1\n", 0o000)
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env = dict(self.pack_env, XDG_CACHE_HOME=os.path.join(self.tmp, "nobody-cache"))
        for run_module in ("m", "secret"):
            r = self.build("--run-module", run_module, env=env, argv_prefix=drop)
            self.assertMistake(r, f"{path}: Permission denied")

    def test_bad_source(self):
        self.write("enc.py", "# -*- coding: nosuchcodec -*-\nx = 1\n")
        r = self.build("--run-module", "enc")
        self.assertMistake(r, os.path.join(self.app, "enc.py") + ":0: unknown encoding: "
                           "nosuchcodec")
        self.write("enc.py", b"x = '\xff\xfe'\n")  # not UTF-8, no declaration
        r = self.build("--run-module", "enc")
        self.assertExited(r, 1)
        self.assertRegex(r.stderr, r"^pyembed-pack: .*enc\.py:1: .*utf-8.*\n$")
        self.write("enc.py", "def f(:\n")
        r = self.build("--run-module", "enc")
        self.assertMistake(r, os.path.join(self.app, "enc.py") + ":1: invalid syntax")
        self.write("enc.py", "x = 1\0\n")
        r = self.build("--run-module", "enc")
        # 3.12+'s compile() reports null bytes without a line
        line = ":1" if harness.CACHE_TAG == "cpython-311" else ""
        self.assertMistake(r, os.path.join(self.app, "enc.py") + line + ": source code string "
                           "cannot contain null bytes")

    def test_missing_module_path(self):
        missing = os.path.join(self.tmp, "missing")
        r = run(self.pack_cmd("build", self.out, "--module-path", missing, "--run-module", "m"),
                env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
        self.assertMistake(r, missing + ": not a directory")

    def test_output_is_a_directory_or_unwritable(self):
        os.mkdir(self.out)
        r = self.build("--run-module", "m")
        self.assertExited(r, 1)
        self.assertEqual(r.stderr, f"pyembed-pack: {self.out}: Is a directory\n")
        self.assertEqual(os.listdir(self.out), [])
        afile = os.path.join(self.tmp, "afile")
        with open(afile, "w") as f:
            f.write("x")
        out = os.path.join(afile, "out")  # a missing directory is made; a file is not one
        r = self.build("--run-module", "m", out=out)
        self.assertExited(r, 1)
        self.assertEqual(r.stderr, f"pyembed-pack: {afile}: File exists\n")
        ro = os.path.join(self.tmp, "ro")
        os.mkdir(ro)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro], check=True)
        self.addCleanup(subprocess.run, ["umount", ro])
        out = os.path.join(ro, "out")
        self.assertMistake(self.build("--run-module", "m", out=out),
                           out + ": Read-only file system", out=out)

    def test_disk_full(self):
        small = os.path.join(self.tmp, "small")
        os.mkdir(small)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small], check=True)
        self.addCleanup(subprocess.run, ["umount", small])
        out = os.path.join(small, "out")
        self.assertMistake(self.build("--run-module", "m", out=out),
                           out + ": No space left on device", out=out)
        self.assertEqual(os.listdir(small), [])  # no partial file either

    def test_read_only_cache_builds_the_same(self):
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", cache], check=True)
        self.addCleanup(subprocess.run, ["umount", cache])
        env = dict(self.pack_env, XDG_CACHE_HOME=cache)
        self.assertExited(self.build("--run-module", "m", env=env), 0)
        first = harness_read(self.out)
        os.unlink(self.out)
        subprocess.run(["mount", "-o", "remount,ro", cache], check=True)
        r = self.build("--run-module", "m", env=env)
        self.assertExited(r, 0)
        self.assertEqual(harness_read(self.out), first)
        os.unlink(self.out)
        # an empty read-only cache: nothing can be stored, the build works
        subprocess.run(["umount", cache], check=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", cache], check=True)
        r = self.build("--run-module", "m", env=env)
        self.assertExited(r, 0)
        self.assertEqual(harness_read(self.out), first)

    def test_corrupt_cache_entries_are_rebuilt(self):
        cache = os.path.join(self.tmp, "cache")
        env = dict(self.pack_env, XDG_CACHE_HOME=cache)
        self.assertExited(self.build("--run-module", "m", env=env), 0)
        first = harness_read(self.out)
        entries = [os.path.join(d, f) for d, _, fs in os.walk(cache) for f in fs
                   if "/bytecode-" in d]
        self.assertGreater(len(entries), 10)
        for damage in (b"", b"\xa7garbage", None):
            for path in entries:
                data = harness_read(path)
                with open(path, "wb") as f:
                    # truncated, overwritten, or one bit flipped in the payload
                    f.write(damage if damage is not None else
                            data[:-1] + bytes([data[-1] ^ 1]))
            os.unlink(self.out)
            r = self.build("--run-module", "m", env=env)
            self.assertExited(r, 0)
            self.assertRegex(r.stderr, r"^pyembed-pack: warning: .*: damaged cache entry "
                             r"\((checksum mismatch|not JSON)\): rebuilt\n$")
            self.assertEqual(harness_read(self.out), first)
        self.assertEqual(run([self.out]).stdout, "hi from m\n")

    def test_clean_temp_of_a_missing_directory(self):
        missing = os.path.join(self.tmp, "missing")
        r = run([PACK, "clean-temp", "--dir", missing], env=self.pack_env)
        self.assertExited(r, 1)
        self.assertEqual(r.stderr, f"pyembed-pack: clean-temp: {missing}: No such file or "
                                   "directory\n")


@unittest.skipUnless(os.environ.get("PYEMBED_TEST_SOAK") == "1",
                     "the soak test runs in the slow suite (meson test --suite slow)")
class SoakTest(RelappCase):
    """PYEMBED_SOAK_RUNS (500) runs of a packed multiprocessing app, 2 at a
    time, a fifth of them killed -9 at a random moment, half of them with
    memfd_create refused (the private directory in use); afterwards no
    process of the app is left, no private directory is left once a later
    run cleaned up, and the bytecode cache still gives the same build."""

    RUNS = int(os.environ.get("PYEMBED_SOAK_RUNS", "500"))

    def one(self, i, rng):
        p = subprocess.Popen([self.exe, "soak", "spawn"], cwd=self.tmp,
                             env=self.env(memfd=i % 2 == 0), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        kill = rng.random() < 0.2
        try:
            if kill:
                time.sleep(rng.random() * 0.6)
                p.kill()
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        if kill and p.returncode == -signal.SIGKILL:
            return "killed"
        return None if (p.returncode, out) == (0, "soak 2470\n") else (p.returncode, out, err)

    def strays(self):
        """Processes still running the app's executable."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.readlink(f"/proc/{pid}/exe").startswith(self.exe):
                    found.append(int(pid))
            except OSError:
                pass
        return found

    def test_soak(self):
        import concurrent.futures
        import random
        rngs = [random.Random(i) for i in range(self.RUNS)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = list(pool.map(self.one, range(self.RUNS), rngs))
        bad = [r for r in results if r not in (None, "killed")]
        self.assertEqual(bad, [])
        killed = results.count("killed")
        self.assertGreater(killed, 0)
        deadline = time.monotonic() + 30  # orphaned children see their pipes close
        while self.strays() and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual(self.strays(), [])
        # the killed runs' private directories go with the next run
        r = self.packed("ext", memfd=False)
        self.assertEqual(r.stdout, "ext ok True\n")
        self.assertEqual(tempdirs(self.tmpdir), [])
        # what remains is multiprocessing's own pymp-* of killed runs (python's too)
        others = [n for n in os.listdir(self.tmpdir) if not n.startswith("pymp-")]
        self.assertEqual(others, [])
        self.assertLessEqual(len(os.listdir(self.tmpdir)), killed)
        again = os.path.join(self.tmp, "again")
        self.pack(again, "--module-path", APP, "--run-module", "relapp", "--stdlib", "all")
        self.assertEqual(harness_read(again), harness_read(self.exe))


def harness_read(path):
    with open(path, "rb") as f:
        return f.read()


if __name__ == "__main__":
    harness.main()
