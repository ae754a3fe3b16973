"""What goes into a distribution: built-in extension modules, the ones left
out and why, and the licences of the static libraries linked into it.

CPython's configure decides which extension modules it can build; every one
it builds becomes a built-in (static) module. Modules whose libraries are
copyleft, or that need libraries a portable executable cannot carry, are
switched off here before configure runs (`py_cv_module_NAME=n/a`).
"""

# name -> why it is left out by default
COPYLEFT = {
    "readline": "GNU Readline is GPL-3.0-or-later",
    "_gdbm": "GNU dbm is GPL-3.0-or-later",
    "_dbm": "needs gdbm_compat (GPL-3.0-or-later) or Berkeley DB (AGPL-3.0)",
    "_crypt": "libxcrypt is LGPL-2.1-or-later (static linking obliges relinkability)",
    "nis": "libnsl is LGPL-2.1-or-later",
}
NOT_PORTABLE = {
    "_tkinter": "needs Tcl/Tk and the X11 client libraries as shared libraries",
}

# Libraries the extension modules link, from Debian's -dev packages, taken
# as static archives: library name -> (Debian package, SPDX licence).
STATIC_LIBS = {
    "ssl": ("libssl-dev", "Apache-2.0"),
    "crypto": ("libssl-dev", "Apache-2.0"),
    "sqlite3": ("libsqlite3-dev", "blessing"),
    "z": ("zlib1g-dev", "Zlib"),
    "expat": ("libexpat1-dev", "MIT"),
    "ffi": ("libffi-dev", "MIT"),
    "lzma": ("liblzma-dev", "LicenseRef-Public-Domain"),
    "bz2": ("libbz2-dev", "bzip2-1.0.6"),
    "uuid": ("uuid-dev", "BSD-3-Clause"),
    "ncursesw": ("libncurses-dev", "X11"),
    "panelw": ("libncurses-dev", "X11"),
    "tinfo": ("libncurses-dev", "X11"),
    "zstd": ("libzstd-dev", "BSD-3-Clause"),  # 3.14's _zstd
}
# System libraries that stay shared: glibc's.
SYSTEM_LIBS = frozenset({"c", "m", "dl", "pthread", "util", "rt"})

# Libraries CPython builds from its own tree (Makefile variable -> licence).
BUNDLED_LIBS = {
    "mpdec": "BSD-2-Clause",          # Modules/_decimal/libmpdec
    "Hacl_Hash_SHA2": "MIT",          # Modules/_hacl
    "Hacl_Hash_BLAKE2": "MIT",
    "Hacl_Hash_MD5": "MIT",
    "Hacl_Hash_SHA1": "MIT",
    "Hacl_Hash_SHA3": "MIT",
    "expat": "MIT",                   # Modules/expat (unused: system expat)
}

# Modules CPython cannot start without (Modules/Setup.bootstrap).
REQUIRED_HINT = "bootstrap"


def disabled(include_copyleft=False):
    """name -> reason for every module switched off before configure."""
    out = dict(NOT_PORTABLE)
    if not include_copyleft:
        out.update(COPYLEFT)
    return out


def configure_env(include_copyleft=False):
    """Environment entries that switch those modules off."""
    return {f"py_cv_module_{name}": "n/a" for name in disabled(include_copyleft)}
