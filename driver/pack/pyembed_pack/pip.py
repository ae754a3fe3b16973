"""Offline pip: --pip-install / --requirements into a staging directory
whose contents are packed like a module path."""
import contextlib
import subprocess
import tempfile

from .errors import PackError

PIP_OPTIONS = ["--no-index", "--no-build-isolation", "--no-compile",
               "--disable-pip-version-check", "--no-warn-script-location",
               "--root-user-action=ignore", "--quiet"]


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
        install(target.executable, spec.pip_args, staging)
        yield (staging,)
