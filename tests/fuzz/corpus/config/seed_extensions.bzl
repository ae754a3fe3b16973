# Seed: "Oxidized importer deep dive" (configure extension module handling).
# Added: the function around it, the run_command, the executable and the
# target lines.
def make_exe():
    dist = default_python_distribution()                                  # added
    # Configure extension module handling
    policy = dist.make_python_packaging_policy()
    policy.extension_module_filter = "minimal"  # Only essential extensions
    policy.resources_location = "in-memory"     # Prefer in-memory loading
    policy.resources_location_fallback = "filesystem-relative"  # Fallback

    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_command = "import sys; print('minimal', sorted(sys.builtin_module_names)[:2])"  # added
    return dist.to_python_executable(name="myapp", packaging_policy=policy,
                                     config=python_config)                # added

register_target("exe", make_exe)                                         # added
resolve_targets()                                                        # added
