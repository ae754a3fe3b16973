/* pyembed_int.h — libpyembed's shared internals (private). */
#ifndef PYEMBED_INT_H
#define PYEMBED_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <marshal.h>

#include "packrs.h"
#include "pyembed.h"
#include "meta_int.h"

/* What the allocator set-up does (alloc.c), resolved from the config. */
typedef struct pyembed_alloc_plan {
    int backend;         /* enum pyembed_alloc_backend, never DEFAULT */
    unsigned domains;    /* PYEMBED_DOMAIN_BIT()s served by backend */
    int debug, tracking;
    int preconfig;       /* PyPreConfig.allocator, or -1: SetAllocator */
    pyembed_allocator_funcs custom; /* BACKEND_CUSTOM: the host's, copied */
} pyembed_alloc_plan;

/* The interp's copy of one config.modules entry (strings owned). */
typedef struct pyembed_cmodule {
    char *name;
    pyembed_function *functions; /* names owned */
    size_t function_count;
    void *(*init)(void);
    PyMethodDef *defs;           /* made at registration (cmodule.c) */
} pyembed_cmodule;

enum { IT_FAILED = 0, IT_CREATED, IT_RUNNING, IT_FINISHED };

struct pyembed_interp {
    int state;
    uint64_t id;             /* unique in the process (error.c's slots) */
    pyembed_config cfg;      /* strings below are private copies */
    char *exe;               /* absolute path of the executable */
    char *origin;            /* directory for filesystem-relative files */
    char *module_search_path;
    char *run_module, *run_code;
    char **argv;
    int python_cmdline;      /* argv is a python command line: CPython
                                parses it (childcmd.c) */
    int direct_main;         /* the entry is a packed module, run by
                                runmain.c without a Python caller frame */
    packrs_reader *reader;   /* NULL with RESOURCES_NONE */
    pyembed_meta meta;
    pyembed_alloc_plan alloc;
    pyembed_cmodule *modules;
    size_t module_count;
    char errmsg[512];
    int run_to_exit;         /* created by pyembed_run_module: the process
                                ends with the run, so it may exit quickly */
};

/* Declarations by layer, lowest first: a file calls only functions of
 * files in lower layers (or of its own). pycompat.c (pycompat_int.h) and
 * platform_<system>.c (platform_int.h) are at the bottom beside error.c. */

/* error.c: records a formatted message on it and returns code. */
int pyembed__fail(pyembed_interp *it, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* error.c: records the pending Python exception's text on it (clearing
 * it) and returns EPYTHON. */
int pyembed__fail_python(pyembed_interp *it, const char *what);
/* error.c: the same for a host call: also keeps the formatted traceback
 * (pyembed_interp_traceback); ENOMEM when our own copy of the text could
 * not be made is not an error (the traceback is then ""). */
int pyembed__fail_exception(pyembed_interp *it, const char *what);

/* staticcode.c: the static code table's entry for module name compiled
 * at optimisation level optimize, or NULL (pyembed_set_static_code). */
const pyembed_static_code *pyembed__static_code(const char *name, int optimize);

/* builtin.c: built-in module name (a top-level one of PyImport_Inittab)
 * made as importlib would, without its Python code: with in_sys_modules
 * the one in sys.modules, else created and put there; without, a private
 * instance sys.modules does not see. New reference, or NULL with an
 * exception. */
PyObject *pyembed__builtin_module(const char *name, int in_sys_modules);

/* inert.c: 1 when tearing the interpreter down now could run no
 * finaliser and touch nothing outside the process (see inert.c), else 0
 * with the first reason in why (if whylen > 0). Needs the GIL. */
int pyembed__heap_inert(char *why, size_t whylen);
/* inert.c: _pyembed._exit_teardown_reason(). */
extern PyMethodDef pyembed__inert_def;

/* fastexit.c: after the entry module ended (finished_ok) or raised,
 * exits the process without finalising objects if the outcome is a plain
 * exit status; returns -1 (exception pending) otherwise. */
int pyembed__fast_exit(int finished_ok);
/* fastexit.c: registers the quick exit's atexit hook (before the entry
 * runs, so it runs last); 0, or -1 with an exception set. */
int pyembed__quick_exit_arm(void);
/* fastexit.c: records how the entry ended (finished_ok, else the pending
 * exception, left pending): the hook then ends the process with python's
 * status, except after a KeyboardInterrupt (CPython's full path). */
void pyembed__quick_exit_outcome(int finished_ok);

/* config.c: reads the caller's cfg (only the fields its version has),
 * checks it and fills it's private copies. */
