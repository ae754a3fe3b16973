"""The blob: selected modules as libpackrs resources (docs/format.md),
written by libpackrs's writer through _pyembed_pack, plus the "@pyembed"
metadata the runtime reads (docs/runtime.md)."""
import _pyembed_pack as P

from . import prefetch, tcltk
from .fsutil import prune, read, recording
from .output import module_files, namespace_files, package_dirs, placement

META = "@pyembed"
KINDS = {"module": P.KIND_MODULE, "package": P.KIND_PACKAGE | P.KIND_MODULE,
         "namespace": P.KIND_NAMESPACE, "extension": P.KIND_EXTENSION | P.KIND_MODULE,
         "distinfo": P.KIND_DISTINFO}


def add_files(w, name, field, files, compress):
    """Adds a field per (key, path) of files, in key order."""
    for key, path in sorted(files.items()):
        w.add_field(name, field, key, read(path), compress)


def codec_flag(spec):
    """The writer's codec flag of spec.codec (docs/format.md §5.2)."""
    return P.CODEC_ZLIB if spec.codec == "zlib" else P.CODEC_ZSTD


def add_module(w, m, comps, spec, target, fs_packages, compress):
    """Adds m's resource: bytecode, source (by policy) and data in memory,
    or, for a filesystem-relative module, its files on disk and an FS_PATH;
    its fields compressed (compress: the codec flag, 0 for none).
    Modules frozen into the target's libpython are left out (the runtime's
    importer defers to libpython for them) except with --stdlib all, where
    they serve imports made with frozen modules turned off. A module that
    does not compile is packed as source (importing it raises the
    SyntaxError, as python's import would)."""
    if m.name in target.frozen and spec.stdlib != "all":
        return
    w.add_resource(m.name, KINDS[m.kind] | (P.KIND_DATA if m.data else 0))
    if m.kind == "distinfo":
        add_files(w, m.name, P.FIELD_DISTINFO_FILE, m.data, compress)
        return
    prefix = placement(m, spec, fs_packages)
    if prefix is not None and m.kind == "namespace":
        namespace_files(m, spec, prefix)
        return
    if prefix is not None:
        rel = module_files(m, comps, spec, target, prefix)
        w.add_field(m.name, P.FIELD_FS_PATH, None, rel.encode(), 0)
        return
    if m.kind == "extension":
        w.add_field(m.name, P.FIELD_EXTENSION, None, read(m.path), compress)
    elif m.path:
        codes = {level: comps[level].bytecode(m) for level in spec.levels_of(m)}
        for level, code in codes.items():
            if code is not None:
                w.add_field(m.name, P.FIELD_BYTECODE + level, None, code, compress)
        if None in codes.values() or spec.packs_source(m):
            w.add_field(m.name, P.FIELD_SOURCE, None, m.source(), compress)
    add_files(w, m.name, P.FIELD_DATA_FILE, m.data, compress)


def metadata(spec, target, extra=()):
    """The "@pyembed" resource text (docs/runtime.md); extra: more lines."""
    lines = ["format=1", f"python_magic={target.magic_number}",
             f"python_version={target.version_string}",
             "python_full_version=" + ".".join(map(str, target.version)),
             f"run={spec.run}", f"optimize={spec.optimize}", "isolated=1", "site_import=0",
             "filesystem_importer=0", f"sys_frozen={int(spec.sys_frozen)}",
             f"allocator={spec.allocator}",
             f"fast_exit={int(spec.fast_exit)}", f"parse_argv={int(spec.python_argv)}"]
    if spec.full_exit:
        lines.append("full_exit=1")
    if spec.allocator_domains is not None:
        lines.append("allocator_domains=" + ",".join(spec.allocator_domains))
    if spec.allocator_debug:
        lines.append("allocator_debug=1")
    if spec.allocator_tracking:
        lines.append("allocator_tracking=1")
    if spec.run_module:
        lines.append(f"run_module={spec.run_module}")
    if target.distribution_id:
        lines.append(f"distribution={target.distribution_id}")
    return ("\n".join(lines + list(extra)) + "\n").encode()


class CountingWriter:
    """The writer, counting the bytes handed to add_field (as stored when
    uncompressed: what start-up reads of the blob, for prefetch.py)."""

    def __init__(self, w):
        self.w, self.bytes = w, 0

    def add_resource(self, name, kind):
        self.w.add_resource(name, kind)

    def add_field(self, name, type_, key, data, codec):
        self.bytes += len(data)
        self.w.add_field(name, type_, key, data, codec)


def serialise(spec, target, selection, comps, log):
    """The blob bytes of selection: every packed module, then the metadata
    (and the --run-code source)."""
    w = P.Writer()
    startup = CountingWriter(w)  # the load-time modules go through it
    packed = selection.packed()
    why = selection.trace.reached_by if selection.trace else {}
    stale = package_dirs(spec, [(p, m) for m in packed if m.kind != "distinfo"
                                and (p := placement(m, spec, selection.fs_packages)) is not None])
    with recording() as written:
        for i, m in enumerate(packed):
            log.module(i, len(packed), m.name, why.get(m.name) or m.origin)
            hot = m.name in selection.load_time
            add_module(startup if hot else w, m, comps, spec, target, selection.fs_packages,
                       codec_flag(spec) if spec.compress or (spec.compress_lazy and not hot)
                       else 0)
    for directory in stale:
        prune(directory, written)
    log.modules_done()
    extra = tcltk.copy_libraries(spec, target) if "_tkinter" in selection.chosen else []
    if extra:
        log(f"Tcl/Tk libraries copied beside the output ({tcltk.TCL_PREFIX}/)")
    w.add_resource(META, 0)
    extra += prefetch.metadata_lines(spec, selection, packed, startup.bytes)
    w.add_field(META, P.FIELD_METADATA, None, metadata(spec, target, extra), 0)
    if spec.run_code is not None:
        w.add_field(META, P.FIELD_SOURCE, None, spec.run_code.encode(), 0)
    return w.finish()
