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


def fetch_cpython(minor, apt, dest, log):
    """Downloads the newest pythonX.Y source package the mirror serves;
    returns (version, dsc, orig tarball)."""
    package = "python" + minor
    apt.update(log)
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
