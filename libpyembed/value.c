/*
 * value.c — pyembed_value: typed values between C and Python, and their
 * conversions. Arguments are borrowed; results own a malloc'd copy of
 * their text or bytes (released by pyembed_value_clear / pyembed_free) or
 * a new reference. Needs the GIL except for the constructors and
 * pyembed_free.
 */
#include "pyembed_int.h"

#include <stdlib.h>
#include <string.h>

pyembed_value pyembed_value_none(void)
{
    pyembed_value v;
    memset(&v, 0, sizeof v);
    v.type = PYEMBED_TYPE_NONE;
    return v;
}

/* A value of type t with i set (the other constructors' base). */
static pyembed_value typed(int t, int64_t i)
{
    pyembed_value v = pyembed_value_none();
    v.type = t;
    v.i = i;
    return v;
}

pyembed_value pyembed_value_bool(int b)
{
    return typed(PYEMBED_TYPE_BOOL, b != 0);
}

pyembed_value pyembed_value_int(int64_t i)
{
    return typed(PYEMBED_TYPE_INT, i);
}

pyembed_value pyembed_value_float(double f)
{
    pyembed_value v = typed(PYEMBED_TYPE_FLOAT, 0);
    v.f = f;
    return v;
}

pyembed_value pyembed_value_strn(const char *s, size_t len)
{
    pyembed_value v = typed(PYEMBED_TYPE_STR, 0);
    v.data = s;
    v.len = len;
    return v;
}

pyembed_value pyembed_value_str(const char *s)
{
    return pyembed_value_strn(s, s ? strlen(s) : 0);
}

pyembed_value pyembed_value_bytes(const void *p, size_t len)
{
    pyembed_value v = typed(PYEMBED_TYPE_BYTES, 0);
    v.data = p;
    v.len = len;
    return v;
}

pyembed_value pyembed_value_object(void *pyobject)
{
    pyembed_value v = typed(PYEMBED_TYPE_OBJECT, 0);
    v.obj = pyobject;
    return v;
}

void pyembed_free(void *p)
{
    free(p);
}

void pyembed_value_clear(pyembed_value *v)
{
    if (!v || !(v->flags & PYEMBED_VALUE_OWNED))
        return;
    if (v->type == PYEMBED_TYPE_STR || v->type == PYEMBED_TYPE_BYTES)
        free((void *)v->data);
    else if (v->type == PYEMBED_TYPE_OBJECT && v->obj && Py_IsInitialized()) {
        PyGILState_STATE g = PyGILState_Ensure();
        Py_DECREF((PyObject *)v->obj);
        PyGILState_Release(g);
    }
    *v = pyembed_value_none();
}

PyObject *pyembed__value_to_py(const pyembed_value *v, size_t index)
{
    int needs_data = v->type == PYEMBED_TYPE_STR || v->type == PYEMBED_TYPE_BYTES;
    if (needs_data && !v->data && v->len)
        return PyErr_Format(PyExc_ValueError, "argument %zu: NULL data of length %zu",
                            index, v->len);
    switch (v->type) {
    case PYEMBED_TYPE_NONE: Py_RETURN_NONE;
    case PYEMBED_TYPE_BOOL: return PyBool_FromLong(v->i != 0);
    case PYEMBED_TYPE_INT: return PyLong_FromLongLong((long long)v->i);
    case PYEMBED_TYPE_FLOAT: return PyFloat_FromDouble(v->f);
    case PYEMBED_TYPE_STR: return PyUnicode_DecodeUTF8(v->data ? v->data : "",
                                                       (Py_ssize_t)v->len, "strict");
    case PYEMBED_TYPE_BYTES: return PyBytes_FromStringAndSize(v->data ? v->data : "",
                                                              (Py_ssize_t)v->len);
    case PYEMBED_TYPE_OBJECT:
        if (!v->obj)
            return PyErr_Format(PyExc_ValueError, "argument %zu: NULL object", index);
        return Py_NewRef((PyObject *)v->obj);
    default:
        return PyErr_Format(PyExc_ValueError, "argument %zu: bad type %d", index, v->type);
    }
}

/* *out = an owned copy of p[0..n) plus a NUL, typed t. */
static int copy_out(pyembed_value *out, int t, const char *p, size_t n)
{
    char *copy = n < SIZE_MAX ? malloc(n + 1) : NULL;
    if (!copy)
        return PYEMBED_ENOMEM;
    memcpy(copy, p, n);
    copy[n] = 0;
    *out = typed(t, 0);
    out->data = copy;
    out->len = n;
    out->flags = PYEMBED_VALUE_OWNED;
    return PYEMBED_OK;
}

