"""The evaluator: a checked module's syntax tree turned into Python
closures, each node once, so running a function is calling closures (no
tree walk per step). Expressions become f(frame) -> value; statements
f(frame) -> None, BREAK, CONTINUE or RETURN (the value in frame.ret).

Every operation that can fail is compiled with the node it came from: an
EvalError it raises becomes a StarlarkError at that node's line and
column. Loops count their iterations against a budget, so even a huge
range() ends in an error rather than hanging the build.
"""
import ast

from .errors import EvalError, Pos, StarlarkError, char_col, did_you_mean
from .ops import BINOPS, COMPARE, check_key, get_attr, index, iterate, set_attr, \
    set_index, slice_of, unary
from .values import UNBOUND, Builtin, FuncCode, Function, Object, SDict, SList, call, \
    check_mutable, srepr

BREAK, CONTINUE, RETURN = object(), object(), object()
MAX_STEPS = 5_000_000  # loop iterations per evaluation


class Budget:
    """Loop iterations left for one evaluation (shared by its modules)."""

    def __init__(self, steps=MAX_STEPS):
        self.left = steps


class Compiler:
    """Compiles one module's checked tree (path and lines for messages)."""

    def __init__(self, path, text, module_globals, predeclared, loader, budget):
        self.path = path
        self.lines = text.splitlines()
        self.g = module_globals
        self.predeclared = predeclared
        self.loader = loader
        self.budget = budget

    # ---- positions ----

    def line_text(self, line):
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

    def error_at(self, line, byte_col, msg):
        text = self.line_text(line)
        return StarlarkError(self.path, line, char_col(text, byte_col), msg, text)

    def at(self, node, e):
        """The StarlarkError of EvalError e raised by node."""
        return self.error_at(node.lineno, node.col_offset, str(e))

    def at_pos(self, pos, e):
        return self.error_at(pos[0], pos[1], str(e))

    def pos(self, pos):
        """The errors.Pos of (line, byte col)."""
        text = self.line_text(pos[0])
        return Pos(self.path, pos[0], char_col(text, pos[1]), text)

    def attr_pos(self, node):
        """(line, byte col) of the attribute name of node (a.b)."""
        if node.end_lineno == node.lineno and node.end_col_offset >= len(node.attr):
            return node.end_lineno, node.end_col_offset - len(node.attr.encode())
        return node.lineno, node.col_offset

    def op_pos(self, left, right, sym):
        """(line, byte col) of operator sym between two operands."""
        line = left.end_lineno
        if line == right.lineno:
            raw = (self.line_text(line) or "").encode()
            found = raw.find(sym.encode(), left.end_col_offset, right.col_offset)
            if found >= 0:
                return line, found
        return left.lineno, left.col_offset

    # ---- module ----

    def module(self, tree):
        """f(frame) running the module's top level."""
        return self.block(tree.body)

    def block(self, stmts):
        cs = [c for c in (self.stmt(s) for s in stmts) if c is not None]
        if len(cs) == 1:
            return cs[0]

        def run(f):
            for c in cs:
                r = c(f)
                if r is not None:
                    return r
        return run

    # ---- statements ----

    def stmt(self, s):
        return getattr(self, "s_" + type(s).__name__)(s)

    def s_Pass(self, s):
        return None

    def s_Break(self, s):
        return lambda f: BREAK

    def s_Continue(self, s):
        return lambda f: CONTINUE

    def s_Expr(self, s):
        if hasattr(s, "_load"):
            return self.load(s)
        c = self.expr(s.value)

        def run(f):
            c(f)
        return run

    def s_Return(self, s):
        c = self.expr(s.value) if s.value is not None else (lambda f: None)

        def run(f):
            f.ret = c(f)
            return RETURN
        return run

    def s_If(self, s):
        test, body = self.expr(s.test), self.block(s.body)
        orelse = self.block(s.orelse) if s.orelse else None

        def run(f):
            if test(f):
                return body(f)
            if orelse is not None:
                return orelse(f)
        return run

    def s_Assign(self, s):
        value, store = self.expr(s.value), self.store(s.targets[0])

        def run(f):
            store(f, value(f))
        return run

    def s_AugAssign(self, s):
        """x OP= y for a name, an index or an attribute (evaluated once)."""
        sym, op = BINOPS[type(s.op).__name__]
        value = self.expr(s.value)
        t = s.target
        pos = (s.lineno, s.col_offset)
        if isinstance(t, ast.Name):
            load, store = self.expr(t), self.store(t)

            def run(f):
                a = load(f)
                b = value(f)
                store(f, self.augment(pos, sym, op, a, b))
        elif isinstance(t, ast.Subscript):
            obj, key = self.expr(t.value), self.expr(t.slice)

            def run(f):
                o, k = obj(f), key(f)
                try:
                    a = index(o, k)
                except EvalError as e:
                    raise self.at(t, e) from None
                r = self.augment(pos, sym, op, a, value(f))
                try:
                    set_index(o, k, r)
                except EvalError as e:
                    raise self.at(t, e) from None
        else:
            obj, name, apos = self.expr(t.value), t.attr, self.attr_pos(t)

            def run(f):
                o = obj(f)
                try:
                    r = self.augment(pos, sym, op, get_attr(o, name), value(f))
                    set_attr(o, name, r)
                except EvalError as e:
                    raise self.at_pos(apos, e) from None
        return run

    def augment(self, pos, sym, op, a, b):
        """a OP= b: lists are extended in place (Starlark's rule)."""
        try:
            if type(a) is SList and sym == "+":
                if type(b) is not SList:
                    raise EvalError(f"unsupported binary operation: list += {type(b).__name__}")
                check_mutable(a, "extend")
                list.extend(a, b)
                return a
            return op(a, b)
        except EvalError as e:
            raise self.at_pos(pos, e) from None

    def s_For(self, s):
        """A for loop; the iterated list/dict cannot change meanwhile."""
        it, store, body = self.expr(s.iter), self.store(s.target), self.block(s.body)
        loop, node = self.loop, s.iter

        def run(f):
            for x in loop(node, it(f)):
                store(f, x)
                r = body(f)
                if r is not None:
                    if r is BREAK:
                        break
                    if r is not CONTINUE:
                        return r
        return run

    def s_FunctionDef(self, s):
        code = self.function(s, s.name, s.args, self.body(s.body))
        return self.make_function(s, s.args, code, self.store_name(s, s._r))

    # ---- functions ----

    def body(self, stmts):
        run = self.block(stmts)

        def body(f):
            if run(f) is RETURN:
                return f.ret
            return None
        return body

    def function(self, node, name, args, body):
        """The FuncCode of a def or lambda (slots laid out by check.py)."""
        scope = node._scope
        slot = scope.names
        return FuncCode(
            name, self.path, node.lineno, [a.arg for a in args.args], len(args.defaults),
            slot[args.vararg.arg] if args.vararg else None,
            slot[args.kwarg.arg] if args.kwarg else None,
            [(a.arg, slot[a.arg], d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)],
            scope.nslots, body)

    def make_function(self, node, args, code, store):
        """f(frame) making a Function of code (defaults evaluated now) and
        storing it; store None: returning it (a lambda)."""
        defaults = [self.expr(d) for d in args.defaults]
        kw = [(a.arg, self.expr(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)
              if d is not None]

        def make(f):
            return Function(code, [d(f) for d in defaults], {k: d(f) for k, d in kw}, f)
        if store is None:
            return make

        def run(f):
            store(f, make(f))
        return run

    # ---- stores ----

    def store(self, t):
        """f(frame, value) assigning value to target t."""
        if isinstance(t, ast.Name):
            return self.store_name(t, t._r)
        if isinstance(t, (ast.Tuple, ast.List)):
            return self.store_unpack(t)
        if isinstance(t, ast.Subscript):
            obj, key = self.expr(t.value), self.expr(t.slice)

            def store(f, v):
                o, k = obj(f), key(f)
                try:
                    set_index(o, k, v)
                except EvalError as e:
                    raise self.at(t, e) from None
            return store
        obj, name, pos = self.expr(t.value), t.attr, self.attr_pos(t)

        def store(f, v):
            o = obj(f)
            try:
                set_attr(o, name, v)
            except EvalError as e:
                raise self.at_pos(pos, e) from None
            if isinstance(o, Object):
                o.assigned_at(name, self.pos(pos))
        return store

    def store_name(self, node, ref):
        if ref[0] == "local":
            i = ref[1]

            def store(f, v):
                f.slots[i] = v
            return store
        g, name = self.g, ref[1]

        def store(f, v):
            g[name] = v
        return store

    def store_unpack(self, t):
        stores = [self.store(e) for e in t.elts]
        n = len(stores)

        def store(f, v):
            try:
                items = list(iterate(v)[0])
            except EvalError as e:
                raise self.at(t, e) from None
            if len(items) != n:
                raise self.at(t, EvalError(
                    f"too {'many' if len(items) > n else 'few'} values to unpack "
                    f"(got {len(items)}, want {n})"))
            for s, x in zip(stores, items):
                s(f, x)
        return store

    # ---- expressions ----

    def expr(self, e):
        return getattr(self, "e_" + type(e).__name__)(e)

    def e_Constant(self, e):
        v = e.value
        return lambda f: v

    def e_Name(self, e):
        """A read of a predeclared, global, local or free variable."""
        kind = e._r[0]
        name = e.id
        if kind == "predeclared":
            v = self.predeclared[name]
            return lambda f: v
        if kind == "global":
            g = self.g

            def load(f):
                try:
                    return g[name]
                except KeyError:
                    raise self.at(e, EvalError(f"global variable {name} referenced before "
                                               "assignment")) from None
            return load
        if kind == "local":
            i = e._r[1]

            def load(f):
                v = f.slots[i]
                if v is UNBOUND:
                    raise self.at(e, EvalError(f"local variable {name} referenced before "
                                               "assignment"))
                return v
            return load
        depth, i = e._r[1], e._r[2]

        def load(f):
            for _ in range(depth):
                f = f.parent
            v = f.slots[i]
            if v is UNBOUND:
                raise self.at(e, EvalError(f"variable {name} referenced before assignment"))
            return v
        return load

    def e_BinOp(self, e):
        sym, op = BINOPS[type(e.op).__name__]
        left, right = self.expr(e.left), self.expr(e.right)
        pos = self.op_pos(e.left, e.right, sym)

        def ev(f):
            try:
                return op(left(f), right(f))
            except EvalError as err:
                raise self.at_pos(pos, err) from None
        return ev

    def e_BoolOp(self, e):
        values = [self.expr(v) for v in e.values]
        if isinstance(e.op, ast.And):
            def ev(f):
                v = None
                for c in values:
                    v = c(f)
                    if not v:
                        return v
                return v
        else:
            def ev(f):
                v = None
                for c in values:
                    v = c(f)
                    if v:
                        return v
                return v
        return ev

    def e_UnaryOp(self, e):
        operand = self.expr(e.operand)
        op = type(e.op).__name__
        if op == "Not":
            return lambda f: not operand(f)

        def ev(f):
            try:
                return unary(op, operand(f))
            except EvalError as err:
                raise self.at(e, err) from None
        return ev

    def e_Compare(self, e):
        sym, op = COMPARE[type(e.ops[0]).__name__]
        left, right = self.expr(e.left), self.expr(e.comparators[0])
        pos = self.op_pos(e.left, e.comparators[0], sym.split()[0])

        def ev(f):
            try:
                return op(left(f), right(f))
            except EvalError as err:
                raise self.at_pos(pos, err) from None
        return ev

    def e_IfExp(self, e):
        test, body, orelse = self.expr(e.test), self.expr(e.body), self.expr(e.orelse)
        return lambda f: body(f) if test(f) else orelse(f)

    def e_Attribute(self, e):
        obj, name, pos = self.expr(e.value), e.attr, self.attr_pos(e)

        def ev(f):
            try:
                return get_attr(obj(f), name)
            except EvalError as err:
                raise self.at_pos(pos, err) from None
        return ev

    def e_Subscript(self, e):
        obj = self.expr(e.value)
        if isinstance(e.slice, ast.Slice):
            s = e.slice
            parts = [self.expr(x) if x is not None else (lambda f: None)
                     for x in (s.lower, s.upper, s.step)]

            def ev(f):
                o = obj(f)
                try:
                    return slice_of(o, parts[0](f), parts[1](f), parts[2](f))
                except EvalError as err:
                    raise self.at(e, err) from None
            return ev
        key = self.expr(e.slice)

        def ev(f):
            o = obj(f)
            try:
                return index(o, key(f))
            except EvalError as err:
                raise self.at(e, err) from None
        return ev

    def e_Call(self, e):
        """A call; builtins that ask for it get the call's position."""
        func = self.expr(e.func)
        pos = self.attr_pos(e.func) if isinstance(e.func, ast.Attribute) else \
            (e.lineno, e.col_offset)
        plain = not any(isinstance(a, ast.Starred) for a in e.args) and \
            all(k.arg is not None for k in e.keywords)
        if plain:
            args = [self.expr(a) for a in e.args]
            kws = [(k.arg, self.expr(k.value)) for k in e.keywords]

            def ev(f):
                fn = func(f)
                a = [c(f) for c in args]
                k = {name: c(f) for name, c in kws} if kws else {}
                if type(fn) is Builtin and fn.wants_pos:
                    k["_where"] = self.pos(pos)
                try:
                    return call(fn, a, k)
                except EvalError as err:
                    raise self.at_pos(pos, err) from None
            return ev
        return self.splat_call(e, func, pos)

    def splat_call(self, e, func, pos):
        """A call with *args or **kwargs."""
        parts = [(isinstance(a, ast.Starred), self.expr(a.value if isinstance(a, ast.Starred)
                                                         else a)) for a in e.args]
        kws = [(k.arg, self.expr(k.value)) for k in e.keywords]

        def ev(f):
            fn = func(f)
            a, k = [], {}
            try:
                for star, c in parts:
                    if star:
                        a.extend(iterate(c(f))[0])
                    else:
                        a.append(c(f))
                for name, c in kws:
                    v = c(f)
                    if name is not None:
                        k[name] = v
                        continue
                    if type(v) is not SDict:
                        raise EvalError(f"argument after ** must be a dict, not {srepr(v)}")
                    for kk, vv in v.items():
                        if type(kk) is not str:
                            raise EvalError("keywords must be strings")
                        if kk in k:
                            raise EvalError(f"got multiple values for keyword argument '{kk}'")
                        k[kk] = vv
                if type(fn) is Builtin and fn.wants_pos:
                    k["_where"] = self.pos(pos)
                return call(fn, a, k)
            except EvalError as err:
                raise self.at_pos(pos, err) from None
        return ev

    def e_List(self, e):
        elts = [self.expr(x) for x in e.elts]
        return lambda f: SList([c(f) for c in elts])

    def e_Tuple(self, e):
        elts = [self.expr(x) for x in e.elts]
        return lambda f: tuple([c(f) for c in elts])

    def e_Dict(self, e):
        pairs = [(self.expr(k), self.expr(v), k) for k, v in zip(e.keys, e.values)]

        def ev(f):
            d = SDict()
            for kc, vc, node in pairs:
                k = kc(f)
                try:
                    check_key(k)
                except EvalError as err:
                    raise self.at(node, err) from None
                if k in d:
                    raise self.at(node, EvalError(f"duplicate key {srepr(k)} in dict literal"))
                dict.__setitem__(d, k, vc(f))
            return d
        return ev

    def e_Lambda(self, e):
        body = self.expr(e.body)
        code = self.function(e, "lambda", e.args, body)
        return self.make_function(e, e.args, code, None)

    def e_ListComp(self, e):
        elt = self.expr(e.elt)

        def emit(f, out):
            list.append(out, elt(f))
        loop = self.generators(e.generators, emit)

        def ev(f):
            out = SList()
            loop(f, out)
            return out
        return ev

    def e_DictComp(self, e):
        key, value, node = self.expr(e.key), self.expr(e.value), e.key

        def emit(f, out):
            k = key(f)
            try:
                check_key(k)
            except EvalError as err:
                raise self.at(node, err) from None
            dict.__setitem__(out, k, value(f))
        loop = self.generators(e.generators, emit)

        def ev(f):
            out = SDict()
            loop(f, out)
            return out
        return ev

    def generators(self, gens, emit):
        """f(frame, out) running the for/if clauses gens, emit at the core."""
        inner = emit
        for g in reversed(gens):
            inner = self.generator(g, inner)
        return inner

    def generator(self, g, inner):
        """One for/if clause of a comprehension, running inner per item."""
        it, store = self.expr(g.iter), self.store(g.target)
        ifs = [self.expr(c) for c in g.ifs]
        loop, node = self.loop, g.iter

        def run(f, out):
            for x in loop(node, it(f)):
                store(f, x)
                if all(c(f) for c in ifs):
                    inner(f, out)
        return run

    def loop(self, node, seq):
        """The items of seq for a loop at node, each charged to the
        evaluation budget; an iterated list/dict cannot change until the
        loop ends (the generator is closed when its loop exits)."""
        try:
            items, owner = iterate(seq)
        except EvalError as e:
            raise self.at(node, e) from None
        budget = self.budget
        if owner is not None:
            owner.iterating += 1
        try:
            for x in items:
                budget.left -= 1
                if budget.left < 0:
                    raise self.at(node, EvalError("too many loop iterations (the "
                                                  "evaluation budget is exhausted)"))
                yield x
        finally:
            if owner is not None:
                owner.iterating -= 1

    # ---- load ----

    def load(self, s):
        """The load() statement s: binds the named symbols of another file."""
        path = s.value.args[0].value
        bindings = s._load
        g, pos = self.g, (s.lineno, s.col_offset)

        def run(f):
            try:
                exports = self.loader(path)
            except EvalError as err:
                raise self.at_pos(pos, err) from None
            for local, symbol in bindings:
                if symbol not in exports:
                    raise self.at_pos(pos, EvalError(
                        f"load: {path} has no symbol '{symbol}'" + did_you_mean(symbol, exports)))
                g[local] = exports[symbol]
        return run
