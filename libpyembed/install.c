/*
 * install.c — the built-in module "_pyembed" and putting its importer in
 * place: first on sys.meta_path (after the core phase of initialisation,
 * so even `encodings` comes from the blob) and first on sys.path_hooks,
 * where it serves sys.path's virtual first entry (the executable's path)
 * and the packed packages' __path__ directories. CPython's PathFinder
 * stays after it, for directories a program adds to sys.path itself.
 * Only creation and installation: the importer's behaviour is in
 * importer.c and the files below it.
 */
#include "alloc_int.h"
#include "importer_int.h"
#include "pycompat_int.h"

#include <string.h>

static PyMethodDef functions[10]; /* filled from the defs of each file */

/* The interpreter whose blob sub-interpreters import from (one per
 * process; set when the importer is first installed). */
static pyembed_interp *installed_for;

static struct PyModuleDef runtime_module_def = {
    PyModuleDef_HEAD_INIT, "_pyembed",
    "pyembed runtime: the in-memory importer for packed resources, the\n"
    "allocator statistics (alloc_stats) and clean_temp.", -1,
    functions, NULL, NULL, NULL, NULL};

PyObject *pyembed__module_init(void)
{
    PyObject *m;
    size_t n = 3;
    functions[0] = pyembed__excepthook_def;
    functions[1] = pyembed__ext_clean_def;
    functions[2] = pyembed__inert_def;
    for (const PyMethodDef *d = pyembed__alloc_methods; d->ml_name && n < 9; d++)
        functions[n++] = *d; /* functions[9] stays the sentinel */
    if (PyType_Ready(&pyembed__FinderType) < 0 || PyType_Ready(&pyembed__PathEntryType) < 0)
        return NULL;
    if (!(m = PyModule_Create(&runtime_module_def)))
        return NULL;
    if (PyModule_AddObjectRef(m, "PackedImporter", (PyObject *)&pyembed__FinderType) ||
        PyModule_AddObjectRef(m, "PackedPathEntry", (PyObject *)&pyembed__PathEntryType)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

/* Fetches the import-system objects f uses; 0, or -1 (exception set
 * unless only memory ran out). */
static int finder_helpers(Finder *f)
{
    f->imp = PyImport_ImportModule("_imp");
    f->builtins_key = PyUnicode_InternFromString("__builtins__");
    f->bootstrap = PyImport_ImportModule("_frozen_importlib");
    if (f->bootstrap)
        f->module_spec = PyObject_GetAttrString(f->bootstrap, "ModuleSpec");
    if (f->imp) {
        f->fix_co_filename = PyObject_GetAttrString(f->imp, "_fix_co_filename");
        f->frozen = pyembed__compat_frozen_names(f->imp);
    }
    return f->module_spec && f->fix_co_filename && f->builtins_key && f->frozen ? 0 : -1;
}

/* A new Finder for it's reader, with the import-system helpers it uses. */
static Finder *finder_new(pyembed_interp *it)
{
    Finder *f = PyObject_New(Finder, &pyembed__FinderType);
    if (!f)
        return NULL;
    memset((char *)f + sizeof(PyObject), 0, sizeof *f - sizeof(PyObject));
    f->reader = it->reader;
    f->optimize = it->cfg.optimize;
    f->extload_mode = it->cfg.extension_loading;
    f->fast_exit = it->cfg.fast_exit;
    f->quick_exit = it->run_to_exit && !it->meta.full_exit;
    f->blob_magic = it->meta.python_magic;
    f->bytecode_ok = -1; /* decided at first use (code.c) */
    f->origin = PyMem_Malloc(strlen(it->origin) + 1);
    f->prefix = PyUnicode_DecodeFSDefault(it->exe);
    if (!f->origin || !f->prefix || finder_helpers(f) < 0) {
        Py_DECREF(f);
        return PyErr_Occurred() ? NULL : (Finder *)PyErr_NoMemory();
    }
    strcpy(f->origin, it->origin);
    return f;
}

/* Inserts obj at the front of the sys list called name. */
static int sys_list_prepend(const char *name, PyObject *obj)
{
    PyObject *list = PySys_GetObject(name);
    if (!list || !PyList_Check(list))
        return PyErr_Format(PyExc_RuntimeError, "sys.%s is not a list", name), -1;
    return PyList_Insert(list, 0, obj);
}

int pyembed__importer_install(pyembed_interp *it)
{
    Finder *f;
    PyObject *hook, *mod;
    int rc = -1;
    installed_for = it;
    if (!(mod = pyembed__builtin_module("_pyembed", 1)))
        return pyembed__fail_python(it, "importing _pyembed");
    Py_DECREF(mod);
    if (!(f = finder_new(it)))
        return pyembed__fail_python(it, "creating the importer");
    hook = PyObject_GetAttrString((PyObject *)f, "path_hook");
    if (hook && sys_list_prepend("meta_path", (PyObject *)f) == 0 &&
        sys_list_prepend("path_hooks", hook) == 0)
        rc = 0;
    Py_XDECREF(hook);
    Py_DECREF(f);
    return rc ? pyembed__fail_python(it, "installing the importer") : PYEMBED_OK;
}

int pyembed__importer_after_pathfinder(pyembed_interp *it)
{
    PyObject *meta = PySys_GetObject("meta_path"), *f;
    Py_ssize_t n;
    if (!meta || !PyList_Check(meta) || (n = PyList_GET_SIZE(meta)) < 2 ||
        !Py_IS_TYPE(PyList_GET_ITEM(meta, 0), &pyembed__FinderType))
        return PYEMBED_OK;
    f = Py_NewRef(PyList_GET_ITEM(meta, 0));
    if (PySequence_DelItem(meta, 0) < 0 || PyList_Append(meta, f) < 0) {
        Py_DECREF(f);
        return pyembed__fail_python(it, "moving the importer after PathFinder");
    }
    Py_DECREF(f);
    return PYEMBED_OK;
}

static int hide_shim_name(void);

/* The packed importer on this interpreter's sys.meta_path, installed
 * there first if it is missing (a sub-interpreter: the shim's name is then
 * hidden there as in the main interpreter); borrowed, or NULL with an
 * exception set. */
static PyObject *packed_finder(void)
{
    PyObject *meta = PySys_GetObject("meta_path");
    for (int pass = 0; pass < 2; pass++) {
        for (Py_ssize_t i = 0; meta && PyList_Check(meta) && i < PyList_GET_SIZE(meta); i++)
            if (Py_IS_TYPE(PyList_GET_ITEM(meta, i), &pyembed__FinderType))
                return PyList_GET_ITEM(meta, i);
        if (pass || !installed_for || pyembed__importer_install(installed_for) != PYEMBED_OK ||
            hide_shim_name() < 0)
            break;
    }
    return PyErr_Format(PyExc_ImportError, "pyembed: no packed importer for this interpreter");
}

/* Drops "encodings" from sys.builtin_module_names: the shim is an import
 * detail, not a built-in module a program should see. 0 or -1. */
static int hide_shim_name(void)
{
    PyObject *names = PySys_GetObject("builtin_module_names"), *kept;
    int rc;
    if (!names || !PyTuple_Check(names))
        return 0;
    if (!(kept = PyList_New(0)))
        return -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        PyObject *n = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(n) || PyUnicode_CompareWithASCIIString(n, "encodings") != 0)
            if (PyList_Append(kept, n) < 0)
                return Py_DECREF(kept), -1;
    }
    Py_SETREF(kept, PyList_AsTuple(kept));
    rc = kept ? PySys_SetObject("builtin_module_names", kept) : -1;
    Py_XDECREF(kept);
    return rc;
}

