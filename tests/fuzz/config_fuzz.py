#!/usr/bin/python3.11
"""config_fuzz.py — a deterministic fuzz loop for the pyembed.bzl config
front end (driver/pack/pyembed_pack/config/: the Starlark parser, checker,
compiler and evaluator, and the config API it runs), which is Python, so
libFuzzer cannot drive it.

    config_fuzz.py [--seed N] [--iterations N | --seconds S] CORPUS CRASHES

Every file of CORPUS (config files) and CRASHES (inputs that once broke the
front end, kept forever) is evaluated as it is; then each iteration takes a
corpus file and mutates it (lines deleted, duplicated, swapped or indented
differently; tokens replaced by others from the corpus; hostile snippets
inserted: deep nesting, recursion, runaway loops and sizes, huge integers
and strings, hostile load() paths, mutation during iteration, bad calls of
the config API; then, sometimes, byte-level damage: flips, cuts, NUL,
invalid UTF-8). Each input is written as DIR/pyembed.bzl and evaluated the
way `pyembed-pack build` does before it builds: top level run, targets
checked, every registered target resolved (the config API is lazy: no
distribution is resolved and nothing runs pip). The contract:

  * the result is success or a PackError (StarlarkError for positions),
    never another exception (no RecursionError, MemoryError, ValueError,
    OverflowError from Python under the dialect);
  * a PackError's message is non-empty, and a StarlarkError's first line
    is FILE:LINE:COL: MESSAGE (FILE may be a file it loads);
  * one input takes at most --timeout seconds (the loop budget bounds
    every evaluation).

Inputs that break the contract are written to --save DIR (default
./config-new-crashes) and reported; the exit status is 1 if there were
any. The same seed and iteration count give the same inputs.
fuzz-regress runs a fixed short loop; run it longer by hand, e.g.
    /usr/bin/python3.11 tests/fuzz/config_fuzz.py --seconds 600 \\
        tests/fuzz/corpus/config tests/fuzz/crashes/config
"""
import argparse
import os
import random
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "driver", "pack"))
# Modules below import the pack tool's C module at import time; evaluation
# does not use it, so an empty module stands in.
sys.modules.setdefault("_pyembed_pack", types.ModuleType("_pyembed_pack"))
from pyembed_pack.errors import PackError  # noqa: E402
from pyembed_pack.config.api import Context  # noqa: E402
from pyembed_pack.config.errors import StarlarkError  # noqa: E402
from pyembed_pack.config.starlark import Evaluation  # noqa: E402
from pyembed_pack.config.targets import TargetFailed  # noqa: E402

