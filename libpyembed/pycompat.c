/*
 * pycompat.c — CPython-version-dependent calls (see pycompat_int.h).
 *
 * Supported: CPython 3.11. Any other version is a build failure, never a
 * silent no-op. What a port needs, per function below:
 *   3.12, 3.13  _Py_UnhandledKeyboardInterrupt became
 *               _PyRuntime.signals.unhandled_keyboard_interrupt: define
 *               Py_BUILD_CORE here only, after <Python.h>, and include
 *               "internal/pycore_runtime.h" (Py_RunMain reads that flag).
 *               _PyUnicode_EqualToASCIIString is internal from 3.13 on:
 *               use the public PyUnicode_EqualToUTF8 there.
 *   3.14        _Py_InitializeMain is gone (3.15 restores it): the finder
 *               must be installed before `encodings` is imported without a
 *               core phase (PEP 741 PyInitConfig, or a frozen override of
 *               encodings); python_init.c's phase order changes with it,
 *               through functions declared in pycompat_int.h.
 * Each port adds one PY_VERSION_HEX branch per function here, and widens
 * the guard.
 */
#include "pycompat_int.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "libpyembed supports CPython 3.11 only: 3.12-3.14 need the changes listed at the top of libpyembed/pycompat.c"
#endif

/* 3.11: declared in internal/pycore_pylifecycle.h, exported by libpython. */
extern int _Py_UnhandledKeyboardInterrupt;

void pyembed__compat_config(PyConfig *c)
{
    c->_init_main = 0; /* private field: stop after the core phase */
    c->safe_path = 1;  /* 3.11+ */
}

PyStatus pyembed__compat_init_main(void)
{
    return _Py_InitializeMain();
}

int pyembed__compat_sigint_exit_flag(int set, int value)
{
    if (set)
        _Py_UnhandledKeyboardInterrupt = value;
    return _Py_UnhandledKeyboardInterrupt;
}

int pyembed__compat_str_is(PyObject *s, const char *ascii)
{
    return _PyUnicode_EqualToASCIIString(s, ascii);
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
