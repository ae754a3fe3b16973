"""The C side of distributions (driver/dist, through _pyembed_pack):
deterministic archive creation, hostile-input-safe extraction, reading
one member, downloads."""
import os

import _pyembed_pack as _P

from ..errors import PackError

# Bounds for archives nobody vouches for: a full distribution is ~600 MiB
# unpacked in ~10 000 entries.
MAX_TOTAL = 8 << 30
MAX_ENTRY = 2 << 30
MAX_ENTRIES = 500_000


def create(out, root, prefix, mtime, level=10):
    """Archive root's tree as prefix/... into out (.tar.zst/.tar.gz/...)."""
    try:
        _P.archive_create(out, root, prefix, mtime, level)
    except OSError as e:
        raise PackError(str(e)) from None


def extract(path, dest):
    """Extract archive path into the empty directory dest (see archive.c)."""
    try:
        _P.archive_extract(path, dest, MAX_TOTAL, MAX_ENTRY, MAX_ENTRIES)
    except OSError as e:
        raise PackError(str(e)) from None


def fetch_timeout():
    """Seconds a download may wait to connect or make no progress:
    $PYEMBED_FETCH_TIMEOUT, default 30."""
    value = os.environ.get("PYEMBED_FETCH_TIMEOUT", "30")
    if not value.isdigit() or int(value) < 1:
        raise PackError(f"PYEMBED_FETCH_TIMEOUT={value!r}: expected whole seconds >= 1")
    return int(value)


def fetch(url, dest, progress=False):
    """Downloads url into dest (driver/dist/fetch.c); (sha256 hex, size)."""
    t = fetch_timeout()
    try:
        return _P.fetch(url, dest, progress, t, t, 3, 300)
    except OSError as e:
        raise PackError(str(e)) from None


def read_member(path, name, limit=64 << 20):
    """Bytes of member name of archive path."""
    try:
        return _P.archive_read_member(path, name, limit)
    except OSError as e:
        raise PackError(str(e)) from None
