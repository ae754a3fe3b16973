"""Writes pyembed-runtime.json: the runtime's C sources and include
directories, for pyembed-pack to compile a driver against another
CPython's headers at pack time (driver/pack/pyembed_pack/dist/link.py).

usage: runtime_manifest.py OUT [--installed] --cflag F... --lib L... --include DIR... -- SOURCE...
Paths are absolute (the build tree), or with --installed as the install
rules of driver/meson.build lay the tree out beside the manifest: each
source as <its directory's name>/<file>, each include directory as its
directory's name (generated headers are installed among the sources').
"""
import json
import os
import sys


def main(argv):
    out = argv[0]
    opts = {"--cflag": [], "--lib": [], "--include": []}
    installed, i = False, 1
    while argv[i] != "--":
        if argv[i] == "--installed":
            installed, i = True, i + 1
            continue
        opts[argv[i]].append(argv[i + 1])
        i += 2
    sources = argv[i + 1:]
    if installed:
        src = [os.path.join(os.path.basename(os.path.dirname(os.path.abspath(p))),
                            os.path.basename(p)) for p in sources]
        inc = list(dict.fromkeys(os.path.basename(os.path.normpath(d)) for d in opts["--include"]))
    else:
        src = [os.path.abspath(p) for p in sources]
        inc = [os.path.abspath(d) for d in opts["--include"]]
    doc = {"sources": src, "include_dirs": inc, "cflags": opts["--cflag"], "libs": opts["--lib"]}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
