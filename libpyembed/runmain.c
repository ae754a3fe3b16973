/*
 * runmain.c — `python -m NAME` semantics without importing runpy.
 *
 * runpy (and the contextlib/collections/importlib.util it pulls in) costs
 * more than the rest of start-up together, so for modules in the blob
 * _pyembed._run_main() does what runpy._run_module_as_main does: import
 * the parent package, resolve a package to its __main__, set sys.argv[0]
 * to the module's file and run its code in __main__'s namespace with
 * __name__, __file__, __spec__, __loader__, __package__. Without the
 * packed importer on sys.meta_path runpy does the work.
 *
 * The module to run is C state of this file, set by python_init.c before
 * initialisation; Py_RunMain runs the constant PYEMBED_RUN_MAIN_COMMAND,
 * so no name is ever formatted into Python source.
 */
#include "importer_int.h"

#include <string.h>

static const char *target; /* borrowed from the interp, which outlives Python */

void pyembed__runmain_set_target(const char *module)
{
    target = module;
}

/* The packed importer on sys.meta_path, or NULL (borrowed). */
static Finder *packed_finder(void)
{
    PyObject *meta = PySys_GetObject("meta_path");
    for (Py_ssize_t i = 0; meta && PyList_Check(meta) && i < PyList_GET_SIZE(meta); i++)
        if (Py_IS_TYPE(PyList_GET_ITEM(meta, i), &pyembed__FinderType))
            return (Finder *)PyList_GET_ITEM(meta, i);
    return NULL;
}

/* Falls back to runpy._run_module_as_main(name). */
static PyObject *via_runpy(PyObject *name)
{
    PyObject *runpy = PyImport_ImportModule("runpy"), *r = NULL;
    if (runpy)
        r = PyObject_CallMethod(runpy, "_run_module_as_main", "O", name);
    Py_XDECREF(runpy);
    return r;
}

/* Exits like runpy does for a module that cannot run: "exe: message". */
static PyObject *no_module(PyObject *name, const char *why)
{
    PyObject *exe = PySys_GetObject("executable");
    PyObject *msg = PyUnicode_FromFormat("%S: %s %U", exe ? exe : Py_None, why, name);
    if (msg)
        PyErr_SetObject(PyExc_SystemExit, msg);
    Py_XDECREF(msg);
    return NULL;
}

/* Imports the parent package of dotted name (runpy does the same). */
static int import_parent(PyObject *name)
{
    Py_ssize_t dot = PyUnicode_FindChar(name, '.', 0, PyUnicode_GET_LENGTH(name), -1);
    PyObject *parent, *mod;
    if (dot < 0)
        return dot == -1 ? 0 : -1;
    if (!(parent = PyUnicode_Substring(name, 0, dot)))
        return -1;
    mod = PyImport_Import(parent);
    Py_DECREF(parent);
    Py_XDECREF(mod);
    return mod ? 0 : -1;
}

/* Resolves name (or name.__main__ for packages) to its spec. */
static PyObject *main_spec(Finder *f, PyObject **name)
{
    PyObject *spec, *locs;
    if (import_parent(*name) < 0 || !(spec = pyembed__find_spec_name(f, *name)))
        return NULL;
    if (spec == Py_None)
        return spec;
    locs = PyObject_GetAttrString(spec, "submodule_search_locations");
    if (locs && locs != Py_None) {
        PyObject *mainname = PyUnicode_FromFormat("%U.__main__", *name);
        Py_DECREF(spec);
        Py_DECREF(locs);
        if (!mainname)
            return NULL;
        Py_SETREF(*name, mainname);
        if (import_parent(mainname) < 0) /* the package itself */
            return NULL;
        return pyembed__find_spec_name(f, mainname);
    }
    Py_XDECREF(locs);
    return spec;
}

