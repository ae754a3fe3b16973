"""One build, start to end: pip staging -> candidates -> selection ->
blob -> executable or blob file. Every stage reads the BuildSpec and the
TargetPython and returns its result."""
import os
import sys
import time

from . import blob, extfilter, freeze, output, pip, selection, staging
from .errors import PackError
from .compiler import Compilers, ModuleCompiler, cache_dir
from .knowledge import Knowledge
from .report import Log, summary
from .target import TargetPython


def target_for(spec):
    """The TargetPython spec packs for: a distribution's (its driver linked
    with the extension modules spec's filter keeps), or the host's."""
    if not (spec.distribution or spec.python):
        return TargetPython.host(spec.stdlib_dir, spec.dynload_dir)
    from .dist import resolve
    log = (lambda msg: None) if spec.quiet else (
        lambda msg: print("pyembed-pack: " + msg, file=sys.stderr))
    dist, identity = resolve.distribution(spec.distribution, spec.python, log,
                                          spec.distribution_sha256, spec.progress)
    wanted = extfilter.builtin_extensions(dist, spec.extension_filter)
    return TargetPython.from_distribution(
        dist, resolve.driver_maker(dist, identity, os.cpu_count() or 1, log, wanted),
        spec.stdlib_dir, identity)


def make_blob(spec, target, extra_roots, log):
    """Selects, compiles and serialises; returns the blob bytes and the
    [(name, bytecode)] of the modules --freeze names."""
    t0 = time.monotonic()
    knowledge = Knowledge(spec.knowledge_files)
    cands = selection.candidates(spec, target, extra_roots)
    comp = ModuleCompiler(target, spec.optimize, cache_dir(target, spec.cache_root))
    chosen = selection.select(spec, cands, comp, target, knowledge)
    log(f"selected {len(chosen.chosen)} of {len(cands.mods)} modules "
        f"({time.monotonic() - t0:.2f}s)")
    summary(chosen, comp, log)
    comps = Compilers(comp)
    frozen = freeze.bytecode(spec, target, chosen, comps) if spec.freeze else []
    data = blob.serialise(spec, target, chosen, comps, log)
    log(f"compiled ({comps.cached_count} cached, {comps.new_count} new), "
        f"blob {len(data)} bytes ({time.monotonic() - t0:.2f}s)")
    return data, frozen


def run(spec, target):
    """Builds what spec describes for target and writes spec.output.
    PackError/OSError for what the user can fix."""
    log = Log(spec.quiet, spec.verbose, spec.progress)
    building = spec.command == "build"
    if spec.freeze and not building:
        raise PackError("--freeze compiles modules into a driver; 'blob' writes none")
    driver = output.find_driver(spec, target) if building and not spec.freeze else None
    os.makedirs(spec.out_dir, exist_ok=True)
    with pip.staged(spec, target, log) as pip_roots, staging.modules(spec) as more:
        t0 = time.monotonic()
        data, frozen = make_blob(spec, target, tuple(pip_roots) + tuple(more), log)
        if frozen and building:
            driver = freeze.driver(spec, target, frozen, log)
            log(f"driver with {len(frozen)} modules' static code objects "
                f"({time.monotonic() - t0:.2f}s)")
        if spec.command == "blob":
            output.write_blob(spec, data)
        else:
            output.write_executable(spec, driver, data)
        log(f"wrote {spec.output} ({os.path.getsize(spec.output)} bytes, "
            f"{time.monotonic() - t0:.2f}s)")
