/*
 * resources.c — importlib.resources support: get_resource_reader() and
 * the two accessors the Python-side Traversable uses (_data_keys, _data).
 * The Traversable itself is py/_pyembed_resources.py, compiled into this
 * library and executed on first use (importlib.resources' ABCs are Python).
 */
#include "importer_int.h"

#include <string.h>

#include "resources_source.h" /* RESOURCES_SOURCE (generated) */

/* The _pyembed_resources module, created from RESOURCES_SOURCE once. */
static PyObject *resources_module(void)
{
    PyObject *mods = PyImport_GetModuleDict(), *m, *code;
    if ((m = PyDict_GetItemString(mods, "_pyembed_resources")))
        return Py_NewRef(m);
    if (!(code = Py_CompileString(RESOURCES_SOURCE, "<pyembed>/_pyembed_resources.py",
                                  Py_file_input)))
        return NULL;
    m = PyImport_ExecCodeModule("_pyembed_resources", code);
    Py_DECREF(code);
    return m;
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
