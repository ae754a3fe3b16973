"""jemalloc_private.py — jemalloc as one private object for libpyembed.

Usage: jemalloc_private.py --ar AR --objcopy OBJCOPY --cc CC [CC args...] --
           LIBJEMALLOC_PIC.A OUT.o

Debian's libjemalloc is built without a symbol prefix: its archive defines
malloc, free, posix_memalign, ... so linking it replaces the allocator of
the whole process (every backend, every C library). This script makes the
object jemalloc's own --with-jemalloc-prefix would have given:
  1. the archive's C members (not jemalloc_cpp, which needs libstdc++) are
     linked into one relocatable object (CC -r), so jemalloc's references
     between its own files are resolved inside it;
  2. malloc/calloc/realloc/free become pyembed__je_malloc/... and every
     other global symbol becomes local (objcopy --keep-global-symbol), so
     nothing of jemalloc is visible outside the object;
  3. its constructor (.init_array: malloc_init at start-up) is dropped:
     every entry point initialises jemalloc on first use anyway, and a
     process that does not choose jemalloc then never starts it;
  4. _Unwind_Backtrace/_Unwind_GetIP, used only by heap profiling
     (MALLOC_CONF=prof:true, off by default), are stubs inside the object
     that report an empty stack, so executables do not gain a NEEDED
     libgcc_s.so.1 for a feature they never turn on.
"""
import argparse
import os
import subprocess
import sys
import tempfile

RENAMED = ("malloc", "calloc", "realloc", "free")
PREFIX = "pyembed__je_"
UNWIND_STUBS = """\
/* jemalloc_private.py: heap profiling's unwinder, an empty stack */
struct _Unwind_Context;
int _Unwind_Backtrace(int (*fn)(struct _Unwind_Context *, void *), void *arg)
{ (void)fn; (void)arg; return 5; /* _URC_END_OF_STACK */ }
unsigned long _Unwind_GetIP(struct _Unwind_Context *c) { (void)c; return 0; }
"""


def run(argv, cwd=None):
    """Runs argv; exits with its output when it fails."""
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("jemalloc_private: %s failed:\n%s%s" % (" ".join(argv), r.stdout, r.stderr))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ar", required=True)
    p.add_argument("--objcopy", required=True)
    p.add_argument("--cc", nargs="+", required=True)
    p.add_argument("archive")
    p.add_argument("output")
    ns = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="jemalloc-private-") as tmp:
        run([ns.ar, "x", os.path.abspath(ns.archive)], cwd=tmp)
        members = sorted(f for f in os.listdir(tmp) if f.endswith(".o") and "cpp" not in f)
        if not any(m.startswith("jemalloc.") for m in members):
            sys.exit("jemalloc_private: %s has no jemalloc.o member" % ns.archive)
        stubs = os.path.join(tmp, "unwind_stubs.c")
        with open(stubs, "w") as f:
            f.write(UNWIND_STUBS)
        run(ns.cc + ["-c", "-O2", "-fPIC", "-o", stubs + ".o", stubs])
        combined = os.path.join(tmp, "combined.o")
        run(ns.cc + ["-r", "-nostdlib", "-o", combined, stubs + ".o"] +
            [os.path.join(tmp, m) for m in members])
        renamed = os.path.join(tmp, "renamed.o")
        args = ["-R", ".init_array", "-R", ".rela.init_array"]
        for name in RENAMED:
            args += ["--redefine-sym", "%s=%s%s" % (name, PREFIX, name)]
        run([ns.objcopy] + args + [combined, renamed])
        keep = []
        for name in RENAMED:
            keep += ["--keep-global-symbol", PREFIX + name]
        run([ns.objcopy] + keep + [renamed, ns.output])


if __name__ == "__main__":
    main()
