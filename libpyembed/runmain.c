/*
 * runmain.c — `python -m NAME` semantics without importing runpy, and
 * without a Python frame of ours above the app's.
 *
 * runpy (and the contextlib/collections/importlib.util it pulls in) costs
 * more than the rest of start-up together, so for modules in the blob
 * pyembed__runmain_run() does what runpy._run_module_as_main does: import
 * the parent package, resolve a package to its __main__ and run its code
 * in __main__'s namespace with __name__, __file__, __spec__, __loader__.
 * It is called from C (python_init.c), not from a run_command, so a
 * traceback starts at the app's own module. The packed app is a program
 * of its own, like a console script: sys.argv[0] stays the executable as
 * it was invoked and __package__ is None (relative imports use
 * __spec__.parent), so argparse and click name the executable in usage
 * lines. Without the packed importer on sys.meta_path runpy does the work.
 */
#include "importer_int.h"

#include <string.h>

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

/* Raises SystemExit("exe: msg") as runpy does for a module that cannot
 * run (msg consumed); returns NULL. */
static PyObject *exit_with(PyObject *msg)
{
    PyObject *exe = PySys_GetObject("executable"), *full;
    if (!msg)
        return NULL;
    full = PyUnicode_FromFormat("%S: %U", exe ? exe : Py_None, msg);
    Py_DECREF(msg);
    if (full)
        PyErr_SetObject(PyExc_SystemExit, full);
    Py_XDECREF(full);
    return NULL;
}

/* runpy's message for a module that does not exist; pkg is the package
 * whose __main__ is missing, or NULL. */
static PyObject *no_module(PyObject *name, PyObject *pkg)
{
    if (pkg)
        return exit_with(PyUnicode_FromFormat("No module named %U; '%U' is a package and "
                                              "cannot be directly executed", name, pkg));
    return exit_with(PyUnicode_FromFormat("No module named %U", name));
}

/* "\n'x' is not packed…": a hint naming the option that packs the module
 * ImportError exc says is missing, when f does not have it; else "".
 * New reference. */
static PyObject *not_packed_hint(Finder *f, PyObject *exc)
{
    PyObject *missing = PyErr_GivenExceptionMatches(exc, PyExc_ModuleNotFoundError) ?
                        PyObject_GetAttrString(exc, "name") : NULL;
    packrs_resource res;
    Py_ssize_t len;
    const char *s = missing && PyUnicode_Check(missing) ?
                    PyUnicode_AsUTF8AndSize(missing, &len) : NULL;
    PyObject *hint;
    if (s && pyembed__lookup(f, s, len, &res) == 0)
        hint = PyUnicode_FromFormat("\n'%U' is not packed in this executable: "
                                    "pyembed-pack build --include %U packs it (or "
                                    "--site-packages DIR, where it is installed)",
                                    missing, missing);
    else
        hint = PyUnicode_FromString("");
    PyErr_Clear();
    Py_XDECREF(missing);
    return hint;
}

/* runpy's "Error while finding module specification for 'X' (E: msg)"
 * for the pending ImportError, with a hint when a module was not packed. */
