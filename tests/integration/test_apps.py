"""Real applications packed with the command a user would guess.

Each app is packed with nothing but `--site-packages
/usr/lib/python3/dist-packages --module-path SRC --run-module M` (no
--package, no --include): the tracer finds the installed distributions,
the knowledge file and the __file__ detection place what needs files. Every
run is compared with python3.11 running the same entry module with SRC
first on sys.path (fixtures/apps/README.md). Debian 12's packages:
python3-flask, httpie, python3-pytest, black, python3-rich,
python3-markdown, python3-pygments, python3-sqlalchemy, python3-babel,
mercurial, python3-pkg-resources (scripts/setup-deps.sh --test)."""
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unittest

import harness
from harness import BASE_ENV, FIXTURES, PYTHON, PackTestCase, host_python_only, run

APPS = os.path.join(FIXTURES, "apps")
PLAIN = os.path.join(APPS, "plain")
DIST_PACKAGES = "/usr/lib/python3/dist-packages"
ENV = dict(BASE_ENV, HOME="/nonexistent", HGRCPATH="", HGPLAIN="1", TZ="UTC",
           SQLALCHEMY_SILENCE_UBER_WARNING="1", COLUMNS="100", TERM="dumb")


def installed(*modules):
    """Skips unless python3.11 can import every module (Debian packages)."""
    r = subprocess.run([PYTHON, "-c", "import " + ", ".join(modules)], capture_output=True)
    return unittest.skipIf(r.returncode != 0, "not installed: " + " ".join(modules))


def reference(module, root, args=(), cwd=None, env=None):
    """python3.11 -I runs module as __main__ with root first on sys.path
    (the site path stays: that is where the packages are)."""
    code = ("import sys, runpy; sys.path.insert(0, %r); runpy._run_module_as_main(%r)"
            % (root, module))
    return run([PYTHON, "-I", "-B", "-c", code] + list(args), cwd=cwd, env=env or ENV)


class AppTestCase(PackTestCase):
    """Packs fixtures the way the module doc says; one cache per class."""

    def build(self, module, root=PLAIN, name=None):
        exe = os.path.join(self.tmp, "dist", name or module)
        r = self.pack(exe, "--site-packages", DIST_PACKAGES, "--module-path", root,
                      "--run-module", module)
        self.assertEqual(r.stderr.count("Traceback"), 0, r)
        return exe

    def both(self, module, args=(), root=PLAIN, cwd=None, exe=None):
        """(packed, reference) runs of module with args, from cwd."""
        exe = exe or self.build(module, root)
        cwd = cwd or self.tmp
        return (run([exe] + list(args), cwd=cwd, env=ENV),
                reference(module, root, args, cwd=cwd))

    def assertSameOutput(self, packed, ref, stderr=True):
        self.assertEqual(packed.returncode, ref.returncode, "packed %r\nreference %r" % (packed, ref))
        self.assertEqual(packed.stdout, ref.stdout)
        if stderr:
            self.assertEqual(packed.stderr, ref.stderr)


@host_python_only("Debian's python3-* packages are built for python3.11")
class WebAppsTest(AppTestCase):

    @installed("flask")
    def test_flask_app_served_on_localhost(self):
        packed, ref = self.both("serve", root=os.path.join(APPS, "flaskapp"))
        self.assertSameOutput(packed, ref, stderr=False)
        self.assertIn("<p>Hello packed world!", packed.stdout)
        self.assertIn("p { color: teal; }", packed.stdout)
        # the app's templates/static went beside the executable, detected
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "dist", "lib", "hello",
                                                    "templates", "index.html")))

    @installed("httpie")
    def test_httpie_against_a_local_server(self):
        root = os.path.join(self.tmp, "www")
        os.makedirs(root)
        with open(os.path.join(root, "hello.txt"), "w") as f:
            f.write("hello over http\n")
        handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=root)  # noqa
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.RequestHandlerClass.log_message = lambda *a: None
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            url = "http://127.0.0.1:%d/hello.txt" % server.server_port
            args = ["--ignore-stdin", "--pretty=none", "--print=hb", url]
            packed, ref = self.both("httpcli", args)
            head = lambda out: [l for l in out.stdout.splitlines()  # noqa: E731
                                if not l.startswith(("Date:", "Last-Modified:"))]
            self.assertEqual(packed.returncode, ref.returncode, (packed, ref))
            self.assertEqual(head(packed), head(ref))
            self.assertIn("hello over http", packed.stdout)
            version = self.both("httpcli", ["--version"], exe=os.path.join(self.tmp, "dist",
                                                                          "httpcli"))
            self.assertSameOutput(*version)
        finally:
            server.shutdown()
            thread.join()


