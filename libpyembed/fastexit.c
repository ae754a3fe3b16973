/*
 * fastexit.c — process exit after a packed app's entry module ends, for
 * the driver's run-to-exit path (pyembed_main); C hosts (pyembed_interp_*,
 * pyembed_run_module) always get CPython's full Py_FinalizeEx.
 *
 * Quick exit (the default): Py_FinalizeEx does two things, what a program
 * can observe and the freeing of interpreter internals (types, interned
 * strings, the GIL, thread states: about 11 % of a hello world). The quick
 * exit does the first part in CPython's order — non-daemon threads are
 * joined, atexit callbacks run, the interpreter is marked finalizing (so
 * daemon threads stop at their next GIL take), stdio is flushed (a failure
 * gives status 120, as in Py_RunMain), signal handlers are reset, and the
 * modules are torn down as finalize_modules does: sys.modules emptied,
 * garbage collected, every module dict wiped newest first, then sys and
 * builtins — so __del__ methods, weakref finalizers, buffered files,
 * tempfiles and sqlite connections are finalised as by python — unless
 * the heap is inert (inert.c: no object whose destruction could run a
 * finaliser or touch anything outside the process), when the teardown
 * and its collections are skipped as unobservable. Then it calls exit(),
 * which runs C atexit handlers and flushes C stdio. Not repeated from the
 * freeing part: clearing other (daemon) threads' states,
 * the interpreter's own references (codec registry, os.register_at_fork
 * callbacks, audit hooks) and pending calls.
 *
 * Fast exit (--fast-exit, config.fast_exit): joins threads, runs atexit,
 * flushes stdio and _exit()s without any teardown, so __del__ of objects
 * alive at exit does not run. It applies when the entry module returns or
 * raises SystemExit with an int or None.
 *
 * Both leave KeyboardInterrupt (death by SIGINT) to CPython's own path.
 */
