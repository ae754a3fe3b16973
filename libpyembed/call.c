/*
 * call.c — calling into Python from the host: exec, call (one string in,
 * str out), and the typed calls: call_values, eval, import. Every entry
 * takes the GIL itself (PyGILState_Ensure), so any thread may call in once
 * the creating thread has released it (gil.c).
 */
#include "pyembed_int.h"

#include <string.h>

#define ARGS_ON_STACK 8

/* Checks it can run Python code now. */
static int usable(pyembed_interp *it)
{
    if (!it)
        return PYEMBED_EINVAL;
    if (it->state != IT_RUNNING)
        return pyembed__fail(it, PYEMBED_ESTATE, "interpreter is not running");
    return PYEMBED_OK;
}

/* Records the pending exception on it and prints it as python would
 * (SystemExit is only recorded: a host call must not end the process). */
static int python_error(pyembed_interp *it, const char *what)
{
    PyObject *type, *value, *tb;
    int rc, is_exit = PyErr_ExceptionMatches(PyExc_SystemExit);
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XINCREF(type);
    Py_XINCREF(value);
    Py_XINCREF(tb);
    PyErr_Restore(type, value, tb);
    rc = pyembed__fail_python(it, what); /* consumes the first references */
    PyErr_Restore(type, value, tb);
    if (is_exit)
        PyErr_Clear();
    else
        PyErr_Print();
    return rc;
}

/* Runs code in __main__ (GIL held). */
static int exec_locked(pyembed_interp *it, const char *code)
{
    PyObject *main, *globals, *r;
    if (!(main = PyImport_AddModule("__main__")))
        return python_error(it, "__main__");
    globals = PyModule_GetDict(main);
    r = PyRun_String(code, Py_file_input, globals, globals);
    if (!r)
        return python_error(it, "exec");
    Py_DECREF(r);
    return PYEMBED_OK;
}

int pyembed_exec(pyembed_interp *it, const char *code)
{
    PyGILState_STATE g;
    int rc = usable(it);
    if (rc || !code)
        return rc ? rc : pyembed__fail(it, PYEMBED_EINVAL, "code is NULL");
    g = PyGILState_Ensure();
    rc = exec_locked(it, code);
    PyGILState_Release(g);
    return rc;
}

/* module.func for a dotted func ("Class.method"): a new reference, or
 * NULL with an exception. module NULL is __main__. */
static PyObject *resolve(const char *module, const char *func)
{
    PyObject *obj = PyImport_ImportModule(module ? module : "__main__");
    const char *part = func;
    while (obj && part) {
        const char *dot = strchr(part, '.');
        PyObject *name = dot ? PyUnicode_FromStringAndSize(part, dot - part)
                             : PyUnicode_FromString(part);
        Py_SETREF(obj, name ? PyObject_GetAttr(obj, name) : NULL);
        Py_XDECREF(name);
        part = dot ? dot + 1 : NULL;
    }
    return obj;
}

/* str(module.func(arg)) as a malloc'd string in *out (GIL held). */
static int call_locked(pyembed_interp *it, char **out, const char *module, const char *func,
                       const char *arg)
{
    PyObject *mod, *fn = NULL, *r = NULL, *s = NULL;
    const char *utf8;
    if ((mod = PyImport_ImportModule(module)))
        fn = PyObject_GetAttrString(mod, func);
    if (fn)
        r = arg ? PyObject_CallFunction(fn, "s", arg) : PyObject_CallNoArgs(fn);
    if (r)
        s = PyObject_Str(r);
    utf8 = s ? PyUnicode_AsUTF8(s) : NULL;
    if (utf8 && !(*out = strdup(utf8)))
        PyErr_NoMemory();
    Py_XDECREF(mod);
    Py_XDECREF(fn);
    Py_XDECREF(r);
    Py_XDECREF(s);
    return *out ? PYEMBED_OK : python_error(it, func);
}

int pyembed_call(pyembed_interp *it, char **out, const char *module,
                 const char *func, const char *arg)
{
    PyGILState_STATE g;
    int rc = usable(it);
    if (rc || !out || !module || !func)
        return rc ? rc : pyembed__fail(it, PYEMBED_EINVAL, "NULL argument");
    *out = NULL;
    g = PyGILState_Ensure();
    rc = call_locked(it, out, module, func, arg);
    PyGILState_Release(g);
    return rc;
}

