/*
 * error.c — the bottom layer: failures recorded for the interpreter
 * handle, and the public error accessors. Calls nothing else in libpyembed.
 *
 * Until the interpreter runs, a failure is written to the handle (only the
 * creating thread uses it then). Once it runs, several threads may call in
 * at once (pyembed.h), so a failure goes to the calling thread's own slot,
 * tagged with the handle's id (unique in the process), and errmsg reads
 * the calling thread's slot when it belongs to that handle. A slot's
 * traceback text is malloc'd; a thread-specific key frees it when the
 * thread ends.
 */
#include "pyembed_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct err_slot {
    uint64_t interp_id; /* 0: unused */
    char msg[512];
    char *traceback;    /* NULL: none */
} err_slot;

static _Thread_local err_slot slot;
static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

/* Thread exit: frees the slot's traceback (p is that slot). */
static void slot_cleanup(void *p)
{
    err_slot *s = p;
    free(s->traceback);
    s->traceback = NULL;
}

static void slot_key_create(void)
{
    (void)pthread_key_create(&slot_key, slot_cleanup);
}

/* The buffer a failure of it goes to (see the top of this file). */
static err_slot *slot_for(pyembed_interp *it)
{
    if (it->state != IT_RUNNING && it->state != IT_FINISHED)
        return NULL;
    if (slot.interp_id != it->id) {
        slot.interp_id = it->id;
        free(slot.traceback);
        slot.traceback = NULL;
    }
    return &slot;
}

int pyembed__fail(pyembed_interp *it, int code, const char *fmt, ...)
{
    err_slot *s = slot_for(it);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s ? s->msg : it->errmsg, s ? sizeof s->msg : sizeof it->errmsg, fmt, ap);
    va_end(ap);
    if (s) {
        free(s->traceback);
        s->traceback = NULL;
    }
    return code;
}

/* Records "what: Type: message" of exception (type, value) on it. */
static void record(pyembed_interp *it, const char *what, PyObject *type, PyObject *value)
{
    PyObject *s = value ? PyObject_Str(value) : NULL;
    const char *txt = s ? PyUnicode_AsUTF8(s) : NULL;
    PyErr_Clear();
    pyembed__fail(it, PYEMBED_EPYTHON, "%s: %s%s%s", what,
                  type ? ((PyTypeObject *)type)->tp_name : "error",
                  txt ? ": " : "", txt ? txt : "");
    Py_XDECREF(s);
}

int pyembed__fail_python(pyembed_interp *it, const char *what)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    record(it, what, type, value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return PYEMBED_EPYTHON;
}

/* traceback.format_exception(value) joined, as a new str (NULL, no
 * exception set, if it cannot be made). */
static PyObject *format_traceback(PyObject *value)
{
    PyObject *mod = PyImport_ImportModule("traceback"), *lines = NULL, *text = NULL, *sep;
    if (mod)
        lines = PyObject_CallMethod(mod, "format_exception", "O", value);
    if (lines && (sep = PyUnicode_FromString(""))) {
        text = PyUnicode_Join(sep, lines);
        Py_DECREF(sep);
    }
    Py_XDECREF(lines);
    Py_XDECREF(mod);
    PyErr_Clear();
    return text;
}

/* Keeps a copy of the traceback text of value in the calling thread's
 * slot for it (nothing if it is not running or memory runs out). */
static void keep_traceback(pyembed_interp *it, PyObject *value)
{
    err_slot *s = slot_for(it);
    PyObject *text = s && value ? format_traceback(value) : NULL;
    const char *utf8 = text ? PyUnicode_AsUTF8(text) : NULL;
    PyErr_Clear();
    if (utf8 && (s->traceback = strdup(utf8))) {
        pthread_once(&slot_once, slot_key_create);
        (void)pthread_setspecific(slot_key, s);
    }
    Py_XDECREF(text);
}

int pyembed__fail_exception(pyembed_interp *it, const char *what)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb)
        PyException_SetTraceback(value, tb);
    record(it, what, type, value); /* clears the slot's old traceback */
    keep_traceback(it, value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return PYEMBED_EPYTHON;
}

const char *pyembed_interp_errmsg(const pyembed_interp *it)
{
    if (!it)
        return "out of memory";
    return slot.interp_id == it->id ? slot.msg : it->errmsg;
}

const char *pyembed_interp_traceback(const pyembed_interp *it)
{
    return it && slot.interp_id == it->id && slot.traceback ? slot.traceback : "";
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
    case PYEMBED_EUNAVAILABLE: return "not available in this build";
    default: return "unknown error";
    }
}
