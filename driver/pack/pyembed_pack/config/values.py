"""Starlark values: lists and dicts that freeze, functions, builtins, and
the base class of the API's objects (attributes checked by name).

None, bool, int, float, str and tuple are Python's own; a Starlark list
or dict is an SList/SDict, which refuses mutation once frozen (after the
top level of the file that made it ran) and while a loop iterates it.
"""
from .errors import EvalError, did_you_mean

UNBOUND = object()  # a local or global not assigned yet


class SList(list):
    """A Starlark list."""

    __slots__ = ("frozen", "iterating")

    def __init__(self, items=()):
        list.__init__(self, items)
        self.frozen = False
        self.iterating = 0


class SDict(dict):
    """A Starlark dict (insertion-ordered, like Python's)."""

    __slots__ = ("frozen", "iterating")

    def __init__(self, items=()):
        dict.__init__(self, items)
        self.frozen = False
        self.iterating = 0


def check_mutable(value, verb):
    """EvalError unless list/dict value may be changed now."""
    if value.frozen:
        raise EvalError(f"cannot {verb} frozen {type_name(value)}")
    if value.iterating:
        raise EvalError(f"cannot {verb} {type_name(value)} during iteration")


class FuncCode:
    """What a `def` or lambda compiles to, shared by every function value
    made from it: the body, the parameters and the frame layout."""

    def __init__(self, name, path, line, params, defaults_count, star, starstar,
                 kwonly, nslots, body):
        self.name, self.path, self.line = name, path, line
        self.params = params            # positional-or-keyword names (slots 0..)
        self.defaults_count = defaults_count
        self.star = star                # slot of *args, or None
        self.starstar = starstar        # slot of **kwargs, or None
        self.kwonly = kwonly            # [(name, slot, has_default)]
        self.nslots = nslots
        self.body = body                # frame -> return value
        self.active = False             # on the call stack (recursion check)
        self.slot_of = {n: i for i, n in enumerate(params)}
        self.slot_of.update((n, s) for n, s, _ in kwonly)


class Function:
    """A Starlark function value: code, evaluated defaults and the frame it
    was defined in (for the free variables of nested functions)."""

    __slots__ = ("code", "defaults", "kw_defaults", "parent", "frozen")

    def __init__(self, code, defaults, kw_defaults, parent):
        self.code, self.defaults, self.kw_defaults, self.parent = code, defaults, kw_defaults, parent
        self.frozen = False

    @property
    def name(self):
        return self.code.name


class Builtin:
    """A function implemented in Python: fn(*args, **kwargs). Raising
    EvalError reports at the call. With wants_pos, the call's position
    (an errors.Pos) is passed as the keyword argument _where, for errors
    found later (a target's, say)."""

    __slots__ = ("name", "fn", "wants_pos")

    def __init__(self, name, fn, wants_pos=False):
        self.name, self.fn, self.wants_pos = name, fn, wants_pos


def builtin(name):
    """Decorator: the Builtin named name running the decorated function."""
    return lambda fn: Builtin(name, fn)


class Object:
    """Base of the API's values. ATTRS: readable/settable attribute names
    (set_NAME(value) validates a setting); METHODS: names of methods
    (method_NAME). A type with FREEZABLE True is frozen with the file."""

    TYPE = "object"
    ATTRS = ()
    READONLY = ()
    METHODS = ()
    FREEZABLE = True

    frozen = False

    def attr_names(self):
        return sorted(set(self.ATTRS) | set(self.READONLY) | set(self.METHODS))

    POSITIONED = ()   # methods that receive their call's position (_where)
    where = None      # attribute name -> Pos of its last assignment

    def get_attr(self, name):
        """The attribute or bound method name; EvalError for others."""
        if name in self.METHODS:
            return Builtin(f"{self.TYPE}.{name}", getattr(self, "method_" + name),
                           name in self.POSITIONED)
        if name in self.ATTRS or name in self.READONLY:
            return self.read_attr(name)
        raise EvalError(f"{self.TYPE} has no attribute '{name}'"
                        + did_you_mean(name, self.attr_names()))

    def read_attr(self, name):
        return getattr(self, "a_" + name)

    def set_attr(self, name, value):
        """Sets attribute name; EvalError for an unknown, read-only or
        frozen attribute or a bad value."""
        if name not in self.ATTRS:
            if name in self.READONLY or name in self.METHODS:
                raise EvalError(f"{self.TYPE}.{name} cannot be assigned")
            raise EvalError(f"{self.TYPE} has no attribute '{name}'"
                            + did_you_mean(name, self.attr_names()))
        if self.frozen:
            raise EvalError(f"cannot set {name}: this {self.TYPE} is frozen")
        setter = getattr(self, "set_" + name, None)
        setattr(self, "a_" + name, setter(value) if setter else value)

    def assigned_at(self, name, pos):
        """Records where attribute name was last assigned (for messages)."""
        if self.where is None:
            self.where = {}
        self.where[name] = pos

    def freeze(self):
        if self.FREEZABLE:
            self.frozen = True

    def check_mutable(self, what):
        """EvalError when this object is frozen."""
        if self.frozen:
            raise EvalError(f"cannot {what}: this {self.TYPE} is frozen")

    def children(self):
        """Values this object holds (freeze() follows them)."""
        return ()

    def __repr__(self):
        return f"<{self.TYPE}>"


TYPE_NAMES = {type(None): "NoneType", bool: "bool", int: "int", float: "float", str: "string",
              SList: "list", SDict: "dict", tuple: "tuple", Function: "function",
              Builtin: "builtin_function_or_method", range: "range"}


def type_name(v):
    """The Starlark type name of v (what type() returns)."""
    t = TYPE_NAMES.get(type(v))
    if t:
        return t
    return v.TYPE if isinstance(v, Object) else type(v).__name__


