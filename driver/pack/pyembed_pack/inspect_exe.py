"""`pyembed-pack inspect FILE [--json]`: what a packed executable (or blob)
is made of. First what it needs from the system: the Python it packs
(version, bytecode magic, the distribution's sha256 when it was packed
against one, from the blob's metadata), the shared libraries it names
(NEEDED) and the newest glibc symbol version it requires, and what its
start-up read-ahead reads (docs/runtime.md §1.1); then one row per
resource (read by libpackrs: _pyembed_pack.inspect_rows)."""
import json
import os
import signal
import sys

import _pyembed_pack as P

from . import elf
from .errors import PackError

USAGE = "usage: pyembed-pack inspect FILE [--json]"


def metadata_keys(text):
    """key -> value of the "@pyembed" metadata text (docs/runtime.md §2)."""
    out = {}
    for line in (text or b"").decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


def read_elf(path):
    """The ElfFile at path, or None for a blob or another format."""
    try:
        return elf.ElfFile.read(path)
    except elf.NotElf64:
        return None
    except elf.ElfError as err:
        raise PackError(f"{path}: {err}") from None


def system_needs(e):
    """(NEEDED libraries, glibc floor or None) of ElfFile e; ([], None) for
    None."""
    if e is None:
        return [], None
    floor = elf.glibc_floor(e)
    return list(e.needed), floor and ".".join(map(str, floor))


def reads_executable(path, e, meta):
    """True when the runtime's read-ahead reads the executable at path
    (ElfFile e): what start-up reads of it, the part before the embedded
    blob and the blob's start-up bytes (prefetch_executable), is at least
    half of it (libpyembed/prefetch.c: pyembed__prefetch_whole)."""
    startup = meta.get("prefetch_executable", "")
    section = next((s for s in e.sections if s.name == ".packrs"), None) if e else None
    if not (startup.isdigit() and len(startup) <= 9) or section is None:
        return False
    size = os.path.getsize(path)
    blob = min(section.size, size)
    used = size - blob + min(int(startup), blob)
    return used >= size - used


def facts(path, meta):
    e = read_elf(path)
    needed, floor = system_needs(e)
    return {"python": meta.get("python_full_version") or meta.get("python_version"),
            "python_magic": int(meta["python_magic"]) if meta.get("python_magic", "").isdigit()
            else None,
            "distribution": meta.get("distribution"), "needed": needed, "glibc_floor": floor,
            "prefetch": {"executable": reads_executable(path, e, meta),
                         "libraries": [n for n in meta.get("prefetch_libraries", "").split(",")
                                       if n]}}


def show_text(f, rows):
    if f["python"]:
        magic = f["python_magic"]
        print(f"# python {f['python']}" + (f" (bytecode magic {magic & 0xFFFF}, "
                                            f"{magic.to_bytes(4, 'little').hex()})"
                                            if magic is not None else ""))
    print(f"# distribution {f['distribution'] or 'none (the system Python pyembed-pack was built with)'}")
    pf = f["prefetch"]
    if pf["executable"] or pf["libraries"]:
        print("# read ahead at start: " +
              ", ".join((["the executable"] if pf["executable"] else []) + pf["libraries"]))
    if f["needed"]:
        print(f"# needs {' '.join(f['needed'])}"
              + (f"; glibc >= {f['glibc_floor']}" if f["glibc_floor"] else ""))
    for name, kinds, _, stored, size, where in rows:
        print(f"{name:<50} {kinds:<24} {stored:>10} {size:>10} {where}")


def show_json(f, rows):
    resources = [{"name": n, "kind": k, "fields": nf, "stored": st, "size": sz, "location": w}
                 for n, k, nf, st, sz, w in rows]
    print(json.dumps(dict(f, resources=resources), indent=1))


def main(argv):
    """argv = [FILE] or [FILE, --json]; returns the exit status."""
    if len(argv) not in (1, 2) or (len(argv) == 2 and argv[1] != "--json"):
        print(USAGE, file=sys.stderr)
        return 2
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `inspect … | head` ends quietly
    try:
        meta, rows = P.inspect_rows(argv[0])
    except OSError as e:
        raise PackError(str(e)) from None
    f = facts(argv[0], metadata_keys(meta))
    (show_json if len(argv) == 2 else show_text)(f, rows)
    return 0
