"""--extension-module-filter / extension_module_filter: which extension
modules of the target's standard library a build keeps (PyOxidizer's
values):

  all           every one
  minimal       only those the interpreter needs to start
  no-libraries  only those that link no library beyond the C library's
  no-copyleft   only those whose libraries are all known and not copyleft

For the host Python they filter the shared modules of lib-dynload (its
libraries read from each file's DT_NEEDED); for a distribution they choose
the built-in modules its driver is linked with (PYTHON.json's links and
licences; modules it marks required always stay).
"""
from . import elf
from .dist import modules
from .errors import PackError

FILTERS = ("all", "minimal", "no-libraries", "no-copyleft")

# glibc's libraries (and the dynamic loader): part of the system, like the
# C library itself, whatever their licence.
SYSTEM = ("libc", "libm", "libpthread", "libdl", "librt", "libutil", "ld-linux", "c", "m",
          "pthread", "dl", "rt", "util")

# SPDX licences of the libraries extension modules link, by SONAME stem
# (host) or link name (distribution): the ones dist builds link, and the
# shared ones Debian's lib-dynload modules need. Anything else is unknown.
LICENSES = dict({name: lic for name, (_, lic) in modules.STATIC_LIBS.items()},
                **modules.BUNDLED_LIBS)
LICENSES.update({
    "tirpc": "BSD-3-Clause", "readline": "GPL-3.0-or-later", "gdbm": "GPL-3.0-or-later",
    "gdbm_compat": "GPL-3.0-or-later", "db-5.3": "Sleepycat", "crypt": "LGPL-2.1-or-later",
    "nsl": "LGPL-2.1-or-later", "tcl8.6": "TCL", "tk8.6": "TCL", "X11": "MIT",
    "asound": "LGPL-2.1-or-later",
})
COPYLEFT = ("GPL-", "LGPL-", "AGPL-", "MPL-", "EPL-", "EUPL-", "OSL-", "CDDL-", "Sleepycat")


def is_copyleft(spdx):
    return spdx.startswith(COPYLEFT)


def lib_name(soname):
    """'libssl.so.3' -> 'ssl'; the system's loader stays 'ld-linux'."""
    stem = soname.split(".so")[0]
    if stem.startswith("ld-linux"):
        return "ld-linux"
    return stem[3:] if stem.startswith("lib") else stem


def libraries_ok(filter_, libs, licenses=()):
    """True when libraries libs (names) pass filter_; licenses: SPDX ids a
    distribution records for them (any copyleft one fails)."""
    libs = [l for l in libs if l not in SYSTEM]
    if filter_ == "no-libraries":
        return not libs
    found = [LICENSES.get(l) for l in libs] + list(licenses)
    return all(found) and not any(is_copyleft(l) for l in found)


def keeps_shared(filter_, path):
    """True when the shared extension module at path passes filter_."""
    if filter_ == "all":
        return True
    if filter_ == "minimal":
        return False  # the ones CPython starts with are built into libpython
    try:
        needed = elf.ElfFile.read(path).needed
    except elf.NotElf64:
        return False
    except elf.ElfError as e:
        raise PackError(f"{path}: {e}") from None
    return libraries_ok(filter_, [lib_name(n) for n in needed])


def builtin_extensions(dist, filter_):
    """The names of dist's extension modules its driver should build in
    (link.chosen_extensions adds the required ones), None for all."""
    if filter_ == "all":
        return None
    if filter_ == "minimal":
        return set()
    out = set()
    for name, variants in dist.extensions.items():
        if not variants:
            continue
        v = variants[0]
        libs = [l.get("name", "") for l in v.get("links", [])]
        if libraries_ok(filter_, libs, v.get("licenses") or ()):
            out.add(name)
    return out
