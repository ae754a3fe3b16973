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
 */
#include "pycompat_int.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030F0000
#error "libpyembed supports CPython 3.11 to 3.14: see the top of libpyembed/pycompat.c"
#endif

#if PY_VERSION_HEX < 0x030C0000
/* 3.11: declared in internal/pycore_pylifecycle.h, exported by libpython. */
extern int _Py_UnhandledKeyboardInterrupt;
#define SIGINT_FLAG _Py_UnhandledKeyboardInterrupt
#else
#define Py_BUILD_CORE 1
#include "internal/pycore_runtime.h"
#define SIGINT_FLAG _PyRuntime.signals.unhandled_keyboard_interrupt
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
