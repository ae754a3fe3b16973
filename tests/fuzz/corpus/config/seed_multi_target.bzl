# Seed: "Starlark configuration in depth" (multi-target builds).
# Changed: the seed's `...` (the other arguments) is `**app(dist)`, a
# helper added below; url/sha256 come from VARS (the test's local server
# serves a macOS distribution archive there).
def app(dist):                                                           # added
    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_command = "import sys; print('multi', sys.argv[1:])"  # added
    return {"config": python_config}                                      # added

def make_exe_linux():
    dist = default_python_distribution()
    exe = dist.to_python_executable(name="myapp-linux", **app(dist))
    return exe

def make_exe_macos():
    dist = PythonDistribution(url=VARS["macos_url"], sha256=VARS["macos_sha256"])
    exe = dist.to_python_executable(name="myapp-macos", **app(dist))
    return exe

register_target("linux", make_exe_linux)
register_target("macos", make_exe_macos)
resolve_targets()
