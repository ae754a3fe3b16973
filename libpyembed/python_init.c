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
 *   5. The entry: a packed module runs from C (runmain.c), then the
 *      interpreter is finalised as Py_RunMain() would; anything else
 *      (run_code, a python command line) goes through Py_RunMain(), for
 *      python3's exact exit-status, SystemExit and SIGINT handling.
 *
 * Two kinds of start: the app's (the blob's options: isolated, no site,
 * sys.argv as given) and, when childcmd.c found a python command line,
 * python's (CPython parses argv and applies its options as python3 does).
 */
#include "alloc_int.h"
#include "pycompat_int.h"
#include "platform_int.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Reports a failed PyStatus on it. An exit status (a python command
 * line's --version, --help or bad option, already printed by CPython)
 * ends the process with it, as python3 does. */
static int status_fail(pyembed_interp *it, PyStatus st, const char *what)
{
    if (PyStatus_IsExit(st))
        Py_ExitStatusException(st);
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
 * copies argv there when it is left empty); a python command line is
 * parsed by CPython from it. */
static PyStatus set_argv(pyembed_interp *it, PyConfig *c)
{
    char *dflt[] = {it->exe, NULL};
    if (it->cfg.argc == 0)
        return PyConfig_SetBytesArgv(c, 1, dflt);
    return PyConfig_SetBytesArgv(c, it->cfg.argc, it->argv);
}

/* Appends (at == -1) or inserts at index `at` of c's sys.path each
 * entry of the ':'-separated list. */
static PyStatus add_paths(PyConfig *c, const char *list, Py_ssize_t at)
{
    char *copy, *save = NULL;
    PyStatus st = PyStatus_Ok();
    if (!(copy = strdup(list)))
        return PyStatus_NoMemory();
    for (char *tok = strtok_r(copy, ":", &save); tok && !PyStatus_Exception(st);
         tok = strtok_r(NULL, ":", &save)) {
        wchar_t *w = Py_DecodeLocale(tok, NULL);
        if (!w)
            st = PyStatus_NoMemory();
        else if (at < 0)
            st = PyWideStringList_Append(&c->module_search_paths, w);
        else
            st = PyWideStringList_Insert(&c->module_search_paths, at++, w);
        PyMem_RawFree(w);
    }
    free(copy);
    return st;
}

/* sys.path: with a blob, first the executable's path, the virtual entry
 * the packed importer's path hook serves (pkgutil, pkg_resources and
 * sys.path[0] users see the packed modules there); then
 * module_search_path when the filesystem importer is on. */
static PyStatus set_search_path(pyembed_interp *it, PyConfig *c)
{
    PyStatus st = PyStatus_Ok();
    c->module_search_paths_set = 1;
    if (it->reader) {
        wchar_t *w = Py_DecodeLocale(it->exe, NULL);
        st = w ? PyWideStringList_Append(&c->module_search_paths, w) : PyStatus_NoMemory();
        PyMem_RawFree(w);
    }
    if (PyStatus_Exception(st) || !it->cfg.filesystem_importer || !it->module_search_path)
        return st;
    return add_paths(c, it->module_search_path, -1);
}

/* The run entry chosen by cfg or the blob. With a blob, a module entry
 * is run by runmain.c from C (it->direct_main: no run_* field is set,
 * and no name is ever part of Python source). */
static PyStatus set_run(pyembed_interp *it, PyConfig *c)
{
    if (it->python_cmdline)
        return PyStatus_Ok(); /* read_cmdline: the command line's, or ours */
    if (it->cfg.run == PYEMBED_RUN_CODE)
        return set_str(c, &c->run_command, it->run_code);
    if (it->cfg.run != PYEMBED_RUN_MODULE)
        return PyStatus_Ok();
    if (!it->reader)
        return set_str(c, &c->run_module, it->run_module);
    it->direct_main = 1;
    return PyStatus_Ok();
}

/* The app's interpreter options (the blob's or the host's config). */
static void app_options(pyembed_interp *it, PyConfig *c)
{
    c->isolated = it->cfg.isolated;
    c->use_environment = it->cfg.use_environment && !it->cfg.isolated;
    c->user_site_directory = 0;
    c->site_import = it->cfg.site_import;
    c->optimization_level = it->cfg.optimize;
    c->parse_argv = 0;
    c->write_bytecode = 0; /* the app writes no __pycache__ anywhere */
}

/* Translates the interp's settings into a PyConfig: the app's options, or
 * for a python command line python3's defaults, which its flags change. */
static PyStatus fill_config(pyembed_interp *it, PyConfig *c)
{
    PyStatus st;
    if (it->python_cmdline)
        c->parse_argv = 1;
    else
        app_options(it, c);
    c->install_signal_handlers = it->cfg.install_signal_handlers;
    c->pathconfig_warnings = 0;
    /* core phase only; with the app's options neither the current nor the
     * script's directory is ever on sys.path */
    pyembed__compat_config(c, !it->python_cmdline);
    if (PyStatus_Exception(st = set_str(c, &c->executable, it->exe)) ||
        PyStatus_Exception(st = set_str(c, &c->program_name, it->exe)) ||
        PyStatus_Exception(st = set_str(c, &c->home, it->origin)) ||
        PyStatus_Exception(st = set_argv(it, c)) ||
        PyStatus_Exception(st = set_search_path(it, c)))
        return st;
    return set_run(it, c);
}

