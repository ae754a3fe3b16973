# Seed: "Python distribution mechanics" (selecting a distribution).
# Changed: url/sha256 come from VARS (a local server run by the test).
# Added: the run_command, the return and the target lines.
# pyoxidizer.bzl — selecting a distribution
def make_exe():
    # Default: latest CPython for current platform
    dist = default_python_distribution()
    
    # Or specify exactly
    dist = PythonDistribution(
        url=VARS["dist_url"],
        sha256=VARS["dist_sha256"],
    )

    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_command = "import sys; print('distribution', sys.version_info[:2])"  # added
    return dist.to_python_executable(name="myapp", config=python_config)   # added

register_target("exe", make_exe)                                         # added
resolve_targets()                                                        # added
