"""The static half of the dialect: Python's parser reads the file, and this
pass rejects what Starlark does not have and resolves every name.

Rejected: import, class, while, try/raise, with, global/nonlocal, yield,
async, del, assert, match, decorators, annotations, f-strings, sets,
generator expressions, `is`, chained comparisons, `**`, `:=`, chained
assignment, for/else, bytes literals, `...`; `return`/`break`/`continue`
outside a function or loop; load() anywhere but the top level.

Resolution (Starlark's): a name assigned anywhere in a function is local
to it; one assigned at the top level (or loaded) is global to the file; a
nested function reads its enclosing functions' locals; comprehension
variables are local to the comprehension; anything else must be a
predeclared name, or it is an error here, before anything runs. The result
is stored on the nodes: Name._r = ("local", slot) | ("free", depth, slot) |
("global", name) | ("predeclared", name); each function node gets ._scope.
"""
import ast

from .errors import did_you_mean

FORBIDDEN = {
    "Import": "import is not allowed in Starlark; use load(\"file.bzl\", \"name\")",
    "ImportFrom": "import is not allowed in Starlark; use load(\"file.bzl\", \"name\")",
    "ClassDef": "class definitions are not allowed in Starlark",
    "While": "while loops are not allowed in Starlark (loop over a list or range())",
    "Try": "try statements are not allowed in Starlark",
    "TryStar": "try statements are not allowed in Starlark",
    "Raise": "raise is not allowed in Starlark; use fail(\"message\")",
    "With": "with statements are not allowed in Starlark",
    "AsyncWith": "async is not allowed in Starlark",
    "AsyncFor": "async is not allowed in Starlark",
    "AsyncFunctionDef": "async is not allowed in Starlark",
    "Global": "global statements are not allowed in Starlark",
    "Nonlocal": "nonlocal statements are not allowed in Starlark",
    "Delete": "del is not allowed in Starlark",
    "Assert": "assert is not allowed in Starlark; use fail(\"message\")",
    "Match": "match statements are not allowed in Starlark",
    "AnnAssign": "type annotations are not allowed in Starlark",
    "Yield": "yield is not allowed in Starlark",
    "YieldFrom": "yield is not allowed in Starlark",
    "Await": "await is not allowed in Starlark",
    "JoinedStr": "f-strings are not allowed in Starlark; use \"...\".format() or %",
    "Set": "sets are not supported in Starlark",
    "SetComp": "sets are not supported in Starlark",
    "GeneratorExp": "generator expressions are not allowed in Starlark; use a list "
                    "comprehension [...]",
    "NamedExpr": "assignment expressions (:=) are not allowed in Starlark",
}
BINOPS = {"Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "BitOr", "BitAnd", "BitXor",
          "LShift", "RShift"}
COMPARE = {"Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "In", "NotIn"}


class CheckError(Exception):
    """A static error at node (the evaluator adds the file and line)."""

    def __init__(self, node, msg):
        super().__init__(msg)
        self.node, self.msg = node, msg


class Scope:
    """Names bound in a module, function or comprehension; function and
    module scopes own a frame of slots (comprehensions borrow theirs)."""

    def __init__(self, kind, parent):
        self.kind, self.parent = kind, parent
        self.names = {}
        self.frame = self if kind != "comp" else parent.frame
        self.nslots = 0

    def bind(self, name):
        if name not in self.names:
            self.names[name] = self.frame.nslots
            self.frame.nslots += 1
        return self.names[name]


def targets_of(t, out):
    """Appends the Name targets of an assignment target t to out."""
    if isinstance(t, ast.Name):
        out.append(t.id)
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            targets_of(e, out)


def bound_names(stmts, out):
    """Names stmts bind in their own scope (not inside nested functions,
    lambdas or comprehensions)."""
    for s in stmts:
        if isinstance(s, ast.Assign):
            for t in s.targets:
                targets_of(t, out)
        elif isinstance(s, ast.AugAssign):
            targets_of(s.target, out)
        elif isinstance(s, ast.For):
            targets_of(s.target, out)
            bound_names(s.body, out)
        elif isinstance(s, ast.If):
            bound_names(s.body, out)
            bound_names(s.orelse, out)
        elif isinstance(s, ast.FunctionDef):
            out.append(s.name)
    return out


def is_load(stmt):
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "load")


