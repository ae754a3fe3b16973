/*
 * importer.c — the in-memory meta-path finder/loader, module "_pyembed".
 *
 * One object is finder and loader (like zipimporter): find_spec() is one
 * O(1) blob lookup by full module name, get_code() unmarshals bytecode
 * straight from the mapping. Virtual paths follow zipimport: a module's
 * __file__ is "<executable>/<pkg>/<mod>.py", a path that can never exist
 * on disk (the executable is a file), so nothing is ever read from there.
 * Integrity: any checksum failure becomes ImportError naming the module.
 */
#include "pyembed_int.h"
#include "importer_int.h"

#include <errno.h>
#include <structmember.h>
#include <string.h>

/* Raises ImportError for a packrs failure on module name; returns NULL. */
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

/* Looks name up. Returns 1 found (fills *res), 0 absent, -1 error set.
 * Only resources that are importable (module kinds) count. */
int pyembed__lookup(Finder *f, const char *name, Py_ssize_t len,
                    packrs_resource *res)
{
    int rc = packrs_reader_find(f->reader, name, (size_t)len, res);
    if (rc == PACKRS_ENOTFOUND)
        return 0;
    if (rc)
        return pyembed__import_error(f, name, rc), -1;
    return (res->kind & (PACKRS_KIND_MODULE | PACKRS_KIND_PACKAGE |
                         PACKRS_KIND_NAMESPACE | PACKRS_KIND_EXTENSION)) != 0;
}

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