SNIPPETS = [
    "x = " + "(" * 300 + "1" + ")" * 300,
    "x = " + "[" * 120 + "]" * 120,
    "x = " + "-" * 5000 + "1",
    "x = " + " + ".join(["1"] * 3000),
    "x = " + "not " * 2000 + "True",
    "def f(n):\n    return f(n)\nx = f(1)",
    "def f(n):\n    return [f]\nx = f(1)[0](2)",
    "x = 'a' * (1 << 40)",
    "x = [1] * (1 << 30)",
    "x = 1 << 100000",
    "x = (1 << 60) * (1 << 60) * (1 << 60)",
    "x = int('9' * 5000)",
    "x = str(1 << 60000)",
    "x = '%d' % (1 << 20000)",
    "x = len(range(1 << 64))",
    "x = range(1 << 62)[-1]",
    "x = list(range(1 << 28))",
    "x = 1 // 0", "x = 1 % 0", "x = -1 << 1",
    "x = float('nan')", "x = 1e400",
    "x = 'ab'.replace('', 'xyz' * 1000).replace('', 'q' * 100)",
    "for i in range(1 << 40):\n    pass",
    "def g():\n    for i in range(1 << 40):\n        pass\ng()",
    "x = [1]\nfor i in x:\n    x.append(i)",
    "x = {}\nx['a'] = x",
    "x = [1]\nx.append(x)\ny = str(x)",
    "x = {1: 2}\nfor k in x:\n    x[k + 1] = 3",
    "load('/etc/passwd', 'x')", "load('../../../../x.bzl', 'y')",
    "load('pyembed.bzl', 'x')", "load('', 'x')", "load('a\\x00b', 'x')",
    "load('//x:y.bzl', 'x')", "load('.', 'x')",
    "x = 'a\\x00b'", "x = '\\udcff'", "x = b'\\xff'", "x = '%s %s' % (1,)",
    "x = '{0}{1}'.format(1)", "x = '{}'.format", "x = sorted([1, 'a'])",
    "x = dict(**{1: 2})", "x = hash([])", "x = {[]: 1}", "x = getattr(1, 'real')",
    "x = lambda: " * 200 + "1",
    "x = [i for i in range(3) for j in range(1 << 40)]",
    "x = {i: i for i in range(1 << 40)}",
    "x = type(None)", "x = dir(None)", "x = repr(x)",
    "def h(*a, **k):\n    return a, k\nx = h(*[1] * 10000, **{'a': 1})",
    "def h(a, a):\n    pass",
    "x = 1 if True else", "x = (yield 1)", "class C: pass", "import os",
    "x = __import__('os')", "global x", "x = 0x" + "f" * 5000,
    "register_target('t', lambda: 1)\nregister_target('t', lambda: 2)",
    "register_target('a', lambda b: b, depends = ['b'])\n"
    "register_target('b', lambda a: a, depends = ['a'])",
    "register_target('', lambda: 1)", "register_target('z', 1)",
    "register_target('d', lambda: 1, default = True)\n"
    "register_target('e', lambda: 1, default = True)",
    "resolve_target('nosuch')", "resolve_targets()\nresolve_targets()",
    "set_build_path('/')", "set_build_path(1)",
    "d = default_python_distribution(python_version = '4.99')",
    "d = default_python_distribution(flavor = 'x')",
    "d = PythonDistribution(url = 'http://x', sha256 = 'zz')",
    "d = PythonDistribution(local_path = '\\x00')",
    "m = FileManifest()\nm.add_file(FileContent(filename = '../x', content = 'x'))",
    "m = FileManifest()\nm.install('/tmp/x')",
    "c = default_python_distribution().make_python_interpreter_config()\n"
    "c.run_module = 'a;b'\nc.optimization_level = 7\nc.allocator_backend = 'nosuch'",
    "e = default_python_distribution().to_python_executable(name = '../x')",
    "e = default_python_distribution().to_python_executable(name = 'x')\n"
    "e.add_python_resources(e.read_package_root('/nonexistent', ['x']))",
    "print(VARS['nosuch'])", "VARS['x'] = 1", "CWD = 1", "x = CWD + 1",
    "fail('boom')", "fail()",
]

TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\"[^\"\n]*\"|'[^'\n]*'|[()\[\]{},:=.+*]")


def mutate_text(rng, text, tokens):
    """text with one to four line- or token-level mutations."""
    lines = text.split("\n")
    for _ in range(rng.randrange(1, 5)):
        op = rng.randrange(7)
        i = rng.randrange(len(lines) + 1)
        if op == 0 and lines:                      # delete a line
            del lines[min(i, len(lines) - 1)]
        elif op == 1 and lines:                    # duplicate a line
            lines.insert(i, rng.choice(lines))
        elif op == 2 and len(lines) > 1:           # swap two lines
            j = rng.randrange(len(lines))
            i = min(i, len(lines) - 1)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:                              # a hostile snippet
            indent = rng.choice(["", "", "    ", "\t", " "])
            snippet = rng.choice(SNIPPETS).replace("\n", "\n" + indent)
            lines.insert(i, indent + snippet)
        elif op == 4 and lines:                    # re-indent a line
            i = min(i, len(lines) - 1)
            lines[i] = rng.choice(["", "    ", "        ", "\t"]) + lines[i].lstrip()
        elif lines:                                # replace a token
            i = min(i, len(lines) - 1)
            found = list(TOKEN_RE.finditer(lines[i]))
            if found:
                m = rng.choice(found)
                lines[i] = lines[i][:m.start()] + rng.choice(tokens) + lines[i][m.end():]
    return "\n".join(lines)


def mutate_bytes(rng, data):
    """data with byte-level damage."""
    data = bytearray(data)
    op = rng.randrange(5)
    pos = rng.randrange(len(data) + 1)
    if op == 0 and data:
        data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
    elif op == 1:
        del data[pos:]
    elif op == 2:
        data[pos:pos] = rng.choice([b"\xff", b"\xc3", b"\x00", b"\r", b"\\", b"\"\"\"",
                                    b"\xed\xa0\x80", b"\xef\xbb\xbf", b"#", b"\t"])
    elif op == 3 and data:
        end = min(len(data), pos + rng.randrange(1, 64))
        data[pos:end] = b""
    else:
        data[pos:pos] = data[:rng.randrange(len(data) + 1)]
    return bytes(data)


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


