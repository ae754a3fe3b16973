/*
 * childcmd.c — whose argv is it: the app's, or a python command line?
 *
 * A packed executable is the app's program: its argv goes to the app,
 * whatever it holds (`black -c CODE`, `mytool -m msg`). Two exceptions
 * (docs/runtime.md §6):
 *   * the command lines the standard library gives sys.executable, when
 *     config.child_commands is 1 (the default): multiprocessing's spawn in
 *     frozen mode runs `EXE --multiprocessing-fork key=N ...`, its
 *     forkserver and resource tracker run `EXE [flags] -c "from
 *     multiprocessing.… import main; main(…)"`;
 *   * with config.parse_argv (or the blob's parse_argv=1, pyembed-pack
 *     --python-argv) any argv whose first argument is one of python3's
 *     options (`-c`, `-m`, `-`, `-O`, `-IS`, `-cCODE`, `--version`, …) or
 *     an existing file or directory (a script, as python3 runs it); other
 *     arguments (`--verbose`, `-z`, a word) still go to the app.
 * A python command line is parsed by CPython itself (python_init.c), so
 * -c, -m, scripts, -, combined flags and -O/-W/-X/-u apply as in python3.
 * No Python source is built here: --multiprocessing-fork runs the stdlib's
 * own frozen-executable entry point, which reads sys.argv itself.
 */
#include "pyembed_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* How the code the standard library's re-executions run with -c begins
 * (3.13+'s forkserver imports sys first, for its sys_argv). */
static const char *const mp_code_prefixes[] = {"from multiprocessing.",
                                               "import sys; from multiprocessing."};

/* 1 when code is one of the standard library's re-execution commands. */
static int is_mp_code(const char *code)
{
    for (size_t i = 0; i < sizeof mp_code_prefixes / sizeof *mp_code_prefixes; i++)
        if (!strncmp(code, mp_code_prefixes[i], strlen(mp_code_prefixes[i])))
            return 1;
    return 0;
}

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

/* 1 when a is an option python3's command line accepts first: "-", a
 * long option it knows, or short flags of its own (the letters up to one
 * that takes a value, which may follow in the same argument). */
static int is_python_option(const char *a)
{
    static const char *const longs[] = {"--help", "--version", "--check-hash-based-pycs",
                                        "--help-env", "--help-xoptions", "--help-all"};
    if (a[0] != '-')
        return 0;
    if (a[1] == '-') {
        for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++)
            if (!strcmp(a, longs[i]))
                return 1;
        return 0;
    }
    for (const char *p = a + 1; *p; p++) {
        if (strchr("cmWX", *p))
            return 1; /* the rest (or the next argument) is its value */
        if (!strchr("bBdEhiIOPqRsSuvVx?", *p))
            return 0;
    }
    return 1; /* "-" alone is the script "read stdin" */
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

/* 1 when argv is `EXE [flags] -c "from multiprocessing...."`. */
static int is_stdlib_child(const pyembed_interp *it)
{
    int i = 1, takes;
    while (i < it->cfg.argc && is_python_flag(it->argv[i], &takes))
        i += 1 + takes;
    return i + 1 < it->cfg.argc && !strcmp(it->argv[i], "-c") && is_mp_code(it->argv[i + 1]);
}

/* 1 when a names a file or directory: python3 would run it as a script. */
static int is_script(const char *a)
{
    struct stat st;
    return a[0] != '-' && stat(a, &st) == 0;
}

int pyembed__child_command(pyembed_interp *it)
{
    if (it->cfg.argc < 2)
        return 0;
    if (it->cfg.child_commands && !strcmp(it->argv[1], "--multiprocessing-fork"))
        return mp_fork(it);
    if ((it->cfg.parse_argv && (is_python_option(it->argv[1]) || is_script(it->argv[1]))) ||
        (it->cfg.child_commands && is_stdlib_child(it))) {
        it->python_cmdline = 1;
        return 1;
    }
    return 0;
}
