/*
 * pyembed.h — embed CPython with its modules served from a packrs blob.
 *
 * This is the only public header of libpyembed. Anything not declared here
 * is private and may change without notice.
 *
 * Lifecycle: pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION) -> set
 * fields -> pyembed_interp_create()
 * -> pyembed_interp_run() and/or pyembed_exec()/pyembed_call() ->
 * pyembed_interp_free(). One interpreter per process (CPython's own limit
 * for a main interpreter); the thread that creates it holds the GIL.
 * Functions return int: 0 on success, a negative enum pyembed_error value
 * on failure, with detail in pyembed_interp_errmsg(). *_free accepts NULL.
 */
#ifndef PYEMBED_H
#define PYEMBED_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PYEMBED_BUILDING) && defined(__GNUC__)
#define PYEMBED_API __attribute__((visibility("default")))
#else
#define PYEMBED_API
#endif

#include "pyembed_version.h" /* PYEMBED_VERSION_MAJOR/MINOR/PATCH/NUMBER/STRING */

/** Version of pyembed_config this header declares. Version 1: the fields
 *  up to fast_exit; version 2 added child_commands; version 3 parse_argv. */
#define PYEMBED_CONFIG_VERSION 3

/** Error codes; values are part of the ABI and never renumbered. */
enum pyembed_error {
    PYEMBED_OK = 0,
    PYEMBED_ENOMEM = -1,
    PYEMBED_EINVAL = -2,     /* bad configuration or argument */
    PYEMBED_ERESOURCES = -3, /* blob missing, unreadable or corrupt */
    PYEMBED_EINIT = -4,      /* CPython failed to initialise */
    PYEMBED_EPYTHON = -5,    /* a Python exception (printed to stderr) */
    PYEMBED_ESTATE = -6      /* call not valid in this state */
};

/** Where the packed resources come from. */
enum pyembed_resources {
    PYEMBED_RESOURCES_NONE = 0,   /* no blob: stock filesystem imports */
    PYEMBED_RESOURCES_MEMORY = 1, /* blob / blob_len, caller-owned */
    PYEMBED_RESOURCES_FILE = 2,   /* blob file at path */
    PYEMBED_RESOURCES_EXE = 3     /* blob embedded in executable at path
                                     (NULL: this process's executable) */
};

/** What pyembed_interp_run() runs. */
enum pyembed_run {
    PYEMBED_RUN_NONE = 0,   /* nothing: the host calls in */
    PYEMBED_RUN_MODULE = 1, /* run_module as __main__ (python -m) */
    PYEMBED_RUN_CODE = 2,   /* run_code string (python -c) */
    PYEMBED_RUN_BLOB = 3    /* what the blob's "@pyembed" metadata says
                               (entry and interpreter options; the driver) */
};

/** How extension modules stored in memory are loaded. */
enum pyembed_extload {
    PYEMBED_EXTLOAD_AUTO = 0,   /* memfd, else private temporary dir */
    PYEMBED_EXTLOAD_MEMFD = 1,  /* memfd_create only */
    PYEMBED_EXTLOAD_TEMPDIR = 2 /* private temporary directory only */
};

/** Memory allocator of the interpreter (PyPreConfig.allocator). */
enum pyembed_allocator {
    PYEMBED_ALLOCATOR_DEFAULT = 0, /* pymalloc, as python3 */
    PYEMBED_ALLOCATOR_MALLOC = 1,  /* libc malloc: for valgrind/ASan runs */
    PYEMBED_ALLOCATOR_DEBUG = 2    /* pymalloc with CPython's debug hooks */
};

/** Interpreter configuration. Initialise with pyembed_config_init(); later
 *  versions only add fields at the end, and the library reads only the
 *  fields of the version a config was initialised with (older callers
 *  keep working; new fields then have their defaults). All strings are
 *  borrowed and copied by pyembed_interp_create(). */
