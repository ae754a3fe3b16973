#!/usr/bin/python3.11
"""check_layers.py — fail on call cycles between the source files of a
static library, and on calls between libraries that are not allowed.

Usage:
    /usr/bin/python3.11 scripts/check_layers.py [options] BUILD_DIR LIB [LIB ...]

    LIB        a static library to check: a name ("packrs" or "libpackrs",
               meaning the one lib<name>.a under BUILD_DIR) or a path to
               an archive (absolute, or relative to BUILD_DIR).
    --context LIB
               a library whose definitions are known, so calls into it are
               recognised and judged by --allow, but whose own files are
               not checked (repeatable).
    --allow USER:USED
               library USER may call library USED, by name, e.g.
               --allow pyembed:packrs (repeatable). Every other call from
               one library into another is an error.
    --nm NM    the nm to run (default: nm); use llvm-nm for clang LTO
               objects.
    -q, --quiet
               print only failures.

Examples (from the source root, after ninja -C build):
    /usr/bin/python3.11 scripts/check_layers.py build packrs --context pyembed
        libpackrs has no cycles between its files and needs nothing from
        libpyembed.
    /usr/bin/python3.11 scripts/check_layers.py build pyembed packrs \\
            --allow pyembed:packrs
        both libraries cycle-free; libpyembed may use libpackrs, not the
        reverse.

How it works: `nm -A -P` lists, for every object file of each archive,
the global symbols it defines (T, D, B, R, C, W, ...) and the ones it
references but lacks (U, w). One object is one source file (meson names
members SOURCE.o, e.g. reader.c.o; thin archives work too). A reference
from file A to a symbol that file B of the same library defines is an
edge A -> B: a call, or the address of a function or object taken (both
make A depend on B). Static functions are invisible, which is right: they
cannot cross files. Strongly connected components (Tarjan) of more than
one file are the cycles; each is reported with the edges inside it
(naming the symbols) and one shortest loop through it. References between
libraries are checked against --allow, and a loop between libraries
always fails. References to symbols no given library defines (libc, zlib,
sanitizer runtimes) are ignored. On success it prints each library's files
in layers: a file calls only files of lower layers.

Exit status: 0 clean, 1 cycles or forbidden calls found, 2 usage error
(missing archive, nm failed).
"""

import argparse
import collections
import os
import re
import subprocess
import sys

DEFINED = set("ABCDGIRSTVW")   # nm types of global definitions
UNDEFINED = set("Uwv")         # references the object needs from elsewhere
NM_LINE = re.compile(r"^(?P<archive>.*?)\[(?P<member>[^\]]+)\]: (?P<sym>\S+) (?P<type>\S)")


def fail_usage(msg):
    print("check_layers.py: " + msg, file=sys.stderr)
    sys.exit(2)


def lib_name(path):
    """'.../libpackrs.a' -> 'packrs'."""
    base = os.path.basename(path)
    base = base[:-2] if base.endswith(".a") else base
    return base[3:] if base.startswith("lib") else base


def find_archive(build, spec):
    """Resolves LIB (a name or a path) to an archive path."""
    for cand in (spec, os.path.join(build, spec)):
        if spec.endswith(".a") and os.path.isfile(cand):
            return cand
    name = spec[3:] if spec.startswith("lib") else spec
    want = "lib" + name + ".a"
    hits = []
    for root, dirs, files in os.walk(build):
        dirs[:] = [d for d in dirs if not d.endswith(".p") and d != "meson-private"]
        if want in files:
            hits.append(os.path.join(root, want))
    if len(hits) != 1:
        fail_usage("%s: %s under %s" % (spec, "not found" if not hits
                   else "ambiguous (%s)" % ", ".join(sorted(hits)), build))
    return hits[0]


def source_of(member):
    """Archive member -> source file name: 'reader.c.o' -> 'reader.c'
    (a thin archive names 'libx.a.p/reader.c.o'; meson flattens sources in
    subdirectories into unique names such as 'sub_reader.c.o')."""
    member = member.rsplit("/", 1)[-1]
    return member[:-2] if member.endswith(".o") else member


