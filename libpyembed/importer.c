/*
 * importer.c — the in-memory meta-path finder/loader _pyembed.PackedImporter:
 * its method table and the loader methods. This is the top of the
 * importer's files; the helpers it calls (lookup.c, spec.c, code.c,
 * extload.c, pathentry.c, resources.c) never call back up.
 *
 * One object is finder and loader (like zipimporter): find_spec() is one
 * O(1) blob lookup by full module name (spec.c), get_code() unmarshals
 * bytecode straight from the mapping (code.c). Integrity: any checksum
 * failure becomes ImportError naming the module.
 */
#include "importer_int.h"
#include "pycompat_int.h"

#include <structmember.h>

/* Like pyembed__lookup for a str argument; ImportError when absent. */
static int lookup_obj(Finder *f, PyObject *fullname, packrs_resource *res)
{
    Py_ssize_t len;
    const char *name;
    int found;
    if (!PyUnicode_Check(fullname))
        return PyErr_SetString(PyExc_TypeError, "module name must be str"), -1;
    if (!(name = PyUnicode_AsUTF8AndSize(fullname, &len)))
        return -1;
    found = pyembed__lookup(f, name, len, res);
    if (found == 0) {
        PyObject *msg = PyUnicode_FromFormat("pyembed: no packed module %R", fullname);
        if (msg)
            PyErr_SetImportError(msg, fullname, Py_None);
        Py_XDECREF(msg);
        return -1;
    }
    return found;
}

/* find_spec(fullname, path=None, target=None) */
static PyObject *finder_find_spec(Finder *f, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"fullname", "path", "target", NULL};
    PyObject *fullname, *path = Py_None, *target = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "U|OO:find_spec", kwlist, &fullname,
                                     &path, &target))
        return NULL;
    return pyembed__find_spec_name(f, fullname);
}

/* Resolves "__main__" to the name runpy ran it as (for get_source etc). */
static PyObject *real_name(PyObject *fullname)
{
    PyObject *mods, *main, *spec, *name;
    if (!PyUnicode_Check(fullname) || !pyembed__compat_str_is(fullname, "__main__"))
        return Py_NewRef(fullname);
    mods = PyImport_GetModuleDict();
    main = mods ? PyDict_GetItemString(mods, "__main__") : NULL;
    spec = main ? PyObject_GetAttrString(main, "__spec__") : NULL;
    if (!spec || spec == Py_None) {
        PyErr_Clear();
        Py_XDECREF(spec);
        return Py_NewRef(fullname);
    }
    name = PyObject_GetAttrString(spec, "name");
    Py_DECREF(spec);
    return name;
}

/* Looks up the module a loader method was asked about (runpy's "__main__"
 * resolved to its real name). 1 found, -1 error set (ImportError if absent). */
static int lookup_asked(Finder *f, PyObject *fullname, packrs_resource *res)
{
    PyObject *name = real_name(fullname);
    int found = name ? lookup_obj(f, name, res) : -1;
    Py_XDECREF(name);
    return found;
}

static PyObject *finder_get_code(Finder *f, PyObject *fullname)
{
    packrs_resource res;
    return lookup_asked(f, fullname, &res) < 0 ? NULL : pyembed__get_code_res(f, &res);
}

static PyObject *finder_get_source(Finder *f, PyObject *fullname)
{
    packrs_resource res;
    packrs_field src;
    PyObject *bytes, *ext, *out = NULL;
    int has;
    if (lookup_asked(f, fullname, &res) < 0 ||
        (has = pyembed__get_field(f, &res, PACKRS_FIELD_SOURCE, &src)) < 0)
        return NULL;
    if (!has)
        Py_RETURN_NONE;
    if (!(bytes = pyembed__field_bytes(f, res.name, &src)))
        return NULL;
    /* The set-up copy importlib uses (importing the frozen name anew would
     * make a second, uninitialised module). */
    ext = PyObject_GetAttrString(f->bootstrap, "_bootstrap_external");
    if (ext)
        out = PyObject_CallMethod(ext, "decode_source", "O", bytes);
    Py_XDECREF(ext);
    Py_DECREF(bytes);
    return out;
}

