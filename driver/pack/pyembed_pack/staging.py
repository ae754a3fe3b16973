"""Modules a config file gives as source text (make_python_module_source):
written to a temporary root that is packed like a module path."""
import contextlib
import os
import tempfile


def write_module(root, name, source, is_package):
    """Writes module name's source below root (a package as __init__.py)."""
    parts = name.split(".")
    rel = os.path.join(*parts, "__init__.py") if is_package else \
        os.path.join(*parts[:-1], parts[-1] + ".py")
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)


@contextlib.contextmanager
def modules(spec):
    """Yields () without spec.extra_modules, else a temporary directory
    holding them (removed afterwards)."""
    if not spec.extra_modules:
        yield ()
        return
    with tempfile.TemporaryDirectory(prefix="pyembed-src-") as root:
        for name, source, is_package in spec.extra_modules:
            write_module(root, name, source, is_package)
        yield (root,)
