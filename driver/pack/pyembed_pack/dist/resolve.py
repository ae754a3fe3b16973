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


def the_store(log):
    return store.Store(os.path.join(cache_base(), "distributions"), log)


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


def distribution(given, python, log):
    """(Distribution, identity) for --distribution given / --python python."""
    st = the_store(log)
    if given:
        if os.path.isdir(given):
            dist = pythonjson.read(given)
            return dist, dir_identity(dist)
        entry = st.import_archive(os.path.abspath(given))
        return pythonjson.read(entry), os.path.basename(entry)
    entry = st.find_minor(python)
    if not entry:
        raise PackError(f"--python {python}: no CPython {python} distribution in {st.root}; "
                        f"make one with: pyembed-pack dist build --python {python}")
    dist = pythonjson.read(entry)
    log(f"using CPython {dist.python_version} from {entry}")
    return dist, os.path.basename(entry)


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


def driver_maker(dist, identity, jobs, log):
    """A function linking (once) the driver for dist."""
    made = []

    def make():
        if not made:
            made.append(link.driver_for(dist, identity, link.Runtime(runtime_manifest()),
                                        cache_base(), None, jobs, log=log))
        return made[0]
    return make
