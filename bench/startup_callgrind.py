"""Start-up instruction counts (callgrind) and sizes of packed hello
variants against the interpreter they embed, and of an app importing 16
stdlib modules packed with and without --freeze, all measured in one run.

    /usr/bin/python3.11 bench/startup_callgrind.py --build-dir build-bench \
        [--distribution DIR ...]

Instruction counts are stable on a noisy machine where wall time is not;
ratios are against `python -I -S -c pass` of the same target, measured in
the same run. Prints a Markdown report; asserts nothing."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELLO = os.path.join(ROOT, "examples", "hello")
SYSTEM = "/usr/bin/python3.11"
VARIANTS = [("default options", []), ("--full-exit", ["--full-exit"]),
            ("--fast-exit", ["--fast-exit"]), ("--trace all", ["--trace", "all"]),
            ("--compress", ["--compress"]), ("--no-compress --no-strip",
                                             ["--no-compress", "--no-strip"])]


def instructions(argv):
    """Ir of one run of argv under callgrind."""
    with tempfile.NamedTemporaryFile() as out:
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out.name]
                           + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"refs:\s+([\d,]+)", r.stderr)
    if not m:
        raise SystemExit("callgrind failed for %r: %s" % (argv, r.stderr[-500:]))
    return int(m.group(1).replace(",", ""))


def pack(pack_tool, out, options, target):
    argv = [pack_tool, "build", "-q", "-o", out, "--module-path", HELLO, "--run-module",
            "hello"] + target + options
    subprocess.run(argv, check=True)
    return out


def table(title, python, target, pack_tool, tmp, variants):
    base = instructions([python, "-I", "-S", "-c", "pass"])
    print("\n### %s\n" % title)
    print("| case | size bytes | size MiB | instructions | vs `-I -S -c pass` |")
    print("|---|---:|---:|---:|---:|")
    for name, options in variants:
        exe = pack(pack_tool, os.path.join(tmp, "h%d" % len(os.listdir(tmp))), options, target)
        ir = instructions([exe])
        size = os.path.getsize(exe)
        print("| packed hello, %s | %d | %.2f | %s | %.3fx |"
              % (name, size, size / 2**20, format(ir, ","), ir / base))
    print("| `%s -I -S -c pass` | | | %s | baseline |" % (python, format(base, ",")))


# The --freeze case: an app importing these; every bytecode module the
# packed app loads from the blob is frozen (the app itself included).
FREEZE_APP = ("import typing, enum, dataclasses, argparse, json, re, collections, functools, "
              "inspect, ast, dis, tokenize, textwrap, string, email.message, logging\n"
              "import sys\n"
              "if sys.argv[1:] == ['--list']:\n"
              "    print(' '.join(sorted(m.__spec__.name for m in sys.modules.values()\n"
              "        if type(getattr(m, '__loader__', None)).__name__ == 'PackedImporter'\n"
              "        and (getattr(m, '__file__', None) or '').endswith('.py'))))\n")


def timed_pack(argv, env):
    """Seconds one pyembed-pack run took."""
    import time
    t0 = time.monotonic()
    subprocess.run(argv, check=True, env=env)
    return time.monotonic() - t0


def freeze_table(python, target, pack_tool, tmp):
    """Instructions of the 16-import app: default options, --freeze of
    every module it loads from the blob, and python importing the same."""
    app = os.path.join(tmp, "fzapp")
    os.makedirs(app)
    with open(os.path.join(app, "fzapp.py"), "w") as f:
        f.write(FREEZE_APP)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "fzcache"))
    base = [pack_tool, "build", "-q", "--module-path", app, "--run-module", "fzapp"] + target
    plain, frozen = os.path.join(tmp, "fz-plain"), os.path.join(tmp, "fz-frozen")
    subprocess.run(base + ["-o", plain], check=True, env=env)
    names = subprocess.run([plain, "--list"], check=True, capture_output=True,
                           text=True).stdout.split()
    first = timed_pack(base + ["-o", frozen, "--freeze"] + names, env)
    with open(os.path.join(app, "fzapp.py"), "a") as f:
        f.write("# edited\n")
    again = timed_pack(base + ["-o", frozen, "--freeze"] + names, env)
    ref = instructions([python, "-I", "-S", os.path.join(app, "fzapp.py")])
    ir_plain, ir_frozen = instructions([plain]), instructions([frozen])
    print("\n### 16 stdlib imports, --freeze of the %d modules loaded from the blob\n"
          % len(names))
    print("| case | size MiB | instructions | vs `-I -S app.py` |")
    print("|---|---:|---:|---:|")
    for label, exe, ir in (("default options", plain, ir_plain),
                           ("--freeze", frozen, ir_frozen)):
        print("| packed, %s | %.2f | %s | %.3fx |" % (label, os.path.getsize(exe) / 2**20,
                                                     format(ir, ","), ir / ref))
    print("| `%s -I -S app.py` | | %s | baseline |" % (python, format(ref, ",")))
    print("\n--freeze: %.3fx the instructions of default options; the build took "
          "%.1f s on an empty cache (every module compiled, the driver linked) and "
          "%.1f s after an edit of the app." % (ir_frozen / ir_plain, first, again))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--distribution", action="append", default=[], metavar="DIR")
    ns = ap.parse_args()
    pack_tool = os.path.join(os.path.abspath(ns.build_dir), "driver", "pyembed-pack")
    with tempfile.TemporaryDirectory() as tmp:
        print("## Start-up instructions and sizes (callgrind, one run)")
        table("system CPython " + sys.version.split()[0], SYSTEM,
              ["--stdlib-dir", "/usr/lib/python3.11", "--dynload-dir",
               "/usr/lib/python3.11/lib-dynload"], pack_tool, tmp, VARIANTS)
        freeze_table(SYSTEM, ["--stdlib-dir", "/usr/lib/python3.11", "--dynload-dir",
                              "/usr/lib/python3.11/lib-dynload"], pack_tool, tmp)
        for d in ns.distribution:
            py = sorted(f for f in os.listdir(os.path.join(d, "install", "bin"))
                        if re.fullmatch(r"python3\.\d+", f))[0]
            table("distribution " + d, os.path.join(d, "install", "bin", py),
                  ["--distribution", d], pack_tool, tmp, VARIANTS[:3])


if __name__ == "__main__":
    main()