/* A script path inside the executable's virtual tree ("EXE EXE/pkg/mod.py",
 * as test suites run `sys.executable module.__file__`) names a packed
 * module: it runs as that module (runpy sets sys.argv[0] to the same
 * path), where CPython would fail to open the file. */
static PyStatus packed_script(pyembed_interp *it, PyConfig *c)
{
    size_t n = strlen(it->exe), len;
    char *path, *name;
    PyStatus st = PyStatus_Ok();
    if (!c->run_filename || !(path = Py_EncodeLocale(c->run_filename, NULL)))
        return st;
    len = strlen(path);
    if (len > n + 4 && !strncmp(path, it->exe, n) && path[n] == '/' &&
        !strcmp(path + len - 3, ".py") && (name = strndup(path + n + 1, len - n - 4))) {
        size_t nl = strlen(name);
        for (char *p = name; *p; p++)
            *p = *p == '/' ? '.' : *p;
        if (nl > 9 && !strcmp(name + nl - 9, ".__init__"))
            name[nl - 9] = 0;
        if (pyembed__module_name_ok(name) &&
            !PyStatus_Exception(st = set_str(c, &c->run_module, name))) {
            PyMem_RawFree(c->run_filename);
            c->run_filename = NULL;
        }
        free(name);
    }
    PyMem_Free(path);
    return st;
}

/* -X warn_default_encoding / PYTHONWARNDEFAULTENCODING, which python3
 * applies but PyConfig_Read of an embedding's config leaves unset. */
static void warn_default_encoding(PyConfig *c)
{
    const char *env = getenv("PYTHONWARNDEFAULTENCODING");
    for (Py_ssize_t i = 0; i < c->xoptions.length; i++)
        if (!wcscmp(c->xoptions.items[i], L"warn_default_encoding"))
            c->warn_default_encoding = 1;
    if (c->use_environment && env && *env)
        c->warn_default_encoding = 1;
}

/* A python command line, parsed by PyConfig_Read; PYTHONPATH entries go
 * before the virtual entry when the environment is honoured. As in
 * python3, options without a command read the script from stdin (the
 * interactive prompt on a terminal). */
static PyStatus read_cmdline(pyembed_interp *it, PyConfig *c)
{
    PyStatus st = PyConfig_Read(c);
    const char *pythonpath = getenv("PYTHONPATH");
    if (PyStatus_Exception(st))
        return st;
    it->cfg.optimize = c->optimization_level; /* the finder's bytecode choice */
    warn_default_encoding(c);
    if (c->use_environment && !c->isolated && pythonpath && *pythonpath &&
        PyStatus_Exception(st = add_paths(c, pythonpath, 0)))
        return st;
    return it->reader ? packed_script(it, c) : st;
}

/* Phase 1: preconfig as python3 -I does it (as python3 with the command
 * line's options, for a python command line). */
static int preinit(pyembed_interp *it)
{
    PyPreConfig pre;
    PyStatus st;
    PyPreConfig_InitPythonConfig(&pre);
    if (!it->python_cmdline) {
        pre.isolated = it->cfg.isolated;
        pre.use_environment = it->cfg.use_environment && !it->cfg.isolated;
        pre.parse_argv = 0;
    }
    pre.allocator = pyembed__alloc_preconfig(it);
    if (it->python_cmdline)
        st = Py_PreInitializeFromBytesArgs(&pre, it->cfg.argc, it->argv);
    else
        st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st))
        return status_fail(it, st, "pre-initialisation");
    return pyembed__alloc_install(it);
}

/* The virtual __file__ of frozen module m, or NULL without error when m
 * is not a frozen module lacking one. Its spec's loader_state gets the
 * same name: FrozenImporter._fix_up_module asserts they agree when
 * importlib is set up afresh (test.support's import_fresh_module). */
static PyObject *frozen_file(PyObject *root, PyObject *m)
{
    PyObject *spec, *name, *rel = NULL, *file = NULL, *d;
    /* the module's dict, not getattr: no AttributeError made per module */
    if (!PyModule_Check(m) || !(d = PyModule_GetDict(m)) ||
        PyDict_GetItemString(d, "__file__") || !(spec = PyDict_GetItemString(d, "__spec__")) ||
        spec == Py_None)
        return PyErr_Clear(), NULL;
    Py_INCREF(spec);
    name = pyembed__compat_frozen_source_name(spec);
    if (name)
        rel = PyObject_CallMethod(name, "replace", "ss", ".", "/");
    if (rel)
        file = PyUnicode_FromFormat("%U/%U%s", root, rel,
                                    PyDict_GetItemString(d, "__path__") ? "/__init__.py" : ".py");
    if (file)
        pyembed__compat_frozen_set_filename(spec, file);
    PyErr_Clear();
    Py_DECREF(spec);
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
    if (!(mod = pyembed__builtin_module("_pyembed", 1)))
        return pyembed__fail_python(it, "importing _pyembed");
    hook = PyObject_GetAttrString(mod, "excepthook");
    Py_DECREF(mod);
    if (!hook || PySys_SetObject("excepthook", hook) < 0 ||
        PySys_SetObject("__excepthook__", hook) < 0) {
        Py_XDECREF(hook);
        return pyembed__fail_python(it, "setting sys.excepthook");
    }
    Py_DECREF(hook);
    return PYEMBED_OK;
}

