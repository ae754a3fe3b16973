/*
 * error.c — the bottom layer: failures recorded on the interpreter handle,
 * and the public error accessors. Calls nothing else in libpyembed.
 */
#include "pyembed_int.h"

#include <stdarg.h>
#include <stdio.h>

int pyembed__fail(pyembed_interp *it, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->errmsg, sizeof it->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int pyembed__fail_python(pyembed_interp *it, const char *what)
{
    PyObject *type, *value, *tb, *s = NULL;
    const char *txt = NULL;
    PyErr_Fetch(&type, &value, &tb);
    if (value && (s = PyObject_Str(value)))
        txt = PyUnicode_AsUTF8(s);
    PyErr_Clear();
    pyembed__fail(it, PYEMBED_EPYTHON, "%s: %s%s%s", what,
                  type ? ((PyTypeObject *)type)->tp_name : "error",
                  txt ? ": " : "", txt ? txt : "");
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return PYEMBED_EPYTHON;
}

const char *pyembed_interp_errmsg(const pyembed_interp *it)
{
    return it ? it->errmsg : "out of memory";
}

const char *pyembed_strerror(int code)
{
    switch (code) {
    case PYEMBED_OK: return "ok";
    case PYEMBED_ENOMEM: return "out of memory";
    case PYEMBED_EINVAL: return "invalid argument";
    case PYEMBED_ERESOURCES: return "packed resources unusable";
    case PYEMBED_EINIT: return "Python initialisation failed";
    case PYEMBED_EPYTHON: return "Python exception";
    case PYEMBED_ESTATE: return "invalid state";
    default: return "unknown error";
    }
}
