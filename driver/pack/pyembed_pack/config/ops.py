"""Starlark's operators, indexing, iteration and the methods of strings,
lists and dicts. Each raises EvalError (never a Python TypeError) for an
operation Starlark does not define."""
import functools
import re
import string

from .errors import EvalError, did_you_mean
from .values import Builtin, Function, Object, SDict, SList, check_mutable, sstr, srepr, type_name

NUM = (int, float)
MAX_SIZE = 1 << 26  # elements of a string or list made by * (a runaway guard)
MAX_SHIFT = 512
MAX_INT_BITS = 1 << 16  # a runaway guard for int * int


def binop_error(op, a, b):
    return EvalError(f"unsupported binary operation: {type_name(a)} {op} {type_name(b)}")


def is_num(v):
    return type(v) is int or type(v) is float


def op_add(a, b):
    """a + b: numbers, strings, lists, tuples."""
    ta, tb = type(a), type(b)
    if ta is tb and ta in (int, str, float, tuple):
        return a + b
    if ta is SList and tb is SList:
        return SList(list.__add__(a, b))
    if is_num(a) and is_num(b):
        return a + b
    raise binop_error("+", a, b)


def op_sub(a, b):
    if is_num(a) and is_num(b):
        return a - b
    raise binop_error("-", a, b)


def repeat(seq, n, a, b):
    if n * len(seq) > MAX_SIZE:
        raise EvalError(f"repeat count {n} too large")
    return seq * n


