/*
 * prefetch_int.h — start-up read-ahead (prefetch.c; docs/runtime.md §1.1).
 * Needs only the C library and the platform layer.
 */
#ifndef PYEMBED_PREFETCH_INT_H
#define PYEMBED_PREFETCH_INT_H

/* Starts a background thread that has the system read the file exe (the
 * running executable), then each library of libraries (comma-separated
 * file names, e.g. "libffi.so.8,libssl.so.3"; NULL for none) that is not
 * loaded yet, found in the loader's directories, into the page cache, in
 * that order; the caller goes on at once. Advice only: nothing it does is
 * reported, a failure just skips the file. At most once per process. */
void pyembed__prefetch_start(const char *exe, const char *libraries);

#endif