#include "pyembed_int.h"
#include "pycompat_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Calls module.method() if module was imported; -1 with exception set. */
static int call_if_imported(const char *module, const char *method)
{
    PyObject *name = PyUnicode_FromString(module), *m, *r;
    if (!name)
        return -1;
    m = PyImport_GetModule(name);
    Py_DECREF(name);
    if (!m)
        return PyErr_Occurred() ? -1 : 0;
    r = PyObject_CallMethod(m, method, NULL);
    Py_DECREF(m);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Flushes sys.<name>; 0 ok, -1 (reported as unraisable, like CPython's
 * flush_std_files) when it fails. */
static int flush_std(const char *name)
{
    PyObject *f = PySys_GetObject(name), *r;
    if (!f || f == Py_None)
        return 0;
    if ((r = PyObject_CallMethod(f, "flush", NULL))) {
        Py_DECREF(r);
        return 0;
    }
    PyErr_WriteUnraisable(f);
    return -1;
}

/* The exit status for a pending SystemExit whose code is an int or None,
 * clearing it; -1 (exception kept) for any other pending exception. */
static int exit_code_of_pending(void)
{
    PyObject *type, *value, *tb, *code;
    long status;
    if (!PyErr_ExceptionMatches(PyExc_SystemExit))
        return -1;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    code = value ? PyObject_GetAttrString(value, "code") : NULL;
    status = !code || code == Py_None ? 0 : PyLong_Check(code) ? PyLong_AsLong(code) : -1;
    Py_XDECREF(code);
    if (status < 0 || status > 255 || PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
        return -1;
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return (int)status;
}

int pyembed__fast_exit(int finished_ok)
{
    int status = finished_ok ? 0 : exit_code_of_pending();
    if (status < 0)
        return -1; /* not a plain exit: CPython's path reports it */
    if (call_if_imported("threading", "_shutdown") < 0 ||
        call_if_imported("atexit", "_run_exitfuncs") < 0)
        PyErr_WriteUnraisable(NULL);
    if (flush_std("stdout") < 0 && status == 0)
        status = 120;
    flush_std("stderr");
    fflush(stdout);
    fflush(stderr);
    pyembed__ext_cleanup();
    _exit(status);
}

/* ---- quick exit: the observable part of Py_FinalizeEx ------------------ */

/* The exit status python will give the pending exception, which is left
 * pending: SystemExit's code (None 0, an int its value as a C int,
 * anything else 1, as _Py_HandleSystemExit), 1 for any other exception. */
static int pending_exit_status(void)
{
    PyObject *type, *value, *tb, *code = NULL;
    int status = 1;
    if (!PyErr_ExceptionMatches(PyExc_SystemExit))
        return 1;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && PyExceptionInstance_Check(value))
        code = PyObject_GetAttrString(value, "code");
    if (!code && value) {
        PyErr_Clear();
        code = (Py_INCREF(value), value);
    }
    if (!code || code == Py_None)
        status = 0;
    else if (PyLong_Check(code))
        status = (int)PyLong_AsLong(code);
    Py_XDECREF(code);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
    return status;
}

/* flush_std_files: 0, or -1 when flushing sys.stdout or sys.stderr
 * failed (stdout's error is reported, stderr's dropped, as CPython). */
static int flush_std_files(void)
{
    static const char *const names[] = {"stdout", "stderr"};
    int status = 0;
    for (int i = 0; i < 2; i++) {
        PyObject *f = PySys_GetObject(names[i]), *closed, *r;
        int is_closed = 0;
        if (!f || f == Py_None)
            continue;
        if ((closed = PyObject_GetAttrString(f, "closed")))
            is_closed = PyObject_IsTrue(closed) > 0;
        Py_XDECREF(closed);
        PyErr_Clear();
        if (is_closed)
            continue;
        if ((r = PyObject_CallMethod(f, "flush", NULL))) {
            Py_DECREF(r);
            continue;
        }
        if (i == 0)
            PyErr_WriteUnraisable(f);
        PyErr_Clear();
        status = -1;
    }
    return status;
}

/* Sets d[name] = None, reporting a failure as unraisable. */
static void set_none(PyObject *d, const char *name)
{
    if (PyDict_SetItemString(d, name, Py_None) < 0)
        PyErr_WriteUnraisable(NULL);
}

/* finalize_modules_delete_special: builtins._ and the sys attributes where
 * user objects hide go first; sys.std* get their original streams back. */
static void delete_special(PyObject *builtins, PyObject *sysdict)
{
    static const char *const sys_files[][2] = {
        {"stdin", "__stdin__"}, {"stdout", "__stdout__"}, {"stderr", "__stderr__"}};
    const char *const *sys_deletes = pyembed__compat_exit_sys_deletes();
    set_none(builtins, "_");
    for (size_t i = 0; sys_deletes[i]; i++)
        set_none(sysdict, sys_deletes[i]);
    for (size_t i = 0; i < 3; i++) {
        PyObject *v = PyDict_GetItemString(sysdict, sys_files[i][1]);
        if (PyDict_SetItemString(sysdict, sys_files[i][0], v ? v : Py_None) < 0)
            PyErr_WriteUnraisable(NULL);
    }
}

/* finalize_remove_modules: sets every module of sys.modules to None and
 * returns a new list of (name, weakref) in import order (NULL if out of
 * memory, reported). */
static PyObject *remove_modules(PyObject *modules)
{
    PyObject *weaklist = PyList_New(0), *key, *value;
    Py_ssize_t pos = 0;
    if (!weaklist)
        PyErr_WriteUnraisable(NULL);
    while (PyDict_Next(modules, &pos, &key, &value)) {
        if (!PyModule_Check(value))
            continue;
        if (weaklist) {
            PyObject *wr = PyWeakref_NewRef(value, NULL);
            PyObject *tup = wr ? PyTuple_Pack(2, key, wr) : NULL;
            if (!tup || PyList_Append(weaklist, tup) < 0)
                PyErr_WriteUnraisable(NULL);
            Py_XDECREF(tup);
            Py_XDECREF(wr);
        }
        if (PyDict_SetItem(modules, key, Py_None) < 0)
            PyErr_WriteUnraisable(NULL);
    }
    return weaklist;
}

/* finalize_restore_builtins: builtins goes back to its state after
 * initialisation, dropping what the app added. */
static void restore_builtins(PyObject *builtins)
{
    PyObject *copy = PyDict_Copy(builtins), *orig = pyembed__compat_exit_builtins_copy();
    if (!copy)
        PyErr_WriteUnraisable(NULL);
    PyDict_Clear(builtins);
    if (orig && PyDict_Update(builtins, orig) < 0)
        PyErr_Clear();
    Py_XDECREF(copy);
}

/* finalize_modules_clear_weaklist: wipes the dicts of modules still alive,
 * newest first, except sys and builtins. */
static void clear_weaklist(PyObject *weaklist, PyObject *builtins, PyObject *sysdict)
{
    for (Py_ssize_t i = PyList_GET_SIZE(weaklist) - 1; i >= 0; i--) {
        PyObject *tup = PyList_GET_ITEM(weaklist, i);
        PyObject *mod = pyembed__compat_weakref_get(PyTuple_GET_ITEM(tup, 1));
        if (!mod)
            continue;
        if (PyModule_Check(mod)) {
            PyObject *d = PyModule_GetDict(mod);
            if (d != builtins && d != sysdict)
                pyembed__compat_exit_module_clear(mod);
        }
        Py_DECREF(mod);
    }
}

/* finalize_modules, without freeing the modules dict itself. */
static void finalize_modules(void)
{
    PyObject *builtins = pyembed__compat_exit_builtins(), *sysdict = pyembed__compat_exit_sysdict();
    PyObject *modules = PyImport_GetModuleDict(), *weaklist;
    if (!builtins || !sysdict || !modules || !PyDict_Check(modules))
        return;
    Py_INCREF(modules);
    delete_special(builtins, sysdict);
    weaklist = remove_modules(modules);
    PyDict_Clear(modules);
    restore_builtins(builtins);
    pyembed__compat_exit_gc();
    if (weaklist) {
        clear_weaklist(weaklist, builtins, sysdict);
        Py_DECREF(weaklist);
    }
    pyembed__compat_exit_dict_clear(sysdict);
    pyembed__compat_exit_dict_clear(builtins);
    pyembed__compat_exit_modules_by_index();
    pyembed__compat_exit_gc();
    Py_DECREF(modules);
}

static int armed;        /* the hook finishes the exit; 0: CPython does */
static int exit_status;
static PyObject *hook;   /* kept alive here: atexit._clear() drops its ref */
static PyObject *atexit_mod; /* the hook's own atexit module (not sys.modules') */

/* What Py_FinalizeEx does after its atexit callbacks that a program can
 * observe, in its order; then exit() with the status the entry's outcome
 * gave (120 if a stdio flush failed). Never returns. */
static void finish_exit(void)
{
    PyObject *r = NULL;
    int flush_failed;
    if (atexit_mod && !(r = PyObject_CallMethod(atexit_mod, "_clear", NULL))) /* as atexit_cleanup */
        PyErr_WriteUnraisable(NULL);
    Py_XDECREF(r);
    pyembed__compat_exit_set_finalizing();
    flush_failed = flush_std_files() < 0;
    pyembed__compat_exit_signal_fini();
    if (!pyembed__heap_inert(NULL, 0)) {
        PyGC_Collect();
        pyembed__compat_exit_import_fini();
        finalize_modules();
        flush_failed |= flush_std_files() < 0;
    }
    pyembed__ext_cleanup();
    exit(flush_failed ? 120 : exit_status);
}

/* The atexit callback registered first, so it runs last: Py_FinalizeEx
 * has joined the threads and run the others. */
static PyObject *exit_hook(PyObject *self, PyObject *noargs)
{
    (void)self;
    (void)noargs;
    if (armed)
        finish_exit();
    Py_RETURN_NONE;
}

static PyMethodDef hook_def = {"_pyembed_quick_exit", exit_hook, METH_NOARGS,
                               "Ends the process after the observable part of finalisation."};

int pyembed__quick_exit_arm(void)
{
    PyObject *r = NULL;
    if (!pyembed__compat_exit_available())
        return 0; /* shared libpython: Py_FinalizeEx does it all */
    /* a private instance: the callbacks are the interpreter's, and the
     * app's sys.modules stays as python's (no atexit there) */
    if (!atexit_mod)
        atexit_mod = pyembed__builtin_module("atexit", 0);
    if (atexit_mod && (hook || (hook = PyCFunction_New(&hook_def, NULL))))
        r = PyObject_CallMethod(atexit_mod, "register", "O", hook);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

void pyembed__quick_exit_outcome(int finished_ok)
{
    armed = finished_ok || !PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
    exit_status = finished_ok ? 0 : pending_exit_status();
}