typedef struct pyembed_config {
    unsigned version;          /* set by pyembed_config_init() */
    int resources;             /* enum pyembed_resources */
    const void *blob;          /* RESOURCES_MEMORY */
    size_t blob_len;
    const char *path;          /* RESOURCES_FILE / RESOURCES_EXE */
    int run;                   /* enum pyembed_run */
    const char *run_module;    /* dotted module name (RUN_MODULE) */
    const char *run_code;
    int argc;                  /* sys.argv = argv[0..argc) (argv[0]: name) */
    char *const *argv;
    int optimize;              /* 0, 1 or 2 (-O, -OO); picks bytecode */
    int isolated;              /* 1: like -I (default 1) */
    int site_import;           /* 1: import site at start (default 0) */
    int filesystem_importer;   /* 1: keep the sys.path importer (default 0) */
    int sys_frozen;            /* 1: sys.frozen = True (default 1) */
    int use_environment;       /* 1: honour PYTHON* variables (default 0) */
    int install_signal_handlers; /* default 1 (SIGINT -> KeyboardInterrupt) */
    int extension_loading;     /* enum pyembed_extload (default AUTO) */
    const char *origin;        /* directory for filesystem-relative
                                  resources (NULL: the executable's) */
    const char *executable;    /* sys.executable (NULL: this executable) */
    const char *module_search_path; /* ':'-separated sys.path when
                                       filesystem_importer is 1 */
    int allocator;             /* enum pyembed_allocator (default 0) */
    int fast_exit;             /* 1: when a run_module entry returns (or
                                  exits with an int), join threads, run
                                  atexit, flush stdio and _exit() without
                                  finalising objects (default 0) */
    /* version 2 */
    int child_commands;        /* with RUN_BLOB, 1: the command lines the
                                  standard library gives sys.executable
                                  (multiprocessing's `--multiprocessing-fork
                                  ...` and `[flags] -c "from
                                  multiprocessing...."` of spawn, forkserver
                                  and the resource tracker) run that
                                  instead of the app; 0: argv goes to the
                                  app untouched (default 1). A version 1
                                  or 2 config keeps its old meaning: any
                                  `[flags] -c CODE` / `-m MOD` (see
                                  parse_argv, which it then sets) */
    /* version 3 */
    int parse_argv;            /* with RUN_BLOB, 1: an argv whose first
                                  argument is one of python3's options
                                  (-c, -m, -, -O, -X, --version...) is a
                                  python command line, parsed and applied as
                                  python3 does (-c, -m, scripts, -, flags,
                                  PYTHON* variables unless -E/-I); the app
                                  runs when it names no command. 0: the
                                  app's argv is the app's (default 0; the
                                  blob's parse_argv=1, from pyembed-pack
                                  --python-argv, turns it on too) */
} pyembed_config;

typedef struct pyembed_interp pyembed_interp;

/** Sets the fields config version `version` has to their defaults
 *  (isolated, no site, in-memory only) and cfg->version = version; writes
 *  nothing beyond them. Pass PYEMBED_CONFIG_VERSION; any version from 1 to
 *  it is accepted, anything else is PYEMBED_EINVAL (cfg untouched). */
PYEMBED_API int pyembed_config_init(pyembed_config *cfg, unsigned version);

/** Validates cfg (reading only the fields of cfg->version), opens the
 *  resources and initialises CPython with the in-memory importer first on
 *  sys.meta_path. As with sqlite3_open(),
 *  *out is set even on failure (except ENOMEM) so errmsg can be read. */
PYEMBED_API int pyembed_interp_create(pyembed_interp **out,
                                      const pyembed_config *cfg);
/** Runs what cfg->run says through CPython's own Py_RunMain(), so process
 *  semantics are python3's, then finalises the interpreter. *exit_status
 *  receives the status python3 would return (0, 1 after a traceback, 120
 *  when flushing stdout fails). As in python3, an uncaught SystemExit ends
 *  the process with its code, and an uncaught KeyboardInterrupt kills it
 *  with SIGINT, without returning here. Afterwards only free is valid. */
PYEMBED_API int pyembed_interp_run(pyembed_interp *it, int *exit_status);
/** Executes code in __main__'s namespace. A Python exception is printed
 *  and reported as PYEMBED_EPYTHON. */
PYEMBED_API int pyembed_exec(pyembed_interp *it, const char *code);
/** Imports module, calls its attribute func with one str argument (or no
 *  argument if arg is NULL) and stores str(result) as a malloc'd UTF-8
 *  string in *out (caller frees). */
PYEMBED_API int pyembed_call(pyembed_interp *it, char **out, const char *module,
                             const char *func, const char *arg);
/** Finalises CPython (if still running) and frees it. NULL is a no-op. */
PYEMBED_API void pyembed_interp_free(pyembed_interp *it);
/** Detail of the last failure ("" if none). */
PYEMBED_API const char *pyembed_interp_errmsg(const pyembed_interp *it);
/** Static text for an error code. */
PYEMBED_API const char *pyembed_strerror(int code);
/** PYEMBED_VERSION_NUMBER of the library actually linked. */
PYEMBED_API int pyembed_version_number(void);

/** One call: runs module as __main__ from the blob in the executable at
 *  exe_path (NULL: this executable) with sys.argv = argv, returning the
 *  process exit status (a message and 1 if the runtime cannot start). */
PYEMBED_API int pyembed_run_module(const char *exe_path, const char *module,
                                   int argc, char *const *argv);

#ifdef __cplusplus
}
#endif
#endif /* PYEMBED_H */
