"""What a build writes: the executable (a driver copy with the blob
embedded), the blob file, and the files of filesystem-relative modules
beside the output."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import _pyembed_pack as P

from . import elf
from .errors import PackError
from .fsutil import atomic_write, copy_file, default_mode, update


def placement(m, spec, fs_packages):
    """None when m is served from memory, else the filesystem-relative
    prefix (below the output's directory) its files go to. A config's
    decision for m comes first; then fs_packages, the selection's (package,
    prefix) pairs (--filesystem-package and detected ones), then
    --resources-location."""
    d = m.decision
    if d is not None and d.location is not None:
        loc = d.location
    else:
        loc = next((prefix for name, prefix in fs_packages
                    if m.name == name or m.name.startswith(name + ".")), spec.resources_location)
    if loc == "in-memory":
        loc = None
    if loc is None and m.kind == "extension" and (not spec.extensions_in_memory or
                                                  needs_own_file(m.path)):
        # $ORIGIN-relative dependencies (wheel-bundled .libs) cannot be
        # found from a memfd: such a module goes on the filesystem.
        return d.fallback if d is not None and d.fallback else spec.resources_fallback
    return loc


def needs_own_file(path):
    """True when the extension at path finds libraries relative to itself."""
    try:
        return elf.origin_rpath(path)
    except elf.ElfError as e:
        raise PackError(f"{path}: {e}") from None


def package_dirs(spec, placed):
    """The directories <output dir>/<prefix>/<package> of the top-level
    packages placed on the filesystem (placed: (prefix, module) pairs)
    that exist already and are real directories inside the output's
    directory: what a rebuild prunes (fsutil.prune) of files it no longer
    writes, so a module it leaves out is not imported from stale files."""
    tops = {(prefix, m.name.split(".")[0]) for prefix, m in placed
            if "." in m.name or m.kind in ("package", "namespace")}
    root = os.path.realpath(spec.out_dir)
    found = []
    for prefix, top in sorted(tops):
        path = os.path.abspath(os.path.join(spec.out_dir, prefix, top))
        if os.path.isdir(path) and not os.path.islink(path) and \
                os.path.realpath(path).startswith(root + os.sep):
            found.append(path)
    return found


def data_mode(path):
    """The mode of a data file's copy: a new file's, and executable by
    whoever may read it when the original is executable by its owner (a
    package's helper script or test executable)."""
    mode = default_mode()
    return mode | ((mode & 0o444) >> 2) if os.stat(path).st_mode & 0o100 else mode


def data_files(m, base):
    """Copies m's data files under directory base."""
    for key, path in m.data.items():
        os.makedirs(os.path.dirname(os.path.join(base, key)), exist_ok=True)
        copy_file(path, os.path.join(base, key), data_mode(path))


def namespace_files(m, spec, prefix):
    """Writes the data files of namespace package m under <output
    dir>/<prefix>/<its directory> (a namespace has no file of its own)."""
    data_files(m, os.path.join(spec.out_dir, prefix, m.name.replace(".", "/")))


def module_files(m, comps, spec, target, prefix):
    """Writes m's file(s) under <output dir>/<prefix>; returns the path of
    its main file relative to the output's directory. Python modules get an
    unchecked hash-based .pyc in __pycache__ per bytecode level, compiled
    for the target (none when it does not compile: python compiles it, and
    fails, too)."""
    rel_dir = m.name.replace(".", "/") if m.kind == "package" else "/".join(m.name.split(".")[:-1])
    base = os.path.join(spec.out_dir, prefix, rel_dir)
    os.makedirs(base, exist_ok=True)
    dest = os.path.join(base, os.path.basename(m.path))
    copy_file(m.path, dest)
    if m.kind == "extension":
        copy_origin_libs(m.path, dest)
    else:
        for level in spec.levels_of(m):
            code = comps[level].bytecode(m)
            if code is None:
                continue
            pyc = target.pyc_path(dest, level)
            os.makedirs(os.path.dirname(pyc), exist_ok=True)
            update(pyc, target.hash_pyc(m.source(), code))
    data_files(m, base)
    return os.path.relpath(dest, spec.out_dir).replace(os.sep, "/")


def copy_tree(src, dest):
    """Copies the files under directory src to dest, keeping their modes."""
    for dirpath, _, files in os.walk(src, followlinks=True):
        target_dir = os.path.join(dest, os.path.relpath(dirpath, src))
        os.makedirs(target_dir, exist_ok=True)
        for f in files:
            path = os.path.join(dirpath, f)
            copy_file(path, os.path.join(target_dir, f), stat.S_IMODE(os.stat(path).st_mode))


def copy_origin_libs(src, dest):
    """Copies the sibling '*.libs' directories an $ORIGIN rpath may name
    (auditwheel's layout) to the same place relative to dest."""
    src_root = os.path.dirname(src)
    for up in (src_root, os.path.dirname(src_root), os.path.dirname(os.path.dirname(src_root))):
        for entry in os.scandir(up):
            if entry.is_dir() and entry.name.endswith(".libs"):
                rel = os.path.relpath(entry.path, src_root)
                copy_tree(entry.path, os.path.normpath(os.path.join(os.path.dirname(dest), rel)))


def find_driver(spec, target):
    """The driver executable to copy: --driver, else the one linked for the
    target's distribution, else pyembed-run beside this pyembed-pack (a
    build tree), else the installed one."""
    if spec.driver:
        return spec.driver
    if target.make_driver:
        return target.make_driver()
    sibling = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "pyembed-run")
    for cand in (sibling, P.DRIVER_INSTALLED):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise PackError("cannot find the pyembed-run driver (use --driver PATH)")


def write_executable(spec, driver, blob):
    """Writes spec.output: driver (stripped with --strip) with blob
    embedded (libpackrs writes it atomically)."""
    if not spec.strip:
        P.embed(driver, blob, spec.output)
        return
    with tempfile.TemporaryDirectory() as tmp:
        stripped = os.path.join(tmp, "driver")
        shutil.copyfile(driver, stripped)
        strip = shutil.which("strip") or "/usr/bin/strip"
        if subprocess.run([strip, "--strip-all", stripped]).returncode != 0:
            raise PackError("strip failed")
        P.embed(stripped, blob, spec.output)


def write_blob(spec, blob):
    """Writes spec.output: the blob alone, mode 0644."""
    atomic_write(spec.output, blob, 0o644)
