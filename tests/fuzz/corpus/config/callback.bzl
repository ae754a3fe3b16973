# A resource callback: package mylib (all of it) goes to
# filesystem-relative:lib, every tests.* module is left out ("tests"
# itself stays: the callback drops only its submodules).
def make_exe():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()

    def place(policy, resource):
        if resource.name.startswith("tests."):
            resource.add_include = False
        if resource.name == "mylib" or resource.name.startswith("mylib."):
            resource.add_location = "filesystem-relative:lib"

    policy.register_resource_callback(place)
    config = dist.make_python_interpreter_config()
    config.run_module = "cbapp"
    exe = dist.to_python_executable(name = "cbapp", packaging_policy = policy, config = config)
    exe.add_python_resources(exe.read_package_root("app", ["cbapp", "mylib", "tests"]))
    return exe

def make_no_tests():
    dist = default_python_distribution()
    policy = dist.make_python_packaging_policy()
    policy.exclude_test_packages()
    config = dist.make_python_interpreter_config()
    config.run_module = "cbapp"
    exe = dist.to_python_executable(name = "cbapp", packaging_policy = policy, config = config)
    exe.add_python_resources(exe.read_package_root("app", ["cbapp", "mylib", "tests"]))
    return exe

register_target("exe", make_exe)
register_target("no_tests", make_no_tests)
resolve_targets()
