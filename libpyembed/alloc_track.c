/*
 * alloc_track.c — the tracking layer: counting wrappers over whatever
 * allocators the domains have (a backend, debug hooks), and the public
 * pyembed_alloc_stats().
 *
 * Each block gets a 16-byte header holding its requested size (16 keeps
 * the alignment CPython relies on), so a free knows how many bytes go.
 * The raw domain is called without the GIL from any thread, so every
 * counter is a relaxed C11 atomic; the peak is raised by compare-and-swap.
 * Arena blocks need no header: their free is told the size.
 */
#include "alloc_int.h"

#include <stdatomic.h>
#include <string.h>

#define HDR 16

typedef struct track_domain {
    PyMemAllocatorEx inner; /* what was installed before tracking */
    _Atomic uint64_t live, peak, blocks, mallocs, callocs, reallocs, frees;
} track_domain;

static track_domain doms[PYEMBED_DOMAIN_COUNT];
static PyObjectArenaAllocator arena_inner;
static atomic_int installed;

#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define SUB(x, n) atomic_fetch_sub_explicit(&(x), (n), memory_order_relaxed)
#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* Counts n more live bytes on d and raises its peak. */
static void grow(track_domain *d, uint64_t n)
{
    uint64_t now = ADD(d->live, n) + n, peak = LOAD(d->peak);
    while (now > peak && !atomic_compare_exchange_weak_explicit(
                             &d->peak, &peak, now, memory_order_relaxed, memory_order_relaxed))
        ;
}

/* The user pointer of header block p holding size n (p may be NULL). */
static void *finish(track_domain *d, unsigned char *p, size_t n)
{
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    ADD(d->blocks, 1);
    grow(d, n);
    return p + HDR;
}

static void *t_malloc(void *ctx, size_t n)
{
    track_domain *d = ctx;
    ADD(d->mallocs, 1);
    if (n > SIZE_MAX - HDR)
        return NULL;
    return finish(d, d->inner.malloc(d->inner.ctx, n + HDR), n);
}

static void *t_calloc(void *ctx, size_t nelem, size_t elsize)
{
    track_domain *d = ctx;
    size_t n;
    ADD(d->callocs, 1);
    if (elsize && nelem > (SIZE_MAX - HDR) / elsize)
        return NULL;
    n = nelem * elsize;
    return finish(d, d->inner.calloc(d->inner.ctx, 1, n + HDR), n);
}

static void *t_realloc(void *ctx, void *ptr, size_t n)
{
    track_domain *d = ctx;
    unsigned char *p, *q;
    size_t old;
    ADD(d->reallocs, 1);
    if (!ptr)
        return n > SIZE_MAX - HDR ? NULL
                                  : finish(d, d->inner.realloc(d->inner.ctx, NULL, n + HDR), n);
    p = (unsigned char *)ptr - HDR;
    memcpy(&old, p, sizeof old);
    if (n > SIZE_MAX - HDR || !(q = d->inner.realloc(d->inner.ctx, p, n + HDR)))
        return NULL; /* the old block stands */
    memcpy(q, &n, sizeof n);
    if (n >= old)
        grow(d, n - old);
    else
        SUB(d->live, old - n);
    return q + HDR;
}

static void t_free(void *ctx, void *ptr)
{
    track_domain *d = ctx;
    unsigned char *p;
    size_t n;
    if (!ptr)
        return;
    p = (unsigned char *)ptr - HDR;
    memcpy(&n, p, sizeof n);
    ADD(d->frees, 1);
    SUB(d->blocks, 1);
    SUB(d->live, n);
    d->inner.free(d->inner.ctx, p);
}

static void *t_arena_alloc(void *ctx, size_t n)
{
    track_domain *d = ctx;
    void *p = arena_inner.alloc(arena_inner.ctx, n);
    ADD(d->mallocs, 1);
    if (p) {
        ADD(d->blocks, 1);
        grow(d, n);
    }
    return p;
}

static void t_arena_free(void *ctx, void *p, size_t n)
{
    track_domain *d = ctx;
    if (p) {
        ADD(d->frees, 1);
        SUB(d->blocks, 1);
        SUB(d->live, n);
    }
    arena_inner.free(arena_inner.ctx, p, n);
}

void pyembed__alloc_track_install(void)
{
    static const PyMemAllocatorDomain cdom[] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
                                                PYMEM_DOMAIN_OBJ};
    PyObjectArenaAllocator arena = {&doms[PYEMBED_DOMAIN_ARENA], t_arena_alloc,
                                    t_arena_free};
    if (atomic_load(&installed))
        return;
    for (int i = 0; i < 3; i++) {
        PyMemAllocatorEx a = {&doms[i], t_malloc, t_calloc, t_realloc, t_free};
        PyMem_GetAllocator(cdom[i], &doms[i].inner);
        PyMem_SetAllocator(cdom[i], &a);
    }
    PyObject_GetArenaAllocator(&arena_inner);
    PyObject_SetArenaAllocator(&arena);
    atomic_store(&installed, 1);
}

int pyembed__alloc_tracking(void)
{
    return atomic_load(&installed);
}

int pyembed_alloc_stats(pyembed_alloc_counters *out, int domain)
{
    track_domain *d;
    if (!out || domain < 0 || domain >= PYEMBED_DOMAIN_COUNT)
        return PYEMBED_EINVAL;
    if (!atomic_load(&installed))
        return PYEMBED_ESTATE;
    d = &doms[domain];
    out->live_bytes = LOAD(d->live);
    out->peak_bytes = LOAD(d->peak);
    out->live_blocks = LOAD(d->blocks);
    out->mallocs = LOAD(d->mallocs);
    out->callocs = LOAD(d->callocs);
    out->reallocs = LOAD(d->reallocs);
    out->frees = LOAD(d->frees);
    return PYEMBED_OK;
}

int pyembed_alloc_reset_peak(void)
{
    if (!atomic_load(&installed))
        return PYEMBED_ESTATE;
    for (int i = 0; i < PYEMBED_DOMAIN_COUNT; i++)
        atomic_store_explicit(&doms[i].peak, LOAD(doms[i].live), memory_order_relaxed);
    return PYEMBED_OK;
}
