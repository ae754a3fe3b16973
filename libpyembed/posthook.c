/*
 * posthook.c — what runs right after the packed importer executed certain
 * modules: functions of py/_pyembed_hooks.py (compiled into this library)
 * that make those modules see packed code (linecache: sources by virtual
 * path; pkg_resources: distributions, entry points and resources).
 * A failing hook is reported as unraisable and never fails the import.
 */
#include "importer_int.h"

#include <string.h>

#include "hooks_source.h" /* HOOKS_SOURCE (generated) */

/* Modules with a hook; the hook function has the module's name. */
static const char *const hooked[] = {"linecache", "pkg_resources"};

void pyembed__posthook(Finder *f, PyObject *module, PyObject *name)
{
    const char *s = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    PyObject *hooks, *r;
    size_t i;
    for (i = 0; s && i < sizeof hooked / sizeof hooked[0] && strcmp(s, hooked[i]); i++)
        ;
    if (!s || i == sizeof hooked / sizeof hooked[0]) {
        PyErr_Clear();
        return;
    }
    if (!(hooks = pyembed__support_module("_pyembed_hooks", HOOKS_SOURCE))) {
        PyErr_WriteUnraisable(name);
        return;
    }
    r = PyObject_CallMethod(hooks, s, "OO", module, (PyObject *)f);
    Py_DECREF(hooks);
    if (!r)
        PyErr_WriteUnraisable(name);
    Py_XDECREF(r);
}
