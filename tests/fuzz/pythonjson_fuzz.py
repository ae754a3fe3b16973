#!/usr/bin/python3.11
"""pythonjson_fuzz.py — a deterministic fuzz loop for the PYTHON.json reader
(driver/pack/pyembed_pack/dist/pythonjson.py), which is Python, so
libFuzzer cannot drive it.

    pythonjson_fuzz.py [--seed N] [--iterations N | --seconds S] CORPUS CRASHES

Every file of CORPUS (PYTHON.json documents) and CRASHES (inputs that once
broke the reader, kept forever) is read as it is; then each iteration takes
a corpus document, mutates it (structure-aware: keys deleted, added or
duplicated, values replaced by other types, hostile strings such as
absolute paths, '..', NUL, lone surrogates and C syntax, deep nesting; then,
sometimes, byte-level damage: flips, cuts, splices, invalid UTF-8), writes
it as DIR/python/PYTHON.json and calls pythonjson.read(DIR). The contract:

  * the result is a Distribution or a PackError, never another exception;
  * a PackError's message is one line naming PYTHON.json;
  * a Distribution's attributes have the types its users rely on, every
    relative path it holds stays inside the distribution, and what the
    pack tool then does with it (summary(), python_exe, has_objects,
    link.chosen_extensions / link_inputs, resolve.dir_identity) raises
    nothing.

Inputs that break the contract are written to --save DIR (default
./pythonjson-new-crashes) and reported; the exit status is 1 if there were
any. The same
seed and iteration count give the same inputs (random.Random(seed)).
fuzz-regress runs a fixed short loop; run it longer by hand, e.g.
    /usr/bin/python3.11 tests/fuzz/pythonjson_fuzz.py --seconds 600 \\
        tests/fuzz/corpus/pythonjson tests/fuzz/crashes/pythonjson
"""
import argparse
import copy
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "driver", "pack"))
# link.py, resolve.py and store.py import the pack tool's C module at import
# time; the functions called here do not use it, so an empty module stands
# in (a function that starts using it fails here with AttributeError).
sys.modules.setdefault("_pyembed_pack", types.ModuleType("_pyembed_pack"))
from pyembed_pack.errors import PackError  # noqa: E402
from pyembed_pack.dist import link, pythonjson, resolve  # noqa: E402

HOSTILE_STRINGS = ["", "x", "/etc/passwd", "../../../etc/passwd", "install/../../x", "a\0b",
                   "\udcff", "\ud800x", "é", "a\nb", "8", "7", "9", "-1", "3.13", "3.13.9",
                   "3", "3.x.1", " 8", "\"); system(\"x", "a\", evil(); //", "x" * 5000,
                   "install/bin/python3.13", "build/core/a.o", "PyInit_x", "1e309",
                   "{base}", "C:\\python", "~/x", "$HOME/x", "%s%n"]
NUMBERS = [0, 1, -1, 7, 8, 2 ** 64, -2 ** 63, 1.5, float("1e308"), True, False]


