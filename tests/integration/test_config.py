"""Config files (docs/config.md): pyembed.bzl evaluated by pyembed-pack's
Starlark dialect into the same build spec as the flags.

  * the seed document's configs (fixtures/config/seed_*/, each header says
    what differs from the seed) evaluate, build and run; pip runs offline
    from a wheelhouse built here, distribution URLs point at a local HTTP
    server started here;
  * a resource callback moving a package to filesystem-relative:lib and
    dropping tests.* (inspect shows it); exclude_test_packages();
  * two targets build two executables, `run` runs the default one; a
    target this host cannot build (a macOS distribution) fails alone;
  * 40+ distinct mistakes each give one FILE:LINE:COL message, exit 1 and
    no traceback;
  * config and flags give the same spec (--print-spec); the other commands
    (list-targets, init-config-file) and options (--var, --var-env, load()).

With PYEMBED_TEST_DISTRIBUTION every build packs against that distribution
(`--distribution DIR`: what default_python_distribution() returns).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import unittest

import harness
from harness import BASE_ENV, FIXTURES, HOST_PYTHON, PACK, PackTestCase, run
from test_distributions import V8_DOC, Server, small_distribution

CONFIGS = os.path.join(FIXTURES, "config")
PACKAGES = os.path.join(FIXTURES, "packages")
TRIPLE = "%s-unknown-linux-gnu" % os.uname().machine
LOCATION = re.compile(r"^\S+\.bzl:\d+:\d+: ", re.M)


def out_dir(root, target):
    return os.path.join(root, "build", TRIPLE, "release", target)


def inspect_rows(exe):
    """{name: (kinds, location)} of `pyembed-pack inspect exe`."""
    r = run([PACK, "inspect", exe])
    if r.returncode != 0:
        raise AssertionError("inspect failed: %r" % r)
    rows = {}
    for line in r.stdout.splitlines():
        if line.startswith("#"):
            continue
        parts = line.split()
        rows[parts[0]] = (parts[1], parts[-1])
    return rows


def target_options():
    """What every config build here passes: the test distribution, or the
    host's stdlib directories."""
    if harness.DISTRIBUTION:
        return ["--distribution", harness.DISTRIBUTION]
    return ["--stdlib-dir", harness.STDLIB_DIR, "--dynload-dir", harness.DYNLOAD_DIR]