/* Borrowed field of res, or NULL: *rc is 0 (absent) or an error (set). */
static int get_field(Finder *f, const packrs_resource *res, int type,
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

/* A field's plain bytes as a new bytes object (NULL: error set). */
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

/* Virtual (or, with FS_PATH, real) file path of res; None for namespace
 * packages. New reference. */
PyObject *pyembed__origin(Finder *f, const packrs_resource *res)
{
    packrs_field fp;
    int has = get_field(f, res, PACKRS_FIELD_FS_PATH, &fp);
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

/* Directory entry for package res: "<prefix>/a/b". New reference. */
static PyObject *package_dir(Finder *f, const packrs_resource *res)
{
    return virtual_path(f, res, "");
}

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

/* Builds the ModuleSpec for found resource res. New reference. */
static PyObject *make_spec(Finder *f, PyObject *fullname, const packrs_resource *res)
{
    int is_pkg = (res->kind & (PACKRS_KIND_PACKAGE | PACKRS_KIND_NAMESPACE)) != 0;
    PyObject *origin = pyembed__origin(f, res), *spec = NULL, *kw = NULL, *args;
    packrs_field fp;
    int on_disk;
    if (!origin)
        return NULL;
    if ((on_disk = get_field(f, res, PACKRS_FIELD_FS_PATH, &fp)) != 0) {
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
    if (spec && is_pkg) {
        PyObject *dir = package_dir(f, res);
        PyObject *locs = dir ? PyList_New(1) : NULL;
        if (locs)
            PyList_SET_ITEM(locs, 0, Py_NewRef(dir));
        if (!locs || PyObject_SetAttrString(spec, "submodule_search_locations", locs))
            Py_CLEAR(spec);
        Py_XDECREF(dir);
        Py_XDECREF(locs);
    }
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
     * no unmarshalling, and the same code anyway (FrozenImporter). */
    if (found != 0)
        return found < 0 ? NULL : Py_NewRef(Py_None);
    name = PyUnicode_AsUTF8AndSize(fullname, &len);
    found = name ? pyembed__lookup(f, name, len, &res) : -1;
    if (found < 0)
        return NULL;
    if (!found)
        Py_RETURN_NONE;
    return make_spec(f, fullname, &res);
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
    if (!PyUnicode_Check(fullname) || !_PyUnicode_EqualToASCIIString(fullname, "__main__"))
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

/* Compiles the SOURCE field of res (fallback when bytecode is unusable). */
static PyObject *compile_source(Finder *f, const packrs_resource *res, PyObject *origin,
                                const char *why)
{
    packrs_field src;
    PyObject *bytes, *code;
    int has = get_field(f, res, PACKRS_FIELD_SOURCE, &src);
    if (has <= 0) {
        if (has == 0) {
            PyObject *msg = PyUnicode_FromFormat("pyembed: cannot load packed module "
                                                 "'%s': %s and no source was packed",
                                                 res->name, why);
            PyObject *nm = PyUnicode_FromString(res->name);
            if (msg && nm)
                PyErr_SetImportError(msg, nm, Py_None);
            Py_XDECREF(msg);
            Py_XDECREF(nm);
        }
        return NULL;
    }
    if (!(bytes = pyembed__field_bytes(f, res->name, &src)))
        return NULL;
    /* origin is a str here: namespace packages never reach this. */
    code = Py_CompileStringObject(PyBytes_AS_STRING(bytes), origin, Py_file_input,
                                  NULL, f->optimize);
    Py_DECREF(bytes);
    return code;
}

/* Unmarshals bytecode field bc of res in place from the mapping. */
static PyObject *load_bytecode(Finder *f, const packrs_resource *res,
                               const packrs_field *bc, PyObject *origin)
{
    const void *p;
    size_t n;
    void *owned;
    PyObject *code, *fixed;
    int rc = packrs_field_read(f->reader, bc, &p, &n, &owned);
    if (rc)
        return pyembed__import_error(f, res->name, rc);
    code = PyMarshal_ReadObjectFromString(p, (Py_ssize_t)n);
    free(owned);
    if (!code)
        return NULL;
    if (!PyCode_Check(code)) {
        Py_DECREF(code);
        return PyErr_Format(PyExc_ImportError, "pyembed: bytecode of '%s' is not "
                            "a code object", res->name);
    }
    if (origin == Py_None)
        return code;
    fixed = PyObject_CallFunctionObjArgs(f->fix_co_filename, code, origin, NULL);
    if (!fixed)
        Py_CLEAR(code);
    Py_XDECREF(fixed);
    return code;
}

/* Code object of res, whose file path is origin (a str). */
static PyObject *code_for(Finder *f, const packrs_resource *res, PyObject *origin)
{
    packrs_field bc;
    int has;
    if (f->bytecode_ok < 0)
        pyembed__check_magic(f);
    has = get_field(f, res, PACKRS_FIELD_BYTECODE + f->optimize, &bc);
    if (has < 0)
        return NULL;
    if (has && f->bytecode_ok)
        return load_bytecode(f, res, &bc, origin);
    return compile_source(f, res, origin, has ? f->magic_msg :
                          "no bytecode for this optimization level");
}

PyObject *pyembed__get_code_res(Finder *f, const packrs_resource *res)
{
    PyObject *origin, *code;
    if (res->kind & PACKRS_KIND_NAMESPACE)
        return Py_CompileString("", "<string>", Py_file_input);
    if (!(origin = pyembed__origin(f, res)))
        return NULL;
    code = code_for(f, res, origin);
    Py_DECREF(origin);
    return code;
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
        (has = get_field(f, &res, PACKRS_FIELD_SOURCE, &src)) < 0)
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
    if ((has = get_field(f, &res, PACKRS_FIELD_EXTENSION, &fld)) <= 0)
        return has ? NULL : PyErr_Format(PyExc_ImportError, "pyembed: extension "
                                         "'%s' has no shared library", res.name);
    return pyembed__ext_load_field(f, spec, &res, &fld);
}

/* Sets module.__file__ to origin (see make_spec) and __cached__ to None:
 * there is no cache file. */
static int set_file(PyObject *module, PyObject *origin)
{
    if (PyObject_SetAttrString(module, "__file__", origin) < 0)
        return -1;
    return PyObject_SetAttrString(module, "__cached__", Py_None);
}

/* Runs res's code in module's namespace; origin is its spec's origin, made
 * by make_spec, so the path is not built again. */
static PyObject *exec_code(Finder *f, PyObject *module, const packrs_resource *res,
                           PyObject *origin)
{
    PyObject *dict = PyModule_GetDict(module), *code, *r;
    if (set_file(module, origin) < 0 || !(code = code_for(f, res, origin)))
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
        Py_SETREF(origin, pyembed__origin(f, &res)); /* a spec not from make_spec */
        found = origin ? found : -1;
    }
    if (found < 0)
        r = NULL;
    else if (res.kind & PACKRS_KIND_EXTENSION)
        r = PyObject_CallMethod(f->imp, "exec_dynamic", "O", module);
    else if (res.kind & PACKRS_KIND_NAMESPACE)
        r = Py_NewRef(Py_None);
    else
        r = exec_code(f, module, &res, origin);
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
