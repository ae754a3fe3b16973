"""Imports from the blob: app modules and packages of every kind, stdlib
modules, and extension modules loaded from memory."""
import hashlib
import json
import os
import unittest

import harness
from harness import APP, PackTestCase, reference, run

APP_TOP = {"plainmod", "pkg", "reloadme", "runpkg", "importcheck", "loadercheck"}
PACKED = "_pyembed.PackedImporter"


def check_stdlib(test, out):
    """Spot checks of stdlibcheck.py's output (python's is compared too)."""
    test.assertIn("decimal 0.142857142857142857142857142857 3.3\n", out)
    test.assertIn("sqlite3 ('b,c', 5) ", out)
    test.assertIn("ssl OpenSSL ", out)
    test.assertIn("sha256 %s\n" % hashlib.sha256(b"pyembed").hexdigest(), out)


class AllStdlibTest(PackTestCase):
    """One executable with --stdlib all; dispatch.py imports the check
    module named by argv[1], which prints what it finds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("all", "--stdlib", "all", "--run-module", "dispatch")

    def check_like_python(self, module):
        packed = run([self.exe, module], cwd=self.tmp)
        ref = reference("dispatch", [module])
        self.assertEqual(ref.returncode, 0, ref)
        self.assertSameRun(packed, ref)
        return packed

    def test_app_imports_like_python(self):
        # plain module, package + sub-modules, namespace package, relative
        # imports, reload, import_module, a missing module
        out = self.check_like_python("importcheck").stdout
        self.assertIn("plain plain hello world\n", out)
        self.assertIn("package pkg 3 2 5\n", out)
        self.assertIn("namespace namespace member leaf of namespace member\n", out)
        self.assertIn("relative True 2\n", out)
        self.assertIn("reload True 2\n", out)
        self.assertIn("ImportError ModuleNotFoundError no_such_module_xyz\n", out)

    def test_stdlib_imports_like_python(self):
        check_stdlib(self, self.check_like_python("stdlibcheck").stdout)

    def test_pkgutil_iter_modules_of_package_like_python(self):
        out = self.check_like_python("pkgutilcheck").stdout
        self.assertIn("children [('inner', True), ('sub1', False), ('sub2', False)]\n", out)

    def test_pkgutil_iter_modules_of_namespace_like_python(self):
        self.check_like_python("pkgutilnscheck")

    def test_module_globals_have_builtins_like_python(self):
        self.check_like_python("builtinscheck")


class TracedTest(PackTestCase):
    """--stdlib traced (the default): what the tracer finds is packed, and
    extension modules come from the blob through memfds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("traced", "--run-module", "dispatch",
                                "--include", "loadercheck", "--include", "stdlibcheck")
        r = run([cls.exe, "loadercheck"], cwd=cls.class_tmp)
        if r.returncode != 0:
            raise AssertionError("loadercheck failed: %r" % r)
        cls.facts = json.loads(r.stdout)

    def test_stdlib_imports_like_python(self):
        packed = run([self.exe, "stdlibcheck"], cwd=self.tmp)
        self.assertSameRun(packed, reference("dispatch", ["stdlibcheck"]))
        check_stdlib(self, packed.stdout)

    def test_loaders_are_the_packed_importer(self):
        # a distribution's stdlib extension modules are built in
        ext = PACKED if harness.SHARED_STDLIB_EXTENSIONS else "builtins.type"
        self.assertEqual(self.facts["loaders"], dict(
            {n: PACKED for n in ["json", "plainmod", "pkg", "pkg.sub1"]},
            **{n: ext for n in ["_json", "_ssl", "_sqlite3", "_decimal"]}))
        self.assertEqual(self.facts["meta_path0"], "PackedImporter")

    def test_sys_path_is_the_virtual_entry(self):
        # one entry: the executable, whose path hook serves the packed modules
        self.assertEqual(self.facts["path"], [os.path.realpath(self.exe)])

    def test_virtual_file_paths(self):
        exe = os.path.realpath(self.exe)
        ext = {n: exe + "/%s.so" % n if harness.SHARED_STDLIB_EXTENSIONS else None
               for n in ("_decimal", "_sqlite3", "_ssl")}
        self.assertEqual(self.facts["files"], dict(
            ext, plainmod=exe + "/plainmod.py", pkg=exe + "/pkg/__init__.py"))

    def test_extensions_not_mapped_from_lib_dynload(self):
        self.assertEqual(self.facts["maps_dynload"], [])
        self.assertEqual(self.facts["maps_ext"], [])
        if harness.SHARED_STDLIB_EXTENSIONS:
            self.assertGreaterEqual(self.facts["maps_memfd"], 3)
        else:  # built in: nothing to load, from memory or anywhere else
            self.assertEqual(self.facts["maps_memfd"], 0)

    def test_pkgutil_top_level_lists_packed_modules(self):
        top = set(self.facts["top"])
        self.assertLessEqual(APP_TOP, top)
        self.assertLessEqual({"json", "decimal", "sqlite3", "ssl"}, top)
        # pkgutil lists what path entries hold: built-in modules are not there
        self.assertEqual("_ssl" in top, harness.SHARED_STDLIB_EXTENSIONS)
        self.assertLessEqual({"pkg", "runpkg", "json"}, set(self.facts["top_pkgs"]))
        self.assertNotIn("plainmod", self.facts["top_pkgs"])
        self.assertFalse([n for n in top if n.startswith("@")])

    def test_namespace_package_traced(self):
        exe = os.path.join(self.tmp, "ns")
        r = self.pack(exe, "--module-path", APP, "--run-module", "nscheck", check=False)
        self.assertEqual(r.returncode, 0, r)
        packed = run([exe], cwd=self.tmp)
        self.assertSameRun(packed, reference("nscheck"))


if __name__ == "__main__":
    harness.main()
