/*
 * spec.c — ModuleSpecs for packed resources: one blob lookup by full
 * module name, then either our own spec (this finder as loader, virtual
 * origin) or, for a filesystem-relative resource, importlib's file spec.
 */
#include "importer_int.h"
#include "pycompat_int.h"

/* Spec of a filesystem-relative resource (FS_PATH): importlib's own file
 * loaders (source, bytecode in __pycache__, extension) serve the real file
 * at origin, so __file__ is a real path. Uses the always-loaded
 * _bootstrap_external (importing importlib.util could recurse when
 * importlib itself is on the filesystem). New reference. */
static PyObject *file_spec(Finder *f, PyObject *fullname, PyObject *origin, int is_pkg)
{
    PyObject *ext = PyObject_GetAttrString(f->bootstrap, "_bootstrap_external");
    PyObject *fn = ext ? PyObject_GetAttrString(ext, "spec_from_file_location") : NULL;
    PyObject *locs = NULL, *args = NULL, *kw = NULL, *spec = NULL;
    if (fn && is_pkg) {
        Py_ssize_t slash = PyUnicode_FindChar(origin, '/', 0, PyUnicode_GET_LENGTH(origin), -1);
        PyObject *dir = slash >= 0 ? PyUnicode_Substring(origin, 0, slash) : NULL;
        if (dir && (locs = PyList_New(1)))
            PyList_SET_ITEM(locs, 0, Py_NewRef(dir));
        Py_XDECREF(dir);
    }
    if (fn && (!is_pkg || locs)) {
        args = PyTuple_Pack(2, fullname, origin);
        kw = Py_BuildValue("{sO}", "submodule_search_locations", locs ? locs : Py_None);
    }
    if (args && kw)
        spec = PyObject_Call(fn, args, kw);
    Py_XDECREF(ext);
    Py_XDECREF(fn);
    Py_XDECREF(locs);
    Py_XDECREF(args);
    Py_XDECREF(kw);
    return spec;
}

/* Sets a package spec's submodule_search_locations to its virtual
 * directory; 0, or -1 with an exception set. */
static int set_search_locations(Finder *f, PyObject *spec, const packrs_resource *res)
{
    PyObject *dir = pyembed__package_dir(f, res);
    PyObject *locs = dir ? PyList_New(1) : NULL;
    int rc = -1;
    if (locs) {
        PyList_SET_ITEM(locs, 0, Py_NewRef(dir));
        rc = PyObject_SetAttrString(spec, "submodule_search_locations", locs);
    }
    Py_XDECREF(dir);
    Py_XDECREF(locs);
    return rc;
}

/* Builds the ModuleSpec for found resource res. New reference. */
static PyObject *make_spec(Finder *f, PyObject *fullname, const packrs_resource *res)
{
    int is_pkg = (res->kind & (PACKRS_KIND_PACKAGE | PACKRS_KIND_NAMESPACE)) != 0;
    PyObject *origin = pyembed__origin(f, res), *spec = NULL, *kw = NULL, *args;
    packrs_field fp;
    int on_disk;
    if (!origin)
        return NULL;
    if ((on_disk = pyembed__get_field(f, res, PACKRS_FIELD_FS_PATH, &fp)) != 0) {
        spec = on_disk > 0 ? file_spec(f, fullname, origin, is_pkg) : NULL;
        Py_DECREF(origin);
        return spec;
    }
    args = PyTuple_Pack(2, fullname, (PyObject *)f);
    kw = Py_BuildValue("{sOsO}", "origin", origin, "is_package", is_pkg ? Py_True : Py_False);
    if (args && kw)
        spec = PyObject_Call(f->module_spec, args, kw);
    /* has_location stays False: importlib would derive __cached__ from it
     * (and cannot, before the main phase); exec_module sets __file__. */
    if (spec && is_pkg && set_search_locations(f, spec, res) < 0)
        Py_CLEAR(spec);
    Py_XDECREF(args);
    Py_XDECREF(kw);
    Py_DECREF(origin);
    return spec;
}

PyObject *pyembed__find_spec_name(Finder *f, PyObject *fullname)
{
    packrs_resource res;
    Py_ssize_t len;
    const char *name;
    int found = PySet_Contains(f->frozen, fullname);
    /* Modules frozen into libpython (os, io, codecs, …) come from there:
     * no unmarshalling, and the same code anyway (FrozenImporter) — unless
     * frozen modules are turned off (test.support's import_fresh_module),
     * when a blob that has them (--stdlib all) serves them. */
    if (found > 0)
        found = pyembed__compat_frozen_served(f->imp, fullname);
    if (found != 0)
        return found < 0 ? NULL : Py_NewRef(Py_None);
    /* a name with lone surrogates has no UTF-8 form: no packed module */
    if (!(name = PyUnicode_AsUTF8AndSize(fullname, &len))) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    found = pyembed__lookup(f, name, len, &res);
    if (found < 0)
        return NULL;
    if (!found)
        Py_RETURN_NONE;
    return make_spec(f, fullname, &res);
}
