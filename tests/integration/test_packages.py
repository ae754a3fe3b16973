"""Real packages packed: importlib.resources and importlib.metadata, the
__file__ policy and filesystem placement, pip sources, multiprocessing and
subprocess with sys.executable, and Debian 12's PyYAML, Jinja2, numpy, ssl
and sqlite3 (docs/compatibility.md says what works and why).

Every packed run starts from an empty directory with an empty environment
(`env -i`); only files the build itself put beside the executable exist.
Fixtures: fixtures/packages/ (apps/ the entry modules, fixture_pkg/ and
fixture_dep/ two setuptools projects, originext/ an extension with an
$ORIGIN rpath, nomemfd.py a seccomp wrapper)."""
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness
from harness import BASE_ENV, CACHE_TAG, EXT_SUFFIX, FIXTURES, HOST_PYTHON, PYTHON, PackTestCase, \
    host_python_only, run

PACKAGES = os.path.join(FIXTURES, "packages")
APPS = os.path.join(PACKAGES, "apps")
FIXTURE_PKG = os.path.join(PACKAGES, "fixture_pkg")
FIXTURE_DEP = os.path.join(PACKAGES, "fixture_dep")
ORIGINEXT = os.path.join(PACKAGES, "originext")
NOMEMFD = os.path.join(PACKAGES, "nomemfd.py")
DIST_PACKAGES = "/usr/lib/python3/dist-packages"  # Debian's python3-* packages

MP_TIMEOUT = 60  # a broken child command line makes pool workers respawn forever
X_TXT = "'hello from x.txt\\nsecond line é\\n'"
X_BYTES = "b'hello from x.txt\\nsecond line \\xc3\\xa9\\n'"

RESOURCES = """\
root fixturepkg True False
iterdir ['data', 'plugins', 'templates']
data data True False ['sub', 'x.txt']
x x.txt True False {x}
read_bytes {b}
open rb b'hello'
open r 'nested\\n'
joinpath str 'nested\\n'
missing False False
missing read_bytes FileNotFoundError
module object True
subpackage [] []
as_file True True True
as_file cleaned up True
reader True
get_data {b}
get_data sub b'nested\\n'
get_data missing FileNotFoundError
""".format(x=X_TXT, b=X_BYTES)

METADATA = """\
version 1.2.3 1.2.3 1.2.3
metadata fixture-pkg 1.2.3 pyembed integration test fixture >=3.8
requires ['fixture-dep (>=0.1)', "Jinja2 (>=3) ; extra == 'tmpl'"]
dist fixture-pkg 1.2.3 'pip\\n' None
plugins ['reverse', 'upper']
  reverse fixturepkg.plugins.text:reverse dekcaP fixture-pkg
  upper fixturepkg.plugins.text:upper PACKED fixture-pkg
console script fixturepkg.cli:main fixturepkg.cli main
files ['fixturepkg/__init__.py', 'fixturepkg/cli.py', 'fixturepkg/data/sub/nested.txt', \
'fixturepkg/data/x.txt', 'fixturepkg/plugins/__init__.py', 'fixturepkg/plugins/text.py', \
'fixturepkg/templates/hello.html']
file located True True
distributions ['fixture-dep', 'fixture-pkg']
packages_distributions ['fixture-pkg'] ['fixture-dep']
not found No package metadata was found for not-installed-xyz
fixture-cli a b | hello from fixture_dep
"""

FILE_IN_MEMORY = """\
file fixturepkg/__init__.py
dirname fixturepkg
submodule fixturepkg/plugins/text.py
exists False False
cached None
open NotADirectoryError
read_beside NotADirectoryError
resources {x}
loader PackedImporter
""".format(x=X_TXT)

FILE_ON_DISK = """\
file ../{p}/fixturepkg/__init__.py
dirname ../{p}/fixturepkg
submodule ../{p}/fixturepkg/plugins/text.py
exists True True
cached ../{p}/fixturepkg/__pycache__/__init__.{tag}.pyc
open True
read_beside {x}
resources {x}
loader SourceFileLoader
"""

