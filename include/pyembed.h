/*
 * pyembed.h — embed CPython with its modules served from a packrs blob.
 *
 * This is the only public header of libpyembed. Anything not declared here
 * is private and may change without notice.
 *
 * Lifecycle: pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION) -> set
 * fields -> pyembed_interp_create()
 * -> pyembed_interp_run() and/or calls in (pyembed_exec, pyembed_call_values,
 * pyembed_eval, pyembed_import) -> pyembed_interp_free(). One interpreter
 * per process (CPython's own limit for a main interpreter).
 * Functions return int: 0 on success, a negative enum pyembed_error value
 * on failure, with detail in pyembed_interp_errmsg(). *_free accepts NULL.
 *
 * Ownership: everything the host passes in (strings, values, tables) is
 * borrowed for the duration of the call and copied if kept. Everything
 * the library returns to the host is owned by the host: buffers are
 * released with pyembed_free() (never plain free(): the host may use
 * another C runtime), values with pyembed_value_clear().
 *
 * Threads and the GIL (docs/embedding.md): the thread that creates the
 * interpreter holds the GIL when pyembed_interp_create() returns. Every
 * call that runs Python takes the GIL itself (PyGILState_Ensure), so once
 * the creating thread has called pyembed_gil_release(), any thread may call
 * in. pyembed_gil_acquire()/pyembed_gil_release() hold it across several
 * calls or around direct use of the Python C API. Error detail of calls on
 * a running interpreter is kept per thread.
 */
#ifndef PYEMBED_H
#define PYEMBED_H

#include <stddef.h>
#include <stdint.h>

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
 *  up to fast_exit; version 2 added child_commands; version 3 the
 *  allocator_* fields and modules; version 4 parse_argv. */
#define PYEMBED_CONFIG_VERSION 4

