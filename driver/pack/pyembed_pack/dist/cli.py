"""`pyembed-pack dist build|list|info|clear`: distributions of our own and
the local store."""
import argparse
import os
import shutil
import sys

from ..errors import PackError
from . import build, builder, pythonjson, resolve, store


def parser():
    p = argparse.ArgumentParser(prog="pyembed-pack dist")
    sub = p.add_subparsers(dest="action", required=True)
    b = sub.add_parser("build", help="build a static CPython distribution from source")
    b.add_argument("--python", required=True, metavar="X.Y", help="3.11, 3.13 or 3.14")
    src = b.add_mutually_exclusive_group()
    src.add_argument("--source", metavar="TARBALL|DIR",
                     help="CPython sources (default: Debian's newest source package)")
    src.add_argument("--debian-version", metavar="V",
                     help="this Debian version of the pythonX.Y source package (from the "
                          "pool, checked against its uploader's signature, when the "
                          "indexes no longer list it), e.g. 3.14.7-1")
    b.add_argument("-o", "--output", metavar="ARCHIVE", help="also copy the archive here")
    b.add_argument("--lto", action="store_true", help="link-time optimisation")
    b.add_argument("--pgo", action="store_true",
                   help="profile-guided optimisation (runs the test suite: slow)")
    b.add_argument("--freeze-boot", action="store_true",
                   help="also freeze the boot modules (encodings, its aliases and utf_8; "
                        "linecache on 3.13+) into libpython (start-up unmarshals none of "
                        "them; opt-in until the packed runtime serves frozen encodings and "
                        "linecache as it serves packed ones)")
    b.add_argument("--include-copyleft", action="store_true",
                   help="also build modules whose libraries are copyleft (readline, gdbm)")
    b.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    b.add_argument("--no-cache", action="store_true",
                   help="build even if this exact distribution is cached")
    b.add_argument("-q", "--quiet", action="store_true")
    f = sub.add_parser("fetch", help="download a distribution archive into the store")
    f.add_argument("url", metavar="URL", help="http://, https:// or file://")
    f.add_argument("--sha256", metavar="HEX", help="its SHA-256 (required for remote URLs)")
    sub.add_parser("list", help="the distributions in the local store")
    i = sub.add_parser("info", help="summary of a distribution's PYTHON.json")
    i.add_argument("what", metavar="ARCHIVE|DIR|URL")
    i.add_argument("--sha256", metavar="HEX", help="for a URL: its archive's SHA-256")
    pa = sub.add_parser("path", help="directory of the newest stored CPython X.Y "
                        "(the one `build --python X.Y` uses)")
    pa.add_argument("--python", required=True, metavar="X.Y")
    sub.add_parser("clear", help="empty the local store")
    return p


def do_build(ns, log):
    minor = ns.python
    if minor not in ("3.11", "3.12", "3.13", "3.14"):
        raise PackError(f"--python {minor}: expected 3.11, 3.13 or 3.14")
    if ns.jobs < 1:
        raise PackError("--jobs must be at least 1")
    recipe = build.Recipe(lto=ns.lto, pgo=ns.pgo, include_copyleft=ns.include_copyleft,
                          freeze_boot=ns.freeze_boot)
    from .. import elf as elfmod

    class Elf:
        @staticmethod
        def glibc_floor(path):
            with open(path, "rb") as f:
                floor = elfmod.glibc_floor(elfmod.ElfFile(f.read()))
            return floor and ".".join(map(str, floor))

    builder.dist_build(minor, ns.source, ns.output, recipe, resolve.cache_base(), ns.jobs,
                       ns.no_cache, log, sys.stderr.isatty() and not ns.quiet, Elf,
                       ns.debian_version)


def do_list(log):
    recs = resolve.the_store(log).entries()
    if not recs:
        print(f"no distributions in {resolve.the_store(log).root}")
    for r in recs:
        print(f"{r['sha256']}  {r['python_version']:<8} {r['triple']} "
              f"{r.get('build_options', '')}  {r.get('origin', '')}")


def do_info(what, sha256, log):
    if os.path.isdir(what):
        dist = pythonjson.read(what)
    else:
        dist = pythonjson.read(resolve.entry_for(what, sha256, log, sys.stderr.isatty()))
    print("\n".join(dist.summary()))


def do_fetch(url, sha256, log):
    entry = resolve.entry_for(url, sha256, log, sys.stderr.isatty())
    dist = pythonjson.read(entry)
    print(f"{os.path.basename(entry)}  CPython {dist.python_version} {dist.triple}  {entry}")


def do_clear(log):
    st = resolve.the_store(log)
    n = len(st.entries())
    if os.path.isdir(st.root):
        shutil.rmtree(st.root)
    print(f"removed {n} distributions from {st.root}")


def main(argv):
    """Runs `pyembed-pack dist ARGS`; returns the exit status."""
    ns = parser().parse_args(argv)
    quiet = getattr(ns, "quiet", False)
    log = (lambda msg: None) if quiet else (lambda msg: print("pyembed-pack: " + msg,
                                                               file=sys.stderr))
    if ns.action == "build":
        do_build(ns, log)
    elif ns.action == "list":
        do_list(log)
    elif ns.action == "info":
        do_info(ns.what, ns.sha256, log)
    elif ns.action == "fetch":
        do_fetch(ns.url, ns.sha256, log)
    elif ns.action == "path":
        entry = resolve.the_store(log).find_minor(ns.python)
        if not entry:
            raise PackError(f"no CPython {ns.python} distribution in "
                            f"{resolve.the_store(log).root}")
        print(os.path.join(entry, "python"))
    else:
        do_clear(log)
    return 0