FS_PACKAGE_FILES = sorted(f.replace("TAG", CACHE_TAG) for f in [
    "fixturepkg/__init__.py", "fixturepkg/__pycache__/__init__.TAG.pyc",
    "fixturepkg/__pycache__/cli.TAG.pyc", "fixturepkg/cli.py",
    "fixturepkg/data/sub/nested.txt", "fixturepkg/data/x.txt", "fixturepkg/plugins/__init__.py",
    "fixturepkg/plugins/__pycache__/__init__.TAG.pyc",
    "fixturepkg/plugins/__pycache__/text.TAG.pyc", "fixturepkg/plugins/text.py",
    "fixturepkg/templates/hello.html"])

MULTIPROCESSING = """\
{m} pool [0, 1, 4, 9, 16, 25]
{m} executor [0, 1, 4, 9, 16]
{m} process (True, '{name}', True)
{m} exitcode 0
"""

SUBPROCESS = """\
app ["p", "q"]
0 'True ["-c", "a", "b"]\\n' ''
0 "1 ['x']\\n" ''
3 '' ''
0 "__main__ subchild.py ['y']\\n" ''
0 'app nested ["--nested"]\\n' ''
"""

YAML = """\
yaml 6.0 True 6.0
load {'a': 1, 'b': ['x', 'y', 2.5], 'c': {'d': None, 'e': True}}
dump 'a: 1\\nb:\\n- x\\n- y\\n- 2.5\\nc:\\n  d: null\\n  e: true\\n'
loader yaml._yaml CParser
safe_load [1, [2, 3]]
"""

JINJA_HEAD = """\
jinja2 3.1.2 3.1.2 ['Babel>=2.7; extra == "i18n"'] 2.1.2
markupsafe markupsafe.{speedups} &lt;&amp;&gt;
resources <h1>Hello &lt;you&gt;!</h1>
<ul><li>A</li><li>B</li></ul>
"""
# markupsafe's C speedups are Debian's cp311 build: another CPython version
# takes the pure-Python fallback, as it would installed.
JINJA_HEAD = JINJA_HEAD.replace("{speedups}", "_speedups" if CACHE_TAG == "cpython-311"
                                else "_native")
JINJA_PACKAGE_LOADER = """\
PackageLoader <h1>Hello &lt;you&gt;!</h1>
<ul><li>A</li><li>B</li></ul>
"""

NUMPY = """\
numpy 1.24.2
solve [1.0, 2.0, 3.0]
det 40.0
inv@a [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
arith [27, 33, 39, 45] (4, 3) 5.5 int64
random [8, 77, 65, 43, 43]
"""

SQLITE = """\
memory (3, 8.0, 'abc')
file [(1, 'x'), (2, 'été')] True
json1 (2,)
"""

_shared = {}


def shared_cache():
    """One bytecode cache for every class here: the stdlib is compiled once."""
    if "cache" not in _shared:
        _shared["cache"] = tempfile.mkdtemp(prefix="pyembed-it-packages-cache-")
    return _shared["cache"]


def tearDownModule():
    if "cache" in _shared:
        shutil.rmtree(_shared.pop("cache"), ignore_errors=True)


def reference_run(module, roots, args=(), cwd=None):
    """python3.11 -I runs module as __main__ with roots first on sys.path
    (site-packages stay: that is where Debian's packages are)."""
    if harness.DISTRIBUTION:  # a distribution's python has no Debian site path
        roots = tuple(roots) + (DIST_PACKAGES,)
    code = ("import sys, runpy; sys.path[:0] = %r; runpy._run_module_as_main(%r)"
            % (list(roots), module))
    return run([PYTHON, "-I", "-B", "-c", code] + list(args), cwd=cwd, env={})


def tree(root):
    """Sorted '/'-paths of the files under root."""
    out = []
    for dirpath, _, files in os.walk(root):
        out += [os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/")
                for f in files]
    return sorted(out)


