/*
 * alloc.c — which allocators CPython's domains get (docs/embedding.md §5).
 *
 * The plan comes from the config (or the blob's "@pyembed" options):
 * a backend for the domains allocator_domains names, CPython's debug hooks
 * on top, and tracking outermost, so its counters see what CPython asked
 * for. pymalloc and malloc over all three domains go through
 * PyPreConfig.allocator exactly as python3's PYTHONMALLOC would; every
 * other plan is installed with PyMem_SetAllocator() after
 * Py_PreInitialize() and before Py_InitializeFromConfig(), the point where
 * CPython documents it may be replaced (nothing allocated before is freed
 * after). The arena allocator is replaced only when asked: pymalloc then
 * takes its 1 MiB arenas from the backend instead of mmap.
 */
#include "alloc_int.h"

#include <stdio.h>

#define ALL_DOMAINS (PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_RAW) | \
                     PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_MEM) | \
                     PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_OBJ))

static const char *const domain_names[] = {"raw", "mem", "obj", "arena"};

static pyembed_alloc_plan current;    /* installed: what alloc_info reports */
static PyMemAllocatorEx arena_backend; /* the ctx of the arena functions */

/* PyPreConfig.allocator for p, or -1 when PyMem_SetAllocator is needed. */
static int preconfig_of(const pyembed_alloc_plan *p, int legacy)
{
    if (p->backend == PYEMBED_BACKEND_PYMALLOC)
        return p->debug ? PYMEM_ALLOCATOR_PYMALLOC_DEBUG
                        : legacy == PYEMBED_ALLOCATOR_DEFAULT ? PYMEM_ALLOCATOR_NOT_SET
                                                              : PYMEM_ALLOCATOR_PYMALLOC;
    if (p->backend == PYEMBED_BACKEND_MALLOC && p->domains == ALL_DOMAINS)
        return p->debug ? PYMEM_ALLOCATOR_MALLOC_DEBUG : PYMEM_ALLOCATOR_MALLOC;
    return -1;
}

/* The backend of c: allocator_backend, else what `allocator` says. */
static int backend_of(pyembed_interp *it, const pyembed_config *c, int *out)
{
    int b = c->allocator_backend;
    if (c->allocator == PYEMBED_ALLOCATOR_MALLOC && b != PYEMBED_BACKEND_DEFAULT &&
        b != PYEMBED_BACKEND_MALLOC)
        return pyembed__fail(it, PYEMBED_EINVAL, "allocator MALLOC contradicts "
                             "allocator_backend '%s'", pyembed_alloc_backend_name(b));
    if (b == PYEMBED_BACKEND_DEFAULT)
        b = c->allocator == PYEMBED_ALLOCATOR_MALLOC ? PYEMBED_BACKEND_MALLOC
                                                     : PYEMBED_BACKEND_PYMALLOC;
    *out = b;
    return PYEMBED_OK;
}

int pyembed__alloc_prepare(pyembed_interp *it)
{
    const pyembed_config *c = &it->cfg;
    pyembed_alloc_plan *p = &it->alloc;
    PyMemAllocatorEx probe;
    char err[300];
    int rc;
    if ((rc = backend_of(it, c, &p->backend)))
        return rc;
    if (p->backend == PYEMBED_BACKEND_PYMALLOC && c->allocator_domains)
        return pyembed__fail(it, PYEMBED_EINVAL, "allocator_domains needs a backend other "
                             "than pymalloc (pymalloc already serves mem and obj)");
    p->domains = p->backend == PYEMBED_BACKEND_PYMALLOC ? 0
                 : c->allocator_domains ? c->allocator_domains : ALL_DOMAINS;
    p->debug = c->allocator_debug || c->allocator == PYEMBED_ALLOCATOR_DEBUG;
    p->tracking = c->allocator_tracking;
    p->preconfig = preconfig_of(p, c->allocator);
    if (p->preconfig < 0 &&
        (rc = pyembed__alloc_backend(p->backend, &p->custom, &probe, err, sizeof err)))
        return pyembed__fail(it, rc, "%s", err);
    return PYEMBED_OK;
}

int pyembed__alloc_preconfig(const pyembed_interp *it)
{
    return it->alloc.preconfig < 0 ? PYMEM_ALLOCATOR_NOT_SET : it->alloc.preconfig;
}

static void *arena_alloc(void *ctx, size_t n)
{
    const PyMemAllocatorEx *a = ctx;
    return a->malloc(a->ctx, n);
}

static void arena_free(void *ctx, void *p, size_t n)
{
    const PyMemAllocatorEx *a = ctx;
    (void)n;
    a->free(a->ctx, p);
}