class Checker:
    """Checks and resolves one module (see the module doc)."""

    def __init__(self, predeclared):
        self.predeclared = predeclared
        self.globals = set()

    def module(self, tree):
        """Checks and resolves a whole file (its globals first)."""
        scope = Scope("module", None)
        for s in tree.body:
            if is_load(s):
                for local, _ in self.load_bindings(s.value):
                    self.globals.add(local)
        self.globals.update(bound_names(tree.body, []))
        self.block(tree.body, scope, in_func=False, in_loop=False, top=True)
        tree._scope = scope
        return scope

    # ---- statements ----

    def block(self, stmts, scope, in_func, in_loop, top=False):
        for s in stmts:
            self.stmt(s, scope, in_func, in_loop, top)

    def stmt(self, s, scope, in_func, in_loop, top):
        """Checks statement s (s_KIND for each allowed kind)."""
        kind = type(s).__name__
        if kind in FORBIDDEN:
            raise CheckError(s, FORBIDDEN[kind])
        fn = getattr(self, "s_" + kind, None)
        if fn is None:
            raise CheckError(s, f"{kind} statements are not allowed in Starlark")
        fn(s, scope, in_func, in_loop, top)

    def s_Expr(self, s, scope, in_func, in_loop, top):
        if is_load(s):
            if not top:
                raise CheckError(s, "load() must be at the top level of the file")
            s._load = self.load_bindings(s.value)
            return
        self.expr(s.value, scope)

    def s_Pass(self, s, *_):
        pass

    def s_Break(self, s, scope, in_func, in_loop, top):
        if not in_loop:
            raise CheckError(s, "break not in a for loop")

    def s_Continue(self, s, scope, in_func, in_loop, top):
        if not in_loop:
            raise CheckError(s, "continue not in a for loop")

    def s_Return(self, s, scope, in_func, in_loop, top):
        if not in_func:
            raise CheckError(s, "return statement not within a function")
        if s.value is not None:
            self.expr(s.value, scope)

    def s_If(self, s, scope, in_func, in_loop, top):
        self.expr(s.test, scope)
        self.block(s.body, scope, in_func, in_loop)
        self.block(s.orelse, scope, in_func, in_loop)

    def s_For(self, s, scope, in_func, in_loop, top):
        if s.orelse:
            raise CheckError(s.orelse[0], "for ... else is not allowed in Starlark")
        self.expr(s.iter, scope)
        self.target(s.target, scope)
        self.block(s.body, scope, in_func, True)

    def s_Assign(self, s, scope, in_func, in_loop, top):
        if len(s.targets) > 1:
            raise CheckError(s.targets[1], "chained assignment (a = b = value) is not "
                             "allowed in Starlark")
        self.expr(s.value, scope)
        self.target(s.targets[0], scope)

    def s_AugAssign(self, s, scope, in_func, in_loop, top):
        if type(s.op).__name__ not in BINOPS:
            raise CheckError(s, "this augmented assignment operator is not allowed in Starlark")
        if not isinstance(s.target, (ast.Name, ast.Subscript, ast.Attribute)):
            raise CheckError(s.target, "invalid target of augmented assignment")
        self.expr(s.value, scope)
        if isinstance(s.target, ast.Name):
            self.name_load(s.target, scope)
        self.target(s.target, scope)

    def s_FunctionDef(self, s, scope, in_func, in_loop, top):
        if s.decorator_list:
            raise CheckError(s.decorator_list[0], "decorators are not allowed in Starlark")
        if s.returns is not None:
            raise CheckError(s.returns, "type annotations are not allowed in Starlark")
        inner = self.function(s, s.args, scope)
        s._r = self.store_ref(s.name, scope)
        for n in bound_names(s.body, []):
            inner.bind(n)
        self.block(s.body, inner, in_func=True, in_loop=False)

    # ---- functions, targets, names ----

    def function(self, node, args, scope):
        """The scope of a def or lambda, its parameters bound in slot order
        (positional, *args, keyword-only, **kwargs); defaults are checked in
        the enclosing scope."""
        if args.posonlyargs:
            raise CheckError(node, "positional-only parameters (/) are not allowed in Starlark")
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.expr(d, scope)
        inner = Scope("function", scope)
        seen = set()
        params = args.args + ([args.vararg] if args.vararg else []) + args.kwonlyargs + \
            ([args.kwarg] if args.kwarg else [])
        for a in params:
            if a.annotation is not None:
                raise CheckError(a.annotation, "type annotations are not allowed in Starlark")
            if a.arg in seen:
                raise CheckError(a, f"duplicate parameter '{a.arg}'")
            seen.add(a.arg)
            inner.bind(a.arg)
        node._scope = inner
        return inner

    def target(self, t, scope):
        """Checks assignment target t and resolves its names as stores."""
        if isinstance(t, ast.Name):
            t._r = self.store_ref(t.id, scope)
        elif isinstance(t, (ast.Tuple, ast.List)):
            if not t.elts:
                raise CheckError(t, "cannot assign to an empty tuple or list")
            for e in t.elts:
                self.target(e, scope)
        elif isinstance(t, ast.Subscript):
            self.expr(t.value, scope)
            self.expr(t.slice, scope)
        elif isinstance(t, ast.Attribute):
            self.expr(t.value, scope)
        elif isinstance(t, ast.Starred):
            raise CheckError(t, "starred assignment is not allowed in Starlark")
        else:
            raise CheckError(t, "invalid assignment target")

    def store_ref(self, name, scope):
        """The reference an assignment to name in scope stores to."""
        s = scope
        while s.kind == "comp":
            if name in s.names:
                return ("local", s.names[name])
            s = s.parent
        if s.kind == "module":
            return ("global", name)
        return ("local", s.names[name]) if name in s.names else ("local", s.bind(name))

    def visible(self, scope):
        names = set(self.globals) | set(self.predeclared)
        s = scope
        while s is not None:
            names |= set(s.names)
            s = s.parent
        return names

    def name_load(self, node, scope):
        """Resolves a read of Name node (local, free, global, predeclared)."""
        name, s, depth = node.id, scope, 0
        while s.kind != "module":
            if name in s.names:
                node._r = ("local", s.names[name]) if depth == 0 else ("free", depth, s.names[name])
                return
            if s.kind == "function":
                depth += 1
            s = s.parent
        if name in self.globals:
            node._r = ("global", name)
        elif name in self.predeclared:
            node._r = ("predeclared", name)
        elif name == "load":
            raise CheckError(node, "load() must be a statement at the top level of the file")
        else:
            raise CheckError(node, f"undefined: {name}"
                             + did_you_mean(name, self.visible(scope)))

    # ---- expressions ----

    def expr(self, e, scope):
        """Checks expression e (e_KIND for each allowed kind)."""
        kind = type(e).__name__
        if kind in FORBIDDEN:
            raise CheckError(e, FORBIDDEN[kind])
        fn = getattr(self, "e_" + kind, None)
        if fn is None:
            raise CheckError(e, f"this expression ({kind}) is not allowed in Starlark")
        fn(e, scope)

    def exprs(self, es, scope):
        for e in es:
            self.expr(e, scope)

    def e_Constant(self, e, scope):
        v = e.value
        if isinstance(v, bytes):
            raise CheckError(e, "bytes literals are not supported")
        if v is Ellipsis:
            raise CheckError(e, "... is not allowed in Starlark")
        if isinstance(v, complex):
            raise CheckError(e, "complex numbers are not supported in Starlark")

    def e_Name(self, e, scope):
        self.name_load(e, scope)

    def e_BinOp(self, e, scope):
        op = type(e.op).__name__
        if op == "Pow":
            raise CheckError(e, "** is not an operator in Starlark")
        if op not in BINOPS:
            raise CheckError(e, "this operator is not supported in Starlark")
        self.exprs([e.left, e.right], scope)

    def e_BoolOp(self, e, scope):
        self.exprs(e.values, scope)

    def e_UnaryOp(self, e, scope):
        self.expr(e.operand, scope)

    def e_Compare(self, e, scope):
        if len(e.ops) > 1:
            raise CheckError(e, "chained comparisons are not allowed in Starlark "
                             "(write a < b and b < c)")
        op = type(e.ops[0]).__name__
        if op not in COMPARE:
            raise CheckError(e, "'is' is not an operator in Starlark; use == or !=")
        self.exprs([e.left] + e.comparators, scope)

    def e_IfExp(self, e, scope):
        self.exprs([e.test, e.body, e.orelse], scope)

    def e_Call(self, e, scope):
        self.expr(e.func, scope)
        for a in e.args:
            self.expr(a.value if isinstance(a, ast.Starred) else a, scope)
        seen = set()
        for k in e.keywords:
            if k.arg is not None:
                if k.arg in seen:
                    raise CheckError(k, f"keyword argument repeated: {k.arg}")
                seen.add(k.arg)
            self.expr(k.value, scope)

    def e_Attribute(self, e, scope):
        self.expr(e.value, scope)

    def e_Subscript(self, e, scope):
        self.exprs([e.value, e.slice], scope)

    def e_Slice(self, e, scope):
        self.exprs([x for x in (e.lower, e.upper, e.step) if x is not None], scope)

    def e_List(self, e, scope):
        self.display(e, scope)

    def e_Tuple(self, e, scope):
        self.display(e, scope)

    def display(self, e, scope):
        for x in e.elts:
            if isinstance(x, ast.Starred):
                raise CheckError(x, "* unpacking is only allowed in call arguments")
            self.expr(x, scope)

    def e_Dict(self, e, scope):
        for k, v in zip(e.keys, e.values):
            if k is None:
                raise CheckError(v, "** unpacking is only allowed in call arguments")
            self.exprs([k, v], scope)

    def e_Lambda(self, e, scope):
        inner = self.function(e, e.args, scope)
        self.expr(e.body, inner)

    def e_ListComp(self, e, scope):
        self.comprehension(e, scope)
        self.expr(e.elt, e._comp)

    def e_DictComp(self, e, scope):
        self.comprehension(e, scope)
        self.exprs([e.key, e.value], e._comp)

    def comprehension(self, e, scope):
        """Checks the for/if clauses of comprehension e; e._comp is the
        scope of its element expression."""
        inner = scope
        for i, g in enumerate(e.generators):
            if g.is_async:
                raise CheckError(e, "async is not allowed in Starlark")
            self.expr(g.iter, inner)  # the first iterable: the enclosing scope
            inner = Scope("comp", inner)
            names = []
            targets_of(g.target, names)
            for n in names:
                inner.bind(n)
            self.target(g.target, inner)
            self.exprs(g.ifs, inner)
            g._scope = inner
        e._comp = inner
        return inner

    # ---- load ----

    def load_bindings(self, call):
        """[(local name, symbol)] of a load() call (CheckError if malformed)."""
        args = call.args
        if not args or not (isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
            raise CheckError(call, "load() needs the file to load as its first argument "
                             "(a string literal)")
        out = []
        for a in args[1:]:
            if not (isinstance(a, ast.Constant) and isinstance(a.value, str)):
                raise CheckError(a, "load() names symbols with string literals")
            out.append((a.value, a.value))
        for k in call.keywords:
            if k.arg is None or not (isinstance(k.value, ast.Constant)
                                     and isinstance(k.value.value, str)):
                raise CheckError(k, "load() takes local=\"symbol\" keyword arguments")
            out.append((k.arg, k.value.value))
        if not out:
            raise CheckError(call, "load() must name at least one symbol")
        for local, symbol in out:
            if symbol.startswith("_"):
                raise CheckError(call, f"load(): symbol '{symbol}' is private")
            if not symbol.isidentifier() or not local.isidentifier():
                raise CheckError(call, f"load(): '{symbol}' is not a valid name")
        return out


def check(tree, predeclared):
    """Checks and resolves module tree; returns its scope. CheckError for
    the first problem."""
    return Checker(predeclared).module(tree)
