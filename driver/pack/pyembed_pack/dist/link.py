"""Linking a driver at pack time: against a distribution, or (for
--freeze's static code objects) against the host's own static libpython.

The runtime (libpyembed, libpackrs, the driver's main) is compiled from
its C sources against the distribution's headers, an inittab (config.c)
is generated for the chosen built-in extension modules, and everything is
linked with the distribution's core and extension objects and static
libraries by the host's C compiler (driver/link/link.c runs the commands).
Objects and linked drivers are cached by content hash, so packing an app
again does not relink.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess

import _pyembed_pack as _P

from ..errors import PackError

MARKER1 = "/* -- ADDMODULE MARKER 1 -- */"
MARKER2 = "/* -- ADDMODULE MARKER 2 -- */"
LINK_VERSION = "pyembed-link-1"


def _h(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def cc_identity(cc):
    r = subprocess.run([cc, "--version"], capture_output=True, text=True)
    if r.returncode != 0:
        raise PackError(f"packing against a distribution needs a C compiler; '{cc}' does "
                        "not run (install build-essential)")
    return r.stdout.splitlines()[0]


def inittab_source(dist, names):
    """config.c text registering the built-in modules names (in order)."""
    tmpl = dist.inittab_template and dist.path(dist.inittab_template)
    if not tmpl or not os.path.exists(tmpl):
        raise PackError(f"{dist.root}: the distribution has no inittab template "
                        "(build_info.core.pyembed_inittab_template)")
    text = open(tmpl).read()
    if MARKER1 not in text or MARKER2 not in text:
        raise PackError(f"{tmpl}: no ADDMODULE markers")
    decls, entries = [], []
    for name in names:
        fn = dist.extensions[name][0]["init_fn"]
        decls.append(f"extern PyObject* {fn}(void);\n")
        entries.append(f'    {{"{name}", {fn}}},\n')
    text = text.replace(MARKER1, MARKER1 + "\n" + "".join(decls), 1)
    return text.replace(MARKER2, MARKER2 + "\n" + "".join(entries), 1)


def chosen_extensions(dist, wanted):
    """Names of the extensions to build in: wanted (None = all), plus every
    required one, in the distribution's order."""
    names = []
    for name, variants in dist.extensions.items():
        if variants and (wanted is None or name in wanted or variants[0].get("required")):
            names.append(name)
    return names


def link_inputs(dist, names):
    """Objects, then static archives, then system libraries, for names."""
    objs = [dist.path(o) for o in dist.core.get("objs", [])]
    links = list(dist.core.get("links", []))
    for name in names:
        v = dist.extensions[name][0]
        objs += [dist.path(o) for o in v.get("objs", [])]
        links += v.get("links", [])
    archives, system = [], []
    for link in links:
        if link.get("path_static"):
            p = dist.path(link["path_static"])
            if p not in archives:
                archives.append(p)
        elif link.get("system") or link.get("name"):
            flag = "-l" + link["name"]
            if flag not in system:
                system.append(flag)
    return objs, archives, system


class Runtime:
    """The runtime's C sources and include directories (read from the
    manifest meson writes: pyembed-runtime.json)."""

    def __init__(self, manifest):
        with open(manifest) as f:
            m = json.load(f)
        base = os.path.dirname(manifest)
        self.sources = [os.path.join(base, s) for s in m["sources"]]
        self.include_dirs = [os.path.join(base, d) for d in m["include_dirs"]]
        self.cflags = m["cflags"]
        self.libs = m["libs"]

    def identity(self):
        parts = [file_hash(s) for s in self.sources]
        for d in self.include_dirs:
            for name in sorted(os.listdir(d)):
                if name.endswith(".h"):
                    parts.append(name + ":" + file_hash(os.path.join(d, name)))
        return _h(*parts)


def tool_version(prog):
    """The major version a clang/lld prints, or None when prog is absent."""
    try:
        r = subprocess.run([prog, "--version"], capture_output=True, text=True)
    except OSError:
        return None
    m = re.search(r"version (\d+)", r.stdout)
    return int(m.group(1)) if r.returncode == 0 and m else None


