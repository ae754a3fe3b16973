# Seed: "Starlark configuration in depth" (resource filtering).
# Added: the interpreter config, the executable with the app of this
# directory (app/: filterapp, a stand-in package named matplotlib, tests),
# its return and the target lines.
def make_exe():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    
    # Exclude test modules to reduce size
    policy.exclude_test_packages()
    
    # Set where resources go
    policy.resources_location = "in-memory"
    policy.resources_location_fallback = "filesystem-relative:lib"
    
    # Custom filter function
    def resource_filter(policy, resource):
        # Exclude specific packages
        if resource.name.startswith("tests."):
            resource.add_include = False
        if resource.name == "matplotlib":
            resource.add_location = "filesystem-relative:lib"
        return True
    
    policy.register_resource_callback(resource_filter)

    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_module = "filterapp"                                 # added
    exe = dist.to_python_executable(name="filterapp", packaging_policy=policy,
                                    config=python_config)                 # added
    exe.add_python_resources(exe.read_package_root(
        "app", ["filterapp", "matplotlib", "tests"]))                      # added
    return exe                                                             # added

register_target("exe", make_exe)                                         # added
resolve_targets()                                                        # added
