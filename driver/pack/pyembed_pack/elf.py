"""The pack tool's ELF reader (ELF64, little-endian: x86-64, aarch64 …).

Section headers, the dynamic section (DT_NEEDED, DT_RPATH, DT_RUNPATH) and
GNU symbol-version requirements (.gnu.version_r), read from bytes with
every offset, size and string bounds-checked: a truncated or inconsistent
file raises ElfError, never anything else. Used to decide where an
extension module may load from (origin_rpath), and enough to report what
an executable needs from the system: its NEEDED libraries and the newest
glibc symbol version it requires (glibc_floor)."""
import re
import struct
from dataclasses import dataclass

SHT_DYNAMIC = 6
SHT_GNU_VERNEED = 0x6FFFFFFE
SHN_XINDEX = 0xFFFF
DT_NULL, DT_NEEDED, DT_RPATH, DT_RUNPATH = 0, 1, 15, 29

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")   # Elf64_Ehdr
SHDR = struct.Struct("<IIQQQQIIQQ")         # Elf64_Shdr
DYN = struct.Struct("<qQ")                  # Elf64_Dyn
VERNEED = struct.Struct("<HHIII")           # Elf64_Verneed
VERNAUX = struct.Struct("<IHHII")           # Elf64_Vernaux


class ElfError(ValueError):
    """Not an ELF64 little-endian file, or a truncated or inconsistent one."""


class NotElf64(ElfError):
    """Not an ELF64 little-endian file at all (another format or class)."""


@dataclass(frozen=True)
class Section:
    """One section header (the fields this reader uses)."""

    name: str
    type: int
    offset: int
    size: int
    link: int
    info: int


