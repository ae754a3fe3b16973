/*
 * os_int.h — what libpackrs needs from the operating system (private).
 *
 * The format code is portable C; everything below is implemented once per
 * platform (os_posix.c for POSIX systems, plus a file for the running
 * executable's path and the resident-memory advice: os_linux.c), chosen by
 * libpackrs/meson.build.
 * Messages follow packrs: "PATH: reason", written to err[errlen].
 */
#ifndef PACKRS_OS_INT_H
#define PACKRS_OS_INT_H

#include <stddef.h>
#include <stdint.h>

/* A file open for reading. */
typedef struct pk_file {
    intptr_t handle; /* the platform's descriptor (POSIX: an fd) */
    uint64_t size;   /* bytes, when it was opened */
} pk_file;

/* A read-only mapping of part of a file. */
typedef struct pk_map {
    void *base;                /* what the platform mapped; NULL if none */
    size_t len;
    const unsigned char *data; /* the requested first byte, inside base */
    uint64_t offset;           /* file offset of base */
} pk_map;

/* Opens path read-only and learns its size. PACKRS_OK or PACKRS_EIO. */
int packrs__os_open(pk_file *f, const char *path, char *err, size_t errlen);
/* Closes f (the mappings made from it stay valid). */
void packrs__os_close(pk_file *f);
/* Reads exactly n bytes at off; 0 ok, -1 short read or error. */
int packrs__os_pread(const pk_file *f, void *buf, size_t n, uint64_t off);
/* Mapping granularity: a mapping may start up to this many bytes - 1
 * before the byte asked for. */
size_t packrs__os_map_granularity(void);
/* Maps [off, off+len) of f read-only into *m (m->data points at off).
 * PACKRS_OK or PACKRS_EIO ("[path: ]mmap: reason"; path may be NULL). */
int packrs__os_map(const pk_file *f, uint64_t off, uint64_t len, pk_map *m,
                   const char *path, char *err, size_t errlen);
/* Releases m (NULL base is a no-op). */
void packrs__os_unmap(pk_map *m);
/* Lets the system drop from the resident set the pages of m that touching
 * [p, p+len) may have mapped, within [lo, lo+lo_len) (both inside m). The
 * bytes stay valid: the pages are read back from the file when touched
 * again (m is a private read-only file mapping, never written). */
void packrs__os_drop(const pk_map *m, const void *lo, size_t lo_len, const void *p,
                     size_t len);
/* Writes len bytes to path through a temporary file beside it
 * (path.tmp-PID-N) and a rename; mode 0755 when executable, else 0666 less
 * umask. PACKRS_OK, or PACKRS_EIO/PACKRS_ENOMEM with a message. */
int packrs__write_atomic(const char *path, const void *data, size_t len,
                         int executable, char *err, size_t errlen);

/* A path that opens the running executable (buf[size] may hold it), or
 * NULL when the platform cannot say. */
const char *packrs__os_self_exe(char *buf, size_t size);

#endif
