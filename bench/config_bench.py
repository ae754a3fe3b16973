"""bench/config_bench.py — what a pyembed.bzl config costs on top of the build.

    /usr/bin/python3.11 bench/config_bench.py [--build-dir build] [--runs 15]

Two measurements:

  1. end to end: the same app built by `pyembed-pack build -o ... FLAGS` and
     by `pyembed-pack build` from the equivalent config (warm bytecode cache,
     runs interleaved), and the config with a resource callback, which runs
     at build time on every candidate resource (about 700 for the system
     Python); medians and the median of per-round differences.
  2. in process (this interpreter is the pack tool's CPython, so the
     package imports here): evaluating the config (parse, check, compile,
     run, targets, BuildSpec) and running its callback on every candidate
     module, each timed alone.

The budget is 50 ms on top of the build. A benchmark, not a test: it prints
a Markdown report and exits 0 unless something cannot run.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "driver", "pack"))

APP = '''import json, textwrap
print(json.dumps({"app": textwrap.shorten("config bench app", 40)}))
'''
CONFIG = '''
def make_exe():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    policy.resources_location_fallback = "filesystem-relative:lib"
%(callback)s
    config = dist.make_python_interpreter_config()
    config.run_module = "benchapp"
    exe = dist.to_python_executable(name = "benchapp", packaging_policy = policy,
                                    config = config)
    exe.add_python_resources(exe.read_package_root("src", ["benchapp"]))
    return exe

register_target("exe", make_exe)
resolve_targets()
'''
CALLBACK = '''
    def decide(policy, resource):
        if resource.name.startswith("tests.") or resource.name.endswith(".tests"):
            resource.add_include = False
        if resource.name == "json" or resource.name.startswith("json."):
            resource.add_location = "filesystem-relative:lib"
    policy.register_resource_callback(decide)
'''


def project(work, callback):
    """A project directory with the bench app and its config."""
    d = os.path.join(work, "cb" if callback else "plain")
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    with open(os.path.join(d, "src", "benchapp.py"), "w") as f:
        f.write(APP)
    with open(os.path.join(d, "pyembed.bzl"), "w") as f:
        f.write(CONFIG % {"callback": CALLBACK if callback else ""})
    return d


def timed(argv, cwd, env):
    t0 = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit(f"config_bench: {' '.join(argv)} failed:\n{r.stderr.decode()}")
    return time.perf_counter() - t0


def end_to_end(pack, work, runs, env):
    """{case: [seconds]} of interleaved flag / config / config+callback builds."""
    plain, cb = project(work, False), project(work, True)
    out = os.path.join(work, "flags-out", "benchapp")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cases = {
        "flags": ([pack, "build", "-q", "-o", out, "--package-root",
                   os.path.join(plain, "src") + "=benchapp", "--run-module", "benchapp"], plain),
        "config": ([pack, "build", "-q"], plain),
        "config + callback": ([pack, "build", "-q"], cb),
    }
    times = {k: [] for k in cases}
    for _ in range(2):  # warm-up: fills the bytecode cache
        for argv, cwd in cases.values():
            timed(argv, cwd, env)
    for _ in range(runs):
        for k, (argv, cwd) in cases.items():
            times[k].append(timed(argv, cwd, env))
    return times


def in_process(work, runs):
    """(evaluation seconds, callback seconds, candidates) medians, in process."""
    from pyembed_pack.config import api, starlark, to_spec
    from pyembed_pack import selection
    from pyembed_pack.scan import Scanner
    import importlib.machinery
    import sysconfig

    d = project(work, True)
    path = os.path.join(d, "pyembed.bzl")
    evals, decides = [], []
    count = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        ctx = api.Context(path)
        starlark.Evaluation(ctx.predeclared()).exec_file(path, "pyembed.bzl")
        ctx.targets.check()
        exe = ctx.targets.resolve("exe")
        spec = to_spec.executable_spec(exe, "build", os.path.join(work, "x", "benchapp"),
                                       to_spec.Options(quiet=True))
        evals.append(time.perf_counter() - t0)
        scanner = Scanner(importlib.machinery.EXTENSION_SUFFIXES)
        mods = {}
        for root in (sysconfig.get_path("stdlib"), sysconfig.get_config_var("DESTSHARED")):
            mods.update({n: m for n, m in scanner.root(root, "stdlib").items()
                         if not selection.matches(n, selection.STDLIB_EXCLUDE)})
        mods.update(scanner.root(os.path.join(d, "src"), "app"))
        count = len(mods)
        t0 = time.perf_counter()
        for name in sorted(mods):
            spec.decide(mods[name], spec)
        decides.append(time.perf_counter() - t0)
    return statistics.median(evals), statistics.median(decides), count


def ms(x):
    return f"{x * 1000:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=15)
    ns = ap.parse_args()
    pack = os.path.join(ns.build_dir, "driver", "pyembed-pack")
    if not os.path.exists(pack):
        raise SystemExit(f"config_bench: {pack} not found (build first)")
    work = tempfile.mkdtemp(prefix="pyembed-config-bench-")
    try:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"), LC_ALL="C.UTF-8")
        times = end_to_end(pack, work, ns.runs, env)
        ev, dec, count = in_process(work, ns.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = times["flags"]
    print(f"# config evaluation cost ({ns.runs} runs, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f})\n")
    print("| build | median ms | on top of the flag build, ms (median of per-round "
          "differences) |")
    print("| --- | ---: | ---: |")
    for k, v in times.items():
        diff = statistics.median(b - a for a, b in zip(base, v))
        print(f"| {k} | {ms(statistics.median(v))} | {'-' if k == 'flags' else ms(diff)} |")
    print(f"\nIn process: evaluating the config (parse, check, compile, run, targets, "
          f"BuildSpec) {ms(ev)} ms; its resource callback on {count} candidate "
          f"modules {ms(dec)} ms; together {ms(ev + dec)} ms "
          f"({'within' if ev + dec < 0.05 else 'over'} the 50 ms budget).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
