"""pyembed-pack as a user drives it: build errors, reproducibility,
stripping, relocation, inspect, and the build options; the packer's
Python package (its exit statuses and tracebacks) and its ELF reader."""
import json
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import unittest

import harness
from harness import APP, BAD, PACK, PackTestCase, elf_section, reference, run

STRIP = shutil.which("strip") or "/usr/bin/strip"
READELF = shutil.which("readelf")
CC = shutil.which("cc") or shutil.which("gcc")
# The packer's Python package in the source tree (its leaf modules, such
# as the ELF reader, import with any python3).
PACKER_SOURCE = os.path.join(harness.SOURCE_ROOT, "driver", "pack")
sys.path.insert(0, PACKER_SOURCE)
from pyembed_pack import elf  # noqa: E402


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
        cls.exe = cls.build_app("tiny", "--run-module", "tinyapp", "--no-strip")

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
        self.pack(again, "--module-path", APP, "--run-module", "tinyapp", "--no-strip")
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
        self.pack(nocache, "--module-path", APP, "--run-module", "tinyapp", "--no-cache",
                  "--no-strip")
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
        head = [line for line in r.stdout.splitlines() if line.startswith("# ")]
        rows = {line.split()[0]: line.split() for line in r.stdout.splitlines()
                if not line.startswith("# ")}
        self.assertTrue(head[0].startswith("# python 3."), head)
        self.assertIn("libc.so.6", head[-1])
        self.assertEqual(rows["tinyapp"][1], "module")
        self.assertEqual(rows["pkg"][1], "module,package")
        self.assertEqual(rows["nspkg"][1], "namespace")
        self.assertEqual(rows["@pyembed"][1], "meta")
        self.assertIn("encodings", rows)
        r = run([PACK, "inspect", self.exe, "--json"])
        self.assertExited(r, 0)
        doc = json.loads(r.stdout)
        self.assertIn("libc.so.6", doc["needed"])
        self.assertEqual(doc["distribution"] is None, harness.DISTRIBUTION is None)
        entries = doc["resources"]
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
        # the blobs: the driver they are embedded in is the same (and for a
        # distribution, much larger than the blob)
        self.assertLess(elf_section(read_file(small))[1], elf_section(read_file(plain))[1] * 0.8)
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


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


class PackerTest(PackTestCase):
    """The packer runs as a Python package from its own files: an internal
    error shows their names and lines; a user mistake is one line."""

    FRAME = re.compile(r'  File "([^"]+)", line (\d+), in (\S+)\n    (.*)\n')

    def test_internal_error_traceback_names_real_files(self):
        out = os.path.join(self.tmp, "out")
        env = dict(self.pack_env, PYEMBED_PACK_TEST_CRASH="1")
        r = run(self.pack_cmd("build", out, "--module-path", APP, "--run-module", "tinyapp"),
                env=env, timeout=harness.BUILD_TIMEOUT)
        self.assertExited(r, 2)  # a bug, not a user mistake (1)
        self.assertIn("Traceback (most recent call last):\n", r.stderr)
        self.assertNotIn("<string>", r.stderr)
        report = r.stderr.splitlines()[-1]
        self.assertIn("RuntimeError: internal error requested by PYEMBED_PACK_TEST_CRASH=1\n"
                      "pyembed-pack: internal error at __main__.py:", r.stderr)
        self.assertRegex(report, r"^pyembed-pack: internal error at __main__\.py:\d+ in "
                         r"crash_if_asked \(RuntimeError\): this is a bug in pyembed-pack; "
                         r"please report it", r)
        frames = self.FRAME.findall(r.stderr)
        packer = [f for f in frames if "pyembed_pack" in f[0]]
        self.assertGreaterEqual(len(packer), 2, r)
        path, line, func, text = frames[-1]
        self.assertTrue(path.endswith("/driver/pack/pyembed_pack/__main__.py"), r)
        self.assertEqual(func, "crash_if_asked")
        self.assertIn("raise RuntimeError", text)
        for path, line, _, text in packer:
            # a real file whose line is the one the traceback quotes
            with open(path) as f:
                self.assertEqual(f.read().splitlines()[int(line) - 1].strip(), text.strip())
        # the file run is the package's source as shipped, not a copy of a copy
        self.assertEqual(read_file(path), read_file(
            os.path.join(PACKER_SOURCE, "pyembed_pack", "__main__.py")))
        self.assertFalse(os.path.exists(out))
        # and the packer writes no bytecode of its own beside its sources
        self.pack(out, "--module-path", APP, "--run-module", "tinyapp")
        self.assertNotIn("__pycache__", os.listdir(os.path.dirname(path)))

    def test_user_mistakes_are_one_line(self):
        missing = os.path.join(self.tmp, "missing")
        cases = [
            (["--module-path", APP, "--run-module", "no_such_entry"],
             "--run-module no_such_entry: no such module in the module paths"),
            (["--module-path", APP, "--run-module", "no_such_entry", "--stdlib", "none"],
             "--run-module no_such_entry: no such module in the module paths (stdlib: none)"),
            (["--module-path", APP, "--include", "no_such_include"],
             "--include no_such_include: no such module"),
            (["--module-path", APP, "--filesystem-package", "pkg=../up"],
             "bad filesystem-relative prefix '../up'"),
            (["--module-path", APP, "--resources-location", "elsewhere"],
             "--resources-location: expected in-memory or filesystem-relative:PREFIX"),
            (["--module-path", missing], missing + ": not a directory"),
            (["--module-path", APP, "--package", "no-such-dist"],
             "--package no-such-dist: not found in --site-packages (none given)"),
        ]
        out = os.path.join(self.tmp, "out")
        for options, message in cases:
            with self.subTest(options=options):
                r = self.pack(out, *options, check=False)
                self.assertExited(r, 1)
                self.assertEqual(r.stderr, "pyembed-pack: %s\n" % message)
                self.assertEqual(os.listdir(self.tmp), [])

    def test_argument_errors_and_help_exit_statuses(self):
        r = run([PACK, "build", "-o", os.path.join(self.tmp, "x"), "--no-such-option"])
        self.assertExited(r, 2)
        self.assertTrue(r.stderr.startswith("usage: pyembed-pack build "), r)
        self.assertIn("unrecognized arguments: --no-such-option", r.stderr)
        r = run([PACK, "blob"])
        self.assertExited(r, 2)
        self.assertIn("the following arguments are required: -o/--output", r.stderr)
        r = run([PACK, "build", "--help"])
        self.assertExited(r, 0)
        self.assertTrue(r.stdout.startswith("usage: pyembed-pack build "), r)
        self.assertEqual(r.stderr, "")
        self.assertEqual(os.listdir(self.tmp), [])