int pyembed__config_adopt(pyembed_interp *it, const pyembed_config *cfg);
/* config.c: frees the copies of config.modules. */
void pyembed__config_free_modules(pyembed_interp *it);
/* config.c: 1 when s is a dotted module name (no empty part). */
int pyembed__module_name_ok(const char *s);
/* meta.c: reads "@pyembed" from it->reader into it->meta (absent is ok). */
int pyembed__meta_load(pyembed_interp *it);
/* childcmd.c: decides whether it's argv is the app's or a python
 * command line (multiprocessing's re-executions; with parse_argv any
 * argv starting with one of python's options): 1 python's (it->python_cmdline set, or
 * the --multiprocessing-fork entry in run_code), 0 the app's, <0 error. */
int pyembed__child_command(pyembed_interp *it);

/* value.c: v as a new Python object (index names the argument in
 * messages), or NULL with an exception. */
PyObject *pyembed__value_to_py(const pyembed_value *v, size_t index);
/* value.c: o converted to type want (enum pyembed_type) into an owned
 * *out: 0, PYEMBED_EPYTHON with an exception set, or PYEMBED_ENOMEM
 * (our copy failed; no exception). *out is NONE on failure. */
int pyembed__value_from_py(pyembed_value *out, PyObject *o, int want);
/* value.c: o as a borrowed value of its own type (valid while o lives);
 * 0, or -1 with an exception. */
int pyembed__value_borrow(pyembed_value *out, PyObject *o);

/* gil.c: the calling thread's pyembed_gil_acquire() stack. */
typedef struct pyembed_gil_stack {
    unsigned depth;
    uint64_t locked;      /* bit d: acquire d found the GIL already held */
    PyThreadState *saved; /* a release with an empty stack */
} pyembed_gil_stack;
/* gil.c: around a C callback: a fresh stack (outer saved), and on leaving
 * the GIL held again and the outer stack back. */
void pyembed__gil_enter_callback(pyembed_gil_stack *outer);
void pyembed__gil_leave_callback(const pyembed_gil_stack *outer);
/* gil.c: makes the calling thread hold the GIL for finalisation. */
void pyembed__gil_reclaim(void);

/* cmodule.c: puts it's config.modules into CPython's inittab (before
 * Py_PreInitialize). */
int pyembed__cmodules_register(pyembed_interp *it);

/* extload.c: creates extension module `spec` from in-memory bytes. */
PyObject *pyembed__ext_create(PyObject *spec, const void *so, size_t len,
                              int mode);
/* extload.c: removes the private temporary directory, if one was made. */
void pyembed__ext_cleanup(void);
/* extload.c: _pyembed.clean_temp (leftover private directories). */
extern PyMethodDef pyembed__ext_clean_def;

/* excepthook.c: _pyembed.excepthook, showing packed sources in tracebacks. */
extern PyMethodDef pyembed__excepthook_def;
/* runmain.c: runs packed module `module` as __main__ (`python -m`
 * without runpy and without a Python caller frame); an uncaught
 * exception is printed as python prints it. Returns the exit status
 * (0, or 1 after a traceback); *sigint is set when that exception was a
 * KeyboardInterrupt. SystemExit ends the process, as in python. */
int pyembed__runmain_run(const char *module, int *sigint);

/* install.c: the built-in module "_pyembed" (for PyImport_AppendInittab)
 * and installing its finder first on sys.meta_path. */
PyObject *pyembed__module_init(void);
int pyembed__importer_install(pyembed_interp *it);
/* install.c: the init function of the built-in "encodings" registered
 * with a blob, a multi-phase def whose create returns the packed
 * encodings. A sub-interpreter starts with CPython's own importers only
 * and imports encodings first: the shim installs the packed importer
 * there. In the main interpreter it serves a fresh import of encodings
 * when the packed importer is not first (a python command line).
 * pyembed__encodings_shim_hide() keeps the name out of
 * sys.builtin_module_names (0 or an error code on it) where the packed
 * importer stays first: BuiltinImporter refuses names not listed there, so
 * a python command line keeps it listed for fresh imports of encodings. */
PyObject *pyembed__encodings_shim(void);
int pyembed__encodings_shim_hide(pyembed_interp *it);
/* install.c: for a python command line, once started: moves the packed
 * importer from the front of sys.meta_path to its end, so sys.path's
 * order decides as in python3 (a script's directory first, then the
 * virtual entry, served by the path hook); it still answers for
 * importlib.metadata and whatever sys.path does not reach. */
int pyembed__importer_after_pathfinder(pyembed_interp *it);

/* python_init.c: initialises CPython in phases, calling
 * pyembed__importer_install() between core and main. */
int pyembed__python_init(pyembed_interp *it);
/* python_init.c: runs the configured entry through Py_RunMain(). */
int pyembed__python_run_main(pyembed_interp *it);

#endif
