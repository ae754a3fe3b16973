/*
 * interp.c — the interpreter handle: create, run, free, and the one-call
 * pyembed_run_module() and pyembed_main(). The top of libpyembed: nothing
 * calls into it.
 */
#include "alloc_int.h"
#include "prefetch_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Opens the configured resources into it->reader. */
static int open_resources(pyembed_interp *it)
{
    const pyembed_config *c = &it->cfg;
    int rc = PACKRS_OK;
    if (c->resources == PYEMBED_RESOURCES_NONE)
        return PYEMBED_OK;
    if (c->resources == PYEMBED_RESOURCES_MEMORY)
        rc = packrs_reader_open_memory(&it->reader, c->blob, c->blob_len);
    else if (c->resources == PYEMBED_RESOURCES_FILE)
        rc = packrs_reader_open_file(&it->reader, c->path);
    else
        rc = packrs_reader_open_exe(&it->reader, c->path);
    if (rc)
        return pyembed__fail(it, rc == PACKRS_ENOMEM ? PYEMBED_ENOMEM : PYEMBED_ERESOURCES,
                             "packed resources: %s", packrs_reader_errmsg(it->reader));
    return pyembed__meta_load(it);
}

/* Copies the interpreter options the blob's metadata gives. */
static void take_blob_options(pyembed_interp *it)
{
    const pyembed_meta *m = &it->meta;
    it->cfg.run = m->run;
    it->cfg.optimize = m->optimize;
    it->cfg.isolated = m->isolated;
    it->cfg.site_import = m->site_import;
    it->cfg.filesystem_importer = m->filesystem_importer;
    it->cfg.sys_frozen = m->sys_frozen;
    it->cfg.allocator = PYEMBED_ALLOCATOR_DEFAULT; /* the backend says it all */
    it->cfg.allocator_backend = m->alloc_backend;
    it->cfg.allocator_domains = m->alloc_domains;
    it->cfg.allocator_debug = m->alloc_debug;
    it->cfg.allocator_tracking |= m->alloc_tracking; /* the host may ask too */
    it->cfg.fast_exit = m->fast_exit;
}

/* With run = BLOB, takes entry point and options from the blob. argv may
 * be a python command line instead (childcmd.c), which then decides what
 * runs; multiprocessing's --multiprocessing-fork replaces the entry. */
static int apply_blob_run(pyembed_interp *it)
{
    const pyembed_meta *m = &it->meta;
    int rc;
    if (it->cfg.run != PYEMBED_RUN_BLOB)
        return PYEMBED_OK;
    if (m->alloc_bad[0])
        return pyembed__fail(it, PYEMBED_ERESOURCES, "blob's metadata says %s, which this "
                             "runtime does not know (packed by a newer pyembed-pack?)",
                             m->alloc_bad);
    take_blob_options(it);
    if (m->run == PYEMBED_RUN_MODULE && !m->run_module)
        return pyembed__fail(it, PYEMBED_ERESOURCES, "blob says run=module but names none");
    if (m->run == PYEMBED_RUN_CODE && !m->run_code)
        return pyembed__fail(it, PYEMBED_ERESOURCES, "blob says run=code but has no code");
    if (m->run == PYEMBED_RUN_NONE)
        return pyembed__fail(it, PYEMBED_ERESOURCES, "blob names nothing to run");
    free(it->run_module);
    free(it->run_code);
    it->run_module = m->run_module ? strdup(m->run_module) : NULL;
    it->run_code = m->run_code ? strdup(m->run_code) : NULL;
    if ((m->run_module && !it->run_module) || (m->run_code && !it->run_code))
        return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
    it->cfg.parse_argv |= m->parse_argv;
    rc = pyembed__child_command(it);
    return rc < 0 ? rc : PYEMBED_OK; /* <0: its error code (message on it) */
}

/* The driver's start-up read-ahead of what the blob names: the blob is
 * that of cfg.path, or of the running executable, it->exe (set by
 * pyembed__config_adopt). */
static void start_prefetch(const pyembed_interp *it)
{
    const pyembed_meta *m = &it->meta;
    const char *exe = it->cfg.path ? it->cfg.path : it->exe;
    size_t blob_len = 0;
    if (!it->run_to_exit || it->cfg.resources != PYEMBED_RESOURCES_EXE)
        return;
    packrs_reader_blob(it->reader, &blob_len);
    if (m->prefetch_executable < 0) /* not asked for */
        pyembed__prefetch_start(NULL, 0, 0, m->prefetch_libraries);
    else
        pyembed__prefetch_start(exe, blob_len, (unsigned long long)m->prefetch_executable,
                                m->prefetch_libraries); /* copies the strings */
}

