"""Building CPython from a source tree: configure, compile, install.

Every step runs in a build directory whose path depends only on the cache
key, logs to logs/<step>.log and reports its progress; a failed step
raises PackError with the last lines of its log and the log's path.
"""
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time

import _pyembed_pack as P

from . import modules
from ..errors import PackError

LOG_TAIL = 15


class Recipe:
    """How to build: the options that change the result (part of the key)."""

    def __init__(self, lto=False, pgo=False, include_copyleft=False, opt="-O2",
                 freeze_boot=False):
        self.lto, self.pgo, self.include_copyleft, self.opt = lto, pgo, include_copyleft, opt
        self.freeze_boot = freeze_boot

    def build_options(self):
        """PYTHON.json build_options: noopt, lto, pgo or pgo+lto."""
        return "+".join(o for o, on in (("pgo", self.pgo), ("lto", self.lto)) if on) or "noopt"

    def key(self):
        return (f"opt={self.opt};lto={int(self.lto)};pgo={int(self.pgo)};"
                f"copyleft={int(self.include_copyleft)}" +
                (";freeze_boot=1" if self.freeze_boot else ""))

    def configure_args(self, prefix):
        args = [f"--prefix={prefix}", "--disable-shared", "--with-system-expat",
                "--without-ensurepip", "--disable-test-modules", "--with-computed-gotos"]
        if self.lto:
            args.append("--with-lto")
        if self.pgo:
            args.append("--enable-optimizations")
        return args


class Progress:
    """One line per step; on a terminal the running step shows its time."""

    def __init__(self, log, tty):
        self.log, self.tty = log, tty

    def run(self, index, total, name, fn):
        label = f"dist build [{index}/{total}] {name}"
        t0 = time.monotonic()
        stop = threading.Event()
        ticker = None
        if self.tty:
            def tick():
                while not stop.wait(1.0):
                    print(f"\rpyembed-pack: {label} ... {time.monotonic() - t0:.0f}s",
                          end="", file=sys.stderr, flush=True)
            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
        else:
            self.log(f"{label} ...")
        try:
            return fn()
        finally:
            stop.set()
            if ticker:
                ticker.join()
                print("\r", end="", file=sys.stderr)
            self.log(f"{label} done ({time.monotonic() - t0:.1f}s)")


