/* importer_int.h — the finder object and the files of the in-memory
 * importer: lookup.c, spec.c, code.c, extload.c, pathentry.c, resources.c,
 * importer.c, runmain.c, install.c (private). */
#ifndef PYEMBED_IMPORTER_INT_H
#define PYEMBED_IMPORTER_INT_H

#include "pyembed_int.h"

typedef struct Finder {
    PyObject_HEAD
    packrs_reader *reader;  /* borrowed from the interp, which outlives it */
    PyObject *prefix;       /* virtual root: the executable's path (str) */
    char *origin;           /* real directory for FS_PATH resources */
    int optimize;           /* 0..2: which bytecode field to use */
    int bytecode_ok;        /* blob's bytecode magic matches ours; -1 unknown
                               (decided by code.c at first use) */
    long blob_magic;        /* magic the blob records, -1 if none */
    int extload_mode;       /* enum pyembed_extload */
    int fast_exit;          /* config.fast_exit (used by runmain.c) */
    int quick_exit;         /* run-to-exit without full finalisation
                               (runmain.c, fastexit.c) */
    char magic_msg[160];    /* why bytecode is refused, when it is */
    PyObject *module_spec;  /* _frozen_importlib.ModuleSpec */
    PyObject *fix_co_filename; /* _imp._fix_co_filename */
    PyObject *imp;          /* the _imp module */
    PyObject *bootstrap;    /* the _frozen_importlib module */
    PyObject *builtins_key; /* interned "__builtins__" */
    PyObject *frozen;       /* frozenset of libpython's frozen modules */
} Finder;

/* The importer's files in layers, bottom first; a file calls only files
 * of lower layers:
 *   lookup.c | spec.c, code.c, extload.c | pathentry.c | resources.c |
 *   posthook.c | importer.c (the finder's method table) | runmain.c |
 *   install.c */

/* lookup.c: ImportError naming name for packrs error rc; returns NULL. */
PyObject *pyembed__import_error(Finder *f, const char *name, int rc);
/* lookup.c: looks name up; 1 found (fills *res), 0 absent, -1 error set.
 * Only resources that are importable (module kinds) count. */
int pyembed__lookup(Finder *f, const char *name, Py_ssize_t len,
                    packrs_resource *res);
/* lookup.c: field type of res into *out (borrowed): 1 found, 0 absent,
 * -1 ImportError set. */
int pyembed__get_field(Finder *f, const packrs_resource *res, int type,
                       packrs_field *out);
/* lookup.c: plain bytes of a field as a new bytes object. */
PyObject *pyembed__field_bytes(Finder *f, const char *name,
                               const packrs_field *fld);
/* lookup.c: __file__ value of res: virtual "<prefix>/a/b.py" (or, with
 * FS_PATH, the real path); None for namespace packages. New reference. */
PyObject *pyembed__origin(Finder *f, const packrs_resource *res);
/* lookup.c: __path__ entry of package res, "<prefix>/a/b". New ref. */
PyObject *pyembed__package_dir(Finder *f, const packrs_resource *res);

/* spec.c: ModuleSpec for fullname (str), or None. */
PyObject *pyembed__find_spec_name(Finder *f, PyObject *fullname);
/* code.c: code object of found resource res (origin: its __file__). */
PyObject *pyembed__get_code_res(Finder *f, const packrs_resource *res);
PyObject *pyembed__code_for(Finder *f, const packrs_resource *res, PyObject *origin);

/* extload.c: creates extension module spec from EXTENSION field fld of res. */
PyObject *pyembed__ext_load_field(Finder *f, PyObject *spec,
                                  const packrs_resource *res,
                                  const packrs_field *fld);

/* pathentry.c: list of (prefix+name, ispkg) for the direct children of
 * package pkg (pkg NULL: top-level modules), in name order. */
PyObject *pyembed__list_children(Finder *f, const char *pkg, size_t pkg_len,
                                 PyObject *prefix);
/* pathentry.c: loader.get_data(path) for a virtual path under the prefix. */
PyObject *pyembed__get_data(Finder *f, PyObject *path);
/* pathentry.c: path hook: a path-entry finder for a packed package dir. */
PyObject *pyembed__path_entry_new(Finder *f, PyObject *path);
extern PyTypeObject pyembed__PathEntryType;

/* resources.c: loader.get_resource_reader(fullname) and the accessors
 * of py/_pyembed_resources.py: data keys, data bytes, sub-packages. */
PyObject *pyembed__get_resource_reader(Finder *f, PyObject *fullname);
PyObject *pyembed__data_keys(Finder *f, PyObject *package);
PyObject *pyembed__data(Finder *f, PyObject *args);
PyObject *pyembed__subpackages(Finder *f, PyObject *package);
/* resources.c: importlib.metadata — find_distributions(context) and the
 * accessors of py/_pyembed_metadata.py. */
PyObject *pyembed__find_distributions(Finder *f, PyObject *args);
PyObject *pyembed__distinfo_resources(Finder *f, PyObject *noargs);
PyObject *pyembed__distinfo_file(Finder *f, PyObject *args);

/* resources.c: the support module name (one of libpyembed/py/), created from
 * its compiled-in source on first use. New reference. */
PyObject *pyembed__support_module(const char *name, const char *source);

/* posthook.c: after f executed module (called name), runs its hook in
 * py/_pyembed_hooks.py, if it has one. Never fails. */
void pyembed__posthook(Finder *f, PyObject *module, PyObject *name);

/* importer.c: the finder's type (method table). */
extern PyTypeObject pyembed__FinderType;

#endif
