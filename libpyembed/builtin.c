/*
 * builtin.c — the runtime's own uses of built-in modules (_pyembed,
 * atexit) made straight from CPython's inittab, as _imp.create_builtin and
 * _imp.exec_builtin make them, without the Python code of importlib's
 * _find_and_load (about 100 000 instructions per module at start-up).
 */
#include "pyembed_int.h"

#include <string.h>

/* A spec for built-in module name: ModuleSpec(name, BuiltinImporter,
 * origin="built-in"), as BuiltinImporter.find_spec makes it. */
static PyObject *builtin_spec(const char *name)
{
    PyObject *key = PyUnicode_FromString("_frozen_importlib"), *boot, *spec = NULL;
    PyObject *cls = NULL, *loader = NULL, *args = NULL, *kw = NULL;
    boot = key ? PyImport_GetModule(key) : NULL;
    Py_XDECREF(key);
    if (boot && (cls = PyObject_GetAttrString(boot, "ModuleSpec")) &&
        (loader = PyObject_GetAttrString(boot, "BuiltinImporter")) &&
        (args = Py_BuildValue("(sO)", name, loader)) &&
        (kw = Py_BuildValue("{ss}", "origin", "built-in")))
        spec = PyObject_Call(cls, args, kw);
    if (!boot && !PyErr_Occurred())
        PyErr_SetString(PyExc_ImportError, "importlib's bootstrap is not set up");
    Py_XDECREF(kw);
    Py_XDECREF(args);
    Py_XDECREF(loader);
    Py_XDECREF(cls);
    Py_XDECREF(boot);
    return spec;
}

/* Creates and executes the module of inittab entry init for spec
 * (single-phase: the init function's module; multi-phase: from its def). */
static PyObject *create_from(PyObject *(*init)(void), PyObject *spec)
{
    PyObject *m = init(), *mod;
    PyModuleDef *def;
    if (!m || !PyObject_TypeCheck(m, &PyModuleDef_Type))
        return m;
    def = (PyModuleDef *)m;
    if (!(mod = PyModule_FromDefAndSpec(def, spec)))
        return NULL;
    if (PyModule_Check(mod) && PyModule_ExecDef(mod, def) < 0) {
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}

/* Sets the attributes importlib's _init_module_attrs gives a built-in
 * module and puts it in sys.modules; 0 or -1 with an exception. */
static int publish(PyObject *mod, const char *name, PyObject *spec)
{
    PyObject *loader = PyObject_GetAttrString(spec, "loader");
    PyObject *package = PyUnicode_FromString(""); /* spec.parent of a top-level name */
    int rc = loader && package && PyObject_SetAttrString(mod, "__spec__", spec) == 0 &&
                     PyObject_SetAttrString(mod, "__loader__", loader) == 0 &&
                     PyObject_SetAttrString(mod, "__package__", package) == 0 &&
                     PyDict_SetItemString(PyImport_GetModuleDict(), name, mod) == 0
                 ? 0
                 : -1;
    Py_XDECREF(package);
    Py_XDECREF(loader);
    return rc;
}

PyObject *pyembed__builtin_module(const char *name, int in_sys_modules)
{
    PyObject *key = PyUnicode_FromString(name), *mod, *spec;
    if (!key)
        return NULL;
    mod = in_sys_modules ? PyImport_GetModule(key) : NULL;
    Py_DECREF(key);
    if (mod || PyErr_Occurred())
        return mod;
    for (const struct _inittab *p = PyImport_Inittab; p->name; p++) {
        if (strcmp(p->name, name) != 0)
            continue;
        if (!(spec = builtin_spec(name)))
            return NULL;
        mod = create_from(p->initfunc, spec);
        if (mod && in_sys_modules && publish(mod, name, spec) < 0)
            Py_CLEAR(mod);
        Py_DECREF(spec);
        return mod;
    }
    return PyErr_Format(PyExc_ImportError, "no built-in module named %s", name);
}