def quote(s):
    """A Starlark string literal for s (double quotes)."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def srepr(v, depth=0):
    """Starlark's repr() of v."""
    if depth > 50:
        raise EvalError("value nested too deeply to print")
    t = type(v)
    if t is str:
        return quote(v)
    if v is None or t is bool:
        return repr(v)
    if t is int:
        try:
            return repr(v)
        except ValueError:  # more digits than CPython converts
            raise EvalError("integer too large to print") from None
    if t is float:
        return repr(v)
    if t is SList:
        return "[" + ", ".join(srepr(x, depth + 1) for x in v) + "]"
    if t is tuple:
        inner = ", ".join(srepr(x, depth + 1) for x in v)
        return "(" + inner + ("," if len(v) == 1 else "") + ")"
    if t is SDict:
        return "{" + ", ".join(f"{srepr(k, depth + 1)}: {srepr(x, depth + 1)}"
                               for k, x in v.items()) + "}"
    if t is Function:
        return f"<function {v.name}>"
    if t is Builtin:
        return f"<built-in function {v.name}>"
    if t is range:
        return repr(v)
    return repr(v)


def sstr(v):
    """Starlark's str() of v: strings as they are, the rest as repr."""
    return v if type(v) is str else srepr(v)


def freeze(value):
    """Freezes value and everything reachable from it (iteratively)."""
    todo = [value]
    seen = set()
    while todo:
        v = todo.pop()
        t = type(v)
        if t in (SList, SDict, tuple, Function) or isinstance(v, Object):
            if id(v) in seen:
                continue
            seen.add(id(v))
        if t is SList:
            v.frozen = True
            todo.extend(v)
        elif t is SDict:
            v.frozen = True
            todo.extend(v.keys())
            todo.extend(v.values())
        elif t is tuple:
            todo.extend(v)
        elif t is Function:
            v.frozen = True
            todo.extend(v.defaults)
            todo.extend(v.kw_defaults.values())
        elif isinstance(v, Object):
            v.freeze()
            todo.extend(v.children())
    return value


class Frame:
    """The local variables of one function call (or of the top level),
    and the frame its function was defined in."""

    __slots__ = ("slots", "parent", "ret")

    def __init__(self, slots, parent):
        self.slots, self.parent, self.ret = slots, parent, None


def bind(fn, args, kwargs):
    """The slots of a call of Function fn with args and kwargs (EvalError
    for a missing, repeated or unexpected argument)."""
    code = fn.code
    slots = [UNBOUND] * code.nslots
    params, np = code.params, len(code.params)
    if len(args) > np:
        if code.star is None:
            raise EvalError(f"{code.name}() takes {np} positional argument"
                            f"{'' if np == 1 else 's'} but {len(args)} were given")
        slots[code.star] = tuple(args[np:])
        args = args[:np]
    elif code.star is not None:
        slots[code.star] = ()
    slots[:len(args)] = args
    extra = SDict() if code.starstar is not None else None
    for k, v in kwargs.items():
        i = code.slot_of.get(k)
        if i is None:
            if extra is None:
                raise EvalError(f"{code.name}() got an unexpected keyword argument '{k}'"
                                + did_you_mean(k, code.slot_of))
            extra[k] = v
        elif slots[i] is not UNBOUND:
            raise EvalError(f"{code.name}() got multiple values for argument '{k}'")
        else:
            slots[i] = v
    missing = []
    first_default = np - code.defaults_count
    for i in range(np):
        if slots[i] is UNBOUND:
            if i >= first_default:
                slots[i] = fn.defaults[i - first_default]
            else:
                missing.append(params[i])
    for name, slot, has_default in code.kwonly:
        if slots[slot] is UNBOUND:
            if has_default:
                slots[slot] = fn.kw_defaults[name]
            else:
                missing.append(name)
    if missing:
        raise EvalError(f"{code.name}() missing {len(missing)} required argument"
                        f"{'' if len(missing) == 1 else 's'}: {', '.join(missing)}")
    if extra is not None:
        slots[code.starstar] = extra
    return slots


def builtin_arg_error(b, args, kwargs):
    """The EvalError for a call of Builtin b whose arguments do not fit its
    signature, or None when they fit (the TypeError came from inside)."""
    import inspect
    try:
        sig = inspect.signature(b.fn)
    except (TypeError, ValueError):
        return None
    try:
        sig.bind(*args, **kwargs)
    except TypeError as e:
        params = sig.parameters
        takes_kw = any(p.kind == p.VAR_KEYWORD for p in params.values())
        for k in kwargs:
            if k not in params and not takes_kw:
                return EvalError(f"{b.name}() got an unexpected keyword argument '{k}'"
                                 + did_you_mean(k, [p for p in params if not p.startswith("_")]))
        fn_name = getattr(b.fn, "__name__", None) or getattr(getattr(b.fn, "func", None),
                                                             "__name__", "")
        msg = str(e).replace(f"{fn_name}()", "").strip()
        return EvalError(f"{b.name}(): {msg}")
    return None


def call(fn, args, kwargs):
    """fn(*args, **kwargs) for a Starlark function or builtin."""
    t = type(fn)
    if t is Function:
        code = fn.code
        if code.active:
            raise EvalError(f"function {code.name} called recursively (Starlark has no "
                            "recursion)")
        frame = Frame(bind(fn, args, kwargs), fn.parent)
        code.active = True
        try:
            return code.body(frame)
        finally:
            code.active = False
    if t is Builtin:
        try:
            return fn.fn(*args, **kwargs)
        except TypeError as e:
            err = builtin_arg_error(fn, args, kwargs)
            if err is None:
                raise
            raise err from None
    raise EvalError(f"'{type_name(fn)}' value is not callable")
