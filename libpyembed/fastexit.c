/*
 * fastexit.c — optional quick process exit after a packed app's entry
 * module returns (pyembed-pack --fast-exit, config.fast_exit).
 *
 * Py_FinalizeEx tears every module and object down: a quarter of a small
 * app's start-to-exit time. A fast exit keeps what is observable from
 * outside — non-daemon threads are joined, atexit callbacks run, stdio is
 * flushed (a failing flush still gives status 120) — and skips the
 * teardown, so __del__ methods of objects alive at exit do not run. It
 * applies when the entry module returns or raises SystemExit with an int
 * or None; anything else takes CPython's normal path.
 */
#include "pyembed_int.h"
#include "tempdir_int.h"

#include <stdio.h>
#include <unistd.h>

/* Calls module.method() if module was imported; -1 with exception set. */
static int call_if_imported(const char *module, const char *method)
{
    PyObject *name = PyUnicode_FromString(module), *m, *r;
    if (!name)
        return -1;
    m = PyImport_GetModule(name);
    Py_DECREF(name);
    if (!m)
        return PyErr_Occurred() ? -1 : 0;
    r = PyObject_CallMethod(m, method, NULL);
    Py_DECREF(m);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Flushes sys.<name>; 0 ok, -1 (reported as unraisable, like CPython's
 * flush_std_files) when it fails. */
static int flush_std(const char *name)
{
    PyObject *f = PySys_GetObject(name), *r;
    if (!f || f == Py_None)
        return 0;
    if ((r = PyObject_CallMethod(f, "flush", NULL))) {
        Py_DECREF(r);
        return 0;
    }
    PyErr_WriteUnraisable(f);
    return -1;
}

/* The exit status for a pending SystemExit whose code is an int or None,
 * clearing it; -1 (exception kept) for any other pending exception. */
static int exit_code_of_pending(void)
{
    PyObject *type, *value, *tb, *code;
    long status;
    if (!PyErr_ExceptionMatches(PyExc_SystemExit))
        return -1;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    code = value ? PyObject_GetAttrString(value, "code") : NULL;
    status = !code || code == Py_None ? 0 : PyLong_Check(code) ? PyLong_AsLong(code) : -1;
    Py_XDECREF(code);
    if (status < 0 || status > 255 || PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
        return -1;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return (int)status;
}

int pyembed__fast_exit(int finished_ok)
{
    int status = finished_ok ? 0 : exit_code_of_pending();
    if (status < 0)
        return -1; /* not a plain exit: CPython's path reports it */
    if (call_if_imported("threading", "_shutdown") < 0 ||
        call_if_imported("atexit", "_run_exitfuncs") < 0)
        PyErr_WriteUnraisable(NULL);
    if (flush_std("stdout") < 0 && status == 0)
        status = 120;
    flush_std("stderr");
    fflush(stdout);
    fflush(stderr);
    pyembed__tempdir_remove(); /* _exit skips atexit */
    _exit(status);
}
