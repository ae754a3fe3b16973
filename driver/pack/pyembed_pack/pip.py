"""Offline pip: --pip-install / --requirements into a staging directory
whose contents are packed like a module path."""
import contextlib
import os
import subprocess
import sys
import tempfile

import _pyembed_pack as P

from .errors import PackError

PIP_OPTIONS = ["--no-index", "--no-build-isolation", "--no-compile",
               "--disable-pip-version-check", "--no-warn-script-location",
               "--root-user-action=ignore", "--quiet"]


def has_pip(python):
    """True when interpreter python can run pip."""
    r = subprocess.run([python, "-c", "import pip"], capture_output=True)
    return r.returncode == 0


def pip_python(target):
    """The interpreter that runs pip for target: its own when it has pip
    (the host's Python does), else the host's, whose pip installs the
    offline, pure-Python packages a distribution without pip is given;
    environment markers are then evaluated for the host's version."""
    if has_pip(target.executable):
        return target.executable, []
    if target.executable != P.PYTHON and has_pip(P.PYTHON):
        print(f"pyembed-pack: {target.executable} has no pip; installing with "
              f"{P.PYTHON}'s pip (pure-Python packages only)", file=sys.stderr)
        return P.PYTHON, []
    raise PackError(f"--pip-install: neither {target.executable} nor {P.PYTHON} has pip")


EDITABLE = ("-e", "--editable")


def without_editable(args, log):
    """args with `-e PATH` as plain `PATH`: an editable install into
    --target leaves only a link to the source tree, which a packed
    executable cannot follow."""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        path = None
        if a in EDITABLE and i + 1 < len(args):
            path, i = args[i + 1], i + 2
        elif a.startswith("--editable="):
            path, i = a.split("=", 1)[1], i + 1
        elif a.startswith("-e") and not a.startswith("--") and len(a) > 2:
            path, i = a[2:], i + 1
        else:
            out.append(a)
            i += 1
            continue
        log(f"note: pip: -e {path} would install only a link to the source tree, which a "
            f"packed executable cannot follow; installing {path} itself")
        out.append(path)
    return out


def install(python, pip_args, staging, env=(), cwd=None, log=lambda msg: None):
    """Runs python's pip (offline, no bytecode) with pip_args into staging
    (env: extra environment variables; cwd: its working directory)."""
    cmd = [python, "-m", "pip", "install", "--target", staging] + PIP_OPTIONS + \
        without_editable(list(pip_args), log)
    environ = dict(os.environ, **dict(env)) if env else None
    try:
        status = subprocess.run(cmd, env=environ, cwd=cwd).returncode
    except OSError as e:
        raise PackError(f"pip install: cannot run {python} in {cwd}: {e.strerror}") from None
    if status != 0:
        raise PackError("pip install failed: " + " ".join(cmd[3:]))


@contextlib.contextmanager
def staged(spec, target, log=lambda msg: None):
    """Yields the extra module roots pip made: () without pip arguments,
    else one temporary directory (removed afterwards) that the target's
    python installed spec.pip_args into."""
    if spec.pip_args is None:
        yield ()
        return
    with tempfile.TemporaryDirectory(prefix="pyembed-pip-") as staging:
        install(pip_python(target)[0], spec.pip_args, staging, spec.pip_env, spec.pip_cwd, log)
        yield (staging,)
