"""importlib.metadata for packed distributions (compiled into libpyembed).

pyembed-pack stores each distribution's dist-info directory as a resource
"@dist/<name>-<version>.dist-info" whose DISTINFO_FILE fields are its
files. The C importer's find_distributions() calls find() here.
"""
import importlib.metadata as md
import io
import posixpath


class PackedFile:
    """locate_file() result: a file under the executable's virtual root,
    readable through the packed importer's get_data()."""

    def __init__(self, loader, path):
        self._loader = loader
        self._path = path

    def joinpath(self, *other):
        return PackedFile(self._loader, posixpath.join(self._path, *other))

    __truediv__ = joinpath

    @property
    def parent(self):
        return PackedFile(self._loader, posixpath.dirname(self._path))

    def read_bytes(self):
        return self._loader.get_data(self._path)

    def read_text(self, encoding="utf-8"):
        return self.read_bytes().decode(encoding)

    def open(self, mode="r", encoding=None, *args, **kwargs):
        data = io.BytesIO(self.read_bytes())
        if "b" in mode:
            return data
        return io.TextIOWrapper(data, encoding or "utf-8", *args, **kwargs)

    def exists(self):
        try:
            self.read_bytes()
            return True
        except OSError:
            return False

    def __fspath__(self):
        return self._path

    def __str__(self):
        return self._path

    def __repr__(self):
        return f"<PackedFile {self._path}>"


class PackedDistribution(md.Distribution):
    """A distribution whose dist-info lives in the blob."""

    def __init__(self, loader, resource):
        self._loader = loader
        self._resource = resource

    def read_text(self, filename):
        data = self._loader._distinfo_file(self._resource, filename)
        return None if data is None else data.decode("utf-8")

    read_text.__doc__ = md.Distribution.read_text.__doc__

    def locate_file(self, path):
        return PackedFile(self._loader, posixpath.join(self._loader.prefix, str(path)))

    @property
    def _normalized_name(self):
        return md.Prepared.normalize(self.name)


def _dir_name(resource):
    """'PyYAML' of '@dist/PyYAML-6.0.dist-info'."""
    return resource.rsplit("/", 1)[-1].rsplit(".", 1)[0].split("-", 1)[0]


def find(loader, context):
    """Distributions matching context.name (all when None)."""
    prepared = md.Prepared(getattr(context, "name", None))
    for resource in loader._distinfo_resources():
        name = _dir_name(resource)
        if not prepared or md.Prepared.normalize(name) in (
                prepared.normalized, prepared.legacy_normalized) or \
                name.lower().replace("-", "_") == prepared.legacy_normalized:
            yield PackedDistribution(loader, resource)
