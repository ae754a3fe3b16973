"""Installed distributions the tracer may pack: the --site-packages and
--venv directories, what each distribution provides (top-level import
names, entry points) and name look-ups for --package (a distribution or
an import name; dist-info, egg-info directories and single-file egg-info).

The unit of automatic packing is a top-level import name ("unit"): once
the trace reaches any module of one, every module of it is packed and
traced (plugins, dialects and vendored code loaded by name stay
importable), with the metadata of each distribution that provides it."""
import configparser
import os
import subprocess

from .errors import PackError
from .scan import DIST_PREFIX, normalize

# Sub-packages of a unit that are packed only when the trace reaches them
# (test suites import test runners and fixtures no app needs).
TEST_PARTS = ("test", "tests", "testing", "_testing", "conftest")


def is_test_module(name):
    """True for a module inside a test package of its distribution."""
    return any(part in TEST_PARTS for part in name.split(".")[1:])


class Distribution:
    """One installed distribution: its metadata resource and what it gives."""

    def __init__(self, module, tops, entry_points, name, version):
        self.module = module              # scan.Module of kind distinfo
        self.tops = tops                  # top-level import names
        self.entry_points = entry_points  # {group: [module names]}
        self.name = name                  # project name as written
        self.version = version

    def __repr__(self):
        return f"<Distribution {self.name} {self.version}>"


def metadata_name_version(dist):
    """(Name, Version) from a dist-info's METADATA / egg-info's PKG-INFO."""
    path = dist.data.get("METADATA") or dist.data.get("PKG-INFO")
    name = version = None
    if path:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                if key == "Name":
                    name = value.strip()
                elif key == "Version":
                    version = value.strip()
    base = dist.name[len(DIST_PREFIX):].rsplit(".", 1)[0].split("-")
    return name or base[0], version or (base[1] if len(base) > 1 else "")


def entry_point_modules(dist):
    """{group: [module]} of a distribution's entry_points.txt."""
    path = dist.data.get("entry_points.txt")
    if not path:
        return {}
    cp = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    cp.optionxform = str
    try:
        cp.read(path, encoding="utf-8")
    except configparser.Error:
        return {}
    return {group: sorted({v.split(":")[0].split("[")[0].strip() for v in cp[group].values()})
            for group in cp.sections()}


def venv_site_packages(venv, target):
    """The site-packages directories a virtual environment gives python
    (`read_virtualenv`): its own, then, with include-system-site-packages,
    the target interpreter's."""
    cfg = os.path.join(venv, "pyvenv.cfg")
    if not os.path.isfile(cfg):
        raise PackError(f"--venv {venv}: no pyvenv.cfg (not a virtual environment)")
    own = os.path.join(venv, "lib", f"python{target.version_string}", "site-packages")
    if not os.path.isdir(own):
        raise PackError(f"--venv {venv}: no {own} (made for another Python?)")
    system = False
    with open(cfg, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "include-system-site-packages":
                system = value.strip().lower() == "true"
    return [own] + (system_site_packages(target) if system else [])


def system_site_packages(target):
    """The target interpreter's own site-packages directories."""
    r = subprocess.run([target.executable, "-I", "-c",
                        "import site; print('\\n'.join(site.getsitepackages()))"],
                       capture_output=True, text=True)
    return [d for d in r.stdout.splitlines() if os.path.isdir(d)] if r.returncode == 0 else []


class SitePackages:
    """The modules and distributions of site directories, the first
    directory winning for a name (as on sys.path)."""

    def __init__(self, scanner, roots):
        self.roots = list(roots)
        self.modules = {}   # name -> scan.Module (origin "site")
        self.dists = []     # Distribution, in directory order
        self.by_top = {}    # top-level name -> [Distribution]
        for root in self.roots:
            earlier = {n.split(".")[0] for n in self.modules}
            for name, m in scanner.root(root, "site").items():
                if name.startswith(DIST_PREFIX):
                    self._add_dist(scanner, m)
                elif name.split(".")[0] not in earlier:
                    self.modules[name] = m

    def _add_dist(self, scanner, m):
        """Records distribution metadata m (a first directory's wins)."""
        name, version = metadata_name_version(m)
        if any(normalize(d.name) == normalize(name) for d in self.dists):
            return
        tops = scanner.dist_top_levels(m) or [normalize(name).replace("-", "_")]
        dist = Distribution(m, tops, entry_point_modules(m), name, version)
        self.dists.append(dist)
        for top in tops:
            self.by_top.setdefault(top, []).append(dist)

    def unit_modules(self, top):
        """The modules of unit top, test packages left out."""
        return [n for n in self.modules
                if (n == top or n.startswith(top + ".")) and not is_test_module(n)]

    def find(self, name):
        """The Distribution called name, else the first providing import
        name `name`; None if neither."""
        for dist in self.dists:
            if normalize(dist.name) == normalize(name):
                return dist
        return (self.by_top.get(name) or [None])[0]

    def providers(self, group):
        """Distributions declaring entry points in group."""
        return [d for d in self.dists if group in d.entry_points]
