/*
 * alloc_int.h — CPython's memory allocators (private): backends, the
 * tracking layer and the set-up that combines them with debug hooks.
 *
 * Layers, lowest first: alloc_backend.c (the functions of each backend),
 * alloc_track.c (counting wrappers and their statistics), alloc.c (the
 * plan from the config, its installation, _pyembed's alloc_* functions).
 */
#ifndef PYEMBED_ALLOC_INT_H
#define PYEMBED_ALLOC_INT_H

#include "pyembed_int.h"

/* alloc_backend.c: the raw/mem/obj functions of backend (not DEFAULT or
 * PYMALLOC) into *out, custom for BACKEND_CUSTOM; PYEMBED_EUNAVAILABLE
 * with a reason in err when it is not in this build or cannot be loaded. */
int pyembed__alloc_backend(int backend, const pyembed_allocator_funcs *custom,
                           PyMemAllocatorEx *out, char *err, size_t errsize);

/* alloc_track.c: wraps the allocators now installed for the raw, mem and
 * obj domains and pymalloc's arena allocator with counters. Once per
 * process, before Py_InitializeFromConfig (after Py_PreInitialize and the
 * backend): a block must be freed by the layer that allocated it. */
void pyembed__alloc_track_install(void);
/* alloc_track.c: 1 once tracking is installed. */
int pyembed__alloc_tracking(void);

/* alloc.c: resolves it->alloc from it->cfg (after the blob's options
 * were applied) and checks that the backend is usable, before Python
 * starts. */
int pyembed__alloc_prepare(pyembed_interp *it);
/* alloc.c: the PyPreConfig.allocator of it's plan. */
int pyembed__alloc_preconfig(const pyembed_interp *it);
/* alloc.c: installs the plan; call right after Py_PreInitialize. */
int pyembed__alloc_install(pyembed_interp *it);
/* alloc.c: _pyembed.alloc_stats, alloc_reset_peak, alloc_info and
 * alloc_backends (NULL-terminated). */
extern PyMethodDef pyembed__alloc_methods[];

#endif