/* Points Tcl at the libraries pyembed-pack copied beside the executable
 * (unless the environment already names some): setenv before Python. */
static int tcl_env(pyembed_interp *it)
{
    const char *keys[] = {"TCL_LIBRARY", "TK_LIBRARY"};
    const char *rel[] = {it->meta.tcl_library, it->meta.tk_library};
    for (int i = 0; i < 2; i++) {
        char path[4096];
        if (!rel[i] || getenv(keys[i]))
            continue;
        if (snprintf(path, sizeof path, "%s/%s", it->origin, rel[i]) >= (int)sizeof path)
            return pyembed__fail(it, PYEMBED_EINVAL, "%s: path too long", keys[i]);
        if (setenv(keys[i], path, 0) != 0)
            return pyembed__fail(it, PYEMBED_ENOMEM, "setenv %s failed", keys[i]);
    }
    return PYEMBED_OK;
}

/* 1 when it's blob serves encodings: it packs it (a blob without it
 * imports the stdlib's from disk) and libpython does not freeze it (an
 * own-built distribution with frozen boot modules: FrozenImporter serves
 * it, and a built-in of the same name would shadow that). The shim is
 * for that case only. */
static int blob_has_encodings(pyembed_interp *it)
{
    packrs_resource res;
    return it->reader && packrs_reader_find(it->reader, "encodings", 9, &res) == PACKRS_OK &&
           (res.kind & PACKRS_KIND_PACKAGE) && !pyembed__compat_libpython_freezes("encodings");
}

/* After the core phase: our importer, the main phase, sys's additions;
 * c is cleared. */
static int init_main(pyembed_interp *it, PyConfig *c)
{
    PyStatus st;
    int rc;
    if (it->reader && ((rc = pyembed__importer_install(it)) ||
                       (!it->python_cmdline && (rc = pyembed__encodings_shim_hide(it))))) {
        PyConfig_Clear(c);
        return rc;
    }
    st = pyembed__compat_init_main(c);
    PyConfig_Clear(c);
    if (PyStatus_Exception(st))
        return status_fail(it, st, "main initialisation");
    if (it->reader && it->python_cmdline && (rc = pyembed__importer_after_pathfinder(it)))
        return rc;
    return finish_sys(it);
}

int pyembed__python_init(pyembed_interp *it)
{
    PyConfig c;
    PyStatus st;
    int rc, gc_was_enabled;
    /* _pyembed always: alloc_stats is there even without a blob */
    if (PyImport_AppendInittab("_pyembed", pyembed__module_init) < 0 ||
        (blob_has_encodings(it) && PyImport_AppendInittab("encodings",
                                                          pyembed__encodings_shim) < 0))
        return pyembed__fail(it, PYEMBED_EINIT, "PyImport_AppendInittab failed");
    if ((rc = pyembed__cmodules_register(it)) || (rc = tcl_env(it)) || (rc = preinit(it)))
        return rc;
    PyConfig_InitPythonConfig(&c);
    st = fill_config(it, &c);
    if (!PyStatus_Exception(st) && it->python_cmdline)
        st = read_cmdline(it, &c);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&c);
    if (PyStatus_Exception(st)) {
        PyConfig_Clear(&c);
        return status_fail(it, st, "core initialisation");
    }
    it->state = IT_RUNNING;
    /* No collections while the runtime sets itself up: what it makes lives
     * as long as the interpreter, and no code of the program runs yet. */
    gc_was_enabled = PyGC_Disable();
    rc = init_main(it, &c);
    pyembed__compat_gc_resume(gc_was_enabled);
    return rc;
}

/* Runs the packed entry module, then finalises as Py_RunMain() does:
 * status 120 when flushing stdio fails, death by SIGINT after an
 * uncaught KeyboardInterrupt. */
static int run_direct(pyembed_interp *it)
{
    int sigint, status = pyembed__runmain_run(it->run_module, &sigint);
    if (Py_FinalizeEx() < 0)
        status = 120;
    return sigint ? pyembed__platform_die_by_sigint() : status;
}

int pyembed__python_run_main(pyembed_interp *it)
{
    if (it->direct_main)
        return run_direct(it);
    return Py_RunMain(); /* finalises; exits itself on SystemExit/SIGINT */
}
