"""Starlark's built-in functions (the spec's universe), deterministic:
hash() is the spec's string hash, print() writes to stderr."""
import sys

from .errors import EvalError
from .ops import attr_names, get_attr, items_of, iterate
from .values import Builtin, SDict, SList, call, sstr, srepr, type_name


def b_len(x):
    if type(x) in (str, SList, tuple, SDict, range):
        try:
            return len(x)
        except OverflowError:  # a huge range
            raise EvalError("len: range too long") from None
    raise EvalError(f"len: value of type {type_name(x)} has no len")


def b_bool(x=False):
    return bool(x)


def b_int(x=0, base=None):
    """int(x, base=10): strings, bools, floats (truncated)."""
    t = type(x)
    if t is str:
        try:
            return int(x, 10 if base is None else base)
        except (ValueError, TypeError):
            raise EvalError(f"int: invalid literal {srepr(x)}" +
                            ("" if base is None else f" in base {base}")) from None
    if base is not None:
        raise EvalError("int: can't convert non-string with explicit base")
    if t in (int, bool):
        return int(x)
    if t is float:
        if x != x or x in (float("inf"), float("-inf")):
            raise EvalError(f"int: cannot convert {x} to int")
        return int(x)
    raise EvalError(f"int: cannot convert {type_name(x)} to int")


def b_float(x=0.0):
    """float(x): numbers and numeric strings."""
    t = type(x)
    if t in (int, float, bool):
        try:
            return float(x)
        except OverflowError:
            raise EvalError("float: int too large to convert to float") from None
    if t is str:
        try:
            return float(x)
        except ValueError:
            raise EvalError(f"float: invalid literal {srepr(x)}") from None
    raise EvalError(f"float: cannot convert {type_name(x)} to float")


def b_str(x=""):
    return sstr(x)


def b_repr(x):
    return srepr(x)


def b_list(x=()):
    return SList(items_of(x))


def b_tuple(x=()):
    return tuple(items_of(x))


def b_dict(*pairs, **kw):
    d = SDict()
    from .ops import dict_update
    dict_update(d, *pairs, **kw)
    return d


def b_range(*args):
    if not 1 <= len(args) <= 3:
        raise EvalError(f"range: got {len(args)} arguments, want 1 to 3")
    for a in args:
        if type(a) is not int:
            raise EvalError(f"range: arguments must be ints, not {type_name(a)}")
    if len(args) == 3 and args[2] == 0:
        raise EvalError("range: step argument must not be zero")
    return range(*args)


def b_enumerate(x, start=0):
    return SList(enumerate(items_of(x), start))


def b_zip(*its):
    return SList(zip(*[items_of(i) for i in its]))


def sort_key(key):
    if key is None:
        return None
    return lambda v: call(key, [v], {})


def b_sorted(x, key=None, reverse=False):
    items = items_of(x)
    try:
        return SList(sorted(items, key=sort_key(key), reverse=bool(reverse)))
    except TypeError:
        raise EvalError("sorted: elements of different types cannot be compared") from None


def b_reversed(x):
    return SList(reversed(items_of(x)))


def extreme(name, fn, args, key):
    items = items_of(args[0]) if len(args) == 1 else list(args)
    if not items:
        raise EvalError(f"{name}: empty sequence")
    try:
        return fn(items, key=sort_key(key)) if key is not None else fn(items)
    except TypeError:
        raise EvalError(f"{name}: elements of different types cannot be compared") from None


def b_min(*args, key=None):
    return extreme("min", min, args, key)


def b_max(*args, key=None):
    return extreme("max", max, args, key)


def b_any(x):
    return any(iterate(x)[0])


def b_all(x):
    return all(iterate(x)[0])


def b_hasattr(x, name):
    try:
        get_attr(x, name)
        return True
    except EvalError:
        return False


NO_DEFAULT = object()


def b_getattr(x, name, default=NO_DEFAULT):
    if type(name) is not str:
        raise EvalError(f"getattr: attribute name must be a string, not {type_name(name)}")
    try:
        return get_attr(x, name)
    except EvalError:
        if default is NO_DEFAULT:
            raise
        return default


def b_dir(x):
    return SList(attr_names(x))


def b_type(x):
    return type_name(x)


def b_hash(x):
    if type(x) is not str:
        raise EvalError(f"hash: only strings are hashable here, not {type_name(x)}")
    h = 0
    for ch in x:  # Java's String.hashCode, as the spec defines it
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def message(args, sep):
    if type(sep) is not str:
        raise EvalError("sep must be a string")
    return sep.join(sstr(a) for a in args)


def b_print(*args, sep=" "):
    print(message(args, sep), file=sys.stderr)


def b_fail(*args, sep=" "):
    raise EvalError("fail: " + message(args, sep))


UNIVERSE = {name[2:]: Builtin(name[2:], fn) for name, fn in dict(globals()).items()
            if name.startswith("b_")}