def op_mul(a, b):
    """a * b: numbers, and repetition of strings, tuples and lists."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int and a.bit_length() + b.bit_length() > MAX_INT_BITS:
        raise EvalError(f"integer product too large (more than {MAX_INT_BITS} bits)")
    if is_num(a) and is_num(b):
        return a * b
    if tb is int and ta in (str, tuple):
        return repeat(a, b, a, b)
    if ta is int and tb in (str, tuple):
        return repeat(b, a, a, b)
    if tb is int and ta is SList:
        return SList(repeat(list(a), b, a, b))
    if ta is int and tb is SList:
        return SList(repeat(list(b), a, a, b))
    raise binop_error("*", a, b)


def op_div(a, b):
    if is_num(a) and is_num(b):
        if b == 0:
            raise EvalError("floating-point division by zero")
        return a / b
    raise binop_error("/", a, b)


def op_floordiv(a, b):
    if is_num(a) and is_num(b):
        if b == 0:
            raise EvalError("integer division by zero" if type(b) is int else
                            "floating-point division by zero")
        return a // b
    raise binop_error("//", a, b)


def op_mod(a, b):
    if is_num(a) and is_num(b):
        if b == 0:
            raise EvalError("integer modulo by zero")
        return a % b
    if type(a) is str:
        return percent_format(a, b)
    raise binop_error("%", a, b)


def int_op(sym, fn):
    def op(a, b):
        if type(a) is int and type(b) is int:
            return fn(a, b)
        raise binop_error(sym, a, b)
    return op


def op_or(a, b):
    if type(a) is int and type(b) is int:
        return a | b
    if type(a) is SDict and type(b) is SDict:
        out = SDict(a)
        out.update(b)
        return out
    raise binop_error("|", a, b)


def shift(sym, fn):
    def op(a, b):
        if type(a) is int and type(b) is int:
            if b < 0:
                raise EvalError(f"negative shift count: {b}")
            if b >= MAX_SHIFT:
                raise EvalError(f"shift count too large: {b}")
            return fn(a, b)
        raise binop_error(sym, a, b)
    return op


BINOPS = {
    "Add": ("+", op_add), "Sub": ("-", op_sub), "Mult": ("*", op_mul), "Div": ("/", op_div),
    "FloorDiv": ("//", op_floordiv), "Mod": ("%", op_mod), "BitOr": ("|", op_or),
    "BitAnd": ("&", int_op("&", lambda a, b: a & b)),
    "BitXor": ("^", int_op("^", lambda a, b: a ^ b)),
    "LShift": ("<<", shift("<<", lambda a, b: a << b)),
    "RShift": (">>", shift(">>", lambda a, b: a >> b)),
}


def unary(op, v):
    """-v, +v, ~v."""
    if op == "USub" and is_num(v):
        return -v
    if op == "UAdd" and is_num(v):
        return +v
    if op == "Invert" and type(v) is int:
        return ~v
    sym = {"USub": "-", "UAdd": "+", "Invert": "~"}[op]
    raise EvalError(f"unsupported unary operation: {sym}{type_name(v)}")


ORDERED = (int, float, str, SList, tuple, bool)


def ordered(sym, fn):
    def op(a, b):
        ta, tb = type(a), type(b)
        if (ta is tb and ta in ORDERED) or (is_num(a) and is_num(b)):
            try:
                return fn(a, b)
            except TypeError:
                pass  # mixed element types inside lists or tuples
        raise EvalError(f"unsupported comparison: {type_name(a)} {sym} {type_name(b)}")
    return op


def contains(a, b):
    """a in b."""
    tb = type(b)
    if tb is str:
        if type(a) is not str:
            raise EvalError(f"'in <string>' requires string as left operand, not {type_name(a)}")
        return a in b
    if tb in (SList, tuple, range):
        return a in b
    if tb is SDict:
        return a in b if hashable(a) else False
    raise EvalError(f"unsupported binary operation: {type_name(a)} in {type_name(b)}")


COMPARE = {
    "Eq": ("==", lambda a, b: a == b), "NotEq": ("!=", lambda a, b: a != b),
    "Lt": ("<", ordered("<", lambda a, b: a < b)), "LtE": ("<=", ordered("<=", lambda a, b: a <= b)),
    "Gt": (">", ordered(">", lambda a, b: a > b)), "GtE": (">=", ordered(">=", lambda a, b: a >= b)),
    "In": ("in", contains), "NotIn": ("not in", lambda a, b: not contains(a, b)),
}


def hashable(v):
    t = type(v)
    if t in (str, int, float, bool) or v is None:
        return True
    if t is tuple:
        return all(hashable(x) for x in v)
    return isinstance(v, (Object, Function, Builtin))


def check_key(k):
    if not hashable(k):
        raise EvalError(f"unhashable type: {type_name(k)}")
    return k


def index(v, i):
    """v[i]."""
    t = type(v)
    if t is SDict:
        check_key(i)
        try:
            return v[i]
        except KeyError:
            raise EvalError(f"key {srepr(i)} not in dict") from None
    if t in (SList, tuple, str, range):
        if type(i) is not int:
            raise EvalError(f"{type_name(v)} index must be an int, not {type_name(i)}")
        n = len(v)
        if not -n <= i < n:
            raise EvalError(f"index {i} out of range [0:{n}]" if n else f"index {i} out of range: empty {type_name(v)}")
        return v[i]
    raise EvalError(f"{type_name(v)} value is not indexable")


def slice_of(v, lo, hi, step):
    """v[lo:hi:step]."""
    t = type(v)
    if t not in (SList, tuple, str, range):
        raise EvalError(f"{type_name(v)} value cannot be sliced")
    for x in (lo, hi, step):
        if x is not None and type(x) is not int:
            raise EvalError(f"slice indices must be ints or None, not {type_name(x)}")
    if step == 0:
        raise EvalError("slice step cannot be zero")
    out = v[lo:hi:step]
    return SList(out) if t is SList else out


def set_index(v, i, x):
    """v[i] = x."""
    t = type(v)
    if t is SDict:
        check_mutable(v, "insert into")
        v[check_key(i)] = x
    elif t is SList:
        check_mutable(v, "assign to element of")
        if type(i) is not int:
            raise EvalError(f"list index must be an int, not {type_name(i)}")
        if not -len(v) <= i < len(v):
            raise EvalError(f"index {i} out of range [0:{len(v)}]")
        list.__setitem__(v, i, x)
    else:
        raise EvalError(f"{type_name(v)} value does not support item assignment")


def iterate(v):
    """(the items to loop over, the list/dict to mark while looping or None)."""
    t = type(v)
    if t is SList or t is SDict:
        return v, v
    if t is tuple or t is range:
        return v, None
    if t is str:
        raise EvalError("string value is not iterable (use .elems())")
    if isinstance(v, Object) and hasattr(v, "starlark_iter"):
        return v.starlark_iter(), None
    raise EvalError(f"{type_name(v)} value is not iterable")


def items_of(v):
    """The elements of iterable v as a Python list (a snapshot)."""
    return list(iterate(v)[0])


# ---- % formatting and str.format, without Python's attribute lookups ----

PERCENT = re.compile(r"%(?:\((\w*)\))?([-#0 +]*\d*(?:\.\d+)?)([sdirxXoeEfFgG%])")


def percent_format(fmt, arg):
    """fmt % arg with Starlark's conversions (%s str, %r repr)."""
    args = list(arg) if type(arg) is tuple else [arg]
    mapping = arg if type(arg) is SDict else None
    pos = [0]

    def one(m):
        key, flags, conv = m.groups()
        if conv == "%":
            return "%"
        if key is not None:
            if mapping is None:
                raise EvalError("format requires a mapping")
            if key not in mapping:
                raise EvalError(f"key {srepr(key)} not in dict")
            v = mapping[key]
        else:
            if pos[0] >= len(args):
                raise EvalError("not enough arguments for format string")
            v = args[pos[0]]
            pos[0] += 1
        if conv == "s":
            return ("%" + flags + "s") % sstr(v)
        if conv == "r":
            return ("%" + flags + "s") % srepr(v)
        if not is_num(v):
            raise EvalError(f"%{conv} format requires a number, not {type_name(v)}")
        if conv in "dixXo" and type(v) is float:
            v = int(v)
        return ("%" + flags + conv) % v

    end = 0
    for m in PERCENT.finditer(fmt):
        if "%" in fmt[end:m.start()]:
            break
        end = m.end()
    if "%" in fmt[end:]:
        raise EvalError("invalid format string: a lone % (write %% for a percent sign)")
    try:
        out = PERCENT.sub(one, fmt)
    except (ValueError, OverflowError) as e:
        raise EvalError(f"format: {e}") from None
    if mapping is None and pos[0] != len(args):
        raise EvalError("not all arguments converted during string formatting")
    return out


