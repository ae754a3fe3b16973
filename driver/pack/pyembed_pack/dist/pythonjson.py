"""PYTHON.json: the machine-readable description of a distribution in the
python-build-standalone layout. We write format 8 and read formats 7 and 8
(the fields that moved between them are normalised by Distribution)."""
import json
import os
import re

from ..errors import PackError

WRITE_VERSION = 8
READ_VERSIONS = (7, 8)

# Printed by the distribution's own interpreter: facts PYTHON.json records
# (and the pack tool needs) that only that interpreter knows.
FACTS_SCRIPT = r"""
import _imp, importlib.machinery as M, importlib.util, json, sys, sysconfig
print(json.dumps({
    "version": "%d.%d.%d" % sys.version_info[:3],
    "version_info": [str(x) for x in sys.implementation.version],
    "hexversion": sys.implementation.hexversion,
    "cache_tag": sys.implementation.cache_tag,
    "name": sys.implementation.name,
    "magic": importlib.util.MAGIC_NUMBER.hex(),
    "suffixes": {"source": M.SOURCE_SUFFIXES, "bytecode": M.BYTECODE_SUFFIXES,
                 "debug_bytecode": M.DEBUG_BYTECODE_SUFFIXES,
                 "optimized_bytecode": M.OPTIMIZED_BYTECODE_SUFFIXES,
                 "extension": M.EXTENSION_SUFFIXES},
    "prefix": sys.prefix,
    "paths": sysconfig.get_paths(),
    "paths_abstract": sysconfig.get_paths(expand=False),
    "platform": sysconfig.get_platform(),
    "abiflags": sys.abiflags,
    "builtin": sorted(sys.builtin_module_names),
    "frozen": sorted(_imp._frozen_module_names()),
    "config_vars": {k: str(v) for k, v in sorted(sysconfig.get_config_vars().items())},
}, sort_keys=True))
"""


def to_relative(value, prefixes):
    """An absolute path under one of prefixes (the install prefix as built,
    or where the staged interpreter found itself) as install/<rest>."""
    for prefix in prefixes:
        if value == prefix or value.startswith(prefix.rstrip("/") + "/"):
            return "install" + value[len(prefix.rstrip("/")):]
    return None


def relative_paths(paths, prefixes):
    """sysconfig paths made relative to the distribution root (python/)."""
    out = {}
    for key, value in sorted(paths.items()):
        rel = to_relative(value, prefixes)
        if rel:
            out[key] = rel
    return out


def write_doc(facts, info, recipe, triple, crt, origin, left_out, licenses):
    """The PYTHON.json document (a dict) for a distribution we built."""
    major, minor = facts["version"].split(".")[:2]
    tag = f"cp{major}{minor}"
    prefixes = (facts["prefix"], "/install")
    stdlib = relative_paths(facts["paths"], prefixes)
    return {
        "version": str(WRITE_VERSION),
        "target_triple": triple,
        "build_options": recipe.build_options(),
        "optimizations": recipe.build_options(),
        "python_tag": tag,
        "python_abi_tag": tag + facts["abiflags"],
        "python_platform_tag": facts["platform"].replace("-", "_"),
        "python_implementation_cache_tag": facts["cache_tag"],
        "python_implementation_hex_version": facts["hexversion"],
        "python_implementation_name": facts["name"],
        "python_implementation_version": facts["version_info"],
        "python_version": facts["version"],
        "python_major_minor_version": f"{major}.{minor}",
        "python_paths": stdlib,
        "python_paths_abstract": facts["paths_abstract"],
        "python_config_vars": {k: v.replace(facts["prefix"], "/install")
                               for k, v in facts["config_vars"].items()},
        "python_exe": f"install/bin/python{major}.{minor}",
        "python_stdlib_platform_config": to_relative(facts["config_vars"]["LIBPL"], prefixes),
        "python_stdlib_test_packages": [],
        "python_suffixes": facts["suffixes"],
        "python_bytecode_magic_number": facts["magic"],
        "libpython_link_mode": "static",
        "python_symbol_visibility": "global-default",
        "python_extension_module_loading": ["builtin", "shared-library"],
        "crt_features": crt,
        "build_info": info,
        "licenses": ["Python-2.0", "CNRI-Python"],
        "license_path": "licenses/LICENSE.cpython.txt",
        "pyembed": {"source": origin, "recipe": recipe.key(), "left_out": left_out,
                    "library_licenses": licenses},
    }