def evaluate(work):
    """Evaluates work/pyembed.bzl as `pyembed-pack build` does before it
    builds: the top level, the targets' check, every target resolved."""
    path = os.path.join(work, "pyembed.bzl")
    ctx = Context(path, {"wheelhouse": work}, None, quiet=True)
    reported = []
    ctx.targets.report = lambda name, e: reported.append(e)
    Evaluation(ctx.predeclared()).exec_file(path, "pyembed.bzl")
    ctx.targets.check()
    for name in list(ctx.targets.targets):
        try:
            ctx.targets.resolve_reporting(name)
        except TargetFailed:
            pass
    for e in reported:
        check_error(e)


def check_error(e):
    """Raises AssertionError when PackError e is not a usable message."""
    msg = str(e)
    assert msg.strip(), "empty PackError message"
    if isinstance(e, StarlarkError):  # the file (maybe a loaded one) and position
        assert re.match(r"[^\n]+:\d+:\d+: \S", msg), \
            f"StarlarkError without a position: {msg[:200]!r}"


OUTCOMES = {"ok": 0, "error": 0}


def run_one(data, work, timeout):
    """Evaluates data; returns None when the contract held, else the
    failure text."""
    with open(os.path.join(work, "pyembed.bzl"), "wb") as f:
        f.write(data)
    signal.alarm(timeout)
    try:
        evaluate(work)
    except PackError as e:
        try:
            check_error(e)
        except AssertionError as a:
            return str(a)
        OUTCOMES["error"] += 1
        return None
    except Timeout:
        return f"took more than {timeout}s"
    except BaseException:  # noqa: B036 — anything else breaks the contract
        return traceback.format_exc(limit=8)
    finally:
        signal.alarm(0)
    OUTCOMES["ok"] += 1
    return None


def load_dir(path):
    """(name, bytes) of every regular file in path not starting with '.'."""
    if not os.path.isdir(path):
        raise SystemExit(f"config_fuzz.py: {path}: not a directory")
    out = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if not name.startswith(".") and os.path.isfile(full):
            with open(full, "rb") as f:
                out.append((name, f.read()))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--seconds", type=float, help="run for this long instead")
    ap.add_argument("--timeout", type=int, default=60, help="seconds one input may take")
    ap.add_argument("--save", default="config-new-crashes",
                    help="where inputs that break the contract go")
    ap.add_argument("corpus")
    ap.add_argument("crashes")
    args = ap.parse_args()
    sys.setrecursionlimit(1000)  # the pack tool's own interpreter default
    # a runaway allocation must become the front end's error, not swap
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, on_alarm)
    corpus, crashes = load_dir(args.corpus), load_dir(args.crashes)
    texts = [data.decode("utf-8") for _, data in corpus]
    tokens = sorted({m.group() for t in texts for m in TOKEN_RE.finditer(t)})
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="config-fuzz-")
    found, seen, runs, start = 0, set(), 0, time.monotonic()
    try:
        inputs = list(corpus + crashes)
        while True:
            if inputs:
                name, data = inputs.pop(0)
            elif args.seconds is not None and time.monotonic() - start >= args.seconds:
                break
            elif args.seconds is None and runs >= args.iterations + len(corpus) + len(crashes):
                break
            else:
                data = mutate_text(rng, rng.choice(texts), tokens).encode("utf-8",
                                                                          "surrogatepass")
                if rng.random() < 0.2:
                    data = mutate_bytes(rng, data)
                name = f"iteration {runs}"
            runs += 1
            failure = run_one(data, work, args.timeout)
            if failure is None:
                continue
            found += 1
            signature = failure.strip().splitlines()[-1][:200]
            if signature not in seen:
                seen.add(signature)
                os.makedirs(args.save, exist_ok=True)
                path = os.path.join(args.save, "input-%d" % len(seen))
                with open(path, "wb") as f:
                    f.write(data)
                print(f"FAIL {name} (saved as {path}):\n{failure}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"config_fuzz: {runs} inputs ({len(corpus)} corpus, {len(crashes)} crashes, "
          f"seed {args.seed}) in {time.monotonic() - start:.1f}s: {OUTCOMES['ok']} evaluated, "
          f"{OUTCOMES['error']} refused with a PackError, {found} broke the contract "
          f"({len(seen)} distinct)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
