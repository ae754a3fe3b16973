"""CPython sources from Debian's source packages.

Debian's package tools do the fetching and the checking: `apt-get source`
downloads a source package listed in a Sources index whose signature apt
verified, and checks every file's hash against it. A private apt
configuration under the cache directory holds the deb-src entries; the
machine's own apt configuration is never read for writing or changed.
"""
import functools
import glob
import os
import re
import subprocess
import time

from ..errors import PackError

SUITES = ("bookworm", "trixie", "forky", "sid")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# Who signs source packages: Debian developers and maintainers (the
# debian-keyring package), checked by gpgv for a .dsc taken from the pool.
UPLOADER_KEYRINGS = ("/usr/share/keyrings/debian-keyring.gpg",
                     "/usr/share/keyrings/debian-maintainers.gpg")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
LIST_MAX_AGE = 24 * 3600  # refresh the private Sources indexes daily


def machine_mirror():
    """The Debian mirror the machine's apt configuration names (read only),
    else deb.debian.org."""
    uris = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path, encoding="utf-8", errors="replace") as f:
            uris += re.findall(r"^URIs:\s*(\S+)", f.read(), re.M)
    if os.path.exists("/etc/apt/sources.list"):
        with open("/etc/apt/sources.list", encoding="utf-8", errors="replace") as f:
            uris += re.findall(r"^deb(?:-src)?\s+(?:\[[^]]*\]\s+)?(\S+)", f.read(), re.M)
    for uri in uris:
        if uri.rstrip("/").endswith("/debian"):
            return uri.rstrip("/")
    return DEFAULT_MIRROR


class AptDir:
    """A private apt state directory: sources list, indexes and cache."""

    def __init__(self, root, mirror=None):
        self.root = root
        self.mirror = mirror or machine_mirror()
        self.sources = os.path.join(root, "sources.list")
        self.lists = os.path.join(root, "lists")
        self.cache = os.path.join(root, "cache")

    def options(self):
        """apt options that point every state path at this directory."""
        opts = ["-o", "Dir::Etc::sourcelist=" + self.sources, "-o", "Dir::Etc::sourceparts=-",
                "-o", "Dir::State::Lists=" + self.lists, "-o", "Dir::Cache=" + self.cache,
                "-o", "Dir::State::status=/var/lib/dpkg/status", "-o", "Acquire::Languages=none"]
        if os.geteuid() == 0:  # apt's _apt sandbox user cannot read our cache dir
            opts += ["-o", "APT::Sandbox::User=root"]
        return opts

    def prepare(self):
        """Writes the sources list (deb-src for every suite) if needed."""
        os.makedirs(os.path.join(self.lists, "partial"), exist_ok=True)
        os.makedirs(os.path.join(self.cache, "archives", "partial"), exist_ok=True)
        text = "".join(f"deb-src [signed-by={KEYRING}] {self.mirror} {suite} main\n"
                       for suite in SUITES)
        current = open(self.sources).read() if os.path.exists(self.sources) else None
        if current != text:
            with open(self.sources, "w") as f:
                f.write(text)
            for old in glob.glob(os.path.join(self.lists, "*Sources*")):
                os.unlink(old)  # indexes of another mirror

    def fresh(self):
        """True when the indexes were updated within LIST_MAX_AGE."""
        stamp = os.path.join(self.root, "updated")
        return os.path.exists(stamp) and time.time() - os.path.getmtime(stamp) < LIST_MAX_AGE

    def update(self, log):
        """Refreshes the Sources indexes; keeps old ones when offline."""
        self.prepare()
        if self.fresh():
            return
        r = subprocess.run(["apt-get", "-q", "update"] + self.options(),
                           capture_output=True, text=True)
        have_lists = bool(glob.glob(os.path.join(self.lists, "*Sources*")))
        if r.returncode != 0 or "Err:" in r.stdout:
            if have_lists:
                log("apt-get update failed; using the Sources indexes from "
                    f"{time.ctime(os.path.getmtime(os.path.join(self.root, 'updated')))}")
                return
            tail = (r.stdout + r.stderr).strip().splitlines()[-3:]
            raise PackError("cannot read Debian's Sources indexes (apt-get update failed): "
                            + " / ".join(tail))
        with open(os.path.join(self.root, "updated"), "w"):
            pass

    def versions(self, package):
        """Versions of source package listed in the indexes, newest first."""
        r = subprocess.run(["apt-cache", "showsrc", package] + self.options(),
                           capture_output=True, text=True)
        found = sorted(set(re.findall(r"^Version:\s*(\S+)", r.stdout, re.M)))
        return sorted(found, key=functools.cmp_to_key(_deb_cmp), reverse=True)

    def download(self, package, version, dest):
        """apt-get source --download-only package=version into dest;
        returns (dsc path, orig tarball path) or raises PackError."""
        os.makedirs(dest, exist_ok=True)
        r = subprocess.run(["apt-get", "-q", "source", "--download-only",
                            f"{package}={version}"] + self.options(),
                           cwd=dest, capture_output=True, text=True)
        upstream = version.split(":")[-1].rsplit("-", 1)[0]
        dsc = os.path.join(dest, f"{package}_{version.split(':')[-1]}.dsc")
        orig = glob.glob(os.path.join(dest, f"{package}_{upstream}.orig.tar.*"))
        orig = [p for p in orig if not p.endswith(".asc")]
        if r.returncode != 0 or not os.path.exists(dsc) or not orig:
            errors = [l for l in (r.stdout + r.stderr).splitlines() if l.startswith(("E:", "Err"))]
            raise PackError(f"apt-get source {package}={version}: "
                            + (errors[0] if errors else "failed"))
        return dsc, orig[0]


