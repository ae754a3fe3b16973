/*
 * cmodule.c — config.modules: the host's C functions as built-in modules.
 *
 * A module given as an init function goes into CPython's inittab as it is.
 * A module given as a table of pyembed_cfunc callbacks goes in with one
 * shared multi-phase init (cmodule_init): its create slot finds the table
 * by the spec's name and makes one builtin function per entry, each a
 * METH_FASTCALL trampoline whose self is a capsule of the entry. The
 * tables are the interp's copies (config.c) and live until
 * pyembed_interp_free(), after CPython has finalised.
 */
#include "pyembed_int.h"

#include <stdlib.h>
#include <string.h>

#define CAPSULE_NAME "pyembed.function"
#define ARGS_ON_STACK 8

static pyembed_interp *registry; /* the interp whose modules are in inittab */

/* Raises the exception for callback failure code rc with result *r. */
static void raise_failure(int rc, const pyembed_value *r)
{
    PyObject *type = rc == PYEMBED_ENOMEM ? PyExc_MemoryError
                     : rc == PYEMBED_EINVAL ? PyExc_ValueError : PyExc_RuntimeError;
    PyObject *msg;
    if (PyErr_Occurred())
        return; /* the callback raised one itself */
    msg = r->type == PYEMBED_TYPE_STR && r->data
              ? PyUnicode_DecodeUTF8(r->data, (Py_ssize_t)r->len, "replace")
              : PyUnicode_FromString(pyembed_strerror(rc));
    if (msg)
        PyErr_SetObject(type, msg);
    Py_XDECREF(msg);
}

/* Converts args and runs f: the Python result, or NULL with an exception. */
static PyObject *run_callback(const pyembed_function *f, PyObject *const *args, size_t n,
                              pyembed_value *v)
{
    pyembed_value result = pyembed_value_none();
    pyembed_gil_stack outer;
    int rc;
    for (size_t i = 0; i < n; i++)
        if (pyembed__value_borrow(&v[i], args[i]) < 0)
            return NULL;
    pyembed__gil_enter_callback(&outer);
    rc = f->fn(f->ctx, v, n, &result);
    pyembed__gil_leave_callback(&outer);
    if (rc) {
        raise_failure(rc, &result);
        return NULL;
    }
    if (PyErr_Occurred()) /* succeeded yet left an exception: a bug, say so */
        return PyErr_Format(PyExc_SystemError, "C function %s returned 0 with an "
                            "exception set", f->name);
    return pyembed__value_to_py(&result, 0);
}

/* The builtin function of one table entry (self: its capsule). */
static PyObject *trampoline(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    const pyembed_function *f = PyCapsule_GetPointer(self, CAPSULE_NAME);
    pyembed_value small[ARGS_ON_STACK], *v = small;
    PyObject *r;
    if (!f)
        return NULL;
    if (nargs > ARGS_ON_STACK && !(v = malloc((size_t)nargs * sizeof *v)))
        return PyErr_NoMemory();
    r = run_callback(f, args, (size_t)nargs, v);
    if (v != small)
        free(v);
    return r;
}

/* The interp's module copy named name, or NULL. */
static pyembed_cmodule *find(PyObject *name)
{
    const char *s = PyUnicode_AsUTF8(name);
    for (size_t i = 0; s && registry && i < registry->module_count; i++)
        if (registry->modules[i].functions && !strcmp(registry->modules[i].name, s))
            return &registry->modules[i];
    return NULL;
}

/* Adds m's functions to module mod. */
static int add_functions(PyObject *mod, pyembed_cmodule *m)
{
    PyObject *modname = PyModule_GetNameObject(mod);
    int rc = modname ? 0 : -1;
    for (size_t j = 0; rc == 0 && j < m->function_count; j++) {
        PyObject *cap = PyCapsule_New(&m->functions[j], CAPSULE_NAME, NULL), *fn = NULL;
        if (cap)
            fn = PyCFunction_NewEx(&m->defs[j], cap, modname);
        rc = fn ? PyModule_AddObjectRef(mod, m->functions[j].name, fn) : -1;
        Py_XDECREF(fn);
        Py_XDECREF(cap);
    }
    Py_XDECREF(modname);
    return rc;
}

/* Py_mod_create: the module of the table the spec names. */
static PyObject *cmodule_create(PyObject *spec, PyModuleDef *def)
{
    PyObject *name = PyObject_GetAttrString(spec, "name"), *mod = NULL;
    pyembed_cmodule *m = name ? find(name) : NULL;
    (void)def;
    if (name && !m && !PyErr_Occurred())
        PyErr_Format(PyExc_ImportError, "no C module table named %R", name);
    if (m && (mod = PyModule_NewObject(name)) && add_functions(mod, m) < 0)
        Py_CLEAR(mod);
    Py_XDECREF(name);
    return mod;
}

static PyModuleDef_Slot cmodule_slots[] = {
    {Py_mod_create, (void *)cmodule_create},
    {0, NULL}};

static PyModuleDef cmodule_def = {
    PyModuleDef_HEAD_INIT, "pyembed_cmodule", "C functions of the embedding program.", 0,
    NULL, cmodule_slots, NULL, NULL, NULL};

static PyObject *cmodule_init(void)
{
    return PyModuleDef_Init(&cmodule_def);
}

/* The method definitions of m's functions (the trampoline, by name). */
static int make_defs(pyembed_cmodule *m)
{
    if (!(m->defs = calloc(m->function_count + 1, sizeof *m->defs)))
        return -1;
    for (size_t j = 0; j < m->function_count; j++) {
        m->defs[j].ml_name = m->functions[j].name;
        m->defs[j].ml_meth = (PyCFunction)(void (*)(void))trampoline;
        m->defs[j].ml_flags = METH_FASTCALL;
    }
    return 0;
}

int pyembed__cmodules_register(pyembed_interp *it)
{
    for (size_t i = 0; i < it->module_count; i++) {
        pyembed_cmodule *m = &it->modules[i];
        PyObject *(*init)(void) =
            m->init ? (PyObject * (*)(void))(void (*)(void))m->init : cmodule_init;
        if (!m->init && !m->defs && make_defs(m))
            return pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
        if (PyImport_AppendInittab(m->name, init) < 0)
            return pyembed__fail(it, PYEMBED_EINIT, "PyImport_AppendInittab('%s') failed",
                                 m->name);
    }
    registry = it;
    return PYEMBED_OK;
}