def snapshot(root):
    """{path: (size, mtime_ns)} of the files under root."""
    return {p: (os.stat(os.path.join(root, p)).st_size, os.stat(os.path.join(root, p)).st_mtime_ns)
            for p in tree(root)}


class PackagesTestCase(PackTestCase):
    """Builds into per-test output directories; runs like `env -i EXE`
    from an empty directory."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cache_home = shared_cache()
        cls.pack_env = dict(BASE_ENV, XDG_CACHE_HOME=cls.cache_home)

    @classmethod
    def build_exe(cls, out_dir, name, *options, check=True):
        """pyembed-pack build -o OUT_DIR/NAME OPTIONS; returns the path."""
        os.makedirs(out_dir, exist_ok=True)
        exe = os.path.join(out_dir, name)
        cls.pack(exe, *options, check=check)
        return exe

    def empty_dir(self):
        return tempfile.mkdtemp(prefix="cwd-", dir=self.tmp)

    def run_exe(self, exe, *args, cwd=None, timeout=harness.RUN_TIMEOUT, env=None):
        return run([exe] + list(args), cwd=cwd or self.empty_dir(), env=env or {},
                   stdin=subprocess.DEVNULL, timeout=timeout)

    def assertOutput(self, result, stdout):
        """Exit 0, exactly stdout, nothing on stderr."""
        self.assertExited(result, 0)
        self.assertEqual(result.stdout, stdout)
        self.assertEqual(result.stderr, "", result)


class ResourcesTest(PackagesTestCase):
    """importlib.resources and pkgutil.get_data over in-memory package data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # fixturepkg reads data through __file__: detection would put it on
        # the filesystem; these tests are about its in-memory resources.
        # --python-argv: the tests run `EXE -c CODE` in the packed app.
        cls.exe = cls.build_exe(cls.class_tmp, "resapp", "--module-path", APPS,
                                "--module-path", FIXTURE_PKG, "--run-module", "resapp",
                                "--in-memory-package", "fixturepkg", "--python-argv")

    def test_traversable_as_file_and_get_data(self):
        self.assertOutput(self.run_exe(self.exe), RESOURCES)

    def test_like_python_except_as_file(self):
        # python's as_file() hands out the file itself, which it keeps
        packed = self.run_exe(self.exe)
        ref = reference_run("resapp", [APPS, FIXTURE_PKG], cwd=self.empty_dir())
        self.assertExited(ref, 0)

        def strip(out):
            return [l for l in out.splitlines() if not l.startswith("as_file")]
        self.assertEqual(strip(packed.stdout), strip(ref.stdout))

    def test_module_sources_are_not_resources(self):
        # A documented difference: python lists a package's .py files
        # among its resources; a packed package has no files, only data.
        code = ("import importlib.resources as ir; r = ir.files('fixturepkg'); "
                "print((r / 'cli.py').is_file(), sorted(p.name for p in r.iterdir()))")
        self.assertOutput(self.run_exe(self.exe, "-c", code),
                          "False ['data', 'plugins', 'templates']\n")


