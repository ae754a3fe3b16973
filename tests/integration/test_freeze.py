"""pyembed-pack build --freeze MODULE...: the named modules' code objects
compiled into a driver linked for the build (static data, nothing
unmarshalled when they are imported), and every mistake with it one line.
On a target other than CPython 3.11 the option is refused, and that
refusal is what runs."""
import os

import harness
from harness import PackTestCase, run

FIXTURE = os.path.join(harness.FIXTURES, "freeze")
FROZEN = ["frozenapp", "fzconsts", "fzpkg", "fzpkg.sub", "fzpkg.late"]
CP311 = harness.CACHE_TAG == "cpython-311"


def split_static(result):
    """(stdout, the 'static:' line the fixture writes to stderr)."""
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("static:")]
    return result.stdout, lines[0] if lines else None


class FreezeErrorsTest(PackTestCase):
    """Mistakes with --freeze: one line, status 1, no traceback."""

    def refused(self, *options, cmd="build", expect):
        out = os.path.join(self.tmp, "app")
        r = self.pack(out, "--module-path", FIXTURE, "--run-module", "frozenapp", *options,
                      cmd=cmd, check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stderr.count("\n"), 1, r)
        self.assertNotIn("Traceback", r.stderr)
        self.assertIn(expect, r.stderr)
        self.assertFalse(os.path.exists(out))
        return r

    def test_not_a_module_name(self):
        self.refused("--freeze", "a;b", expect="pyembed-pack: --freeze 'a;b': not a module name")

    def test_driver_option_conflicts(self):
        self.refused("--freeze", "fzconsts", "--driver", harness.PACK,
                     expect="pyembed-pack: --freeze links a driver of its own")

    def test_blob_command_has_no_driver(self):
        self.refused("--freeze", "fzconsts", cmd="blob", expect="'blob' writes none")

    @harness.skip_under_valgrind("no program runs")
    def test_jemalloc_not_in_linked_drivers(self):
        why = "against a distribution" if harness.DISTRIBUTION else "for --freeze"
        self.refused("--freeze", "fzconsts", "--allocator", "jemalloc",
                     expect=f"pyembed-pack: --allocator jemalloc: drivers linked {why} have")

    @harness.needs_cp311("static code objects have 3.11's layout")
    def test_module_not_packed(self):
        self.refused("--freeze", "nosuchmod",
                     expect="pyembed-pack: --freeze nosuchmod: not a module this build packs")

    @harness.needs_cp311("static code objects have 3.11's layout")
    @harness.host_python_only("_queue is a shared library only on the host")
    def test_extension_module(self):
        self.refused("--include", "_queue", "--freeze", "_queue",
                     expect="pyembed-pack: --freeze _queue: it is an extension module")

    @harness.needs_cp311("static code objects have 3.11's layout")
    def test_module_frozen_into_the_interpreter(self):
        self.refused("--freeze", "os",
                     expect="pyembed-pack: --freeze os: it is frozen into the interpreter")

    @harness.skip_under_valgrind("no program runs")
    def test_other_versions_refused(self):
        if CP311:
            self.skipTest("the target is CPython 3.11, which --freeze supports")
        self.refused("--freeze", "fzconsts",
                     expect="--freeze: static code objects are made for CPython 3.11 only")


@harness.needs_cp311("static code objects have 3.11's layout")
class FreezeRunTest(PackTestCase):
    """Frozen modules run as python runs them, from static code objects."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = os.path.join(cls.class_tmp, "frozen")
        cls.pack(cls.exe, "--module-path", FIXTURE, "--run-module", "frozenapp",
                 "--freeze", *FROZEN)
        cls.plain = os.path.join(cls.class_tmp, "plain")
        cls.pack(cls.plain, "--module-path", FIXTURE, "--run-module", "frozenapp")

    def test_same_output_as_python(self):
        ref = harness.reference("frozenapp", root=FIXTURE)
        r = run([self.exe], cwd=self.tmp)
        self.assertSameRun(r, ref)
        self.assertIn("reloaded 0 1", r.stdout)
        self.assertIn("('fzconsts.py', 43, 'boom', 'raise ValueError(\"from a frozen "
                      "module\")')", r.stdout)

    def test_code_objects_are_static(self):
        r = run([self.exe], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(split_static(r)[1],
                         "static: ['frozenapp', 'fzconsts', 'fzpkg.late', 'fzpkg.sub']")

    def test_without_freeze_nothing_is_static(self):
        r = run([self.plain], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(split_static(r)[1], "static: []")
        self.assertEqual(r.stdout, run([self.exe], cwd=self.tmp).stdout)

    def test_some_frozen_others_unmarshalled(self):
        part = os.path.join(self.tmp, "part")
        self.pack(part, "--module-path", FIXTURE, "--run-module", "frozenapp",
                  "--freeze", "fzpkg.sub", "--freeze", "fzpkg.sub")  # repeats are one
        r = run([part], cwd=self.tmp)
        self.assertEqual(split_static(r), (run([self.exe], cwd=self.tmp).stdout,
                                           "static: ['fzpkg.sub']"))

    def test_rebuild_is_reproducible(self):
        again = os.path.join(self.tmp, "again")
        self.pack(again, "--module-path", FIXTURE, "--run-module", "frozenapp",
                  "--freeze", *reversed(FROZEN))
        with open(self.exe, "rb") as a, open(again, "rb") as b:
            self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
    harness.main()
