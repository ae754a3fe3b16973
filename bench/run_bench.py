"""bench/run_bench.py — end-to-end benchmark of pyembed against stock CPython.

Run it with the target interpreter, from a built tree (bench/run.sh does both):

    /usr/bin/python3.11 bench/run_bench.py [--build-dir build-bench] [--runs 30]

It builds what it measures with that tree's pyembed-pack into a temporary
directory, then prints one Markdown report: machine, run counts, and per
section the medians and ratios, every baseline measured in the same run.

  1. start-up      packed hello-world vs python3.11 -I -S -c pass / -I hello.py
  2. import-heavy  ~150 stdlib imports: packed vs warm __pycache__ vs zipimport
  3. index cost    open + lookup of the blob of 2 (bench_index) and bench_reader
  4. build         cold and incremental pyembed-pack builds; executable sizes
  5. memory        peak RSS of 1 and 2; RssAnon/RssFile/RssShmem at exit,
                   and RssFile+RssShmem by mapping (executable, blob,
                   extension modules, other files)

Timing: each process is started by bench/bench_spawn (fork+exec, stdio on
/dev/null, reaped with wait4), which gives wall time (CLOCK_MONOTONIC around
fork..wait4), CPU time (user+sys of the child and of the children it waited
for) and peak RSS (ru_maxrss). A small C parent is needed because Linux
starts a child's peak RSS at its parent's; from this harness every process
would show at least the harness's own RSS. Cases that are compared run
interleaved (A B C A B C ...) after the warm-up rounds, so drift hits all
of them alike. Reported values are medians; "IQR" is the 25th-75th
percentile spread of wall time; a ratio is the median of per-round ratios
(runs of one round are adjacent in time, so this cancels slow drift in
machine speed, which is large on shared VMs).

It is a benchmark, not a test: a missed target prints MISS and the exit
status is still 0. It exits non-zero only when something cannot run.
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile

PY = "/usr/bin/python3.11"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STDLIB = "/usr/lib/python3.11"
DYNLOAD = os.path.join(STDLIB, "lib-dynload")

# Targets from issue 6. Each is checked in the summary; missing one is
# reported, never fatal.
TARGET_HELLO_VS_BARE = 0.85    # packed hello wall <= 0.85 x python3.11 -I -S -c pass
TARGET_HEAVY_SPEEDUP = 1.3     # packed import-heavy >= 1.3 x faster than warm __pycache__
TARGET_INDEX_MS = 0.1          # blob open + index ready, full stdlib
TARGET_INCREMENTAL_S = 1.0     # incremental rebuild of the CLI example
TARGET_COLD_ALL_S = 10.0       # cold build with the whole stdlib
TARGET_HELLO_MB = 8.0          # hello, default options (MiB, 2^20 bytes)
TARGET_COLD_SPEEDUP = 1.8      # import-heavy, page cache dropped before each run
TARGET_HEAVY_RSS = 1.1         # import-heavy peak RSS <= 1.1 x python3.11 -I's

# Top-level imports of the import-heavy app: importable both packed and
# stock, and without side effects at import time. Left out on purpose:
#  - pydoc, zoneinfo: call sysconfig at import time, which needs
#    _sysconfigdata__x86_64-linux-gnu; pyembed-pack skips that module
#    (its name is not an identifier), so the packed app fails.
#  - deprecated modules (warnings), GUI/terminal modules (tkinter, curses,
#    readline), this/antigravity (output, browser), lib2to3 (reads files).
HEAVY_MODULES = """
abc argparse array ast base64 bdb binascii bisect bz2 calendar cmath cmd code
codecs codeop collections colorsys compileall concurrent.futures configparser
contextlib contextvars copy copyreg cProfile csv ctypes dataclasses datetime
dbm decimal difflib dis doctest email.message email.parser
encodings.idna enum errno faulthandler filecmp fileinput fnmatch fractions
ftplib functools gc getopt getpass gettext glob graphlib gzip hashlib heapq
hmac html.parser http.client imaplib importlib.metadata inspect io ipaddress
itertools json keyword linecache locale logging lzma mailbox marshal math
mimetypes mmap modulefinder netrc numbers opcode operator optparse os pathlib
pdb pickle pickletools pkgutil platform plistlib poplib pprint profile pstats
py_compile pyclbr queue quopri random re reprlib rlcompleter runpy sched
secrets selectors shelve shlex shutil signal smtplib socket socketserver
sqlite3 ssl stat statistics string stringprep struct subprocess symtable
sysconfig tabnanny tarfile tempfile textwrap threading timeit token tokenize
tomllib trace traceback tracemalloc types typing unicodedata unittest
urllib.parse uuid warnings wave weakref xml.dom.minidom xml.etree.ElementTree
xmlrpc.client zipapp zipfile zipimport zlib
""".split()

# Directories of the stdlib left out of the zipimport archive, as
# pyembed-pack leaves them out of --stdlib all.
ZIP_SKIP_DIRS = {"__pycache__", "test", "tests", "idlelib", "tkinter", "turtledemo",
                 "site-packages", "dist-packages", "lib-dynload", "ensurepip"}


class BenchError(Exception):
    """Something could not run; printed as one line, exit status 2."""


# ---- running and timing ----------------------------------------------------

class Sample:
    __slots__ = ("wall", "cpu", "rss")

    def __init__(self, wall, cpu, rss):
        self.wall, self.cpu, self.rss = wall, cpu, rss   # s, s, KiB


SPAWN = None   # build-dir/bench/bench_spawn, set by Tools


def run_timed(argv, env=None):
    """Runs argv (argv[0] an absolute path) once through bench_spawn, stdio
    on /dev/null; returns a Sample. Raises BenchError, with the output of a
    captured re-run, if it fails."""
    out = subprocess.run([SPAWN] + argv, env=env, stdout=subprocess.PIPE, text=True)
    kv = dict(f.split("=", 1) for f in out.stdout.split())
    if out.returncode != 0 or kv.get("status") != "0":
        log = run_checked(argv, env=env, check=False)
        raise BenchError(f"{' '.join(argv)} failed ({kv.get('status')}): {log.strip()[-800:]}")
    return Sample(int(kv["wall_ns"]) / 1e9, int(kv["cpu_ns"]) / 1e9, int(kv["maxrss_kib"]))


def run_checked(argv, env=None, check=True):
    """Runs argv once, untimed; returns stdout+stderr as text."""
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(argv)} failed ({p.returncode}): {p.stdout.strip()[-800:]}")
    return p.stdout


class Case:
    """One measured command. before(i) runs untimed before each run (i < 0
    for warm-up rounds), e.g. to edit a source file or empty a cache."""

    def __init__(self, label, argv, env=None, before=None):
        self.label, self.argv, self.env, self.before = label, argv, env, before
        self.samples = []

    def run(self, i):
        if self.before:
            self.before(i)
        s = run_timed(self.argv, self.env)
        if i >= 0:
            self.samples.append(s)

    def med(self, attr):
        return statistics.median(getattr(s, attr) for s in self.samples)

    def iqr(self):
        if len(self.samples) < 2:
            return 0.0
        q = statistics.quantiles([s.wall for s in self.samples], n=4)
        return q[2] - q[0]


def measure(cases, runs, warmup):
    """Warm-up rounds, then `runs` interleaved rounds over all cases."""
    for i in range(-warmup, runs):
        for c in cases:
            c.run(i)
    return {c.label: c for c in cases}


# ---- report ----------------------------------------------------------------

class Report:
    def __init__(self):
        self.lines = []
        self.targets = []   # (what, measured text, target text, ok)

    def out(self, text=""):
        self.lines.append(text)
        print(text, flush=True)

    def table(self, header, rows):
        self.out("| " + " | ".join(header) + " |")
        self.out("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        for r in rows:
            self.out("| " + " | ".join(r) + " |")
        self.out()

    def target(self, what, measured, target, ok):
        self.targets.append((what, measured, target, "PASS" if ok else "**MISS**"))


def ms(x):
    return f"{x * 1e3:.1f}"


def mib(kib):
    return f"{kib / 1024:.1f}"


def mb(n):
    return f"{n / 1e6:.2f}"


def paired_ratio(case, base):
    """Median over rounds of case/base wall time. Runs of one round are
    adjacent in time, so this cancels drift in machine speed (common on
    VMs) better than a ratio of medians."""
    return statistics.median(c.wall / b.wall for c, b in zip(case.samples, base.samples))


def timing_rows(res, base_label, ratio="slower"):
    """Table rows of a timing section; ratio 'slower' prints case/base,
    'faster' base/case (both paired by round)."""
    base = res[base_label]
    rows = []
    for label, c in res.items():
        r = paired_ratio(c, base)
        rows.append([label, ms(c.med("wall")), ms(min(s.wall for s in c.samples)), ms(c.iqr()),
                     ms(c.med("cpu")), mib(c.med("rss")),
                     "baseline" if label == base_label else
                     f"{r if ratio == 'slower' else 1 / r:.2f}x"])
    return rows


# ---- environment -----------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def buildtype(build):
    try:
        with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
            return next(o["value"] for o in json.load(f) if o["name"] == "buildtype")
    except (OSError, ValueError, StopIteration):
        return "unknown"


def print_machine(rep, args, build):
    rep.out("# pyembed benchmark")
    rep.out()
    rep.out(f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    rep.out(f"- CPU: {cpu_model()}; {os.cpu_count()} logical CPUs "
            f"({len(os.sched_getaffinity(0))} usable); virtualised: "
            f"{'yes' if 'hypervisor' in open('/proc/cpuinfo').read() else 'no'}")
    rep.out(f"- OS: {platform.platform()}")
    rep.out(f"- Python: {PY} {platform.python_version()}")
    rep.out(f"- pyembed: {git_state()}, build dir {os.path.relpath(build, REPO)} "
            f"(buildtype {buildtype(build)})")
    rep.out(f"- runs: {args.runs} per run-time case, {args.build_runs} per build case, "
            f"after {args.warmup} warm-up round(s); cases of a table interleaved, one run "
            "of each per round")
    rep.out("- times are medians (min = fastest run); IQR = 25th..75th percentile spread of "
            "wall time; CPU = user+sys, RSS = peak resident set (wait4 in bench/bench_spawn); "
            "ratios are medians of per-round ratios (robust to drift in machine speed)")
    rep.out(f"- load average at start: {os.getloadavg()[0]:.2f} (other work on the machine "
            "widens the IQR and can shift medians)")
    rep.out()


# ---- building --------------------------------------------------------------

class Tools:
    def __init__(self, build, work):
        self.pack = os.path.join(build, "driver", "pyembed-pack")
        self.driver = os.path.join(build, "driver", "pyembed-run")
        self.bench_index = os.path.join(build, "bench", "bench_index")
        self.bench_reader = os.path.join(build, "bench", "bench_reader")
        self.spawn = os.path.join(build, "bench", "bench_spawn")
        for p in (self.pack, self.driver, self.bench_index, self.bench_reader, self.spawn):
            if not os.access(p, os.X_OK):
                raise BenchError(f"{p} missing: build first (bench/run.sh does)")
        global SPAWN
        SPAWN = self.spawn
        self.work = work
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))

    def build(self, out, module_path, run_module, *opts, env=None, quiet=True):
        """Runs pyembed-pack build; returns its output (the log is on stderr)."""
        argv = [self.pack, "build", "-o", out, "--module-path", module_path,
                "--run-module", run_module, *opts] + (["-q"] if quiet else [])
        return run_checked(argv, env=env or self.env)


def copy_app(src, work, name):
    """Copy of example app src under work/apps/name (we edit it in section 4)."""
    root = os.path.join(work, "apps", name)
    dst = os.path.join(root, os.path.basename(src.rstrip("/")))
    if os.path.isdir(src):
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        os.makedirs(root, exist_ok=True)
        shutil.copy(src, dst)
    return root


def write_heavy(work):
    """work/heavy/heavy.py: imports HEAVY_MODULES, prints len(sys.modules)."""
    d = os.path.join(work, "heavy")
    os.makedirs(d)
    src = ['"""Import-heavy benchmark app (bench/run_bench.py)."""', "import sys"]
    src += [f"import {m}" for m in HEAVY_MODULES]
    src += ["print(len(sys.modules))"]
    with open(os.path.join(d, "heavy.py"), "w") as f:
        f.write("\n".join(src) + "\n")
    return d


def stdlib_pycs():
    """The stdlib as the Windows embeddable distribution zips it: legacy-layout
    .pyc names (json/__init__.pyc), no sources, compiled here by the running
    interpreter (main() checks it is the target one). [(arcname, bytes)]"""
    from importlib._bootstrap_external import _code_to_timestamp_pyc
    out = []
    for dirpath, dirs, files in os.walk(STDLIB):
        dirs[:] = sorted(d for d in dirs if d not in ZIP_SKIP_DIRS)
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            src = os.path.join(dirpath, f)
            rel = os.path.relpath(src, STDLIB)
            with open(src, "rb") as fh:
                source = fh.read()
            try:
                code = compile(source, rel, "exec", dont_inherit=True)
            except SyntaxError:
                continue   # not Python 3 (lib2to3 fixture files)
            st = os.stat(src)
            out.append((rel[:-3] + ".pyc", bytes(_code_to_timestamp_pyc(code, st.st_mtime, st.st_size))))
    return out


def write_zip(path, members, compression):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)


def zip_boot(zip_path, script):
    """-c code: stdlib served from zip_path (plus lib-dynload), then script."""
    return (f"import sys; sys.path[:] = [{zip_path!r}, {DYNLOAD!r}]; sys.argv[0] = {script!r}; "
            f"exec(compile(open({script!r}).read(), {script!r}, 'exec'))")


# ---- sections --------------------------------------------------------------

def section_startup(rep, tools, args, hello_root):
    rep.out("## 1. Start-up: hello world")
    rep.out()
    hello_py = os.path.join(REPO, "examples", "hello", "hello.py")
    exes = {}
    for key, opts in (("default", []), ("full", ["--full-exit"]), ("fast", ["--fast-exit"]),
                      ("all", ["--stdlib", "all"])):
        exes[key] = os.path.join(tools.work, f"hello-{key}")
        tools.build(exes[key], hello_root, "hello", *opts)
        out = run_checked([exes[key]])
        if "Hello from a packed Python" not in out:
            raise BenchError(f"{exes[key]}: unexpected output {out!r}")
    base = f"`{PY} -I -S -c pass`"
    cases = [
        Case("packed hello, default options", [exes["default"]]),
        Case("packed hello, --full-exit", [exes["full"]]),
        Case("packed hello, --fast-exit", [exes["fast"]]),
        Case("packed hello, --stdlib all", [exes["all"]]),
        Case(base, [PY, "-I", "-S", "-c", "pass"]),
        Case(f"`{PY} -I hello.py`", [PY, "-I", hello_py]),
        Case(f"`{PY} -I -S hello.py` (no site, like packed)", [PY, "-I", "-S", hello_py]),
    ]
    res = measure(cases, args.runs, args.warmup)
    rep.table(["case", "wall ms", "min ms", "IQR ms", "CPU ms", "peak RSS MiB", f"wall vs {base}"],
              timing_rows(res, base))
    labels = list(res)
    r = paired_ratio(res[labels[0]], res[base])
    rep.target("packed hello (default options) start-up vs `python3.11 -I -S -c pass`",
               f"{r:.2f}x", f"<= {TARGET_HELLO_VS_BARE}x", r <= TARGET_HELLO_VS_BARE)
    r = paired_ratio(res[labels[2]], res[base])
    rep.target("same with opt-in `--fast-exit`", f"{r:.2f}x", f"<= {TARGET_HELLO_VS_BARE}x",
               r <= TARGET_HELLO_VS_BARE)
    r2 = 1 / paired_ratio(res[labels[0]], res[labels[5]])
    rep.out(f"Packed hello (default options) vs `python3.11 -I hello.py`: {r2:.2f}x faster.")
    rep.out()
    return res


def check_heavy(rep, tools, heavy_dir, exe, zips):
    """One untimed run of each import-heavy variant: same output, and the
    stdlib really comes from where the case says. Returns the module count."""
    script = os.path.join(heavy_dir, "heavy.py")
    counts = {"packed": run_checked([exe]).split()[-1],
              "stock -I": run_checked([PY, "-I", script]).split()[-1]}
    probe = ("\nimport json, zipimport, importlib.util\n"
             "from importlib._bootstrap_external import _validate_timestamp_pyc\n"
             "mods = [m for m in list(sys.modules.values()) if getattr(m, '__file__', None)]\n")
    # Stock: every .py module must have a current pyc in __pycache__.
    pyc_check = probe + (
        "src = [m for m in mods if type(m.__loader__).__name__ == 'SourceFileLoader'\n"
        "       and m.__file__.startswith(%r)]\n"
        "ok = 0\n"
        "for m in src:\n"
        "    try:\n"
        "        data = open(m.__cached__, 'rb').read(16); st = os.stat(m.__file__)\n"
        "        _validate_timestamp_pyc(data, int(st.st_mtime), st.st_size, m.__name__, {})\n"
        "        ok += 1\n"
        "    except (OSError, ImportError, TypeError): pass\n"
        "print('PYC', ok, len(src))\n") % STDLIB
    out = run_checked([PY, "-I", "-c", f"import os, sys; exec(open({script!r}).read())" + pyc_check])
    _, ok, total = out.split()[-3:]
    rep.out(f"Check: stock run found a current `__pycache__` .pyc for {ok} of {total} "
            f"stdlib .py modules it imported (Debian ships them in {STDLIB}/__pycache__).")
    for label, zp in zips.items():
        zip_check = probe + (
            "assert isinstance(json.__loader__, zipimport.zipimporter), json.__loader__\n"
            "z = sum(1 for m in mods if m.__file__.startswith(%r))\n"
            "print('ZIP', z, len(sys.modules))\n") % zp
        out = run_checked([PY, "-I", "-S", "-c", zip_boot(zp, script) + zip_check])
        _, z, n = out.split()[-3:]
        counts[label] = n
        rep.out(f"Check: {label}: `json.__loader__` is a zipimporter; {z} modules came from the zip.")
    rep.out("Check: modules in `sys.modules` at exit: "
            + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
    rep.out()
    return counts["packed"]


def section_heavy(rep, tools, args, heavy_dir):
    rep.out(f"## 2. Import-heavy: {len(HEAVY_MODULES)} stdlib imports")
    rep.out()
    script = os.path.join(heavy_dir, "heavy.py")
    exe = os.path.join(tools.work, "heavy-default")
    tools.build(exe, heavy_dir, "heavy")
    fast = os.path.join(tools.work, "heavy-fast")
    tools.build(fast, heavy_dir, "heavy", "--fast-exit")
    full = os.path.join(tools.work, "heavy-all")
    tools.build(full, heavy_dir, "heavy", "--stdlib", "all")
    zips = {}
    pycs = stdlib_pycs()
    nfiles = len(pycs)
    for label, comp in (("zip stored", zipfile.ZIP_STORED), ("zip deflated", zipfile.ZIP_DEFLATED)):
        zips[label] = os.path.join(tools.work, f"python311-{label.split()[1]}.zip")
        write_zip(zips[label], pycs, comp)
    rep.out(f"The zipimport cases use a zip of {nfiles} stdlib .pyc files (legacy layout, "
            f"as in the Windows embeddable distribution), compiled by {PY}, "
            f"{mb(os.path.getsize(zips['zip stored']))} MB stored / "
            f"{mb(os.path.getsize(zips['zip deflated']))} MB deflated; "
            f"`{PY} -I -S -c BOOT` with BOOT setting `sys.path = [zip, lib-dynload]` then "
            f"exec-ing the script.")
    rep.out()
    nmods = check_heavy(rep, tools, heavy_dir, exe, zips)
    base = f"`{PY} -I heavy.py`, warm __pycache__"
    cases = [
        Case("packed, default options", [exe]),
        Case(base, [PY, "-I", script]),
        Case("packed, --fast-exit", [fast]),
        Case(f"`{PY} -I -S heavy.py` (no site, like packed)", [PY, "-I", "-S", script]),
        Case("packed, --stdlib all", [full]),
    ] + [Case(f"zipimport, {label}", [PY, "-I", "-S", "-c", zip_boot(zp, script)])
         for label, zp in zips.items()]
    res = measure(cases, args.runs, args.warmup)
    rep.table(["case", "wall ms", "min ms", "IQR ms", "CPU ms", "peak RSS MiB",
               "speed-up (base/case)"],
              timing_rows(res, base, ratio="faster"))
    packed = res[list(res)[0]]
    sp = 1 / paired_ratio(packed, res[base])
    rep.target("import-heavy: packed speed-up over warm `__pycache__`", f"{sp:.2f}x",
               f">= {TARGET_HEAVY_SPEEDUP}x", sp >= TARGET_HEAVY_SPEEDUP)
    sf = 1 / paired_ratio(res["packed, --fast-exit"], res[base])
    rep.target("same with opt-in `--fast-exit`", f"{sf:.2f}x", f">= {TARGET_HEAVY_SPEEDUP}x",
               sf >= TARGET_HEAVY_SPEEDUP)
    zs = min(1 / paired_ratio(packed, res[f"zipimport, {k}"]) for k in zips)
    rep.target("import-heavy: packed speed-up over the faster zipimport case", f"{zs:.2f}x",
               "> 1x", zs > 1)
    return res, exe, full, nmods


DROP_CACHES = "/proc/sys/vm/drop_caches"


def drop_caches(_i):
    """Empties the page cache (root only): every file is read from disk."""
    os.sync()
    with open(DROP_CACHES, "w") as f:
        f.write("3\n")


def section_cold(rep, tools, args, heavy_dir, exe):
    rep.out("## 2b. Import-heavy, cold page cache")
    rep.out()
    try:
        drop_caches(0)
    except OSError as e:
        rep.out(f"Skipped: cannot write {DROP_CACHES} ({e.strerror}; needs root).")
        rep.out()
        return
    runs = max(3, min(args.runs, 20))
    rep.out(f"`sync` and `echo 3 > {DROP_CACHES}` before every run, so the executable, "
            f"python's binary, its stdlib `.py`/`.pyc` files and shared libraries all come "
            f"from disk (those some running process maps stay cached: the C library, the "
            f"loader); {runs} interleaved rounds after 1 warm-up. The default options include "
            f"the start-up read-ahead (docs/runtime.md §1.1); `--no-prefetch` shows what it "
            f"saves.")
    rep.out()
    off = os.path.join(tools.work, "heavy-noprefetch")
    tools.build(off, heavy_dir, "heavy", "--no-prefetch")
    base = f"`{PY} -I heavy.py`, cold cache"
    cases = [Case("packed, default options, cold cache", [exe], before=drop_caches),
             Case("packed, --no-prefetch, cold cache", [off], before=drop_caches),
             Case(base, [PY, "-I", os.path.join(heavy_dir, "heavy.py")], before=drop_caches)]
    res = measure(cases, runs, 1)
    rep.table(["case", "wall ms", "min ms", "IQR ms", "CPU ms", "peak RSS MiB",
               "speed-up (base/case)"], timing_rows(res, base, ratio="faster"))
    sp = 1 / paired_ratio(res[cases[0].label], res[base])
    rep.target("import-heavy, cold cache: packed speed-up", f"{sp:.2f}x",
               f">= {TARGET_COLD_SPEEDUP}x", sp >= TARGET_COLD_SPEEDUP)


def parse_kv(text):
    return {k: v for k, v in (line.split("=", 1) for line in text.splitlines() if "=" in line)}


def section_index(rep, tools, heavy_exe):
    rep.out("## 3. Index cost")
    rep.out()
    kv = parse_kv(run_checked([tools.bench_index, heavy_exe]))
    n, it = kv["modules"], kv["iterations"]
    open_ms = float(kv["open_first_find_ns"]) / 1e6
    rows = [
        [f"open_exe + first find (index ready), median of {it}", f"{open_ms:.4f} ms"],
        [f"open_exe + find all {n} names, first touch (median)",
         f"{float(kv['open_find_all_ns']) / 1e6:.3f} ms"],
        ["find, warm (mean per name)", f"{float(kv['find_warm_ns']):.1f} ns"],
    ]
    rep.out(f"`build-*/bench/bench_index` on the import-heavy executable of section 2 "
            f"(blob {mb(int(kv['blob_bytes']))} MB, {n} importable resources: the whole "
            f"stdlib as packed by `--stdlib all`; page cache warm):")
    rep.out()
    rep.table(["metric", "value"], rows)
    rep.target("blob open + index ready, full stdlib", f"{open_ms:.4f} ms",
               f"<= {TARGET_INDEX_MS} ms", open_ms <= TARGET_INDEX_MS)
    out = run_checked([tools.bench_reader])
    keep = [l.rstrip() for l in out.splitlines() if l.strip()]
    rep.out("`build-*/bench/bench_reader` (synthetic stdlib blob in a file; its own targets):")
    rep.out()
    rep.out("```")
    for l in keep:
        rep.out(l)
    rep.out("```")
    rep.out()


def edit_file(path):
    """before() hook: changes path's content, so its bytecode is recompiled
    (the cache is keyed by content; a bare touch would be a cache hit)."""
    def before(i):
        with open(path, "a") as f:
            f.write(f"# bench edit {i}\n")
    return before


def fresh_cache(tools, name):
    """before() hook + env: XDG_CACHE_HOME is a new empty directory each run."""
    env = dict(os.environ)

    def before(i):
        d = os.path.join(tools.work, "cold-cache", f"{name}-{i + 100}")
        os.makedirs(d)
        env["XDG_CACHE_HOME"] = d
    return env, before


def section_build(rep, tools, args, notes_root, hello_root):
    rep.out("## 4. Build")
    rep.out()
    notes_file = os.path.join(notes_root, "notes", "cli.py")
    hello_file = os.path.join(hello_root, "hello.py")
    out = lambda n: os.path.join(tools.work, n)
    pack = lambda o, root, mod, *opt: [tools.pack, "build", "-o", out(o), "--module-path", root,
                                       "--run-module", mod, *opt, "-q"]
    cold_env_n, cold_n = fresh_cache(tools, "notes")
    cold_env_a, cold_a = fresh_cache(tools, "all")
    cases = [
        Case("notes (CLI example, --stdlib traced): cold", pack("b-notes-cold", notes_root, "notes",
             "--no-cache"), cold_env_n, cold_n),
        Case("notes: incremental (cli.py edited, cache warm)", pack("b-notes-inc", notes_root,
             "notes"), tools.env, edit_file(notes_file)),
        Case("hello, --stdlib all: cold", pack("b-all-cold", hello_root, "hello", "--stdlib", "all",
             "--no-cache"), cold_env_a, cold_a),
        Case("hello, --stdlib all: incremental (hello.py edited, cache warm)",
             pack("b-all-inc", hello_root, "hello", "--stdlib", "all"), tools.env,
             edit_file(hello_file)),
    ]
    res = measure(cases, args.build_runs, 1)
    rows = [[label, f"{c.med('wall'):.2f}", f"{c.iqr():.2f}", f"{c.med('cpu'):.2f}",
             mib(c.med("rss"))] for label, c in res.items()]
    rep.out("`pyembed-pack build` wall time. Cold = `--no-cache` and an empty "
            "`XDG_CACHE_HOME`; incremental = one app file changed (a line appended), "
            "bytecode cache warm. Not stripped.")
    rep.out()
    rep.table(["build", "wall s", "IQR s", "CPU s", "peak RSS MiB"], rows)
    labels = list(res)
    inc = res[labels[1]].med("wall")
    cold = res[labels[2]].med("wall")
    rep.target("incremental rebuild of the CLI example", f"{inc:.2f} s",
               f"<= {TARGET_INCREMENTAL_S} s", inc <= TARGET_INCREMENTAL_S)
    rep.target("cold build with the full stdlib", f"{cold:.2f} s",
               f"<= {TARGET_COLD_ALL_S} s", cold <= TARGET_COLD_ALL_S)
    section_sizes(rep, tools, hello_root)


def section_sizes(rep, tools, hello_root):
    drv = os.path.join(tools.work, "driver-stripped")
    shutil.copyfile(tools.driver, drv)
    run_checked(["strip", "--strip-all", drv])
    driver = {False: os.path.getsize(tools.driver), True: os.path.getsize(drv)}
    rows = [["driver alone (`pyembed-run`)", "", str(driver[False]), str(driver[True]),
             f"{driver[True] / 2**20:.2f}", ""]]
    hello_strip = lean_strip = None
    for label, opts in (("default options", []),
                        ("--trace all --no-compress (the old defaults)",
                         ["--trace", "all", "--no-compress"]),
                        ("--trace all", ["--trace", "all"]),
                        ("--compress", ["--compress"]),
                        ("--stdlib all", ["--stdlib", "all"]),
                        ("--stdlib all --compress", ["--stdlib", "all", "--compress"]),
                        ("--trace load-time --compress", ["--trace", "load-time", "--compress"])):
        size, selected = {}, ""
        for strip in (False, True):
            o = os.path.join(tools.work, f"size-{label.replace(' ', '')}-{strip}")
            log = tools.build(o, hello_root, "hello", *opts,
                              "--strip" if strip else "--no-strip", quiet=False)
            size[strip] = os.path.getsize(o)
            selected = next((l.split("selected ")[1].split(" of")[0] for l in log.splitlines()
                             if "selected " in l), "?")
        if label == "default options":
            hello_strip = size[True]
        if label.startswith("--trace load-time"):
            lean_strip = size[True]
        rows.append([f"hello, {label}", selected, str(size[False]), str(size[True]),
                     f"{size[True] / 2**20:.2f}", mb(size[True] - driver[True])])
    rep.out("Executable sizes of the hello example (bytes; MB = 10^6 bytes); "
            "blob ≈ stripped size − stripped driver:")
    rep.out()
    rep.table(["executable", "modules", "--no-strip bytes", "stripped bytes", "stripped MiB",
               "blob MB"], rows)
    rep.target("hello, default options: size", f"{hello_strip / 2**20:.2f} MiB",
               f"<= {TARGET_HELLO_MB} MiB", hello_strip <= TARGET_HELLO_MB * 2**20)
    rep.target("same with `--trace load-time --compress`", f"{lean_strip / 2**20:.2f} MiB",
               f"<= {TARGET_HELLO_MB} MiB", lean_strip <= TARGET_HELLO_MB * 2**20)


# Appended to a script: at its end, one line with /proc/self/status's
# peak and split, and one with the file-backed and shmem resident memory
# by mapping (/proc/self/smaps): "image" is the executable as the loader
# mapped it (the first run of mappings of its path), "blob" any later
# mapping of it (libpackrs maps the packed blob), "ext" extension modules
# (memfd copies of packed ones, or lib-dynload files), "files" the rest
# (shared libraries, locale archive). KiB.
MEMPROBE = """
def _memprobe():
    st = dict(l.split(":", 1) for l in open("/proc/self/status"))
    print("MEM", " ".join(st[k].split()[0] for k in ("VmHWM", "RssAnon", "RssFile", "RssShmem")))
    exe, seen, path, anon = __import__("os").path.realpath("/proc/self/exe"), [], "", 0
    kib = dict(image=0, blob=0, ext=0, files=0)
    for line in open("/proc/self/smaps"):
        f = line.split()
        if not f[0].endswith(":"):
            path = f[5] if len(f) > 5 else ""
            seen.append(path)
        elif f[0] == "Anonymous:":
            anon = int(f[1])
        elif f[0] == "Rss:" and path.startswith("/"):
            if path == exe:
                key = "image" if all(p == exe for p in seen) else "blob"
            elif path.startswith("/memfd:") or "/lib-dynload/" in path:
                key = "ext"
            else:
                key = "files"
            kib[key] += int(f[1])
        if f[0] == "VmFlags:" and path.startswith("/"):
            kib[key] -= anon  # copy-on-write pages (relocations) are RssAnon
    print("MAPS", " ".join(str(kib[k]) for k in ("image", "blob", "ext", "files")))
