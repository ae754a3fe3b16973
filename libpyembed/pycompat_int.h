/*
 * pycompat_int.h — every CPython-version-dependent call of libpyembed
 * (private). pycompat.c is the only file that tests the CPython version and
 * the only one using private C API (_Py* symbols, _-prefixed PyConfig
 * fields) or Python-level internals whose shape differs between the
 * versions we target (3.11 to 3.14).
 *
 * Left where they are used, because they are the same from 3.11 to 3.14: _imp._fix_co_filename, _imp.create_dynamic and
 * exec_dynamic, _frozen_importlib.ModuleSpec, _bootstrap_external's
 * spec_from_file_location and decode_source, runpy._run_module_as_main
 * (runmain.c), threading._shutdown and atexit._run_exitfuncs (fastexit.c).
 */
#ifndef PYEMBED_PYCOMPAT_INT_H
#define PYEMBED_PYCOMPAT_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Sets the PyConfig fields whose existence depends on the version:
 * initialisation stops after the core phase (the caller then installs
 * its importer and calls pyembed__compat_init_main), and with safe_path
 * neither the current nor the script directory is put on sys.path. */
void pyembed__compat_config(PyConfig *c, int safe_path);
/* Runs the main phase of initialisation after a core-only one; c is the
 * config the core phase was started with (still unfreed). */
PyStatus pyembed__compat_init_main(PyConfig *c);

/* Reads (and with set, writes) CPython's "die by SIGINT after an uncaught
 * KeyboardInterrupt" flag that Py_RunMain tests; any exec() of a string
 * clears it, as namedtuple does while excepthook.c imports traceback. */
int pyembed__compat_sigint_exit_flag(int set, int value);

/* 1 when str s equals the ASCII string ascii, else 0; never fails. */
int pyembed__compat_str_is(PyObject *s, const char *ascii);

/* 1 when libpython has module name frozen (callable before
 * initialisation). */
int pyembed__compat_libpython_freezes(const char *name);
/* New frozenset of the modules frozen into libpython (imp: _imp). */
PyObject *pyembed__compat_frozen_names(PyObject *imp);
/* Makes root the directory FrozenImporter derives frozen stdlib modules'
 * __file__ from (sys._stdlib_dir). 0, or -1 with an exception set. */
int pyembed__compat_set_stdlib_dir(PyObject *root);
/* Dotted name of the source of the frozen module whose spec is spec (new
 * reference), or NULL with no exception when spec is not FrozenImporter's
 * or has no usable name. */
PyObject *pyembed__compat_frozen_source_name(PyObject *spec);
/* 1 when FrozenImporter will import frozen module name (frozen modules
 * are on: not overridden by _imp._override_frozen_modules_for_tests),
 * 0 when not, -1 with an exception set. imp: _imp. */
int pyembed__compat_frozen_served(PyObject *imp, PyObject *name);
/* Records file as the filename in the loader_state of FrozenImporter's
 * spec (nothing for another spec); never fails. */
void pyembed__compat_frozen_set_filename(PyObject *spec, PyObject *file);

/* The steps of Py_FinalizeEx after its atexit callbacks that need
 * interpreter internals, for the quick exit (fastexit.c), in the order it
 * calls them: exit_set_finalizing (daemon threads stop at their next GIL
 * take, Py_IsFinalizing() is true); exit_signal_fini restores default
 * signal dispositions; exit_import_fini (3.12+) clears importlib's
 * external state before the modules are torn down. */
int pyembed__compat_exit_available(void); /* 1 when libpython has them all */
void pyembed__compat_exit_set_finalizing(void);
void pyembed__compat_exit_signal_fini(void);
void pyembed__compat_exit_import_fini(void);
/* NULL-terminated names of the sys attributes finalize_modules sets to
 * None first (3.12+: last_exc too; path hooks go with the import state). */
const char *const *pyembed__compat_exit_sys_deletes(void);
/* The interpreter's builtins and sys dicts (borrowed). */
PyObject *pyembed__compat_exit_builtins(void);
PyObject *pyembed__compat_exit_sysdict(void);
/* A full garbage collection, even with gc disabled (_PyGC_CollectNoFail). */
void pyembed__compat_exit_gc(void);
/* Calls fn(op, arg) for every object the collector tracks, in every
 * generation, with collections held off; stops at and returns the first
 * nonzero result (0 when all returned 0). fn may create and free
 * objects of its own but not untrack others. */
int pyembed__compat_gc_each(int (*fn)(PyObject *op, void *arg), void *arg);
/* Re-enables the collector (when was_enabled) after a stretch with it
 * off, and starts its allocation count afresh: the objects made in the
 * stretch wait for the first collection the program's own allocations
 * cause, instead of causing one at once. */
void pyembed__compat_gc_resume(int was_enabled);
/* 1 when running the collector could be observed beyond finalisers:
 * gc.callbacks is not empty, debug flags are set, or objects were
 * frozen out of its generations (gc.freeze); else 0. */
int pyembed__compat_gc_observed(void);
/* New reference to weakref ref's object, or NULL (no exception) if dead. */
PyObject *pyembed__compat_weakref_get(PyObject *ref);
/* The builtins dict as initialisation left it (borrowed). */
PyObject *pyembed__compat_exit_builtins_copy(void);
/* CPython's module wipe: _PyModule_Clear(module) / _PyModule_ClearDict. */
void pyembed__compat_exit_module_clear(PyObject *mod);
void pyembed__compat_exit_dict_clear(PyObject *module_dict);
/* Drops the interpreter's per-index table of extension modules. */
void pyembed__compat_exit_modules_by_index(void);

#endif