/** Error codes; values are part of the ABI and never renumbered. */
enum pyembed_error {
    PYEMBED_OK = 0,
    PYEMBED_ENOMEM = -1,
    PYEMBED_EINVAL = -2,     /* bad configuration or argument */
    PYEMBED_ERESOURCES = -3, /* blob missing, unreadable or corrupt */
    PYEMBED_EINIT = -4,      /* CPython failed to initialise */
    PYEMBED_EPYTHON = -5,    /* a Python exception (printed to stderr) */
    PYEMBED_ESTATE = -6,     /* call not valid in this state */
    PYEMBED_EUNAVAILABLE = -7 /* not in this build (an allocator backend)
                                 or not loadable on this system */
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

/** Memory allocator of the interpreter (PyPreConfig.allocator), config
 *  version 1. Version 3's allocator_backend chooses among more. */
enum pyembed_allocator {
    PYEMBED_ALLOCATOR_DEFAULT = 0, /* pymalloc, as python3 */
    PYEMBED_ALLOCATOR_MALLOC = 1,  /* libc malloc: for valgrind/ASan runs */
    PYEMBED_ALLOCATOR_DEBUG = 2    /* pymalloc with CPython's debug hooks */
};

/** Where CPython's memory comes from (config.allocator_backend). A backend
 *  serves the domains allocator_domains names; the others keep CPython's
 *  own (malloc for raw, pymalloc for mem and obj, mmap for arenas). */
enum pyembed_alloc_backend {
    PYEMBED_BACKEND_DEFAULT = 0,  /* what `allocator` says (pymalloc) */
    PYEMBED_BACKEND_PYMALLOC = 1, /* CPython's own allocators */
    PYEMBED_BACKEND_MALLOC = 2,   /* the C library's malloc */
    PYEMBED_BACKEND_MIMALLOC = 3, /* mimalloc (its shared library, loaded
                                     when chosen; malloc stays libc's) */
    PYEMBED_BACKEND_JEMALLOC = 4, /* jemalloc, linked in under private
                                     names (malloc stays libc's) */
    PYEMBED_BACKEND_CUSTOM = 5    /* the host's functions: allocator_custom */
};

/** CPython's allocator domains (PyMemAllocatorDomain), and pymalloc's
 *  arenas: the large blocks pymalloc carves the mem and obj domains'
 *  small requests from. */
enum pyembed_alloc_domain {
    PYEMBED_DOMAIN_RAW = 0,   /* PyMem_RawMalloc: any thread, no GIL */
    PYEMBED_DOMAIN_MEM = 1,   /* PyMem_Malloc: buffers, with the GIL */
    PYEMBED_DOMAIN_OBJ = 2,   /* PyObject_Malloc: objects, with the GIL */
    PYEMBED_DOMAIN_ARENA = 3, /* pymalloc arenas (PyObject_SetArenaAllocator) */
    PYEMBED_DOMAIN_COUNT = 4
};
/** allocator_domains bit of a domain. */
#define PYEMBED_DOMAIN_BIT(d) (1u << (d))

/** A host's allocator (PyMemAllocatorEx's layout): the raw domain calls
 *  it from any thread without the GIL, so it must be thread-safe. size 0
 *  must return a unique pointer, as malloc(1) would. */
typedef struct pyembed_allocator_funcs {
    void *ctx; /* passed back to every function */
    void *(*malloc)(void *ctx, size_t size);
    void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
    void *(*realloc)(void *ctx, void *ptr, size_t new_size);
    void (*free)(void *ctx, void *ptr);
} pyembed_allocator_funcs;

/** Counters of one domain kept by allocator_tracking (pyembed_alloc_stats).
 *  Bytes are what CPython asked for (the 16-byte header tracking adds to
 *  each block is not counted); arenas count pymalloc's arena blocks. */
typedef struct pyembed_alloc_counters {
    uint64_t live_bytes;  /* allocated and not freed */
    uint64_t peak_bytes;  /* highest live_bytes since start / reset */
    uint64_t live_blocks;
    uint64_t mallocs, callocs, reallocs, frees; /* calls */
} pyembed_alloc_counters;

/* ---- values passed between C and Python -------------------------------- */

/** Type of a pyembed_value. */
enum pyembed_type {
    PYEMBED_TYPE_NONE = 0,
    PYEMBED_TYPE_BOOL = 1,   /* i: 0 or 1 */
    PYEMBED_TYPE_INT = 2,    /* i */
    PYEMBED_TYPE_FLOAT = 3,  /* f */
    PYEMBED_TYPE_STR = 4,    /* data/len: UTF-8 (results: NUL-terminated) */
    PYEMBED_TYPE_BYTES = 5,  /* data/len */
    PYEMBED_TYPE_OBJECT = 6, /* obj: a PyObject * */
    PYEMBED_TYPE_ANY = 7     /* only as a wanted result type: by the
                                Python type (None, bool, int that fits
                                int64, float, str, bytes; else OBJECT) */
};

/** pyembed_value.flags: set on results; pyembed_value_clear() releases the
 *  buffer (STR, BYTES) or the reference (OBJECT). */
#define PYEMBED_VALUE_OWNED 1u

/** A typed value. As an argument it is borrowed (data and obj only for the
 *  call). As a result (flags has PYEMBED_VALUE_OWNED) the host owns it and
 *  releases it with pyembed_value_clear(); OBJECT results are new
 *  references. Make arguments with the pyembed_value_* constructors. */
typedef struct pyembed_value {
    int type;          /* enum pyembed_type */
    unsigned flags;    /* PYEMBED_VALUE_OWNED */
    int64_t i;         /* BOOL, INT */
    double f;          /* FLOAT */
    const char *data;  /* STR, BYTES */
    size_t len;        /* STR, BYTES: bytes at data (without the NUL) */
    void *obj;         /* OBJECT */
} pyembed_value;

/** A C function Python can call (pyembed_module). args[0..nargs) are
 *  borrowed for the call (by type: ints that fit int64 as INT, str as
 *  STR, bytes as BYTES, ..., anything else as OBJECT); *result starts as
 *  NONE and is copied after return (an OBJECT result is borrowed). The
 *  GIL is held. Return 0, or a pyembed_error code to raise: MemoryError
 *  for ENOMEM, ValueError for EINVAL, RuntimeError otherwise, with a STR
 *  *result as its message; an exception the function raised itself
 *  through the Python C API is kept. */
typedef int (*pyembed_cfunc)(void *ctx, const pyembed_value *args, size_t nargs,
                             pyembed_value *result);

/** One function of a pyembed_module. */
typedef struct pyembed_function {
    const char *name;
    pyembed_cfunc fn;
    void *ctx; /* passed back to fn */
} pyembed_function;

/** An extra built-in module (config.modules), importable before anything
 *  else: either functions (function_count C callbacks with a value-based
 *  signature) or init, a PyInit_<name> style function returning a
 *  PyObject * (a module, or a PyModuleDef for multi-phase init). */
typedef struct pyembed_module {
    const char *name; /* top-level name, e.g. "native" */
    const pyembed_function *functions;
    size_t function_count;
    void *(*init)(void); /* instead of functions: PyObject *(*)(void) */
} pyembed_module;

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
                                  app untouched (default 1). A version 1,
                                  2 or 3 config keeps its old meaning: any
                                  `[flags] -c CODE` / `-m MOD` (see
                                  parse_argv, which it then sets) */
    /* version 3 */
    int allocator_backend;     /* enum pyembed_alloc_backend (default
                                  DEFAULT: `allocator` decides); one not
                                  in this build fails create with
                                  PYEMBED_EUNAVAILABLE, never a fallback */
    unsigned allocator_domains; /* PYEMBED_DOMAIN_BIT()s the backend serves
                                   (0: raw, mem and obj; pymalloc: must be
                                   0); ARENA matters only where pymalloc
                                   still serves mem or obj */
    int allocator_debug;       /* 1: CPython's debug hooks over the
                                  backend (PyMem_SetupDebugHooks) */
    int allocator_tracking;    /* 1: count live/peak bytes and calls per
                                  domain (pyembed_alloc_stats(); Python:
                                  _pyembed.alloc_stats()) */
    const pyembed_allocator_funcs *allocator_custom; /* BACKEND_CUSTOM (copied) */
    const pyembed_module *modules; /* module_count extra built-in modules */
    size_t module_count;
    /* version 4 */
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
 *  argument if arg is NULL) and stores str(result) as a UTF-8 string in
 *  *out (release with pyembed_free()). A Python exception is printed. */
