/*
 * resources.c — importlib.resources and importlib.metadata support:
 * get_resource_reader(), find_distributions() and the accessors their
 * Python sides use. Those (py/_pyembed_resources.py, _pyembed_metadata.py)
 * are compiled into this library and run on first use, because the ABCs
 * they implement (Traversable, Distribution) are Python classes.
 */
#include "importer_int.h"

#include <string.h>

#include "metadata_source.h"  /* METADATA_SOURCE (generated) */
#include "resources_source.h" /* RESOURCES_SOURCE (generated) */

/* Distributions are resources "@dist/<dir>.dist-info" (docs/runtime.md). */
#define DIST_PREFIX "@dist/"

PyObject *pyembed__support_module(const char *name, const char *source)
{
    PyObject *mods = PyImport_GetModuleDict(), *m, *code, *file;
    if ((m = PyDict_GetItemString(mods, name)))
        return Py_NewRef(m);
    if (!(file = PyUnicode_FromFormat("<pyembed>/%s.py", name)))
        return NULL;
    code = Py_CompileStringObject(source, file, Py_file_input, NULL, -1);
    Py_DECREF(file);
    if (!code)
        return NULL;
    m = PyImport_ExecCodeModule(name, code);
    Py_DECREF(code);
    return m;
}

static PyObject *resources_module(void)
{
    return pyembed__support_module("_pyembed_resources", RESOURCES_SOURCE);
}

/* The packed package called by str name: 1 found, 0 not a package, -1. */
static int find_package(Finder *f, PyObject *name, packrs_resource *res)
{
    Py_ssize_t len;
    const char *s = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &len) : NULL;
    int found;
    if (!s)
        return PyErr_Format(PyExc_TypeError, "package name must be str"), -1;
    found = pyembed__lookup(f, s, len, res);
    return found > 0 ? (res->kind & (PACKRS_KIND_PACKAGE | PACKRS_KIND_NAMESPACE)) != 0 : found;
}

PyObject *pyembed__get_resource_reader(Finder *f, PyObject *fullname)
{
    packrs_resource res;
    PyObject *mod, *reader;
    int found = find_package(f, fullname, &res);
    if (found <= 0)
        return found ? NULL : Py_NewRef(Py_None);
    if (!(mod = resources_module()))
        return NULL;
    reader = PyObject_CallMethod(mod, "PackedReader", "OO", (PyObject *)f, fullname);
    Py_DECREF(mod);
    return reader;
}

PyObject *pyembed__data_keys(Finder *f, PyObject *package)
{
    packrs_resource res;
    PyObject *keys = PyList_New(0);
    int found = keys ? find_package(f, package, &res) : -1;
    for (uint32_t i = 0; found > 0 && i < res.field_count; i++) {
        packrs_field fld;
        int rc = packrs_resource_field_at(f->reader, &res, i, &fld);
        PyObject *k;
        if (rc) {
            pyembed__import_error(f, res.name, rc);
            found = -1;
        } else if (fld.type == PACKRS_FIELD_DATA_FILE) {
            k = PyUnicode_DecodeUTF8(fld.name, (Py_ssize_t)fld.name_len, "surrogateescape");
            if (!k || PyList_Append(keys, k))
                found = -1;
            Py_XDECREF(k);
        }
    }
    if (found < 0)
        Py_CLEAR(keys);
    return keys;
}

PyObject *pyembed__data(Finder *f, PyObject *args)
{
    packrs_resource res;
    packrs_field fld;
    PyObject *package;
    const char *key;
    int found, rc;
    if (!PyArg_ParseTuple(args, "Us:_data", &package, &key))
        return NULL;
    if ((found = find_package(f, package, &res)) <= 0)
        return found ? NULL : PyErr_Format(PyExc_FileNotFoundError, "%R is not packed", package);
    rc = packrs_resource_field(f->reader, &res, PACKRS_FIELD_DATA_FILE, key, &fld);
    if (rc == PACKRS_ENOTFOUND)
        return PyErr_Format(PyExc_FileNotFoundError, "%U: no resource %s", package, key);
    if (rc)
        return pyembed__import_error(f, res.name, rc);
    return pyembed__field_bytes(f, res.name, &fld);
}

PyObject *pyembed__subpackages(Finder *f, PyObject *package)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(package, &len);
    PyObject *children = s ? pyembed__list_children(f, s, (size_t)len, NULL) : NULL, *out;
    if (!children)
        return NULL;
    out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < PyList_GET_SIZE(children); i++) {
        PyObject *t = PyList_GET_ITEM(children, i);
        if (PyTuple_GET_ITEM(t, 1) == Py_True && PyList_Append(out, PyTuple_GET_ITEM(t, 0)))
            Py_CLEAR(out);
    }
    Py_DECREF(children);
    return out;
}

/* find_distributions(context=None) */
PyObject *pyembed__find_distributions(Finder *f, PyObject *args)
{
    PyObject *context = Py_None, *mod, *r;
    if (!PyArg_ParseTuple(args, "|O:find_distributions", &context))
        return NULL;
    if (!(mod = pyembed__support_module("_pyembed_metadata", METADATA_SOURCE)))
        return NULL;
    r = PyObject_CallMethod(mod, "find", "OO", (PyObject *)f, context);
    Py_DECREF(mod);
    return r;
}

/* Names of all "@dist/" resources (a contiguous range: sorted names). */
PyObject *pyembed__distinfo_resources(Finder *f, PyObject *noargs)
{
    PyObject *list = PyList_New(0);
    size_t n = packrs_reader_count(f->reader);
    (void)noargs;
    for (size_t i = 0; list && i < n; i++) {
        packrs_resource r;
        PyObject *name;
        int rc = packrs_reader_get(f->reader, i, &r);
        if (rc)
            return Py_DECREF(list), pyembed__import_error(f, "@dist", rc);
        if (r.name[0] > '@')
            break; /* past every name starting with '@' */
        if (!(r.kind & PACKRS_KIND_DISTINFO) || strncmp(r.name, DIST_PREFIX, 6))
            continue;
        name = PyUnicode_DecodeUTF8(r.name, (Py_ssize_t)r.name_len, "surrogateescape");
        if (!name || PyList_Append(list, name))
            Py_CLEAR(list);
        Py_XDECREF(name);
    }
    return list;
}

/* _distinfo_file(resource, filename) -> bytes or None */
PyObject *pyembed__distinfo_file(Finder *f, PyObject *args)
{
    packrs_resource res;
    packrs_field fld;
    const char *name, *file;
    int rc;
    if (!PyArg_ParseTuple(args, "ss:_distinfo_file", &name, &file))
        return NULL;
    rc = packrs_reader_find(f->reader, name, strlen(name), &res);
    if (rc == PACKRS_OK)
        rc = packrs_resource_field(f->reader, &res, PACKRS_FIELD_DISTINFO_FILE, file, &fld);
    if (rc == PACKRS_ENOTFOUND)
        Py_RETURN_NONE;
    if (rc)
        return pyembed__import_error(f, name, rc);
    return pyembed__field_bytes(f, name, &fld);
}
