"""From a finished CPython build tree to python/build/: the object files
of the core and of each built-in extension module, the static libraries
they link, the inittab template, and the build_info that describes them
(python-build-standalone's PYTHON.json build_info)."""
import os
import re
import shutil
import subprocess
import tempfile

from . import modules
from ..errors import PackError

SETUP_FILES = ("Modules/Setup.bootstrap", "Modules/Setup.stdlib", "Modules/Setup.local")
PRINT_MK = "pyembed-print-vars:\n\t@$(foreach v,$(PYEMBED_VARS),printf '%s=%s\\n' '$(v)' '$($(v))';)\n"


def make_vars(bdir, names):
    """Values of Makefile variables names, fully expanded by make itself."""
    with tempfile.NamedTemporaryFile("w", suffix=".mk", delete=False) as f:
        f.write(PRINT_MK)
    try:
        r = subprocess.run(["make", "-s", "-f", "Makefile", "-f", f.name, "pyembed-print-vars",
                            "PYEMBED_VARS=" + " ".join(names)], cwd=bdir,
                           capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        raise PackError(f"cannot read the Makefile of {bdir}: {r.stderr.strip()[-300:]}")
    out = {}
    for line in r.stdout.splitlines():
        name, _, value = line.partition("=")
        out[name] = value.split()
    return out


class Module:
    """One built-in extension module as its Setup line describes it."""

    def __init__(self, name, required):
        self.name, self.required = name, required
        self.objs, self.libs, self.static_archives = [], [], []


def parse_setup(bdir):
    """Static modules of the Setup files, in order: name -> Module."""
    mods = {}
    for rel in SETUP_FILES:
        path = os.path.join(bdir, rel)
        if not os.path.exists(path):
            continue
        mode = "static"
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("*") and line.endswith("*"):
                mode = line.strip("*")
                continue
            if mode != "static" or "=" in line.split()[0]:
                continue
            name, *tokens = line.split()
            m = Module(name, rel.endswith("bootstrap"))
            flagged = False
            for tok in tokens:
                if tok.endswith((".c", ".cc", ".cpp")):
                    m.objs.append("Modules/" + os.path.splitext(tok)[0] + ".o")
                elif tok.endswith(".a"):
                    m.static_archives.append(tok)
                elif tok.startswith("-l"):
                    m.libs.append(tok[2:])
                    flagged = True
                elif tok.startswith(("-I", "-D", "-U")):
                    flagged = True
            m.flagged = flagged
            mods[name] = m
    return mods


def module_ldflags(bdir, mods):
    """Adds each module's MODULE_<NAME>_LDFLAGS (configure's detected libs)."""
    names = {m.name: f"MODULE_{m.name.upper()}_LDFLAGS" for m in mods.values()}
    values = make_vars(bdir, list(names.values()))
    for m in mods.values():
        for tok in values.get(names[m.name], []):
            if tok.startswith("-l") and tok[2:] not in m.libs:
                m.libs.append(tok[2:])
            elif tok.endswith(".a") and tok not in m.static_archives:
                m.static_archives.append(tok)


def lib_name(archive):
    """'Modules/_decimal/libmpdec/libmpdec.a' -> 'mpdec'."""
    base = os.path.basename(archive)
    return base[3:-2] if base.startswith("lib") else base[:-2]


class Collector:
    """Copies objects and libraries into out_build and records links."""

    def __init__(self, bdir, out_build, static_lib_dir):
        self.bdir, self.out, self.static_dir = bdir, out_build, static_lib_dir
        self.copied_libs = {}  # name -> archive path relative to python/

    def copy_obj(self, rel, area):
        src = os.path.join(self.bdir, rel)
        if not os.path.exists(src):
            raise PackError(f"build tree lacks {rel}")
        dest = os.path.join(self.out, area, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(src, dest)
        return os.path.relpath(dest, os.path.dirname(self.out))

    def link_for(self, name, archive=None):
        """A links[] entry for library name (static archive copied in)."""
        if name in modules.SYSTEM_LIBS:
            return {"name": name, "system": True}
        if name not in self.copied_libs:
            src = archive and os.path.join(self.bdir, archive)
            if not src:
                src = os.path.realpath(os.path.join(self.static_dir, f"lib{name}.a"))
            if not os.path.exists(src):
                return {"name": name, "system": True}  # no static archive: shared
            dest = os.path.join(self.out, "lib", f"lib{name}.a")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(src, dest)
            self.copied_libs[name] = os.path.relpath(dest, os.path.dirname(self.out))
        return {"name": name, "path_static": self.copied_libs[name]}


def licenses_of(links):
    """SPDX identifiers of the libraries in links."""
    out = []
    for link in links:
        lic = (modules.STATIC_LIBS.get(link["name"], (None, None))[1]
               or modules.BUNDLED_LIBS.get(link["name"]))
        if lic and not link.get("system") and lic not in out:
            out.append(lic)
    return out


def collect(bdir, out_build, static_lib_dir):
    """Fills out_build (python/build) and returns build_info."""
    mods = parse_setup(bdir)
    module_ldflags(bdir, mods)
    v = make_vars(bdir, ["LIBRARY_OBJS", "LIBS", "SYSLIBS", "PY_CFLAGS", "PY_CORE_CFLAGS"])
    ext_objs = {o for m in mods.values() for o in m.objs}
    core_rel = [o for o in v["LIBRARY_OBJS"] if o not in ext_objs and o != "Modules/config.o"]
    c = Collector(bdir, out_build, static_lib_dir)
    core_links, seen = [], set()
    for tok in v["LIBS"] + v["SYSLIBS"]:
        if tok.startswith("-l") and tok[2:] not in seen:
            seen.add(tok[2:])
            core_links.append(c.link_for(tok[2:]))
    template = os.path.join(out_build, "inittab", "config.c.in")
    os.makedirs(os.path.dirname(template), exist_ok=True)
    with open(os.path.join(bdir, "Modules", "config.c")) as f:  # its first line names srcdir
        text = f.read().replace(os.path.realpath(os.path.join(bdir, _srcdir(bdir))),
                                "/pyembed/src")
    with open(os.path.join(out_build, "inittab", "config.c"), "w") as f:
        f.write(text)
    src_template = _config_template(bdir)
    shutil.copyfile(src_template, template)
    info = {
        "core": {
            "objs": [c.copy_obj(o, "core") for o in core_rel],
            "links": core_links,
            "inittab_object": c.copy_obj("Modules/config.o", "core"),
            "inittab_source": "build/inittab/config.c",
            "inittab_cflags": list(dict.fromkeys(
                [f for f in v["PY_CORE_CFLAGS"] if f.startswith(("-D", "-f", "-O"))
                 and not f.startswith("-ffile-prefix-map") and f != "-DPy_BUILD_CORE"]
                + ["-DPy_BUILD_CORE"])),
            "pyembed_inittab_template": "build/inittab/config.c.in",
        },
        "extensions": {},
        "object_file_format": "elf",
    }
    for m in mods.values():
        links = [c.link_for(lib_name(a), a) for a in m.static_archives]
        links += [c.link_for(n) for n in m.libs]
        info["extensions"][m.name] = [{
            "in_core": False,
            "init_fn": "PyInit_" + m.name,
            "licenses": licenses_of(links),
            "links": links,
            "objs": [c.copy_obj(o, os.path.join("extensions", m.name)) for o in m.objs],
            "required": m.required,
            "variant": "default",
        }]
    return info, c.copied_libs


def _srcdir(bdir):
    """The build's source directory, as its Makefile names it."""
    return make_vars(bdir, ["srcdir"])["srcdir"][0]


def _config_template(bdir):
    """Modules/config.c.in of the build's source tree."""
    path = os.path.join(bdir, _srcdir(bdir), "Modules", "config.c.in")
    if not os.path.exists(path):
        raise PackError(f"{path}: missing (needed for the inittab template)")
    return path
