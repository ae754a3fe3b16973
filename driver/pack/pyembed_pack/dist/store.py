"""The local store of distributions, content-addressed by the sha256 of
their archive: <cache>/distributions/<sha256>/ holds archive.<ext>, the
extracted python/ tree and entry.json, written last. Downloads and
extractions happen under temporary names (.tmp-<sha256>-*) inside the store
and are renamed into place only when complete and verified; a per-entry
flock makes concurrent builds wait for one download and share it, and its
holder removes what a killed predecessor left. Entries are re-checked
cheaply (recorded size and hash) before use."""
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


def is_url(s):
    return s.startswith(("http://", "https://", "file://"))


def check_sha256(digest):
    """The lowercase form of a sha256 given by the user, or PackError."""
    d = (digest or "").strip().lower()
    if len(d) != 64 or any(c not in "0123456789abcdef" for c in d):
        raise PackError(f"--sha256 {digest!r}: expected 64 hexadecimal digits")
    return d


class Store:
    """The distributions directory of the cache."""

    def __init__(self, root, log=lambda msg: None, progress=False):
        self.root, self.log, self.progress = root, log, progress

    def entry_dir(self, digest):
        return os.path.join(self.root, digest)

    def lock(self, digest):
        """An exclusive lock on entry digest (a file object; close to release).
        Held while an entry is checked, fetched or extracted, so concurrent
        builds wait for one of them and then share its result; the kernel
        drops it when a holder dies (kill -9)."""
        os.makedirs(os.path.join(self.root, ".locks"), exist_ok=True)
        f = open(os.path.join(self.root, ".locks", digest + ".lock"), "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f

    def valid(self, digest):
        """The entry record when entry digest is complete and undamaged
        (its record, archive size and PYTHON.json are checked, not its hash:
        cheap enough for every use)."""
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

    def _clean(self, digest):
        """Under digest's lock: removes what a dead holder left (temporary
        downloads and extractions), and a damaged entry, with a message."""
        for name in os.listdir(self.root):
            if name.startswith(f".tmp-{digest}-"):
                path = os.path.join(self.root, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
        if os.path.exists(self.entry_dir(digest)) and not self.valid(digest):
            self.log(f"cached distribution {digest[:12]} is damaged or incomplete; "
                     "removing it")
            trash = tempfile.mkdtemp(prefix=f".tmp-{digest}-trash-", dir=self.root)
            os.rename(self.entry_dir(digest), os.path.join(trash, "old"))
            shutil.rmtree(trash, ignore_errors=True)

    def _install(self, path, digest, origin, move, named=None):
        """Under digest's lock: extracts the verified archive at path (its
        type told by the name named, default path's) into a temporary
        directory and renames it into place (entry.json last)."""
        tmp = tempfile.mkdtemp(prefix=f".tmp-{digest}-x-", dir=self.root)
        try:
            name = "archive" + archive_suffix(os.path.basename(named or path))
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
            with open(os.path.join(tmp, ENTRY + ".tmp"), "w") as f:
                json.dump(rec, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.rename(os.path.join(tmp, ENTRY + ".tmp"), os.path.join(tmp, ENTRY))
            os.rename(tmp, self.entry_dir(digest))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.entry_dir(digest)

    def add_file(self, path, digest, origin, move=False):
        """The entry for the verified archive at path (copied in, or moved
        when it already lies in the store)."""
        os.makedirs(self.root, exist_ok=True)
        with self.lock(digest):
            if self.valid(digest):
                if move:
                    os.unlink(path)
                return self.entry_dir(digest)
            self._clean(digest)
            return self._install(path, digest, origin, move)

    def import_archive(self, path):
        """The entry for a local archive file (hashing it)."""
        if not os.path.isfile(path):
            raise PackError(f"{path}: no such distribution archive")
        digest = sha256_file(path)
        if self.valid(digest):
            return self.entry_dir(digest)
        return self.add_file(path, digest, os.path.abspath(path))

    def fetch(self, url, digest):
        """The entry for the archive at url whose sha256 is digest: from the
        store when it holds it (no network), else downloaded once — to a
        temporary file, hashed as it streams, kept only when it matches."""
        digest = check_sha256(digest)
        archive_suffix(url.split("?", 1)[0])  # refuse what we could not read
        if self.valid(digest):
            return self.entry_dir(digest)
        os.makedirs(self.root, exist_ok=True)
        with self.lock(digest):
            if self.valid(digest):  # another build fetched it while we waited
                return self.entry_dir(digest)
            self._clean(digest)
            tmp = os.path.join(self.root, f".tmp-{digest}-{os.getpid()}.download")
            self.log(f"downloading {url}")
            try:
                got, size = native.fetch(url, tmp, self.progress)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            if got != digest:
                os.unlink(tmp)
                raise PackError(f"{url}: sha256 mismatch: expected {digest}, got {got} "
                                f"({size} bytes); the download was discarded")
            return self._install(tmp, digest, url, move=True, named=url.split("?", 1)[0])

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
