"""File writing for everything the pack tool produces: the one atomic write."""
import contextlib
import os
import stat
import tempfile

_recorders = []  # the sets of recording() blocks active now, innermost last


def read(path):
    """The bytes of the file at path."""
    with open(path, "rb") as f:
        return f.read()


def default_mode():
    """The permission bits open() gives a new file: 0o666 minus the umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path, data, mode=None):
    """Writes data to path so that path is either its old self or complete:
    a temporary file in path's directory, fsync'ed, then renamed over path.
    mode: permission bits of the result (None: as open() would create it).
    The temporary file is removed if anything fails."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), default_mode() if mode is None else mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def holds(path, data, mode):
    """True when path is a regular file with exactly data and mode bits."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data) or \
                stat.S_IMODE(st.st_mode) != mode:
            return False
        return read(path) == data
    except OSError:
        return False


def update(path, data, mode=None):
    """atomic_write(path, data, mode), unless path already holds exactly
    that: rebuilding into the same directory rewrites (and syncs) only the
    files that changed."""
    mode = default_mode() if mode is None else mode
    if not holds(path, data, mode):
        atomic_write(path, data, mode)
    for paths in _recorders:
        paths.add(os.path.abspath(path))


@contextlib.contextmanager
def recording():
    """A block yielding the set of absolute paths update() (and so
    copy_file()) writes or finds up to date while it runs."""
    paths = set()
    _recorders.append(paths)
    try:
        yield paths
    finally:
        _recorders.remove(paths)


def prune(directory, keep):
    """Removes the files (and symlinks) below directory whose absolute
    paths are not in keep, then the directories left empty; never follows
    a symlink."""
    for dirpath, dirs, files in os.walk(directory, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.abspath(os.path.join(dirpath, name))
            if path not in keep:
                os.unlink(path)
        if dirpath != directory and not os.listdir(dirpath):
            os.rmdir(dirpath)


def copy_file(src, dst, mode=None):
    """Makes dst a copy of file src's contents (its mode bits too only if
    mode is given, as shutil.copyfile), through update()."""
    update(dst, read(src), mode)
