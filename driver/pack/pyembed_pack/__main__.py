"""`pyembed-pack CMD ARGS`: run by pack_main.c as `python -m pyembed_pack
CMD ARGS` in pyembed-pack's interpreter. build -o / blob: the flag-only
build (cli.py); build without -o, run, list-targets, init-config-file: a
config file's targets (config/commands.py); dist; inspect; clean-temp.

Exit statuses: 0 built; 1 and one line `pyembed-pack: MESSAGE` for what
the user can fix (PackError, OSError); 2 from argparse for malformed
arguments. Anything else is a bug in the packer: its traceback (with
these files' names), one line naming the file and line and asking for a
bug report, and status 2 (internal_error).
"""
import os
import sys


def cache_own_bytecode():
    """Lets this interpreter (which libpyembed starts writing no bytecode)
    cache the bytecode of the pack tool's own modules, under
    $XDG_CACHE_HOME/pyembed/pack-pycache (never beside the sources), so a
    run does not compile them again: the config evaluator alone is 4000
    lines, about 50 ms to compile."""
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else None)
    if base and os.path.isabs(base):
        sys.pycache_prefix = os.path.join(base, "pyembed", "pack-pycache")
        sys.dont_write_bytecode = False


cache_own_bytecode()

from . import build, cli  # noqa: E402 (after the bytecode cache is set up)
from .errors import PackError  # noqa: E402

# Set to 1 by the integration tests to check that an internal error shows
# a traceback with real file names (test_pack_tool.py).
TEST_CRASH_VARIABLE = "PYEMBED_PACK_TEST_CRASH"


def crash_if_asked():
    """Raises an internal error when the tests ask for one."""
    if os.environ.get(TEST_CRASH_VARIABLE) == "1":
        raise RuntimeError(f"internal error requested by {TEST_CRASH_VARIABLE}=1")


CONFIG_COMMANDS = ("run", "list-targets", "init-config-file")


def clean_temp(argv):
    """`pyembed-pack clean-temp [--dir DIR] [-q]`: removes the private
    directories that packed programs killed by a signal left under DIR
    (default $TMPDIR, else /tmp); live programs' ones stay."""
    import argparse
    import _pyembed  # the runtime packed programs use (libpyembed/tempdir.c)
    p = argparse.ArgumentParser(prog="pyembed-pack clean-temp", description=clean_temp.__doc__)
    p.add_argument("--dir", help="where to look (default $TMPDIR, else /tmp)")
    p.add_argument("-q", "--quiet", action="store_true")
    ns = p.parse_args(argv)
    where = ns.dir or (os.environ.get("TMPDIR") if os.environ.get("TMPDIR", "").startswith("/")
                       else "/tmp")
    try:
        n = _pyembed.clean_temp(where)
    except OSError as e:
        print(f"pyembed-pack: clean-temp: {describe(e)}", file=sys.stderr)
        return 1
    if not ns.quiet:
        print(f"pyembed-pack: removed {n} leftover director{'y' if n == 1 else 'ies'} "
              f"from {where}")
    return 0


def main(argv):
    """Runs `pyembed-pack CMD ARGS` (argv = [CMD, ARGS...]); returns the
    exit status (see the module doc)."""
    try:
        if argv and argv[0] == "dist":
            from .dist import cli as dist_cli
            return dist_cli.main(argv[1:])
        if argv and argv[0] == "clean-temp":
            return clean_temp(argv[1:])
        if argv and argv[0] == "inspect":
            from . import inspect_exe
            return inspect_exe.main(argv[1:])
        if argv and (argv[0] in CONFIG_COMMANDS or
                     (argv[0] == "build" and not cli.flag_mode(argv[1:]))):
            from .config import commands
            return commands.main(argv)
        spec, print_spec = cli.parse(argv)
        if print_spec:
            print(spec.as_json())
            return 0
        target = build.target_for(spec)
        crash_if_asked()
        build.run(spec, target)
    except (PackError, OSError) as e:
        print(f"pyembed-pack: {describe(e)}", file=sys.stderr)
        return 1
    except Exception as e:  # a bug of ours: the traceback, where, and a plea
        return internal_error(e)
    return 0


def internal_error(e):
    """Reports exception e, which no user input should cause: its
    traceback (for the report), then one line naming the file and line
    where it was raised; returns exit status 2."""
    import traceback
    traceback.print_exc()
    last = traceback.extract_tb(e.__traceback__)[-1]
    print(f"pyembed-pack: internal error at {os.path.basename(last.filename)}:{last.lineno} "
          f"in {last.name} ({type(e).__name__}): this is a bug in pyembed-pack; please "
          "report it with the command line and the traceback above", file=sys.stderr)
    return 2


def describe(e):
    """One line for PackError or OSError e: an OSError as `FILE: why`,
    not Python's `[Errno N] why: 'FILE'`."""
    if isinstance(e, OSError) and e.strerror and e.filename is not None:
        return f"{os.fsdecode(e.filename)}: {e.strerror}"
    return str(e)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
