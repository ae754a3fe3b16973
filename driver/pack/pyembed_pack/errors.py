"""The pack tool's one user-facing error type."""


class PackError(Exception):
    """A user mistake or an unusable input: printed as one line
    `pyembed-pack: MESSAGE`, exit status 1 (__main__.py)."""


def syntax_error(e):
    """The PackError 'path:line: message' reporting SyntaxError e."""
    return PackError(f"{e.filename}:{e.lineno}: {e.msg}")
