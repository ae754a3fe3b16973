/*
 * pack_main.c — pyembed-pack: verify in C; every other command runs the
 * packer, the Python package pyembed_pack (driver/pack/pyembed_pack/), as
 * `python -m pyembed_pack CMD ...` inside an embedded CPython — the
 * same libpython the driver links, so its compile() makes bytecode the
 * driver can run. The package is loaded from its files (pkgdir.c), so a
 * traceback from it names them.
 */
#include "pack_int.h"
#include "pyembed.h"

#include <stdio.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr,
            "usage: pyembed-pack build -o OUT [options]   single executable\n"
            "       pyembed-pack blob -o FILE [options]   blob for C hosts\n"
            "       pyembed-pack build [TARGET...] [--config FILE] [--var NAME VALUE]\n"
            "                          [--var-env NAME ENV]   targets of pyembed.bzl\n"
            "       pyembed-pack run [TARGET] [-- ARGS]   build a target, run it\n"
            "       pyembed-pack list-targets             targets of pyembed.bzl\n"
            "       pyembed-pack init-config-file DIR [--run-module M]\n"
            "       pyembed-pack dist build|list|info|clear   Python distributions\n"
            "       pyembed-pack inspect FILE [--json]\n"
            "       pyembed-pack verify FILE\n"
            "       pyembed-pack clean-temp [--dir DIR]   leftovers of killed programs\n"
            "Run 'pyembed-pack build --help' for the options; docs/config.md for\n"
            "pyembed.bzl.\n");
}

/* Writes the packer's sys.path to out (n bytes): its package's directory,
 * then the stdlib of the libpython linked here. -1 with a message when
 * the package cannot be found. */
static int search_path(char *out, size_t n)
{
    char dir[PACK_PATH_MAX];
    int len;
    if (pack_python_dir(dir, sizeof dir) < 0) {
        fprintf(stderr, "pyembed-pack: its Python package pyembed_pack is missing "
                        "(looked beside the executable and in %s)\n", dir);
        return -1;
    }
    len = snprintf(out, n, "%s:%s:%s", dir, PYEMBED_STDLIB_DIR, PYEMBED_DYNLOAD_DIR);
    if (len < 0 || (size_t)len >= n) {
        fprintf(stderr, "pyembed-pack: path too long: %s\n", dir);
        return -1;
    }
    return 0;
}

/* The commands the Python package implements. */
static const char *const packer_commands[] = {
    "build", "blob", "dist", "inspect", "run", "list-targets", "init-config-file",
    "clean-temp", NULL,
};

/* 1 when cmd is one of packer_commands. */
static int is_packer_command(const char *cmd)
{
    for (const char *const *c = packer_commands; *c; c++)
        if (!strcmp(cmd, *c))
            return 1;
    return 0;
}

/* Runs `python -m pyembed_pack argv[1:]` in an embedded interpreter that
 * imports from the package's directory and the host's standard library;
 * returns its exit status (Py_RunMain's: SystemExit's code, 1 after a
 * traceback). */
static int run_packer(int argc, char **argv)
{
    char path[3 * PACK_PATH_MAX];
    pyembed_config cfg;
    pyembed_interp *it = NULL;
    int rc, code = 1;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_NONE;
    cfg.filesystem_importer = 1;
    cfg.module_search_path = path;
    cfg.sys_frozen = 0;
    cfg.run = PYEMBED_RUN_MODULE;
    cfg.run_module = "pyembed_pack";
    cfg.argc = argc;
    cfg.argv = argv;
    if (search_path(path, sizeof path) < 0)
        return 1;
    if (PyImport_AppendInittab("_pyembed_pack", pack_module_init) < 0) {
        fprintf(stderr, "pyembed-pack: cannot register _pyembed_pack\n");
        return 1;
    }
    rc = pyembed_interp_create(&it, &cfg);
    if (rc == 0)
        rc = pyembed_interp_run(it, &code);
    if (rc != 0) {
        if (rc != PYEMBED_EPYTHON)
            fprintf(stderr, "pyembed-pack: %s\n", pyembed_interp_errmsg(it));
        code = 1;
    }
    pyembed_interp_free(it);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "verify"))
        return pack_verify(argc, argv);
    if (is_packer_command(argv[1]))
        return run_packer(argc, argv);
    fprintf(stderr, "pyembed-pack: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
