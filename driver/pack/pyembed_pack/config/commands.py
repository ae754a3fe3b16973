"""The config-file commands (docs/config.md):

  pyembed-pack build [TARGET...] [--config FILE] [--var NAME VALUE] [--var-env NAME ENV]
  pyembed-pack run [TARGET] [-- ARGS]
  pyembed-pack list-targets
  pyembed-pack init-config-file DIR [--run-module M]

Without --config, pyembed.bzl in the current directory is used (or
pyoxidizer.bzl, with a note). A target's output goes to
BUILD_PATH/<triple>/release/<target>/. Exit status 1 when the file has an
error (printed as FILE:LINE:COL: MESSAGE) or any requested target failed.
"""
import argparse
import json
import os
import sys

from .. import build
from ..errors import PackError
from ..fsutil import atomic_write
from . import template, to_spec
from .api import HOST_TRIPLE, Context
from .executable import EmbeddedResources, Executable
from .files import FileManifest
from .errors import EvalError, Pos, StarlarkError
from .starlark import Evaluation
from .targets import TargetFailed

CONFIG_NAMES = ("pyembed.bzl", "pyoxidizer.bzl")


def add_config_options(p):
    """Options of every config command."""
    p.add_argument("--config", metavar="FILE", help="the config file (default: "
                   "./pyembed.bzl, else ./pyoxidizer.bzl)")
    p.add_argument("--var", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="VARS[NAME] = VALUE in the config")
    p.add_argument("--var-env", nargs=2, action="append", default=[], metavar=("NAME", "ENV"),
                   help="VARS[NAME] = the value of environment variable ENV (None if unset)")
    p.add_argument("-q", "--quiet", action="store_true")


def add_build_options(p):
    """Options of the commands that build (build, run)."""
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--no-cache", action="store_true", help="do not use the bytecode cache")
    dist = p.add_mutually_exclusive_group()
    dist.add_argument("--distribution", metavar="ARCHIVE|DIR|URL",
                      help="what default_python_distribution() returns (instead of the "
                           "system Python)")
    dist.add_argument("--python", metavar="X.Y",
                      help="default_python_distribution() is the stored CPython X.Y")
    p.add_argument("--sha256", metavar="HEX", help="SHA-256 of the --distribution archive")
    p.add_argument("--stdlib-dir")
    p.add_argument("--dynload-dir")
    p.add_argument("--release", action="store_true",
                   help="accepted for PyOxidizer's command line (builds are always release)")


def parser(cmd):
    """The argparse parser of config command cmd."""
    p = argparse.ArgumentParser(prog=f"pyembed-pack {cmd}")
    if cmd == "build":
        p.add_argument("targets", nargs="*", metavar="TARGET",
                       help="targets to build (default: the config's default target)")
        add_config_options(p)
        add_build_options(p)
        p.add_argument("--print-spec", action="store_true",
                       help="print each executable's build spec as JSON; build nothing")
    elif cmd == "run":
        p.add_argument("target", nargs="?", metavar="TARGET")
        p.add_argument("args", nargs="*", metavar="ARGS", help="after --: the executable's")
        add_config_options(p)
        add_build_options(p)
    elif cmd == "list-targets":
        add_config_options(p)
    else:
        p.add_argument("dir", metavar="DIR")
        p.add_argument("--run-module", metavar="M", help="the module the executable runs")
        p.add_argument("--name", metavar="NAME", help="the executable's name (default: "
                       "DIR's name)")
    return p


def find_config(given, quiet):
    """(path, path as messages show it) of the config file."""
    if given:
        if not os.path.isfile(given):
            raise PackError(f"--config {given}: no such file")
        return given, given
    for name in CONFIG_NAMES:
        if os.path.isfile(name):
            if name == "pyoxidizer.bzl" and not quiet:
                print("pyembed-pack: note: no pyembed.bzl here; using pyoxidizer.bzl",
                      file=sys.stderr)
            return name, name
    raise PackError(f"no pyembed.bzl in {os.getcwd()} (give --config FILE; "
                    "`pyembed-pack init-config-file DIR` writes a starter; "
                    "`pyembed-pack build -o OUT ...` builds from flags alone)")


def variables(ns):
    out = {}
    for name, value in ns.var:
        out[name] = value
    for name, env in ns.var_env:
        out[name] = os.environ.get(env)
    return out


def default_distribution(ns):
    """(kind, given, sha256, python) replacing the host Python as
    default_python_distribution()'s answer, or None."""
    if getattr(ns, "sha256", None) and not ns.distribution:
        raise PackError("--sha256 goes with --distribution ARCHIVE|URL")
    if getattr(ns, "distribution", None):
        return ("given", ns.distribution, ns.sha256 and ns.sha256.lower(), None)
    if getattr(ns, "python", None):
        return ("stored", None, None, ns.python)
    return None


def evaluate(ns):
    """(Context, the file's first-line Pos) after running the config's top
    level and checking its targets."""
    path, display = find_config(ns.config, ns.quiet)
    ctx = Context(path, variables(ns), default_distribution(ns), ns.quiet)
    Evaluation(ctx.predeclared()).exec_file(path, display)
    ctx.targets.check()
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline()
    return ctx, ctx.targets.resolve_targets_at or Pos(display, 1, 1, first)