int pyembed__encodings_shim_hide(pyembed_interp *it)
{
    return hide_shim_name() < 0 ? pyembed__fail_python(it, "hiding the encodings shim") : 0;
}

/* The spec of the packed "encodings" between the shim's create and exec:
 * the import system replaces the module's __spec__ with the built-in one
 * in between, exec puts the packed one back. One import at a time (GIL). */
static PyObject *shim_spec;

/* The spec FrozenImporter (of module bootstrap) gives "encodings": a new
 * reference, None when libpython does not freeze it, NULL on error. */
static PyObject *frozen_encodings(PyObject *bootstrap)
{
    PyObject *fi = PyObject_GetAttrString(bootstrap, "FrozenImporter"), *spec;
    if (!fi)
        return NULL;
    spec = PyObject_CallMethod(fi, "find_spec", "sO", "encodings", Py_None);
    Py_DECREF(fi);
    return spec;
}

/* Py_mod_create: the packed "encodings", loaded through the packed
 * importer (not through the import system again, which would find this
 * shim first), or libpython's frozen one where the packed importer defers
 * to it (a distribution with frozen boot modules); a new reference, or
 * NULL with an exception set. */
static PyObject *shim_create(PyObject *spec, PyModuleDef *def)
{
    PyObject *f = packed_finder(), *packed, *bootstrap, *mod = NULL;
    (void)spec, (void)def;
    if (!f || !(bootstrap = PyImport_ImportModule("_frozen_importlib")))
        return NULL;
    packed = PyObject_CallMethod(f, "find_spec", "sO", "encodings", Py_None);
    if (packed == Py_None) {
        Py_DECREF(packed);
        packed = frozen_encodings(bootstrap);
    }
    if (packed == Py_None) {
        Py_CLEAR(packed);
        PyErr_SetString(PyExc_ImportError, "pyembed: 'encodings' is not packed");
    }
    if (packed)
        mod = PyObject_CallMethod(bootstrap, "_load", "O", packed);
    Py_DECREF(bootstrap);
    Py_XSETREF(shim_spec, mod ? packed : NULL);
    if (!mod)
        Py_XDECREF(packed);
    return mod;
}

/* Py_mod_exec: gives the module its packed spec back. */
static int shim_exec(PyObject *mod)
{
    PyObject *spec = shim_spec;
    int rc;
    shim_spec = NULL;
    if (!spec)
        return 0;
    rc = PyObject_SetAttrString(mod, "__spec__", spec);
    Py_DECREF(spec);
    return rc;
}

static PyModuleDef_Slot shim_slots[] = {
    {Py_mod_create, (void *)shim_create}, {Py_mod_exec, (void *)shim_exec}, {0, NULL}};

/* No doc, methods or state: PyModule_FromDefAndSpec would write them over
 * the packed module. */
static struct PyModuleDef shim_def = {
    PyModuleDef_HEAD_INIT, "encodings", NULL, 0, NULL, shim_slots, NULL, NULL, NULL};

PyObject *pyembed__encodings_shim(void)
{
    return PyModuleDef_Init(&shim_def);
}
