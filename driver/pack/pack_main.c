/*
 * pack_main.c — pyembed-pack: inspect/verify in C; build/blob run the
 * packing logic (pyembed_pack.py, compiled into this binary) inside an
 * embedded CPython — the same libpython the driver links, so compile()
 * makes bytecode the driver can run.
 */
#include "pack_int.h"
#include "pyembed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PACK_SOURCE, CANONICAL_SOURCE: pyembed_pack.py, canonical_marshal.py */
#include "pack_source.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: pyembed-pack build -o OUT [options]   single executable\n"
            "       pyembed-pack blob -o FILE [options]   blob for C hosts\n"
            "       pyembed-pack inspect FILE [--json]\n"
            "       pyembed-pack verify FILE\n"
            "Run 'pyembed-pack build --help' for the options.\n");
}

/* Makes module canonical_marshal from its compiled-in source. */
static int add_canonical_module(void)
{
    PyObject *code = Py_CompileString(CANONICAL_SOURCE, "canonical_marshal.py", Py_file_input);
    PyObject *m = code ? PyImport_ExecCodeModule("canonical_marshal", code) : NULL;
    Py_XDECREF(code);
    if (!m)
        PyErr_Print();
    Py_XDECREF(m);
    return m ? 0 : -1;
}

/* Runs pyembed_pack.main(argv[1:]) in an embedded interpreter that
 * imports from the host's standard library. */
static int run_packer(int argc, char **argv)
{
    pyembed_config cfg;
    pyembed_interp *it = NULL;
    char *status = NULL;
    int rc, code = 1;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_NONE;
    cfg.filesystem_importer = 1;
    cfg.module_search_path = PYEMBED_STDLIB_DIR ":" PYEMBED_DYNLOAD_DIR;
    cfg.sys_frozen = 0;
    cfg.argc = argc;
    cfg.argv = argv;
    if (PyImport_AppendInittab("_pyembed_pack", pack_module_init) < 0) {
        fprintf(stderr, "pyembed-pack: cannot register _pyembed_pack\n");
        return 1;
    }
    rc = pyembed_interp_create(&it, &cfg);
    if (rc == 0 && add_canonical_module() < 0)
        rc = PYEMBED_EPYTHON;
    if (rc == 0)
        rc = pyembed_exec(it, PACK_SOURCE);
    if (rc == 0)
        rc = pyembed_call(it, &status, "__main__", "run", NULL);
    if (rc == 0)
        code = atoi(status);
    else if (rc != PYEMBED_EPYTHON)
        fprintf(stderr, "pyembed-pack: %s\n", pyembed_interp_errmsg(it));
    free(status);
    pyembed_interp_free(it);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "inspect"))
        return pack_inspect(argc, argv);
    if (!strcmp(argv[1], "verify"))
        return pack_verify(argc, argv);
    if (!strcmp(argv[1], "build") || !strcmp(argv[1], "blob"))
        return run_packer(argc, argv);
    fprintf(stderr, "pyembed-pack: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
