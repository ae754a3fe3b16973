#!/usr/bin/python3.11
"""make_archive_seeds.py DIR — seeds for archive_fuzzer: small tar archives
shaped like distributions (python/PYTHON.json and a tree with links), the
hostile kinds the extraction policy refuses (absolute names, '..', link
escapes direct and through other links, hard links out, devices, fifos,
huge declared sizes, too many entries), GNU and pax long names, and the
compressed forms dist accepts (.gz, .xz, .zst when the zstd tool exists).
Deterministic (fixed mtimes, no owner names). Run by hand:
    /usr/bin/python3.11 tests/fuzz/make_archive_seeds.py tests/fuzz/corpus/archive
"""
import gzip
import io
import lzma
import os
import shutil
import subprocess
import sys
import tarfile

DOC = b'{"version": "8", "python_version": "3.13.9", "python_exe": "install/bin/python3"}'


def tar(members, fmt=tarfile.PAX_FORMAT):
    """Tar bytes of members [(name, kind, arg)]: kind file (arg bytes), dir,
    symlink/hardlink (arg target), huge (arg declared size), chr, fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, arg in members:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode = 1700000000, 0o644
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = arg
            elif kind == "huge":
                info.size = arg
            elif kind == "chr":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            if kind == "file":
                info.size = len(arg)
                t.addfile(info, io.BytesIO(arg))
            else:
                t.addfile(info)
    return buf.getvalue()


DIST = [("python", "dir", None), ("python/PYTHON.json", "file", DOC),
        ("python/install/bin/python3.13", "file", b"\x7fELF stub\n"),
        ("python/install/bin/python3", "symlink", "python3.13"),
        ("python/install/lib/libz.a", "hardlink", "python/install/bin/python3.13"),
        ("python/licenses/LICENSE", "file", b"text\n" * 20)]

SEEDS = {
    "distribution.tar": tar(DIST),
    "distribution-gnu.tar": tar(DIST, tarfile.GNU_FORMAT),
    "distribution-ustar.tar": tar(DIST, tarfile.USTAR_FORMAT),
    "long-names.tar": tar([("python/" + "d" * 120 + "/" + "f" * 150, "file", b"x"),
                           ("python/l", "symlink", "x" * 200)]),
    "dotted-names.tar": tar([("./python//./a/", "dir", None), ("python/a/./b", "file", b"b")]),
    "absolute.tar": tar([("/tmp/pyembed-fuzz-abs", "file", b"x")]),
    "dotdot.tar": tar([("python/../../up", "file", b"x")]),
    "symlink-out.tar": tar([("python/evil", "symlink", "../../.."), ("python/evil/x", "file",
                                                                     b"x")]),
    "symlink-absolute.tar": tar([("python/evil", "symlink", "/etc")]),
    "symlink-through-link.tar": tar([("s", "symlink", "."), ("t", "symlink", "s/.."),
                                     ("t/x", "file", b"x")]),
    "symlink-chain.tar": tar([("a/b", "dir", None), ("a/up", "symlink", "b/.."),
                              ("a/b/c", "symlink", "../up/../..")]),
    "hardlink-out.tar": tar([("python/hard", "hardlink", "../outside")]),
    "hardlink-via-symlink.tar": tar([("d", "symlink", "."), ("h", "hardlink", "d/../sentinel")]),
    "hardlink-absolute.tar": tar([("python/hard", "hardlink", "/etc/passwd")]),
    "device.tar": tar([("python/null", "chr", None)]),
    "fifo.tar": tar([("python/fifo", "fifo", None)]),
    "huge-declared.tar": tar([("python/huge", "huge", 3 << 30)]),
    "many-entries.tar": tar([("f%03d" % i, "file", b"") for i in range(70)]),
    "big-file.tar": tar([("big", "file", b"\0" * (300 << 10))]),
    "empty.tar": b"\0" * 1024,
    "file-then-dir.tar": tar([("x", "file", b"x"), ("x/y", "file", b"y"), ("x", "dir", None)]),
    "dir-replaced-by-link.tar": tar([("d", "dir", None), ("d", "symlink", "/tmp"),
                                     ("d/f", "file", b"f")]),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    dist = SEEDS["distribution.tar"]
    with open(os.path.join(out, "distribution.tar.gz"), "wb") as f:
        f.write(gzip.compress(dist, mtime=0))
    with open(os.path.join(out, "distribution.tar.xz"), "wb") as f:
        f.write(lzma.compress(dist))
    zstd = shutil.which("zstd")
    if zstd:
        with open(os.path.join(out, "distribution.tar.zst"), "wb") as f:
            f.write(subprocess.run([zstd, "-q", "-c", "-3"], input=dist, check=True,
                                   capture_output=True).stdout)


if __name__ == "__main__":
    main(sys.argv[1])
