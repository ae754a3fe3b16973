"""pyembed-pack as a user drives it: build errors, reproducibility,
stripping, relocation, inspect, and the build options."""
import json
import os
import shutil
import unittest

import harness
from harness import APP, BAD, PACK, PackTestCase, reference, run

STRIP = shutil.which("strip") or "/usr/bin/strip"


class BuildErrorTest(PackTestCase):

    def check_syntax_error(self, entry):
        out = os.path.join(self.tmp, "out")
        r = self.pack(out, "--module-path", BAD, "--run-module", entry, check=False)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("%s:4: invalid syntax\n" % os.path.join(BAD, "badmod.py"), r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertEqual(os.listdir(self.tmp), [], "output left behind")

    def test_syntax_error_in_app_module(self):
        self.check_syntax_error("goodmod")

    def test_syntax_error_in_traced_module(self):
        self.check_syntax_error("importsbad")

    def test_syntax_error_blob(self):
        out = os.path.join(self.tmp, "out.blob")
        r = self.pack(out, "--module-path", BAD, cmd="blob", check=False)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("badmod.py:4: invalid syntax", r.stderr)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_missing_entry_module(self):
        out = os.path.join(self.tmp, "out")
        r = self.pack(out, "--module-path", APP, "--run-module", "no_such_entry", check=False)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("no_such_entry", r.stderr)
        self.assertFalse(os.path.exists(out))


class ExecutableTest(PackTestCase):
    """Reproducibility and what can be done to a built executable."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("tiny", "--run-module", "tinyapp")

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def runs(self, exe, cwd=None, env=None):
        r = run([exe], cwd=cwd or self.tmp, env=env)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "tiny app ran\n")
        self.assertEqual(r.stderr, "")

    def test_reproducible_with_cache(self):
        again = os.path.join(self.tmp, "again")
        self.pack(again, "--module-path", APP, "--run-module", "tinyapp")
        self.assertTrue(self.read(again) == self.read(self.exe), "builds differ")

    def test_reproducible_without_cache(self):
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        self.pack(a, "--module-path", APP, "--run-module", "tinyapp", "--no-cache")
        self.pack(b, "--module-path", APP, "--run-module", "tinyapp", "--no-cache")
        self.assertTrue(self.read(a) == self.read(b), "--no-cache builds differ")

    def test_cache_does_not_change_output(self):
        # self.exe was built first, with a cold cache: compare it and a
        # --stdlib all build (whose traced modules now come from the warm
        # cache) with the same builds made without the cache.
        nocache = os.path.join(self.tmp, "nocache")
        self.pack(nocache, "--module-path", APP, "--run-module", "tinyapp", "--no-cache")
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        self.pack(a, "--module-path", APP, "--run-module", "tinyapp", "--stdlib", "all")
        self.pack(b, "--module-path", APP, "--run-module", "tinyapp", "--stdlib", "all",
                  "--no-cache")
        self.assertTrue(self.read(a) == self.read(b), "--stdlib all builds differ")
        self.assertTrue(self.read(nocache) == self.read(self.exe), "traced builds differ")

    def test_strip_after_build(self):
        for flags in ([], ["--strip-all"]):
            exe = shutil.copy(self.exe, os.path.join(self.tmp, "s" + "".join(flags)))
            r = run([STRIP] + flags + [exe])
            self.assertExited(r, 0)
            self.assertLess(os.path.getsize(exe), os.path.getsize(self.exe))
            self.runs(exe)
            self.assertExited(run([PACK, "verify", exe]), 0)

    def test_strip_option(self):
        exe = os.path.join(self.tmp, "stripped")
        self.pack(exe, "--module-path", APP, "--run-module", "tinyapp", "--strip")
        self.assertLess(os.path.getsize(exe), os.path.getsize(self.exe))
        self.runs(exe)

    def test_appended_junk(self):
        exe = shutil.copy(self.exe, os.path.join(self.tmp, "junk"))
        with open(exe, "ab") as f:
            f.write(os.urandom(4099) + b"\x89PKRend\n" + b"\0" * 24)
        self.runs(exe)

    def test_alone_in_empty_dir_with_empty_environment(self):
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        exe = shutil.copy(self.exe, empty)
        self.runs(exe, cwd=empty, env={})
        r = run(["env", "-i", "./tiny"], cwd=empty, env={"PATH": "/usr/bin:/bin"})
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "tiny app ran\n")

    def test_inspect(self):
        r = run([PACK, "inspect", self.exe])
        self.assertExited(r, 0)
        rows = {line.split()[0]: line.split() for line in r.stdout.splitlines()}
        self.assertEqual(rows["tinyapp"][1], "module")
        self.assertEqual(rows["pkg"][1], "module,package")
        self.assertEqual(rows["nspkg"][1], "namespace")
        self.assertEqual(rows["@pyembed"][1], "meta")
        self.assertIn("encodings", rows)
        r = run([PACK, "inspect", self.exe, "--json"])
        self.assertExited(r, 0)
        entries = json.loads(r.stdout)
        names = [e["name"] for e in entries]
        self.assertEqual(names, sorted(names, key=lambda n: n.encode()))
        self.assertEqual(set(rows), set(names))
        by_name = {e["name"]: e for e in entries}
        self.assertEqual(by_name["tinyapp"]["location"], "memory")
        self.assertEqual(by_name["tinyapp"]["fields"], 2)  # bytecode + source
        self.assertEqual(run([PACK, "inspect", "/nonexistent/x"]).returncode, 1)


class OptionsTest(PackTestCase):

    def test_optimize_2(self):
        exe = self.build_app("opt2", "--run-module", "optcheck", "--optimize", "2")
        r = run([exe], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "optimize 2 doc None module doc None assert skipped "
                         "debug False\n")
        self.assertSameRun(r, reference("optcheck", pyflags=["-OO"]))

    def test_optimize_0(self):
        exe = self.build_app("opt0", "--run-module", "optcheck")
        r = run([exe], cwd=self.tmp)
        self.assertSameRun(r, reference("optcheck"))
        self.assertIn("assert ran", r.stdout)

    def test_compress(self):
        plain = self.build_app("plain", "--run-module", "stdlibcheck")
        small = self.build_app("small", "--run-module", "stdlibcheck", "--compress")
        self.assertLess(os.path.getsize(small), os.path.getsize(plain) * 0.8)
        a, b = run([plain], cwd=self.tmp), run([small], cwd=self.tmp)
        self.assertExited(b, 0)
        self.assertEqual(a.stdout, b.stdout)
        self.assertSameRun(b, reference("stdlibcheck"))
        self.assertExited(run([PACK, "verify", small]), 0)

    def test_run_code(self):
        exe = self.build_app("code", "--run-code", "print(1+1)")
        r = run([exe], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "2\n")
        self.assertEqual(r.stderr, "")

    def test_run_code_sees_argv_and_app_modules(self):
        exe = self.build_app("code2", "--run-code",
                             "import sys, plainmod; print(sys.argv[1:], plainmod.VALUE); "
                             "sys.exit(4)")
        r = run([exe, "a", "b"], cwd=self.tmp)
        self.assertExited(r, 4)
        self.assertEqual(r.stdout, "['a', 'b'] plain\n")

    def test_stdlib_none_builtins_only(self):
        exe = self.build_app("none", "--stdlib", "none", "--run-module", "builtinonly")
        r = run([exe], cwd=self.tmp)
        self.assertEqual(r.stdout, "builtins only 3628800 [3, 4, 5] 1\n", r)
        self.assertExited(r, 0)

    def test_default_stdlib_is_the_linked_pythons(self):
        # Without --stdlib-dir/--dynload-dir the pack tool must take the
        # stdlib of the libpython it links (extension modules built for
        # another Python fail with undefined symbols).
        exe = os.path.join(self.tmp, "default")
        self.pack(exe, "--module-path", APP, "--run-module", "stdlibcheck",
                  stdlib_dirs=False)
        r = run([exe], cwd=self.tmp)
        self.assertSameRun(r, reference("stdlibcheck"))


if __name__ == "__main__":
    harness.main()
