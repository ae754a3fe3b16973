/*
 * pycompat.c — CPython-version-dependent calls (see pycompat_int.h).
 *
 * Supported: CPython 3.11 to 3.14; anything else is a build failure, never
 * a silent no-op. What differs, per function below:
 *   SIGINT exit flag  3.11: _Py_UnhandledKeyboardInterrupt; 3.12+:
 *               _PyRuntime.signals.unhandled_keyboard_interrupt, reached
 *               through the internal headers (Py_BUILD_CORE in this file
 *               only; the headers are the ones libpython was built with).
 *   main phase  3.11-3.13: _Py_InitializeMain(). 3.14 removed it (3.15
 *               restores it); there Py_InitializeFromConfig() is called a
 *               second time with _init_main = 1: CPython sees the core is
 *               up, reapplies the same config (pyinit_core_reconfigure)
 *               and runs the main phase (pyinit_main), which is exactly
 *               what _Py_InitializeMain did. So the finder is still in
 *               place before `encodings` is imported.
 *   str compare _PyUnicode_EqualToASCIIString became internal in 3.13:
 *               PyUnicode_EqualToUTF8 (new in 3.13) from then on.
 *   finalising  the steps of Py_FinalizeEx that a quick exit keeps
 *               (fastexit.c) use internals: 3.12+ have
 *               _PyInterpreterState_SetFinalizing besides the runtime's;
 *               3.12+ clear importlib's external state
 *               (_PyImport_FiniExternal) before the modules; the
 *               per-index module table is _PyInterpreterState_ClearModules
 *               in 3.11 and _PyImport_ClearModulesByIndex from 3.12;
 *               _PyModule_Clear(Dict) became internal in 3.13. Only 3.11
 *               and 3.13/3.14 are built and tested here; 3.12 follows its
 *               source as read, untested.
 */
#include "pycompat_int.h"

#include <string.h>

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030F0000
#error "libpyembed supports CPython 3.11 to 3.14: see the top of libpyembed/pycompat.c"
#endif

#define Py_BUILD_CORE 1
#if PY_VERSION_HEX < 0x030C0000
/* 3.11's Python.h defines the public _PyGC_FINALIZED that its internal
 * pycore_gc.h (through pycore_runtime.h) defines again for the core. */
#undef _PyGC_FINALIZED
#endif
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_pystate.h"

#if PY_VERSION_HEX < 0x030C0000
/* 3.11: declared in internal/pycore_pylifecycle.h, exported by libpython. */
extern int _Py_UnhandledKeyboardInterrupt;
#define SIGINT_FLAG _Py_UnhandledKeyboardInterrupt
#else
#define SIGINT_FLAG _PyRuntime.signals.unhandled_keyboard_interrupt
#endif

/* Finalisation internals: non-static in libpython, which is always linked
 * statically. */
#include "internal/pycore_gc.h"
#include "internal/pycore_import.h"
#include "internal/pycore_pylifecycle.h"
#if PY_VERSION_HEX < 0x030C0000
#define CLEAR_MODULES_BY_INDEX _PyInterpreterState_ClearModules
#else
#define CLEAR_MODULES_BY_INDEX _PyImport_ClearModulesByIndex
#endif
#if PY_VERSION_HEX >= 0x030D0000
#include "internal/pycore_moduleobject.h"
#pragma weak _PyModule_Clear
#pragma weak _PyModule_ClearDict
#endif
/* A shared libpython (a C host linking libpyembed with pkg-config) hides
 * them: weak references, so such a host links; there the quick exit is
 * never armed (pyembed__compat_exit_available). */
#pragma weak _PySignal_Fini
#pragma weak _PyGC_CollectNoFail
#if PY_VERSION_HEX < 0x030C0000
#pragma weak _PyInterpreterState_ClearModules
#else
#pragma weak _PyImport_ClearModulesByIndex
#pragma weak _PyImport_FiniExternal
#endif

void pyembed__compat_config(PyConfig *c, int safe_path)
{
    c->_init_main = 0; /* private field: stop after the core phase */
    if (safe_path)
        c->safe_path = 1; /* 3.11+ */
}

