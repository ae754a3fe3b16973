/*
 * childcmd.c — python-style invocations of a packed executable.
 *
 * The standard library re-executes sys.executable as if it were python:
 * multiprocessing's spawn and forkserver start methods and its resource
 * tracker run `EXE [flags] -c CODE`, frozen-mode spawn runs
 * `EXE --multiprocessing-fork key=N ...`, and apps run
 * `subprocess.run([sys.executable, "-c", ...])`. With PYEMBED_RUN_BLOB (and
 * config.child_commands, the default) a packed executable therefore treats
 * these argument shapes as python would, in its own packed environment,
 * instead of starting the app. No Python source is built here: -c runs the
 * caller's code as it is, -m names the module, and the multiprocessing
 * child runs the stdlib's own frozen-executable entry point.
 * (Consequence: an app cannot take "-c", "-m" or "--multiprocessing-fork"
 * as its first argument; docs/runtime.md says so.)
 */
#include "pyembed_int.h"

#include <stdlib.h>
#include <string.h>

/* 1 for an interpreter flag as subprocess._args_from_interpreter_flags()
 * writes them; *takes_value when the next argument is its value. */
static int is_python_flag(const char *a, int *takes_value)
{
    static const char *const plain[] = {"-I", "-E", "-s", "-S", "-B", "-b", "-bb", "-d",
                                        "-O", "-OO", "-q", "-u", "-v", "-vv", "-P", "-R"};
    *takes_value = !strcmp(a, "-X") || !strcmp(a, "-W");
    if (*takes_value || !strncmp(a, "-X", 2) || !strncmp(a, "-W", 2))
        return 1;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (!strcmp(a, plain[i]))
            return 1;
    return 0;
}

/* Replaces it's argv by (first, argv[from..argc)). */
static int set_argv(pyembed_interp *it, const char *first, int from)
{
    int n = 1 + (it->cfg.argc - from);
    char **argv = calloc((size_t)n + 1, sizeof *argv);
    if (!argv || !(argv[0] = strdup(first)))
        return free(argv), pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
    for (int i = 1; i < n; i++)
        argv[i] = it->argv[from + i - 1];
    for (int i = 0; i < from; i++)
        free(it->argv[i]);
    free(it->argv);
    it->argv = argv;
    it->cfg.argc = n;
    return PYEMBED_OK;
}

/* `EXE --multiprocessing-fork key=N...`: the stdlib's own entry for
 * frozen executables, which parses those arguments from sys.argv itself
 * (so sys.argv stays as it is: is_forking() checks argv[1]). */
static int mp_fork(pyembed_interp *it)
{
    static const char code[] =
        "from multiprocessing.spawn import freeze_support; freeze_support()";
    free(it->run_code);
    if (!(it->run_code = strdup(code)))
        return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
    it->cfg.run = PYEMBED_RUN_CODE;
    return 1;
}

/* Recognises the invocations above in it's argv and sets the run entry
 * and sys.argv accordingly: 1 done, 0 not such an invocation, <0 the
 * error code (message on it). */
int pyembed__child_command(pyembed_interp *it)
{
    int i = 1, takes, rc;
    if (it->cfg.argc >= 2 && !strcmp(it->argv[1], "--multiprocessing-fork"))
        return mp_fork(it);
    while (i < it->cfg.argc && is_python_flag(it->argv[i], &takes))
        i += 1 + takes;
    if (i + 1 >= it->cfg.argc) /* -c and -m need their operand */
        return 0;
    if (!strcmp(it->argv[i], "-c")) {
        free(it->run_code);
        if (!(it->run_code = strdup(it->argv[i + 1])))
            return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
        it->cfg.run = PYEMBED_RUN_CODE;
        return (rc = set_argv(it, "-c", i + 2)) ? rc : 1;
    }
    if (!strcmp(it->argv[i], "-m")) {
        if (!pyembed__module_name_ok(it->argv[i + 1]))
            return pyembed__fail(it, PYEMBED_EINVAL, "'%s' is not a module name",
                                 it->argv[i + 1]);
        free(it->run_module);
        if (!(it->run_module = strdup(it->argv[i + 1])))
            return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
        it->cfg.run = PYEMBED_RUN_MODULE;
        return (rc = set_argv(it, it->argv[i + 1], i + 2)) ? rc : 1;
    }
    return 0;
}
