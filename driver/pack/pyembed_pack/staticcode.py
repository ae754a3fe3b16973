"""C source holding modules' code objects as static data (pyembed-pack
--freeze), for the interpreter running this module.

Unmarshalling a module's bytecode allocates and fills every code object,
tuple, string and number it holds; a code object compiled into the driver
as initialised static data costs nothing at start-up but a page fault.
This module turns marshalled code objects into such C: each object an
initialised struct with the interpreter's own layout (CPython's private
headers, compiled with Py_BUILD_CORE), the reference count of a static
object, no collector tracking, and a table handed to libpyembed
(pyembed_set_static_code, include/pyembed.h) by a constructor.

The layout is CPython 3.11's (Include/cpython/code.h): 3.12 changed the
code object and 3.13 dropped deep-freezing from CPython itself, so any
other version is refused (UnsupportedVersion). It runs in the target
interpreter (worker.py), since only that interpreter's objects say what
its bytecode holds; it imports nothing outside the standard library.

What CPython does once for each such object at start-up, the generated
get_code function does on the first import of any of them: frozensets
(hash tables, not worth laying out statically) are made from static
tuples of their items, then every code object's names and string
constants are interned (_PyStaticCode_InternStrings), as unmarshalling
would have done.
"""
import marshal
import sys

SUPPORTED = (3, 11)
RESUME = 151            # 3.11's opcode.opmap["RESUME"]
CO_FAST_LOCAL, CO_FAST_CELL, CO_FAST_FREE = 0x20, 0x40, 0x80
STATIC_REFCNT = 999999999  # as CPython's own static objects
SMALL_INTS = range(-5, 257)


class UnsupportedVersion(Exception):
    """This interpreter's objects have a layout the emitter does not know."""


def refusal(version):
    """Why code objects of CPython version (a tuple) cannot be made static,
    or None when they can (the pack tool asks before it starts a worker)."""
    if tuple(version[:2]) == SUPPORTED:
        return None
    why = ("CPython 3.13 removed deep-freezing and its code objects changed"
           if tuple(version[:2]) >= (3, 13) else "its code objects have another layout")
    return (f"static code objects are made for CPython 3.11 only; the target is "
            f"{version[0]}.{version[1]} ({why})")


def check_version():
    """UnsupportedVersion unless this interpreter is one the emitter knows."""
    why = refusal(sys.version_info)
    if why:
        raise UnsupportedVersion(why)


def c_bytes(b):
    """A C string literal of bytes b (octal escapes for anything but
    letters, digits and a few safe signs: no trigraph, no greedy escape),
    split into pieces of at most 64 bytes."""
    safe = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:;+-*/=<>()[]{}!#%&|^~@$'")
    pieces = []
    for i in range(0, len(b), 64):
        pieces.append('"' + "".join(chr(c) if c in safe else "\\%03o" % c
                                    for c in b[i:i + 64]) + '"')
    return "\n    ".join(pieces) or '""'


def head(typ, size=None):
    """Initialiser of an object's header (a var object's with size)."""
    obj = f"{{.ob_refcnt = {STATIC_REFCNT}, .ob_type = &{typ}}}"
    return obj if size is None else f"{{.ob_base = {obj}, .ob_size = {size}}}"


def localsplus(code):
    """(names, kinds) of code's locals, cells and free variables in the
    order the compiler lays them out: arguments and locals, cells that are
    not arguments, free variables (a cell argument is one slot)."""
    kinds = {}
    for name in code.co_varnames:
        kinds[name] = kinds.get(name, 0) | CO_FAST_LOCAL
    for name in code.co_cellvars:
        kinds[name] = kinds.get(name, 0) | CO_FAST_CELL
    for name in code.co_freevars:
        kinds[name] = kinds.get(name, 0) | CO_FAST_FREE
    return tuple(kinds), bytes(kinds.values())


def first_traceable(co_code):
    """Index of the first RESUME code unit (the code's length if none)."""
    for i in range(0, len(co_code), 2):
        if co_code[i] == RESUME:
            return i // 2
    return len(co_code) // 2


