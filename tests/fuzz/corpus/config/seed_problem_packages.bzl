# Seed: "Handling problematic packages" (its three snippets in one file).
# Changed: "my-package" is the test wheelhouse's fixture-pkg.
# Added: the function around them, the config, the executable with this
# directory's app (src/probapp.py), its return and the target lines.
def make_exe():
    dist = default_python_distribution()                                  # added
    policy = dist.make_python_packaging_policy()                          # added

    # Fix: configure filesystem-relative placement for that package
    policy.resources_location_fallback = "filesystem-relative:lib"

    # Some extensions can't be loaded from memory
    # Place them on the filesystem
    def resource_filter(policy, resource):
        if resource.name in ("numpy", "pandas", "scipy"):
            resource.add_location = "filesystem-relative:lib"
        return True

    policy.register_resource_callback(resource_filter)                    # added
    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_module = "probapp"                                   # added
    exe = dist.to_python_executable(name="probapp", packaging_policy=policy,
                                    config=python_config)                 # added
    exe.add_python_resources(exe.read_package_root("src", ["probapp"]))    # added

    # These need special handling — ensure metadata files are included
    exe.add_python_resources(exe.pip_install(
        ["--find-links", VARS["wheelhouse"], "--no-binary", ":none:", "fixture-pkg"],
    ))
    return exe                                                             # added

register_target("exe", make_exe)                                         # added
resolve_targets()                                                        # added