class FilesystemOutputTest(PackTestCase):
    """Files written beside the executable are reproducible too."""

    def tree_bytes(self, root):
        out = {}
        for dirpath, _, files in os.walk(root):
            for f in files:
                path = os.path.join(dirpath, f)
                out[os.path.relpath(path, root)] = read_file(path)
        return out

    def test_filesystem_relative_files_independent_of_cache(self):
        # .pyc written beside the executable must not depend on whether
        # the bytecode was just compiled or came from the cache
        options = ("--module-path", APP, "--run-module", "tinyapp",
                   "--resources-location", "filesystem-relative:lib")
        trees = {}
        for build, extra in (("cold", ()), ("warm", ()), ("nocache", ("--no-cache",))):
            os.mkdir(os.path.join(self.tmp, build))
            self.pack(os.path.join(self.tmp, build, "tiny"), *options, *extra)
            trees[build] = self.tree_bytes(os.path.join(self.tmp, build))
        self.assertIn(os.path.join("lib", "__pycache__", "tinyapp.%s.pyc" % harness.CACHE_TAG),
                      trees["cold"])
        self.assertTrue(trees["cold"] == trees["warm"], "warm-cache files differ")
        self.assertTrue(trees["cold"] == trees["nocache"], "--no-cache files differ")

    def test_rebuild_rewrites_only_changed_files(self):
        out = os.path.join(self.tmp, "out")
        os.mkdir(out)
        options = ("--module-path", APP, "--run-module", "tinyapp",
                   "--filesystem-package", "pkg", "--filesystem-package", "plainmod")
        self.pack(os.path.join(out, "tiny"), *options)
        lib = os.path.join(out, "lib")
        plain, init = os.path.join(lib, "plainmod.py"), os.path.join(lib, "pkg", "__init__.py")
        with open(plain, "a") as f:
            f.write("# changed after the build\n")
        before = os.stat(init).st_ino
        self.pack(os.path.join(out, "tiny"), *options)
        self.assertEqual(read_file(plain), read_file(os.path.join(APP, "plainmod.py")))
        self.assertEqual(os.stat(init).st_ino, before)  # identical: left as it was
        self.assertEqual(sorted(os.listdir(out)), ["lib", "tiny"])  # no temporary files
        # a file the build does not write (left by an earlier build) is removed
        stale = os.path.join(lib, "pkg", "gone.py")
        with open(stale, "w") as f:
            f.write("raise SystemExit('stale')\n")
        self.pack(os.path.join(out, "tiny"), *options)
        self.assertFalse(os.path.exists(stale))
        self.assertEqual(os.stat(init).st_ino, before)
        r = run([os.path.join(out, "tiny")], cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, "tiny app ran\n")


def readelf(path):
    """(needed, rpath, runpath, {library: [versions]}) as binutils reads path."""
    out = run([READELF, "-d", "-V", "-W", path], env=dict(harness.BASE_ENV, LC_ALL="C")).stdout
    dyn = {kind: re.findall(r"\(%s\)\s+Library %s: \[([^]]*)\]" % (tag, kind), out)
           for tag, kind in (("RPATH", "rpath"), ("RUNPATH", "runpath"))}
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]*)\]", out)
    versions, current = {}, None
    section = out.split("Version needs section", 1)[1] if "Version needs section" in out else ""
    for line in section.splitlines():
        m = re.search(r"File: (\S+)", line)
        if m:
            current = versions.setdefault(m.group(1), [])
            continue
        m = re.search(r"Name: (\S+)", line)
        if m and current is not None:
            current.append(m.group(1))
    split = {k: [d for v in vs for d in v.split(":")] for k, vs in dyn.items()}
    return needed, split["rpath"], split["runpath"], versions