/* Fills __main__'s globals the way runpy._run_code does. */
static int set_globals(PyObject *g, PyObject *spec)
{
    static const char *const keys[][2] = {
        {"__file__", "origin"}, {"__loader__", "loader"}, {"__package__", "parent"}};
    PyObject *main_name = PyUnicode_InternFromString("__main__");
    int rc = main_name ? PyDict_SetItemString(g, "__name__", main_name) : -1;
    Py_XDECREF(main_name);
    if (rc || PyDict_SetItemString(g, "__spec__", spec) ||
        PyDict_SetItemString(g, "__cached__", Py_None) ||
        PyDict_SetItemString(g, "__doc__", Py_None))
        return -1;
    for (size_t i = 0; i < 3; i++) {
        PyObject *v = PyObject_GetAttrString(spec, keys[i][1]);
        int err = v ? PyDict_SetItemString(g, keys[i][0], v) : -1;
        Py_XDECREF(v);
        if (err)
            return -1;
    }
    return 0;
}

/* Sets sys.argv[0] to the module's file, as `python -m` does. */
static int set_argv0(PyObject *spec)
{
    PyObject *argv = PySys_GetObject("argv"), *origin;
    int rc;
    if (!argv || !PyList_Check(argv) || PyList_GET_SIZE(argv) == 0)
        return 0;
    if (!(origin = PyObject_GetAttrString(spec, "origin")))
        return -1;
    rc = PyList_SetItem(argv, 0, origin);
    return rc;
}

/* The code of module name: from the blob, or — for a filesystem-relative
 * entry module — from the loader importlib chose for its file. */
static PyObject *spec_code(Finder *f, PyObject *spec, PyObject *name)
{
    PyObject *loader = PyObject_GetAttrString(spec, "loader"), *code;
    packrs_resource res;
    Py_ssize_t len;
    const char *utf8;
    if (!loader)
        return NULL;
    if (loader != (PyObject *)f) {
        code = PyObject_CallMethod(loader, "get_code", "O", name);
        Py_DECREF(loader);
        return code;
    }
    Py_DECREF(loader);
    utf8 = PyUnicode_AsUTF8AndSize(name, &len);
    if (!utf8 || pyembed__lookup(f, utf8, len, &res) <= 0)
        return NULL;
    return pyembed__get_code_res(f, &res);
}

/* Runs module name (a str) as __main__ through the packed finder f. */
static PyObject *run_as_main(Finder *f, PyObject *name)
{
    PyObject *spec, *code = NULL, *main, *r = NULL;
    spec = main_spec(f, &name);
    if (spec == Py_None) {
        r = no_module(name, "No module named");
    } else if (spec && (!f->quick_exit || pyembed__quick_exit_arm() == 0) &&
               (main = PyImport_AddModule("__main__")) &&
               set_globals(PyModule_GetDict(main), spec) == 0 && set_argv0(spec) == 0) {
        code = spec_code(f, spec, name);
        if (code)
            r = PyEval_EvalCode(code, PyModule_GetDict(main), PyModule_GetDict(main));
        if (code && f->fast_exit && (r || !PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)))
            pyembed__fast_exit(r != NULL); /* returns only to take the slow path */
        if (code && f->quick_exit)
            pyembed__quick_exit_outcome(r != NULL);
    } else if (PyErr_ExceptionMatches(PyExc_ImportError)) {
        r = no_module(name, "Error while finding module specification for");
    }
    Py_XDECREF(spec);
    Py_XDECREF(code);
    Py_DECREF(name);
    return r;
}

/* _run_main(): runs the target module as __main__. */
static PyObject *run_main(PyObject *self, PyObject *noargs)
{
    Finder *f = packed_finder();
    PyObject *name, *r;
    (void)self;
    (void)noargs;
    if (!target)
        return PyErr_Format(PyExc_RuntimeError, "_pyembed: no module to run");
    if (!(name = PyUnicode_DecodeFSDefault(target)))
        return NULL;
    if (f)
        return run_as_main(f, name); /* consumes name */
    r = via_runpy(name);
    Py_DECREF(name);
    return r;
}

PyMethodDef pyembed__runmain_def = {
    "_run_main", run_main, METH_NOARGS,
    "Run the configured packed module as __main__ (python -m semantics, without runpy)."};
