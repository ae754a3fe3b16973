"""Bytecode and import lists of the modules of one build.

The target compiles (target.compile_module: canonical marshal bytes plus
the module's import statements); results are cached on disk under
$XDG_CACHE_HOME/pyembed/bytecode-c3sum-<magic>/ by a hash of magic, optimize
level, path and source, and remembered per module for the build. Each
entry starts with the SHA-256 of the rest: a damaged entry (a crash while
writing, a disk error, someone's edit) is noticed, warned about once and
rebuilt, never packed."""
import hashlib
import json
import os
import sys

from .errors import syntax_error
from .fsutil import atomic_write, read

# c2: canonical marshal; import lists carry at_load; c3: and a kind
# (import, dynamic, file: in_target.code_imports_of); c3sum: entries
# checksummed
CACHE_FORMAT = "bytecode-c3sum-"
_warned = []


def cache_dir(target, cache_root):
    """The cache directory for target's bytecode, None without a cache root."""
    return cache_root and os.path.join(cache_root, CACHE_FORMAT + target.magic.hex())


def store(path, data):
    """Writes a cache entry; a cache that cannot be written is not fatal."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write(path, hashlib.sha256(data).digest() + data, 0o600)
    except OSError:
        pass


def load(path):
    """The data of the cache entry at path; None when there is none or it
    is damaged (then a warning, once per build, and the caller rebuilds)."""
    try:
        entry = read(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        return damaged(path, e.strerror)
    if len(entry) < 32 or hashlib.sha256(entry[32:]).digest() != entry[:32]:
        return damaged(path, "checksum mismatch")
    return entry[32:]


def damaged(path, why):
    if not _warned:
        _warned.append(path)
        print(f"pyembed-pack: warning: {path}: damaged cache entry ({why}): rebuilt",
              file=sys.stderr)
    return None


class ModuleCompiler:
    """Compiles modules for target at one optimize level, through the cache
    (cache_dir None: no cache). Each module's source is read and hashed
    once, and each answer is given once per build."""

    def __init__(self, target, optimize, cache_dir):
        self.target = target
        self.optimize = optimize
        self.cache_dir = cache_dir
        self.hits, self.misses = set(), set()  # cache keys, each counted once
        self.keys = {}      # module name -> (rel, key, cache path or None)
        self.code = {}      # module name -> bytecode
        self.imported = {}  # module name -> import list
        self.fresh = {}     # module name -> import list of a compile not yet asked for
        self.uncompilable = {}  # module name -> SyntaxError text (packed as source)

    @property
    def cached_count(self):
        """Modules whose bytecode came from the cache."""
        return len(self.hits - self.misses)

    @property
    def new_count(self):
        """Modules compiled by this build."""
        return len(self.misses)

    def _key(self, m):
        """(path below the root, cache key, cache file or None) of m."""
        if m.name not in self.keys:
            rel = m.name.replace(".", "/") + ("/__init__.py" if m.kind == "package" else ".py")
            key = hashlib.sha256(self.target.magic + bytes([self.optimize]) + rel.encode()
                                 + b"\0" + m.source()).hexdigest()
            self.keys[m.name] = (rel, key, self.cache_dir and
                                 os.path.join(self.cache_dir, key[:2], key))
        return self.keys[m.name]

    def bytecode(self, m):
        """m's canonical marshalled code; None for a stdlib or installed
        module that does not compile (noted in self.uncompilable; it is
        packed as source). PackError for an app module's syntax error."""
        if m.name not in self.code:
            self.code[m.name] = self._bytecode(m, *self._key(m))
        return self.code[m.name]

    def _bytecode(self, m, rel, key, cached):
        """Reads m's bytecode from the cache, else compiles and stores it."""
        data = cached and load(cached)
        if data is not None:
            self.hits.add(key)
            return data
        self.misses.add(key)
        try:
            data, imports = self.target.compile_module(m.source(), rel, self.optimize)
        except SyntaxError as e:
            e.filename = m.path
            if m.origin == "app":
                raise syntax_error(e) from None
            self.uncompilable[m.name] = str(syntax_error(e))
            self.fresh[m.name] = []
            return None
        self.fresh[m.name] = imports
        if cached:
            store(cached, data)
        return data

    def imports(self, m):
        """Imports of module m ([name, level, fromlist, at_load, kind])."""
        if m.name not in self.imported:
            self.imported[m.name] = self._imports(m, self._key(m)[2])
        return self.imported[m.name]

    def _imports(self, m, cached):
        """m's import list from the cache, else from its bytecode."""
        entry = cached and load(cached + ".imports")
        if entry is not None:
            try:
                return json.loads(entry)
            except ValueError:
                damaged(cached + ".imports", "not JSON")
        data = self.bytecode(m)  # a compile leaves the import list in self.fresh
        found = self.fresh.pop(m.name, None)
        if data is None:
            return found or []
        if found is None:
            found = self.target.code_imports(data)
        if cached:
            store(cached + ".imports", json.dumps(found).encode())
        return found


class Compilers:
    """The ModuleCompilers of one build, one per optimisation level (the
    first given, the others made on first use with the same cache)."""

    def __init__(self, first):
        self.first = first
        self.by_level = {first.optimize: first}

    def __getitem__(self, level):
        if level not in self.by_level:
            self.by_level[level] = ModuleCompiler(self.first.target, level,
                                                  self.first.cache_dir)
        return self.by_level[level]

    @property
    def cached_count(self):
        return sum(c.cached_count for c in self.by_level.values())

    @property
    def new_count(self):
        return sum(c.new_count for c in self.by_level.values())
