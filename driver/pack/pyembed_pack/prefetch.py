"""What the runtime's start-up read-ahead reads (docs/runtime.md §1.1):
the executable, when what start-up reads of it is at least half of it (a
large app that needs little of its blob to start is not read whole at
every cold start: the runtime decides, from the byte count recorded here),
and the shared libraries that those modules'
extension modules link, directly or through one another, in the order they
are first needed (modules in name order, then each one's DT_NEEDED order).
glibc's own libraries are left out: the driver has them loaded before it
starts. Names are resolved here only to follow the libraries' own needs;
the blob records bare file names (SONAMEs), which the runtime looks up in
its loader's directories."""
import os

from . import elf
from .extfilter import SYSTEM, lib_name

# Where the loader looks besides the directories of libraries already
# loaded (ld.so's trusted defaults).
DEFAULT_DIRS = ("/lib64", "/usr/lib64", "/lib", "/usr/lib")


def loaded_dirs():
    """Directories of the shared objects this process has mapped (the
    system's library directories, multiarch ones included), in order."""
    dirs = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return dirs
    for line in lines:
        fields = line.split(None, 5)
        path = fields[5] if len(fields) == 6 else ""
        if ".so" in path and path.startswith("/") and os.path.dirname(path) not in dirs:
            dirs.append(os.path.dirname(path))
    return dirs


def needed(path):
    """DT_NEEDED of the ELF file at path ([] when it is not one)."""
    try:
        return list(elf.ElfFile.read(path).needed)
    except (OSError, elf.ElfError):
        return []


def resolve(soname, dirs):
    """The first dirs/soname that exists, or None."""
    for d in dirs:
        p = os.path.join(d, soname)
        if os.path.isfile(p):
            return p
    return None


def libraries(paths, dirs=None):
    """The libraries extension module files paths (in need order) load,
    transitively, glibc's left out: [SONAME] in first-need order."""
    dirs = list(dirs if dirs is not None else loaded_dirs() + list(DEFAULT_DIRS))
    out, seen = [], set()

    def visit(path):
        for soname in needed(path):
            if soname in seen or lib_name(soname) in SYSTEM or "/" in soname:
                continue
            seen.add(soname)
            out.append(soname)
            found = resolve(soname, dirs)
            if found:
                visit(found)

    for p in paths:
        visit(p)
    return out


def metadata_lines(spec, selection, packed, startup_bytes):
    """The "@pyembed" lines of the read-ahead: prefetch_executable=N, the
    bytes of blob data start-up reads (the runtime reads the executable
    when those and the driver are at least half of it), and
    prefetch_libraries=A,B when the start-up extension modules (in memory or
    beside the executable alike) link libraries; none with --no-prefetch."""
    if not spec.prefetch:
        return []
    exts = [m.path for m in packed if m.kind == "extension" and m.path
            and m.name in selection.load_time]
    libs = libraries(exts)
    return [f"prefetch_executable={startup_bytes}"] + \
        ([f"prefetch_libraries={','.join(libs)}"] if libs else [])