class Checker:
    """Typed reads of a PYTHON.json document nobody vouches for: each read
    names its key in the PackError when the value has the wrong shape, so
    what Distribution keeps has the types its users rely on."""

    def __init__(self, root):
        self.where = f"{root}/PYTHON.json"

    def fail(self, key, want):
        key = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in key)
        raise PackError(f"{self.where}: {key}: expected {want}")

    def get(self, obj, key, path, kinds, default, want):
        """obj[key] (default when absent or null), which must be of kinds.
        A null becomes the default in obj too: the document's users read
        it with obj.get(key, default)."""
        value = obj.get(key)
        if value is None:
            if key in obj:
                obj[key] = default
            return default
        if not isinstance(value, kinds) or (kinds is int and isinstance(value, bool)):
            self.fail(path + key, want)
        return value

    def text(self, obj, key, path="", default=""):
        value = self.get(obj, key, path, str, default, "a string")
        if value is not None:
            self.encodable(value, path + key)
        return value

    def encodable(self, value, key):
        """PackError for a str that cannot be written as UTF-8 (a lone
        surrogate from a \\uDXXX escape) or holds a NUL."""
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(key, "UTF-8 text")
        if "\0" in value:
            self.fail(key, "text without NUL")

    def rel(self, value, key):
        """value, a path relative to the distribution root that stays
        inside it (no absolute path, no '..')."""
        if not isinstance(value, str) or not value:
            self.fail(key, "a relative path")
        self.encodable(value, key)
        if value.startswith("/") or ".." in value.split("/"):
            self.fail(key, f"a relative path inside the distribution, not {value[:80]!r}")
        return value

    def opt_rel(self, obj, key, path=""):
        value = obj.get(key)
        return None if value is None else self.rel(value, path + key)

    def texts(self, obj, key, path=""):
        value = self.get(obj, key, path, list, [], "a list of strings")
        for i, v in enumerate(value):
            if not isinstance(v, str):
                self.fail(f"{path}{key}[{i}]", "a string")
            self.encodable(v, f"{path}{key}[{i}]")
        return value

    def rels(self, obj, key, path=""):
        value = self.get(obj, key, path, list, [], "a list of relative paths")
        return [self.rel(v, f"{path}{key}[{i}]") for i, v in enumerate(value)]

    def obj(self, obj, key, path=""):
        return self.get(obj, key, path, dict, {}, "an object")

    def links(self, obj, key, path):
        """A list of link objects: {"name", "system"} or {"path_static"}."""
        out = self.get(obj, key, path, list, [], "a list of link objects")
        for i, link in enumerate(out):
            where = f"{path}{key}[{i}]."
            if not isinstance(link, dict):
                self.fail(where[:-1], "an object")
            self.opt_rel(link, "path_static", where)
            self.text(link, "name", where)
            if not (link.get("path_static") or link.get("name")) and link.get("system"):
                self.fail(where + "name", "a library name")
        return out

    def extensions(self, info):
        """build_info.extensions: {name: [variant, ...]}; a variant has
        init_fn (a C name), objs and links."""
        exts = self.obj(info, "extensions", "build_info.")
        for name, variants in exts.items():
            where = f"build_info.extensions.{name[:80]}"
            if not all(p.isascii() and p.isidentifier() for p in name.split(".")):
                self.fail(where, "a module name")  # it goes into C source (link.py)
            if not isinstance(variants, list):
                self.fail(where, "a list of variants")
            for i, v in enumerate(variants):
                vw = f"{where}[{i}]."
                if not isinstance(v, dict):
                    self.fail(vw[:-1], "an object")
                fn = self.text(v, "init_fn", vw)
                if not (fn.isascii() and fn.isidentifier()):  # C source too
                    self.fail(vw + "init_fn", "a C function name")
                self.rels(v, "objs", vw)
                self.links(v, "links", vw)
        return exts

    def version(self, doc):
        """The format version, "7" or 7 style."""
        value = doc.get("version")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise PackError(f"{self.where}: no format version")
        try:
            return int(value)
        except ValueError:
            raise PackError(f"{self.where}: no format version") from None


VERSION_RE = re.compile(r"[0-9]+\.[0-9]+(\.[0-9]+[0-9A-Za-z+.]*)?")
MINOR_RE = re.compile(r"[0-9]+\.[0-9]+")