static PyObject *finder_is_package(Finder *f, PyObject *fullname)
{
    packrs_resource res;
    if (lookup_asked(f, fullname, &res) < 0)
        return NULL;
    return PyBool_FromLong((res.kind & (PACKRS_KIND_PACKAGE | PACKRS_KIND_NAMESPACE)) != 0);
}

static PyObject *finder_get_filename(Finder *f, PyObject *fullname)
{
    packrs_resource res;
    PyObject *origin;
    if (lookup_asked(f, fullname, &res) < 0 || !(origin = pyembed__origin(f, &res)))
        return NULL;
    if (origin == Py_None) {
        Py_DECREF(origin);
        return PyErr_Format(PyExc_ImportError, "namespace package %R has no file",
                            fullname);
    }
    return origin;
}

/* create_module(spec): extension modules are made here; others by default. */
static PyObject *finder_create_module(Finder *f, PyObject *spec)
{
    packrs_resource res;
    packrs_field fld;
    PyObject *name = PyObject_GetAttrString(spec, "name");
    int found = name ? lookup_obj(f, name, &res) : -1, has;
    Py_XDECREF(name);
    if (found < 0)
        return NULL;
    /* (filesystem-relative extensions have ExtensionFileLoader specs) */
    if (!(res.kind & PACKRS_KIND_EXTENSION))
        Py_RETURN_NONE;
    if ((has = pyembed__get_field(f, &res, PACKRS_FIELD_EXTENSION, &fld)) <= 0)
        return has ? NULL : PyErr_Format(PyExc_ImportError, "pyembed: extension "
                                         "'%s' has no shared library", res.name);
    return pyembed__ext_load_field(f, spec, &res, &fld);
}

/* Sets module.__file__ to origin (see spec.c) and __cached__ to None:
 * there is no cache file. */
static int set_file(PyObject *module, PyObject *origin)
{
    if (PyObject_SetAttrString(module, "__file__", origin) < 0)
        return -1;
    return PyObject_SetAttrString(module, "__cached__", Py_None);
}

/* Runs res's code in module's namespace; origin is its spec's origin, made
 * by spec.c, so the path is not built again. */
