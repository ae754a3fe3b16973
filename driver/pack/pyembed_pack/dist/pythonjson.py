"""PYTHON.json: the machine-readable description of a distribution in the
python-build-standalone layout. We write format 8 and read formats 7 and 8
(the fields that moved between them are normalised by Distribution)."""
import json
import os

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


class Distribution:
    """A distribution directory (the one holding PYTHON.json), read-only."""

    def __init__(self, root, doc):
        self.root, self.doc = root, doc
        try:
            self.format = int(doc["version"])
        except (KeyError, ValueError):
            raise PackError(f"{root}/PYTHON.json: no format version") from None
        if self.format not in READ_VERSIONS:
            raise PackError(f"{root}/PYTHON.json: format version {self.format} is not "
                            f"supported (this tool reads {', '.join(map(str, READ_VERSIONS))})")
        info = doc.get("build_info") or {}
        core = info.get("core") or {}
        self.build_info = info
        self.python_version = doc["python_version"]
        self.minor = doc.get("python_major_minor_version") or ".".join(
            self.python_version.split(".")[:2])
        self.triple = doc.get("target_triple", "")
        self.build_options = doc.get("build_options") or doc.get("optimizations") or ""
        self.link_mode = doc.get("libpython_link_mode") or doc.get("link_mode") or "static"
        self.object_format = info.get("object_file_format") or doc.get("object_file_format") or "elf"
        self.extension_loading = (doc.get("python_extension_module_loading")
                                  or doc.get("extension_module_loading") or [])
        self.crt_features = doc.get("crt_features", [])
        self.magic = doc.get("python_bytecode_magic_number")
        self.suffixes = doc.get("python_suffixes", {})
        self.paths = doc.get("python_paths", {})
        self.licenses = doc.get("licenses", [])
        self.extensions = info.get("extensions", {})
        self.inittab_object = core.get("inittab_object") or doc.get("inittab_object")
        self.inittab_source = core.get("inittab_source") or doc.get("inittab_source")
        self.inittab_cflags = core.get("inittab_cflags") or doc.get("inittab_cflags") or []
        self.inittab_template = core.get("pyembed_inittab_template")
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
    except (OSError, ValueError) as e:
        raise PackError(f"{root}/PYTHON.json: {e}") from None
    if not isinstance(doc, dict):
        raise PackError(f"{root}/PYTHON.json: not a JSON object")
    return Distribution(root, doc)
