# A fragment loaded by two_targets/pyembed.bzl.
GREETING = "hello from"

def command_exe(dist, name):
    """An executable that prints its name, Python version and arguments."""
    config = dist.make_python_interpreter_config()
    config.run_command = ("import sys; print(%r, %r, '%%d.%%d' %% sys.version_info[:2], " +
                          "sys.argv[1:]); sys.exit(len(sys.argv) - 1)") % (GREETING, name)
    return dist.to_python_executable(name = name, config = config)
