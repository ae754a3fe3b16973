/*
 * excepthook.c — sys.excepthook for packed apps.
 *
 * CPython 3.11's built-in hook reads source lines from disk only, so
 * tracebacks of in-memory modules would lack them. This hook formats with
 * the traceback module, whose linecache asks the module's __loader__ for
 * get_source(); if that module is unavailable it falls back to the
 * built-in display (PyErr_Display), so an error is never hidden. It is
 * also sys.__excepthook__ (python3 starts with the two the same object, and
 * code restoring sys.excepthook from it keeps packed sources).
 */
#include "pyembed_int.h"
#include "pycompat_int.h"

/* The `limit` for traceback.print_exception that prints what the
 * built-in hook prints under sys.tracebacklimit (its last N entries, none
 * for N <= 0): -N, 0, or None when unset. New reference. */
static PyObject *tb_limit(void)
{
    PyObject *v = PySys_GetObject("tracebacklimit");
    int overflow;
    long n;
    if (!v || !PyLong_Check(v))
        Py_RETURN_NONE;
    n = PyLong_AsLongAndOverflow(v, &overflow);
    if (overflow > 0) /* a huge limit: everything */
        Py_RETURN_NONE;
    return PyLong_FromLong(n > 0 && !overflow ? -n : 0);
}

/* excepthook(type, value, tb) */
static PyObject *excepthook(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
    PyObject *tb, *limit, *r = NULL;
    int sigint = pyembed__compat_sigint_exit_flag(0, 0); /* set if uncaught KI */
    (void)self;
    if (n != 3)
        return PyErr_Format(PyExc_TypeError, "excepthook takes 3 arguments");
    if ((tb = PyImport_ImportModule("traceback")) && (limit = tb_limit())) {
        r = PyObject_CallMethod(tb, "print_exception", "OOOO", args[0], args[1], args[2],
                                limit);
        Py_DECREF(limit);
    }
    Py_XDECREF(tb);
    if (!r) {
        PyErr_Clear();
        PyErr_Display(args[0], args[1], args[2]);
        r = Py_NewRef(Py_None);
    }
    pyembed__compat_sigint_exit_flag(1, sigint); /* undo resets by our imports */
    return r;
}

PyMethodDef pyembed__excepthook_def = {
    "excepthook", (PyCFunction)(void (*)(void))excepthook, METH_FASTCALL,
    "Print an exception with source lines of packed modules."};