def toolchain_for(dist, cc):
    """(compiler, extra link flags) able to link dist's objects: the host cc
    for ELF; for LLVM bitcode (object_file_format llvm-bitcode:N, from LTO
    builds) a clang and an lld of version N or newer, else PackError saying
    exactly what is missing."""
    fmt = dist.object_format
    if fmt == "elf":
        return cc, []
    if not fmt.startswith("llvm-bitcode:"):
        raise PackError(f"{dist.root}: objects are '{fmt}'; this tool links ELF objects "
                        "and LLVM bitcode")
    need = int(fmt.split(":", 1)[1].split(".")[0] or 0)
    found = []
    for v in [None] + list(range(need + 10, need - 1, -1)):
        clang, lld = ("clang", "ld.lld") if v is None else (f"clang-{v}", f"ld.lld-{v}")
        cv, lv = tool_version(clang), tool_version(lld)
        if cv is not None:
            found.append(f"{clang} {cv}")
        if cv is not None and lv is not None and cv >= need and lv >= need:
            return clang, [f"-fuse-ld={shutil.which(lld)}", "-flto"]
    raise PackError(f"{dist.root}: its objects are LLVM {need} bitcode (an LTO build): linking "
                    f"them needs clang and lld {need} or newer; found "
                    f"{', '.join(found) or 'no clang'} (install clang-{need} and lld-{need})")


def zlib_archive(dist):
    """libz.a for libpackrs: the distribution's own when it has one."""
    p = dist.path("build/lib/libz.a")
    if os.path.exists(p):
        return p
    r = subprocess.run(["cc", "-print-file-name=libz.a"], capture_output=True, text=True)
    return r.stdout.strip() if os.path.isabs(r.stdout.strip()) else None


def check_linkable(dist, cc="cc"):
    """PackError unless a driver can be linked against dist here: the
    objects' format has a toolchain, and the objects are there."""
    toolchain_for(dist, cc)
    if not dist.has_objects:
        raise PackError(f"{dist.root}: this distribution has no object files (an "
                        "install_only archive); packing needs a 'full' archive")


def driver_for(dist, dist_id, runtime, cache_root, wanted, jobs, cc="cc", log=print,
               static_code=None):
    """Path of a driver linked against dist with extensions wanted (None:
    all), and static_code (a C file from staticcode.py) when given, built
    once per content hash."""
    check_linkable(dist, cc)
    cc, lto_flags = toolchain_for(dist, cc)
    include = dist.path(dist.paths.get("include", ""))
    cflags = runtime.cflags + [f"-I{d}" for d in runtime.include_dirs] + [f"-I{include}"]
    ccid = cc_identity(cc)
    obj_key = _h(LINK_VERSION, ccid, cflags[:len(runtime.cflags)], runtime.identity(), dist_id)
    names = chosen_extensions(dist, wanted)
    config_c = inittab_source(dist, names)
    objs, archives, system = link_inputs(dist, names)
    zlib = zlib_archive(dist)
    if zlib and zlib not in archives:
        archives.append(zlib)
    # Not position-independent, as the system Python's driver (whose
    # libpython is not PIC): a PIE driver spends ~1 M instructions of every
    # start applying ~70 000 relocations of libpython's static data.
    ldflags = ["-no-pie", "-Wl,--export-dynamic"] + lto_flags + system + runtime.libs
    generated = [("config.c", config_c, list(dist.inittab_cflags))]
    inputs = objs + ["-Wl,--start-group"] + archives + ["-Wl,--end-group"]
    return _link(Plan(cc, cflags, runtime, obj_key, generated, static_code, inputs, ldflags),
                 cache_root, jobs, log,
                 f"linking a driver for CPython {dist.python_version} ({len(names)} built-in "
                 "extension modules)")


def driver_archive():
    """libpyembed-driver.a (pyembed-run as an archive, driver/meson.build):
    beside this pyembed-pack in a build tree, else the installed one."""
    import sys
    here = os.path.dirname(os.path.realpath(sys.executable))
    for d in (here, os.path.dirname(_P.DRIVER_INSTALLED)):
        p = os.path.join(d, "libpyembed-driver.a")
        if os.path.exists(p):
            return p
    raise PackError(f"--freeze: libpyembed-driver.a is missing (not beside {here} nor in "
                    f"{os.path.dirname(_P.DRIVER_INSTALLED)})")