/* pyembed_interp_create; run_to_exit: the caller ends the process when
 * the run ends (pyembed_main), so the entry may exit quickly. */
static int interp_create(pyembed_interp **out, const pyembed_config *cfg, int run_to_exit)
{
    static int created; /* CPython allows one main interpreter per process */
    static atomic_uint_fast64_t last_id;
    pyembed_interp *it;
    int rc;
    if (!out)
        return PYEMBED_EINVAL;
    if (!(*out = it = calloc(1, sizeof *it)))
        return PYEMBED_ENOMEM;
    it->id = atomic_fetch_add(&last_id, 1) + 1;
    it->run_to_exit = run_to_exit;
    pyembed__meta_clear(&it->meta);
    if (!cfg)
        return pyembed__fail(it, PYEMBED_EINVAL, "cfg is NULL");
    if (created || Py_IsInitialized())
        return pyembed__fail(it, PYEMBED_ESTATE, "a Python interpreter already "
                             "exists in this process");
    if ((rc = pyembed__config_adopt(it, cfg)) || (rc = open_resources(it)) ||
        (rc = apply_blob_run(it)) || (rc = pyembed__alloc_prepare(it)))
        return rc;
    start_prefetch(it);
    created = 1;
    it->state = IT_CREATED;
    return pyembed__python_init(it);
}

int pyembed_interp_create(pyembed_interp **out, const pyembed_config *cfg)
{
    return interp_create(out, cfg, 0);
}

int pyembed_interp_run(pyembed_interp *it, int *exit_status)
{
    if (!it || !exit_status)
        return PYEMBED_EINVAL;
    if (it->state != IT_RUNNING)
        return pyembed__fail(it, PYEMBED_ESTATE, "interpreter is not running");
    if (it->cfg.run == PYEMBED_RUN_NONE)
        return pyembed__fail(it, PYEMBED_EINVAL, "nothing configured to run");
    pyembed__gil_reclaim(); /* in case this thread gave it up */
    *exit_status = pyembed__python_run_main(it);
    it->state = IT_FINISHED;
    return PYEMBED_OK;
}

void pyembed_interp_free(pyembed_interp *it)
{
    if (!it)
        return;
    if (it->state == IT_RUNNING && Py_IsInitialized()) {
        pyembed__gil_reclaim(); /* the creating thread may have released it */
        Py_FinalizeEx();
    }
    pyembed__ext_cleanup();
    packrs_reader_free(it->reader);
    pyembed__meta_clear(&it->meta);
    for (int i = 0; it->argv && i < it->cfg.argc; i++)
        free(it->argv[i]);
    free(it->argv);
    free(it->exe);
    free(it->origin);
    free(it->module_search_path);
    free(it->run_module);
    free(it->run_code);
    pyembed__config_free_modules(it); /* after finalising: CPython used them */
    free(it);
}

int pyembed_version_number(void)
{
    return PYEMBED_VERSION_NUMBER;
}

/* pyembed_run_module; run_to_exit as in interp_create. */
static int run_module(const char *exe_path, const char *module, int argc, char *const *argv,
                      int run_to_exit)
{
    pyembed_config cfg;
    pyembed_interp *it = NULL;
    int status = 1, rc;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_EXE;
    cfg.path = exe_path;
    cfg.run = module ? PYEMBED_RUN_MODULE : PYEMBED_RUN_BLOB;
    cfg.run_module = module;
    cfg.argc = argc;
    cfg.argv = argv;
    rc = interp_create(&it, &cfg, run_to_exit);
    if (rc == PYEMBED_OK)
        rc = pyembed_interp_run(it, &status);
    if (rc != PYEMBED_OK) {
        fprintf(stderr, "pyembed: %s\n", it ? pyembed_interp_errmsg(it) : pyembed_strerror(rc));
        status = rc == PYEMBED_ERESOURCES ? 2 : 1;
    }
    pyembed_interp_free(it);
    return status;
}

int pyembed_run_module(const char *exe_path, const char *module, int argc,
                       char *const *argv)
{
    return run_module(exe_path, module, argc, argv, 0);
}

int pyembed_main(int argc, char *const *argv)
{
    return run_module(NULL, NULL, argc, argv, 1);
}
