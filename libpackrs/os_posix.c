/*
 * os_posix.c — files, mappings and atomic writes on POSIX systems (see
 * os_int.h). A bottom file: calls only error.c.
 */
#include "os_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_int.h"

int packrs__os_open(pk_file *f, const char *path, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return packrs__msg(err, errlen, PACKRS_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return packrs__msg(err, errlen, PACKRS_EIO, "%s: %s", path, strerror(e));
    }
    f->handle = fd;
    f->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return PACKRS_OK;
}

void packrs__os_close(pk_file *f)
{
    close((int)f->handle);
    f->handle = -1;
}

int packrs__os_pread(const pk_file *f, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t got;
        if (off > (uint64_t)INT64_MAX)
            return -1; /* beyond what off_t holds */
        got = pread((int)f->handle, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

size_t packrs__os_map_granularity(void)
{
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)page : 4096;
}

int packrs__os_map(const pk_file *f, uint64_t off, uint64_t len, pk_map *m,
                   const char *path, char *err, size_t errlen)
{
    uint64_t page = packrs__os_map_granularity(), base = off - off % page;
    void *p;
    m->base = NULL;
    if (len > SIZE_MAX - (off - base) || base > (uint64_t)INT64_MAX)
        return packrs__msg(err, errlen, PACKRS_EIO, "%s%smmap: %s", path ? path : "",
                           path ? ": " : "", strerror(EFBIG));
    m->len = (size_t)(len + (off - base));
    p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, (int)f->handle, (off_t)base);
    if (p == MAP_FAILED) {
        m->base = NULL;
        return packrs__msg(err, errlen, PACKRS_EIO, "%s%smmap: %s", path ? path : "",
                           path ? ": " : "", strerror(errno));
    }
    m->base = p;
    m->data = (const unsigned char *)p + (off - base);
    m->offset = base;
    return PACKRS_OK;
}

void packrs__os_unmap(pk_map *m)
{
    if (m->base)
        munmap(m->base, m->len);
    m->base = NULL;
}

/* Writes len bytes to fd, retrying short writes. */
static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates a fresh temporary file beside path (mode 0666 less umask);
 * returns its fd and fills tmp, or -1. */
static int create_tmp(const char *path, char *tmp, size_t tmplen)
{
    for (unsigned i = 0; i < 1000; i++) {
        int fd;
        snprintf(tmp, tmplen, "%s.tmp-%ld-%u", path, (long)getpid(), i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int packrs__write_atomic(const char *path, const void *data, size_t len,
                         int executable, char *err, size_t errlen)
{
    size_t tmplen = strlen(path) + 48;
    char *tmp = malloc(tmplen);
    int fd, ok;
    if (!tmp)
        return packrs__msg(err, errlen, PACKRS_ENOMEM, "out of memory");
    fd = create_tmp(path, tmp, tmplen);
    ok = fd >= 0 && write_all(fd, data, len) == 0 &&
         (!executable || fchmod(fd, 0755) == 0) && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        packrs__msg(err, errlen, 0, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
    }
    free(tmp);
    return ok ? PACKRS_OK : PACKRS_EIO;
}
