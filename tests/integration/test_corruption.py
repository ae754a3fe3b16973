"""A damaged blob: `pyembed-pack verify` refuses it, and at run time only
the damaged module fails, with an ImportError naming it."""
import os
import stat

import harness
from harness import APP, FIELD_BYTECODE, PACK, PackTestCase, run


def write_exe(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, stat.S_IRWXU)
    return path


class CorruptionTest(PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("corruptapp", "--run-module", "corruptapp")
        with open(cls.exe, "rb") as f:
            cls.image = f.read()
        cls.blob_at, cls.blob_size = harness.elf_section(cls.image)
        cls.fields = harness.blob_fields(cls.image[cls.blob_at:cls.blob_at + cls.blob_size])

    def flipped(self, name, offset):
        """A copy of the executable with the byte at blob offset flipped."""
        data = bytearray(self.image)
        data[self.blob_at + offset] ^= 0x5A
        return write_exe(os.path.join(self.tmp, name), bytes(data))

    def bytecode_of(self, module):
        (rec,) = [f for f in self.fields[module] if f[0] == FIELD_BYTECODE]
        return rec

    def test_intact_executable(self):
        r = run([PACK, "verify", self.exe])
        self.assertExited(r, 0)
        self.assertTrue(r.stdout.startswith(self.exe + ": ok ("), r)
        r = run([self.exe], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "corruptme imported 218\nintact hello after {\"ok\": true}\n")

    def test_blob_command_writes_the_embedded_blob(self):
        blob = os.path.join(self.tmp, "app.blob")
        self.pack(blob, "--module-path", APP, "--run-module", "corruptapp", cmd="blob")
        with open(blob, "rb") as f:
            self.assertEqual(f.read(), self.image[self.blob_at:self.blob_at + self.blob_size])

    def test_damaged_bytecode(self):
        _, flags, offset, size = self.bytecode_of("corruptme")
        self.assertEqual(flags, 0)
        self.assertGreater(size, 100)
        exe = self.flipped("damaged", offset + size // 2)

        r = run([PACK, "verify", exe])
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("corruptme", r.stderr)
        self.assertIn("checksum", r.stderr)

        r = run([exe], cwd=self.tmp)
        self.assertExited(r, 0)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r)
        self.assertTrue(lines[0].startswith("ImportError name=corruptme msg="), r)
        self.assertIn("'corruptme'", lines[0])
        self.assertEqual(lines[1], "intact hello after {\"ok\": true}")

    def test_damaged_bytecode_uncaught(self):
        # plainmod is imported directly by the entry point (no try/except).
        _, _, offset, size = self.bytecode_of("plainmod")
        exe = self.flipped("damaged-plainmod", offset + size - 1)
        r = run([exe], cwd=self.tmp)
        self.assertExited(r, 1)
        self.assertEqual(r.stdout, "corruptme imported 218\n")
        self.assertIn("ImportError: ", r.stderr)
        self.assertIn("'plainmod'", r.stderr.splitlines()[-1])

    def test_damaged_header(self):
        exe = self.flipped("damaged-header", 110)  # reserved byte (§2.7)
        r = run([PACK, "verify", exe])
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("§2.7", r.stderr)
        r = run([exe], cwd=self.tmp)
        self.assertExited(r, 2)
        self.assertEqual(r.stdout, "")
        self.assertTrue(r.stderr.startswith("pyembed: "), r)
        self.assertIn("§2.7", r.stderr)

    def test_damaged_blob_file(self):
        blob = os.path.join(self.tmp, "app.blob")
        with open(blob, "wb") as f:
            data = bytearray(self.image[self.blob_at:self.blob_at + self.blob_size])
            _, _, offset, size = self.bytecode_of("corruptme")
            data[offset + 3] ^= 1
            f.write(data)
        r = run([PACK, "verify", blob])
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("corruptme", r.stderr)


if __name__ == "__main__":
    harness.main()