PYEMBED_API int pyembed_call(pyembed_interp *it, char **out, const char *module,
                             const char *func, const char *arg);

/** Calls module.func(*args) (module NULL: __main__; func may be dotted,
 *  "Class.method") and converts the result to type want into *out (out
 *  NULL: discarded). want INT needs an int that fits int64, FLOAT a real
 *  number, STR a str, BYTES a bytes-like object, BOOL takes the truth
 *  value, NONE discards, OBJECT gives a new reference, ANY converts by
 *  type. A Python exception (or a result that does not convert) is
 *  PYEMBED_EPYTHON with its type and message in pyembed_interp_errmsg()
 *  and the formatted traceback in pyembed_interp_traceback(); nothing is
 *  printed. *out is NONE on failure. */
PYEMBED_API int pyembed_call_values(pyembed_interp *it, pyembed_value *out, int want,
                                    const char *module, const char *func,
                                    const pyembed_value *args, size_t nargs);
/** Evaluates expression expr in __main__'s namespace into *out (as
 *  pyembed_call_values converts results). */
PYEMBED_API int pyembed_eval(pyembed_interp *it, pyembed_value *out, int want,
                             const char *expr);
/** Imports module; *out (if not NULL) receives it as an OBJECT. */
PYEMBED_API int pyembed_import(pyembed_interp *it, pyembed_value *out, const char *module);

/** Argument constructors (borrowed: nothing is copied). str: NUL-
 *  terminated UTF-8; strn: len bytes of UTF-8; object: a PyObject *. */
PYEMBED_API pyembed_value pyembed_value_none(void);
PYEMBED_API pyembed_value pyembed_value_bool(int b);
PYEMBED_API pyembed_value pyembed_value_int(int64_t i);
PYEMBED_API pyembed_value pyembed_value_float(double f);
PYEMBED_API pyembed_value pyembed_value_str(const char *s);
PYEMBED_API pyembed_value pyembed_value_strn(const char *s, size_t len);
PYEMBED_API pyembed_value pyembed_value_bytes(const void *p, size_t len);
PYEMBED_API pyembed_value pyembed_value_object(void *pyobject);
/** Releases what a result owns (PYEMBED_VALUE_OWNED: buffer or reference;
 *  takes the GIL for a reference) and sets *v to NONE; values without the
 *  flag, and NULL, are left alone. Release OBJECT results before
 *  pyembed_interp_free(). */
PYEMBED_API void pyembed_value_clear(pyembed_value *v);
/** Frees a buffer the library returned (pyembed_call's *out). NULL ok. */
PYEMBED_API void pyembed_free(void *p);

