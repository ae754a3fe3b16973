"""Writes pyembed-runtime.json: the runtime's C sources and include
directories, for pyembed-pack to compile a driver against another
CPython's headers at pack time (driver/pack/pyembed_pack/dist/link.py).

usage: runtime_manifest.py OUT --cflag F... --lib L... --include DIR... -- SOURCE...
Paths are written relative to OUT's directory when --relative is given
(the installed tree), else absolute (the build tree).
"""
import json
import os
import sys


def main(argv):
    out = argv[0]
    opts = {"--cflag": [], "--lib": [], "--include": []}
    relative, i = False, 1
    while argv[i] != "--":
        if argv[i] == "--relative":
            relative, i = True, i + 1
            continue
        opts[argv[i]].append(argv[i + 1])
        i += 2
    sources = argv[i + 1:]
    base = os.path.dirname(os.path.abspath(out))
    fix = (lambda p: os.path.relpath(os.path.abspath(p), base)) if relative else os.path.abspath
    doc = {"sources": [fix(s) for s in sources], "include_dirs": [fix(d) for d in opts["--include"]],
           "cflags": opts["--cflag"], "libs": opts["--lib"]}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
