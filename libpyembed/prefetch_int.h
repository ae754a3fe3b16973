/*
 * prefetch_int.h — start-up read-ahead (prefetch.c; docs/runtime.md §1.1).
 * Needs only the C library and the platform layer.
 */
#ifndef PYEMBED_PREFETCH_INT_H
#define PYEMBED_PREFETCH_INT_H

/* Starts a background thread that has the system read the file exe (the
 * running executable, whose embedded blob is blob_len bytes of which
 * start-up reads startup_bytes; NULL: not it) when the part before the
 * blob and those bytes are at least half of the file, then each library
 * of libraries
 * (comma-separated file names, e.g. "libffi.so.8,libssl.so.3"; NULL for
 * none) that is not loaded yet, found in the loader's directories, into
 * the page cache, in that order; the caller goes on at once. With nothing
 * to read there is no thread. Advice only: nothing it does is reported, a
 * failure just skips the file. At most once per process. */
void pyembed__prefetch_start(const char *exe, unsigned long long blob_len,
                             unsigned long long startup_bytes, const char *libraries);

/* 1 when an executable of size bytes whose blob is blob_len bytes is read
 * ahead whole: what start-up reads of it, everything before the blob and
 * startup_bytes of the blob, is at least half of it. */
int pyembed__prefetch_whole(unsigned long long size, unsigned long long blob_len,
                            unsigned long long startup_bytes);

#endif
