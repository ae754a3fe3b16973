/*
 * python_init.c — CPython's multi-phase start and the run entry.
 *
 * The sequence (docs/runtime.md §1); its version-bound steps are calls
 * into pycompat.c, the only CPython-version-specific file:
 *   1. Py_PreInitialize: python3's preconfig (locale coercion, UTF-8 mode
 *      rules) so text I/O matches `python3 -I`; then the allocator plan
 *      (alloc.c) is installed, before anything is allocated that must
 *      outlive it.
 *   2. Py_InitializeFromConfig stopping after the "core" phase
 *      (pyembed__compat_config): builtins, sys and the frozen importlib
 *      bootstrap only.
 *   3. pyembed__importer_install(): our finder goes first on meta_path.
 *   4. pyembed__compat_init_main(): the "main" phase imports encodings,
 *      io, site… — all through our finder.
 *   5. Py_RunMain() (pyembed__python_run_main) runs run_module/run_code
 *      with python3's exact exit-status, SystemExit and SIGINT handling.
 */
#include "alloc_int.h"
#include "pycompat_int.h"

#include <stdlib.h>
#include <string.h>

/* Reports a failed PyStatus on it. */
static int status_fail(pyembed_interp *it, PyStatus st, const char *what)
{
    return pyembed__fail(it, PYEMBED_EINIT, "%s: %s%s%s", what,
                         st.func ? st.func : "", st.func ? ": " : "",
                         st.err_msg ? st.err_msg : "failed");
}

/* Decodes a locale string into a PyConfig string field. */
static PyStatus set_str(PyConfig *c, wchar_t **field, const char *s)
{
    return PyConfig_SetBytesString(c, field, s);
}

/* Fills sys.argv from the interp's argv (orig_argv follows: CPython
 * copies argv there when it is left empty). */
static PyStatus set_argv(pyembed_interp *it, PyConfig *c)
{
    char *dflt[] = {it->exe, NULL};
    if (it->cfg.argc == 0)
        return PyConfig_SetBytesArgv(c, 1, dflt);
    return PyConfig_SetBytesArgv(c, it->cfg.argc, it->argv);
}

/* sys.path: empty (in-memory only), or module_search_path when the
 * filesystem importer is on. */
static PyStatus set_search_path(pyembed_interp *it, PyConfig *c)
{
    char *copy, *save = NULL;
    PyStatus st = PyStatus_Ok();
    c->module_search_paths_set = 1;
    if (!it->cfg.filesystem_importer || !it->module_search_path)
        return st;
    if (!(copy = strdup(it->module_search_path)))
        return PyStatus_NoMemory();
    for (char *tok = strtok_r(copy, ":", &save); tok && !PyStatus_Exception(st);
         tok = strtok_r(NULL, ":", &save)) {
        wchar_t *w = Py_DecodeLocale(tok, NULL);
        st = w ? PyWideStringList_Append(&c->module_search_paths, w) : PyStatus_NoMemory();
        PyMem_RawFree(w);
    }
    free(copy);
    return st;
}

/* The run entry (run_module / run_command) chosen by cfg or the blob.
 * With a blob, -m goes through _pyembed._run_main (runmain.c) as a
 * constant command, so Py_RunMain still owns exit semantics and the
 * module name is never part of Python source. */
static PyStatus set_run(pyembed_interp *it, PyConfig *c)
{
    if (it->cfg.run == PYEMBED_RUN_CODE)
        return set_str(c, &c->run_command, it->run_code);
    if (it->cfg.run != PYEMBED_RUN_MODULE)
        return PyStatus_Ok();
    if (!it->reader)
        return set_str(c, &c->run_module, it->run_module);
    pyembed__runmain_set_target(it->run_module);
    return set_str(c, &c->run_command, PYEMBED_RUN_MAIN_COMMAND);
}

/* Translates the interp's settings into a PyConfig. */
static PyStatus fill_config(pyembed_interp *it, PyConfig *c)
{
    PyStatus st;
    c->isolated = it->cfg.isolated;
    c->use_environment = it->cfg.use_environment && !it->cfg.isolated;
    c->user_site_directory = 0;
    c->site_import = it->cfg.site_import;
    c->optimization_level = it->cfg.optimize;
    c->install_signal_handlers = it->cfg.install_signal_handlers;
    c->parse_argv = 0;
    c->pathconfig_warnings = 0;
    c->write_bytecode = 0;
    pyembed__compat_config(c);   /* core phase only; cwd never on sys.path */
    if (PyStatus_Exception(st = set_str(c, &c->executable, it->exe)) ||
        PyStatus_Exception(st = set_str(c, &c->program_name, it->exe)) ||
        PyStatus_Exception(st = set_str(c, &c->home, it->origin)) ||
        PyStatus_Exception(st = set_argv(it, c)) ||
        PyStatus_Exception(st = set_search_path(it, c)))
        return st;
    return set_run(it, c);
}

