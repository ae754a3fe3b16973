"""Code that runs inside the target interpreter.

Everything here depends on the CPython that runs it: the facts describe()
reports, compile(), marshal's layout (canonical_marshal), dis's opcode scan
for imports, and the .pyc header with its keyed source hash. TargetPython
(target.py) reaches these functions only through its runner: for the host
target that is this module, called in-process. For a target that is another
CPython (a distribution's interpreter) the same functions have to run in
that interpreter, e.g. as a worker it runs over stdin/stdout — so this
module imports nothing but the standard library, canonical_marshal and
staticcode, and takes and returns plain data (bytes, str, int, lists, a JSON-able dict).
"""
import _imp
import dis
import importlib.machinery
import importlib.util
import marshal
import sys

from .canonical_marshal import canonical

CO_NEWLOCALS = 0x2  # code flag of a function body (not module or class)

# Functions whose first argument, when a constant string, names a module
# the code imports (or looks for) by name: importlib.import_module,
# __import__, importlib.util.find_spec, pkgutil's get_loader / find_loader
# / resolve_name / get_data, importlib.resources.files and test.support's
# import_fresh_module.
BY_NAME = frozenset({"import_module", "__import__", "find_spec", "find_loader", "get_loader",
                     "resolve_name", "get_data", "files", "import_fresh_module"})
LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "LOAD_ATTR", "LOAD_METHOD", "LOAD_FAST",
                   "LOAD_DEREF"})


def describe():
    """This interpreter's facts, as JSON-able data (TargetPython.from_facts)."""
    return {
        "version": list(sys.version_info[:3]),
        "magic": importlib.util.MAGIC_NUMBER.hex(),
        # frozen into libpython (os, io, codecs, runpy, …): traced for their
        # imports, but never packed: the runtime takes them from libpython
        "frozen": sorted(_imp._frozen_module_names()),
        "builtins": sorted(sys.builtin_module_names),
        "ext_suffixes": list(importlib.machinery.EXTENSION_SUFFIXES),
        "cache_tag": sys.implementation.cache_tag,
    }


def by_name_imports(co):
    """(name, level) of the constant module names co passes to BY_NAME
    functions ("pkg.mod:attr" of resolve_name counts as pkg.mod, a leading
    '.' as a relative name)."""
    found = []
    last = None
    for ins in dis.get_instructions(co):
        if ins.opname == "LOAD_CONST" and last in BY_NAME and isinstance(ins.argval, str):
            name = ins.argval.split(":", 1)[0]
            level = len(name) - len(name.lstrip("."))
            name = name[level:]
            if all(p.isidentifier() for p in name.split(".")) and (name or level):
                found.append((name, level))
        if ins.opname in LOADS:
            last = ins.argval if isinstance(ins.argval, str) else None
        elif ins.opname not in ("PUSH_NULL", "CACHE", "EXTENDED_ARG", "PRECALL"):
            last = None
    return found


def code_imports_of(code):
    """[name, level, fromlist, at_load, kind] for every import in code,
    nested functions and classes included: kind "import" for import
    statements (modulefinder's opcode scan), "dynamic" for constant names
    given to importlib.import_module & co (BY_NAME), and one ["__file__",
    0, [], at_load, "file"] when the code reads __file__; at_load is true
    when it runs at import time (module or class body, not in a function)."""
    found = []
    stack = [(code, 1)]
    while stack:
        co, at_load = stack.pop()
        found.extend([name, level, list(fromlist or ()), at_load, "import"]
                     for name, level, fromlist in dis._find_imports(co))
        found.extend([name, level, [], at_load, "dynamic"] for name, level in by_name_imports(co))
        if "__file__" in co.co_names:
            found.append(["__file__", 0, [], at_load, "file"])
        for c in co.co_consts:
            if hasattr(c, "co_code"):
                stack.append((c, at_load and not c.co_flags & CO_NEWLOCALS))
    return found


def compile_module(source, rel, optimize):
    """(canonical marshal bytes, import list) of module source bytes, with
    rel (the module's path below its root) as co_filename. SyntaxError
    propagates. Canonical: independent of this process's state, so builds
    are reproducible whatever the cache held."""
    try:
        code = compile(source, rel, "exec", dont_inherit=True, optimize=optimize)
    except ValueError as e:  # NUL bytes before 3.12 (a SyntaxError since)
        raise SyntaxError(str(e), (rel, 1, 1, None)) from None
    return canonical(marshal.dumps(code)), code_imports_of(code)


def code_imports(bytecode):
    """The import list of marshalled module code (as compile_module gives)."""
    return code_imports_of(marshal.loads(bytecode))


def source_imports(source, filename):
    """The import list of source (str), compiled as filename; for --run-code."""
    return code_imports_of(compile(source, filename, "exec", dont_inherit=True))


def hash_pyc(source, bytecode):
    """An unchecked hash-based .pyc (PEP 552) of bytecode compiled from
    source: the interpreter uses it as it is, whatever the file times."""
    flags = 0b01  # hash-based, not checked against the source
    return (importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little")
            + importlib.util.source_hash(source) + bytecode)


def static_code_c(modules, optimize):
    """C source with modules' code objects [(name, marshalled code)] as
    static data (staticcode.py, for --freeze)."""
    from . import staticcode
    return staticcode.static_code_c([tuple(m) for m in modules], optimize)
