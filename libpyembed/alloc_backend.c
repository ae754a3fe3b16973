/*
 * alloc_backend.c — the allocator backends CPython's domains can use.
 *
 * Each backend is four plain functions (malloc, calloc, realloc, free)
 * behind CPython's PyMemAllocatorEx signature; the wrappers give size 0
 * a unique block, as CPython's own raw allocator does.
 *
 * Neither third-party allocator may replace the process's malloc: Debian's
 * libmimalloc.so.2 and libjemalloc export malloc/free, so linking either
 * the usual way would silently turn every backend (and every C library
 * in the process) into it. Hence:
 *   mimalloc  Debian ships only the shared library: it is dlopen()ed with
 *             RTLD_LOCAL when chosen (PYEMBED_HAVE_MIMALLOC, soname
 *             PYEMBED_MIMALLOC_SONAME) and mi_malloc etc. looked up in it;
 *             an executable only needs the library when it uses it.
 *   jemalloc  libjemalloc_pic.a becomes one object whose only global
 *             symbols are pyembed__je_malloc/calloc/realloc/free
 *             (scripts/jemalloc_private.py, as jemalloc's own
 *             --with-jemalloc-prefix would do; PYEMBED_HAVE_JEMALLOC). It
 *             is a member of libpyembed.a referenced WEAKLY here, so a
 *             program links its 0.8 MB only when it asks for it (linked
 *             explicitly, as pyembed-run-jemalloc and pyembed-pack are, or
 *             -Wl,-u,pyembed__je_malloc before libpyembed.a); otherwise the
 *             backend reports "not linked into this program".
 * Without those defines (e.g. a driver linked at pack time from
 * pyembed-runtime.json) the backends report "not available in this build".
 */
#include "alloc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PYEMBED_HAVE_MIMALLOC
#include <dlfcn.h>
#include <pthread.h>
#endif

/* A backend's plain functions; the ctx of the wrappers below. */
typedef struct plain_api {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
} plain_api;

static void *w_malloc(void *ctx, size_t n)
{
    return ((const plain_api *)ctx)->malloc(n ? n : 1);
}

static void *w_calloc(void *ctx, size_t nelem, size_t elsize)
{
    if (!nelem || !elsize)
        nelem = elsize = 1;
    return ((const plain_api *)ctx)->calloc(nelem, elsize);
}

static void *w_realloc(void *ctx, void *p, size_t n)
{
    return ((const plain_api *)ctx)->realloc(p, n ? n : 1);
}

static void w_free(void *ctx, void *p)
{
    ((const plain_api *)ctx)->free(p);
}

static const plain_api libc_api = {malloc, calloc, realloc, free};

#ifdef PYEMBED_HAVE_JEMALLOC
/* Defined by the jemalloc object (scripts/jemalloc_private.py), when the
 * program links it: weak, so referencing them does not pull it in. */
__attribute__((weak)) void *pyembed__je_malloc(size_t n);
__attribute__((weak)) void *pyembed__je_calloc(size_t nelem, size_t elsize);
__attribute__((weak)) void *pyembed__je_realloc(void *p, size_t n);
__attribute__((weak)) void pyembed__je_free(void *p);
static const plain_api je_api = {pyembed__je_malloc, pyembed__je_calloc,
                                 pyembed__je_realloc, pyembed__je_free};
#endif

#ifdef PYEMBED_HAVE_MIMALLOC
static plain_api mi_api;
static char mi_error[256];
static pthread_once_t mi_once = PTHREAD_ONCE_INIT;

/* Looks up name in handle h into *fn (a function pointer's storage). */
static int mi_sym(void *h, const char *name, void *fn)
{
    void *p = dlsym(h, name);
    if (!p)
        snprintf(mi_error, sizeof mi_error, "%s lacks %s", PYEMBED_MIMALLOC_SONAME, name);
    memcpy(fn, &p, sizeof p); /* POSIX: data and function pointers convert */
    return p ? 0 : -1;
}

/* Loads mimalloc once (never unloaded: its blocks live until exit). */
static void mi_load(void)
{
    plain_api api;
    void *h = dlopen(PYEMBED_MIMALLOC_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(mi_error, sizeof mi_error, "cannot load %s: %s", PYEMBED_MIMALLOC_SONAME,
                 why ? why : "dlopen failed");
        return;
    }
    if (mi_sym(h, "mi_malloc", &api.malloc) || mi_sym(h, "mi_calloc", &api.calloc) ||
        mi_sym(h, "mi_realloc", &api.realloc) || mi_sym(h, "mi_free", &api.free))
        return;
    mi_api = api;
}

/* mimalloc's functions, or NULL with mi_error saying why. */
static const plain_api *mimalloc_api(void)
{
    pthread_once(&mi_once, mi_load);
    return mi_api.malloc ? &mi_api : NULL;
}
#endif

/* The plain functions of backend b, or NULL with the reason in err. */
static const plain_api *backend_api(int b, char *err, size_t errsize)
{
    const char *name = pyembed_alloc_backend_name(b);
    if (b == PYEMBED_BACKEND_MALLOC)
        return &libc_api;
#ifdef PYEMBED_HAVE_JEMALLOC
    if (b == PYEMBED_BACKEND_JEMALLOC) {
        if (pyembed__je_malloc)
            return &je_api;
        snprintf(err, errsize, "allocator backend 'jemalloc' is not linked into this "
                 "program (pyembed-pack uses the pyembed-run-jemalloc driver for it; a C "
                 "host links with -Wl,-u,pyembed__je_malloc)");
        return NULL;
    }
#endif
#ifdef PYEMBED_HAVE_MIMALLOC
    if (b == PYEMBED_BACKEND_MIMALLOC) {
        const plain_api *api = mimalloc_api();
        if (!api)
            snprintf(err, errsize, "allocator backend 'mimalloc' is not available: %s",
                     mi_error);
        return api;
    }
#endif
    snprintf(err, errsize, "allocator backend '%s' is not available in this build "
             "(libpyembed was built without it)", name ? name : "?");
    return NULL;
}

int pyembed__alloc_backend(int backend, const pyembed_allocator_funcs *custom,
                           PyMemAllocatorEx *out, char *err, size_t errsize)
{
    const plain_api *api;
    if (backend == PYEMBED_BACKEND_CUSTOM) {
        *out = (PyMemAllocatorEx){custom->ctx, custom->malloc, custom->calloc,
                                  custom->realloc, custom->free};
        return PYEMBED_OK;
    }
    if (!(api = backend_api(backend, err, errsize)))
        return PYEMBED_EUNAVAILABLE;
    *out = (PyMemAllocatorEx){(void *)api, w_malloc, w_calloc, w_realloc, w_free};
    return PYEMBED_OK;
}

int pyembed_alloc_backend_available(int backend)
{
    char err[8];
    switch (backend) {
    case PYEMBED_BACKEND_DEFAULT:
    case PYEMBED_BACKEND_PYMALLOC:
    case PYEMBED_BACKEND_CUSTOM:
        return 1;
    case PYEMBED_BACKEND_MALLOC:
    case PYEMBED_BACKEND_MIMALLOC:
    case PYEMBED_BACKEND_JEMALLOC:
        return backend_api(backend, err, sizeof err) != NULL;
    default:
        return 0;
    }
}

const char *pyembed_alloc_backend_name(int backend)
{
    static const char *const names[] = {"default", "pymalloc", "malloc", "mimalloc",
                                        "jemalloc", "custom"};
    return backend >= 0 && backend <= PYEMBED_BACKEND_CUSTOM ? names[backend] : NULL;
}
