"""The Python side of tests/pyembed/test_failimport.c.

For one import path served by the packed importer, fail the Nth CPython
allocation (RAW, MEM and OBJ domains; the C hook module _failhook counts
them from arm() on) for N = 1, 2, 3, ... until the path completes without
the hook firing. For every N: the path ends in a clean exception whose
chain holds a MemoryError (or CPython's RuntimeError for a lock it could
not allocate; or the failure is absorbed and the result is still right);
the same N twice more leaves no block behind between the two repetitions;
and the path then works unhooked, the module imported anew.
"""
import gc
import importlib.metadata
import importlib.resources
import sys

import _failhook

CAP = 20000  # no path takes nearly as many allocations
DATA = b"packed data of fi_pkg\n"
unraisable = 0  # exceptions CPython could only report (sys.unraisablehook)


def op_plain():
    import fi_plain
    return fi_plain.total(), fi_plain.__file__ == fi_plain.__spec__.origin


def op_package():
    import fi_pkg.sub
    return fi_pkg.sub.where(), fi_pkg.__path__ == fi_pkg.__spec__.submodule_search_locations


def op_extension():
    import _queue
    q = _queue.SimpleQueue()
    q.put(7)
    return q.get(), _queue.__file__ == _queue.__spec__.origin


def op_resources():
    return importlib.resources.files("fi_pkg").joinpath("data.txt").read_bytes()


def op_get_data():
    import fi_pkg
    return fi_pkg.__spec__.loader.get_data(fi_pkg.__path__[0] + "/data.txt")


def op_metadata():
    return importlib.metadata.version("fi-dist")


# name: (modules removed before each attempt, operation, its result)
PATHS = {
    "plain": (("fi_plain",), op_plain, (2476, True)),
    "package": (("fi_pkg", "fi_pkg.sub"), op_package, ("fi_pkg.sub", True)),
    "extension": (("_queue",), op_extension, (7, True)),
    "resources": (("fi_pkg",), op_resources, DATA),
    "get_data": (("fi_pkg",), op_get_data, DATA),
    "metadata": ((), op_metadata, "1.0"),
}


def _count_unraisable(info):
    global unraisable
    unraisable += 1


def _purge(names):
    for name in names:
        sys.modules.pop(name, None)


def _has_memory_error(exc):
    """True if exc or an exception in its cause/context chain is a
    MemoryError."""
    todo, seen = [exc], set()
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        if isinstance(e, MemoryError):
            return True
        seen.add(id(e))
        todo += [e.__cause__, e.__context__]
    return False


def _is_lock_error(exc):
    """True for CPython's own answer to a lock it could not allocate
    (_thread.allocate_lock, as importlib's _ModuleLock calls it): a
    RuntimeError, not a MemoryError (Modules/_threadmodule.c)."""
    return type(exc) is RuntimeError and str(exc) == "can't allocate lock"


def _attempt(n, purge, op):
    """(fired, how, value) of op with allocation n failing: how is "ok",
    "memory" (a MemoryError in the chain), "lock" (see _is_lock_error) or
    what else was raised."""
    _purge(purge)
    _failhook.arm(n)
    try:
        value = op()
    except BaseException as e:
        fired = _failhook.disarm()
        how = ("memory" if _has_memory_error(e) else "lock" if _is_lock_error(e)
               else "%s: %s" % (type(e).__name__, e))
        return fired, how, None
    return _failhook.disarm(), "ok", value


def _check(name, n, result, want):
    """Raises AssertionError unless result is a clean outcome; returns
    (fired, how)."""
    fired, how, value = result
    if how not in ("ok", "memory", "lock"):
        raise AssertionError("%s: allocation %d failing: %s" % (name, n, how))
    if how == "ok" and value != want:
        raise AssertionError("%s: allocation %d failing: result %r, not %r"
                             % (name, n, value, want))
    return fired, how


def _settle(purge):
    """The state live blocks are counted in: the modules gone, cycles
    collected, and the type attribute cache emptied (its entries keep the
    attribute name they were looked up with: a str made for the lookup,
    by PyObject_GetAttrString or such, stays alive until its slot is
    taken, so their number drifts)."""
    _purge(purge)
    gc.collect()
    sys._clear_type_cache()


def run(name):
    """Fails each allocation of path name in turn; returns "allocations
    memory-errors absorbed lock-errors unraisable" as text."""
    purge, op, want = PATHS[name]
    old_hook = sys.unraisablehook
    sys.unraisablehook = _count_unraisable
    gc.disable()
    try:
        return _run(name, purge, op, want)
    finally:
        gc.enable()
        sys.unraisablehook = old_hook


def _run(name, purge, op, want):
    _purge(purge)
    if op() != want:  # unhooked, and warms the caches
        raise AssertionError("%s: wrong result unhooked" % name)
    memory = absorbed = lock = 0
    for n in range(1, CAP + 1):
        fired, how = _check(name, n, _attempt(n, purge, op), want)
        if not fired:
            if how != "ok":
                raise AssertionError("%s: failed with no allocation failing" % name)
            return "%d %d %d %d %d" % (n - 1, memory, absorbed, lock, unraisable)
        memory += how == "memory"
        absorbed += how == "ok"
        lock += how == "lock"
        # the same N twice more: the second leaves nothing behind
        _check(name, n, _attempt(n, purge, op), want)
        _settle(purge)
        _failhook.mark()
        _check(name, n, _attempt(n, purge, op), want)
        _settle(purge)
        grown = _failhook.grown()
        if grown > 0:
            raise AssertionError("%s: allocation %d failing: %d blocks left behind by "
                                 "each attempt" % (name, n, grown))
        # still usable: the module imports anew, unhooked
        _purge(purge)
        if op() != want:
            raise AssertionError("%s: after allocation %d failed: wrong result" % (name, n))
    raise AssertionError("%s: still failing after %d allocations (the cap)" % (name, CAP))


