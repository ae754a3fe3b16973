"""What pkg_resources needs to see packed modules (compiled into
libpyembed). The C importer calls pkg_resources() here right after it has
executed pkg_resources (posthook.c): packed distributions are in the
working set (the executable's path is sys.path[0]), entry points load,
and resource_*() reads packed package data.
"""
import posixpath


class _Tree:
    """Files and directories below the executable's virtual root, from
    the packed importer: package directories, their sub-packages and data
    files (DATA_FILE keys are '/'-paths relative to the package)."""

    def __init__(self, loader):
        self.loader = loader
        self.prefix = loader.prefix

    def _split(self, path):
        """(package, rest) of the deepest packed package containing the
        virtual path, or (None, None)."""
        path = posixpath.normpath(path)
        if path == self.prefix:
            return "", ""
        if not path.startswith(self.prefix + "/"):
            return None, None
        parts = path[len(self.prefix) + 1:].split("/")
        for cut in range(len(parts), 0, -1):
            name = ".".join(parts[:cut])
            if all(p.isidentifier() for p in parts[:cut]) and self._is_package(name):
                return name, "/".join(parts[cut:])
        return "", "/".join(parts)

    def _is_package(self, name):
        try:
            return bool(self.loader.is_package(name))
        except ImportError:
            return False

    def listdir(self, path):
        """Names in the virtual directory path, or None if it is not one."""
        package, rest = self._split(path)
        if package is None:
            return None
        names = []
        if package and not rest:
            names += [n.rsplit(".", 1)[-1] for n in self.loader._subpackages(package)]
        keys = self.loader._data_keys(package) if package else []
        head = rest + "/" if rest else ""
        for key in keys:
            if key.startswith(head):
                first = key[len(head):].split("/", 1)[0]
                if first not in names:
                    names.append(first)
        if not names and rest:
            return None
        return sorted(names)

    def is_file(self, path):
        try:
            self.loader.get_data(path)
            return True
        except OSError:
            return False


def pkg_resources(module, loader):
    """Registers the packed importer with pkg_resources (a provider for
    packed modules, a distribution finder and a namespace handler for its
    path entries) and adds the packed distributions to the working set
    already built from sys.path."""
    pr = module
    tree = _Tree(loader)
    entry_type = type(loader.path_hook(loader.prefix))

    class PackedProvider(pr.NullProvider):
        """resource_*() of a packed module's package data."""

        def _has(self, path):
            return tree.is_file(path) or tree.listdir(path) is not None

        def _isdir(self, path):
            return not tree.is_file(path) and tree.listdir(path) is not None

        def _listdir(self, path):
            names = tree.listdir(path)
            if names is None:
                raise NotADirectoryError(path)
            return names

        def get_resource_filename(self, manager, resource_name):
            return _extract(manager, self, resource_name)

    class PackedMetadata(pr.EmptyProvider):
        """IMetadataProvider of one packed '@dist/NAME' resource."""

        def __init__(self, resource):
            self.resource = resource

        def _file(self, name):
            return loader._distinfo_file(self.resource, name)

        def has_metadata(self, name):
            return self._file(name) is not None

        def get_metadata(self, name):
            data = self._file(name)
            if data is None:
                raise FileNotFoundError(f"{self.resource}: no metadata {name!r}")
            return data.decode("utf-8")

        def get_metadata_lines(self, name):
            return pr.yield_lines(self.get_metadata(name))

    def find_packed(importer, path_item, only=False):
        if getattr(importer, "path", None) != loader.prefix:
            return
        for resource in loader._distinfo_resources():
            basename = resource.rsplit("/", 1)[-1]
            yield pr.Distribution.from_location(path_item, basename, PackedMetadata(resource))

    pr.register_loader_type(type(loader), PackedProvider)
    pr.register_finder(entry_type, find_packed)
    pr.register_namespace_handler(entry_type, pr.file_ns_handler)
    ws = getattr(pr, "working_set", None)
    if ws is not None and loader.prefix in ws.entries:
        for dist in find_packed(loader.path_hook(loader.prefix), loader.prefix):
            ws.add(dist, loader.prefix, False)


_extracted = {}


def _extract(manager, provider, resource_name):
    """A real file holding a packed resource (resource_filename() must
    return one), written once per process under a private temporary
    directory that is removed at exit."""
    path = provider._fn(provider.module_path, resource_name)
    if path in _extracted:
        return _extracted[path]
    import atexit
    import os
    import shutil
    import tempfile
    if "root" not in _extracted:
        _extracted["root"] = tempfile.mkdtemp(prefix="pyembed-res-")
        atexit.register(shutil.rmtree, _extracted["root"], True)
    dest = os.path.join(_extracted["root"], path.lstrip("/"))
    if provider._isdir(path):
        os.makedirs(dest, exist_ok=True)
        for name in provider._listdir(path):
            _extract(manager, provider, posixpath.join(resource_name, name))
    else:
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(provider._get(path))
    _extracted[path] = dest
    return dest