class Emitter:
    """Writes the C of a set of objects; equal constants are written once."""

    def __init__(self):
        self.out = []
        self.memo = {}       # (type, repr, value) -> C expression
        self.codes = []      # C expressions of every code object
        self.patchups = []   # C statements run once before first use
        self.count = 0

    def name(self, kind):
        """A fresh static symbol name."""
        self.count += 1
        return f"pe_{kind}{self.count}"

    def expr(self, obj):
        """A C expression (PyObject *) for obj, writing its definition."""
        key = (type(obj), repr(obj), obj)  # repr tells 0.0 from -0.0, 1 from True
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = self._expr(obj)
        return hit

    def _expr(self, obj):
        if obj is None:
            return "Py_None"
        if obj is True:
            return "Py_True"
        if obj is False:
            return "Py_False"
        if obj is Ellipsis:
            return "Py_Ellipsis"
        for typ, fn in ((str, self.unicode), (bytes, self.bytes_), (int, self.int_),
                        (float, self.float_), (complex, self.complex_), (tuple, self.tuple_),
                        (frozenset, self.frozenset_), (type(first_traceable.__code__), self.code)):
            if type(obj) is typ:
                return fn(obj)
        raise TypeError(f"a code object constant of type {type(obj).__name__} "
                        "cannot be made static")

    def unicode(self, s):
        """A str: the runtime's singleton for "" and one Latin-1 character,
        else a compact string of the narrowest kind."""
        if s == "":
            return "&_Py_STR(empty)"
        if len(s) == 1 and ord(s) < 128:
            return f"(PyObject *)&_Py_SINGLETON(strings.ascii[{ord(s)}]._ascii)"
        if len(s) == 1 and ord(s) < 256:
            return f"(PyObject *)&_Py_SINGLETON(strings.latin1[{ord(s) - 128}]._latin1)"
        n, top = self.name("s"), max(map(ord, s))
        if top < 128:
            self.out.append(
                f"static struct {{ PyASCIIObject o; char d[{len(s) + 1}]; }} {n} = {{\n"
                f"  .o = {{.ob_base = {head('PyUnicode_Type')}, .length = {len(s)}, "
                f".hash = -1, .state = {{.kind = 1, .compact = 1, .ascii = 1, .ready = 1}}}},\n"
                f"  .d = {c_bytes(s.encode('ascii'))}}};")
            return f"(PyObject *)&{n}.o"
        kind, ctype = (1, "uint8_t") if top < 256 else (2, "uint16_t") if top < 65536 \
            else (4, "uint32_t")
        data = ", ".join(str(ord(c)) for c in s) + ", 0"
        wstr = (f", .wstr = (wchar_t *){n}.d" if kind == 4 else "")
        wlen = len(s) if kind == 4 else 0  # UCS4 data is the wchar_t form too
        self.out.append(
            f"static struct {{ PyCompactUnicodeObject o; {ctype} d[{len(s) + 1}]; }} {n} = {{\n"
            f"  .o = {{._base = {{.ob_base = {head('PyUnicode_Type')}, .length = {len(s)}, "
            f".hash = -1, .state = {{.kind = {kind}, .compact = 1, .ascii = 0, .ready = 1}}"
            f"{wstr}}}, .utf8_length = 0, .utf8 = NULL, .wstr_length = {wlen}}},\n"
            f"  .d = {{{data}}}}};")
        return f"(PyObject *)&{n}.o"

    def bytes_(self, b):
        if not b:
            return "(PyObject *)&_Py_SINGLETON(bytes_empty)"
        n = self.name("b")
        self.out.append(
            f"static struct {{ PyObject_VAR_HEAD Py_hash_t hash; char d[{len(b) + 1}]; }} "
            f"{n} = {{{head('PyBytes_Type', len(b))}, -1,\n    {c_bytes(b)}}};")
        return f"(PyObject *)&{n}"

    def int_(self, i):
        if i in SMALL_INTS:
            return f"(PyObject *)&_PyLong_SMALL_INTS[_PY_NSMALLNEGINTS + {i}]"
        shift = sys.int_info.bits_per_digit
        digits, rest = [], abs(i)
        while rest:
            digits.append(rest & ((1 << shift) - 1))
            rest >>= shift
        n = self.name("i")
        size = len(digits) if i > 0 else -len(digits)
        self.out.append(
            f"static struct {{ PyObject_VAR_HEAD digit d[{len(digits)}]; }} {n} = "
            f"{{{head('PyLong_Type', size)}, {{{', '.join(map(str, digits))}}}}};")
        return f"(PyObject *)&{n}"

    @staticmethod
    def double(x):
        """A C expression of exactly the double x."""
        if x != x:
            return "-Py_NAN" if _negative(x) else "Py_NAN"
        if x in (float("inf"), float("-inf")):
            return "Py_HUGE_VAL" if x > 0 else "-Py_HUGE_VAL"
        return x.hex()

    def float_(self, x):
        n = self.name("f")
        self.out.append(f"static PyFloatObject {n} = {{{head('PyFloat_Type')}, "
                        f"{self.double(x)}}};")
        return f"(PyObject *)&{n}"

    def complex_(self, z):
        n = self.name("c")
        self.out.append(f"static PyComplexObject {n} = {{{head('PyComplex_Type')}, "
                        f"{{{self.double(z.real)}, {self.double(z.imag)}}}}};")
        return f"(PyObject *)&{n}"

    def tuple_(self, t):
        """A tuple, after a collector head (untracked) as every tuple has."""
        if not t:
            return "(PyObject *)&_Py_SINGLETON(tuple_empty)"
        items = []
        n = self.name("t")
        for k, item in enumerate(t):
            if type(item) is frozenset:  # made at first use, into this slot
                src = self.tuple_(tuple(sorted(item, key=_order)))
                self.patchups.append(f"if (!({n}.o.ob_item[{k}] = PyFrozenSet_New({src}))) "
                                     "return -1;")
                items.append("Py_None")
            else:
                items.append(self.expr(item))
        self.out.append(
            f"static struct {{ PyGC_Head gc; struct {{ PyObject_VAR_HEAD "
            f"PyObject *ob_item[{len(t)}]; }} o; }} {n} = {{{{0, 0}}, "
            f"{{{head('PyTuple_Type', len(t))}, {{\n    " + ",\n    ".join(items) + "}}};")
        return f"(PyObject *)&{n}.o"

    def frozenset_(self, fs):
        raise TypeError("a frozenset outside a tuple of constants cannot be made static")

    def code(self, co):
        """A code object with 3.11's layout (Include/cpython/code.h)."""
        names, kinds = localsplus(co)
        nlocals = sum(1 for k in kinds if k & CO_FAST_LOCAL)
        ncells = sum(1 for k in kinds if k & CO_FAST_CELL)
        nplaincells = sum(1 for k in kinds if k & CO_FAST_CELL and not k & CO_FAST_LOCAL)
        nfree = sum(1 for k in kinds if k & CO_FAST_FREE)
        if nlocals != co.co_nlocals:
            raise TypeError(f"{co.co_qualname}: {nlocals} locals laid out, the code "
                            f"object has {co.co_nlocals}")
        fields = {
            "co_consts": self.expr(co.co_consts), "co_names": self.expr(co.co_names),
            "co_exceptiontable": self.expr(co.co_exceptiontable),
            "co_localsplusnames": self.expr(names), "co_localspluskinds": self.expr(kinds),
            "co_filename": self.expr(co.co_filename), "co_name": self.expr(co.co_name),
            "co_qualname": self.expr(co.co_qualname), "co_linetable": self.expr(co.co_linetable),
        }
        n = self.name("code")
        raw = co.co_code
        self.out.append(
            f"static struct _PyCode_DEF({len(raw)}) {n} = {{\n"
            f"  .ob_base = {head('PyCode_Type', len(raw) // 2)},\n"
            f"  .co_consts = {fields['co_consts']}, .co_names = {fields['co_names']},\n"
            f"  .co_exceptiontable = {fields['co_exceptiontable']},\n"
            f"  .co_flags = {co.co_flags}, .co_warmup = QUICKENING_INITIAL_WARMUP_VALUE,\n"
            f"  ._co_linearray_entry_size = 0, .co_argcount = {co.co_argcount},\n"
            f"  .co_posonlyargcount = {co.co_posonlyargcount}, "
            f".co_kwonlyargcount = {co.co_kwonlyargcount},\n"
            f"  .co_stacksize = {co.co_stacksize}, .co_firstlineno = {co.co_firstlineno},\n"
            f"  .co_nlocalsplus = {len(names)}, .co_nlocals = {nlocals}, "
            f".co_nplaincellvars = {nplaincells},\n"
            f"  .co_ncellvars = {ncells}, .co_nfreevars = {nfree},\n"
            f"  .co_localsplusnames = {fields['co_localsplusnames']},\n"
            f"  .co_localspluskinds = {fields['co_localspluskinds']},\n"
            f"  .co_filename = {fields['co_filename']}, .co_name = {fields['co_name']},\n"
            f"  .co_qualname = {fields['co_qualname']}, .co_linetable = {fields['co_linetable']},\n"
            f"  .co_weakreflist = NULL, ._co_code = NULL, ._co_linearray = NULL,\n"
            f"  ._co_firsttraceable = {first_traceable(raw)}, .co_extra = NULL,\n"
            f"  .co_code_adaptive = {c_bytes(raw)}}};")
        self.codes.append(f"(PyCodeObject *)&{n}")
        return f"(PyObject *)&{n}"


