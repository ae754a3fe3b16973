#!/usr/bin/python3.11
"""selftest.py — proves scripts/check_layers.py finds what it must.

    selftest.py CHECK_LAYERS NM BUILD_DIR CYCLE.a UPPER.a LOWER.a

CYCLE.a holds two files that call each other; LOWER.a calls UPPER.a,
which calls LOWER.a. Each case runs the checker and asserts its exit
status and the lines it prints.
"""
import subprocess
import sys


def run(args):
    p = subprocess.run([sys.executable, CHECK, '--nm', NM, BUILD] + args,
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def expect(args, status, *needles):
    rc, out = run(args)
    missing = [n for n in needles if n not in out]
    if rc != status or missing:
        sys.exit("FAIL: check_layers %s: status %d (want %d), missing %r\n%s"
                 % (" ".join(args), rc, status, missing, out))
    print("ok: check_layers %s -> %d" % (" ".join(args), rc))


CHECK, NM, BUILD, CYCLE, UPPER, LOWER = sys.argv[1:7]
expect([CYCLE], 1, "CYCLE in liblayers_cycle between 2 files: cycle_a.c, cycle_b.c",
       "cycle_a.c -> cycle_b.c (layers_fixture_b)",
       "cycle_b.c -> cycle_a.c (layers_fixture_a)")
expect([UPPER, "--context", LOWER, "--allow", "layers_upper:layers_lower"], 1,
       "CYCLE between libraries")
expect([LOWER, "--context", UPPER, "--allow", "layers_upper:layers_lower"], 1,
       "FORBIDDEN liblayers_lower -> liblayers_upper",
       "lower.c -> liblayers_upper:upper.c (layers_fixture_upper)")
expect([UPPER], 0, "liblayers_upper: 1 files")
expect(["no_such_library_here"], 2, "not found")