class ConfigTestCase(PackTestCase):
    """Copies a fixture directory to a temp dir and runs pyembed-pack there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack_env = dict(cls.pack_env, PYEMBED_CACHE_DIR=os.path.join(
            cls.class_tmp, "pyembed-cache") if not harness.DISTRIBUTION
            else BASE_ENV["PYEMBED_CACHE_DIR"])

    def fixture(self, name):
        """A fresh copy of fixtures/config/name; returns its path."""
        dest = os.path.join(self.tmp, name)
        shutil.copytree(os.path.join(CONFIGS, name), dest)
        if os.path.isdir(os.path.join(CONFIGS, "lib")) and \
                not os.path.exists(os.path.join(self.tmp, "lib")):
            shutil.copytree(os.path.join(CONFIGS, "lib"), os.path.join(self.tmp, "lib"))
        return dest

    def pack_in(self, cwd, *args, options=True, check=None):
        """pyembed-pack ARGS in cwd (with target_options() for build/run)."""
        argv = [PACK, args[0]] + (target_options() if options else []) + list(args[1:])
        r = run(argv, cwd=cwd, env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
        if check is not None and r.returncode != check:
            raise AssertionError("pyembed-pack %s: %r" % (" ".join(args), r))
        return r

    def build(self, cwd, *args):
        return self.pack_in(cwd, "build", "-q", *args, check=0)


def build_wheelhouse(dest, env):
    """Wheels of the fixture packages (offline, the host's pip)."""
    src = os.path.join(os.path.dirname(dest), "wheel-src")
    for project in ("fixture_pkg", "fixture_dep"):
        if not os.path.exists(os.path.join(src, project)):
            shutil.copytree(os.path.join(PACKAGES, project), os.path.join(src, project))
    r = run([HOST_PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--disable-pip-version-check", "-q", "-w", dest,
             os.path.join(src, "fixture_pkg"), os.path.join(src, "fixture_dep")],
            env=env, timeout=harness.BUILD_TIMEOUT)
    if r.returncode != 0:
        raise AssertionError("pip wheel failed: %r" % r)
    return dest


class SeedConfigTest(ConfigTestCase):
    """The seed document's configs evaluate, build and their executables run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wheels = build_wheelhouse(os.path.join(cls.class_tmp, "wheels"), cls.pack_env)
        cls.server = Server()
        macos = small_distribution(dict(V8_DOC, target_triple="x86_64-apple-darwin",
                                        python_exe="install/bin/python3.13"))
        cls.server.files["/macos.tar.gz"] = macos
        cls.macos = ["--var", "macos_url", cls.server.url("/macos.tar.gz"),
                     "--var", "macos_sha256", hashlib.sha256(macos).hexdigest()]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def test_dependency_management(self):
        d = self.fixture("seed_dependencies")
        shutil.copytree(self.wheels, os.path.join(d, "wheels"))
        r = self.pack_in(d, "build", "--var", "wheelhouse", self.wheels, check=0)
        # -e . becomes . (a link to the source tree is no use to a packed app)
        self.assertIn("pip: -e . would install only a link", r.stderr)
        self.assertIn('allocator_backend = "rust"', r.stderr)
        exe = os.path.join(out_dir(d, "exe"), "myapp")
        r = run([exe, "x"], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "myapp 1.2.3 0.3 from the local project fixture_dep ['x']\n", r)
        rows = inspect_rows(exe)
        self.assertIn("fixturepkg.plugins.text", rows)
        self.assertIn("seedlocal", rows)

    def test_dependency_management_spec(self):
        d = self.fixture("seed_dependencies")
        r = self.pack_in(d, "build", "-q", "--print-spec", "--var", "wheelhouse", self.wheels,
                         check=0)
        spec = json.loads(r.stdout)["spec"]
        self.assertEqual(spec["pip_args"], ["--find-links", self.wheels, "fixture-pkg==1.2.3",
                                            "-e", ".", "-r", "requirements.txt"])
        self.assertEqual(spec["pip_cwd"], d)
        self.assertEqual(spec["package_roots"], [[os.path.join(d, "src"), ["myapp"]]])
        self.assertEqual(spec["run_module"], "myapp")
        # 'rust' (the system malloc) serves the raw domain only (PyOxidizer's default)
        self.assertEqual(spec["allocator"], "malloc")
        self.assertEqual(spec["allocator_domains"], ["raw"])

    def test_resource_filtering(self):
        d = self.fixture("seed_resource_filter")
        self.build(d)
        exe = os.path.join(out_dir(d, "exe"), "filterapp")
        r = run([exe], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "filterapp stand-in True True\n", r)
        rows = inspect_rows(exe)
        self.assertEqual(rows["matplotlib"][1], "filesystem-relative")
        self.assertFalse([n for n in rows if n == "tests" or n.startswith("tests.")], rows)
        self.assertTrue(os.path.isfile(os.path.join(out_dir(d, "exe"), "lib", "matplotlib",
                                                    "__init__.py")))

    def test_extension_handling(self):
        d = self.fixture("seed_extensions")
        r = self.pack_in(d, "build", check=0)
        self.assertIn('resources_location_fallback = "filesystem-relative" has no prefix',
                      r.stderr)
        exe = os.path.join(out_dir(d, "exe"), "myapp")
        r = run([exe], cwd=self.tmp, env={})
        self.assertExited(r, 0)
        self.assertTrue(r.stdout.startswith("minimal "), r)
        rows = inspect_rows(exe)
        self.assertEqual([n for n, (k, _) in rows.items() if "extension" in k], [])

    @unittest.skipUnless(harness.DISTRIBUTION, "needs PYEMBED_TEST_DISTRIBUTION")
    def test_extension_filter_chooses_the_drivers_builtins(self):
        d = self.fixture("seed_extensions")
        path = os.path.join(d, "pyembed.bzl")
        with open(path) as f:
            text = f.read().replace(
                "print('minimal', sorted(sys.builtin_module_names)[:2])",
                "print('_json' in sys.builtin_module_names, '_ssl' in sys.builtin_module_names,"
                " '_io' in sys.builtin_module_names)")
        seen = {}
        for name in ("minimal", "no-libraries", "all"):
            with open(path, "w") as f:
                f.write(text.replace('"minimal"', '"%s"' % name))
            self.build(d)
            seen[name] = run([os.path.join(out_dir(d, "exe"), "myapp")], cwd=self.tmp,
                             env={}).stdout
        self.assertEqual(seen, {"minimal": "False False True\n",
                                "no-libraries": "True False True\n",
                                "all": "True True True\n"})

    @harness.host_python_only("the host's lib-dynload extension modules and their libraries")
    def test_extension_filters_on_host(self):
        d = self.fixture("seed_extensions")
        path = os.path.join(d, "pyembed.bzl")
        with open(path) as f:
            text = f.read()
        kept = {}
        for name in ("all", "no-libraries", "no-copyleft"):
            with open(path, "w") as f:
                f.write(text.replace('"minimal"', '"%s"' % name).replace(
                    "run_command = \"", "run_command = \"import json, ssl, readline; "))
            self.build(d)
            rows = inspect_rows(os.path.join(out_dir(d, "exe"), "myapp"))
            kept[name] = {n for n, (k, _) in rows.items() if "extension" in k}
        self.assertIn("readline", kept["all"])  # GPL libreadline
        self.assertIn("_ssl", kept["all"])
        self.assertNotIn("readline", kept["no-copyleft"])
        self.assertIn("_ssl", kept["no-copyleft"])      # OpenSSL 3: Apache-2.0
        self.assertNotIn("_ssl", kept["no-libraries"])  # links libssl
        self.assertIn("_json", kept["no-libraries"])    # links only libc

    def test_problematic_packages(self):
        d = self.fixture("seed_problem_packages")
        self.build(d, "--var", "wheelhouse", self.wheels)
        r = run([os.path.join(out_dir(d, "exe"), "probapp")], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "probapp 1.2.3 ['reverse', 'upper']\n", r)

    def test_custom_allocator(self):
        d = self.fixture("seed_allocator")
        r = self.pack_in(d, "build", check=0)
        self.assertIn("Rust's global allocator is the system malloc", r.stderr)
        r = run([os.path.join(out_dir(d, "exe"), "myapp")], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "allocator ok\n", r)

    def test_build_optimization(self):
        d = self.fixture("seed_build_optimization")
        self.build(d, "exe", "small")
        big = os.path.join(out_dir(d, "exe"), "myapp")
        small = os.path.join(out_dir(d, "small"), "myapp-small")
        for exe in (big, small):
            r = run([exe], cwd=self.tmp, env={})
            self.assertEqual(r.stdout, "size False\n", r)
        # the policy lines after to_python_executable() change nothing (as
        # in PyOxidizer); before it, they leave out all but what starts
        # the interpreter
        self.assertLess(os.path.getsize(small), os.path.getsize(big))
        small_rows, big_rows = inspect_rows(small), inspect_rows(big)
        self.assertIn("traceback", big_rows)
        self.assertLess(set(small_rows), set(big_rows))
        self.assertEqual([n for n in small_rows if not (
            n.split(".")[0] in ("encodings", "linecache") or n.startswith("@"))], [])

    def test_multi_target_macos_fails_alone(self):
        d = self.fixture("seed_multi_target")
        r = self.pack_in(d, "build", "-q", "linux", "macos", *self.macos)
        self.assertExited(r, 1)
        self.assertIn("pyembed-pack: target 'macos': ", r.stderr)
        self.assertIn("a distribution for x86_64-apple-darwin; this host links executables "
                      "for %s only" % TRIPLE, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out_dir(d, "macos")))
        r = run([os.path.join(out_dir(d, "linux"), "myapp-linux"), "a"], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "multi ['a']\n", r)
        # the default target (the first registered) alone builds
        r = self.pack_in(d, "build", "-q", *self.macos)
        self.assertExited(r, 0)

    def test_build_target_another_platform_fails_alone(self):
        d = self.fixture("seed_multi_target")
        path = os.path.join(d, "pyembed.bzl")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('PythonDistribution(url=VARS["macos_url"], '
                                 'sha256=VARS["macos_sha256"])',
                                 'default_python_distribution(build_target='
                                 '"x86_64-pc-windows-msvc")'))
        r = self.pack_in(d, "build", "-q", "macos", "linux")
        self.assertExited(r, 1)
        self.assertIn("pyembed.bzl:17:16: cannot build myapp-macos for x86_64-pc-windows-msvc: this host "
                      "builds executables for %s only" % TRIPLE, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out_dir(d, "linux"), "myapp-linux")))

    def test_selecting_a_distribution_spec(self):
        d = self.fixture("seed_distribution")
        r = self.pack_in(d, "build", "-q", "--print-spec", "--var", "dist_url",
                         "http://127.0.0.1:9/d.tar.zst", "--var", "dist_sha256", "ab" * 32,
                         check=0)
        spec = json.loads(r.stdout)["spec"]
        self.assertEqual((spec["distribution"], spec["distribution_sha256"]),
                         ("http://127.0.0.1:9/d.tar.zst", "ab" * 32))

    @unittest.skipUnless(harness.DISTRIBUTION, "needs PYEMBED_TEST_DISTRIBUTION (a real one)")
    def test_selecting_a_distribution_builds(self):
        archive = os.path.join(self.tmp, "dist.tar.zst")
        subprocess.run(["tar", "--zstd", "-cf", archive, "-C",
                        os.path.dirname(harness.DISTRIBUTION), "python"], check=True)
        with open(archive, "rb") as f:
            data = f.read()
        self.server.files["/dist.tar.zst"] = data
        d = self.fixture("seed_distribution")
        env = dict(self.pack_env, PYEMBED_CACHE_DIR=os.path.join(self.tmp, "cache"))
        r = run([PACK, "build", "-q", "--var", "dist_url", self.server.url("/dist.tar.zst"),
                 "--var", "dist_sha256", hashlib.sha256(data).hexdigest()], cwd=d, env=env,
                timeout=harness.BUILD_TIMEOUT)
        self.assertExited(r, 0)
        r = run([os.path.join(out_dir(d, "exe"), "myapp")], cwd=self.tmp, env={})
        major, minor = harness.DIST_VERSION.split(".")[:2]
        self.assertEqual(r.stdout, "distribution (%s, %s)\n" % (major, minor), r)


class CallbackTest(ConfigTestCase):
    """A resource callback places and drops resources; inspect shows it."""

    def test_callback_moves_package_and_drops_tests_submodules(self):
        d = self.fixture("callback")
        self.build(d, "exe")
        exe = os.path.join(out_dir(d, "exe"), "cbapp")
        rows = inspect_rows(exe)
        for name in ("mylib", "mylib.mod", "mylib.sub", "mylib.tests", "mylib.tests.test_mod"):
            self.assertEqual(rows[name][1], "filesystem-relative", name)
        for name in ("cbapp", "tests"):
            self.assertEqual(rows[name][1], "memory", name)
        self.assertEqual([n for n in rows if n.startswith("tests.")], [])
        lib = os.path.join(out_dir(d, "exe"), "lib", "mylib")
        self.assertTrue(os.path.isfile(os.path.join(lib, "mod.py")))
        r = run([exe], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "cbapp lib mod sub True True\n", r)

    def test_exclude_test_packages_drops_every_test_package(self):
        d = self.fixture("callback")
        self.build(d, "no_tests")
        rows = inspect_rows(os.path.join(out_dir(d, "no_tests"), "cbapp"))
        tests = [n for n in rows if "tests" in n.split(".") or "test" in n.split(".")]
        self.assertEqual(tests, [])
        self.assertIn("mylib.sub", rows)
        self.assertEqual(rows["mylib"][1], "memory")


class TargetsTest(ConfigTestCase):
    """Two targets, run, list-targets, load(), VARS."""

    def test_two_targets_two_executables_and_run(self):
        d = self.fixture("two_targets")
        self.build(d, "app", "tool")
        for name in ("app", "tool"):
            r = run([os.path.join(out_dir(d, name), name), "x"], cwd=self.tmp, env={})
            self.assertEqual(r.returncode, 1, r)
            self.assertTrue(r.stdout.startswith("hello from %s " % name), r)
        r = self.pack_in(d, "run", "-q", "--", "one", "two")
        self.assertEqual(r.returncode, 2, r)  # the app's status: its argument count
        self.assertTrue(r.stdout.startswith("hello from app "), r)
        self.assertTrue(r.stdout.endswith("['one', 'two']\n"), r)
        r = self.pack_in(d, "run", "-q", "tool")
        self.assertEqual(r.returncode, 0, r)
        self.assertTrue(r.stdout.startswith("hello from tool "), r)

    def test_targets_with_different_pythons(self):
        other = harness.DISTRIBUTION or stored_distribution("3.13")
        if not other:
            self.skipTest("no CPython distribution to use as the second Python")
        d = self.fixture("two_targets")
        r = self.pack_in(d, "build", "-q", "app", "tool", "--var", "second_dist", other,
                         options=not harness.DISTRIBUTION)
        self.assertExited(r, 0)
        with open(os.path.join(other, "PYTHON.json")) as f:
            version = ".".join(json.load(f)["python_version"].split(".")[:2])
        r = run([os.path.join(out_dir(d, "tool"), "tool")], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "hello from tool %s []\n" % version, r)

    def test_missing_stored_version_fails_alone(self):
        d = self.fixture("two_targets")
        with open(os.path.join(d, "pyembed.bzl"), "a") as f:
            f.write('register_target("future", lambda: command_exe('
                    'default_python_distribution(python_version = "3.99"), "future"))\n')
        r = self.pack_in(d, "build", "-q", "future", "app")
        self.assertExited(r, 1)
        self.assertIn("pyembed.bzl:16:47: no CPython 3.99 distribution in ", r.stderr)
        self.assertIn("make one with: pyembed-pack dist build --python 3.99", r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out_dir(d, "app"), "app")))

    def test_list_targets(self):
        d = self.fixture("seed_build_optimization")
        r = self.pack_in(d, "list-targets", options=False, check=0)
        self.assertEqual(r.stdout, "exe  (default)\nsmall\n")

    def test_pyoxidizer_bzl_is_found_with_a_note(self):
        d = self.fixture("two_targets")
        os.rename(os.path.join(d, "pyembed.bzl"), os.path.join(d, "pyoxidizer.bzl"))
        r = self.pack_in(d, "list-targets", options=False, check=0)
        self.assertIn("using pyoxidizer.bzl", r.stderr)
        self.assertEqual(r.stdout, "app  (default)\ntool\n")

    def test_no_config_file(self):
        r = self.pack_in(self.tmp, "build", options=False, check=1)
        self.assertIn("pyembed-pack: no pyembed.bzl in %s" % self.tmp, r.stderr)

    def test_vars_and_var_env(self):
        path = os.path.join(self.tmp, "pyembed.bzl")
        with open(path, "w") as f:
            f.write('print("VARS", VARS["a"], VARS["b"], VARS["c"], CWD == %r, '
                    'CONFIG_PATH == %r, BUILD_TARGET_TRIPLE)\n'
                    'def f():\n    return None\nregister_target("t", f)\n' % (self.tmp, path))
        env = dict(self.pack_env, MY_VAR="from env")
        r = run([PACK, "build", "--var", "a", "1", "--var-env", "b", "MY_VAR", "--var-env", "c",
                 "UNSET_VAR_X"], cwd=self.tmp, env=env)
        self.assertExited(r, 0)
        self.assertIn("VARS 1 from env None True True %s\n" % TRIPLE, r.stderr)
        self.assertIn("target 't' has nothing to build (it returned None)", r.stderr)

    def test_dependency_values_are_arguments_and_resolve_once(self):
        path = os.path.join(self.tmp, "pyembed.bzl")
        with open(path, "w") as f:
            f.write('def a():\n    print("a resolved")\n    return 1\n'
                    'def b(x):\n    return x + 1\n'
                    'def c(x, y):\n    print("c got", x, y, resolve_target("a"))\n'
                    'register_target("a", a)\nregister_target("b", b, depends=["a"])\n'
                    'register_target("c", c, depends=["a", "b"], default=True)\n')
        r = run([PACK, "build", "-q"], cwd=self.tmp, env=self.pack_env)
        self.assertExited(r, 0)
        self.assertEqual(r.stderr.count("a resolved"), 1, r)
        self.assertIn("c got 1 2 1\n", r.stderr)


def stored_distribution(minor):
    """The stored CPython minor distribution of the user's cache, or None."""
    env = {k: v for k, v in BASE_ENV.items() if k != "PYEMBED_CACHE_DIR"}
    r = run([PACK, "dist", "path", "--python", minor], env=env)
    return r.stdout.strip() if r.returncode == 0 else None


class FeaturesTest(ConfigTestCase):
    """Policies and executables: levels, in-config sources, manifests, blobs."""

    def write(self, text):
        path = os.path.join(self.tmp, "pyembed.bzl")
        with open(path, "w") as f:
            f.write(text)
        return self.tmp

    def test_bytecode_levels_and_module_source(self):
        d = self.write('''
def make():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    policy.bytecode_optimize_level_zero = True
    policy.bytecode_optimize_level_two = True
    config = dist.make_python_interpreter_config()
    config.run_module = "gen"
    exe = dist.to_python_executable("gen", packaging_policy = policy, config = config)
    src = exe.make_python_module_source("gen", "import sys\\nprint('generated', sys.flags.optimize)\\n")
    exe.add_python_resource(src)
    return exe
register_target("gen", make)
''')
        self.build(d)
        exe = os.path.join(out_dir(d, "gen"), "gen")
        r = run([exe], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "generated 0\n", r)
        with open(exe, "rb") as f:
            data = f.read()
        off, size = harness.elf_section(data)
        fields = harness.blob_fields(data[off:off + size])
        types = sorted(t for t, _, _, _ in fields["gen"])
        self.assertEqual(types, [harness.FIELD_SOURCE, harness.FIELD_BYTECODE,
                                 harness.FIELD_BYTECODE + 2])

    def test_file_manifest_install_and_embedded_resources(self):
        d = self.fixture("two_targets")
        with open(os.path.join(d, "pyembed.bzl"), "a") as f:
            f.write('''
def make_install(exe):
    files = FileManifest()
    files.add_python_resource(".", exe)
    files.add_file(FileContent(content = "notes\\n", filename = "README.txt"), directory = "doc")
    return files

register_target("install", make_install, depends = ["app"])
register_target("resources", lambda exe: exe.to_embedded_resources(), depends = ["app"])
''')
        self.build(d, "install", "resources")
        inst = out_dir(d, "install")
        self.assertEqual(sorted(os.listdir(inst)), ["app", "doc"])
        with open(os.path.join(inst, "doc", "README.txt")) as f:
            self.assertEqual(f.read(), "notes\n")
        r = run([os.path.join(inst, "app")], cwd=self.tmp, env={})
        self.assertTrue(r.stdout.startswith("hello from app"), r)
        blob = os.path.join(out_dir(d, "resources"), "packed-resources")
        with open(blob, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PKR\r\n\x1a\n")

    def test_resource_sources_filters_and_manifests(self):
        wheels = build_wheelhouse(os.path.join(self.tmp, "wheels"), self.pack_env)
        site = os.path.join(self.tmp, "venv", "lib", "python3.11", "site-packages")
        os.makedirs(site)
        with open(os.path.join(site, "venvmod.py"), "w") as f:
            f.write("WHERE = 'venv'\n")
        installed = os.path.join(self.tmp, "site")
        r = run([HOST_PYTHON, "-m", "pip", "install", "--target", installed, "--no-index",
                 "--no-deps", "--disable-pip-version-check", "--root-user-action=ignore", "-q",
                 os.path.join(wheels, "fixture_pkg-1.2.3-py3-none-any.whl")],
                env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
        self.assertExited(r, 0)
        d = self.write('''
def make():
    dist = default_python_distribution()
    config = dist.make_python_interpreter_config()
    config.run_module = "srcapp"
    exe = dist.to_python_executable("srcapp", config = config)
    exe.add_python_resource(exe.make_python_module_source("srcapp", """
import fixture_dep, fixturepkg.plugins.text, venvmod, importlib.metadata, importlib.util
print(venvmod.WHERE, fixture_dep.GREETING, importlib.metadata.version("fixture-pkg"),
      importlib.util.find_spec("fixturepkg.cli") is None)
"""))
    exe.add_python_resources(exe.read_virtualenv("venv"))
    exe.add_python_resources(exe.pip_download(["--find-links", VARS["wheels"], "fixture-dep"]))
    exe.add_python_resources(exe.read_site_packages("site", ["fixture-pkg"]))
    if VARS.get("keep"):
        exe.filter_from_files(files = [VARS["keep"]])
    return exe

def make_install(exe):
    files = exe.to_file_manifest("bin")
    extra = FileManifest()
    extra.add_file(FileContent(path = "pyembed.bzl"), path = "share/pyembed.bzl")
    files.add_manifest(extra)
    files.install("copy")
    return files

register_target("exe", make)
register_target("install", make_install, depends = ["exe"], default = True)
''')
        self.build(d, "--var", "wheels", wheels)
        exe = os.path.join(out_dir(d, "install"), "bin", "srcapp")
        r = run([exe], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "venv hello from fixture_dep 1.2.3 False\n", r)
        # filter_from_files keeps only the names listed (here: everything
        # but fixturepkg.cli), as a list of modules seen at run time would
        with open(os.path.join(self.tmp, "keep.txt"), "w") as f:
            f.write("# what filter_from_files keeps\n" + "".join(
                n + "\n" for n in inspect_rows(exe) if n != "fixturepkg.cli"))
        self.build(d, "--var", "wheels", wheels, "--var", "keep", "keep.txt")
        for exe in (os.path.join(out_dir(d, "install"), "bin", "srcapp"),
                    os.path.join(d, "build", "copy", "bin", "srcapp")):
            r = run([exe], cwd=self.tmp, env={})
            self.assertEqual(r.stdout, "venv hello from fixture_dep 1.2.3 True\n", r)
        self.assertNotIn("fixturepkg.cli", inspect_rows(exe))
        self.assertTrue(os.path.isfile(os.path.join(out_dir(d, "install"), "share",
                                                    "pyembed.bzl")))

    def test_python_resources_is_the_whole_stdlib(self):
        d = self.write('''
def make():
    dist = default_python_distribution()
    exe = dist.to_python_executable("all")
    exe.add_python_resources(dist.python_resources())
    return exe
register_target("exe", make)
''')
        r = self.pack_in(d, "build", "--print-spec", check=0)
        self.assertEqual(json.loads(r.stdout)["spec"]["stdlib"], "all")

    def test_init_config_file_builds_and_runs(self):
        d = os.path.join(self.tmp, "proj")
        os.makedirs(os.path.join(d, "hello"))
        with open(os.path.join(d, "hello", "__main__.py"), "w") as f:
            f.write("print('started from the starter config')\n")
        with open(os.path.join(d, "hello", "__init__.py"), "w") as f:
            f.write("")
        r = run([PACK, "init-config-file", d, "--run-module", "hello"], env=self.pack_env)
        self.assertExited(r, 0)
        r = run([PACK, "init-config-file", d], env=self.pack_env)
        self.assertExited(r, 1)
        self.assertIn("exists; not overwriting it", r.stderr)
        r = self.pack_in(d, "run", "-q")
        self.assertEqual(r.stdout, "started from the starter config\n", r)
        self.assertTrue(os.path.isfile(os.path.join(out_dir(d, "install"), "proj")))
        r = self.pack_in(d, "list-targets", options=False, check=0)
        self.assertEqual(r.stdout, "dist\nexe  (depends on dist)\nresources  (depends on exe)\n"
                         "install  (default; depends on exe)\n")


DIALECT = r"""
load("lib.bzl", "A", twice = "double")
squares = [i * i for i in range(6) if i % 2 == 0]
pairs = {k: v for k, v in zip(["a", "b"], [1, 2])}
def outer(n, *rest, scale = 10, **kw):
    base = n * scale
    def inner(x):
        return base + x
    return [inner(r) for r in rest] + sorted(kw)
keyed = sorted(["bb", "a", "ccc"], key = lambda s: -len(s))
d = {"x": 1}
d.update(y = 2)
parts = "a,b,,c".split(",")
print(squares, pairs, outer(1, 2, 3, z = 1, y = 2), keyed)
print(d.get("y"), d.get("q", "none"), list(d.items()), "-".join(parts), parts.index("c"))
print("%s/%r/%d/%%" % ("s", "r", 7), "{} {name}!r{0}".format("x", name = "n"), repr([None, True, 1.5]))
print(A, twice(4), type(twice), type(d), type(default_python_distribution()), hash("abc"))
print(1 if [] else 2, not {}, "b" in "abc", 3 in (1, 2), -7 // 2, -7 % 2, 7 / 2, 1 << 4, ~5 & 0xff)
t = (1, [2])
t[1].append(3)
print(t, max(3, 9, 2), min([4, 1]), any([0, 1]), all([]), reversed([1, 2]), dir("")[:3])
print(getattr(d, "keys")(), hasattr(d, "nope"), str(range(3)), len("héllo"), "é".elems())
def f():
    return None
register_target("t", f)
"""
DIALECT_OUT = """\
[0, 4, 16] {"a": 1, "b": 2} [12, 13, "y", "z"] ["ccc", "bb", "a"]
2 none [("x", 1), ("y", 2)] a-b--c 3
s/"r"/7/% x n!rx [None, True, 1.5]
1 8 function dict PythonDistribution 96354
2 True True False -4 1 3.5 16 250
(1, [2, 3]) 9 1 True True [2, 1] ["capitalize", "codepoints", "count"]
["x", "y"] False range(0, 3) 5 ["é"]
"""


class DialectTest(ConfigTestCase):
    """What the dialect computes (Starlark's semantics, not Python's where
    they differ: repr quotes, dict.items() lists, frozen values)."""

    def test_dialect_values(self):
        with open(os.path.join(self.tmp, "lib.bzl"), "w") as f:
            f.write("A = 1\ndef double(x):\n    return 2 * x\n_private = 3\n")
        with open(os.path.join(self.tmp, "pyembed.bzl"), "w") as f:
            f.write(DIALECT)
        r = self.pack_in(self.tmp, "build", "-q", options=False, check=0)
        self.assertEqual(r.stderr, DIALECT_OUT)

    def test_private_symbols_cannot_be_loaded(self):
        with open(os.path.join(self.tmp, "lib.bzl"), "w") as f:
            f.write("_private = 3\n")
        with open(os.path.join(self.tmp, "pyembed.bzl"), "w") as f:
            f.write('load("lib.bzl", "_private")\n')
        r = self.pack_in(self.tmp, "build", options=False, check=1)
        self.assertIn("pyembed.bzl:1:1: load(): symbol '_private' is private", r.stderr)

    def test_loaded_values_are_frozen(self):
        with open(os.path.join(self.tmp, "lib.bzl"), "w") as f:
            f.write("L = [1]\n")
        with open(os.path.join(self.tmp, "pyembed.bzl"), "w") as f:
            f.write('load("lib.bzl", "L")\nL.append(2)\n')
        r = self.pack_in(self.tmp, "build", options=False, check=1)
        self.assertIn("pyembed.bzl:2:3: cannot append to frozen list", r.stderr)

    def test_load_cycle(self):
        with open(os.path.join(self.tmp, "a.bzl"), "w") as f:
            f.write('load("pyembed.bzl", "X")\nY = 1\n')
        with open(os.path.join(self.tmp, "pyembed.bzl"), "w") as f:
            f.write('load("a.bzl", "Y")\nX = 1\n')
        r = self.pack_in(self.tmp, "build", options=False, check=1)
        self.assertIn("a.bzl:1:1: load cycle: pyembed.bzl -> a.bzl -> pyembed.bzl", r.stderr)
        self.assertEqual(len(LOCATION.findall(r.stderr)), 1, r.stderr)

    def test_runaway_loop_ends(self):
        with open(os.path.join(self.tmp, "pyembed.bzl"), "w") as f:
            f.write("def f():\n    n = 0\n    for i in range(10000000000):\n        n += 1\n"
                    "    return n\nx = f()\n")
        r = self.pack_in(self.tmp, "build", options=False, check=1)
        self.assertIn("pyembed.bzl:3:14: too many loop iterations", r.stderr)


class ExamplesTest(ConfigTestCase):
    """examples/ci builds from its config and passes its smoke tests; its
    workflow runs them and caches ~/.cache/pyembed."""

    def test_ci_example(self):
        d = os.path.join(self.tmp, "ci")
        shutil.copytree(os.path.join(harness.SOURCE_ROOT, "examples", "ci"), d,
                        ignore=shutil.ignore_patterns("build"))
        self.build(d, "--release")
        exe = os.path.join(out_dir(d, "install"), "myapp")
        r = run([exe, "--version"], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "myapp 1.0.0\n", r)
        r = run([exe, "--self-test"], cwd=self.tmp, env={})
        self.assertEqual(r.stdout, "frozen: ok\njson: ok\nstdlib: ok\n", r)
        with open(os.path.join(d, "github-workflow.yml")) as f:
            workflow = f.read()
        for needed in ("pyembed-pack build --release", "path: ~/.cache/pyembed",
                       "./build/*/release/install/myapp --version",
                       "./build/*/release/install/myapp --self-test"):
            self.assertIn(needed, workflow)
        try:
            import yaml
        except ImportError:
            return
        steps = yaml.safe_load(workflow)["jobs"]["build"]["steps"]
        self.assertIn("actions/cache@v4", [s.get("uses") for s in steps])


class SpecTest(ConfigTestCase):
    """A config and the flags it corresponds to give the same build spec."""

    CONFIG = '''
def make():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    policy.stdlib = "all"
    policy.exclude_module("xml.*")
    policy.exclude_test_packages()
    policy.include_module("json")
    policy.set_package_location("fixturepkg", "filesystem-relative:vendor")
    policy.resources_location_fallback = "filesystem-relative:ext"
    policy.include_distribution_sources = True
    policy.extension_module_filter = "no-copyleft"
    policy.allow_in_memory_shared_library_loading = False
    policy.include_distribution_resources = False
    policy.bytecode_optimize_level_one = True
    policy.bytecode_optimize_level_two = True
    config = dist.make_python_interpreter_config()
    config.run_module = "cbapp"
    config.optimization_level = 2
    config.allocator_backend = "malloc"
    config.sys_frozen = False
    config.fast_exit = True
    exe = dist.to_python_executable("cbapp", packaging_policy = policy, config = config)
    exe.compress = True
    exe.strip = True
    exe.add_python_resources(exe.read_package_root("app", ["cbapp", "mylib"]))
    exe.add_python_resources(exe.read_package_root("app"))
    exe.add_python_resources(exe.pip_install(["--no-deps", "x.whl"], extra_envs = {"A": "1"}))
    exe.add_python_resources(exe.read_site_packages("app", ["some-dist"]))
    return exe
register_target("exe", make)
'''

    def test_config_and_flags_same_spec(self):
        d = self.fixture("callback")
        with open(os.path.join(d, "pyembed.bzl"), "w") as f:
            f.write(self.CONFIG)
        r = self.pack_in(d, "build", "--print-spec", check=0)
        config = json.loads(r.stdout)
        out = config["output"]
        app = os.path.join(d, "app")
        r = self.pack_in(d, "build", "-o", out, "--print-spec", "--stdlib", "all",
                         "--exclude", "xml.*", "--exclude-test-packages", "--include", "json",
                         "--filesystem-package", "fixturepkg=vendor",
                         "--resources-fallback", "filesystem-relative:ext", "--sources",
                         "--extension-module-filter", "no-copyleft",
                         "--no-in-memory-extensions", "--no-stdlib-data",
                         "--bytecode-level", "1", "--bytecode-level", "2",
                         "--run-module", "cbapp", "--optimize", "2", "--allocator", "malloc",
                         "--no-sys-frozen", "--fast-exit", "--compress", "--strip",
                         "--package-root", app + "=cbapp,mylib", "--module-path", app,
                         "--pip-install", "--no-deps x.whl", "--pip-env", "A=1",
                         "--site-packages", app, "--package", "some-dist", check=0)
        flags = json.loads(r.stdout)
        self.assertEqual(config["spec"], flags)
        self.assertFalse(flags["decide"])

    CONFIG2 = '''
def make():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    policy.stdlib = "none"
    policy.trace = "load-time"
    policy.resources_location = "filesystem-relative:files"
    policy.include_non_distribution_sources = False
    config = dist.make_python_interpreter_config()
    config.run_command = "print(1)"
    config.allocator_backend = "debug"
    exe = dist.to_python_executable("tool", packaging_policy = policy, config = config)
    exe.driver = "drv"
    exe.add_python_resources(exe.pip_install(["-r", "req.txt"]))
    exe.add_python_resources(exe.pip_install(["y.whl"]))
    return exe
register_target("tool", make)
'''

    def test_more_flags_same_spec(self):
        d = self.fixture("callback")
        with open(os.path.join(d, "pyembed.bzl"), "w") as f:
            f.write(self.CONFIG2)
        r = self.pack_in(d, "build", "--print-spec", check=0)
        config = json.loads(r.stdout)
        r = self.pack_in(d, "build", "-o", config["output"], "--print-spec", "--stdlib", "none",
                         "--trace", "load-time", "--resources-location",
                         "filesystem-relative:files", "--no-sources", "--run-code", "print(1)",
                         "--allocator", "debug", "--driver", os.path.join(d, "drv"),
                         "--requirements", "req.txt", "--pip-install", "y.whl", check=0)
        self.assertEqual(config["spec"], json.loads(r.stdout))

    CONFIG3 = '''
def make():
    dist = default_python_distribution()
    config = dist.make_python_interpreter_config()
    config.run_module = "cbapp"
    config.allocator_backend = "mimalloc"
    config.allocator_pymalloc_arena = True
    config.allocator_debug = True
    config.allocator_tracking = True
    exe = dist.to_python_executable("cbapp", config = config)
    exe.add_python_resources(exe.read_package_root("app"))
    return exe
register_target("exe", make)
'''

    def test_allocator_fields_same_spec(self):
        """PyOxidizer's custom backend (raw domain, plus the arenas when
        asked), debug hooks and tracking are the allocator flags."""
        d = self.fixture("callback")
        with open(os.path.join(d, "pyembed.bzl"), "w") as f:
            f.write(self.CONFIG3)
        r = self.pack_in(d, "build", "--print-spec", check=0)
        config = json.loads(r.stdout)
        r = self.pack_in(d, "build", "-o", config["output"], "--print-spec", "--run-module",
                         "cbapp", "--module-path", os.path.join(d, "app"), "--allocator",
                         "mimalloc", "--allocator-domains", "raw,arena", "--allocator-debug",
                         "--allocator-tracking", check=0)
        self.assertEqual(config["spec"], json.loads(r.stdout))
        self.assertEqual(config["spec"]["allocator_domains"], ["raw", "arena"])

    CONFIG4 = '''
def make():
    dist = default_python_distribution()
    config = dist.make_python_interpreter_config()
    config.run_module = "cbapp"
    exe = dist.to_python_executable("cbapp", config = config)
    exe.add_python_resources(exe.read_package_root("app"))
    exe.freeze = ["cbapp", "json.decoder", "cbapp"]
    return exe
register_target("exe", make)
'''

    def test_freeze_field_same_spec(self):
        """exe.freeze is --freeze (repeats are one); with exe.driver, or not
        a list of module names, it is the config's error."""
        d = self.fixture("callback")
        with open(os.path.join(d, "pyembed.bzl"), "w") as f:
            f.write(self.CONFIG4)
        r = self.pack_in(d, "build", "--print-spec", check=0)
        config = json.loads(r.stdout)
        r = self.pack_in(d, "build", "-o", config["output"], "--print-spec", "--run-module",
                         "cbapp", "--module-path", os.path.join(d, "app"), "--freeze", "cbapp",
                         "json.decoder", check=0)
        self.assertEqual(config["spec"], json.loads(r.stdout))
        self.assertEqual(config["spec"]["freeze"], ["cbapp", "json.decoder"])
        for line, why in (('exe.freeze = "cbapp"', "freeze must be a list of strings"),
                          ('exe.freeze = ["a;b"]', "freeze: 'a;b' is not a dotted module name"),
                          ('exe.driver = "drv"', "freeze links a driver of its own")):
            with open(os.path.join(d, "pyembed.bzl"), "w") as f:
                f.write(self.CONFIG4.replace("    return exe", f"    {line}\n    return exe"))
            r = self.pack_in(d, "build", "--print-spec", check=1)
            self.assertIn(why, r.stderr)
            self.assertNotIn("Traceback", r.stderr)

    def test_callbacks_make_a_decide_function(self):
        d = self.fixture("callback")
        r = self.pack_in(d, "build", "--print-spec", "exe", check=0)
        self.assertTrue(json.loads(r.stdout)["spec"]["decide"])


# (name, config text, message, line, column): each a distinct mistake.
HEAD = ('def make_exe():\n    dist = default_python_distribution()\n'
        '    policy = dist.make_python_packaging_policy()\n'
        '    python_config = dist.make_python_interpreter_config()\n')
TAIL = ('    return dist.to_python_executable(name="x", packaging_policy=policy, '
        'config=python_config)\n\nregister_target("exe", make_exe)\nresolve_targets()\n')
T = 'register_target("t", make)\n'
BAD = [
    ("syntax", "def make_exe(:\n    pass\n", "invalid syntax", 1, 14),
    ("unclosed paren", HEAD + "    x = (1,\n" + TAIL, "'(' was never closed", 5, 9),
    ("unknown function", "def make():\n    dist = defualt_python_distribution()\n" + T,
     "undefined: defualt_python_distribution (did you mean default_python_distribution?)",
     2, 12),
    ("unknown global", "x = y\n", "undefined: y", 1, 5),
    ("unknown attribute", HEAD + "    policy.resouces_location = 'in-memory'\n" + TAIL,
     "PythonPackagingPolicy has no attribute 'resouces_location' (did you mean "
     "resources_location?)", 5, 12),
    ("unknown method", HEAD + "    exe = dist.to_python_executable(name='x')\n"
     "    exe.pip_instal(['a'])\n" + TAIL,
     "PythonExecutable has no attribute 'pip_instal' (did you mean pip_install?)", 6, 9),
    ("string method", "x = 'abc'.uper()\n", "string has no .uper field or method (did you "
     "mean upper?)", 1, 11),
    ("wrong type", HEAD + "    python_config.run_module = 3\n" + TAIL,
     "run_module must be a string, not int", 5, 19),
    ("wrong type bool", HEAD + "    policy.include_classified_resources = 'yes'\n" + TAIL,
     "include_classified_resources must be a bool, not string", 5, 12),
    ("bad value", HEAD + "    policy.extension_module_filter = 'minimum'\n" + TAIL,
     "'minimum' is not one of 'all', 'minimal', 'no-libraries', 'no-copyleft' "
     "(did you mean minimal?)", 5, 12),
    ("bad location", HEAD + "    policy.resources_location = 'on-disk'\n" + TAIL,
     "resources_location: expected 'in-memory' or 'filesystem-relative:PREFIX', not "
     "'on-disk'", 5, 12),
    ("escaping prefix", HEAD + "    policy.resources_location = "
     "'filesystem-relative:../up'\n" + TAIL, "bad filesystem-relative prefix '../up'", 5, 12),
    ("import", "import os\n", "import is not allowed in Starlark", 1, 1),
    ("class", "class A:\n    pass\n", "class definitions are not allowed in Starlark", 1, 1),
    ("while", "def f():\n    while True:\n        pass\n", "while loops are not allowed", 2, 5),
    ("try", "def f():\n    try:\n        pass\n    except Exception:\n        pass\n",
     "try statements are not allowed", 2, 5),
    ("global", "x = 1\ndef f():\n    global x\n", "global statements are not allowed", 3, 5),
    ("nonlocal", "def f():\n    x = 1\n    def g():\n        nonlocal x\n",
     "nonlocal statements are not allowed", 4, 9),
    ("yield", "def f():\n    yield 1\n", "yield is not allowed", 2, 5),
    ("generator expression", "x = list(i for i in range(3))\n",
     "generator expressions are not allowed", 1, 9),
    ("f-string", "x = f'{1}'\n", "f-strings are not allowed", 1, 5),
    ("chained comparison", "x = 1 < 2 < 3\n", "chained comparisons are not allowed", 1, 5),
    ("is", "x = 1 is None\n", "'is' is not an operator in Starlark", 1, 5),
    ("power", "x = 2 ** 3\n", "** is not an operator in Starlark", 1, 5),
    ("set", "x = {1, 2}\n", "sets are not supported", 1, 5),
    ("del", "x = 1\ndel x\n", "del is not allowed", 2, 1),
    ("return outside function", "return 1\n", "return statement not within a function", 1, 1),
    ("break outside loop", "def f():\n    break\n", "break not in a for loop", 2, 5),
    ("recursion", "def f(n):\n    return f(n)\ndef make():\n    return f(1)\n" + T,
     "function f called recursively", 2, 12),
    ("mutation after freeze (list)", "L = []\ndef make():\n    L.append(1)\n" + T,
     "cannot append to frozen list", 3, 7),
    ("mutation after freeze (dict)", "D = {}\ndef make():\n    D['a'] = 1\n" + T,
     "cannot insert into frozen dict", 3, 5),
    ("mutation while iterating", "a = [1]\nfor i in a:\n    a.append(2)\n",
     "cannot append to list during iteration", 3, 7),
    ("missing file in load", "load('nothere.bzl', 'x')\n", "load: cannot load nothere.bzl: "
     "no such file", 1, 1),
    ("missing symbol in load", "load('lib.bzl', 'B')\n", "load: lib.bzl has no symbol 'B'",
     1, 1),
    ("unknown target", "def make():\n    return None\nregister_target('linux', make)\n"
     "resolve_targets()\n", "unknown target 'lnux' (did you mean linux?); targets: linux",
     4, 1),
    ("dependency cycle", "def a(x):\n    return x\nregister_target('a', a, depends=['b'])\n"
     "register_target('b', a, depends=['a'])\n", "dependency cycle: a -> b -> a", 3, 1),
    ("unknown dependency", "def a(x):\n    return x\nregister_target('a', a, "
     "depends=['exee'])\nregister_target('exe', a)\n",
     "target 'a' depends on unknown target 'exee' (did you mean exe?)", 3, 1),
    ("duplicate target", "def a():\n    return None\nregister_target('a', a)\n"
     "register_target('a', a)\n", "target 'a' is already registered", 4, 1),
    ("target arity", "def a():\n    return None\nregister_target('a', a)\n"
     "register_target('b', a, depends=['a'], default=True)\n",
     "target 'b': a() takes 0 positional arguments but 1 were given", 4, 1),
    ("unsupported field", HEAD + "    python_config.run_filename = 'app.py'\n" + TAIL,
     "run_filename: not supported by pyembed yet", 5, 19),
    ("unsupported PyOxidizer field", HEAD + "    python_config.utf8_mode = True\n" + TAIL,
     "PythonInterpreterConfig.utf8_mode: not supported by pyembed yet", 5, 19),
    ("allocator not in this build", HEAD + "    python_config.allocator_backend = "
     "'snmalloc'\n" + TAIL, 'allocator_backend = "snmalloc": not supported by pyembed yet',
     5, 19),
    ("oxidized importer off", HEAD + "    python_config.oxidized_importer = False\n" + TAIL,
     "oxidized_importer = False: not supported by pyembed yet", 5, 19),
    ("url without sha256", "def make():\n    return PythonDistribution("
     "url='https://example.com/x.tar.zst')\n" + T, "a URL needs sha256", 2, 12),
    ("unexpected keyword", HEAD + "    exe = dist.to_python_executable(nme='x')\n" + TAIL,
     "got an unexpected keyword argument 'nme' (did you mean name?)", 5, 16),
    ("too many arguments", "x = len(1, 2)\n", "len(): too many positional arguments", 1, 5),
    ("fail()", "fail('custom failure', 42)\n", "fail: custom failure 42", 1, 1),
    ("unbound local", "def f():\n    y = x\n    x = 1\n    return y\nz = f()\n",
     "local variable x referenced before assignment", 2, 9),
    ("index out of range", "x = [1][3]\n", "index 3 out of range [0:1]", 1, 5),
    ("division by zero", "x = 1 // 0\n", "integer division by zero", 1, 7),
    ("string not iterable", "def f():\n    for c in 'abc':\n        pass\nf()\n",
     "string value is not iterable (use .elems())", 2, 14),
    ("unhashable key", "x = {[1]: 2}\n", "unhashable type: list", 1, 6),
    ("bad operands", "x = 1 + 'a'\n", "unsupported binary operation: int + string", 1, 7),
    ("not callable", "x = 1\ny = x()\n", "'int' value is not callable", 2, 5),
    ("iterate pip result", HEAD + "    exe = dist.to_python_executable(name='x')\n"
     "    for r in exe.pip_install(['a']):\n        pass\n" + TAIL,
     "the resources of pip_install() are collected when the executable is built", 6, 14),
    ("sources combination", HEAD + "    policy.include_distribution_sources = True\n"
     "    policy.include_non_distribution_sources = False\n" + TAIL,
     "include_distribution_sources = True with include_non_distribution_sources = False",
     6, 12),
    ("optimization without bytecode", HEAD + "    python_config.optimization_level = 1\n"
     "    policy.bytecode_optimize_level_zero = True\n" + TAIL,
     "optimization_level is 1 but the packaging policy packs no level-1 bytecode", 5, 19),
    ("two entry points", HEAD + "    python_config.run_module = 'a'\n"
     "    python_config.run_command = 'pass'\n" + TAIL,
     "run_module and run_command are both set", 6, 19),
    ("method arguments", "x = [].index()\n", "list.index(): missing a required argument: 'x'",
     1, 8),
    ("runaway integer", "x = 2\nfor i in range(20):\n    x = x * x\n",
     "integer product too large", 3, 11),
    ("not UTF-8", b"x = '\xff'\n", "not UTF-8 text", 1, 1),
]


class BadConfigTest(ConfigTestCase):
    """Every mistake: one FILE:LINE:COL message (with the line and a caret),
    exit status 1, no traceback, nothing built."""

    def test_bad_configs(self):
        self.assertGreaterEqual(len({name for name, *_ in BAD}), 30)
        with open(os.path.join(self.tmp, "lib.bzl"), "w") as f:
            f.write("A = 1\n")
        for name, text, message, line, col in BAD:
            with self.subTest(name):
                path = os.path.join(self.tmp, "bad.bzl")
                with open(path, "wb") as f:
                    f.write(text if isinstance(text, bytes) else text.encode())
                args = ["build", "-q", "--config", "bad.bzl"] + \
                    (["lnux"] if name == "unknown target" else [])
                r = self.pack_in(self.tmp, *args)
                self.assertExited(r, 1)
                self.assertNotIn("Traceback", r.stderr)
                self.assertEqual(len(LOCATION.findall(r.stderr)), 1, r.stderr)
                self.assertTrue(r.stderr.startswith("bad.bzl:%d:%d: " % (line, col)), r.stderr)
                first = r.stderr.splitlines()[0]
                self.assertIn(message, first)
                lines = r.stderr.splitlines()
                if name != "not UTF-8":
                    src = (text if isinstance(text, str) else "").splitlines()[line - 1]
                    self.assertEqual(lines[1], "    " + src.expandtabs(1).rstrip())
                    self.assertEqual(lines[2], "    " + " " * (col - 1) + "^")
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "build")))


if __name__ == "__main__":
    harness.main()
