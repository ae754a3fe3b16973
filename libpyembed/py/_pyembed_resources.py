"""importlib.resources for packed packages (compiled into libpyembed).

The C importer's get_resource_reader() returns a PackedReader; its files()
is a Traversable over the package's DATA_FILE fields (keys are relative
'/' paths) and its sub-packages, read straight from the blob.
"""
import io
from importlib.resources.abc import Traversable, TraversableResources


class PackedReader(TraversableResources):
    """Resource reader of one packed package."""

    def __init__(self, loader, package):
        self._loader = loader
        self._package = package

    def files(self):
        return PackedPath(self._loader, self._package, "")


def _normalise(parts):
    """'/'-joined path of parts without '', '.' and with '..' applied."""
    out = []
    for part in "/".join(parts).split("/"):
        if part == "..":
            if out:
                out.pop()
        elif part not in ("", "."):
            out.append(part)
    return "/".join(out)


class PackedPath(Traversable):
    """A file or directory inside a packed package's data."""

    def __init__(self, loader, package, rel):
        self._loader = loader
        self._package = package
        self._rel = rel

    def _keys(self):
        return self._loader._data_keys(self._package)

    def _subpackages(self):
        return self._loader._subpackages(self._package)

    def iterdir(self):
        prefix = self._rel + "/" if self._rel else ""
        seen = []
        for key in self._keys():
            if key.startswith(prefix):
                head = key[len(prefix):].split("/", 1)[0]
                if head not in seen:
                    seen.append(head)
                    yield PackedPath(self._loader, self._package, prefix + head)
        if not self._rel:
            for sub in self._subpackages():
                if sub not in seen:
                    yield PackedPath(self._loader, self._package + "." + sub, "")

    def is_file(self):
        return bool(self._rel) and self._rel in self._keys()

    def is_dir(self):
        if not self._rel:
            return True
        return any(k.startswith(self._rel + "/") for k in self._keys())

    def joinpath(self, *descendants):
        rel = _normalise([self._rel, *map(str, descendants)])
        head = rel.split("/", 1)[0]
        if head and head in self._subpackages() and not self._rel:
            sub = PackedPath(self._loader, self._package + "." + head, "")
            return sub.joinpath(*rel.split("/")[1:]) if "/" in rel else sub
        return PackedPath(self._loader, self._package, rel)

    def __truediv__(self, child):
        return self.joinpath(child)

    def open(self, mode="r", *args, **kwargs):
        data = io.BytesIO(self.read_bytes())
        if "b" in mode:
            return data
        return io.TextIOWrapper(data, *args, **kwargs)

    def read_bytes(self):
        if not self.is_file():
            raise FileNotFoundError(f"{self!r}: no such packed resource")
        return self._loader._data(self._package, self._rel)

    def read_text(self, encoding=None):
        with self.open(encoding=encoding) as f:
            return f.read()

    @property
    def name(self):
        return self._rel.rsplit("/", 1)[-1] if self._rel else self._package.rsplit(".", 1)[-1]

    def __repr__(self):
        return f"<PackedPath {self._package}:{self._rel or '.'}>"
