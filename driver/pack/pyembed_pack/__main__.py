"""`pyembed-pack build|blob ARGS`: run by pack_main.c as
`python -m pyembed_pack build|blob ARGS` in pyembed-pack's interpreter.

Exit statuses: 0 built; 1 and one line `pyembed-pack: MESSAGE` for what
the user can fix (PackError, OSError); 2 from argparse for malformed
arguments. Anything else is a bug in the packer: it propagates, and the
interpreter prints its traceback (with these files' names) and exits 1.
"""
import os
import sys

from . import build, cli
from .errors import PackError
from .target import TargetPython

# Set to 1 by the integration tests to check that an internal error shows
# a traceback with real file names (test_pack_tool.py).
TEST_CRASH_VARIABLE = "PYEMBED_PACK_TEST_CRASH"


def crash_if_asked():
    """Raises an internal error when the tests ask for one."""
    if os.environ.get(TEST_CRASH_VARIABLE) == "1":
        raise RuntimeError(f"internal error requested by {TEST_CRASH_VARIABLE}=1")


def target_of(spec):
    """The TargetPython spec packs for: a distribution's, or the host's."""
    if not (spec.distribution or spec.python):
        return TargetPython.host(spec.stdlib_dir, spec.dynload_dir)
    from .dist import resolve
    log = (lambda msg: None) if spec.quiet else (
        lambda msg: print("pyembed-pack: " + msg, file=sys.stderr))
    dist, identity = resolve.distribution(spec.distribution, spec.python, log,
                                          spec.distribution_sha256, spec.progress)
    return TargetPython.from_distribution(
        dist, resolve.driver_maker(dist, identity, os.cpu_count() or 1, log), spec.stdlib_dir,
        identity)


def main(argv):
    """Runs `pyembed-pack CMD ARGS` (argv = [CMD, ARGS...]); returns the
    exit status (see the module doc)."""
    try:
        if argv and argv[0] == "dist":
            from .dist import cli as dist_cli
            return dist_cli.main(argv[1:])
        if argv and argv[0] == "inspect":
            from . import inspect_exe
            return inspect_exe.main(argv[1:])
        spec = cli.parse(argv)
        target = target_of(spec)
        crash_if_asked()
        build.run(spec, target)
    except (PackError, OSError) as e:
        print(f"pyembed-pack: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
