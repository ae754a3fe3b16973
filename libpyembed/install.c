/*
 * install.c — the built-in module "_pyembed" and putting its importer in
 * place: first on sys.meta_path (after the core phase of initialisation,
 * so even `encodings` comes from the blob) and first on sys.path_hooks.
 * Only creation and installation: the importer's behaviour is in
 * importer.c and the files below it.
 */
#include "alloc_int.h"
#include "importer_int.h"
#include "pycompat_int.h"

#include <string.h>

static PyMethodDef functions[10]; /* filled from the defs of each file */

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
    functions[1] = pyembed__runmain_def;
    functions[2] = pyembed__ext_clean_def;
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
    if (!(mod = PyImport_ImportModule("_pyembed")))
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

int pyembed__importer_drop_pathfinder(pyembed_interp *it)
{
    PyObject *meta = PySys_GetObject("meta_path");
    if (!meta || !PyList_Check(meta))
        return pyembed__fail(it, PYEMBED_EINIT, "sys.meta_path is not a list");
    for (Py_ssize_t i = PyList_GET_SIZE(meta); i-- > 0;) {
        PyObject *name = PyObject_GetAttrString(PyList_GET_ITEM(meta, i), "__name__");
        int is_path = name && PyUnicode_Check(name) &&
                      pyembed__compat_str_is(name, "PathFinder");
        Py_XDECREF(name);
        PyErr_Clear();
        if (is_path && PySequence_DelItem(meta, i) < 0)
            return pyembed__fail_python(it, "removing PathFinder");
    }
    return PYEMBED_OK;
}
