"""tkinter's Tcl/Tk script libraries (init.tcl, tk.tcl, ...): Tcl reads
them as files, so a build that packs _tkinter copies the target's
libraries beside the output (PyOxidizer's tcl_files_path) and records
where; the runtime points TCL_LIBRARY / TK_LIBRARY there (docs/runtime.md)."""
import os
import subprocess

from .fsutil import copy_file

# The libraries' directory below the output's directory.
TCL_PREFIX = "lib/tcl"

FIND = ("import tkinter, os; t = tkinter.Tcl(); lib = t.eval('info library'); "
        "print(lib); print(os.path.join(os.path.dirname(lib), 'tk' + t.eval('info tclversion')))")


def library_dirs(target):
    """(tcl dir, tk dir) of the target's Tcl/Tk, or None if it has none."""
    r = subprocess.run([target.executable, "-I", "-c", FIND], capture_output=True, text=True)
    lines = r.stdout.split()
    if r.returncode != 0 or len(lines) != 2 or not all(os.path.isdir(d) for d in lines):
        return None
    return lines[0], lines[1]


def copy_libraries(spec, target):
    """Copies the Tcl and Tk libraries under <output dir>/TCL_PREFIX;
    returns the metadata lines naming them (relative), [] without Tcl."""
    dirs = library_dirs(target)
    if dirs is None:
        return []
    lines = []
    for key, src in zip(("tcl_library", "tk_library"), dirs):
        rel = TCL_PREFIX + "/" + os.path.basename(src)
        for dirpath, _, files in os.walk(src, followlinks=True):
            dest = os.path.join(spec.out_dir, rel, os.path.relpath(dirpath, src))
            os.makedirs(dest, exist_ok=True)
            for f in files:
                copy_file(os.path.join(dirpath, f), os.path.join(dest, f))
        lines.append(f"{key}={rel}")
    return lines
