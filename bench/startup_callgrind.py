"""Start-up instruction counts (callgrind) and sizes of packed hello
variants against the interpreter they embed, all measured in one run.

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
        for d in ns.distribution:
            py = sorted(f for f in os.listdir(os.path.join(d, "install", "bin"))
                        if re.fullmatch(r"python3\.\d+", f))[0]
            table("distribution " + d, os.path.join(d, "install", "bin", py),
                  ["--distribution", d], pack_tool, tmp, VARIANTS[:3])


if __name__ == "__main__":
    main()
