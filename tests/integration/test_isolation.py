"""A packed app imports only from its blob: nothing from the current
directory, the executable's directory, PYTHONPATH or PYTHONHOME."""
import os
import shutil
import subprocess

import harness
from harness import BASE_ENV, PackTestCase, run

FAKE_JSON = "FAKE = True\nraise SystemExit('fake json imported from ' + __file__)\n"
SIDECAR = "raise SystemExit('sidecar imported from ' + __file__)\n"
# sys.path is the executable's virtual entry only (served from the blob)
ISOLATED = "json real [1]\nsidecar not importable\npath ['{exe}']\nflags 1 1 1\n"


class IsolationTest(PackTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = cls.build_app("isolation", "--run-module", "isolation")

    def plant(self, directory):
        os.makedirs(directory, exist_ok=True)
        for name, text in (("json.py", FAKE_JSON), ("planted_sidecar.py", SIDECAR)):
            with open(os.path.join(directory, name), "w") as f:
                f.write(text)
        return directory

    def check(self, exe, cwd, env=None):
        r = run([exe], cwd=cwd, env=env, stdin=subprocess.DEVNULL)
        self.assertExited(r, 0)
        self.assertEqual(r.stdout, ISOLATED.format(exe=os.path.realpath(exe)))
        self.assertEqual(r.stderr, "")

    def test_current_directory_not_searched(self):
        self.check(self.exe, cwd=self.plant(os.path.join(self.tmp, "cwd")))

    def test_pythonpath_and_pythonhome_ignored(self):
        fake = self.plant(os.path.join(self.tmp, "fake"))
        os.makedirs(os.path.join(fake, "lib", "python3.11"))
        self.plant(os.path.join(fake, "lib", "python3.11"))
        env = dict(BASE_ENV, PYTHONPATH=fake, PYTHONHOME=fake, PYTHONSTARTUP=fake + "/json.py",
                   PYTHONVERBOSE="1", PYTHONINSPECT="1", PYTHONWARNINGS="error",
                   PYTHONSAFEPATH="", PYTHONUSERBASE=fake)
        self.check(self.exe, cwd=self.tmp, env=env)

    def test_executable_directory_not_searched(self):
        home = self.plant(os.path.join(self.tmp, "bin"))
        exe = shutil.copy(self.exe, home)
        self.check(exe, cwd=home)
        self.check(exe, cwd=self.tmp)

    def test_reference_python_agrees(self):
        # python3.11 -I, run from the planted directory, ignores it as well
        # (only sys.path differs, as python has its stdlib on it).
        cwd = self.plant(os.path.join(self.tmp, "cwd"))
        r = harness.reference("isolation", cwd=cwd)
        self.assertExited(r, 0)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[:2], ISOLATED.format(exe=self.exe).splitlines()[:2])
        self.assertEqual(lines[3], "flags 1 1 1")


if __name__ == "__main__":
    harness.main()