class Distribution:
    """A distribution directory (the one holding PYTHON.json), read-only.
    Every attribute has been type-checked (Checker): a document of another
    shape is a PackError here, never a surprise later."""

    def __init__(self, root, doc):
        self.root, self.doc = root, doc
        c = Checker(root)
        self.format = c.version(doc)
        if self.format not in READ_VERSIONS:
            raise PackError(f"{root}/PYTHON.json: format version {self.format} is not "
                            f"supported (this tool reads {', '.join(map(str, READ_VERSIONS))})")
        info = c.obj(doc, "build_info")
        core = c.obj(info, "core", "build_info.")
        self.build_info = info
        self.python_version = c.text(doc, "python_version")
        if not VERSION_RE.fullmatch(self.python_version):
            c.fail("python_version", "a version such as 3.13.9")
        self.minor = c.text(doc, "python_major_minor_version") or ".".join(
            self.python_version.split(".")[:2])
        if not MINOR_RE.fullmatch(self.minor):
            c.fail("python_major_minor_version", "a version such as 3.13")
        self.triple = c.text(doc, "target_triple")
        self.build_options = c.text(doc, "build_options") or c.text(doc, "optimizations")
        self.link_mode = c.text(doc, "libpython_link_mode") or c.text(doc, "link_mode") \
            or "static"
        self.object_format = c.text(info, "object_file_format", "build_info.") or \
            c.text(doc, "object_file_format") or "elf"
        self.extension_loading = (c.texts(doc, "python_extension_module_loading")
                                  or c.texts(doc, "extension_module_loading"))
        self.crt_features = c.texts(doc, "crt_features")
        self.magic = c.text(doc, "python_bytecode_magic_number", default=None)
        self.suffixes = c.obj(doc, "python_suffixes")
        for key in self.suffixes:
            c.texts(self.suffixes, key, "python_suffixes.")
        self.paths = c.obj(doc, "python_paths")
        for key in self.paths:
            c.rel(self.paths[key], "python_paths." + key)
        c.text(doc, "python_platform_tag")
        c.rel(doc.get("python_exe"), "python_exe")
        self.licenses = c.texts(doc, "licenses")
        self.extensions = c.extensions(info)
        c.rels(core, "objs", "build_info.core.")
        c.links(core, "links", "build_info.core.")
        self.inittab_object = c.opt_rel(core, "inittab_object", "build_info.core.") or \
            c.opt_rel(doc, "inittab_object")
        self.inittab_source = c.opt_rel(core, "inittab_source", "build_info.core.") or \
            c.opt_rel(doc, "inittab_source")
        self.inittab_cflags = c.texts(core, "inittab_cflags", "build_info.core.") or \
            c.texts(doc, "inittab_cflags")
        self.inittab_template = c.opt_rel(core, "pyembed_inittab_template", "build_info.core.")
        self.core = core

    def path(self, rel):
        """Absolute path of a PYTHON.json relative path."""
        return os.path.join(self.root, rel)

    @property
    def python_exe(self):
        return self.path(self.doc["python_exe"])

    @property
    def has_objects(self):
        """False for install_only archives (no build/ objects to link)."""
        return bool(self.core.get("objs")) and os.path.exists(self.path(self.core["objs"][0]))

    def summary(self):
        """A few lines for `dist info`."""
        exts = sorted(self.extensions)
        return [f"python {self.python_version} ({self.triple})",
                f"format {self.format}, build options {self.build_options or '-'}, "
                f"libpython {self.link_mode}, objects {self.object_format}",
                f"crt: {' '.join(self.crt_features) or '-'}",
                f"licenses: {' '.join(self.licenses) or '-'}",
                f"{len(exts)} extension modules: {' '.join(exts)}"]


def find_root(path):
    """The directory holding PYTHON.json for a distribution directory given
    as either python/ itself or its parent."""
    for cand in (path, os.path.join(path, "python")):
        if os.path.isfile(os.path.join(cand, "PYTHON.json")):
            return cand
    for cand in (path, os.path.join(path, "python")):
        if os.path.isdir(os.path.join(cand, "bin")) and os.path.isdir(os.path.join(cand, "lib")):
            raise PackError(f"{path}: an install_only distribution (no PYTHON.json, no object "
                            "files): packing links a driver and needs the 'full' flavour "
                            "(python-build-standalone's cpython-…-full.tar.zst, or one made "
                            "by `pyembed-pack dist build`)")
    raise PackError(f"{path}: no PYTHON.json (not a python-build-standalone distribution)")


def read(path):
    """Distribution at directory path."""
    root = find_root(path)
    try:
        with open(os.path.join(root, "PYTHON.json"), encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:  # UnicodeDecodeError is a ValueError
        raise PackError(f"{root}/PYTHON.json: {e}") from None
    except RecursionError:
        raise PackError(f"{root}/PYTHON.json: nested too deeply") from None
    if not isinstance(doc, dict):
        raise PackError(f"{root}/PYTHON.json: not a JSON object")
    return Distribution(root, doc)
