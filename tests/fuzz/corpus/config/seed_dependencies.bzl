# Seed: "Starlark configuration in depth" (dependency management).
# Changed: the PyPI install names the local wheelhouse the test builds
# (fixture-pkg instead of flask and gunicorn; pip runs offline).
# Added: the target lines.
def make_exe():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    
    python_config = dist.make_python_interpreter_config()
    python_config.run_module = "myapp"
    python_config.allocator_backend = "rust"  # Use Rust allocator
    python_config.oxidized_importer = True    # Enable oxidized importer
    
    exe = dist.to_python_executable(
        name="myapp",
        packaging_policy=policy,
        config=python_config,
    )
    
    # Install from PyPI
    exe.add_python_resources(exe.pip_install(["--find-links", VARS["wheelhouse"], "fixture-pkg==1.2.3"]))
    
    # Install from local path
    exe.add_python_resources(exe.pip_install(["-e", "."]))
    
    # Install from requirements file
    exe.add_python_resources(exe.pip_install(["-r", "requirements.txt"]))
    
    # Add individual files
    exe.add_python_resources(exe.read_package_root(
        path="src",
        packages=["myapp"],
    ))
    
    return exe

register_target("exe", make_exe)                                         # added
resolve_targets()                                                        # added