/* Converts result r (a new reference, or NULL: an exception is pending)
 * into *out (NULL: discarded) and releases it; what names the call. */
static int take_result(pyembed_interp *it, pyembed_value *out, int want, PyObject *r,
                       const char *what)
{
    pyembed_value v;
    int rc = r ? pyembed__value_from_py(&v, r, out ? want : PYEMBED_TYPE_NONE)
               : PYEMBED_EPYTHON;
    Py_XDECREF(r);
    if (rc == PYEMBED_ENOMEM)
        return pyembed__fail(it, rc, "%s: out of memory converting the result", what);
    if (rc)
        return pyembed__fail_exception(it, what);
    if (out)
        *out = v;
    return PYEMBED_OK;
}

/* Checks the arguments common to the typed calls; sets *out to NONE. */
static int typed_args(pyembed_interp *it, pyembed_value *out, int want)
{
    int rc = usable(it);
    if (out)
        *out = pyembed_value_none();
    if (rc)
        return rc;
    if (want < PYEMBED_TYPE_NONE || want > PYEMBED_TYPE_ANY)
        return pyembed__fail(it, PYEMBED_EINVAL, "bad wanted type %d", want);
    return PYEMBED_OK;
}

/* fn(*args) for C values args (GIL held): new reference or NULL. */
static PyObject *call_with(PyObject *fn, const pyembed_value *args, size_t nargs)
{
    PyObject *small[ARGS_ON_STACK], **argv = small, *r = NULL;
    size_t made = 0;
    if (nargs > ARGS_ON_STACK && !(argv = PyMem_Malloc(nargs * sizeof *argv)))
        return PyErr_NoMemory();
    while (made < nargs && (argv[made] = pyembed__value_to_py(&args[made], made)))
        made++;
    if (made == nargs)
        r = PyObject_Vectorcall(fn, argv, nargs, NULL);
    while (made)
        Py_DECREF(argv[--made]);
    if (argv != small)
        PyMem_Free(argv);
    return r;
}

int pyembed_call_values(pyembed_interp *it, pyembed_value *out, int want,
                        const char *module, const char *func,
                        const pyembed_value *args, size_t nargs)
{
    PyGILState_STATE g;
    PyObject *fn;
    int rc = typed_args(it, out, want);
    if (rc)
        return rc;
    if (!func || (nargs && !args) || nargs > PY_SSIZE_T_MAX / sizeof(PyObject *))
        return pyembed__fail(it, PYEMBED_EINVAL, "func is NULL or args do not match nargs");
    g = PyGILState_Ensure();
    fn = resolve(module, func);
    rc = take_result(it, out, want, fn ? call_with(fn, args, nargs) : NULL, func);
    Py_XDECREF(fn);
    PyGILState_Release(g);
    return rc;
}

int pyembed_eval(pyembed_interp *it, pyembed_value *out, int want, const char *expr)
{
    PyGILState_STATE g;
    PyObject *main, *globals, *r = NULL;
    int rc = typed_args(it, out, want);
    if (rc || !expr)
        return rc ? rc : pyembed__fail(it, PYEMBED_EINVAL, "expr is NULL");
    g = PyGILState_Ensure();
    if ((main = PyImport_AddModule("__main__"))) { /* borrowed */
        globals = PyModule_GetDict(main);
        r = PyRun_String(expr, Py_eval_input, globals, globals);
    }
    rc = take_result(it, out, want, r, "eval");
    PyGILState_Release(g);
    return rc;
}

int pyembed_import(pyembed_interp *it, pyembed_value *out, const char *module)
{
    PyGILState_STATE g;
    int rc = typed_args(it, out, PYEMBED_TYPE_OBJECT);
    if (rc || !module)
        return rc ? rc : pyembed__fail(it, PYEMBED_EINVAL, "module is NULL");
    g = PyGILState_Ensure();
    rc = take_result(it, out, PYEMBED_TYPE_OBJECT, PyImport_ImportModule(module), module);
    PyGILState_Release(g);
    return rc;
}