class ElfFile:
    """A parsed ELF64-LE image: its section headers, and on demand its
    dynamic entries and version requirements."""

    def __init__(self, data):
        """Parses the header and section headers of data (bytes)."""
        self.data = data
        if data[:4] != b"\x7fELF":
            raise NotElf64("not an ELF file")
        if data[4:6] != b"\x02\x01":
            raise NotElf64("not a 64-bit little-endian ELF file")
        header = self._unpack(EHDR, 0)
        self.type, self.machine = header[1], header[2]
        self.sections = self._sections(shoff=header[6], entsize=header[11], count=header[12],
                                       strndx=header[13])

    @classmethod
    def read(cls, path):
        """The ElfFile of the file at path."""
        with open(path, "rb") as f:
            return cls(f.read())

    def _unpack(self, fmt, offset):
        """fmt's fields at offset, or ElfError if they pass the end."""
        if offset < 0 or offset + fmt.size > len(self.data):
            raise ElfError(f"truncated: {fmt.size} bytes at offset {offset} "
                           f"pass the end ({len(self.data)})")
        return fmt.unpack_from(self.data, offset)

    def _raw_section(self, shoff, entsize, i):
        """Section header i as a tuple (SHDR fields)."""
        return self._unpack(SHDR, shoff + i * entsize)

    def _sections(self, shoff, entsize, count, strndx):
        """The section headers, named (extended numbering: header 0 holds
        the count when e_shnum is 0, the name index when it is SHN_XINDEX)."""
        if shoff == 0:
            return ()
        if entsize < SHDR.size:
            raise ElfError(f"section header size {entsize} < {SHDR.size}")
        first = self._raw_section(shoff, entsize, 0)
        count = count or first[5]
        strndx = first[6] if strndx == SHN_XINDEX else strndx
        if shoff + count * entsize > len(self.data):
            raise ElfError(f"{count} section headers at {shoff} pass the end")
        raw = [self._raw_section(shoff, entsize, i) for i in range(count)]
        if strndx >= count:
            raise ElfError(f"section name table index {strndx} out of range")
        names = raw[strndx]
        return tuple(Section(self._string(names[4], names[5], h[0]), h[1], h[4], h[5], h[6], h[7])
                     for h in raw)

    def _string(self, table_offset, table_size, index):
        """The NUL-terminated string at index of the string table at
        table_offset (table_size bytes)."""
        if index >= table_size:
            raise ElfError(f"string index {index} outside its table ({table_size} bytes)")
        end = self.data.find(b"\0", table_offset + index, table_offset + table_size)
        if end < 0:
            raise ElfError(f"unterminated string at {table_offset + index}")
        return self.data[table_offset + index:end].decode("utf-8", "surrogateescape")

    def _linked_string(self, section, index):
        """String index of the string table section's sh_link names."""
        if section.link >= len(self.sections):
            raise ElfError(f"section {section.name}: link {section.link} out of range")
        table = self.sections[section.link]
        return self._string(table.offset, table.size, index)

    def section(self, name):
        """The first section called name, or None."""
        return next((s for s in self.sections if s.name == name), None)

    def dynamic(self):
        """[(tag, value)] of the dynamic section, up to DT_NULL ([] if none)."""
        dyn = next((s for s in self.sections if s.type == SHT_DYNAMIC), None)
        out = []
        for off in range(dyn.offset, dyn.offset + dyn.size - DYN.size + 1, DYN.size) if dyn else ():
            tag, value = self._unpack(DYN, off)
            if tag == DT_NULL:
                break
            out.append((tag, value))
        return out

    def dynamic_strings(self, tag):
        """The string values of the dynamic entries with tag, in order."""
        dyn = next((s for s in self.sections if s.type == SHT_DYNAMIC), None)
        return [self._linked_string(dyn, v) for t, v in self.dynamic() if t == tag]

    @property
    def needed(self):
        """DT_NEEDED: the shared libraries this file links."""
        return self.dynamic_strings(DT_NEEDED)

    @property
    def rpath(self):
        """DT_RPATH directories (searched before LD_LIBRARY_PATH)."""
        return [d for s in self.dynamic_strings(DT_RPATH) for d in s.split(":")]

    @property
    def runpath(self):
        """DT_RUNPATH directories (searched after LD_LIBRARY_PATH)."""
        return [d for s in self.dynamic_strings(DT_RUNPATH) for d in s.split(":")]

    def version_needs(self):
        """{library: [version names]} from .gnu.version_r (SHT_GNU_verneed),
        e.g. {"libc.so.6": ["GLIBC_2.2.5", "GLIBC_2.34"]}."""
        sec = next((s for s in self.sections if s.type == SHT_GNU_VERNEED), None)
        out = {}
        offset, end = (sec.offset, sec.offset + sec.size) if sec else (0, 0)
        for _ in range(sec.info if sec else 0):  # sh_info: the number of entries
            _, count, file_idx, aux, nxt = self._verneed_at(offset, end, VERNEED)
            out[self._linked_string(sec, file_idx)] = self._aux_names(sec, offset + aux, end,
                                                                      count)
            if nxt == 0:
                break
            offset += nxt
        return out

    def _verneed_at(self, offset, end, fmt):
        """fmt's fields at offset, which must lie inside [.., end)."""
        if offset + fmt.size > end:
            raise ElfError(f"version record at {offset} passes its section")
        return self._unpack(fmt, offset)

    def _aux_names(self, sec, offset, end, count):
        """The names of count Vernaux records chained from offset."""
        names = []
        for _ in range(count):
            _, _, _, name_idx, nxt = self._verneed_at(offset, end, VERNAUX)
            names.append(self._linked_string(sec, name_idx))
            if nxt == 0:
                break
            offset += nxt
        return names


def glibc_floor(elf):
    """The newest GLIBC_x.y[.z] symbol version elf requires, as a tuple of
    ints (the oldest glibc it can run on), or None if it names none."""
    found = [tuple(int(p) for p in m.group(1).split("."))
             for names in elf.version_needs().values() for n in names
             for m in [re.fullmatch(r"GLIBC_([0-9]+(?:\.[0-9]+)*)", n)] if m]
    return max(found, default=None)


def origin_rpath(path):
    """True when the ELF file at path has an RPATH/RUNPATH naming $ORIGIN
    (its dependencies are found relative to its own file). False for a
    file that is not ELF64-LE; ElfError for a corrupt one."""
    try:
        elf = ElfFile.read(path)
    except NotElf64:
        return False
    return any("$ORIGIN" in d or "${ORIGIN}" in d for d in elf.rpath + elf.runpath)
