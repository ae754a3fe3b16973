# Two executables from one file: "app" (the default) and "tool", which
# may use another Python (VARS["second_dist"]: a distribution directory).
load("../lib/common.bzl", "command_exe")

def make_app():
    return command_exe(default_python_distribution(), "app")

def make_tool():
    second = VARS.get("second_dist")
    dist = PythonDistribution(local_path = second) if second else default_python_distribution()
    return command_exe(dist, "tool")

register_target("app", make_app, default = True)
register_target("tool", make_tool)
resolve_targets()