def random_value(rng, depth=0):
    """A JSON value of any type, often a hostile one."""
    kind = rng.randrange(8 if depth < 3 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(NUMBERS)
    if kind in (2, 3):
        return rng.choice(HOSTILE_STRINGS)
    if kind == 4:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 5:
        return {rng.choice(HOSTILE_STRINGS + ["objs", "links", "name", "path_static",
                                              "system", "init_fn", "core", "extensions"]):
                random_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if kind == 6:
        return [{"name": random_value(rng, 3), "path_static": random_value(rng, 3),
                 "system": random_value(rng, 3)}]
    return {"objs": random_value(rng, 3), "links": random_value(rng, 3),
            "init_fn": random_value(rng, 3), "required": random_value(rng, 3)}


def containers(node, out):
    """Every dict and list inside node (node included), in document order."""
    if isinstance(node, (dict, list)):
        out.append(node)
        for child in (node.values() if isinstance(node, dict) else node):
            containers(child, out)
    return out


def mutate_tree(rng, doc):
    """doc (a deep copy) with one to four structural mutations."""
    for _ in range(rng.randrange(1, 5)):
        nodes = containers(doc, [])
        node = rng.choice(nodes)
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        op = rng.randrange(6)
        if op == 0 and keys:                       # delete
            del node[rng.choice(keys)]
        elif op == 1 and keys:                     # replace by any value
            node[rng.choice(keys)] = random_value(rng)
        elif op == 2 and isinstance(node, dict):   # add a key
            node[rng.choice(HOSTILE_STRINGS)] = random_value(rng)
        elif op == 3 and keys:                     # wrap in a list
            k = rng.choice(keys)
            node[k] = [node[k]]
        elif op == 4 and keys:                     # copy another subtree here
            node[rng.choice(keys)] = copy.deepcopy(rng.choice(nodes))
        elif op == 5:                              # the format version
            doc["version"] = rng.choice(["7", "8", 7, 8, "9", None, [], "x", 8.0, True])
    return doc


def mutate_bytes(rng, data):
    """data with byte-level damage."""
    data = bytearray(data)
    op = rng.randrange(6)
    pos = rng.randrange(len(data) + 1)
    if op == 0 and data:
        data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
    elif op == 1:
        del data[pos:]
    elif op == 2:
        data[pos:pos] = rng.choice([b"\xff", b"\xc3", b"\x00", b"{", b"[", b'"', b"\\u",
                                    b"\\udcff", b"1e999999", b"NaN", b"-Infinity"])
    elif op == 3 and data:
        start = rng.randrange(len(data))
        data[pos:pos] = data[start:start + rng.randrange(1, 200)]
    elif op == 4:
        depth = rng.choice([50, 1000, 100000])
        data = bytearray(b'{"version": "8", "python_version": "3.13.1", "build_info": '
                         + b"[" * depth + b"]" * depth + b"}")
    else:
        data = b"\xef\xbb\xbf" + data  # a BOM: json.load refuses it
    return bytes(data)


def check_relative(dist, rel, what):
    """rel must name a path inside the distribution root."""
    full = os.path.normpath(dist.path(rel))
    root = os.path.normpath(dist.root)
    if not (full == root or full.startswith(root + os.sep)):
        raise AssertionError(f"{what} {rel!r} leaves the distribution")


def check_distribution(dist):
    """The types and paths a Distribution promises, and its users' calls."""
    for attr in ("python_version", "minor", "triple", "build_options", "link_mode",
                 "object_format"):
        assert isinstance(getattr(dist, attr), str), attr
    for attr in ("extension_loading", "crt_features", "licenses", "inittab_cflags"):
        value = getattr(dist, attr)
        assert isinstance(value, list) and all(isinstance(x, str) for x in value), attr
    assert isinstance(dist.format, int) and dist.format in pythonjson.READ_VERSIONS
    assert dist.magic is None or isinstance(dist.magic, str)
    assert isinstance(dist.suffixes, dict) and isinstance(dist.paths, dict)
    assert isinstance(dist.extensions, dict) and isinstance(dist.core, dict)
    for key, rel in dist.paths.items():
        check_relative(dist, rel, "python_paths." + key)
    for attr in ("inittab_object", "inittab_source", "inittab_template"):
        if getattr(dist, attr) is not None:
            check_relative(dist, getattr(dist, attr), attr)
    check_relative(dist, dist.doc["python_exe"], "python_exe")
    dist.summary()
    assert isinstance(dist.python_exe, str)
    assert dist.has_objects in (True, False)
    names = link.chosen_extensions(dist, None)
    objs, archives, system = link.link_inputs(dist, names)
    for path in objs + archives:
        check_relative(dist, os.path.relpath(path, dist.root), "object")
    for name in names:
        fn = dist.extensions[name][0]["init_fn"]
        assert fn.isascii() and fn.isidentifier(), fn
    assert all(flag.startswith("-l") for flag in system)
    resolve.dir_identity(dist)
    "\n".join(dist.summary()).encode("utf-8", "backslashreplace")


def run_one(data, work):
    """Reads data as a distribution's PYTHON.json; returns None when the
    contract held, else the traceback text."""
    root = os.path.join(work, "python")
    with open(os.path.join(root, "PYTHON.json"), "wb") as f:
        f.write(data)
    try:
        dist = pythonjson.read(work)
    except PackError as e:
        msg = str(e)
        if "\n" in msg or "PYTHON.json" not in msg:
            return f"PackError message not one line naming PYTHON.json: {msg[:300]!r}"
        return None
    except BaseException:  # noqa: B036 — anything else breaks the contract
        return traceback.format_exc(limit=6)
    try:
        check_distribution(dist)
    except BaseException:  # noqa: B036
        return traceback.format_exc(limit=6)
    return None


def load_dir(path):
    """(name, bytes) of every regular file in path not starting with '.'."""
    if not os.path.isdir(path):
        raise SystemExit(f"pythonjson_fuzz.py: {path}: not a directory")
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
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--seconds", type=float, help="run for this long instead")
    ap.add_argument("--save", default="pythonjson-new-crashes",
                    help="where inputs that break the contract go")
    ap.add_argument("corpus")
    ap.add_argument("crashes")
    args = ap.parse_args()
    sys.setrecursionlimit(1000)  # the pack tool's own interpreter default
    corpus, crashes = load_dir(args.corpus), load_dir(args.crashes)
    docs = [json.loads(data) for _, data in corpus]
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="pythonjson-fuzz-")
    os.mkdir(os.path.join(work, "python"))
    found, seen, runs, start = 0, set(), 0, time.monotonic()
    new_dir = args.save
    try:
        inputs = [(name, data) for name, data in corpus + crashes]
        while True:
            if inputs:
                name, data = inputs.pop(0)
            elif args.seconds is not None and time.monotonic() - start >= args.seconds:
                break
            elif args.seconds is None and runs >= args.iterations + len(corpus) + len(crashes):
                break
            else:
                doc = mutate_tree(rng, copy.deepcopy(rng.choice(docs)))
                data = json.dumps(doc).encode("utf-8", "surrogatepass")
                if rng.random() < 0.25:
                    data = mutate_bytes(rng, data)
                name = f"iteration {runs}"
            runs += 1
            failure = run_one(data, work)
            if failure is None:
                continue
            found += 1
            signature = failure.strip().splitlines()[-1][:200]
            if signature not in seen:
                seen.add(signature)
                os.makedirs(new_dir, exist_ok=True)
                path = os.path.join(new_dir, "input-%d" % len(seen))
                with open(path, "wb") as f:
                    f.write(data)
                print(f"FAIL {name} (saved as {path}):\n{failure}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"pythonjson_fuzz: {runs} inputs ({len(corpus)} corpus, {len(crashes)} crashes, "
          f"seed {args.seed}) in {time.monotonic() - start:.1f}s: {found} broke the contract "
          f"({len(seen)} distinct)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