class ElfReaderTest(unittest.TestCase):
    """pyembed_pack/elf.py against binutils, and on hostile input."""

    @classmethod
    def setUpClass(cls):
        cls.driver = os.path.join(os.path.dirname(PACK), "pyembed-run")
        dynload = harness.host_dynload_dir()
        exts = sorted(os.path.join(dynload, f) for f in os.listdir(dynload) if f.endswith(".so"))
        cls.samples = [cls.driver] + exts[:12]
        # a small extension module with NEEDED entries and version needs:
        # cheap to corrupt a thousand times
        cls.small = next(p for p in sorted(exts, key=os.path.getsize)
                         if elf.ElfFile.read(p).needed and elf.ElfFile.read(p).version_needs())

    @unittest.skipUnless(READELF, "no readelf")
    def test_agrees_with_readelf(self):
        for path in self.samples:
            with self.subTest(path=path):
                e = elf.ElfFile.read(path)
                needed, rpath, runpath, versions = readelf(path)
                self.assertEqual(e.needed, needed)
                self.assertEqual(e.rpath, rpath)
                self.assertEqual(e.runpath, runpath)
                self.assertEqual(e.version_needs(), versions)
        e = elf.ElfFile.read(self.driver)
        self.assertIn("libc.so.6", e.needed)
        glibc = [tuple(int(p) for p in v[len("GLIBC_"):].split("."))
                 for names in readelf(self.driver)[3].values() for v in names
                 if v.startswith("GLIBC_")]
        self.assertEqual(elf.glibc_floor(e), max(glibc))
        self.assertGreaterEqual(elf.glibc_floor(e), (2, 2, 5))

    def make_tmp(self):
        tmp = tempfile.mkdtemp(prefix="pyembed-elf-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        return tmp

    @unittest.skipUnless(CC, "no C compiler")
    def test_rpath_runpath_and_origin(self):
        tmp = self.make_tmp()
        src = os.path.join(tmp, "x.c")
        with open(src, "w") as f:
            f.write("int x(void) { return 1; }\n")
        cases = {"plain": ([], [], [], False),
                 "runpath": (["-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../a.libs:/opt/b"],
                             [], ["$ORIGIN/../a.libs", "/opt/b"], True),
                 "rpath": (["-Wl,--disable-new-dtags", "-Wl,-rpath,${ORIGIN}/c"],
                           ["${ORIGIN}/c"], [], True),
                 "elsewhere": (["-Wl,-rpath,/opt/lib"], None, None, False)}
        for name, (flags, rpath, runpath, origin) in cases.items():
            with self.subTest(name=name):
                so = os.path.join(tmp, name + ".so")
                r = run([CC, "-shared", "-fPIC", "-o", so, src] + flags)
                self.assertEqual(r.returncode, 0, r)
                e = elf.ElfFile.read(so)
                if rpath is not None:
                    self.assertEqual((e.rpath, e.runpath), (rpath, runpath))
                self.assertEqual(elf.origin_rpath(so), origin)

    def test_not_elf64(self):
        tmp = self.make_tmp()
        text = os.path.join(tmp, "x.so")
        with open(text, "w") as f:
            f.write("not an ELF file\n")
        self.assertFalse(elf.origin_rpath(text))
        elf32 = b"\x7fELF\x01\x01\x01" + b"\0" * 60
        for data in (b"", b"\x7fEL", b"MZ" + b"\0" * 62, elf32):
            with self.assertRaises(elf.NotElf64):
                elf.ElfFile(data)

    def parse_all(self, data):
        """Everything the reader offers, on data; ElfError is the only failure."""
        try:
            e = elf.ElfFile(data)
            e.needed, e.rpath, e.runpath, e.version_needs(), elf.glibc_floor(e)
        except elf.ElfError:
            pass

    def test_truncated_and_corrupted_input(self):
        data = read_file(self.small)
        e = elf.ElfFile(data)
        for n in list(range(0, 128)) + [s.offset + d for s in e.sections for d in (0, 1, 9)]:
            self.parse_all(data[:n])
        shoff, = struct.unpack_from("<Q", data, 0x28)
        hot = [0x28, 0x3A, 0x3C, 0x3E] + [s.offset for s in e.sections
                                          if s.type in (elf.SHT_DYNAMIC, elf.SHT_GNU_VERNEED)]
        hot += [shoff + i * 64 + f for i in range(len(e.sections)) for f in (16, 24, 32, 40, 44)]
        rnd = random.Random(9)
        for _ in range(1000):
            b = bytearray(data)
            for _ in range(rnd.randint(1, 4)):
                pos = rnd.choice(hot) + rnd.randrange(8)
                if pos < len(b):
                    b[pos] = rnd.randrange(256)
            self.parse_all(bytes(b))


if __name__ == "__main__":
    harness.main()