/* Phase 1: preconfig as python3 -I does it. */
static int preinit(pyembed_interp *it)
{
    PyPreConfig pre;
    PyStatus st;
    PyPreConfig_InitPythonConfig(&pre);
    pre.isolated = it->cfg.isolated;
    pre.use_environment = it->cfg.use_environment && !it->cfg.isolated;
    pre.parse_argv = 0;
    pre.allocator = pyembed__alloc_preconfig(it);
    st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st))
        return status_fail(it, st, "pre-initialisation");
    return pyembed__alloc_install(it);
}

/* The virtual __file__ of frozen module m, or NULL without error when m
 * is not a frozen module lacking one. */
static PyObject *frozen_file(PyObject *root, PyObject *m)
{
    PyObject *spec, *name, *rel = NULL, *file = NULL;
    if (!PyModule_Check(m) || PyObject_HasAttrString(m, "__file__") ||
        !(spec = PyObject_GetAttrString(m, "__spec__")))
        return PyErr_Clear(), NULL;
    name = pyembed__compat_frozen_source_name(spec);
    Py_DECREF(spec);
    if (name)
        rel = PyObject_CallMethod(name, "replace", "ss", ".", "/");
    if (rel)
        file = PyUnicode_FromFormat("%U/%U%s", root, rel,
                                    PyObject_HasAttrString(m, "__path__") ? "/__init__.py" : ".py");
    PyErr_Clear();
    Py_XDECREF(name);
    Py_XDECREF(rel);
    return file;
}

/* Frozen stdlib modules (os, io, …) get __file__ under the executable's
 * virtual root like packed ones: FrozenImporter derives it from
 * sys._stdlib_dir, and those imported during start-up are fixed here. */
static int frozen_files(pyembed_interp *it)
{
    PyObject *root = PyUnicode_DecodeFSDefault(it->exe), *mods;
    if (!root || pyembed__compat_set_stdlib_dir(root) < 0 ||
        !(mods = PyDict_Values(PyImport_GetModuleDict()))) {
        Py_XDECREF(root);
        return pyembed__fail_python(it, "setting sys._stdlib_dir");
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(mods); i++) {
        PyObject *m = PyList_GET_ITEM(mods, i), *file = frozen_file(root, m);
        if (file && PyObject_SetAttrString(m, "__file__", file) < 0)
            PyErr_Clear(); /* cosmetic: a missing __file__ is not fatal */
        Py_XDECREF(file);
    }
    Py_DECREF(mods);
    Py_DECREF(root);
    return PYEMBED_OK;
}

/* Module attributes set once the interpreter is up (sys.frozen, hooks). */
static int finish_sys(pyembed_interp *it)
{
    PyObject *mod, *hook;
    int rc;
    if (it->cfg.sys_frozen && PySys_SetObject("frozen", Py_True) < 0)
        return pyembed__fail_python(it, "setting sys.frozen");
    if (!it->reader)
        return PYEMBED_OK;
    if ((rc = frozen_files(it)))
        return rc;
    if (!(mod = PyImport_ImportModule("_pyembed")))
        return pyembed__fail_python(it, "importing _pyembed");
    hook = PyObject_GetAttrString(mod, "excepthook");
    Py_DECREF(mod);
    if (!hook || PySys_SetObject("excepthook", hook) < 0) {
        Py_XDECREF(hook);
        return pyembed__fail_python(it, "setting sys.excepthook");
    }
    Py_DECREF(hook);
    return PYEMBED_OK;
}

int pyembed__python_init(pyembed_interp *it)
{
    PyConfig c;
    PyStatus st;
    int rc;
    /* _pyembed always: alloc_stats is there even without a blob */
    if (PyImport_AppendInittab("_pyembed", pyembed__module_init) < 0)
        return pyembed__fail(it, PYEMBED_EINIT, "PyImport_AppendInittab failed");
    if ((rc = pyembed__cmodules_register(it)) || (rc = preinit(it)))
        return rc;
    PyConfig_InitPythonConfig(&c);
    st = fill_config(it, &c);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&c);
    if (PyStatus_Exception(st)) {
        PyConfig_Clear(&c);
        return status_fail(it, st, "core initialisation");
    }
    it->state = IT_RUNNING;
    if (it->reader && (rc = pyembed__importer_install(it))) {
        PyConfig_Clear(&c);
        return rc;
    }
    st = pyembed__compat_init_main(&c);
    PyConfig_Clear(&c);
    if (PyStatus_Exception(st))
        return status_fail(it, st, "main initialisation");
    if (it->reader && !it->cfg.filesystem_importer &&
        (rc = pyembed__importer_drop_pathfinder(it)))
        return rc;
    return finish_sys(it);
}

int pyembed__python_run_main(pyembed_interp *it)
{
    (void)it;
    return Py_RunMain(); /* finalises; exits itself on SystemExit/SIGINT */
}
