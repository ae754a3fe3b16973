"""Offline pip: --pip-install / --requirements into a staging directory
whose contents are packed like a module path."""
import contextlib
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


def install(python, pip_args, staging):
    """Runs python's pip (offline, no bytecode) with pip_args into staging."""
    cmd = [python, "-m", "pip", "install", "--target", staging] + PIP_OPTIONS + list(pip_args)
    if subprocess.run(cmd).returncode != 0:
        raise PackError("pip install failed: " + " ".join(cmd[3:]))


@contextlib.contextmanager
def staged(spec, target):
    """Yields the extra module roots pip made: () without pip arguments,
    else one temporary directory (removed afterwards) that the target's
    python installed spec.pip_args into."""
    if spec.pip_args is None:
        yield ()
        return
    with tempfile.TemporaryDirectory(prefix="pyembed-pip-") as staging:
        install(pip_python(target)[0], spec.pip_args, staging)
        yield (staging,)
