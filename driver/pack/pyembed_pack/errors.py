"""The pack tool's one user-facing error type."""


class PackError(Exception):
    """A user mistake or an unusable input: printed as one line
    `pyembed-pack: MESSAGE`, exit status 1 (__main__.py)."""


def syntax_error(e):
    """The PackError 'path:line: message' reporting SyntaxError e ('path:
    message' when it has no line, as 3.12+'s null-byte error)."""
    where = f"{e.filename}:{e.lineno}" if e.lineno is not None else f"{e.filename}"
    return PackError(f"{where}: {e.msg}")