def _deb_cmp(a, b):
    """Debian version order, as dpkg itself defines it."""
    if a == b:
        return 0
    r = subprocess.run(["dpkg", "--compare-versions", a, "lt", b])
    return -1 if r.returncode == 0 else 1


def fetch_cpython(minor, apt, dest, log, version=None, fetch=None):
    """Downloads the newest pythonX.Y source package the mirror serves (or
    exactly version: from the indexes if they list it, else from the pool,
    checked against its uploader's signature); returns (version, dsc, orig
    tarball)."""
    package = "python" + minor
    apt.update(log)
    if version:
        if version in apt.versions(package):
            return (version,) + apt.download(package, version, os.path.join(dest, version))
        return (version,) + fetch_pool(package, version, apt, os.path.join(dest, version),
                                       fetch, log)
    versions = apt.versions(package)
    if not versions:
        raise PackError(f"Debian lists no source package {package} in "
                        + ", ".join(SUITES) + f" at {apt.mirror}")
    tried = []
    for version in versions:
        try:
            dsc, orig = apt.download(package, version, os.path.join(dest, version))
            return version, dsc, orig
        except PackError as e:
            log(f"{package} {version}: not downloadable ({e}); trying an older version")
            tried.append(f"{version} ({e})")
    raise PackError(f"no {package} source package could be downloaded; tried "
                    + "; ".join(tried) + ". Give the sources with --source TARBALL|DIR")


def _dsc_files(text):
    """{file name: sha256} of a .dsc's Checksums-Sha256 section."""
    out, inside = {}, False
    for line in text.splitlines():
        if line.startswith("Checksums-Sha256:"):
            inside = True
            continue
        if inside and line.startswith(" "):
            digest, _size, name = line.split()
            out[name] = digest
        elif inside:
            break
    return out


def verify_dsc(path):
    """The signed text of the .dsc at path, once gpgv has checked its
    signature against Debian's uploader keyrings; PackError otherwise."""
    rings = [k for k in UPLOADER_KEYRINGS if os.path.exists(k)]
    if not rings:
        raise PackError("checking a Debian .dsc needs the debian-keyring package "
                        "(apt-get install debian-keyring gpgv)")
    argv = ["gpgv"] + [a for k in rings for a in ("--keyring", k)] + [path]
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise PackError(f"{os.path.basename(path)}: bad or unknown signature: "
                        + (r.stderr.strip().splitlines() or ["gpgv failed"])[-1])
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def fetch_pool(package, version, apt, dest, fetch, log):
    """(dsc, orig tarball) of package=version taken straight from the
    mirror's pool (for a version the Sources indexes no longer list): the
    .dsc must carry a valid Debian uploader's signature, and the tarball
    the hash the .dsc gives."""
    upstream = version.split(":")[-1].rsplit("-", 1)[0]
    pool = f"{apt.mirror}/pool/main/{package[0]}/{package}"
    os.makedirs(dest, exist_ok=True)
    dsc = os.path.join(dest, f"{package}_{version.split(':')[-1]}.dsc")
    log(f"fetching {pool}/{os.path.basename(dsc)} from the pool")
    fetch(f"{pool}/{os.path.basename(dsc)}", dsc)
    files = _dsc_files(verify_dsc(dsc))
    origs = [n for n in files if n.startswith(f"{package}_{upstream}.orig.tar.")
             and not n.endswith(".asc")]
    if not origs:
        raise PackError(f"{dsc}: names no upstream tarball")
    orig = os.path.join(dest, origs[0])
    got, _ = fetch(f"{pool}/{origs[0]}", orig)
    if got != files[origs[0]]:
        os.unlink(orig)
        raise PackError(f"{origs[0]}: sha256 {got} does not match the signed .dsc "
                        f"({files[origs[0]]})")
    return dsc, orig