def read_archive(nm, path):
    """{file: (defined set, undefined set)} of the archive at path."""
    try:
        out = subprocess.run([nm, "-A", "-P", path], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        fail_usage("%s -A -P %s: %s" % (nm, path, e))
    files = collections.OrderedDict()
    for line in out.splitlines():
        m = NM_LINE.match(line)
        if not m:
            continue
        defs, refs = files.setdefault(source_of(m["member"]), (set(), set()))
        if m["type"] in DEFINED:
            defs.add(m["sym"])
        elif m["type"] in UNDEFINED:
            refs.add(m["sym"])
    if not files:
        fail_usage("%s: no object files" % path)
    return files


class Library:
    def __init__(self, name, path, files):
        self.name, self.path, self.files = name, path, files


def definers(libs):
    """{symbol: [(library, file), ...]} over all libraries."""
    where = collections.defaultdict(list)
    for lib in libs:
        for f, (defs, _) in lib.files.items():
            for s in defs:
                where[s].append((lib.name, f))
    return where


def file_graph(lib, where):
    """{file: {file: sorted symbols}}: references inside lib."""
    graph = {f: collections.defaultdict(set) for f in lib.files}
    for f, (_, refs) in lib.files.items():
        for s in refs:
            for owner, g in where.get(s, ()):
                if owner == lib.name and g != f:
                    graph[f][g].add(s)
    return graph


def sccs(nodes, edges):
    """Tarjan's strongly connected components, iteratively."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def shortest_loop(comp, edges):
    """A shortest cycle through comp[0] inside comp (breadth-first)."""
    start, inside = comp[0], set(comp)
    prev, queue = {start: None}, collections.deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(edges[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in inside and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def layers(nodes, edges):
    """Files by layer: layer 0 calls no file, layer n only layers < n
    (only meaningful when the graph has no cycles)."""
    depth = {}

    def d(v):
        if v not in depth:
            depth[v] = 0  # guards recursion if a cycle slipped through
            depth[v] = 1 + max((d(w) for w in edges[v]), default=-1)
        return depth[v]

    by = collections.defaultdict(list)
    for v in nodes:
        by[d(v)].append(v)
    return [sorted(by[k]) for k in sorted(by)]


def check_cycles(lib, where, quiet):
    """Prints lib's cycles (or its layers); returns the number found."""
    graph = file_graph(lib, where)
    cycles = [c for c in sccs(list(graph), graph) if len(c) > 1]
    for comp in cycles:
        print("CYCLE in lib%s between %d files: %s" % (lib.name, len(comp), ", ".join(comp)))
        print("  shortest loop: " + " -> ".join(shortest_loop(comp, graph)))
        for f in comp:
            for g in sorted(graph[f]):
                if g in comp:
                    print("  %s -> %s (%s)" % (f, g, ", ".join(sorted(graph[f][g]))))
    if not cycles and not quiet:
        nedges = sum(len(v) for v in graph.values())
        print("lib%s: %d files, %d file-to-file dependencies, no cycles"
              % (lib.name, len(graph), nedges))
        for i, layer in enumerate(layers(list(graph), graph)):
            print("  layer %d: %s" % (i, " ".join(layer)))
    return len(cycles)


def check_libraries(checked, libs, where, allowed, quiet):
    """Prints forbidden calls between libraries and loops between them;
    returns how many there are."""
    uses = collections.defaultdict(lambda: collections.defaultdict(set))
    for lib in libs:
        for f, (_, refs) in lib.files.items():
            for s in refs:
                for owner, g in where.get(s, ()):
                    if owner != lib.name:
                        uses[lib.name][owner].add("%s -> lib%s:%s (%s)" % (f, owner, g, s))
    bad = 0
    for lib in checked:
        for owner, calls in sorted(uses[lib.name].items()):
            if (lib.name, owner) in allowed:
                if not quiet:
                    print("lib%s -> lib%s: allowed, %d references" % (lib.name, owner, len(calls)))
                continue
            bad += 1
            print("FORBIDDEN lib%s -> lib%s (not in --allow):" % (lib.name, owner))
            for c in sorted(calls):
                print("  " + c)
    names = [lib.name for lib in libs]
    lib_edges = {n: set(uses[n]) for n in names}
    for comp in sccs(names, lib_edges):
        if len(comp) > 1 and any(lib.name in comp for lib in checked):
            bad += 1
            print("CYCLE between libraries: " + " -> ".join(shortest_loop(comp, lib_edges)))
    return bad


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Fail on call cycles between the source files of static "
                    "libraries and on calls between libraries not allowed.")
    ap.add_argument("build_dir")
    ap.add_argument("libs", nargs="+", metavar="LIB")
    ap.add_argument("--context", action="append", default=[], metavar="LIB")
    ap.add_argument("--allow", action="append", default=[], metavar="USER:USED")
    ap.add_argument("--nm", default="nm")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    allowed = set()
    for a in args.allow:
        user, sep, used = a.partition(":")
        if not sep or not user or not used:
            fail_usage("--allow %s: want USER:USED" % a)
        allowed.add((lib_name(user + ".a"), lib_name(used + ".a")))
    args.allowed = allowed
    return args


def main(argv):
    args = parse_args(argv)
    if not os.path.isdir(args.build_dir):
        fail_usage("%s: not a directory" % args.build_dir)
    checked, libs = [], []
    for i, spec in enumerate(args.libs + args.context):
        path = find_archive(args.build_dir, spec)
        lib = Library(lib_name(path), path, read_archive(args.nm, path))
        if any(lib.name == other.name for other in libs):
            fail_usage("library %s given twice" % lib.name)
        libs.append(lib)
        if i < len(args.libs):
            checked.append(lib)
    where = definers(libs)
    bad = sum(check_cycles(lib, where, args.quiet) for lib in checked)
    bad += check_libraries(checked, libs, where, args.allowed, args.quiet)
    if bad:
        print("check_layers.py: %d problem(s) found" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
