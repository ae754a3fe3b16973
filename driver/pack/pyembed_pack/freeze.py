"""--freeze MODULE...: the named packed modules' code objects compiled into
the driver as static data (staticcode.py writes the C in the target
interpreter; dist/link.py compiles and links it), so importing them
unmarshals nothing. The blob keeps their bytecode too: the runtime uses
it when the optimisation level differs, and loaders' get_code() users
see the same module either way.

Only for a target whose objects staticcode.py can lay out (CPython 3.11:
the system Python or an own-built 3.11 distribution), and only for
modules packed as bytecode in memory."""
import hashlib
import os
import re

from . import staticcode
from .errors import PackError

NAME = re.compile(r"\A[^\W\d]\w*(\.[^\W\d]\w*)*\Z")


def check_names(names):
    """PackError for a --freeze argument that is not a module name."""
    for n in names:
        if not NAME.match(n):
            raise PackError(f"--freeze {n!r}: not a module name")


def check_target(target):
    """PackError unless target's code objects can be made static."""
    why = staticcode.refusal(target.version)
    if why:
        raise PackError(f"--freeze: {why}")


def why_not(m, spec, target, selection):
    """Why packed module m cannot be frozen (None: it can)."""
    from .output import placement
    if m.name in target.frozen and spec.stdlib != "all":
        return "it is frozen into the interpreter already"
    if m.kind == "extension":
        return "it is an extension module (machine code, not bytecode)"
    if m.kind not in ("module", "package") or not m.path:
        return f"it is a {m.kind}, with no code of its own"
    if placement(m, spec, selection.fs_packages) is not None:
        return "it is packed as files beside the executable, not in memory"
    return None


def bytecode(spec, target, selection, comps):
    """[(name, marshalled code)] of spec.freeze at spec.optimize, each
    checked to be a packed bytecode module (PackError naming the first
    that is not)."""
    check_target(target)
    packed = {m.name: m for m in selection.packed()}
    out = []
    for name in spec.freeze:
        m = packed.get(name)
        if m is None:
            raise PackError(f"--freeze {name}: not a module this build packs (see "
                            "--include to add it)")
        why = why_not(m, spec, target, selection)
        if why:
            raise PackError(f"--freeze {name}: {why}")
        code = comps[spec.optimize].bytecode(m)
        if code is None:
            raise PackError(f"--freeze {name}: it does not compile (it is packed as source)")
        out.append((name, code))
    return out


def static_code_file(spec, target, modules):
    """Path of the C file holding modules' code objects (written once per
    content under the cache's static-code directory)."""
    text = target.static_code_c(modules, spec.optimize).encode()
    digest = hashlib.sha256(text).hexdigest()
    from .dist.resolve import cache_base
    d = os.path.join(cache_base(), "static-code")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, digest[:32] + ".c")
    if not os.path.exists(path):
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(text)
        os.replace(tmp, path)
    return path


def driver(spec, target, modules, log):
    """The driver executable with modules' code objects compiled in."""
    path = static_code_file(spec, target, modules)
    jobs = os.cpu_count() or 1
    if target.make_driver:
        return target.make_driver(path)
    from .dist.resolve import host_driver
    return host_driver(path, jobs, log)