static PyObject *find_failed(Finder *f, PyObject *name)
{
    PyObject *type, *value, *tb, *hint, *msg;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    hint = value ? not_packed_hint(f, value) : NULL;
    msg = hint ? PyUnicode_FromFormat("Error while finding module specification for %R "
                                      "(%s: %S)%U", name, ((PyTypeObject *)type)->tp_name,
                                      value, hint) : NULL;
    Py_XDECREF(hint);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return exit_with(msg);
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

/* Resolves *name (or *name.__main__ for packages, then *name is that and
 * *pkg the package) to its spec; None when it does not exist. */
static PyObject *main_spec(Finder *f, PyObject **name, PyObject **pkg)
{
    PyObject *spec, *locs, *mainname;
    if (import_parent(*name) < 0 || !(spec = pyembed__find_spec_name(f, *name)))
        return NULL;
    if (spec == Py_None)
        return spec;
    locs = PyObject_GetAttrString(spec, "submodule_search_locations");
    if (!locs || locs == Py_None) {
        Py_XDECREF(locs);
        return spec;
    }
    Py_DECREF(spec);
    Py_DECREF(locs);
    if (!(mainname = PyUnicode_FromFormat("%U.__main__", *name)))
        return NULL;
    *pkg = *name;
    *name = mainname;
    if (import_parent(mainname) < 0) /* the package itself */
        return NULL;
    return pyembed__find_spec_name(f, mainname);
}

/* Fills __main__'s globals the way runpy._run_code does, except
 * __package__ (None: see the top of this file). */
static int set_globals(PyObject *g, PyObject *spec)
{
    static const char *const keys[][2] = {{"__file__", "origin"}, {"__loader__", "loader"}};
    PyObject *main_name = PyUnicode_InternFromString("__main__");
    int rc = main_name ? PyDict_SetItemString(g, "__name__", main_name) : -1;
    Py_XDECREF(main_name);
    if (rc || PyDict_SetItemString(g, "__spec__", spec) ||
        PyDict_SetItemString(g, "__package__", Py_None) ||
        PyDict_SetItemString(g, "__cached__", Py_None) ||
        PyDict_SetItemString(g, "__doc__", Py_None))
        return -1;
    for (size_t i = 0; i < 2; i++) {
        PyObject *v = PyObject_GetAttrString(spec, keys[i][1]);
        int err = v ? PyDict_SetItemString(g, keys[i][0], v) : -1;
        Py_XDECREF(v);
        if (err)
            return -1;
    }
    return 0;
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

/* Runs spec's module (name) in __main__'s namespace; new reference or
 * NULL with the app's exception set. */
static PyObject *exec_main(Finder *f, PyObject *spec, PyObject *name)
{
    PyObject *main, *g, *code, *r = NULL;
    if ((f->quick_exit && pyembed__quick_exit_arm() < 0) ||
        !(main = PyImport_AddModule("__main__")) ||
        set_globals(g = PyModule_GetDict(main), spec) < 0 || !(code = spec_code(f, spec, name)))
        return NULL;
    r = PyEval_EvalCode(code, g, g);
    Py_DECREF(code);
    if (f->fast_exit && (r || !PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)))
        pyembed__fast_exit(r != NULL); /* returns only to take the slow path */
    if (f->quick_exit)
        pyembed__quick_exit_outcome(r != NULL);
    return r;
}

/* 1 when the pending ImportError is about name or one of its parent
 * packages (runpy turns only those into its one-line message; others
 * propagate with their traceback). */
static int about_the_entry(PyObject *name)
{
    PyObject *type, *value, *tb, *missing;
    int r = 1;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    missing = value ? PyObject_GetAttrString(value, "name") : NULL;
    if (missing && PyUnicode_Check(missing)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(missing);
        r = PyUnicode_Tailmatch(name, missing, 0, n, -1) == 1 &&
            (PyUnicode_GET_LENGTH(name) == n || PyUnicode_READ_CHAR(name, n) == '.');
    }
    PyErr_Clear();
    Py_XDECREF(missing);
    PyErr_Restore(type, value, tb);
    return r;
}

/* Runs module name (a str, consumed) as __main__ through finder f. */
static PyObject *run_as_main(Finder *f, PyObject *name)
{
    PyObject *pkg = NULL, *spec = main_spec(f, &name, &pkg), *r = NULL;
    if (spec == Py_None)
        r = no_module(name, pkg);
    else if (spec)
        r = exec_main(f, spec, name);
    else if (PyErr_ExceptionMatches(PyExc_ImportError) && about_the_entry(name))
        r = find_failed(f, name);
    Py_XDECREF(spec);
    Py_XDECREF(pkg);
    Py_DECREF(name);
    return r;
}

/* Prints the pending exception as python does (SystemExit exits here),
 * then, for a module the app imports that was not packed, the hint. */
static void print_uncaught(Finder *f)
{
    PyObject *type, *value, *tb, *hint = NULL;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (f && value && PyErr_GivenExceptionMatches(value, PyExc_ModuleNotFoundError))
        hint = not_packed_hint(f, value);
    PyErr_Restore(type, value, tb);
    PyErr_Print(); /* sys.excepthook */
    if (hint && PyUnicode_GET_LENGTH(hint) > 1) {
        PyObject *text = PyUnicode_Substring(hint, 1, PyUnicode_GET_LENGTH(hint));
        if (text)
            PySys_FormatStderr("pyembed: %U\n", text);
        Py_XDECREF(text);
        PyErr_Clear();
    }
    Py_XDECREF(hint);
}

int pyembed__runmain_run(const char *module, int *sigint)
{
    Finder *f = packed_finder();
    PyObject *name = PyUnicode_DecodeFSDefault(module), *r = NULL;
    *sigint = 0;
    if (name)
        r = f ? run_as_main(f, name) : via_runpy(name);
    if (!f)
        Py_XDECREF(name);
    if (r) {
        Py_DECREF(r);
        return 0;
    }
    *sigint = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
    print_uncaught(f);
    return 1;
}