static PyObject *exec_code(Finder *f, PyObject *module, const packrs_resource *res,
                           PyObject *origin)
{
    PyObject *dict = PyModule_GetDict(module), *code, *r;
    if (set_file(module, origin) < 0 || !(code = pyembed__code_for(f, res, origin)))
        return NULL;
    /* exec() adds __builtins__ to the globals; PyEval_EvalCode does not,
     * and code (numpy's, eval() with module globals) expects it there. */
    if (PyDict_SetDefault(dict, f->builtins_key, PyEval_GetBuiltins()) == NULL) {
        Py_DECREF(code);
        return NULL;
    }
    r = PyEval_EvalCode(code, dict, dict);
    Py_DECREF(code);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* exec_module(module) */
static PyObject *finder_exec_module(Finder *f, PyObject *module)
{
    packrs_resource res;
    PyObject *spec = PyObject_GetAttrString(module, "__spec__"), *name, *origin, *r = NULL;
    int found;
    name = spec ? PyObject_GetAttrString(spec, "name") : NULL;
    origin = name ? PyObject_GetAttrString(spec, "origin") : NULL;
    Py_XDECREF(spec);
    found = origin ? lookup_obj(f, name, &res) : -1;
    if (found > 0 && !PyUnicode_Check(origin) &&
        !(res.kind & (PACKRS_KIND_EXTENSION | PACKRS_KIND_NAMESPACE))) {
        Py_SETREF(origin, pyembed__origin(f, &res)); /* a spec not made by spec.c */
        found = origin ? found : -1;
    }
    if (found < 0)
        r = NULL;
    else if (res.kind & PACKRS_KIND_EXTENSION)
        r = PyObject_CallMethod(f->imp, "exec_dynamic", "O", module);
    else if (res.kind & PACKRS_KIND_NAMESPACE)
        r = Py_NewRef(Py_None);
    else if ((r = exec_code(f, module, &res, origin)))
        pyembed__posthook(f, module, name);
    Py_XDECREF(name);
    Py_XDECREF(origin);
    return r;
}

static PyObject *finder_invalidate_caches(Finder *f, PyObject *noargs)
{
    (void)f;
    (void)noargs;
    Py_RETURN_NONE;
}

static PyObject *finder_iter_modules(Finder *f, PyObject *args)
{
    PyObject *prefix = NULL;
    if (!PyArg_ParseTuple(args, "|U:iter_modules", &prefix))
        return NULL;
    return pyembed__list_children(f, NULL, 0, prefix);
}

static PyObject *finder_get_data(Finder *f, PyObject *path)
{
    return pyembed__get_data(f, path);
}

static PyObject *finder_path_hook(Finder *f, PyObject *path)
{
    return pyembed__path_entry_new(f, path);
}

static PyObject *finder_repr(Finder *f)
{
    return PyUnicode_FromFormat("<pyembed.PackedImporter %U>", f->prefix);
}

static void finder_dealloc(Finder *f)
{
    Py_XDECREF(f->prefix);
    Py_XDECREF(f->module_spec);
    Py_XDECREF(f->fix_co_filename);
    Py_XDECREF(f->imp);
    Py_XDECREF(f->bootstrap);
    Py_XDECREF(f->builtins_key);
    Py_XDECREF(f->frozen);
    PyMem_Free(f->origin);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static PyMethodDef finder_methods[] = {
    {"find_spec", (PyCFunction)(void (*)(void))finder_find_spec,
     METH_VARARGS | METH_KEYWORDS, "Spec for a packed module, or None."},
    {"create_module", (PyCFunction)finder_create_module, METH_O, NULL},
    {"exec_module", (PyCFunction)finder_exec_module, METH_O, NULL},
    {"get_code", (PyCFunction)finder_get_code, METH_O, NULL},
    {"get_source", (PyCFunction)finder_get_source, METH_O, NULL},
    {"is_package", (PyCFunction)finder_is_package, METH_O, NULL},
    {"get_filename", (PyCFunction)finder_get_filename, METH_O, NULL},
    {"get_data", (PyCFunction)finder_get_data, METH_O, NULL},
    {"invalidate_caches", (PyCFunction)finder_invalidate_caches, METH_NOARGS, NULL},
    {"iter_modules", (PyCFunction)finder_iter_modules, METH_VARARGS, NULL},
    {"get_resource_reader", (PyCFunction)pyembed__get_resource_reader, METH_O,
     "importlib.resources reader for a packed package."},
    {"_data_keys", (PyCFunction)pyembed__data_keys, METH_O, NULL},
    {"_data", (PyCFunction)pyembed__data, METH_VARARGS, NULL},
    {"_subpackages", (PyCFunction)pyembed__subpackages, METH_O, NULL},
    {"find_distributions", (PyCFunction)pyembed__find_distributions, METH_VARARGS,
     "importlib.metadata distributions packed in the blob."},
    {"_distinfo_resources", (PyCFunction)pyembed__distinfo_resources, METH_NOARGS, NULL},
    {"_distinfo_file", (PyCFunction)pyembed__distinfo_file, METH_VARARGS, NULL},
    {"path_hook", (PyCFunction)finder_path_hook, METH_O,
     "sys.path_hooks entry for this importer's package directories."},
    {NULL, NULL, 0, NULL}};

static PyMemberDef finder_members[] = {
    {"prefix", T_OBJECT, offsetof(Finder, prefix), READONLY,
     "virtual root of packed files (the executable's path)"},
    {"path", T_OBJECT, offsetof(Finder, prefix), READONLY,
     "the same root: where this loader's modules are (FileLoader.path's role)"},
    {NULL, 0, 0, 0, NULL}};

PyTypeObject pyembed__FinderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_pyembed.PackedImporter",
    .tp_basicsize = sizeof(Finder),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Finder and loader for modules packed in a pyembed blob.",
    .tp_dealloc = (destructor)finder_dealloc,
    .tp_repr = (reprfunc)finder_repr,
    .tp_methods = finder_methods,
    .tp_members = finder_members,
};
