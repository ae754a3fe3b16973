"""The starter pyembed.bzl that `pyembed-pack init-config-file` writes."""

HEAD = '''\
# pyembed.bzl — how `pyembed-pack build` makes {name}. Starlark (a Python
# dialect; docs/config.md lists every name). Build with
#   pyembed-pack build            (the default target, "install")
#   pyembed-pack run -- ARGS      (build it, then run the executable)
# Output: build/<triple>/release/<target>/.

def make_dist():
    # The system Python pyembed-pack was built with. Another version from
    # the local store: default_python_distribution(python_version="3.13");
    # an archive: PythonDistribution(sha256, local_path=...) or url=.
    return default_python_distribution()

def make_exe(dist):
    policy = dist.make_python_packaging_policy()
    # Where resources load from: "in-memory" or "filesystem-relative:lib".
    policy.resources_location = "in-memory"
    policy.resources_location_fallback = "filesystem-relative:lib"
    # policy.exclude_test_packages()
    # policy.extension_module_filter = "no-copyleft"

    # def decide(policy, resource):
    #     if resource.name.startswith("tests."):
    #         resource.add_include = False
    # policy.register_resource_callback(decide)

    python_config = dist.make_python_interpreter_config()
{run}

    exe = dist.to_python_executable(
        name = "{name}",
        packaging_policy = policy,
        config = python_config,
    )
{resources}
    return exe

def make_embedded_resources(exe):
    return exe.to_embedded_resources()

def make_install(exe):
    files = FileManifest()
    files.add_python_resource(".", exe)
    return files

register_target("dist", make_dist)
register_target("exe", make_exe, depends = ["dist"])
register_target("resources", make_embedded_resources, depends = ["exe"])
register_target("install", make_install, depends = ["exe"], default = True)

resolve_targets()
'''

RUN_MODULE = '''\
    python_config.run_module = "{module}"'''
RUN_COMMAND = '''\
    python_config.run_command = "print('hello from pyembed')"'''
RESOURCES = '''\
    # The app's code: packages below this directory (CWD), or pip (offline:
    # local paths and wheels), e.g. exe.pip_install(["-r", "requirements.txt"]).
    exe.add_python_resources(exe.read_package_root(CWD, ["{top}"]))'''
NO_RESOURCES = '''\
    # The app's code, e.g.:
    # exe.add_python_resources(exe.read_package_root(CWD, ["myapp"]))
    # exe.add_python_resources(exe.pip_install(["-r", "requirements.txt"]))'''


def starter(name, run_module=None):
    """The text of a starter config for an executable called name."""
    if run_module:
        run = RUN_MODULE.format(module=run_module)
        resources = RESOURCES.format(top=run_module.split(".")[0])
    else:
        run, resources = RUN_COMMAND, NO_RESOURCES
    return HEAD.format(name=name, run=run, resources=resources)
