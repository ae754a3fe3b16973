"""What linecache needs to see packed modules (compiled into libpyembed,
kept apart from the other hooks: it is imported by most programs, and
this is compiled when it is). The C importer calls linecache() here right
after it has executed linecache (posthook.c): a virtual path
"<exe>/pkg/mod.py" finds its module's packed source without the module's
globals (warnings, rich, traceback.extract of a code object).
"""


def _module_name(loader, filename):
    """The module a virtual source path names ('a/b.py' -> 'a.b',
    'a/__init__.py' -> 'a'), or None."""
    prefix = loader.prefix + "/"
    if not isinstance(filename, str) or not filename.startswith(prefix) or \
            not filename.endswith(".py"):
        return None
    parts = filename[len(prefix):-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


def linecache(module, loader):
    """Wraps linecache.updatecache: packed paths get their module's
    globals, so lazycache() asks the packed importer for the source."""
    original = module.updatecache

    def updatecache(filename, module_globals=None):
        if not module_globals:
            name = _module_name(loader, filename)
            if name is not None:
                module_globals = {"__name__": name, "__loader__": loader}
        return original(filename, module_globals)

    updatecache.__wrapped__ = original
    updatecache.__doc__ = original.__doc__
    module.updatecache = updatecache
