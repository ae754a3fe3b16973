# Seed: "Build optimization" (reducing binary size), its two snippets in
# document order. Added: the function around them, the dist, policy and
# config they use (with a run_command), the return and the target lines.
# As in PyOxidizer, to_python_executable() takes the policy as it is when
# it is called: the three policy lines after it do not change this
# executable (the "small" target below has them first).
def make_exe():
    dist = default_python_distribution()                                  # added
    policy = dist.make_python_packaging_policy()                          # added
    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_command = "import sys; print('size', 'json' in sys.modules)"  # added

    # Strip debug symbols (pyoxidizer.bzl)
    exe = dist.to_python_executable(
        name="myapp",
        packaging_policy=policy,
        config=python_config,
    )

    # Exclude unused standard library modules
    policy.include_classified_resources = False
    policy.include_distribution_sources = False
    policy.include_distribution_resources = False
    return exe                                                             # added

def make_small():                                                        # added
    dist = default_python_distribution()                                  # added
    policy = dist.make_python_packaging_policy()                          # added
    # Exclude unused standard library modules
    policy.include_classified_resources = False
    policy.include_distribution_sources = False
    policy.include_distribution_resources = False
    python_config = dist.make_python_interpreter_config()                  # added
    python_config.run_command = "import sys; print('size', 'json' in sys.modules)"  # added
    return dist.to_python_executable(name="myapp-small", packaging_policy=policy,
                                     config=python_config)                # added

register_target("exe", make_exe)                                         # added
register_target("small", make_small)                                     # added
resolve_targets()                                                        # added
