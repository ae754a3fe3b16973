"""CPython's own regression tests as a compatibility gate (tests/cpython/README.md).

    python3.11 tests/cpython/gate.py --pack BUILD/driver/pyembed-pack [--work DIR]
        [--modules test_json,test_re] [--jobs 2] [--json OUT.json]

Runs each test module of MODULES stock (python3.11 -I, in a private mount
namespace where the suite is where libpython3.11-testsuite installs it,
for its child processes too) and packed, in two layouts built here: everything in memory, and
the `test` package filesystem-relative (which separates the runtime's
fidelity from the suite's own use of files). Prints a bench-style table of
tests passed per module and the totals, and exits 1 unless, over the
modules that ran, packed passes >= 97 % of stock's passes with `test` on
disk, >= 50 % all in memory, and no test passes packed that fails stock.

The suite is Debian's libpython3.11-testsuite for the installed python3.11,
fetched with `apt-get download` and unpacked with `dpkg-deb -x` into WORK
(never installed system-wide); the interpreter's own test/support and
libregrtest (libpython3.11-stdlib) are merged into the same tree.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys
import time

PYTHON = "/usr/bin/python3.11"
HERE = os.path.dirname(os.path.abspath(__file__))
STDLIB = "/usr/lib/python3.11"
# The modules the compatibility gate runs (issue 14's list).
MODULES = """test_importlib test_import test_pkgutil test_runpy test_inspect test_traceback
test_linecache test_doctest test_unittest test_warnings test_json test_re test_zipfile
test_zipimport test_ssl test_email test_logging test_argparse test_pickle test_dataclasses
test_typing test_enum test_ctypes test_decimal test_datetime test_unicodedata test_locale
test_zoneinfo test_site test_sys test_os test_subprocess test_signal test_threading test_pydoc
test_compileall test_py_compile test_modulefinder test_sysconfig test_tempfile test_shutil
test_cmd_line test_cmd_line_script test_pkg test_concurrent_futures test_asyncio
test_multiprocessing_spawn""".split()
SLOW = {"test_asyncio": 1500, "test_multiprocessing_spawn": 1500, "test_concurrent_futures": 900,
        "test_subprocess": 900, "test_signal": 600}
TIMEOUT = 600
THRESHOLDS = {"disk": 0.97, "memory": 0.50}


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def python_version_of_deb():
    """The Debian version of the installed libpython3.11-stdlib."""
    r = run(["dpkg-query", "-W", "-f=${Version}", "libpython3.11-stdlib"])
    return r.stdout.strip() if r.returncode == 0 else None


def fetch_suite(work):
    """WORK/tree: the extracted test suite merged with the installed
    test/support; returns (tree, the .deb's version)."""
    tree = os.path.join(work, "tree")
    stamp = os.path.join(tree, ".complete")
    if os.path.exists(stamp):
        return tree, open(stamp).read().strip()
    debs = os.path.join(work, "debs")
    os.makedirs(debs, exist_ok=True)
    want = python_version_of_deb()
    r = run(["apt-get", "download", "libpython3.11-testsuite=" + want], cwd=debs) if want else None
    if not r or r.returncode != 0:  # that exact version may be gone from the archive
        r = run(["apt-get", "download", "libpython3.11-testsuite"], cwd=debs)
    if r.returncode != 0:
        sys.exit("gate: apt-get download libpython3.11-testsuite failed:\n" + r.stderr)
    deb = sorted(glob.glob(os.path.join(debs, "libpython3.11-testsuite_*.deb")))[-1]
    raw = os.path.join(work, "raw")
    shutil.rmtree(raw, ignore_errors=True)
    subprocess.run(["dpkg-deb", "-x", deb, raw], check=True)
    shutil.rmtree(tree, ignore_errors=True)
    src = os.path.join(raw, "usr", "lib", "python3.11")
    shutil.copytree(os.path.join(src, "test"), os.path.join(tree, "test"))
    shutil.copytree(os.path.join(STDLIB, "test"), os.path.join(tree, "test"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for pkg in ("unittest", "ctypes"):  # their tests live inside the package
        shutil.copytree(os.path.join(STDLIB, pkg), os.path.join(tree, pkg),
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(os.path.join(src, pkg, "test"), os.path.join(tree, pkg, "test"))
    version = os.path.basename(deb).split("_")[1]
    with open(stamp, "w") as f:
        f.write(version + "\n")
    return tree, version


def uncompilable(tree):
    """Module names of the suite's deliberately broken files (bad_coding,
    badsyntax_*, lib2to3's Python 2 data): app modules that do not compile
    stop a build, so they are --exclude'd (the gate's modules do not import
    them)."""
    code = ("import sys, os\nfor d, _, fs in os.walk(sys.argv[1]):\n for f in fs:\n"
            "  if f.endswith('.py'):\n   p = os.path.join(d, f)\n   try:\n"
            "    compile(open(p, 'rb').read(), p, 'exec')\n   except (SyntaxError, ValueError):\n"
            "    print(os.path.relpath(p, sys.argv[1])[:-3].replace('/', '.'))\n")
    r = run([PYTHON, "-c", code, tree])
    return [n[:-len(".__init__")] if n.endswith(".__init__") else n for n in r.stdout.split()]


def build(pack, work, tree, layout):
    """The packed runner of layout ("memory" or "disk")."""
    out = os.path.join(work, "exe-" + layout, "gate")
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    argv = [pack, "build", "-q", "-o", out, "--module-path", HERE, "--module-path", tree,
            "--run-module", "gate_runner", "--stdlib", "all", "--python-argv", "--sources",
            "--include", "test"]
    for name in uncompilable(tree):
        argv += ["--exclude", name]
    if layout == "disk":  # the suite's packages, with the tests inside unittest and
        # ctypes, and the library test_ctypes dlopens by its __file__
        argv += ["--filesystem-package", "test", "--filesystem-package", "unittest.test",
                 "--filesystem-package", "ctypes.test", "--filesystem-package", "_ctypes_test"]
    else:  # the suite reads __file__ and ships data: detection would move it
        argv += ["--in-memory-package", "test", "--in-memory-package", "unittest",
                 "--in-memory-package", "ctypes"]
    r = run(argv, env=dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache")))
    if r.returncode != 0:
        sys.exit("gate: pyembed-pack failed (%s):\n%s" % (layout, r.stderr))
    if layout == "disk":  # the excluded files are the suite's data there
        for name in uncompilable(tree):
            rel = name.replace(".", "/") + ".py"
            dest = os.path.join(os.path.dirname(out), "lib", rel)
            if os.path.isfile(os.path.join(tree, rel)) and rel.startswith("test/"):
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy(os.path.join(tree, rel), dest)
    return out


def outcome(argv, cwd, timeout):
    """The GATE-RESULT of one run ({} if it died or timed out) and seconds."""
    t0 = time.monotonic()
    env = {"LC_ALL": "C.UTF-8", "HOME": cwd, "PATH": "/usr/bin:/bin", "TMPDIR": cwd}
    try:
        r = run(argv, cwd=cwd, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        text = r.stdout
    except subprocess.TimeoutExpired as e:
        text = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
    for line in reversed(text.splitlines()):
        if line.startswith("GATE-RESULT "):
            return json.loads(line[len("GATE-RESULT "):]), time.monotonic() - t0
    return {}, time.monotonic() - t0


# Mounted over the interpreter's own library in the stock run's mount
# namespace: where Debian's libpython3.11-testsuite installs the suite.
SUITE_DIRS = ("test", "unittest", "ctypes")
MOUNT = "set -e\n" + "".join('mount --bind "$1/%s" %s/%s\n' % (d, STDLIB, d) for d in SUITE_DIRS) \
    + 'shift\nexec "$@"\n'


def stock_python(work, tree):
    """The command prefix of the stock run: /usr/bin/python3.11 itself, in
    a private mount namespace where TREE's test, unittest and ctypes are
    bind-mounted over /usr/lib/python3.11's, as if libpython3.11-testsuite
    were installed. So the stock run and the child processes its tests
    start (`sys.executable -c 'from test.x import …'`, with -I or -E) see
    the same suite as the packed executable's, with python's own
    sys.executable, prefix, site and sysconfig (a virtual environment or
    PYTHONPATH would change what test_sys, test_site, test_sysconfig, …
    check). Needs unshare(1) and CAP_SYS_ADMIN, or user namespaces (then
    the user is mapped to itself)."""
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-c", "-m"]
    argv = unshare + ["--propagation", "private", "sh", "-c", MOUNT, "sh", tree]
    r = run(argv + [PYTHON, "-I", "-c", "import test.test_json, unittest.test, ctypes.test"])
    if r.returncode != 0:
        sys.exit("gate: the stock run needs a mount namespace (%s):\n%s"
                 % (" ".join(unshare), r.stderr))
    return argv + [PYTHON]


def run_module(name, exes, stock, work):
    """{variant: result} of test module name, stock and each packed layout."""
    timeout = SLOW.get(name, TIMEOUT)
    res = {}
    for variant, argv in [("stock", stock + ["-I", os.path.join(HERE, "gate_runner.py"), name])] + [
            (layout, [exe, "-I", "-m", "gate_runner", name]) for layout, exe in exes.items()]:
        cwd = os.path.join(work, "cwd", variant, name)
        shutil.rmtree(cwd, ignore_errors=True)
        os.makedirs(cwd)
        res[variant], res[variant + "_s"] = outcome(argv, cwd, timeout)
    return res


def passed(r):
    return set(r.get("pass", ()))


def report(results, layouts, out=sys.stdout):
    """Prints the table and totals; returns (ratios, gained) where gained
    lists tests that pass packed but failed, errored or did not run stock
    (what fails the gate). Tests stock skipped that pass packed are listed
    apart: a skip is the suite's own judgement of the environment (e.g.
    test_site's startup-imports test skips when sys.path holds .pth files,
    which Debian's dist-packages has and a packed sys.path does not)."""
    head = "%-28s %7s" % ("module", "stock") + "".join(" %7s %6s" % (l, "%") for l in layouts)
    print(head, file=out)
    print("-" * len(head), file=out)
    tot = {l: 0 for l in ["stock"] + layouts}
    gained, unskipped = [], []
    for name in sorted(results):
        r = results[name]
        stock, skipped = passed(r["stock"]), set(r["stock"].get("skip", ()))
        line = "%-28s %7d" % (name, len(stock))
        tot["stock"] += len(stock)
        for l in layouts:
            p = passed(r[l])
            kept = len(p & stock)
            tot[l] += kept
            gained += ["%s [%s] %s" % (name, l, t) for t in sorted(p - stock - skipped)]
            unskipped += ["%s [%s] %s" % (name, l, t) for t in sorted(p & skipped)]
            line += " %7d %5.1f%%" % (kept, 100.0 * kept / len(stock) if stock else 100.0)
        print(line, file=out)
    print("-" * len(head), file=out)
    ratios = {l: (tot[l] / tot["stock"] if tot["stock"] else 1.0) for l in layouts}
    print("%-28s %7d" % ("total", tot["stock"]) + "".join(
        " %7d %5.1f%%" % (tot[l], 100 * ratios[l]) for l in layouts), file=out)
    if unskipped:
        print("\nskipped stock, passed packed (the suite's environment checks):", file=out)
        for g in unskipped:
            print("  " + g, file=out)
    if gained:
        print("\npassed packed but not stock:", file=out)
        for g in gained:
            print("  " + g, file=out)
    return ratios, gained


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", required=True, help="pyembed-pack")
    ap.add_argument("--work", default=os.path.join(os.environ.get("XDG_CACHE_HOME") or
                                                   os.path.expanduser("~/.cache"),
                                                   "pyembed", "cpython-gate"))
    ap.add_argument("--modules", help="comma-separated subset of the gate's modules")
    ap.add_argument("--layouts", default="memory,disk")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", help="write every module's outcomes here")
    ns = ap.parse_args(argv)
    os.makedirs(ns.work, exist_ok=True)
    tree, version = fetch_suite(ns.work)
    layouts = ns.layouts.split(",")
    exes = {l: build(ns.pack, ns.work, tree, l) for l in layouts}
    stock = stock_python(ns.work, tree)
    modules = ns.modules.split(",") if ns.modules else MODULES
    print("gate: libpython3.11-testsuite %s, python3.11 %s, %d modules, layouts %s"
          % (version, python_version_of_deb(), len(modules), ", ".join(layouts)), flush=True)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(ns.jobs) as pool:
        futs = {pool.submit(run_module, m, exes, stock, ns.work): m for m in modules}
        for fut in concurrent.futures.as_completed(futs):
            results[futs[fut]] = fut.result()
            r = results[futs[fut]]
            print("  %-28s stock %4d " % (futs[fut], len(passed(r["stock"]))) + " ".join(
                "%s %4d" % (l, len(passed(r[l]) & passed(r["stock"]))) for l in layouts),
                flush=True)
    if ns.json:
        with open(ns.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
    ratios, gained = report(results, layouts)
    ok = not gained and all(ratios[l] >= THRESHOLDS.get(l, 0) for l in layouts)
    print("\ngate: %s (thresholds: %s)" % ("PASS" if ok else "FAIL", ", ".join(
        "%s >= %d%%" % (l, 100 * THRESHOLDS[l]) for l in layouts if l in THRESHOLDS)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
