"""bench/alloc_bench.py — allocator backends side by side with pymalloc.

    /usr/bin/python3.11 bench/alloc_bench.py [--build-dir build-bench] [--runs 10]

One app (written here, packed once per configuration with `pyembed-pack
build --allocator ...`) runs three allocation-heavy workloads:
  dicts     builds and drops many small dicts and lists (the common case)
  json      json.loads of a ~5 MB document, three times
  fragment  a long-running loop keeping a random subset of mixed-size
            objects alive and replacing them (fragments the heap), then
            dropping most of them
under each configuration: pymalloc (the baseline), malloc, mimalloc,
jemalloc (those this build has), pymalloc with tracking (the cost of the
counters), and jemalloc on the raw domain only (PyOxidizer's default:
pymalloc keeps mem and obj). Wall time and peak RSS come from
bench/bench_spawn (run_bench.py's helpers); cases are interleaved, one run
of each per round, and ratios are medians of per-round ratios against
pymalloc. "RSS at end" is VmRSS just before exit, from a separate untimed
run: what the heap gives back after the fragmenting loop dropped its data.

A benchmark, not a test: it prints a Markdown table and exits 0 unless
something cannot run.
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb  # noqa: E402  (the measurement helpers)

WORKLOAD = '''\
"""Allocation-heavy workloads for bench/alloc_bench.py: argv[1] picks one."""
import json
import random
import sys


def dicts():
    for _ in range(30):
        batch = [{"id": i, "name": "item%d" % i, "tags": [i, i + 1, str(i)]}
                 for i in range(20000)]
        del batch


def document():
    rnd = random.Random(7)
    return json.dumps([{"id": i, "name": "user%d" % i, "score": rnd.random(),
                        "tags": ["t%d" % rnd.randrange(50) for _ in range(5)],
                        "nested": {"a": [rnd.randrange(1000) for _ in range(8)]}}
                       for i in range(30000)])


def loads():
    text = document()
    for _ in range(3):
        data = json.loads(text)
        del data


def fragment():
    rnd = random.Random(11)
    live = [None] * 50000
    for step in range(600000):
        size = rnd.choice((8, 24, 100, 600, 3000))
        live[rnd.randrange(len(live))] = (b"x" * size, [step] * (size // 64))
    for i in range(0, len(live), 10):  # keep every tenth: a sparse heap
        live[i + 1:i + 10] = [None] * 9


def rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


{"dicts": dicts, "json": loads, "fragment": fragment}[sys.argv[1]]()
if len(sys.argv) > 2:
    print("rss_end_kib=%d" % rss_kib())
'''

WORKLOADS = ("dicts", "json", "fragment")


# (label, pyembed-pack options); pymalloc first: the baseline. pyembed-pack
# refuses a backend this build lacks, and that configuration is skipped.
CONFIGS = [
    ("pymalloc", ["--allocator", "pymalloc"]),
    ("malloc", ["--allocator", "malloc"]),
    ("mimalloc", ["--allocator", "mimalloc"]),
    ("jemalloc", ["--allocator", "jemalloc"]),
    ("pymalloc + tracking", ["--allocator", "pymalloc", "--allocator-tracking"]),
    ("jemalloc raw only", ["--allocator", "jemalloc", "--allocator-domains", "raw"]),
]


def build_all(tools, work, app_dir):
    """The packed app for each configuration that packs here."""
    built = []
    for label, opts in CONFIGS:
        exe = os.path.join(work, "alloc-" + label.replace(" ", "-").replace("+", "plus"))
        try:
            tools.build(exe, app_dir, "allocwork", *opts)
        except rb.BenchError as e:  # a backend this build lacks
            print(f"alloc_bench: skipping {label}: {str(e)[-200:]}", file=sys.stderr)
            continue
        built.append((label, exe))
    return built


def end_rss(exe, workload):
    """VmRSS just before exit (KiB), from one untimed run."""
    out = rb.run_checked([exe, workload, "rss"])
    return int(out.split("rss_end_kib=")[1].split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="build-bench")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="pyembed-alloc-bench-")
    tools = rb.Tools(os.path.abspath(args.build_dir), work)
    app_dir = os.path.join(work, "app")
    os.makedirs(app_dir)
    with open(os.path.join(app_dir, "allocwork.py"), "w") as f:
        f.write(WORKLOAD)
    built = build_all(tools, work, app_dir)
    rep = rb.Report()
    rep.out("# Allocator backends: allocation-heavy workloads, each vs pymalloc")
    rep.out()
    rep.out(f"- CPU: {rb.cpu_model()}; {os.cpu_count()} logical CPUs; load average "
            f"{os.getloadavg()[0]:.2f}; pyembed {rb.git_state()} "
            f"(buildtype {rb.buildtype(os.path.abspath(args.build_dir))})")
    rep.out(f"- {args.runs} interleaved rounds after {args.warmup} warm-up round(s); medians; "
            "ratios are medians of per-round ratios to pymalloc (wall time: below 1 is faster)")
    rep.out()
    for workload in WORKLOADS:
        cases = [rb.Case(label, [exe, workload]) for label, exe in built]
        res = rb.measure(cases, args.runs, args.warmup)
        base = res["pymalloc"]
        rows = []
        for label, exe in built:
            c = res[label]
            rows.append([label, rb.ms(c.med("wall")), rb.ms(c.iqr()),
                         "baseline" if c is base else f"{rb.paired_ratio(c, base):.2f}x",
                         rb.mib(c.med("rss")),
                         "baseline" if c is base else f"{c.med('rss') / base.med('rss'):.2f}x",
                         rb.mib(end_rss(exe, workload))])
        rep.out(f"### {workload}")
        rep.out()
        rep.table(["allocator", "wall ms", "IQR ms", "wall vs pymalloc", "peak RSS MiB",
                   "peak RSS vs pymalloc", "RSS at end MiB"], rows)


if __name__ == "__main__":
    try:
        main()
    except rb.BenchError as e:
        print(f"alloc_bench: {e}", file=sys.stderr)
        sys.exit(2)