def host_driver(runtime, cache_root, static_code, jobs, cc="cc", log=print):
    """Path of pyembed-run relinked with static_code (a C file from
    staticcode.py): the driver archive this pyembed-pack was built with,
    against the static libpython it embeds (the system Python's)."""
    import sysconfig
    libpython = _P.LIBPYTHON
    if not libpython.endswith(".a") or not os.path.exists(libpython):
        raise PackError(f"--freeze links a driver with the static libpython, and this "
                        f"pyembed-pack was built with {libpython or 'none'} "
                        "(meson option python_static)")
    archive = driver_archive()
    include = sysconfig.get_config_var("INCLUDEPY")
    cflags = runtime.cflags + [f"-I{d}" for d in runtime.include_dirs] + [f"-I{include}"]
    # what libpython's built-in modules need (Debian: expat, zlib), then
    # what libpyembed's do
    libs = []
    for var in ("MODLIBS", "LIBS", "SYSLIBS"):
        for flag in (sysconfig.get_config_var(var) or "").split():
            if flag.startswith("-l") and flag not in libs:
                libs.append(flag)
    own = _P.DRIVER_LDFLAGS.split()
    inputs = [archive, "-Wl,--whole-archive", libpython, "-Wl,--no-whole-archive"]
    ldflags = ["-no-pie", "-Wl,--export-dynamic"] + [f for f in own if f not in libs] + libs
    key = _h(LINK_VERSION, cc_identity(cc), cflags, "host", file_hash(archive),
             file_hash(libpython))
    return _link(Plan(cc, cflags, None, key, [], static_code, inputs, ldflags),
                 cache_root, jobs, log, "linking a driver with static code objects")


class Plan:
    """What _link compiles and links: the runtime's sources (objects cached
    under obj_key; runtime None: none, the inputs have them), generated
    sources [(file name, text, extra cflags)], an optional static-code C
    file, then inputs and ldflags."""

    def __init__(self, cc, cflags, runtime, obj_key, generated, static_code, inputs, ldflags):
        self.cc, self.cflags, self.runtime, self.obj_key = cc, cflags, runtime, obj_key
        self.generated, self.static_code = generated, static_code
        self.inputs, self.ldflags = inputs, ldflags


def _link(plan, cache_root, jobs, log, message):
    """The driver plan describes, linked once per content hash (cached)."""
    obj_dir = os.path.join(cache_root, "drivers", "obj-" + plan.obj_key[:32])
    static_hash = file_hash(plan.static_code) if plan.static_code else ""
    drv_key = _h(plan.obj_key, *[t for _, t, _ in plan.generated], static_hash,
                 *plan.inputs, *plan.ldflags)
    out_dir = os.path.join(cache_root, "drivers", drv_key[:32])
    out = os.path.join(out_dir, "pyembed-run")
    if os.path.exists(out):
        return out
    sources = plan.runtime.sources if plan.runtime else []
    if sources:
        os.makedirs(obj_dir, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    compiles = [(s, os.path.join(obj_dir, _obj_name(s)), []) for s in sources]
    for name, text, flags in plan.generated:
        path = os.path.join(out_dir, name)
        with open(path, "w") as f:
            f.write(text)
        compiles.append((path, os.path.join(out_dir, name[:-2] + ".o"), flags))
    if plan.static_code:
        compiles.append((plan.static_code, os.path.join(out_dir, "static-code.o"), []))
    inputs = [o for _, o, _ in compiles] + plan.inputs
    log(message)
    try:
        _P.link(plan.cc, plan.cflags, compiles, inputs, plan.ldflags, out,
                os.path.join(out_dir, "link.log"), jobs)
    except OSError as e:
        raise PackError(str(e)) from None
    return out


def _obj_name(source):
    """Unique object file name for a runtime source (dir-file.o)."""
    d, f = os.path.split(source)
    return os.path.basename(d) + "-" + os.path.splitext(f)[0] + ".o"
