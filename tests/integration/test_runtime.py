"""What a packed app sees of the runtime, compared with python3.11: its
argv is its own (python's -c/-m only with --python-argv), its program
name is the executable's, tracebacks have no frame of ours,
sub-interpreters import from the blob, a failed import of the entry
names its cause with a hint, linecache and warnings find packed sources by
path, sys.path[0] lists the packed modules, a module
the app writes to disk imports, and tkinter runs from the Tcl/Tk files put
beside the executable. Fixtures: fixtures/runtime/."""
import os
import subprocess
import unittest

import harness
from harness import FIXTURES, PYTHON, PackTestCase, host_python_only, run

RUNTIME = os.path.join(FIXTURES, "runtime")
APP = harness.APP


def reference(module, args=(), root=RUNTIME, cwd=None):
    return harness.reference(module, args, root=root, cwd=cwd)


class ArgvTest(PackTestCase):
    """The app's argv is the app's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = os.path.join(cls.class_tmp, "argvapp")
        cls.pack(cls.exe, "--module-path", RUNTIME, "--run-module", "argvapp")

    def test_dash_c_and_dash_m_are_the_apps_options(self):
        for args in (["-c", "settings.ini"], ["-m", "a message", "-q", "x"], ["-q", "-c", "y"],
                     ["-"], ["--", "-c", "z"]):
            packed = run([self.exe] + args, cwd=self.tmp)
            ref = reference("argvapp", args, cwd=self.tmp)
            self.assertSameRun(packed, ref)
            self.assertEqual(packed.stderr, "")

    def test_usage_names_the_executable(self):
        packed = run([self.exe, "-m", "usage"], cwd=self.tmp)
        self.assertExited(packed, 0)
        self.assertTrue(packed.stdout.splitlines()[1].startswith("usage: argvapp "), packed)
        packed = run([self.exe, "--bad-option"], cwd=self.tmp)
        self.assertExited(packed, 2)
        self.assertIn("argvapp: error: unrecognized arguments: --bad-option", packed.stderr)

    def test_program_name_through_a_symlink(self):
        link = os.path.join(self.tmp, "mytool")
        os.symlink(self.exe, link)
        packed = run([link, "-m", "usage"], cwd=self.tmp)
        self.assertTrue(packed.stdout.splitlines()[1].startswith("usage: mytool "), packed)


class EntryErrorTest(PackTestCase):
    """Tracebacks start at the app's module; a failed import says why."""

    def test_traceback_has_no_frame_of_ours(self):
        exe = os.path.join(self.tmp, "tbapp")
        self.pack(exe, "--module-path", APP, "--run-module", "tbapp")
        packed = run([exe], cwd=self.tmp)
        self.assertExited(packed, 1)
        frames = [l for l in packed.stderr.splitlines() if l.startswith("  File ")]
        self.assertEqual(len(frames), 3, packed.stderr)
        self.assertTrue(frames[0].endswith("/tbapp.py\", line 9, in <module>"), frames)
        self.assertNotIn("<string>", packed.stderr)

    def test_failed_import_of_the_entry_names_cause_and_option(self):
        exe = os.path.join(self.tmp, "brokenpkg")
        r = self.pack(exe, "--module-path", RUNTIME, "--run-module", "brokenpkg")
        self.assertIn("missing_dep_xyz (by brokenpkg)", r.stderr)  # warned at pack time
        packed = run([exe], cwd=self.tmp)
        ref = reference("brokenpkg", cwd=self.tmp)
        self.assertSameRun(packed, ref)
        tail = "ModuleNotFoundError: No module named 'missing_dep_xyz'\n"
        self.assertTrue(ref.stderr.endswith(tail), ref)
        self.assertTrue(packed.stderr.endswith(
            tail + "pyembed: 'missing_dep_xyz' is not packed in this executable: pyembed-pack "
            "build --include missing_dep_xyz packs it (or --site-packages DIR, where it is "
            "installed)\n"), packed)
        self.assertNotIn("<string>", packed.stderr)


class SourcesTest(PackTestCase):
    """linecache, warnings and pkgutil over packed modules, and imports
    from a directory the app puts on sys.path."""

    def test_like_python(self):
        exe = os.path.join(self.tmp, "sourcesapp")
        self.pack(exe, "--module-path", RUNTIME, "--run-module", "sourcesapp")
        packed = run([exe], cwd=self.tmp)
        ref = reference("sourcesapp", cwd=self.tmp)
        self.assertSameRun(packed, ref)
        self.assertIn("after clearcache 'THIRD = 3\\n'\n", packed.stdout)
        # the warning's source line, under the packed module's virtual path
        self.assertEqual(packed.stderr, "%s/sourceshelper.py:12: UserWarning: careful, packed\n"
                         "  warnings.warn(\"careful, packed\")  # the warned line\n"
                         % os.path.realpath(exe))
        self.assertEqual(packed.stderr.split(":", 1)[1], ref.stderr.split(":", 1)[1])


class SubinterpreterTest(PackTestCase):
    """Sub-interpreters start with CPython's importers only; the packed
    importer is put on theirs when they import encodings."""

    def test_imports_from_the_blob(self):
        exe = os.path.join(self.tmp, "subinterpapp")
        self.pack(exe, "--module-path", RUNTIME, "--run-module", "subinterpapp")
        packed = run([exe], cwd=self.tmp)
        ref = reference("subinterpapp", cwd=self.tmp)
        self.assertSameRun(packed, ref)
        self.assertEqual(packed.stdout, "sub-interpreters ok True False\n")


@host_python_only("Debian's python3-tk (_tkinter for python3.11)")
class TkinterTest(PackTestCase):

    def test_include_tkinter_with_tcl_files_beside(self):
        if subprocess.run([PYTHON, "-c", "import tkinter"], capture_output=True).returncode:
            self.skipTest("python3-tk is not installed")
        out = os.path.join(self.tmp, "out")
        exe = os.path.join(out, "tkapp")
        self.pack(exe, "--module-path", RUNTIME, "--run-module", "tkapp", "--include", "tkinter")
        self.assertTrue(os.path.isfile(os.path.join(out, "lib", "tcl", "tcl8.6", "init.tcl")))
        self.assertTrue(os.path.isfile(os.path.join(out, "lib", "tcl", "tk8.6", "tk.tcl")))
        packed = run([exe], cwd=self.tmp)
        ref = reference("tkapp", cwd=self.tmp)
        self.assertEqual(packed.stdout.splitlines()[:2], ref.stdout.splitlines()[:2])
        self.assertEqual(packed.stdout.splitlines()[2], "beside True")
        self.assertEqual(packed.stderr, "")

    def test_without_include_tkinter_is_left_out(self):
        exe = os.path.join(self.tmp, "tkapp")
        r = self.pack(exe, "--module-path", RUNTIME, "--run-module", "tkapp")
        self.assertIn("left out by default, add with --include NAME: tkinter (imported by tkapp)",
                      r.stderr)
        packed = run([exe], cwd=self.tmp)
        self.assertExited(packed, 1)
        self.assertIn("pyembed-pack build --include tkinter packs it", packed.stderr)


if __name__ == "__main__":
    harness.main()