def str_format(s, *args, **kwargs):
    """s.format(...): {} {0} {name} and !s/!r; no format specifications."""
    out, auto = [], 0
    try:
        parsed = list(string.Formatter().parse(s))
    except ValueError as e:
        raise EvalError(f"format: {e}") from None
    for literal, field, spec, conv in parsed:
        out.append(literal)
        if field is None:
            continue
        if spec:
            raise EvalError(f"format: format specifications (':{spec}') are not supported")
        if field == "":
            if auto >= len(args):
                raise EvalError("format: not enough arguments")
            v, auto = args[auto], auto + 1
        elif field.isdigit():
            if int(field) >= len(args):
                raise EvalError(f"format: no argument {field}")
            v = args[int(field)]
        elif field.isidentifier():
            if field not in kwargs:
                raise EvalError(f"format: keyword {field} not given")
            v = kwargs[field]
        else:
            raise EvalError(f"format: invalid field name '{field}'")
        if conv not in (None, "s", "r"):
            raise EvalError(f"format: unknown conversion !{conv}")
        out.append(srepr(v) if conv == "r" else sstr(v))
    return "".join(out)


# ---- methods of strings, lists and dicts ---------------------------------

def py_str_method(name, wrap=None):
    def method(s, *args):
        for a in args:
            if type(a) not in (str, int, tuple) and a is not None:
                raise EvalError(f"{name}: unexpected argument of type {type_name(a)}")
        try:
            r = getattr(str, name)(s, *args)
        except (TypeError, ValueError) as e:
            raise EvalError(f"{name}: {e}") from None
        return wrap(r) if wrap else r
    return method


def str_join(s, iterable):
    items = items_of(iterable)
    for x in items:
        if type(x) is not str:
            raise EvalError(f"join: expected string elements, got {type_name(x)}")
    return s.join(items)


STR_METHODS = {n: py_str_method(n) for n in (
    "capitalize", "count", "endswith", "find", "index", "isalnum", "isalpha", "isdigit",
    "islower", "isspace", "istitle", "isupper", "lower", "lstrip", "partition",
    "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rpartition", "rstrip",
    "startswith", "strip", "title", "upper")}
STR_METHODS.update({
    "split": py_str_method("split", SList), "rsplit": py_str_method("rsplit", SList),
    "splitlines": py_str_method("splitlines", SList), "join": str_join,
    "format": str_format, "elems": lambda s: SList(s),
    "codepoints": lambda s: SList(s),
})


