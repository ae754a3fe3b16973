"""Errors of config evaluation.

EvalError is raised by an operation that does not know where it is (a
builtin, an operator, an API object); the evaluator turns it into a
StarlarkError at the node that ran it. A StarlarkError prints as

    FILE:LINE:COL: MESSAGE
        the offending line
        ^

and is a PackError, so the command reports it and exits with status 1.
"""
import difflib

from ..errors import PackError


class EvalError(Exception):
    """A Starlark error not yet tied to a source position."""


class StarlarkError(PackError):
    """An error at path:line:col (1-based; col counts characters)."""

    def __init__(self, path, line, col, msg, text=None, note=None):
        super().__init__(msg)
        self.path, self.line, self.col, self.msg = path, line, col, msg
        self.text, self.note = text, note

    def with_note(self, note):
        """This error with a trailing note line (e.g. which target ran)."""
        if not self.note:
            self.note = note
        return self

    def __str__(self):
        out = f"{self.path}:{self.line}:{self.col}: {self.msg}"
        if self.text is not None:
            line = self.text.rstrip("\n").expandtabs(1)
            out += f"\n    {line}\n    {' ' * max(self.col - 1, 0)}^"
        if self.note:
            out += f"\n  note: {self.note}"
        return out


class Pos:
    """A place in a config file, for errors found after its line ran."""

    __slots__ = ("path", "line", "col", "text")

    def __init__(self, path, line, col, text):
        self.path, self.line, self.col, self.text = path, line, col, text

    def error(self, msg, note=None):
        """The StarlarkError msg at this place."""
        return StarlarkError(self.path, self.line, self.col, msg, self.text, note)

    def __str__(self):
        return f"{self.path}:{self.line}"


def did_you_mean(name, candidates):
    """' (did you mean NAME?)' for the candidate closest to name, or ''."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def char_col(text, byte_col):
    """1-based character column of a 0-based UTF-8 byte offset in text."""
    if text is None:
        return byte_col + 1
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1


def exhausted(e):
    """The message for RecursionError or MemoryError e in an evaluation."""
    if isinstance(e, RecursionError):
        return "nested too deeply (expressions, statements or values)"
    return "out of memory evaluating this file"