class MetadataTest(PackagesTestCase):
    """importlib.metadata of distributions installed by pip at pack time:
    from a project directory, from wheels, from a requirements file, and
    from an installed site directory."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # pip builds in the project directory (build/, *.egg-info): copies
        cls.src = os.path.join(cls.class_tmp, "src")
        for project in (FIXTURE_PKG, FIXTURE_DEP):
            shutil.copytree(project, os.path.join(cls.src, os.path.basename(project)))
        cls.wheels = os.path.join(cls.class_tmp, "wheels")
        r = run([HOST_PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "--disable-pip-version-check", "-q", "-w", cls.wheels,
                 os.path.join(cls.src, "fixture_pkg"), os.path.join(cls.src, "fixture_dep")],
                env=cls.pack_env, timeout=harness.BUILD_TIMEOUT)
        if r.returncode != 0:
            raise AssertionError("pip wheel failed: %r" % r)
        cls.pkg_wheel = os.path.join(cls.wheels, "fixture_pkg-1.2.3-py3-none-any.whl")
        cls.dep_wheel = os.path.join(cls.wheels, "fixture_dep-0.1-py3-none-any.whl")
        cls.dir_exe = cls.build_exe(os.path.join(cls.class_tmp, "dir"), "metaapp",
                                    "--module-path", APPS, "--run-module", "metaapp",
                                    "--in-memory-package", "fixturepkg", "--python-argv",
                                    "--pip-install", "--find-links %s %s" % (
                                        cls.wheels, os.path.join(cls.src, "fixture_pkg")))

    def test_pip_install_project_directory(self):
        # dependency fixture-dep resolved from the local wheelhouse, offline
        self.assertOutput(self.run_exe(self.dir_exe), METADATA)

    def test_pip_install_wheels(self):
        exe = self.build_exe(self.tmp, "metaapp", "--module-path", APPS, "--run-module", "metaapp",
                             "--in-memory-package", "fixturepkg",
                             "--pip-install", "--no-deps " + self.pkg_wheel,
                             "--pip-install", self.dep_wheel)
        self.assertOutput(self.run_exe(exe), METADATA)

    def test_requirements_file(self):
        req = os.path.join(self.tmp, "requirements.txt")
        with open(req, "w") as f:
            f.write("--find-links %s\nfixture-pkg==1.2.3\n" % self.wheels)
        exe = self.build_exe(self.tmp, "metaapp", "--module-path", APPS, "--run-module", "metaapp",
                             "--in-memory-package", "fixturepkg", "--requirements", req)
        self.assertOutput(self.run_exe(exe), METADATA)

    def test_site_packages_package(self):
        site = os.path.join(self.tmp, "site")
        r = run([HOST_PYTHON, "-m", "pip", "install", "--target", site, "--no-index", "--no-deps",
                 "--disable-pip-version-check", "--root-user-action=ignore", "-q",
                 self.pkg_wheel, self.dep_wheel], env=self.pack_env,
                timeout=harness.BUILD_TIMEOUT)
        self.assertExited(r, 0)
        exe = self.build_exe(self.tmp, "metaapp", "--module-path", APPS, "--run-module", "metaapp",
                             "--site-packages", site, "--package", "fixture-pkg",
                             "--package", "fixture_dep", "--in-memory-package", "fixturepkg")
        expected = METADATA
        if int(CACHE_TAG.split("-")[1]) >= 312:
            # 3.12+'s files() drops the paths locate() cannot find: an
            # installed package's sources are not packed (only its bytecode)
            expected = METADATA.replace(
                "'fixturepkg/__init__.py', 'fixturepkg/cli.py', ", "").replace(
                "'fixturepkg/plugins/__init__.py', 'fixturepkg/plugins/text.py', ", "")
        self.assertOutput(self.run_exe(exe), expected)

    def test_pip_install_failure_is_reported(self):
        out = os.path.join(self.tmp, "never")
        r = self.pack(out, "--module-path", APPS, "--run-module", "metaapp",
                      "--pip-install", os.path.join(self.tmp, "no-such-project"), check=False)
        self.assertExited(r, 1)
        self.assertIn("pyembed-pack: pip install failed: ", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_files_read_text(self):
        code = ("import importlib.metadata as md; "
                "x = [f for f in md.files('fixture-pkg') if f.name == 'x.txt'][0]; "
                "print(repr(x.read_text()), x.read_binary()[:5])")
        self.assertOutput(self.run_exe(self.dir_exe, "-c", code), X_TXT + " b'hello'\n")


class FilePolicyTest(PackagesTestCase):
    """Virtual __file__ in memory; real files with --filesystem-package,
    --resources-location, and for $ORIGIN-linked extensions."""

    # fixturepkg reads data through __file__: detected, it would go to the
    # filesystem; here it stays in memory unless a test says otherwise.
    FILEAPP = ("--module-path", APPS, "--module-path", FIXTURE_PKG, "--run-module", "fileapp",
               "--in-memory-package", "fixturepkg")

    def test_in_memory_file_is_virtual(self):
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "fileapp", *self.FILEAPP)
        self.assertOutput(self.run_exe(exe), FILE_IN_MEMORY)
        self.assertEqual(os.listdir(out), ["fileapp"])

    def test_filesystem_package(self):
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "fileapp", *self.FILEAPP, "--filesystem-package", "fixturepkg")
        self.assertEqual(sorted(os.listdir(out)), ["fileapp", "lib"])
        self.assertEqual(tree(os.path.join(out, "lib")), FS_PACKAGE_FILES)
        before = snapshot(out)
        expected = FILE_ON_DISK.format(p="lib", x=X_TXT, tag=CACHE_TAG)
        self.assertOutput(self.run_exe(exe), expected)
        self.assertEqual(snapshot(out), before)  # the packed .pyc are used as they are
        # the executable and lib/ are the application: move them anywhere
        moved = os.path.join(self.tmp, "moved")
        os.makedirs(moved)
        shutil.copy2(exe, moved)
        shutil.copytree(os.path.join(out, "lib"), os.path.join(moved, "lib"))
        shutil.rmtree(out)
        self.assertOutput(self.run_exe(os.path.join(moved, "fileapp")), expected)

    def test_filesystem_package_prefix(self):
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "fileapp", *self.FILEAPP,
                             "--filesystem-package", "fixturepkg=vendor/py")
        self.assertEqual(tree(os.path.join(out, "vendor", "py")), FS_PACKAGE_FILES)
        self.assertOutput(self.run_exe(exe), FILE_ON_DISK.format(p="vendor/py", x=X_TXT, tag=CACHE_TAG))

    def test_filesystem_package_run_module(self):
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "subchild", "--module-path", APPS, "--run-module", "subchild",
                             "--filesystem-package", "subchild")
        self.assertEqual(tree(os.path.join(out, "lib")),
                         ["__pycache__/subchild.%s.pyc" % CACHE_TAG, "subchild.py"])
        # sys.argv[0] is the executable as invoked (here also "subchild")
        self.assertOutput(self.run_exe(exe, "a"), "__main__ subchild ['a']\n")

    def test_filesystem_package_importlib(self):
        exe = self.build_exe(os.path.join(self.tmp, "out"), "resapp", "--module-path", APPS,
                             "--module-path", FIXTURE_PKG, "--run-module", "resapp",
                             "--filesystem-package", "importlib",
                             "--in-memory-package", "fixturepkg")
        self.assertOutput(self.run_exe(exe), RESOURCES)

    def test_filesystem_package_encodings(self):
        # "enc-prefix/encodings/__init__.py" is 32 bytes: no NUL padding follows it
        exe = self.build_exe(os.path.join(self.tmp, "out"), "subchild", "--module-path", APPS,
                             "--run-module", "subchild",
                             "--filesystem-package", "encodings=enc-prefix")
        self.assertOutput(self.run_exe(exe), "__main__ subchild []\n")

    def test_resources_location_filesystem_relative(self):
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "fileapp", *self.FILEAPP,
                             "--resources-location", "filesystem-relative:applib")
        files = tree(os.path.join(out, "applib"))
        for f in ("fileapp.py", "encodings/__init__.py", "fixturepkg/data/x.txt"):
            self.assertIn(f, files)
        self.assertOutput(self.run_exe(exe), FILE_ON_DISK.format(p="applib", x=X_TXT, tag=CACHE_TAG))

    def test_in_memory_module_cached_is_none(self):
        exe = self.build_exe(self.tmp, "fileapp", *self.FILEAPP, "--python-argv")
        r = self.run_exe(exe, "-c", "import fixturepkg; print(repr(fixturepkg.__cached__))")
        self.assertOutput(r, "None\n")

    def make_origin_site(self):
        """site/originpkg/_answer*.so with RUNPATH $ORIGIN/../originpkg.libs,
        where libfixhelper.so is (an auditwheel-style layout)."""
        site = os.path.join(self.tmp, "site")
        libs = os.path.join(site, "originpkg.libs")
        pkg = os.path.join(site, "originpkg")
        os.makedirs(libs)
        os.makedirs(pkg)
        shutil.copy(os.path.join(ORIGINEXT, "originpkg", "__init__.py"), pkg)
        include = run([PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['include'],"
                       " sysconfig.get_config_var('EXT_SUFFIX'))"]).stdout.split()
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            self.skipTest("no C compiler")
        for argv in ([cc, "-shared", "-fPIC", "-o", os.path.join(libs, "libfixhelper.so"),
                      os.path.join(ORIGINEXT, "helper.c")],
                     [cc, "-shared", "-fPIC", "-I" + include[0],
                      "-o", os.path.join(pkg, "_answer" + include[1]),
                      os.path.join(ORIGINEXT, "originpkg", "_answer.c"), "-L" + libs,
                      "-lfixhelper", "-Wl,-rpath,$ORIGIN/../originpkg.libs"]):
            r = run(argv)
            self.assertExited(r, 0)
        return site, "_answer" + include[1]

    def test_third_party_extension_from_memory(self):
        # an extension module built for the target's ABI (here, now, with
        # its own headers) loads from memory: from the host's libpython, or
        # against a distribution's static interpreter (its symbols come from
        # the executable, linked --export-dynamic)
        site = os.path.join(self.tmp, "site")
        os.makedirs(site)
        include = run([PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['include'],"
                       " sysconfig.get_config_var('EXT_SUFFIX'))"]).stdout.split()
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            self.skipTest("no C compiler")
        r = run([cc, "-shared", "-fPIC", "-O2", "-I" + include[0], "-o",
                 os.path.join(site, "_fastsum" + include[1]),
                 os.path.join(PACKAGES, "cext", "_fastsum.c")])
        self.assertExited(r, 0)
        exe = self.build_exe(os.path.join(self.tmp, "out"), "cextapp", "--module-path", APPS,
                             "--module-path", site, "--run-module", "cextapp")
        self.assertOutput(self.run_exe(exe), "fastsum 45 3.0\nloader PackedImporter True\n"
                                             "memfd True\npython True\n")
        self.assertEqual(os.listdir(os.path.join(self.tmp, "out")), ["cextapp"])  # nothing on disk

    def test_origin_rpath_extension_goes_to_filesystem(self):
        site, so = self.make_origin_site()
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "originapp", "--module-path", APPS, "--module-path", site,
                             "--run-module", "originapp")
        self.assertEqual(tree(os.path.join(out, "lib")),
                         ["originpkg.libs/libfixhelper.so", "originpkg/" + so])
        expected = ("answer 42\npackage originpkg/__init__.py\n"
                    "extension lib/originpkg/%s ExtensionFileLoader\n" % so)
        self.assertOutput(self.run_exe(exe), expected)
        moved = os.path.join(self.tmp, "moved")
        shutil.copytree(out, moved)
        shutil.rmtree(out)
        shutil.rmtree(site)
        self.assertOutput(self.run_exe(os.path.join(moved, "originapp")), expected)

    def test_resources_fallback_prefix(self):
        site, so = self.make_origin_site()
        out = os.path.join(self.tmp, "out")
        exe = self.build_exe(out, "originapp", "--module-path", APPS, "--module-path", site,
                             "--run-module", "originapp",
                             "--resources-fallback", "filesystem-relative:native")
        self.assertEqual(sorted(os.listdir(out)), ["native", "originapp"])
        self.assertOutput(self.run_exe(exe), "answer 42\npackage originpkg/__init__.py\n"
                          "extension native/originpkg/%s ExtensionFileLoader\n" % so)


class ProcessTest(PackagesTestCase):
    """The executable as sys.executable: multiprocessing start methods and
    python-style command lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mp_exe = cls.build_exe(cls.class_tmp, "mpapp", "--module-path", APPS,
                                   "--run-module", "mpapp")

    def check_method(self, method, main_name):
        r = self.run_exe(self.mp_exe, method, timeout=MP_TIMEOUT)
        self.assertOutput(r, MULTIPROCESSING.format(m=method, name=main_name))

    def test_multiprocessing_spawn(self):
        self.check_method("spawn", "__mp_main__")

    def test_multiprocessing_forkserver(self):
        self.check_method("forkserver", "__mp_main__")

    def test_multiprocessing_fork(self):
        self.check_method("fork", "__main__")

    def test_subprocess_sys_executable(self):
        # the app opts in to python's command line for sys.executable
        exe = self.build_exe(self.tmp, "subapp", "--module-path", APPS, "--run-module", "subapp",
                             "--include", "subchild", "--python-argv")
        self.assertOutput(self.run_exe(exe, "p", "q", timeout=MP_TIMEOUT), SUBPROCESS)

    def test_app_argv_is_the_apps(self):
        # without --python-argv -c, -m and python's flags are the app's
        # arguments (mpapp takes a start method name and rejects them)
        for args in (["-O", "-X", "dev", "-c", "print(1)"], ["-m", "json.tool"], ["-c"]):
            r = self.run_exe(self.mp_exe, *args)
            self.assertExited(r, 1)
            self.assertIn("ValueError: cannot find context for %r" % args[0], r.stderr)

    def test_python_argv_applies_python_flags(self):
        # with --python-argv the command line is python's, flags applied;
        # arguments that are not python options still start the app
        exe = self.build_exe(self.tmp, "subapp", "--module-path", APPS, "--run-module", "subapp",
                             "--include", "subchild", "--python-argv")
        r = self.run_exe(exe, "-O", "-X", "dev", "-c", "import sys; print(__debug__, "
                         "sys.flags.dev_mode, sys.argv)", "z")
        self.assertOutput(r, "False True ['-c', 'z']\n")
        r = self.run_exe(exe, "-IScimport sys; print(sys.flags.isolated, sys.flags.no_site)")
        self.assertOutput(r, "1 1\n")
        r = self.run_exe(exe, "-m", "no_such_module_xyz")
        self.assertExited(r, 1)
        self.assertEqual(r.stderr, "%s: No module named no_such_module_xyz\n" % exe)
        r = self.run_exe(exe, "--nested")
        self.assertOutput(r, 'app nested ["--nested"]\n')
        version = run([PYTHON, "--version"])
        self.assertOutput(self.run_exe(exe, "--version"), version.stdout)
        self.assertExited(self.run_exe(exe, "-W"), 2)  # python's usage error

    @unittest.skipUnless(sys.platform == "linux" and platform.machine() == "x86_64",
                         "seccomp filter written for x86_64")
    @host_python_only("stdlib extension modules are shared libraries only there "
                      "(a distribution builds them in)")
    def test_extensions_load_without_memfd(self):
        # memfd_create fails: extension modules go through a private 0700
        # directory under $TMPDIR, unlinked after dlopen, removed at exit
        exe = self.build_exe(self.tmp, "sqliteapp", "--module-path", APPS,
                             "--run-module", "sqliteapp", "--python-argv")
        tmpdir = os.path.join(self.tmp, "tmpdir")
        os.makedirs(tmpdir)
        code = ("import os, _sqlite3; d = os.environ['TMPDIR']; [p] = os.listdir(d); "
                "print(oct(os.stat(os.path.join(d, p)).st_mode), os.listdir(os.path.join(d, p)), "
                "sorted(set(l.split()[-2].rsplit('/', 1)[1] for l in open('/proc/self/maps') "
                "if d + '/' in l)))")
        r = run([PYTHON, NOMEMFD, exe, "-c", code], cwd=self.empty_dir(),
                env={"TMPDIR": tmpdir}, stdin=subprocess.DEVNULL)
        if r.returncode == 77:
            self.skipTest(r.stderr.strip())
        self.assertOutput(r, "0o40700 [] ['ext-0.so']\n")
        self.assertEqual(os.listdir(tmpdir), [])
        r = run([PYTHON, NOMEMFD, exe], cwd=self.empty_dir(), env={"TMPDIR": tmpdir},
                stdin=subprocess.DEVNULL)
        self.assertOutput(r, SQLITE)
        self.assertEqual(os.listdir(tmpdir), [])