PyStatus pyembed__compat_init_main(PyConfig *c)
{
#if PY_VERSION_HEX < 0x030E0000
    (void)c;
    return _Py_InitializeMain();
#else
    c->_init_main = 1;
    return Py_InitializeFromConfig(c);
#endif
}

int pyembed__compat_sigint_exit_flag(int set, int value)
{
    if (set)
        SIGINT_FLAG = value;
    return SIGINT_FLAG;
}

int pyembed__compat_str_is(PyObject *s, const char *ascii)
{
#if PY_VERSION_HEX < 0x030D0000
    return _PyUnicode_EqualToASCIIString(s, ascii);
#else
    int r = PyUnicode_EqualToUTF8(s, ascii);
    return r > 0;
#endif
}

PyObject *pyembed__compat_frozen_names(PyObject *imp)
{
    /* _imp._frozen_module_names() is new in 3.11 */
    PyObject *names = PyObject_CallMethod(imp, "_frozen_module_names", NULL);
    PyObject *set = names ? PyFrozenSet_New(names) : NULL;
    Py_XDECREF(names);
    return set;
}

int pyembed__compat_set_stdlib_dir(PyObject *root)
{
    return PySys_SetObject("_stdlib_dir", root); /* 3.11+ */
}

PyObject *pyembed__compat_frozen_source_name(PyObject *spec)
{
    /* 3.11's FrozenImporter: origin "frozen", loader_state.origname names
     * the module whose source was frozen (__hello_alias__ -> __hello__). */
    PyObject *origin = PyObject_GetAttrString(spec, "origin"), *state, *name = NULL;
    if (origin && PyUnicode_Check(origin) && pyembed__compat_str_is(origin, "frozen")) {
        state = PyObject_GetAttrString(spec, "loader_state");
        name = state ? PyObject_GetAttrString(state, "origname") : NULL;
        if (!name || !PyUnicode_Check(name)) {
            PyErr_Clear();
            Py_XSETREF(name, PyObject_GetAttrString(spec, "name"));
        }
        Py_XDECREF(state);
    }
    Py_XDECREF(origin);
    PyErr_Clear();
    return name;
}

void pyembed__compat_frozen_set_filename(PyObject *spec, PyObject *file)
{
    /* 3.11-3.14: a SimpleNamespace(filename=..., origname=...) */
    PyObject *state = PyObject_GetAttrString(spec, "loader_state");
    if (state && state != Py_None && PyObject_HasAttrString(state, "filename") &&
        PyObject_SetAttrString(state, "filename", file) < 0)
        PyErr_Clear();
    Py_XDECREF(state);
    PyErr_Clear();
}

int pyembed__compat_frozen_served(PyObject *imp, PyObject *name)
{
    /* _imp.find_frozen (3.11+) answers None when frozen modules are off */
    PyObject *r = PyObject_CallMethod(imp, "find_frozen", "O", name);
    int served = r && r != Py_None;
    if (!r)
        return -1;
    Py_DECREF(r);
    return served;
}

int pyembed__compat_exit_available(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (!_PyImport_FiniExternal)
        return 0;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    if (!_PyModule_Clear || !_PyModule_ClearDict)
        return 0;
#endif
    return _PySignal_Fini && _PyGC_CollectNoFail && CLEAR_MODULES_BY_INDEX;
}

void pyembed__compat_exit_set_finalizing(void)
{
    PyThreadState *tstate = PyThreadState_Get();
#if PY_VERSION_HEX >= 0x030C0000
    _PyInterpreterState_SetFinalizing(tstate->interp, tstate);
#endif
    _PyRuntimeState_SetFinalizing(&_PyRuntime, tstate);
    _PyRuntime.initialized = 0;
    _PyRuntime.core_initialized = 0;
}

void pyembed__compat_exit_signal_fini(void)
{
    _PySignal_Fini();
}

