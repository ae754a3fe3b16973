"""`pyembed-pack dist build`: a portable, static CPython in the
python-build-standalone layout, from source.

  python/PYTHON.json   format 8 (pythonjson.py)
  python/build/        core and per-extension objects, static libraries,
                       the inittab template (collect.py)
  python/install/      a runnable, relocatable installation
  python/licenses/     CPython's licence and those of the linked libraries

The result is cached by a key over the source's hash, the recipe and the
toolchain, so building the same inputs again is instant; the archive is
added to the local distribution store where `build --python X.Y` finds it.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

from . import build, collect, modules, native, pythonjson, source, store
from ..errors import PackError

RECIPE_VERSION = "pyembed-dist-2"
TRIPLE = "x86_64-unknown-linux-gnu"
# Parts of the installed stdlib an embedded app cannot use: they need
# tkinter (not built), or bundled wheels (not shipped).
PRUNE = ("idlelib", "tkinter", "turtledemo", "turtle.py", "ensurepip")


def toolchain_id():
    """What else changes the output: compiler and static library versions."""
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout
    pkgs = sorted({pkg for pkg, _ in modules.STATIC_LIBS.values()})
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Package}=${Version}\n"] + pkgs,
                       capture_output=True, text=True)
    return (cc.splitlines() or ["?"])[0] + "\n" + r.stdout


def cache_key(src, recipe):
    h = hashlib.sha256()
    parts = [RECIPE_VERSION, src.identity, recipe.key(), toolchain_id(),
             "\n".join(modules.EXTRA_SETUP.get(src.minor, []))]
    if recipe.freeze_boot:  # absent otherwise: the key of a build before the option
        parts.append(" ".join(modules.freeze_boot(src.minor)))
    for part in parts:
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def interpreter_facts(python):
    """PYTHON.json facts printed by the built interpreter itself."""
    r = subprocess.run([python, "-I", "-c", pythonjson.FACTS_SCRIPT], capture_output=True,
                       text=True, env={"LC_ALL": "C.UTF-8"})
    if r.returncode != 0:
        raise PackError(f"the built interpreter does not run: {r.stderr.strip()[-500:]}")
    return json.loads(r.stdout)


def prune_install(install, minor):
    stdlib = os.path.join(install, "lib", "python" + minor)
    for name in PRUNE:
        path = os.path.join(stdlib, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)
    for d in os.listdir(stdlib):  # libpythonX.Y.a: its objects are in build/
        if d.startswith("config-"):
            lib = os.path.join(stdlib, d, f"libpython{minor}.a")
            if os.path.exists(lib):
                os.unlink(lib)
    for exe in os.listdir(os.path.join(install, "bin")):
        if exe.startswith("idle"):
            os.unlink(os.path.join(install, "bin", exe))


def copy_licenses(src, out, libs):
    """CPython's licence texts and the Debian copyright file of every
    package whose static library is linked in. Returns {lib: spdx}."""
    lic = os.path.join(out, "licenses")
    os.makedirs(lic)
    shutil.copyfile(os.path.join(src.tree, "LICENSE"), os.path.join(lic, "LICENSE.cpython.txt"))
    notices = os.path.join(src.tree, "Doc", "license.rst")
    if os.path.exists(notices):
        shutil.copyfile(notices, os.path.join(lic, "LICENSE.cpython-third-party.rst"))
    found = {}
    for name in sorted(libs):
        pkg, spdx = modules.STATIC_LIBS.get(name, (None, modules.BUNDLED_LIBS.get(name)))
        found[name] = spdx or "unknown"
        if pkg:
            copyright_file = f"/usr/share/doc/{pkg}/copyright"
            if os.path.exists(copyright_file):
                shutil.copyfile(copyright_file, os.path.join(lic, f"{pkg}.copyright.txt"))
    return found


def crt_features(exe, elf):
    floor = elf.glibc_floor(exe)
    return ["glibc-dynamic"] + ([f"glibc-max-symbol-version:{floor}"] if floor else [])


def assemble(src, recipe, bdir, stage, tree, elf):
    """Lays out tree/python from the build and staged install."""
    out = os.path.join(tree, "python")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(out)
    os.rename(os.path.join(stage, "install"), os.path.join(out, "install"))
    prune_install(os.path.join(out, "install"), src.minor)
    info, libs = collect.collect(bdir, os.path.join(out, "build"),
                                 os.path.join(os.path.dirname(bdir), "static-libs"))
    lib_licenses = copy_licenses(src, out, libs)
    exe = os.path.join(out, "install", "bin", "python" + src.minor)
    facts = interpreter_facts(exe)
    left_out = modules.disabled(recipe.include_copyleft)
    doc = pythonjson.write_doc(facts, info, recipe, TRIPLE, crt_features(exe, elf),
                               src.origin, left_out, lib_licenses)
    with open(os.path.join(out, "PYTHON.json"), "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")
    return out, doc


def archive_name(src, recipe):
    return f"cpython-{src.version}-{TRIPLE}-{recipe.build_options()}-full.tar.zst"


def dist_build(minor, source_arg, output, recipe, cache_root, jobs, no_cache, log, tty, elf,
               debian_version=None):
    """Builds (or finds in the cache) the distribution; returns (archive
    path in the store, sha256)."""
    src = source.obtain(minor, source_arg, os.path.join(cache_root, "dist-src"),
                        native.extract, log, debian_version, native.fetch)
    key = cache_key(src, recipe)
    work = os.path.join(cache_root, "dist-build", key[:32])
    done = os.path.join(work, "done.json")
    st = store.Store(os.path.join(cache_root, "distributions"), log)
    if not no_cache and os.path.exists(done):
        with open(done) as f:
            rec = json.load(f)
        entry = st.valid(rec["sha256"]) and st.entry_dir(rec["sha256"])
        if entry:
            log(f"dist build: CPython {src.version} is cached (key {key[:12]})")
            return _publish(entry, rec, output, log)
    os.makedirs(work, exist_ok=True)
    progress = build.Progress(log, tty)
    bdir, stage = build.build(src, recipe, work, progress, jobs)
    tree = os.path.join(work, "tree")
    out, doc = progress.run(4, 5, "collect objects", lambda: assemble(src, recipe, bdir, stage,
                                                                      tree, elf))
    archive = os.path.join(work, archive_name(src, recipe))
    progress.run(5, 5, "archive", lambda: native.create(archive, out, "python", src.epoch))
    digest = store.sha256_file(archive)
    entry = st.add_file(archive, digest, f"dist build of {src.origin}", move=True)
    rec = {"sha256": digest, "name": archive_name(src, recipe), "key": key,
           "python_version": src.version}
    with open(done, "w") as f:
        json.dump(rec, f)
    for d in (tree, bdir, stage):  # the archive has it all; logs stay
        shutil.rmtree(d, ignore_errors=True)
    return _publish(entry, rec, output, log)


def _publish(entry, rec, output, log):
    """Copies the stored archive to output (if asked) and reports it."""
    with open(os.path.join(entry, store.ENTRY)) as f:
        archive = os.path.join(entry, json.load(f)["archive"])
    if output:
        os.makedirs(os.path.dirname(os.path.abspath(output)) or ".", exist_ok=True)
        shutil.copyfile(archive, output + ".tmp")
        os.replace(output + ".tmp", output)
        archive = output
    log(f"dist build: {rec['name']}")
    print(f"{rec['sha256']}  {archive}")
    return archive, rec["sha256"]