/* str o as an owned STR. */
static int str_out(pyembed_value *out, PyObject *o)
{
    Py_ssize_t n;
    const char *p;
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %.100s", Py_TYPE(o)->tp_name);
        return PYEMBED_EPYTHON;
    }
    if (!(p = PyUnicode_AsUTF8AndSize(o, &n)))
        return PYEMBED_EPYTHON;
    return copy_out(out, PYEMBED_TYPE_STR, p, (size_t)n);
}

/* bytes-like o as an owned BYTES. */
static int bytes_out(pyembed_value *out, PyObject *o)
{
    Py_buffer view;
    int rc;
    if (PyObject_GetBuffer(o, &view, PyBUF_SIMPLE) < 0)
        return PYEMBED_EPYTHON;
    rc = copy_out(out, PYEMBED_TYPE_BYTES, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return rc;
}

/* int o as INT (OverflowError outside int64; TypeError if not an int). */
static int int_out(pyembed_value *out, PyObject *o)
{
    int overflow;
    long long x;
    if (!PyLong_Check(o)) {
        PyErr_Format(PyExc_TypeError, "expected int, got %.100s", Py_TYPE(o)->tp_name);
        return PYEMBED_EPYTHON;
    }
    x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) {
        PyErr_SetString(PyExc_OverflowError, "int does not fit in int64");
        return PYEMBED_EPYTHON;
    }
    if (x == -1 && PyErr_Occurred())
        return PYEMBED_EPYTHON;
    *out = pyembed_value_int((int64_t)x);
    return PYEMBED_OK;
}

/* o as a value of the type its Python type suggests. */
static int any_out(pyembed_value *out, PyObject *o)
{
    if (o == Py_None)
        return *out = pyembed_value_none(), PYEMBED_OK;
    if (PyBool_Check(o))
        return *out = pyembed_value_bool(o == Py_True), PYEMBED_OK;
    if (PyLong_Check(o) && int_out(out, o) == PYEMBED_OK)
        return PYEMBED_OK;
    PyErr_Clear(); /* an int beyond int64 is an OBJECT */
    if (PyFloat_Check(o))
        return *out = pyembed_value_float(PyFloat_AS_DOUBLE(o)), PYEMBED_OK;
    if (PyUnicode_Check(o))
        return str_out(out, o);
    if (PyBytes_Check(o))
        return copy_out(out, PYEMBED_TYPE_BYTES, PyBytes_AS_STRING(o),
                        (size_t)PyBytes_GET_SIZE(o));
    *out = pyembed_value_object(Py_NewRef(o));
    out->flags = PYEMBED_VALUE_OWNED;
    return PYEMBED_OK;
}

int pyembed__value_from_py(pyembed_value *out, PyObject *o, int want)
{
    double f;
    int t;
    *out = pyembed_value_none();
    switch (want) {
    case PYEMBED_TYPE_NONE: return PYEMBED_OK;
    case PYEMBED_TYPE_BOOL:
        if ((t = PyObject_IsTrue(o)) < 0)
            return PYEMBED_EPYTHON;
        return *out = pyembed_value_bool(t), PYEMBED_OK;
    case PYEMBED_TYPE_INT: return int_out(out, o);
    case PYEMBED_TYPE_FLOAT:
        if ((f = PyFloat_AsDouble(o)) == -1.0 && PyErr_Occurred())
            return PYEMBED_EPYTHON;
        return *out = pyembed_value_float(f), PYEMBED_OK;
    case PYEMBED_TYPE_STR: return str_out(out, o);
    case PYEMBED_TYPE_BYTES: return bytes_out(out, o);
    case PYEMBED_TYPE_OBJECT:
        *out = pyembed_value_object(Py_NewRef(o));
        out->flags = PYEMBED_VALUE_OWNED;
        return PYEMBED_OK;
    default: return any_out(out, o);
    }
}

int pyembed__value_borrow(pyembed_value *out, PyObject *o)
{
    Py_ssize_t n;
    const char *p;
    if (PyUnicode_Check(o)) {
        if (!(p = PyUnicode_AsUTF8AndSize(o, &n)))
            return -1;
        *out = pyembed_value_strn(p, (size_t)n);
        return 0;
    }
    if (PyBytes_Check(o)) {
        *out = pyembed_value_bytes(PyBytes_AS_STRING(o), (size_t)PyBytes_GET_SIZE(o));
        return 0;
    }
    if (o == Py_None || PyBool_Check(o) || PyFloat_Check(o) ||
        (PyLong_Check(o) && int_out(out, o) == PYEMBED_OK))
        return any_out(out, o) == PYEMBED_OK ? 0 : -1; /* no copies for these */
    PyErr_Clear();
    *out = pyembed_value_object(o);
    return 0;
}