def _negative(x):
    """True when float x has its sign bit set."""
    import math
    return math.copysign(1.0, x) < 0


def _order(item):
    """A sort key making a frozenset's item order reproducible."""
    return (type(item).__name__, repr(item))


PROLOGUE = """/* Generated by pyembed-pack --freeze (pyembed_pack/staticcode.py): code
 * objects of packed modules as static data. Do not edit. */
#define Py_BUILD_CORE 1
#include "Python.h"
#include "internal/pycore_code.h"
#include "internal/pycore_gc.h"
#include "internal/pycore_long.h"
#include "pyembed.h"

_Static_assert(PyLong_SHIFT == %d, "digits laid out for another PyLong_SHIFT");
_Static_assert(sizeof(wchar_t) == 4, "UCS4 strings laid out as their wchar_t form");
"""

EPILOGUE = """
static PyCodeObject *const pe_codes[] = {
    %s
};

/* What CPython does to its own static code objects at start-up: the
 * frozensets made, names and string constants interned. 0, or -1 with an
 * exception (tried again on the next import). */
static int pe_prepare(void)
{
    static int done;
    if (done)
        return 0;
    %s
    for (size_t i = 0; i < sizeof pe_codes / sizeof *pe_codes; i++)
        if (_PyStaticCode_InternStrings(pe_codes[i]) < 0)
            return -1;
    done = 1;
    return 0;
}
%s
static const pyembed_static_code pe_table[] = {
    %s
    {NULL, 0, NULL}
};

__attribute__((constructor)) static void pe_register(void)
{
    pyembed_set_static_code(pe_table);
}
"""

GETTER = """
static void *pe_get%d(void)
{
    return pe_prepare() < 0 ? NULL : Py_NewRef(%s);
}
"""


def static_code_c(modules, optimize):
    """C source for modules [(name, marshalled code object)] compiled at
    optimisation level optimize: their code objects as static data and
    the table libpyembed looks them up in (names sorted)."""
    check_version()
    em = Emitter()
    getters, entries = [], []
    for k, (name, data) in enumerate(sorted(modules)):
        code = marshal.loads(data)
        if type(code) is not type(check_version.__code__):
            raise TypeError(f"{name}: its bytecode is not a code object")
        top = em.expr(code)
        getters.append(GETTER % (k, top))
        entries.append(f"{{{c_bytes(name.encode())}, {optimize}, pe_get{k}}},")
    return (PROLOGUE % sys.int_info.bits_per_digit + "\n".join(em.out) + "\n" +
            EPILOGUE % (",\n    ".join(em.codes), "\n    ".join(em.patchups),
                        "".join(getters), "\n    ".join(entries)))
