"""The Starlark dialect of pyembed.bzl files: parse with Python's own
parser, check (check.py), compile to closures (compile.py), run, freeze.

    ev = Evaluation(predeclared)          # names every file sees
    module = ev.exec_file("pyembed.bzl")  # its globals, frozen

load("other.bzl", "name") reads other.bzl relative to the loading file,
once per evaluation; a load cycle or a missing file is an error at the
load statement. Evaluation is deterministic: there is no clock, no
randomness and no environment but what predeclared passes (VARS).
"""
import ast
import os

from .builtins import UNIVERSE
from .check import CheckError, check
from .compile import Budget, Compiler
from .errors import EvalError, StarlarkError, char_col, exhausted
from .values import UNBOUND, Frame, freeze


class Module:
    """An evaluated file: its globals and what load() may take from it."""

    def __init__(self, path, display, globals_, loaded):
        self.path, self.display = path, display
        self.globals = globals_
        self.exports = {k: v for k, v in globals_.items()
                        if not k.startswith("_") and k not in loaded}


def read_source(path, display):
    """The text of path as UTF-8; StarlarkError for undecodable bytes."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise StarlarkError(display, line, 1, f"not UTF-8 text ({e.reason})") from None


def parse(text, display):
    """The syntax tree of text; StarlarkError for a syntax error."""
    try:
        return ast.parse(text, display)
    except SyntaxError as e:
        line = e.lineno or 1
        lines = text.splitlines()
        src = lines[line - 1] if 0 < line <= len(lines) else (e.text or "").rstrip("\n")
        msg = e.msg[0].lower() + e.msg[1:] if e.msg else "invalid syntax"
        raise StarlarkError(display, line, e.offset or 1, msg, src) from None
    except ValueError as e:  # e.g. source with NUL bytes
        raise StarlarkError(display, 1, 1, str(e)) from None
    except (RecursionError, MemoryError):  # e.g. 5000 unary minus signs in a row
        raise StarlarkError(display, 1, 1, "expression nested too deeply") from None


class Evaluation:
    """One evaluation of a config: predeclared names, the loaded modules
    (by absolute path) and one loop budget."""

    def __init__(self, predeclared):
        self.predeclared = dict(UNIVERSE)
        self.predeclared.update(predeclared)
        self.modules = {}
        self.loading = []
        self.budget = Budget()

    def exec_file(self, path, display=None):
        """Runs the file at path (shown as display in messages); returns its
        frozen Module. StarlarkError for anything wrong in it."""
        display = display or path
        text = read_source(path, display)
        return self.exec_text(text, os.path.abspath(path), display)

    def exec_text(self, text, path, display):
        """Parses, checks, compiles and runs text; returns its frozen Module."""
        tree = parse(text, display)
        try:
            return self._exec_tree(tree, text, path, display)
        except (RecursionError, MemoryError) as e:
            # a tree or value too deep for Python's own recursion (which the
            # checker and compiler use), or a runaway size
            raise StarlarkError(display, 1, 1, exhausted(e)) from None

    def _exec_tree(self, tree, text, path, display):
        try:
            scope = check(tree, self.predeclared)
        except CheckError as e:
            lines = text.splitlines()
            src = lines[e.node.lineno - 1] if 0 < e.node.lineno <= len(lines) else None
            raise StarlarkError(display, e.node.lineno, char_col(src, e.node.col_offset),
                                e.msg, src) from None
        g = {}
        loaded = {local for s in tree.body if hasattr(s, "_load") for local, _ in s._load}
        compiler = Compiler(display, text, g, self.predeclared,
                            lambda name: self.load(path, display, name), self.budget)
        run = compiler.module(tree)
        self.loading.append(path)
        try:
            if run is not None:
                run(Frame([UNBOUND] * scope.nslots, None))
        finally:
            self.loading.pop()
        for v in g.values():
            freeze(v)
        return Module(path, display, g, loaded)

    def load(self, from_path, from_display, name):
        """The exports of the file name loaded from from_path (EvalError for
        a missing file or a cycle)."""
        if not name or "\0" in name or name.startswith(("@", "//")) or ":" in name:
            raise EvalError(f"load: '{name}' is not a file path (give a path relative to "
                            "this file)")
        path = os.path.normpath(os.path.join(os.path.dirname(from_path), name))
        display = os.path.normpath(os.path.join(os.path.dirname(from_display), name))
        if path in self.modules:
            return self.modules[path].exports
        if path in self.loading:
            chain = " -> ".join(os.path.basename(p) for p in self.loading + [path])
            raise EvalError(f"load cycle: {chain}")
        if not os.path.isfile(path):
            raise EvalError(f"load: cannot load {name}: no such file ({path})")
        try:
            module = self.exec_file(path, display)
        except OSError as e:
            raise EvalError(f"load: cannot read {name}: {e.strerror}") from None
        self.modules[path] = module
        return module.exports