class NativePackagesTest(PackagesTestCase):
    """Debian 12's python3-yaml, -jinja2, -numpy and the stdlib's ssl and
    sqlite3, extension modules loaded from memory."""

    def site_exe(self, app, *packages, extra=()):
        options = ["--module-path", APPS, "--run-module", app, "--site-packages", DIST_PACKAGES]
        for p in packages:
            options += ["--package", p]
        return self.build_exe(os.path.join(self.tmp, "out"), app, *options, *extra)

    def assertLikePython(self, packed, module, roots=(APPS,)):
        ref = reference_run(module, roots, cwd=self.empty_dir())
        self.assertExited(ref, 0)
        self.assertEqual(packed.stdout, ref.stdout)

    @harness.needs_cp311("Debian's PyYAML C extension")
    def test_pyyaml_cloader(self):
        r = self.run_exe(self.site_exe("yamlapp", "PyYAML"))
        self.assertOutput(r, YAML)
        self.assertLikePython(r, "yamlapp")

    def test_jinja2_in_memory(self):
        # PackageLoader needs a real directory (or a zipimporter): in memory
        # it refuses, a loader over importlib.resources works
        exe = self.site_exe("jinjaapp", "Jinja2", "MarkupSafe",
                            extra=("--module-path", FIXTURE_PKG,
                                   "--in-memory-package", "fixturepkg"))
        self.assertOutput(self.run_exe(exe), JINJA_HEAD + "PackageLoader ValueError The "
                          "'fixturepkg' package was not installed in a way that PackageLoader "
                          "understands.\n")

    def test_jinja2_package_loader_with_filesystem_package(self):
        exe = self.site_exe("jinjaapp", "Jinja2", "MarkupSafe",
                            extra=("--module-path", FIXTURE_PKG,
                                   "--filesystem-package", "fixturepkg"))
        r = self.run_exe(exe)
        self.assertOutput(r, JINJA_HEAD + JINJA_PACKAGE_LOADER)
        self.assertLikePython(r, "jinjaapp", roots=(APPS, FIXTURE_PKG))

    @harness.needs_cp311("Debian's numpy")
    def test_numpy(self):
        r = self.run_exe(self.site_exe("numpyapp", "numpy"))
        self.assertOutput(r, NUMPY)
        self.assertLikePython(r, "numpyapp")

    def test_ssl_default_context_uses_system_store(self):
        r = self.run_exe(self.build_exe(self.tmp, "sslapp", "--module-path", APPS,
                                        "--run-module", "sslapp"))
        self.assertExited(r, 0)
        self.assertEqual(r.stdout.splitlines()[:3], [
            "verify True True", "ca True True",
            "paths /usr/lib/ssl/cert.pem /usr/lib/ssl/certs"])
        self.assertEqual(r.stderr, "")
        self.assertLikePython(r, "sslapp")  # the same number of CA certificates

    def test_sqlite3_memory_and_file(self):
        exe = self.build_exe(self.tmp, "sqliteapp", "--module-path", APPS,
                             "--run-module", "sqliteapp")
        cwd = self.empty_dir()
        self.assertOutput(self.run_exe(exe, cwd=cwd), SQLITE)
        self.assertEqual(os.listdir(cwd), ["app.db"])
        self.assertLikePython(self.run_exe(exe), "sqliteapp")

    def test_zoneinfo_and_sysconfig(self):
        # sysconfig imports _sysconfigdata__x86_64-linux-gnu by a computed name
        r = self.run_exe(self.build_exe(self.tmp, "zoneapp", "--module-path", APPS,
                                        "--run-module", "zoneapp"))
        self.assertOutput(r, "zoneinfo 2:00:00 CET\nsysconfig %s\n" % EXT_SUFFIX)


if __name__ == "__main__":
    harness.main()
