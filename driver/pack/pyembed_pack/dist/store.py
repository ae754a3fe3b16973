"""The local store of distributions, content-addressed by the sha256 of
their archive: <cache>/distributions/<sha256>/ holds archive.<ext>, the
extracted python/ tree and entry.json, written last. Work happens in
temporary names inside the store and is renamed into place when complete;
a per-entry flock makes concurrent builds wait for one import and share
it. Entries are re-checked cheaply (recorded size and hash) before use."""
import fcntl
import hashlib
import json
import os
import shutil
import tempfile

from . import native, pythonjson
from ..errors import PackError

ENTRY = "entry.json"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def archive_suffix(name):
    for suffix in (".tar.zst", ".tar.gz", ".tar.xz", ".tgz", ".tzst", ".tar"):
        if name.endswith(suffix):
            return suffix
    raise PackError(f"{name}: not a .tar.zst, .tar.gz or .tar.xz archive")


class Store:
    """The distributions directory of the cache."""

    def __init__(self, root, log=lambda msg: None):
        self.root, self.log = root, log

    def entry_dir(self, digest):
        return os.path.join(self.root, digest)

    def lock(self, digest):
        """An exclusive lock on entry digest (a file object; close to release)."""
        os.makedirs(os.path.join(self.root, ".locks"), exist_ok=True)
        f = open(os.path.join(self.root, ".locks", digest + ".lock"), "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f

    def valid(self, digest):
        """The entry record when entry digest is complete and undamaged."""
        d = self.entry_dir(digest)
        try:
            with open(os.path.join(d, ENTRY)) as f:
                rec = json.load(f)
            archive = os.path.join(d, rec["archive"])
            ok = (rec["sha256"] == digest and os.path.getsize(archive) == rec["size"]
                  and os.path.isfile(os.path.join(d, "python", "PYTHON.json")))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return rec if ok else None

    def remove(self, digest, why):
        self.log(f"cached distribution {digest[:12]} is damaged ({why}); fetching it again")
        d = self.entry_dir(digest)
        trash = tempfile.mkdtemp(prefix=".trash-", dir=self.root)
        os.rename(d, os.path.join(trash, "x"))
        shutil.rmtree(trash, ignore_errors=True)

    def add_file(self, path, digest, origin, move=False):
        """Adds the verified archive at path as entry digest (copied, or
        moved when it already lies in the store); returns the entry dir."""
        os.makedirs(self.root, exist_ok=True)
        with self.lock(digest):
            if self.valid(digest):
                if move:
                    os.unlink(path)
                return self.entry_dir(digest)
            if os.path.exists(self.entry_dir(digest)):
                self.remove(digest, "incomplete")
            tmp = tempfile.mkdtemp(prefix=".tmp-", dir=self.root)
            try:
                name = "archive" + archive_suffix(os.path.basename(path))
                if move:
                    os.rename(path, os.path.join(tmp, name))
                else:
                    shutil.copyfile(path, os.path.join(tmp, name))
                native.extract(os.path.join(tmp, name), tmp)
                dist = pythonjson.read(tmp)
                rec = {"sha256": digest, "size": os.path.getsize(os.path.join(tmp, name)),
                       "archive": name, "origin": origin, "python_version": dist.python_version,
                       "minor": dist.minor, "triple": dist.triple,
                       "build_options": dist.build_options, "format": dist.format}
                with open(os.path.join(tmp, ENTRY), "w") as f:
                    json.dump(rec, f, indent=1, sort_keys=True)
                os.rename(tmp, self.entry_dir(digest))
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        return self.entry_dir(digest)

    def import_archive(self, path):
        """The entry for a local archive file (hashing it)."""
        if not os.path.isfile(path):
            raise PackError(f"{path}: no such distribution archive")
        digest = sha256_file(path)
        if self.valid(digest):
            return self.entry_dir(digest)
        return self.add_file(path, digest, os.path.abspath(path))

    def entries(self):
        """Records of every valid entry."""
        out = []
        if not os.path.isdir(self.root):
            return out
        for name in sorted(os.listdir(self.root)):
            if len(name) == 64 and (rec := self.valid(name)):
                out.append(rec)
        return out

    def find_minor(self, minor):
        """The newest stored distribution of Python minor (e.g. '3.13')."""
        cands = [r for r in self.entries() if r.get("minor") == minor]
        if not cands:
            return None
        best = max(cands, key=lambda r: (tuple(int(x) for x in r["python_version"].split(".")
                                               if x.isdigit()),
                                         os.path.getmtime(self.entry_dir(r["sha256"]))))
        return self.entry_dir(best["sha256"])
