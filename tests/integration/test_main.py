"""`python -m` semantics of packed executables: sys.argv, sys.executable,
__main__, tracebacks and exit statuses, compared with /usr/bin/python3.11."""
import json
import os
import subprocess
import unittest

import harness
from harness import PackTestCase, SIGINT, reference, run


class RunPackageTest(PackTestCase):
    """--run-module of a package runs its __main__."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("runpkg", "--run-module", "runpkg")

    def facts(self, exe, *args):
        r = run([exe] + list(args), cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stderr, "")
        return json.loads(r.stdout)

    def test_main_module_globals(self):
        f = self.facts(self.exe)
        self.assertEqual(f["name"], "__main__")
        self.assertEqual(f["spec_name"], "runpkg.__main__")
        self.assertEqual(f["spec_parent"], "runpkg")
        # None, as for a script: the packed app is a program of its own, so
        # click names it by sys.argv[0] (relative imports use __spec__)
        self.assertIsNone(f["package"])
        self.assertEqual(f["greeting"], "runpkg")

    def test_sys_argv(self):
        # sys.argv[0] is the executable as invoked (argparse's usage name)
        real = os.path.realpath(self.exe)
        f = self.facts(self.exe, "one", "two words", "--flag", "")
        self.assertEqual(f["argv"], [self.exe, "one", "two words", "--flag", ""])
        self.assertEqual(f["file"], real + "/runpkg/__main__.py")

    def test_sys_executable_frozen_isolated(self):
        f = self.facts(self.exe)
        self.assertEqual(f["executable"], os.path.realpath(self.exe))
        self.assertIs(f["frozen"], True)
        self.assertEqual(f["isolated"], 1)
        self.assertIs(f["cwd_on_path"], False)

    def test_sys_executable_through_symlink_is_real_path(self):
        link = os.path.join(self.tmp, "link-to-runpkg")
        os.symlink(self.exe, link)
        f = self.facts(link, "x")
        self.assertEqual(f["executable"], os.path.realpath(self.exe))
        self.assertEqual(f["argv"][1:], ["x"])

    def test_same_as_python_minus_m(self):
        # Everything but the paths and the pyembed-only flags matches.
        packed = self.facts(self.exe, "a", "b")
        r = reference("runpkg", ["a", "b"], cwd=self.tmp)
        self.assertExited(r, 0)
        ref = json.loads(r.stdout)
        for key in ("name", "spec_name", "spec_parent", "greeting", "cwd_on_path",
                    "isolated"):
            self.assertEqual(packed[key], ref[key], key)
        self.assertEqual(packed["argv"][1:], ref["argv"][1:])
        self.assertTrue(ref["argv"][0].endswith("/runpkg/__main__.py"))
        self.assertEqual((packed["package"], ref["package"]), (None, "runpkg"))


class TracebackTest(PackTestCase):
    """An uncaught exception in app code prints a traceback, exit 1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("tbapp", "--run-module", "tbapp")

    def setUp(self):
        super().setUp()
        self.packed = run([self.exe], cwd=self.tmp)
        self.ref = reference("tbapp")

    def test_status_and_frames_like_python(self):
        self.assertSameRun(self.packed, self.ref)
        self.assertExited(self.packed, 1)
        err = self.packed.stderr
        self.assertTrue(err.startswith("Traceback (most recent call last):\n"), err)
        real = os.path.realpath(self.exe)
        self.assertIn('File "%s/tbapp.py", line 9, in <module>\n' % real, err)
        self.assertIn('File "%s/tbapp.py", line 6, in main\n' % real, err)
        self.assertIn('File "%s/tbhelper.py", line 3, in explode\n' % real, err)
        self.assertTrue(err.endswith("ValueError: exploded: kaboom\n"), err)

    def test_source_lines_shown(self):
        for line in ('tbhelper.explode("kaboom")',
                     'raise ValueError("exploded: " + values["what"])  # marker-line-7f3a'):
            self.assertIn("\n    %s\n" % line, self.packed.stderr)
            self.assertIn("\n    %s\n" % line, self.ref.stderr)


class ExitStatusTest(PackTestCase):
    """exitcase.py ends the way argv[1] says; python3.11 must agree."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("exitcase", "--run-module", "exitcase")

    def both(self, case, stdout=subprocess.PIPE):
        packed = run([self.exe, case], cwd=self.tmp, stdout=stdout)
        ref = reference("exitcase", [case], stdout=stdout)
        self.assertEqual(packed.returncode, ref.returncode,
                         "%s: packed %r\nreference %r" % (case, packed, ref))
        if stdout == subprocess.PIPE:
            self.assertEqual(packed.stdout, ref.stdout)
        return packed, ref

    def test_normal_end(self):
        packed, _ = self.both("normal")
        self.assertExited(packed, 0)
        self.assertEqual(packed.stdout, "start normal\n")
        self.assertEqual(packed.stderr, "")

    def test_sys_exit_3(self):
        packed, _ = self.both("exit3")
        self.assertExited(packed, 3)
        self.assertEqual(packed.stderr, "")

    def test_sys_exit_message(self):
        packed, ref = self.both("exitmsg")
        self.assertExited(packed, 1)
        self.assertEqual(packed.stderr, "fatal: msg from app\n")
        self.assertEqual(ref.stderr, packed.stderr)

    def test_system_exit_none(self):
        packed, _ = self.both("exitnone")
        self.assertExited(packed, 0)
        self.assertEqual(packed.stderr, "")

    def test_uncaught_exception(self):
        packed, _ = self.both("exception")
        self.assertExited(packed, 1)
        self.assertTrue(packed.stderr.endswith("RuntimeError: uncaught in exitcase\n"),
                        packed.stderr)

    def test_stdout_dev_full(self):
        with open("/dev/full", "w") as full:
            packed, _ = self.both("devfull", stdout=full)
        self.assertExited(packed, 120)

    def test_sigint_kills_like_python(self):
        packed, _ = self.both("sigint")
        self.assertExited(packed, -SIGINT)
        self.assertIn("KeyboardInterrupt", packed.stderr)

    def test_uncaught_keyboard_interrupt_kills_like_python(self):
        packed, _ = self.both("kbint")
        self.assertExited(packed, -SIGINT)
        self.assertTrue(packed.stderr.endswith("KeyboardInterrupt\n"), packed.stderr)

    def test_keyboard_interrupt_shown_by_app_then_normal_exit(self):
        # The app prints a caught KeyboardInterrupt through sys.excepthook
        # and ends normally: python exits 0, and so must the packed app.
        packed, _ = self.both("hookkbint")
        self.assertExited(packed, 0)
        self.assertIn("KeyboardInterrupt", packed.stderr)


if __name__ == "__main__":
    harness.main()