def run_logged(argv, cwd, log_path, env=None):
    """Runs argv with output to log_path; PackError with its tail on failure."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "wb") as out:
        out.write(("$ " + " ".join(shlex.quote(a) for a in argv) + "\n").encode())
        out.flush()
        try:
            r = subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
        except OSError as e:
            raise PackError(f"{argv[0]}: {e.strerror}") from None
    if r.returncode != 0:
        with open(log_path, "rb") as f:
            tail = f.read().decode(errors="replace").splitlines()[-LOG_TAIL:]
        raise PackError(f"{os.path.basename(log_path)[:-4]} failed (exit status "
                        f"{r.returncode}); last lines of {log_path}:\n  "
                        + "\n  ".join(tail))


def static_lib_dir(path, multiarch_dirs):
    """A directory of links to the static archives CPython's modules link,
    placed first on the library path so -lssl etc. resolve to libssl.a."""
    os.makedirs(path, exist_ok=True)
    for name in modules.STATIC_LIBS:
        for d in multiarch_dirs:
            src = os.path.join(d, f"lib{name}.a")
            if os.path.exists(src):
                link = os.path.join(path, f"lib{name}.a")
                if os.path.lexists(link):
                    os.unlink(link)
                os.symlink(src, link)
                break
    return path


def library_dirs():
    """The compiler's library search path (multiarch first)."""
    r = subprocess.run(["cc", "-print-search-dirs"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("libraries: ="):
            return [os.path.normpath(p) for p in line.split("=", 1)[1].split(":") if p]
    return ["/usr/lib/x86_64-linux-gnu", "/usr/lib"]


# Where the build tree and the source tree appear to be in everything the
# build records (object files, sysconfig data, Makefile): the real paths
# depend on the cache's location, and the archive must not.
CANON_BUILD = "/pyembed/build"
CANON_SRC = "/pyembed/src"


def build_env(src, recipe, libdir, workdir):
    """The environment configure and make run with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CFLAGS",
                                                                        "LDFLAGS", "CPPFLAGS"))}
    env.update(modules.configure_env(recipe.include_copyleft))
    env.update({
        "MODULE_BUILDTYPE": "static",  # every stdlib extension module built in
        "SOURCE_DATE_EPOCH": str(src.epoch),
        "LDFLAGS": f"-L{libdir}",
        "LIBS": "-ldl -lpthread -lm",  # what the static archives need
        "OPT": f"-DNDEBUG {recipe.opt} -Wall",
        # --lto: fat objects carry machine code beside GCC's IR, so the
        # objects in build/ link like any ELF object at pack time
        "CFLAGS": f"-ffile-prefix-map={src.tree}={CANON_SRC} "
                  f"-ffile-prefix-map={workdir}={CANON_BUILD}"
                  + (" -ffat-lto-objects" if recipe.lto else ""),
        "LC_ALL": "C", "TZ": "UTC",
    })
    return env


def frozen_source(src, minor, workdir, names, env):
    """A copy of the source tree (workdir/src) whose frozen-module list also
    holds names, with CPython's generated files (Makefile.pre.in,
    Python/frozen.c, …) regenerated by its own freeze_modules.py."""
    tree = os.path.join(workdir, "src")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(src.tree, tree, symlinks=True)
    script = next((p for p in (os.path.join(tree, "Tools", "build", "freeze_modules.py"),
                               os.path.join(tree, "Tools", "scripts", "freeze_modules.py"))
                   if os.path.exists(p)), None)
    if not script:
        raise PackError(f"{src.tree}: no Tools/*/freeze_modules.py (CPython {minor}?)")
    with open(script) as f:
        text = f.read()
    anchor = "        'codecs',\n"
    if anchor not in text:
        raise PackError(f"{script}: its FROZEN list has no 'codecs' entry to extend")
    text = text.replace(anchor, anchor + "".join(f"        {n!r},  # pyembed: boot module\n"
                                                 for n in names), 1)
    with open(script, "w") as f:
        f.write(text)
    run_logged([P.PYTHON, script, "--frozen-modules"], tree,
               os.path.join(workdir, "logs", "freeze.log"), env)
    return tree


def build(src, recipe, workdir, progress, jobs):
    """configure + make + make install; returns (build dir, install root).
    The install root holds install/ (prefix /install)."""
    bdir = os.path.join(workdir, "build")
    stage = os.path.join(workdir, "stage")
    logs = os.path.join(workdir, "logs")
    for d in (bdir, stage):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    libdir = static_lib_dir(os.path.join(workdir, "static-libs"), library_dirs())
    env = build_env(src, recipe, libdir, workdir)
    tree = src.tree
    if recipe.freeze_boot:
        tree = frozen_source(src, src.minor, workdir, modules.freeze_boot(src.minor), env)
        env["CFLAGS"] = env["CFLAGS"].replace(src.tree, tree)
    steps = [
        # configure by a relative path: srcdir/VPATH (compiled into getpath.o)
        # are then the same wherever the cache lives
        ("configure", lambda: run_logged([os.path.relpath(os.path.join(tree, "configure"),
                                                          bdir)]
                                         + recipe.configure_args("/install"), bdir,
                                         os.path.join(logs, "configure.log"), env)),
        ("compile", lambda: (static_setup(bdir, src.minor),
                             run_logged(["make", f"-j{jobs}"], bdir,
                                        os.path.join(logs, "compile.log"), env))),
        ("install", lambda: run_logged(["make", "install", f"DESTDIR={stage}"],
                                       bdir, os.path.join(logs, "install.log"), env)),
    ]
    for i, (name, fn) in enumerate(steps, 1):
        progress.run(i, 5, name, fn)
    canonical_paths(os.path.join(stage, "install"), {tree: CANON_SRC, src.tree: CANON_SRC,
                                                     workdir: CANON_BUILD}, env)
    return bdir, stage


def static_setup(bdir, minor):
    """Makes configure's Modules/Setup.stdlib the module list makesetup
    reads. 3.12+ read it already (MODULES_SETUP_STDLIB); 3.11 reads it on
    WASI/Emscripten only and builds the rest with setup.py as shared
    libraries, so there it becomes Modules/Setup.local (what the file's own
    header suggests), and make remakes its Makefile from it."""
    with open(os.path.join(bdir, "Makefile")) as f:
        makefile = f.read()
    call = makefile.partition("$(MAKESETUP) -c")[2].partition("@mv config.c")[0]
    if not call:
        raise PackError(f"{bdir}/Makefile: no makesetup call (not a CPython 3.11+ build?)")
    if "Modules/Setup.stdlib" in call:
        return
    with open(os.path.join(bdir, "Modules", "Setup.stdlib")) as f:
        text = f.read()
    extra = modules.EXTRA_SETUP.get(minor, [])
    with open(os.path.join(bdir, "Modules", "Setup.local"), "w") as f:
        f.write("*static*\n" + "\n".join(extra) + "\n" + text)


def canonical_paths(install, mapping, env):
    """Replaces the real source and build paths in the installed text files
    (sysconfig data, Makefile, pkg-config and python-config files) by their
    canonical names, and recompiles the Python files among them, so equal
    inputs give equal archives wherever the cache lives."""
    old = sorted(mapping, key=len, reverse=True)
    changed = []
    for dirpath, _, files in os.walk(install):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or name.endswith(".pyc") or os.path.getsize(path) > 16 << 20:
                continue
            with open(path, "rb") as f:
                data = f.read()
            if data[:4] == b"\x7fELF" or not any(o.encode() in data for o in old):
                continue
            for o in old:
                data = data.replace(o.encode(), mapping[o].encode())
            with open(path, "wb") as f:
                f.write(data)
            if name.endswith(".py"):
                changed.append(path)
    if not changed:
        return
    python = next(os.path.join(install, "bin", n) for n in sorted(os.listdir(
        os.path.join(install, "bin"))) if n.startswith("python3.") and "-" not in n)
    log = os.path.join(os.path.dirname(os.path.dirname(install)), "logs", "recompile.log")
    by_dir = {}
    for path in changed:
        by_dir.setdefault(os.path.dirname(path), []).append(path)
    for d, paths in sorted(by_dir.items()):
        # -d: the file names compiled in are the installed ones (/install/...),
        # as make install's own compileall run records them
        shown = "/install/" + os.path.relpath(d, install)
        run_logged([python, "-I", "-m", "compileall", "-q", "-f", "-d", shown, "-o", "0",
                    "-o", "1", "-o", "2", "--invalidation-mode", "checked-hash"] + paths,
                   install, log, env)
