"""Checks of the values a config gives, and Settings: the base of the API's
objects whose attributes are settings with defaults and checks. Each
check raises EvalError naming the argument or attribute."""
import re

from .errors import EvalError, did_you_mean
from .values import Object, SList, type_name

DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def want_bool(name, v):
    if type(v) is not bool:
        raise EvalError(f"{name} must be a bool, not {type_name(v)}")
    return v


def want_str(name, v, none=False):
    if v is None and none:
        return None
    if type(v) is not str:
        raise EvalError(f"{name} must be a string{' or None' if none else ''}, "
                        f"not {type_name(v)}")
    return v


def want_strs(name, v, none=False):
    """A tuple of the strings of list or tuple v."""
    if v is None and none:
        return None
    if type(v) not in (SList, tuple):
        raise EvalError(f"{name} must be a list of strings, not {type_name(v)}")
    for x in v:
        if type(x) is not str:
            raise EvalError(f"{name} must be a list of strings, but has a {type_name(x)}")
    return tuple(v)


def want_choice(name, v, choices):
    want_str(name, v)
    if v not in choices:
        raise EvalError(f"{name}: '{v}' is not one of " + ", ".join(f"'{c}'" for c in choices)
                        + did_you_mean(v, choices))
    return v


def want_module_name(name, v):
    want_str(name, v)
    if not DOTTED.match(v):
        raise EvalError(f"{name}: '{v}' is not a dotted module name")
    return v


def check_prefix(name, prefix):
    if not prefix or prefix.startswith("/") or ".." in prefix.split("/"):
        raise EvalError(f"{name}: bad filesystem-relative prefix '{prefix}' (a relative "
                        "directory below the executable's)")
    return prefix


def want_location(name, v, ctx, fallback=False):
    """'in-memory' or 'filesystem-relative:PREFIX' (a fallback: None too)."""
    if fallback and v is None:
        return None
    want_str(name, v, none=fallback)
    if v == "in-memory" and not fallback:
        return v
    if v == "filesystem-relative":
        ctx.note(f"{name} = \"filesystem-relative\" has no prefix: using "
                 "filesystem-relative:lib")
        return "filesystem-relative:lib"
    if v.startswith("filesystem-relative:"):
        check_prefix(name, v.split(":", 1)[1])
        return v
    raise EvalError(f"{name}: expected " + ("" if fallback else "'in-memory' or ")
                    + f"'filesystem-relative:PREFIX', not '{v}'")


def prefix_of(location):
    """The PREFIX of filesystem-relative:PREFIX, None for in-memory/None."""
    if location and location.startswith("filesystem-relative:"):
        return location.split(":", 1)[1]
    return None


def unsupported(name, why):
    raise EvalError(f"{name}: not supported by pyembed yet ({why})")


class Settings(Object):
    """An object whose attributes are FIELDS: name -> (default, check),
    check(self, name, value) returning the value to store. UNSUPPORTED:
    PyOxidizer's names pyembed cannot honour (None only)."""

    FIELDS = {}
    UNSUPPORTED = {}

    def __init__(self):
        self.values = {k: d for k, (d, _) in self.FIELDS.items()}

    def attr_names(self):
        return sorted(set(self.FIELDS) | set(self.READONLY) | set(self.METHODS))

    def get_attr(self, name):
        if name in self.FIELDS:
            v = self.values[name]
            return SList(v) if type(v) is tuple else v
        if name in self.UNSUPPORTED:
            return None
        return Object.get_attr(self, name)

    def set_attr(self, name, value):
        if name in self.UNSUPPORTED and name not in self.FIELDS:
            if value is None:
                return
            unsupported(f"{self.TYPE}.{name}", self.UNSUPPORTED[name])
        if name not in self.FIELDS:
            return Object.set_attr(self, name, value)
        self.check_mutable(f"set {name}")
        self.values[name] = self.FIELDS[name][1](self, name, value)

    def copy_settings(self, other):
        other.values = dict(self.values)
        other.where = dict(self.where or {})
        return other

    def was_set(self, name):
        return bool(self.where and name in self.where)


def f_bool(self, name, v):
    return want_bool(name, v)


def f_bool_none(self, name, v):
    return None if v is None else want_bool(name, v)


def f_only(value, why):
    """A check accepting only value (and None): pyembed's fixed behaviour."""
    def check(self, name, v):
        if v is None or v == value:
            return value if v is None else v
        if type(v) is not type(value) and not (value is False and type(v) is int):
            raise EvalError(f"{name} must be a {type_name(value)}, not {type_name(v)}")
        unsupported(name + f" = {v!r}".replace("'", '"'), why)
    return check


def f_choice(*choices):
    return lambda self, name, v: want_choice(name, v, choices)
