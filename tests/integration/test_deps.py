"""Automatic dependencies: --site-packages / --venv are traced into and
each distribution the app reaches is packed whole with its metadata;
imports by constant name are followed, installed optional imports
included, missing ones warned about; the build summary says what it added
and why (-v: every module with its importer); --package takes
distribution or import names and single-file egg-info; the knowledge file
(and a user's) and __file__ detection decide what goes filesystem-relative;
`build app.py`, an output directory that does not exist yet and
`--module-path .` after an earlier build. Fixtures: fixtures/deps/."""
import os
import shutil

import harness
from harness import FIXTURES, PACK, PackTestCase, run

DEPS = os.path.join(FIXTURES, "deps")
SITE = os.path.join(DEPS, "site")
APP = os.path.join(DEPS, "app")
ARGS = ["unused", "pil_like", "hidden_mod", "alpha.tests.test_alpha", "alpha.plugins.py2only"]
HEAD = """\
plugin one [1]
optional optional but installed
by name [True, True]
whole unit two csv
versions 1.0 2.0 0.5
"""


def packed_names(exe):
    """Resource names of a packed executable (pyembed-pack inspect)."""
    r = run([PACK, "inspect", exe])
    return [l.split()[0] for l in r.stdout.splitlines() if l and not l.startswith("#")]


class DepsTestCase(PackTestCase):

    def build(self, *options, name="depsapp", quiet=False, out=None):
        """(exe, pyembed-pack's stderr) of a build of depsapp."""
        exe = os.path.join(out or os.path.join(self.tmp, "out"), name)
        argv = self.pack_cmd("build", exe, "--module-path", APP, "--run-module", "depsapp",
                             *options)
        if not quiet:
            argv.remove("-q")
        r = run(argv, env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
        self.assertEqual(r.returncode, 0, r)
        return exe, r.stderr


class SitePackagesTest(DepsTestCase):

    def test_reached_distributions_are_packed(self):
        exe, log = self.build("--site-packages", SITE)
        r = run([exe] + ARGS, cwd=self.tmp)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, HEAD + "".join("%s ModuleNotFoundError\n" % n for n in ARGS[:4])
                         + "alpha.plugins.py2only SyntaxError\ndata data beside __file__\n")
        names = packed_names(exe)
        for n in ("alpha", "alpha.plugins.two", "beta", "gamma_optional", "html.parser",
                  "xml.etree.ElementTree", "colorsys", "@dist/alpha-1.0.dist-info",
                  "@dist/beta-2.0.egg-info", "@dist/datapkg-0.5-py3.11.egg-info"):
            self.assertIn(n, names)
        for n in ("unused", "alpha.tests", "pil_like", "@dist/unused-1.0.dist-info"):
            self.assertNotIn(n, names)
        self.assertIn("pyembed-pack: added 3 installed distribution(s): alpha 1.0 (reached from "
                      "depsapp), datapkg 0.5 (reached from depsapp), beta 2.0 (reached from "
                      "alpha)\n", log)
        self.assertIn("pyembed-pack: datapkg goes filesystem-relative (lib/datapkg): it reads "
                      "__file__ and ships data files (in datapkg)\n", log)
        self.assertIn("not_installed_xyz (by alpha)", log)
        self.assertIn("pyembed-pack: warning: alpha.plugins.py2only does not compile, packed as "
                      "source", log)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "out", "lib", "datapkg", "data",
                                                    "x.txt")))

    def test_like_python(self):
        exe, _ = self.build("--site-packages", SITE, quiet=True)
        packed = run([exe, "hidden_mod"], cwd=self.tmp)
        code = "import sys, runpy; sys.path[:0] = [%r, %r]; runpy._run_module_as_main('depsapp')"
        ref = run([harness.PYTHON, "-I", "-S", "-B", "-c", code % (APP, SITE), "hidden_mod"],
                  cwd=self.tmp)
        self.assertEqual(ref.stdout.replace("hidden_mod hidden", "hidden_mod ModuleNotFoundError"),
                         packed.stdout)

    def test_verbose_lists_each_module_with_its_importer(self):
        _, log = self.build("--site-packages", SITE, "-v")
        for line in ("  beta  <- alpha", "  html.parser  <- beta", "  colorsys  <- beta",
                     "  xml.etree.ElementTree  <- beta", "  alpha  <- depsapp",
                     "  alpha.plugins.two  <- depsapp", "  alpha.plugins.py2only  <- (with alpha)"):
            self.assertIn(line + "\n", log)

    def test_venv(self):
        venv = os.path.join(self.tmp, "venv")
        version = ".".join(getattr(harness, "DIST_VERSION", "3.11").split(".")[:2])
        site = os.path.join(venv, "lib", "python" + version, "site-packages")
        shutil.copytree(SITE, site)
        with open(os.path.join(venv, "pyvenv.cfg"), "w") as f:
            f.write("home = /usr/bin\ninclude-system-site-packages = false\n")
        exe, _ = self.build("--venv", venv, quiet=True)
        r = run([exe], cwd=self.tmp)
        self.assertEqual(r.stdout, HEAD + "data data beside __file__\n", r)

    def test_package_by_import_name_and_by_distribution_name(self):
        for name in ("pil_like", "Pillowish"):
            exe, _ = self.build("--site-packages", SITE, "--package", name, quiet=True,
                                out=os.path.join(self.tmp, name))
            self.assertIn("@dist/Pillowish-9.1.dist-info", packed_names(exe))
            r = run([exe, "pil_like"], cwd=self.tmp)
            self.assertIn("pil_like pil_like\n", r.stdout)

    def test_package_single_file_egg_info(self):
        exe, _ = self.build("--site-packages", SITE, "--package", "datapkg", quiet=True)
        self.assertIn("@dist/datapkg-0.5-py3.11.egg-info", packed_names(exe))

    def test_unknown_package_is_an_error(self):
        exe = os.path.join(self.tmp, "never")
        r = self.pack(exe, "--module-path", APP, "--run-module", "depsapp", "--site-packages",
                      SITE, "--package", "no-such-dist", check=False)
        self.assertExited(r, 1)
        self.assertIn("--package no-such-dist: not found in --site-packages", r.stderr)