/* Gives the backend of p the domains p names, then debug hooks. */
static int install_backend(pyembed_interp *it, const pyembed_alloc_plan *p)
{
    static const PyMemAllocatorDomain cdom[] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
                                                PYMEM_DOMAIN_OBJ};
    PyObjectArenaAllocator arena = {&arena_backend, arena_alloc, arena_free};
    char err[300];
    int rc = pyembed__alloc_backend(p->backend, &p->custom, &arena_backend, err, sizeof err);
    if (rc)
        return pyembed__fail(it, rc, "%s", err);
    for (int d = 0; d < 3; d++)
        if (p->domains & PYEMBED_DOMAIN_BIT(d))
            PyMem_SetAllocator(cdom[d], &arena_backend);
    if (p->domains & PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_ARENA))
        PyObject_SetArenaAllocator(&arena);
    if (p->debug)
        PyMem_SetupDebugHooks();
    return PYEMBED_OK;
}

int pyembed__alloc_install(pyembed_interp *it)
{
    int rc = it->alloc.preconfig < 0 ? install_backend(it, &it->alloc) : PYEMBED_OK;
    if (rc)
        return rc;
    if (it->alloc.tracking)
        pyembed__alloc_track_install();
    current = it->alloc;
    return PYEMBED_OK;
}

/* ---- _pyembed.alloc_* ---------------------------------------------------- */

/* {"live_bytes": ..., ...} of counters c. */
static PyObject *counters_dict(const pyembed_alloc_counters *c)
{
    return Py_BuildValue("{sKsKsKsKsKsKsK}", "live_bytes", (unsigned long long)c->live_bytes,
                         "peak_bytes", (unsigned long long)c->peak_bytes, "live_blocks",
                         (unsigned long long)c->live_blocks, "mallocs",
                         (unsigned long long)c->mallocs, "callocs",
                         (unsigned long long)c->callocs, "reallocs",
                         (unsigned long long)c->reallocs, "frees", (unsigned long long)c->frees);
}

/* alloc_stats(): {domain: counters} with tracking, else None. */
static PyObject *py_alloc_stats(PyObject *self, PyObject *unused)
{
    PyObject *out, *one;
    pyembed_alloc_counters c;
    (void)self;
    (void)unused;
    if (!pyembed__alloc_tracking())
        Py_RETURN_NONE;
    if (!(out = PyDict_New()))
        return NULL;
    for (int d = 0; d < PYEMBED_DOMAIN_COUNT; d++) {
        pyembed_alloc_stats(&c, d);
        one = counters_dict(&c);
        if (!one || PyDict_SetItemString(out, domain_names[d], one) < 0) {
            Py_XDECREF(one);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(one);
    }
    return out;
}

/* alloc_reset_peak(): peak = live in every domain (RuntimeError without
 * tracking). */
static PyObject *py_alloc_reset_peak(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    if (pyembed_alloc_reset_peak())
        return PyErr_Format(PyExc_RuntimeError, "allocation tracking is off");
    Py_RETURN_NONE;
}

/* alloc_info(): {"backend", "domains", "debug", "tracking"} installed. */
static PyObject *py_alloc_info(PyObject *self, PyObject *unused)
{
    PyObject *domains = PyList_New(0), *out = NULL;
    (void)self;
    (void)unused;
    for (int d = 0; domains && d < PYEMBED_DOMAIN_COUNT; d++) {
        PyObject *name = (current.domains & PYEMBED_DOMAIN_BIT(d))
                             ? PyUnicode_FromString(domain_names[d]) : NULL;
        if (name && PyList_Append(domains, name) < 0)
            Py_CLEAR(domains);
        Py_XDECREF(name);
    }
    if (domains && !PyErr_Occurred())
        out = Py_BuildValue("{sssOsOsO}", "backend",
                            pyembed_alloc_backend_name(current.backend), "domains", domains,
                            "debug", current.debug ? Py_True : Py_False, "tracking",
                            pyembed__alloc_tracking() ? Py_True : Py_False);
    Py_XDECREF(domains);
    return out;
}

/* alloc_backends(): names of the backends usable in this process. */
static PyObject *py_alloc_backends(PyObject *self, PyObject *unused)
{
    PyObject *out = PyList_New(0);
    (void)self;
    (void)unused;
    for (int b = PYEMBED_BACKEND_PYMALLOC; out && b < PYEMBED_BACKEND_CUSTOM; b++) {
        PyObject *name = pyembed_alloc_backend_available(b)
                             ? PyUnicode_FromString(pyembed_alloc_backend_name(b)) : NULL;
        if (name && PyList_Append(out, name) < 0)
            Py_CLEAR(out);
        Py_XDECREF(name);
    }
    if (out && PyErr_Occurred())
        Py_CLEAR(out);
    return out;
}

PyMethodDef pyembed__alloc_methods[] = {
    {"alloc_stats", py_alloc_stats, METH_NOARGS,
     "Per-domain allocation counters (allocator tracking), or None."},
    {"alloc_reset_peak", py_alloc_reset_peak, METH_NOARGS,
     "Sets each domain's peak_bytes to its live_bytes."},
    {"alloc_info", py_alloc_info, METH_NOARGS, "The allocator set-up of this process."},
    {"alloc_backends", py_alloc_backends, METH_NOARGS,
     "Allocator backends usable in this process."},
    {NULL, NULL, 0, NULL}};
