/*
 * lookup.c — the importer's bottom layer: finding a resource by module
 * name, reading its fields, the ImportError for a failed read, and the
 * virtual paths that become __file__ and __path__.
 *
 * Virtual paths follow zipimport: a module's __file__ is
 * "<executable>/<pkg>/<mod>.py", a path that can never exist on disk (the
 * executable is a file), so nothing is ever read from there.
 */
#include "importer_int.h"

#include <stdlib.h>
#include <string.h>

PyObject *pyembed__import_error(Finder *f, const char *name, int rc)
{
    PyObject *msg = PyUnicode_FromFormat(
        "pyembed: packed resource '%s' cannot be used: %s (%s)", name,
        packrs_reader_errmsg(f->reader), packrs_strerror(rc));
    PyObject *nm = PyUnicode_FromString(name);
    if (msg && nm)
        PyErr_SetImportError(msg, nm, Py_None);
    Py_XDECREF(msg);
    Py_XDECREF(nm);
    return NULL;
}

int pyembed__lookup(Finder *f, const char *name, Py_ssize_t len,
                    packrs_resource *res)
{
    int rc = packrs_reader_find(f->reader, name, (size_t)len, res);
    if (rc == PACKRS_ENOTFOUND)
        return 0;
    if (rc)
        return pyembed__import_error(f, name, rc), -1;
    /* only module kinds are importable */
    return (res->kind & (PACKRS_KIND_MODULE | PACKRS_KIND_PACKAGE |
                         PACKRS_KIND_NAMESPACE | PACKRS_KIND_EXTENSION)) != 0;
}

int pyembed__get_field(Finder *f, const packrs_resource *res, int type,
                       packrs_field *out)
{
    int rc = packrs_resource_field(f->reader, res, type, NULL, out);
    if (rc == PACKRS_OK)
        return 1;
    if (rc == PACKRS_ENOTFOUND)
        return 0;
    pyembed__import_error(f, res->name, rc);
    return -1;
}

PyObject *pyembed__field_bytes(Finder *f, const char *name, const packrs_field *fld)
{
    const void *p;
    size_t n;
    void *owned;
    PyObject *b;
    int rc = packrs_field_read(f->reader, fld, &p, &n, &owned);
    if (rc)
        return pyembed__import_error(f, name, rc);
    b = PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
    free(owned);
    packrs_field_release(f->reader, fld); /* copied: the mapped pages may go */
    return b;
}

/* "<prefix>/a/b<suffix>" for resource name "a.b" (names are UTF-8).
 * New reference. */
static PyObject *virtual_path(Finder *f, const packrs_resource *res, const char *suffix)
{
    char stackbuf[256], *buf = stackbuf;
    size_t need = res->name_len + strlen(suffix) + 1;
    PyObject *out;
    if (need > sizeof stackbuf && !(buf = PyMem_Malloc(need)))
        return PyErr_NoMemory();
    for (size_t i = 0; i < res->name_len; i++)
        buf[i] = res->name[i] == '.' ? '/' : res->name[i];
    strcpy(buf + res->name_len, suffix);
    out = PyUnicode_FromFormat("%U/%s", f->prefix, buf);
    if (buf != stackbuf)
        PyMem_Free(buf);
    return out;
}

PyObject *pyembed__origin(Finder *f, const packrs_resource *res)
{
    packrs_field fp;
    int has = pyembed__get_field(f, res, PACKRS_FIELD_FS_PATH, &fp);
    if (has < 0)
        return NULL;
    if (has) { /* UTF-8: the fs codec may not exist yet (and wants a NUL) */
        PyObject *rel = PyUnicode_DecodeUTF8(fp.data, (Py_ssize_t)fp.size, "surrogateescape");
        PyObject *out = rel ? PyUnicode_FromFormat("%s/%U", f->origin, rel) : NULL;
        Py_XDECREF(rel);
        return out;
    }
    if (res->kind & PACKRS_KIND_NAMESPACE)
        Py_RETURN_NONE;
    return virtual_path(f, res, res->kind & PACKRS_KIND_EXTENSION ?
                        (res->kind & PACKRS_KIND_PACKAGE ? "/__init__.so" : ".so") :
                        res->kind & PACKRS_KIND_PACKAGE ? "/__init__.py" : ".py");
}

PyObject *pyembed__package_dir(Finder *f, const packrs_resource *res)
{
    return virtual_path(f, res, "");
}
