"""bench/dist_bench.py — the same apps packed against each Python we have,
each compared with that Python's own interpreter, in one run.

    /usr/bin/python3.11 bench/dist_bench.py [--build-dir build-bench] [--runs 20]

Targets: the system CPython 3.11 (the default build, its baseline is
/usr/bin/python3.11) and every distribution in the local store for 3.11, 3.13
and 3.14 (`pyembed-pack dist build --python X.Y` makes them; its baseline is
the distribution's own install/bin/python3.X). A version without a stored
distribution is reported as missing, not fatal.

Cases per target, all interleaved in one measurement (run_bench.measure):
  start-up      packed hello (--strip) vs `PY -I -S -c pass`
  import-heavy  run_bench's import-heavy app, limited to the modules every
                target can import, packed with --stdlib all --strip vs
                `PY -I heavy.py` with the distribution's warm __pycache__

A benchmark, not a test: it prints a Markdown table of medians and paired
ratios and exits 0 unless something cannot run.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb  # noqa: E402  (the measurement helpers)

VERSIONS = ("3.11", "3.13", "3.14")


def stored_distribution(pack, minor):
    """The python/ directory of the newest stored distribution of minor."""
    r = subprocess.run([pack, "dist", "path", "--python", minor], capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def importable(python, modules):
    """The modules python can import (each tried in a fresh process)."""
    code = ("import importlib, sys\nok = []\nfor m in sys.argv[1:]:\n"
            "    try:\n        importlib.import_module(m); ok.append(m)\n"
            "    except Exception:\n        pass\nprint(' '.join(ok))")
    r = subprocess.run([python, "-I", "-c", code] + list(modules), capture_output=True,
                       text=True)
    return set(r.stdout.split())


def write_heavy(work, modules):
    d = os.path.join(work, "heavy")
    os.makedirs(d, exist_ok=True)
    src = ['"""Import-heavy benchmark app (bench/dist_bench.py)."""', "import sys"]
    src += [f"import {m}" for m in modules] + ["print(len(sys.modules))"]
    with open(os.path.join(d, "heavy.py"), "w") as f:
        f.write("\n".join(src) + "\n")
    return d


def targets(pack):
    """[(label, python, extra pack options)] of every target available."""
    out = [("system 3.11", rb.PY, [])]
    missing = []
    for minor in VERSIONS:
        d = stored_distribution(pack, minor)
        if not d:
            missing.append(minor)
            continue
        exe = os.path.join(d, "install", "bin", "python" + minor)
        out.append((f"distribution {minor}", exe, ["--distribution", d]))
    return out, missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build-bench")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="pyembed-dist-bench-")
    tools = rb.Tools(os.path.abspath(args.build_dir), work)
    rep = rb.Report()
    tgts, missing = targets(tools.pack)
    common = set(rb.HEAVY_MODULES)
    for _, python, _ in tgts:
        common &= importable(python, rb.HEAVY_MODULES)
    modules = [m for m in rb.HEAVY_MODULES if m in common]
    heavy = write_heavy(work, modules)
    hello = rb.copy_app(os.path.join(rb.REPO, "examples", "hello", "hello.py"), work, "hello")
    rep.out("# pyembed across Pythons: packed vs each Python's own interpreter")
    rep.out()
    rep.out(f"{args.runs} interleaved rounds after {args.warmup} warm-up rounds; "
            f"import-heavy imports {len(modules)} modules (those every target has)."
            + (f" No stored distribution for {', '.join(missing)}." if missing else ""))
    rep.out()
    cases = []
    for label, python, opts in tgts:
        h = os.path.join(work, f"hello-{label.replace(' ', '-')}")
        tools.build(h, hello, "hello", "--strip", *opts)
        x = os.path.join(work, f"heavy-{label.replace(' ', '-')}")
        tools.build(x, heavy, "heavy", "--stdlib", "all", "--strip", *opts)
        rb.run_checked([python, "-I", os.path.join(heavy, "heavy.py")])  # warms __pycache__
        cases += [rb.Case(f"{label}: packed hello", [h]),
                  rb.Case(f"{label}: python -I -S -c pass", [python, "-I", "-S", "-c", "pass"]),
                  rb.Case(f"{label}: packed heavy", [x]),
                  rb.Case(f"{label}: python -I heavy.py", [python, "-I",
                                                           os.path.join(heavy, "heavy.py")])]
    res = rb.measure(cases, args.runs, args.warmup)
    rows = []
    for label, _, _ in tgts:
        c = {k.split(": ", 1)[1]: v for k, v in res.items() if k.startswith(label + ":")}
        r_hello = rb.paired_ratio(c["packed hello"], c["python -I -S -c pass"])
        r_heavy = 1 / rb.paired_ratio(c["packed heavy"], c["python -I heavy.py"])
        rows.append([label, rb.ms(c["packed hello"].med("wall")),
                     rb.ms(c["python -I -S -c pass"].med("wall")), f"{r_hello:.2f}x",
                     rb.ms(c["packed heavy"].med("wall")), rb.ms(c["python -I heavy.py"].med("wall")),
                     f"{r_heavy:.2f}x", rb.mib(c["packed heavy"].med("rss")),
                     rb.mib(c["python -I heavy.py"].med("rss"))])
    rep.table(["target", "hello ms", "`-S -c pass` ms", "hello / bare", "heavy ms",
               "python heavy ms", "heavy speed-up", "heavy RSS MiB", "python RSS MiB"], rows)


if __name__ == "__main__":
    try:
        main()
    except rb.BenchError as e:
        print(f"dist_bench: {e}", file=sys.stderr)
        sys.exit(2)
