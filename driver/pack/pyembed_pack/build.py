"""One build, start to end: pip staging -> candidates -> selection ->
blob -> executable or blob file. Every stage reads the BuildSpec and the
TargetPython and returns its result."""
import os
import time

from . import blob, output, pip, selection
from .compiler import ModuleCompiler, cache_dir
from .knowledge import Knowledge
from .report import Log, summary


def make_blob(spec, target, extra_roots, log):
    """Selects, compiles and serialises; returns the blob bytes."""
    t0 = time.monotonic()
    knowledge = Knowledge(spec.knowledge_files)
    cands = selection.candidates(spec, target, extra_roots)
    comp = ModuleCompiler(target, spec.optimize, cache_dir(target, spec.cache_root))
    chosen = selection.select(spec, cands, comp, target, knowledge)
    log(f"selected {len(chosen.chosen)} of {len(cands.mods)} modules "
        f"({time.monotonic() - t0:.2f}s)")
    summary(chosen, comp, log)
    data = blob.serialise(spec, target, chosen, comp, log)
    log(f"compiled ({comp.cached_count} cached, {comp.new_count} new), "
        f"blob {len(data)} bytes ({time.monotonic() - t0:.2f}s)")
    return data


def run(spec, target):
    """Builds what spec describes for target and writes spec.output.
    PackError/OSError for what the user can fix."""
    log = Log(spec.quiet, spec.verbose, spec.progress)
    driver = output.find_driver(spec, target) if spec.command == "build" else None
    os.makedirs(spec.out_dir, exist_ok=True)
    with pip.staged(spec, target) as extra_roots:
        t0 = time.monotonic()
        data = make_blob(spec, target, extra_roots, log)
        if spec.command == "blob":
            output.write_blob(spec, data)
        else:
            output.write_executable(spec, driver, data)
        log(f"wrote {spec.output} ({os.path.getsize(spec.output)} bytes, "
            f"{time.monotonic() - t0:.2f}s)")
