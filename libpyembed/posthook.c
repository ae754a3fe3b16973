/*
 * posthook.c — what runs right after the packed importer executed certain
 * modules: a function of a small Python module compiled into this library
 * (py/_pyembed_linecache.py, py/_pyembed_pkg_resources.py), one per hooked
 * module, so importing linecache (which most programs do) compiles only
 * its own hook. They make those modules see packed code (linecache:
 * sources by virtual path; pkg_resources: distributions, entry points and
 * resources). A failing hook is reported as unraisable and never fails
 * the import.
 */
#include "importer_int.h"

#include <string.h>

#include "linecache_source.h"     /* LINECACHE_SOURCE (generated) */
#include "pkg_resources_source.h" /* PKG_RESOURCES_SOURCE (generated) */

/* The hooked modules: the hook function has the module's name. */
static const struct {
    const char *module, *support, *source;
} hooked[] = {
    {"linecache", "_pyembed_linecache", LINECACHE_SOURCE},
    {"pkg_resources", "_pyembed_pkg_resources", PKG_RESOURCES_SOURCE},
};

void pyembed__posthook(Finder *f, PyObject *module, PyObject *name)
{
    const char *s = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    PyObject *hooks, *r;
    size_t i;
    for (i = 0; s && i < sizeof hooked / sizeof hooked[0] && strcmp(s, hooked[i].module); i++)
        ;
    if (!s || i == sizeof hooked / sizeof hooked[0]) {
        PyErr_Clear();
        return;
    }
    if (!(hooks = pyembed__support_module(hooked[i].support, hooked[i].source))) {
        PyErr_WriteUnraisable(name);
        return;
    }
    r = PyObject_CallMethod(hooks, s, "OO", module, (PyObject *)f);
    Py_DECREF(hooks);
    if (!r)
        PyErr_WriteUnraisable(name);
    Py_XDECREF(r);
}
