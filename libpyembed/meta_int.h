/*
 * meta_int.h — the blob's "@pyembed" metadata as libpyembed reads it
 * (private). Needs no CPython: meta_parse.c is compiled alone into the
 * metadata fuzzer (tests/fuzz/meta_fuzzer.c).
 */
#ifndef PYEMBED_META_INT_H
#define PYEMBED_META_INT_H

#include <stddef.h>

#include "pyembed.h"

/* Name of the resource holding pyembed's own metadata (docs/runtime.md).
 * '@' cannot start a module name, so it never collides with one. */
#define PYEMBED_META_RESOURCE "@pyembed"

/* Run configuration and facts read from the blob's "@pyembed" resource. */
typedef struct pyembed_meta {
    long python_magic;   /* PyImport_GetMagicNumber() of the packer; -1 */
    int run;             /* enum pyembed_run */
    char *run_module;
    char *run_code;      /* from the resource's SOURCE field */
    int optimize, isolated, site_import, filesystem_importer, sys_frozen;
    int alloc_backend;   /* enum pyembed_alloc_backend; -1: not known here */
    unsigned alloc_domains;
    int alloc_debug, alloc_tracking;
    char alloc_bad[48];  /* the allocator value not understood ("" if none) */
    int fast_exit;
    int parse_argv;      /* pyembed-pack --python-argv */
    char *tcl_library, *tk_library; /* relative to origin (tkinter) */
    int full_exit;       /* 1: Py_FinalizeEx even on the run-to-exit path */
    long prefetch_executable; /* bytes of blob data start-up reads: the
                                 executable may be read ahead (prefetch.c);
                                 -1: not */
    char *prefetch_libraries; /* and these libraries ("a.so.1,b.so.2"), or NULL */
} pyembed_meta;

/* meta_parse.c: frees m's strings and sets every field to its default. */
void pyembed__meta_clear(pyembed_meta *m);

/* meta_parse.c: applies the "key=value" lines of text[0..n) (any bytes;
 * unknown keys and lines without '=' are ignored) to m, which holds
 * defaults or earlier lines. PYEMBED_OK, or PYEMBED_ENOMEM when a copy
 * failed (m stays valid for pyembed__meta_clear). */
int pyembed__meta_parse(pyembed_meta *m, const char *text, size_t n);

#endif
