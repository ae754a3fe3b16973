# examples/ci/pyembed.bzl — the app CI builds (see README.md here):
#   pyembed-pack build        -> build/<triple>/release/install/myapp
def make_exe():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    policy.exclude_test_packages()
    policy.resources_location_fallback = "filesystem-relative:lib"

    python_config = dist.make_python_interpreter_config()
    python_config.run_module = "myapp"

    exe = dist.to_python_executable(
        name = "myapp",
        packaging_policy = policy,
        config = python_config,
    )
    exe.strip = True
    exe.add_python_resources(exe.read_package_root(CWD, ["myapp"]))
    # Dependencies, offline from a wheelhouse CI fills (pip download ...):
    # exe.add_python_resources(exe.pip_install(["--find-links", "wheels", "-r", "requirements.txt"]))
    return exe

def make_install(exe):
    files = FileManifest()
    files.add_python_resource(".", exe)
    return files

register_target("exe", make_exe)
register_target("install", make_install, depends = ["exe"], default = True)
resolve_targets()