def list_append(l, x):
    check_mutable(l, "append to")
    list.append(l, x)


def list_extend(l, it):
    check_mutable(l, "extend")
    list.extend(l, items_of(it))


def list_insert(l, i, x):
    check_mutable(l, "insert into")
    if type(i) is not int:
        raise EvalError(f"insert: index must be an int, not {type_name(i)}")
    list.insert(l, i, x)


def list_pop(l, i=-1):
    check_mutable(l, "pop from")
    if type(i) is not int:
        raise EvalError(f"pop: index must be an int, not {type_name(i)}")
    if not l or not -len(l) <= i < len(l):
        raise EvalError(f"pop: index {i} out of range [0:{len(l)}]")
    return list.pop(l, i)


def list_remove(l, x):
    check_mutable(l, "remove from")
    try:
        list.remove(l, x)
    except ValueError:
        raise EvalError(f"remove: element {srepr(x)} not found") from None


def list_clear(l):
    check_mutable(l, "clear")
    list.clear(l)


def list_index(l, x, start=0, end=None):
    try:
        return list.index(l, x, start, len(l) if end is None else end)
    except ValueError:
        raise EvalError(f"index: value {srepr(x)} not in list") from None


LIST_METHODS = {"append": list_append, "extend": list_extend, "insert": list_insert,
                "pop": list_pop, "remove": list_remove, "clear": list_clear,
                "index": list_index}


def dict_get(d, k, default=None):
    return dict.get(d, k, default) if hashable(k) else default


def dict_pop(d, k, *default):
    check_mutable(d, "pop from")
    check_key(k)
    if k in d:
        return dict.pop(d, k)
    if default:
        return default[0]
    raise EvalError(f"pop: key {srepr(k)} not in dict")


def dict_popitem(d):
    check_mutable(d, "pop from")
    if not d:
        raise EvalError("popitem: empty dict")
    k = next(iter(d))
    return (k, dict.pop(d, k))


def dict_setdefault(d, k, default=None):
    check_key(k)
    if k in d:
        return d[k]
    check_mutable(d, "insert into")
    dict.__setitem__(d, k, default)
    return default


def dict_update(d, *pairs, **kw):
    """d.update(mapping or pairs, **kw)."""
    check_mutable(d, "update")
    if len(pairs) > 1:
        raise EvalError(f"update: got {len(pairs)} positional arguments, want at most 1")
    if pairs:
        src = pairs[0]
        items = list(src.items()) if type(src) is SDict else items_of(src)
        for item in items:
            if type(src) is not SDict:
                if type(item) not in (tuple, SList) or len(item) != 2:
                    raise EvalError("update: elements must be (key, value) pairs")
            dict.__setitem__(d, check_key(item[0]), item[1])
    for k, v in kw.items():
        dict.__setitem__(d, k, v)


def dict_clear(d):
    check_mutable(d, "clear")
    dict.clear(d)


DICT_METHODS = {
    "get": dict_get, "pop": dict_pop, "popitem": dict_popitem, "setdefault": dict_setdefault,
    "update": dict_update, "clear": dict_clear,
    "keys": lambda d: SList(d.keys()), "values": lambda d: SList(d.values()),
    "items": lambda d: SList(d.items()),
}

METHODS = {str: STR_METHODS, SList: LIST_METHODS, SDict: DICT_METHODS}


def get_attr(v, name):
    """v.name: a method of a builtin type, or an API object's attribute."""
    if isinstance(v, Object):
        return v.get_attr(name)
    table = METHODS.get(type(v))
    if table is not None:
        fn = table.get(name)
        if fn is not None:
            return Builtin(f"{type_name(v)}.{name}", functools.partial(fn, v))
        raise EvalError(f"{type_name(v)} has no .{name} field or method"
                        + did_you_mean(name, table))
    raise EvalError(f"{type_name(v)} has no .{name} field or method")


def attr_names(v):
    """dir(v)."""
    if isinstance(v, Object):
        return v.attr_names()
    return sorted(METHODS.get(type(v), ()))


def set_attr(v, name, x):
    """v.name = x."""
    if isinstance(v, Object):
        v.set_attr(name, x)
    else:
        raise EvalError(f"cannot set .{name}: {type_name(v)} values have no fields")
