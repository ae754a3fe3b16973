"""The default size options: compressed lazily imported modules, stripped
driver, and the traced set (--trace app)."""
import os

import harness
from harness import PackTestCase, blob_fields, elf_section, run

ZLIB, ZSTD = 1, 2  # field flag bits 0 and 1 (docs/format.md §5.2)
COMPRESSED = ZLIB | ZSTD


class DefaultSizeTest(PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("lazyuser", "--run-module", "lazyuser")

    def fields(self, exe):
        with open(exe, "rb") as f:
            data = f.read()
        off, size = elf_section(data)
        return blob_fields(data[off:off + size])

    def test_lazily_imported_module_is_compressed_and_works(self):
        r = run([self.exe], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, 'lazy: {"lazy": 1400} loaded-at-start: False\n')
        fields = self.fields(self.exe)
        self.assertTrue(all(f[1] == ZSTD for f in fields["lazymod"]), fields["lazymod"])
        self.assertTrue(any(f[1] & COMPRESSED for f in fields["json.decoder"]))

    def test_load_time_modules_are_stored(self):
        fields = self.fields(self.exe)
        for name in ("lazyuser", "encodings", "encodings.utf_8", "encodings.aliases"):
            self.assertFalse(any(f[1] & COMPRESSED for f in fields[name]), name)

    def test_no_compress_and_compress_all(self):
        none = os.path.join(self.tmp, "none")
        every = os.path.join(self.tmp, "all")
        self.pack(none, "--module-path", harness.APP, "--run-module", "lazyuser",
                  "--no-compress")
        self.pack(every, "--module-path", harness.APP, "--run-module", "lazyuser",
                  "--compress")
        self.assertFalse(any(f[1] & COMPRESSED for fs in self.fields(none).values() for f in fs))
        self.assertTrue(any(f[1] & COMPRESSED for f in self.fields(every)["lazyuser"]))
        for exe in (none, every):
            self.assertEqual(run([exe], cwd=self.tmp).stdout, run([self.exe]).stdout)

    def test_zstd_by_default_zlib_on_request(self):
        """zstd fields make a version-2 blob; --compress-codec zlib makes the
        version-1 blob every older reader takes, and both run alike."""
        zlib = os.path.join(self.tmp, "zlib")
        self.pack(zlib, "--module-path", harness.APP, "--run-module", "lazyuser",
                  "--compress-codec", "zlib")
        fields = self.fields(zlib)
        self.assertTrue(all(f[1] == ZLIB for f in fields["lazymod"]), fields["lazymod"])
        self.assertFalse(any(f[1] & ZSTD for fs in fields.values() for f in fs))
        for exe, version in ((self.exe, 2), (zlib, 1)):
            with open(exe, "rb") as f:
                data = f.read()
            off, _ = elf_section(data)
            self.assertEqual(int.from_bytes(data[off + 8:off + 12], "little"), version)
        self.assertEqual(run([zlib], cwd=self.tmp).stdout, run([self.exe]).stdout)

    @harness.skip_under_valgrind("the valgrind pass packs with --no-strip (its suppressions "
                                 "name CPython's functions); this test runs no program")
    def test_driver_stripped_by_default(self):
        kept = os.path.join(self.tmp, "kept")
        self.pack(kept, "--module-path", harness.APP, "--run-module", "lazyuser",
                  "--no-strip")
        with open(kept, "rb") as f:
            elf_section(f.read(), b".symtab")  # present
        with open(self.exe, "rb") as f:
            self.assertRaises(LookupError, elf_section, f.read(), b".symtab")
        self.assertLess(os.path.getsize(self.exe), os.path.getsize(kept))

    def test_boot_modules_function_imports_not_followed(self):
        # os.popen imports subprocess inside a function: not packed for an
        # app that does not import os itself, packed with --trace all.
        hello = os.path.join(harness.SOURCE_ROOT, "examples", "hello")
        app, full = os.path.join(self.tmp, "app"), os.path.join(self.tmp, "full")
        self.pack(app, "--module-path", hello, "--run-module", "hello")
        self.pack(full, "--module-path", hello, "--run-module", "hello", "--trace", "all")
        self.assertNotIn("subprocess", self.fields(app))
        self.assertIn("subprocess", self.fields(full))
        self.assertEqual(run([app]).stdout, run([full]).stdout)


if __name__ == "__main__":
    harness.main()
