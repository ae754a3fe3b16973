/* call.c — calling into Python from the host: exec and call. */
#include "pyembed_int.h"

#include <string.h>

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

int pyembed_exec(pyembed_interp *it, const char *code)
{
    PyObject *main, *globals, *r;
    int rc = usable(it);
    if (rc || !code)
        return rc ? rc : pyembed__fail(it, PYEMBED_EINVAL, "code is NULL");
    if (!(main = PyImport_AddModule("__main__")))
        return python_error(it, "__main__");
    globals = PyModule_GetDict(main);
    r = PyRun_String(code, Py_file_input, globals, globals);
    if (!r)
        return python_error(it, "exec");
    Py_DECREF(r);
    return PYEMBED_OK;
}

int pyembed_call(pyembed_interp *it, char **out, const char *module,
                 const char *func, const char *arg)
{
    PyObject *mod, *fn = NULL, *r = NULL, *s = NULL;
    const char *utf8;
    int rc = usable(it);
    if (rc || !out || !module || !func)
        return rc ? rc : pyembed__fail(it, PYEMBED_EINVAL, "NULL argument");
    *out = NULL;
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