class Builder:
    """Builds what target values describe (see the module doc)."""

    def __init__(self, ctx, ns, print_spec=False):
        self.ctx, self.print_spec = ctx, print_spec
        self.opts = to_spec.Options(ns.quiet, ns.verbose, ns.no_cache, ns.stdlib_dir,
                                    ns.dynload_dir)
        ctx.install_manifest = self.install

    def target_dir(self, name):
        return os.path.join(self.ctx.build_path, HOST_TRIPLE, "release", name)

    def build(self, name, value):
        """Builds target name's value; returns the executable to run, if any."""
        out = self.target_dir(name)
        if isinstance(value, Executable):
            return self.build_exe(name, value, "build", os.path.join(out, value.name))
        if isinstance(value, EmbeddedResources):
            self.build_exe(name, value.exe, "blob", os.path.join(out, "packed-resources"))
            return None
        if isinstance(value, FileManifest):
            return self.install(value, out, True, name)
        from .values import type_name
        what = "it returned None" if value is None else f"a {type_name(value)}"
        self.ctx.note(f"target '{name}' has nothing to build ({what})")
        return None

    def build_exe(self, name, exe, command, out):
        """Builds exe into out (or prints its spec); returns out."""
        to_spec.check_buildable(exe)
        spec = to_spec.executable_spec(exe, command, out, self.opts)
        if self.print_spec:
            print(json.dumps({"target": name, "output": out, "spec": json.loads(spec.as_json())},
                             indent=1, sort_keys=True))
            return out
        target = build.target_for(spec)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        build.run(spec, target)
        if not self.opts.quiet:
            print(f"pyembed-pack: target '{name}': {os.path.relpath(out)}", file=sys.stderr)
        return out

    def install(self, manifest, dest, replace, name=None):
        """Installs manifest's executables and files below dest; returns
        the last executable's path."""
        last = None
        for rel, content in sorted(manifest.files.items()):
            path = os.path.join(dest, rel)
            if not replace and os.path.exists(path):
                raise EvalError(f"FileManifest.install: {path} exists (replace = False)")
            if not self.print_spec:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                atomic_write(path, content.data, 0o755 if content.a_executable else 0o644)
        for prefix, exe in manifest.exes:
            last = self.build_exe(name or exe.name, exe, "build",
                                  os.path.join(dest, prefix, exe.name))
        return last


def build_targets(ctx, where, names, builder):
    """Resolves and builds names (or the default); returns (exit status,
    the executable the last target made)."""
    status, last = 0, None
    for name in ctx.targets.requested(names, where):
        try:
            value = ctx.targets.resolve_reporting(name)
        except TargetFailed as f:
            if f.name != name:
                print(f"pyembed-pack: target '{name}' not built: it depends on '{f.name}', "
                      "which failed", file=sys.stderr)
            status = 1
            continue
        try:
            last = builder.build(name, value)
        except (PackError, OSError) as e:
            ctx.targets.report(name, e)
            status = 1
    return status, last


def do_build(ns):
    ctx, where = evaluate(ns)
    return build_targets(ctx, where, ns.targets, Builder(ctx, ns, ns.print_spec))[0]


def do_run(ns):
    """Builds the target, then replaces this process with its executable."""
    ctx, where = evaluate(ns)
    status, exe = build_targets(ctx, where, [ns.target] if ns.target else [], Builder(ctx, ns))
    if status:
        return status
    if exe is None:
        name = ns.target or ctx.targets.default
        raise PackError(f"target '{name}' has no executable to run")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, [exe] + list(ns.args))


def do_list(ns):
    ctx, _ = evaluate(ns)
    for name, t in ctx.targets.targets.items():
        extra = (["default"] if name == ctx.targets.default else []) + \
            ([f"depends on {', '.join(t.depends)}"] if t.depends else [])
        print(name + (f"  ({'; '.join(extra)})" if extra else ""))
    return 0


def do_init(ns):
    """Writes a starter DIR/pyembed.bzl (never over an existing one)."""
    path = os.path.join(ns.dir, "pyembed.bzl")
    if os.path.exists(path):
        raise PackError(f"{path} exists; not overwriting it")
    name = ns.name or os.path.basename(os.path.abspath(ns.dir)) or "app"
    if ns.run_module and not all(p.isidentifier() for p in ns.run_module.split(".")):
        raise PackError(f"--run-module {ns.run_module}: not a dotted module name")
    os.makedirs(ns.dir, exist_ok=True)
    atomic_write(path, template.starter(name, ns.run_module).encode(), 0o644)
    print(f"pyembed-pack: wrote {path}; build with: cd {ns.dir} && pyembed-pack build",
          file=sys.stderr)
    return 0


def split_run_args(argv):
    """argv of `run` split at the first --: (pyembed-pack's, the program's)."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def main(argv):
    """`pyembed-pack CMD ARGS` for CMD build (no -o), run, list-targets,
    init-config-file; returns the exit status."""
    cmd, rest = argv[0], argv[1:]
    prog_args = []
    if cmd == "run":
        rest, prog_args = split_run_args(rest)
    ns = parser(cmd).parse_args(rest)
    if cmd == "run":
        ns.args = list(ns.args) + prog_args
    try:
        return {"build": do_build, "run": do_run, "list-targets": do_list,
                "init-config-file": do_init}[cmd](ns)
    except StarlarkError as e:
        print(e, file=sys.stderr)
    except (PackError, OSError) as e:
        print(f"pyembed-pack: {e}", file=sys.stderr)
    return 1