/** Takes the GIL for the calling thread (any thread; nests). */
PYEMBED_API int pyembed_gil_acquire(pyembed_interp *it);
/** Ends the calling thread's innermost pyembed_gil_acquire(). With none
 *  outstanding, gives up the GIL the thread holds anyway (the creating
 *  thread after pyembed_interp_create(); a thread inside a C function
 *  Python called, around long native work) until its next
 *  pyembed_gil_acquire(). PYEMBED_ESTATE if it holds no GIL. */
PYEMBED_API int pyembed_gil_release(pyembed_interp *it);
/** Finalises CPython (if still running) and frees it. NULL is a no-op. */
PYEMBED_API void pyembed_interp_free(pyembed_interp *it);
/** Detail of the last failure ("" if none): of create, or, once the
 *  interpreter runs, of the calling thread's last failed call. Valid until
 *  that thread's next failure. */
PYEMBED_API const char *pyembed_interp_errmsg(const pyembed_interp *it);
/** Python traceback text ("Traceback (most recent call last):\n ...
 *  Type: message\n") of the calling thread's last PYEMBED_EPYTHON from
 *  pyembed_call_values/eval/import, "" if none. Valid as errmsg is. */
PYEMBED_API const char *pyembed_interp_traceback(const pyembed_interp *it);
/** Static text for an error code. */
PYEMBED_API const char *pyembed_strerror(int code);
/** PYEMBED_VERSION_NUMBER of the library actually linked. */
PYEMBED_API int pyembed_version_number(void);

/** 1 when allocator backend b can be used in this process (built in and,
 *  for mimalloc, its library loadable), else 0. */
PYEMBED_API int pyembed_alloc_backend_available(int backend);
/** Name of backend b ("pymalloc", "malloc", "mimalloc", "jemalloc",
 *  "custom"; "default"), or NULL for an unknown value. */
PYEMBED_API const char *pyembed_alloc_backend_name(int backend);
/** Counters of domain (enum pyembed_alloc_domain) into *out:
 *  PYEMBED_ESTATE unless an interpreter was created with
 *  allocator_tracking, PYEMBED_EINVAL for a bad domain. Safe from any
 *  thread, before and after pyembed_interp_free(). */
PYEMBED_API int pyembed_alloc_stats(pyembed_alloc_counters *out, int domain);
/** Sets every domain's peak_bytes to its live_bytes (PYEMBED_ESTATE
 *  without tracking). */
PYEMBED_API int pyembed_alloc_reset_peak(void);

/** A module's code object compiled into the program (pyembed-pack
 *  --freeze writes a table of these into the driver it links). */
typedef struct pyembed_static_code {
    const char *name;        /* module name, e.g. "pkg.mod" */
    int optimize;            /* optimisation level it was compiled at */
    void *(*get_code)(void); /* new reference to its code object (a
                                PyObject *), NULL with an exception set;
                                called with the GIL held */
} pyembed_static_code;

/** Makes table (sorted by name, ended by an entry whose name is NULL;
 *  NULL: none) the process's static code: a packed module named there,
 *  imported at that optimisation level, runs the table's code object
 *  instead of unmarshalling its bytecode (docs/runtime.md §3). Process
 *  wide, like CPython's PyImport_FrozenModules: set it before an
 *  interpreter starts; the table must outlive every interpreter. */
PYEMBED_API void pyembed_set_static_code(const pyembed_static_code *table);

/** One call: runs module as __main__ from the blob in the executable at
 *  exe_path (NULL: this executable) with sys.argv = argv, returning the
 *  process exit status (a message and 1 if the runtime cannot start). */
PYEMBED_API int pyembed_run_module(const char *exe_path, const char *module,
                                   int argc, char *const *argv);
/** A packed executable's main(): runs the entry point the blob of this
 *  executable names, with sys.argv = argv. When the entry ends, the
 *  process exits from inside this call after everything a program can
 *  observe of finalisation has run, without freeing the interpreter
 *  (docs/runtime.md §5; the blob's full_exit=1 asks for Py_FinalizeEx).
 *  Returns the exit status only when the process did not end inside. */
PYEMBED_API int pyembed_main(int argc, char *const *argv);

#ifdef __cplusplus
}
#endif
#endif /* PYEMBED_H */
