"""What a packed app sees of the runtime, compared with python3.11: its
argv is its own (python's -c/-m only with --python-argv), its program
name is the executable's, tracebacks have no frame of ours,
sub-interpreters import from the blob, a failed import of the entry
names its cause with a hint, linecache and warnings find packed sources by
path, sys.path[0] lists the packed modules, a module
the app writes to disk imports, tkinter runs from the Tcl/Tk files put
beside the executable, and packed code and data read the same after the
blob's pages under them were released. Fixtures: fixtures/runtime/."""
import os
import random
import shutil
import subprocess
import unittest

import harness
from harness import FIXTURES, PYTHON, VALGRIND, PackTestCase, host_python_only, run

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


def write_mempkg(root):
    """root/mempkg: a module with 64 KiB of bytes in its bytecode and a
    package data file of 100 KiB (fixed pseudo-random contents)."""
    rnd = random.Random(16)
    pkg = os.path.join(root, "mempkg")
    os.makedirs(pkg)
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        f.write('"""Written by test_runtime.py MemoryTest."""\n')
    with open(os.path.join(pkg, "big.py"), "w") as f:
        f.write('"""Many pages of bytecode."""\nSECOND = "the second line"\n'
                "DATA = %r\n\n\ndef checksum():\n    return sum(DATA) %% 65521\n"
                % rnd.randbytes(64 * 1024))
    with open(os.path.join(pkg, "payload.bin"), "wb") as f:
        f.write(rnd.randbytes(100 * 1024))


class MemoryTest(PackTestCase):
    """The runtime releases the blob's pages once it has copied a field out
    (bytecode unmarshalled, an extension written to memory, data and source
    copied): what the app reads afterwards is the same, and the bytecode of
    what it imported does not stay resident."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = os.path.join(cls.class_tmp, "app")
        write_mempkg(cls.root)
        shutil.copy(os.path.join(RUNTIME, "memapp.py"), cls.root)
        cls.exe = os.path.join(cls.class_tmp, "memapp")
        cls.pack(cls.exe, "--module-path", cls.root, "--run-module", "memapp",
                 "--in-memory-package", "mempkg")

    def test_code_source_and_data_read_again_like_python(self):
        packed = run([self.exe], cwd=self.tmp)
        ref = reference("memapp", root=self.root, cwd=self.tmp)
        self.assertExited(ref, 0)
        self.assertSameRun(packed, ref)
        self.assertEqual(packed.stderr, "")
        lines = packed.stdout.splitlines()
        self.assertIn("imported again True True", lines[1])
        self.assertEqual(lines[2], "same code object True")
        self.assertEqual(lines[4], "line 2 'SECOND = \"the second line\"\\n'")
        self.assertTrue(lines[5].endswith(" 102400 True"), lines[5])
        self.assertEqual(lines[-1], "modules 4")

    @unittest.skipIf(VALGRIND, "valgrind maps the executable itself")
    def test_imported_bytecode_is_not_left_resident(self):
        env = dict(harness.BASE_ENV, MEMAPP_SMAPS="1")
        packed = run([self.exe], cwd=self.tmp, env=env)
        self.assertExited(packed, 0)
        with open(self.exe, "rb") as f:
            data = f.read()
        off, size = harness.elf_section(data)
        fields = harness.blob_fields(data[off:off + size])
        lines = packed.stderr.splitlines()
        imported = lines[-1].split()[1:]
        resident = {int(l.split()[1]): int(l.split()[2]) for l in lines if l.startswith("map ")}
        blob_kib = resident[off - off % os.sysconf("SC_PAGE_SIZE")]
        bytecode = sum(s for name in imported for (t, _, _, s) in fields.get(name, ())
                       if t == harness.FIELD_BYTECODE)
        # the index (about 56 KiB here) and a few pages; before the release
        # all of it stayed mapped, and the 2 MiB stretches around it
        self.assertGreater(bytecode, 2 * 2**20, imported)
        self.assertLess(blob_kib * 1024, bytecode / 8, (blob_kib, bytecode))


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
