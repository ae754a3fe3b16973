# Seed: "Custom memory allocator".
# Added: the function around it, the run_command, the executable and the
# target lines.
def make_exe():
    dist = default_python_distribution()                                  # added
    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_command = "print('allocator ok')"                   # added

    # pyoxidizer.bzl
    python_config.allocator_backend = "rust"      # jemalloc-like Rust allocator
    python_config.allocator_raw = True            # Bypass Python's pymalloc
    python_config.allocator_debug = False         # No debug overhead

    return dist.to_python_executable(name="myapp", config=python_config)  # added

register_target("exe", make_exe)                                         # added
resolve_targets()                                                        # added