@host_python_only("Debian's python3-* packages are built for python3.11")
class ToolAppsTest(AppTestCase):

    @installed("pytest")
    def test_pytest_default_import_mode(self):
        # prepend import mode puts the test's directory first on sys.path
        # and imports the test file (and its helper) from disk
        proj = shutil.copytree(os.path.join(APPS, "pytestproj"), os.path.join(self.tmp, "proj"))
        args = ["-q", "-p", "no:cacheprovider", "test_sample.py"]
        packed, ref = self.both("pytestrun", args, cwd=proj)
        timing = re.compile(r" in \d+\.\d+s")  # the run's duration
        packed.stdout, ref.stdout = timing.sub(" in Ns", packed.stdout), timing.sub(
            " in Ns", ref.stdout)
        self.assertSameOutput(packed, ref)
        self.assertIn("1 failed, 1 passed", packed.stdout)
        self.assertIn("assert 2 == 3", packed.stdout)

    @installed("black")
    def test_black_with_its_own_dash_c(self):
        exe = self.build("blackrun")
        for args in (["-c", "x  =  [1,2]\nprint( 'a' )"], ["-q", "-c", "def f( a ):\n  return a"],
                     ["--line-length", "20", "-c", "value = function(argument_one, two)"]):
            self.assertSameOutput(*self.both("blackrun", args, exe=exe))
        packed = run([exe, "--version"], cwd=self.tmp, env=ENV)
        self.assertTrue(packed.stdout.startswith("blackrun, "), packed)  # the program's name

    @installed("rich")
    def test_rich_print_exception(self):
        packed, ref = self.both("richtb")
        self.assertEqual(packed.returncode, ref.returncode)
        # rich names a frame's file only when it exists; a packed module's
        # path is virtual (docs/compatibility.md): the rest is python's
        where = re.compile(r"│ (?:\S+:\d+ )?in (\S+) *│")
        self.assertEqual(where.sub(r"│ in \1 │", packed.stdout), where.sub(r"│ in \1 │", ref.stdout))
        self.assertEqual(len(where.findall(ref.stdout)), 2)
        self.assertIn("ratio = 10 / x", packed.stdout)
        self.assertIn("ZeroDivisionError: division by zero", packed.stdout)

    @installed("markdown", "pygments")
    def test_markdown_with_highlighting(self):
        packed, ref = self.both("mdapp")
        self.assertSameOutput(packed, ref)
        self.assertIn('<span class="k">def</span>', packed.stdout)

    @installed("sqlalchemy")
    def test_sqlalchemy_on_sqlite(self):
        packed, ref = self.both("sqlaapp")
        self.assertSameOutput(packed, ref)
        self.assertIn("sqlite pysqlite", packed.stdout)

    @installed("babel")
    def test_babel_date_formatting(self):
        packed, ref = self.both("babelapp")
        self.assertSameOutput(packed, ref)
        self.assertIn("Dienstag, 5. März 2024", packed.stdout)

    @installed("mercurial")
    def test_mercurial_init_commit_log(self):
        exe = self.build("hgrun")
        outs = []
        for tool in ([exe], [PYTHON, "-I", "-B", "-c", "import sys, runpy; sys.path.insert(0, %r);"
                             " runpy._run_module_as_main('hgrun')" % PLAIN]):
            repo = tempfile.mkdtemp(dir=self.tmp)
            steps = [["init"], ["add", "a.txt"], ["commit", "-m", "first", "-u", "tester",
                                                  "-d", "0 0"], ["log"], ["status", "-A"]]
            with open(os.path.join(repo, "a.txt"), "w") as f:
                f.write("a\n")
            outs.append([(r.returncode, r.stdout, r.stderr) for r in
                         (run(tool + step, cwd=repo, env=ENV) for step in steps)])
        self.assertEqual(outs[0], outs[1])
        self.assertIn("summary:     first", outs[0][3][1])

    @installed("pkg_resources", "pygments", "markdown")
    def test_pkg_resources(self):
        packed, ref = self.both("pkgresapp", root=os.path.join(APPS, "pkgresapp"))
        self.assertSameOutput(packed, ref)
        self.assertIn("dist Pygments", packed.stdout)


class CodecsTest(AppTestCase):
    """Runs against a distribution too: only the stdlib."""

    def test_every_codec_of_encodings_aliases_resolves(self):
        exe = os.path.join(self.tmp, "codecs")
        self.pack(exe, "--module-path", PLAIN, "--run-module", "codecsapp")
        packed = run([exe], cwd=self.tmp, env=ENV)
        ref = reference("codecsapp", PLAIN, cwd=self.tmp)
        self.assertSameOutput(packed, ref)
        self.assertIn("broken []", packed.stdout)
        self.assertIn("idna b'xn--bcher-kva.example'", packed.stdout)


if __name__ == "__main__":
    harness.main()
