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

# Modules every packed program imports at start, frozen into the
# distribution's libpython (`dist build --freeze-boot`): start-up
# then reads no bytecode for them (3.11 and 3.12 also deep-freeze them into
# static code objects). CPython freezes abc, codecs, io, os, … itself;
# its own list leaves encodings out only to keep its build log short.
# 3.13+'s -c/run_command registers its source in linecache.
FREEZE_BOOT = ["<encodings>", "encodings.aliases", "encodings.utf_8"]  # <pkg>: a package
FREEZE_BOOT_313 = ["linecache"]


def freeze_boot(minor):
    """The boot modules dist build adds to CPython's frozen list for minor."""
    extra = FREEZE_BOOT_313 if tuple(map(int, minor.split("."))) >= (3, 13) else []
    return FREEZE_BOOT + extra


# Modules CPython 3.11 builds only with setup.py (as shared libraries): as
# built-ins they need Setup lines of their own, with the flags setup.py
# would find on Debian 12 (libffi has ffi_prep_cif_var, _prep_closure_loc
# and _closure_alloc; ncursesw with panelw). 3.12+ list them in Setup.stdlib.
# No '=' anywhere: makesetup takes such a line for a make variable.
EXTRA_SETUP = {
    "3.11": [
        "_ctypes _ctypes/_ctypes.c _ctypes/callbacks.c _ctypes/callproc.c _ctypes/stgdict.c "
        "_ctypes/cfield.c -DHAVE_FFI_PREP_CIF_VAR -DHAVE_FFI_PREP_CLOSURE_LOC "
        "-DHAVE_FFI_CLOSURE_ALLOC -lffi -ldl",
        "_curses _cursesmodule.c -DHAVE_NCURSESW -D_XOPEN_SOURCE_EXTENDED "
        "-I/usr/include/ncursesw -lncursesw -ltinfo",
        "_curses_panel _curses_panel.c -DHAVE_NCURSESW -D_XOPEN_SOURCE_EXTENDED "
        "-I/usr/include/ncursesw -lpanelw -lncursesw -ltinfo",
    ],
}


def disabled(include_copyleft=False):
    """name -> reason for every module switched off before configure."""
    out = dict(NOT_PORTABLE)
    if not include_copyleft:
        out.update(COPYLEFT)
    return out


def configure_env(include_copyleft=False):
    """Environment entries that switch those modules off."""
    return {f"py_cv_module_{name}": "n/a" for name in disabled(include_copyleft)}
