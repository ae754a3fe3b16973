"""Canonical re-encoding of marshal data (runs in the target interpreter: in_target.py).

marshal.dumps() output depends on the state of the process, not only on
the code: an object gets FLAG_REF when its reference count is above one
(other live objects may hold it), and a one-character string is written
"interned" when that shared singleton happens to have been interned. Two
builds of the same sources could then differ with the bytecode cache's
history. canonical() rewrites a stream in place (lengths never change):
FLAG_REF stays only on objects that a later TYPE_REF uses, references are
renumbered to match, and 0/1-character strings get a fixed interned bit.
Loading the result gives equal objects.
"""
import struct

FLAG_REF = 0x80
NAME_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
STR_PAIRS = {ord("u"): (ord("u"), ord("t")), ord("t"): (ord("u"), ord("t")),
             ord("a"): (ord("a"), ord("A")), ord("A"): (ord("a"), ord("A")),
             ord("z"): (ord("z"), ord("Z")), ord("Z"): (ord("z"), ord("Z"))}
FIXED = {ord(c): n for c, n in (("0", 0), ("N", 0), ("F", 0), ("T", 0), ("S", 0), (".", 0),
                                ("i", 4), ("I", 8), ("g", 8), ("y", 16))}
LONG_STR = frozenset(b"stuaA")
SHORT_STR = frozenset(b"zZ")
SEQS = frozenset(b"([<>")
UNPACK_I = struct.Struct("<i").unpack_from
UNPACK_U = struct.Struct("<I").unpack_from


def _walk(data, pos, flagged, refs, strings):
    """Walks the object at pos; returns the position after it. Records
    flagged objects (type-code positions, pre-order), TYPE_REF operands
    and short strings."""
    code = data[pos]
    if code & FLAG_REF:
        flagged.append(pos)
    t = code & ~FLAG_REF
    pos += 1
    n = FIXED.get(t)
    if n is not None:
        return pos + n
    if t in LONG_STR:
        n = UNPACK_I(data, pos)[0]
        if n <= 1 and t in STR_PAIRS:
            strings.append((pos - 1, n))
        return pos + 4 + n
    if t in SHORT_STR:
        n = data[pos]
        if n <= 1:
            strings.append((pos - 1, n))
        return pos + 1 + n
    if t == 0x72:  # 'r'
        refs.append(pos)
        return pos + 4
    if t == 0x29:  # ')' small tuple
        n, pos = data[pos], pos + 1
    elif t == 0x3A:  # ':' slice (marshal version 5, CPython 3.14): 3 objects
        n = 3
    elif t in SEQS:
        n, pos = UNPACK_I(data, pos)[0], pos + 4
    elif t == 0x63:  # 'c' code: 5 longs, 8 objects, firstlineno, 2 objects
        pos += 20
        for _ in range(8):
            pos = _walk(data, pos, flagged, refs, strings)
        pos += 4
        for _ in range(2):
            pos = _walk(data, pos, flagged, refs, strings)
        return pos
    elif t == 0x7B:  # '{' dict: pairs up to a NULL key
        while data[pos] != 0x30:
            pos = _walk(data, pos, flagged, refs, strings)
            pos = _walk(data, pos, flagged, refs, strings)
        return pos + 1
    elif t == 0x66:  # 'f' float as text
        return pos + 1 + data[pos]
    elif t == 0x78:  # 'x' complex as text
        pos += 1 + data[pos]
        return pos + 1 + data[pos]
    elif t == 0x6C:  # 'l' long
        return pos + 4 + 2 * abs(UNPACK_I(data, pos)[0])
    else:
        raise ValueError(f"unknown marshal type {chr(t)!r} at {pos - 1}")
    for _ in range(n):
        pos = _walk(data, pos, flagged, refs, strings)
    return pos


def canonical(data):
    """data re-encoded canonically (see the module comment)."""
    out = bytearray(data)
    flagged, refs, strings = [], [], []
    if _walk(data, 0, flagged, refs, strings) != len(data):
        raise ValueError("trailing bytes after marshal data")
    used = sorted({UNPACK_U(data, p)[0] for p in refs})
    keep = {old: new for new, old in enumerate(used)}
    for old, pos in enumerate(flagged):
        if old not in keep:
            out[pos] &= ~FLAG_REF
    for p in refs:
        struct.pack_into("<I", out, p, keep[UNPACK_U(data, p)[0]])
    for pos, n in strings:
        interned = n == 1 and data[pos + (2 if data[pos] & ~FLAG_REF in SHORT_STR else 5)] in NAME_CHARS
        out[pos] = (out[pos] & FLAG_REF) | STR_PAIRS[out[pos] & ~FLAG_REF][interned]
    return bytes(out)