_memprobe()
"""


def mem_split(argv):
    """([VmHWM, RssAnon, RssFile, RssShmem], [image, blob, ext, files]) in
    KiB, printed by a MEMPROBE run."""
    out = run_checked(argv).splitlines()
    mem = [l for l in out if l.startswith("MEM ")][-1]
    maps = [l for l in out if l.startswith("MAPS ")][-1]
    return [int(x) for x in mem.split()[1:]], [int(x) for x in maps.split()[1:]]


def section_memory(rep, tools, start, heavy, heavy_dir):
    rep.out("## 5. Memory")
    rep.out()
    rep.out("Peak RSS (wait4 `ru_maxrss`, median) from the runs of sections 1 and 2:")
    rep.out()
    s, h = list(start.values()), list(heavy.values())
    # start: default, full-exit, fast-exit, all, -c pass, -I hello.py, -I -S hello.py;
    # heavy: packed, stock -I, packed fast-exit, stock -I -S, packed all, zips
    pairs = [(s[0], s[6]), (s[3], s[6]), (s[2], s[6]), (s[0], s[4]), (s[0], s[5]),
             (h[0], h[1]), (h[2], h[1]), (h[4], h[1])]
    rows = [[a.label, mib(a.med("rss")), b.label, mib(b.med("rss")),
             f"{a.med('rss') / b.med('rss'):.2f}x"] for a, b in pairs]
    rep.table(["packed", "MiB", "stock", "MiB", "packed / stock"], rows)
    r = h[0].med("rss") / h[1].med("rss")
    rep.target("import-heavy, default options: peak RSS vs `python3.11 -I`", f"{r:.2f}x",
               f"<= {TARGET_HEAVY_RSS}x", r <= TARGET_HEAVY_RSS)
    # Where it lives: one untimed run each of the same programs with
    # /proc/self/status and smaps read at the end of the script.
    probe = os.path.join(tools.work, "memprobe")
    os.makedirs(probe)
    with open(os.path.join(probe, "memprobe.py"), "w") as f:
        f.write("import sys\n" + MEMPROBE)
    with open(os.path.join(heavy_dir, "heavymem.py"), "w") as f:
        f.write(open(os.path.join(heavy_dir, "heavy.py")).read() + MEMPROBE)
    runs = []
    for policy in ("traced", "all"):
        exe = os.path.join(tools.work, f"memprobe-{policy}")
        tools.build(exe, probe, "memprobe", "--stdlib", policy)
        runs.append((f"packed hello-like app, --stdlib {policy}", [exe]))
    runs.append((f"`{PY} -I -S` same script", [PY, "-I", "-S", os.path.join(probe, "memprobe.py")]))
    for label, opts in (("default options", []), ("--stdlib all", ["--stdlib", "all"])):
        exe = os.path.join(tools.work, "heavymem-" + label.replace(" ", "").replace("-", ""))
        tools.build(exe, heavy_dir, "heavymem", *opts)
        runs.append((f"packed import-heavy, {label}", [exe]))
    runs.append((f"`{PY} -I` import-heavy", [PY, "-I", os.path.join(heavy_dir, "heavymem.py")]))
    split = [(label,) + mem_split(argv) for label, argv in runs]
    base = {i: split[2 if i < 2 else 5][1] for i in (0, 1, 3, 4)}  # packed row: its python
    rows = []
    for i, (label, mem, _) in enumerate(split):
        ratio = f"{mem[0] / base[i][0]:.2f}x" if i in base else "baseline"
        rows.append([label] + [mib(v) for v in mem] + [mib(sum(mem[1:])), ratio])
    rep.out("Split at exit (`/proc/self/status`, one run each): RssAnon is heap and other "
            "private memory; RssFile is mapped files (the executable's code, for packed "
            "apps the pages of the blob still mapped, shared libraries); RssShmem is "
            "shared memory (the memfd copies of packed extension modules that are "
            "mapped). VmHWM is the peak of the whole run, the others are at exit.")
    rep.out()
    rep.table(["program", "VmHWM MiB", "RssAnon MiB", "RssFile MiB", "RssShmem MiB",
               "sum at exit MiB", "VmHWM vs python"], rows)
    rep.out("RssFile + RssShmem at exit by mapping (`/proc/self/smaps`, same runs; "
            "copy-on-write pages of a mapping count as RssAnon, not here): image = the "
            "executable as loaded (python's binary, or the packed driver); blob = the "
            "blob's own mapping; extension modules = memfd copies (packed) or "
            "lib-dynload files (python); other files = shared libraries, locale archive.")
    rep.out()
    rep.table(["program", "image MiB", "blob MiB", "extension modules MiB", "other files MiB"],
              [[label] + [mib(v) for v in maps] for label, _, maps in split])


def summary(rep):
    rep.out("## Targets")
    rep.out()
    rep.out(f"(load average at the end: {os.getloadavg()[0]:.2f})")
    rep.out()
    rep.table(["target", "measured", "goal", ""], [list(t) for t in rep.targets])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--runs", type=int, default=30, help="runs per run-time case (>= 10)")
    ap.add_argument("--build-runs", type=int, default=10, help="runs per build case (>= 10)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up rounds (not timed)")
    ap.add_argument("--output", metavar="FILE", help="also write the report to FILE")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if min(args.runs, args.build_runs) < 1 or args.warmup < 0:
        ap.error("--runs and --build-runs must be >= 1, --warmup >= 0")
    if args.runs < 10 or args.build_runs < 10:
        print("run_bench: note: fewer than 10 runs; numbers are for a smoke test only",
              file=sys.stderr)
    target_magic = run_checked([PY, "-c", "import importlib.util as u; print(u.MAGIC_NUMBER.hex())"])
    if importlib.util.MAGIC_NUMBER.hex() != target_magic.strip():
        raise BenchError(f"run me with {PY}: the zipimport archive is compiled in-process")
    build = os.path.abspath(args.build_dir)
    work = tempfile.mkdtemp(prefix="pyembed-bench.")
    rep = Report()
    try:
        tools = Tools(build, work)
        print_machine(rep, args, build)
        hello_root = copy_app(os.path.join(REPO, "examples", "hello", "hello.py"), work, "hello")
        notes_root = copy_app(os.path.join(REPO, "examples", "notes", "notes"), work, "notes")
        start = section_startup(rep, tools, args, hello_root)
        heavy_dir = write_heavy(work)
        heavy, heavy_exe, heavy_all, _ = section_heavy(rep, tools, args, heavy_dir)
        section_cold(rep, tools, args, heavy_dir, heavy_exe)
        section_index(rep, tools, heavy_all)
        section_build(rep, tools, args, notes_root, hello_root)
        section_memory(rep, tools, start, heavy, heavy_dir)
        summary(rep)
    finally:
        if args.keep:
            print(f"run_bench: work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write("\n".join(rep.lines) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"run_bench: {e}", file=sys.stderr)
        sys.exit(2)
