"""Which distribution a build packs against: `--distribution ARCHIVE|DIR`
or `--python X.Y` (the newest of that version in the local store), and
the driver linked for it."""
import hashlib
import os
import sys

import _pyembed_pack as P

from ..errors import PackError
from . import link, pythonjson, store


def cache_base():
    """pyembed's cache directory: $PYEMBED_CACHE_DIR, else
    $XDG_CACHE_HOME/pyembed, else ~/.cache/pyembed."""
    if os.environ.get("PYEMBED_CACHE_DIR"):
        return os.path.abspath(os.environ["PYEMBED_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pyembed")


def the_store(log, progress=False):
    return store.Store(os.path.join(cache_base(), "distributions"), log, progress)


def entry_for(given, sha256, log, progress=False):
    """The store entry of an archive given as a path or URL (remote URLs
    need sha256; file URLs and paths are hashed)."""
    st = the_store(log, progress)
    if store.is_url(given) and not given.startswith("file://"):
        if not sha256:
            raise PackError(f"{given}: a remote distribution needs --sha256 (the SHA-256 "
                            "of its archive), so a changed or damaged download is never used")
        return st.fetch(given, sha256)
    path = given[len("file://"):] if given.startswith("file://") else given
    if sha256:
        return st.fetch("file://" + os.path.abspath(path), sha256)
    return st.import_archive(os.path.abspath(path))


def dir_identity(dist):
    """Content identity of a distribution directory given in place: its
    PYTHON.json and the size and time of every object it names."""
    h = hashlib.sha256(open(os.path.join(dist.root, "PYTHON.json"), "rb").read())
    objs = list(dist.core.get("objs", []))
    for variants in dist.extensions.values():
        for v in variants[:1]:
            objs += v.get("objs", []) + [l.get("path_static", "") for l in v.get("links", [])]
    for rel in sorted(set(o for o in objs if o)):
        try:
            st = os.stat(dist.path(rel))
            h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{rel}:missing\n".encode())
    return "dir-" + h.hexdigest()


def distribution(given, python, log, sha256=None, progress=False):
    """(Distribution, identity) for --distribution given [--sha256] or
    --python python."""
    st = the_store(log)
    if given and os.path.isdir(given):
        dist = pythonjson.read(given)
        identity = dir_identity(dist)
    elif given:
        entry = entry_for(given, sha256, log, progress)
        dist, identity = pythonjson.read(entry), os.path.basename(entry)
    else:
        entry = st.find_minor(python)
        if not entry:
            raise PackError(f"--python {python}: no CPython {python} distribution in "
                            f"{st.root}; make one with: pyembed-pack dist build --python {python}")
        dist, identity = pythonjson.read(entry), os.path.basename(entry)
        log(f"using CPython {dist.python_version} from {entry}")
    check_platform(dist)
    link.check_linkable(dist)  # before anything runs its interpreter
    return dist, identity


def host_triple():
    return f"{os.uname().machine}-unknown-linux-gnu"


def check_platform(dist):
    """PackError unless dist's executables can be linked and run here: its
    target triple must be this machine's glibc Linux (an x86_64_vN
    microarchitecture variant too)."""
    triple, host = dist.triple or host_triple(), host_triple()
    arch, _, rest = triple.partition("-")
    if rest == host.partition("-")[2] and arch.split("_v")[0] == host.partition("-")[0]:
        return
    raise PackError(f"{dist.root}: a distribution for {triple}; this host links executables "
                    f"for {host} only (pyembed builds for the machine it runs on)")


def runtime_manifest():
    """The runtime's C sources manifest: beside this pyembed-pack (a build
    tree), else where it was installed."""
    here = os.path.join(os.path.dirname(os.path.realpath(sys.executable)),
                        "pyembed-runtime.json")
    if os.path.exists(here):
        return here
    if os.path.exists(P.RUNTIME_MANIFEST_INSTALLED):
        return P.RUNTIME_MANIFEST_INSTALLED
    raise PackError("the runtime's C sources are missing (pyembed-runtime.json not found "
                    f"beside {sys.executable} nor at {P.RUNTIME_MANIFEST_INSTALLED})")


def driver_maker(dist, identity, jobs, log, wanted=None):
    """A function linking (once) the driver for dist, with the built-in
    extension modules wanted (None: all; link.chosen_extensions)."""
    made = {}

    def make(static_code=None):
        """The driver, with static_code (a C file) compiled in when given."""
        if static_code not in made:
            made[static_code] = link.driver_for(
                dist, identity, link.Runtime(runtime_manifest()), cache_base(), wanted,
                jobs, log=log, static_code=static_code)
        return made[static_code]
    return make


def host_driver(static_code, jobs, log):
    """A driver for the host's Python with static_code compiled in."""
    return link.host_driver(link.Runtime(runtime_manifest()), cache_base(), static_code,
                            jobs, log=log)