void pyembed__compat_exit_import_fini(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    _PyImport_FiniExternal(_PyInterpreterState_GET());
#endif
#if PY_VERSION_HEX >= 0x030D0000
    if (PyDict_Unwatch(0, _PyInterpreterState_GET()->builtins) < 0)
        PyErr_Clear();
#endif
}

const char *const *pyembed__compat_exit_sys_deletes(void)
{
    static const char *const names[] = {
#if PY_VERSION_HEX < 0x030C0000
        "path", "argv", "ps1", "ps2", "last_type", "last_value", "last_traceback",
        "path_hooks", "path_importer_cache", "meta_path", "__interactivehook__", NULL
#else
        "path", "argv", "ps1", "ps2", "last_exc", "last_type", "last_value",
        "last_traceback", "__interactivehook__", "meta_path", NULL
#endif
    };
    return names;
}

PyObject *pyembed__compat_exit_builtins(void)
{
    return _PyInterpreterState_GET()->builtins;
}

PyObject *pyembed__compat_exit_sysdict(void)
{
    return _PyInterpreterState_GET()->sysdict;
}

void pyembed__compat_exit_gc(void)
{
    _PyGC_CollectNoFail(PyThreadState_Get()); /* even with gc disabled */
}

int pyembed__compat_gc_each(int (*fn)(PyObject *op, void *arg), void *arg)
{
    struct _gc_runtime_state *gc = &_PyInterpreterState_GET()->gc;
    int rc = 0, was_enabled = PyGC_Disable();
    for (int g = 0; g < NUM_GENERATIONS && !rc; g++) {
        PyGC_Head *head = &gc->generations[g].head;
        /* the next node is read after fn: fn's own objects come and go */
        for (PyGC_Head *p = _PyGCHead_NEXT(head); p != head && !rc; p = _PyGCHead_NEXT(p))
            rc = fn((PyObject *)(p + 1), arg);
    }
    if (was_enabled)
        PyGC_Enable();
    return rc;
}

void pyembed__compat_gc_resume(int was_enabled)
{
    _PyInterpreterState_GET()->gc.generations[0].count = 0;
    if (was_enabled)
        PyGC_Enable();
}

int pyembed__compat_gc_observed(void)
{
    struct _gc_runtime_state *gc = &_PyInterpreterState_GET()->gc;
    PyGC_Head *frozen = &gc->permanent_generation.head;
    return gc->debug != 0 || _PyGCHead_NEXT(frozen) != frozen ||
           (gc->callbacks && (!PyList_Check(gc->callbacks) || PyList_GET_SIZE(gc->callbacks) > 0));
}

PyObject *pyembed__compat_weakref_get(PyObject *ref)
{
#if PY_VERSION_HEX < 0x030D0000
    PyObject *obj = PyWeakref_GetObject(ref);
    if (!obj || obj == Py_None) {
        PyErr_Clear();
        return NULL;
    }
    Py_INCREF(obj);
    return obj;
#else
    PyObject *obj = NULL;
    if (PyWeakref_GetRef(ref, &obj) < 0)
        PyErr_Clear();
    return obj;
#endif
}

PyObject *pyembed__compat_exit_builtins_copy(void)
{
    return _PyInterpreterState_GET()->builtins_copy;
}

void pyembed__compat_exit_module_clear(PyObject *mod)
{
    _PyModule_Clear(mod);
}

void pyembed__compat_exit_dict_clear(PyObject *module_dict)
{
    _PyModule_ClearDict(module_dict);
}

void pyembed__compat_exit_modules_by_index(void)
{
    CLEAR_MODULES_BY_INDEX(_PyInterpreterState_GET());
}

int pyembed__compat_libpython_freezes(const char *name)
{
    /* 3.11-3.14: the bootstrap and stdlib tables (pycore_import.h, exported
     * data), then an embedder's own PyImport_FrozenModules */
    const struct _frozen *tables[] = {_PyImport_FrozenBootstrap, _PyImport_FrozenStdlib,
                                      PyImport_FrozenModules};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        for (const struct _frozen *p = tables[i]; p && p->name; p++)
            if (strcmp(p->name, name) == 0)
                return 1;
    return 0;
}
