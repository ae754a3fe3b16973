"""The CPython source tree a distribution is built from: a Debian source
package (default), a tarball or a directory; with the identity (a content
hash) that keys the build cache."""
import hashlib
import os
import re
import shutil
import tempfile

from . import debian
from ..errors import PackError


class Source:
    """A prepared CPython source tree."""

    def __init__(self, tree, identity, origin):
        self.tree = tree          # directory holding configure and Include/
        self.identity = identity  # sha256 hex of the inputs
        self.origin = origin      # where it came from, for messages and PYTHON.json
        self.version = read_version(tree)
        self.epoch = int(os.path.getmtime(os.path.join(tree, "Include", "patchlevel.h")))

    @property
    def minor(self):
        return ".".join(self.version.split(".")[:2])


def read_version(tree):
    """PY_VERSION of the source tree (Include/patchlevel.h)."""
    path = os.path.join(tree, "Include", "patchlevel.h")
    if not os.path.isfile(path) or not os.path.isfile(os.path.join(tree, "configure")):
        raise PackError(f"{tree}: not a CPython source tree (no configure and "
                        "Include/patchlevel.h)")
    with open(path) as f:
        m = re.search(r'#define\s+PY_VERSION\s+"([^"]+)"', f.read())
    if not m:
        raise PackError(f"{path}: no PY_VERSION")
    return m.group(1)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_tree(root):
    """Hash of a directory's names, executable bits and contents."""
    h = hashlib.sha256()
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__"))
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                h.update(b"L" + rel.encode() + b"\0" + os.readlink(path).encode() + b"\0")
                continue
            h.update(b"F" + rel.encode() + b"\0" + bytes([os.access(path, os.X_OK)]))
            h.update(bytes.fromhex(sha256_file(path)))
    return h.hexdigest()


def _single_top(dest):
    """The one directory an extracted source tarball holds."""
    entries = [e for e in os.listdir(dest) if not e.startswith(".")]
    if len(entries) == 1 and os.path.isdir(os.path.join(dest, entries[0])):
        return os.path.join(dest, entries[0])
    return dest


def from_tarball(path, cache_dir, extract, origin=None, identity=None):
    """Extracts a source tarball once into cache_dir (keyed by its hash)."""
    if not os.path.isfile(path):
        raise PackError(f"--source {path}: no such file")
    digest = identity or sha256_file(path)
    tree_root = os.path.join(cache_dir, "src-" + digest[:32])
    if not os.path.isdir(tree_root):
        os.makedirs(cache_dir, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".src-", dir=cache_dir)
        try:
            extract(path, tmp)
            os.replace(tmp, tree_root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return Source(_single_top(tree_root), digest, origin or os.path.basename(path))


def from_dir(path):
    """An unpacked source directory, used in place."""
    if not os.path.isdir(path):
        raise PackError(f"--source {path}: not a directory")
    tree = os.path.abspath(path)
    read_version(tree)
    return Source(tree, sha256_tree(tree), tree)


def from_debian(minor, cache_dir, extract, log, version=None, fetch=None):
    """The newest pythonX.Y source package Debian's mirror serves, or that
    exact Debian version."""
    apt = debian.AptDir(os.path.join(cache_dir, "apt"))
    version, dsc, orig = debian.fetch_cpython(minor, apt, os.path.join(cache_dir, "debian"),
                                              log, version, fetch)
    log(f"source: Debian python{minor} {version} ({os.path.basename(orig)})")
    return from_tarball(orig, cache_dir, extract,
                        origin=f"Debian source package python{minor} {version}")


def obtain(minor, source, cache_dir, extract, log, debian_version=None, fetch=None):
    """The source tree for `dist build --python minor [--source source |
    --debian-version V]`."""
    if source is None:
        src = from_debian(minor, cache_dir, extract, log, debian_version, fetch)
    elif os.path.isdir(source):
        src = from_dir(source)
    else:
        src = from_tarball(os.path.abspath(source), cache_dir, extract)
    if src.minor != minor:
        raise PackError(f"--python {minor}: the source is CPython {src.version}")
    return src