class KnowledgeTest(DepsTestCase):

    def test_users_knowledge_file(self):
        exe, log = self.build("--site-packages", SITE, "--knowledge",
                              os.path.join(APP, "knowledge.toml"))
        self.assertNotIn("datapkg goes filesystem-relative", log)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "out", "lib")))
        r = run([exe, "hidden_mod"], cwd=self.tmp)
        self.assertIn("hidden_mod hidden\n", r.stdout)
        self.assertExited(r, 1)  # datapkg reads through its virtual __file__
        self.assertIn("NotADirectoryError", r.stderr)

    def test_in_memory_package_overrides_detection(self):
        exe, log = self.build("--site-packages", SITE, "--in-memory-package", "datapkg")
        self.assertNotIn("goes filesystem-relative", log)
        self.assertExited(run([exe], cwd=self.tmp), 1)

    def test_bad_knowledge_file(self):
        bad = os.path.join(self.tmp, "bad.toml")
        with open(bad, "w") as f:
            f.write("[package.alpha]\nhidden_imports = 'not a list'\n")
        r = self.pack(os.path.join(self.tmp, "x"), "--module-path", APP, "--run-module", "depsapp",
                      "--knowledge", bad, check=False)
        self.assertExited(r, 1)
        self.assertIn("[package.alpha] hidden_imports: expected list", r.stderr)


class FirstContactTest(DepsTestCase):

    def test_include_takes_submodules_traced(self):
        exe, _ = self.build("--site-packages", SITE, "--include", "xml.dom", quiet=True)
        names = packed_names(exe)
        for n in ("xml.dom.pulldom", "xml.dom.minidom", "xml.sax", "xml.sax.handler"):
            self.assertIn(n, names)

    def test_build_script(self):
        src = shutil.copytree(os.path.join(FIXTURES, "runtime"), os.path.join(self.tmp, "src"))
        cwd = os.path.join(self.tmp, "cwd")
        os.makedirs(cwd)
        argv = [a for a in self.pack_cmd("build", "x") if a not in ("-o", "x")]
        r = run(argv + [os.path.join(src, "argvapp.py")], cwd=cwd, env=self.pack_env,
                timeout=harness.BUILD_TIMEOUT)
        self.assertExited(r, 0)
        self.assertEqual(os.listdir(cwd), ["argvapp"])
        r = run([os.path.join(cwd, "argvapp"), "-c", "x"], cwd=cwd)
        self.assertEqual(r.stdout, "[('config', 'x'), ('message', None), ('q', False), "
                         "('rest', [])] ['-c', 'x']\n")

    def test_output_directory_is_made(self):
        out = os.path.join(self.tmp, "new", "dir", "tinyapp")
        self.pack(out, "--module-path", harness.APP, "--run-module", "tinyapp")
        self.assertEqual(run([out], cwd=self.tmp).stdout, "tiny app ran\n")

    def test_module_path_dot_after_an_earlier_build(self):
        # the second build must not pack the first one's lib/ (or itself)
        work = shutil.copytree(APP, os.path.join(self.tmp, "work"))
        sizes = []
        for _ in range(2):
            r = run(self.pack_cmd("build", "depsapp", "--module-path", ".", "--run-module",
                                  "depsapp", "--site-packages", SITE),
                    cwd=work, env=self.pack_env, timeout=harness.BUILD_TIMEOUT)
            self.assertExited(r, 0)
            sizes.append(os.path.getsize(os.path.join(work, "depsapp")))
            names = packed_names(os.path.join(work, "depsapp"))
            self.assertFalse([n for n in names if n == "lib" or n.startswith("lib.")], names)
        self.assertEqual(sizes[0], sizes[1])
        self.assertEqual(run([os.path.join(work, "depsapp")], cwd=self.tmp).stdout,
                         HEAD + "data data beside __file__\n")


if __name__ == "__main__":
    harness.main()
