/*
 * prefetch.c — start-up read-ahead (docs/runtime.md §1.1). With a cold page
 * cache a packed program waits for the pages of its executable (the
 * blob's modules) and of the shared libraries its extension modules link,
 * fault by fault, while the main thread starts Python. A detached thread
 * asks for them first, in the order the program needs them, so the waits
 * overlap with that work. It only reads, with signals blocked, from a
 * descriptor table of its own: no other thread sees its files, and a
 * fork() never inherits them.
 */
#include "prefetch_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform_int.h"

/* What the thread reads. */
typedef struct prefetch_job {
    char *exe;       /* or NULL */
    unsigned long long blob_len, startup_bytes;
    char *libraries; /* comma-separated file names, or NULL */
    char *dirs;      /* pyembed__platform_library_dirs() */
} prefetch_job;

static prefetch_job *job; /* the one job (reachable while the thread runs) */

/* Opens path to read (a FIFO does not block); *size: its size, 0 unless
 * it is a regular file. The descriptor, or -1. */
static int open_file(const char *path, unsigned long long *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    *size = 0;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        *size = (unsigned long long)st.st_size;
    return fd;
}

/* Reads file path ahead; 0, or -1 when it cannot be opened. */
static int read_file(const char *path)
{
    unsigned long long size;
    int fd = open_file(path, &size);
    if (fd < 0)
        return -1;
    pyembed__platform_read_ahead(fd, 0, size);
    close(fd);
    return 0;
}

int pyembed__prefetch_whole(unsigned long long size, unsigned long long blob_len,
                            unsigned long long startup_bytes)
{
    unsigned long long blob = blob_len < size ? blob_len : size;
    unsigned long long used = size - blob + (startup_bytes < blob ? startup_bytes : blob);
    return used >= size - used;
}

/* Reads the executable ahead when pyembed__prefetch_whole says so (else
 * its faults read what it needs, and no more). */
static void read_executable(const prefetch_job *j)
{
    unsigned long long size;
    int fd = open_file(j->exe, &size);
    if (fd < 0)
        return;
    if (pyembed__prefetch_whole(size, j->blob_len, j->startup_bytes))
        pyembed__platform_read_ahead(fd, 0, size);
    close(fd);
}

/* 1 when name[0..n) is a plain file name a library can have. */
static int library_name_ok(const char *name, size_t n)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789._+-";
    if (n == 0 || n > 255 || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!name[i] || !strchr(ok, name[i]))
            return 0;
    return 1;
}

/* Reads library name[0..n) ahead from the first directory that has it,
 * unless it is loaded already (the driver's own, read at exec). */
static void read_library(const prefetch_job *j, const char *name, size_t n)
{
    char path[4096], soname[256];
    if (!library_name_ok(name, n))
        return;
    memcpy(soname, name, n);
    soname[n] = 0;
    if (pyembed__platform_library_loaded(soname))
        return;
    for (const char *d = j->dirs; *d; d += strlen(d) + 1)
        if (snprintf(path, sizeof path, "%s/%s", d, soname) < (int)sizeof path &&
            read_file(path) == 0)
            return;
}

/* The thread: the executable, then the libraries in their order. */
static void *run(void *arg)
{
    const prefetch_job *j = arg;
    const char *p = j->libraries;
    if (pyembed__platform_private_files() != 0)
        return NULL;
    if (j->exe)
        read_executable(j);
    while (p && *p) {
        size_t n = strcspn(p, ",");
        read_library(j, p, n);
        p += n + (p[n] != 0);
    }
    return NULL;
}

/* Frees j (NULL allowed). */
static void job_free(prefetch_job *j)
{
    if (!j)
        return;
    free(j->exe);
    free(j->libraries);
    free(j->dirs);
    free(j);
}

/* The job for exe and libraries (blob_len and startup_bytes: as for
 * pyembed__prefetch_start), or NULL (out of memory). */
static prefetch_job *job_new(const char *exe, unsigned long long blob_len,
                             unsigned long long startup_bytes, const char *libraries)
{
    prefetch_job *j = calloc(1, sizeof *j);
    int libs = libraries && *libraries;
    if (!j)
        return NULL;
    j->exe = exe ? strdup(exe) : NULL;
    j->blob_len = blob_len;
    j->startup_bytes = startup_bytes;
    j->libraries = libs ? strdup(libraries) : NULL;
    j->dirs = libs ? pyembed__platform_library_dirs() : calloc(1, 1);
    if ((exe && !j->exe) || (libs && !j->libraries) || !j->dirs) {
        job_free(j);
        return NULL;
    }
    return j;
}

void pyembed__prefetch_start(const char *exe, unsigned long long blob_len,
                             unsigned long long startup_bytes, const char *libraries)
{
    static int started;
    pthread_attr_t attr;
    pthread_t thread;
    sigset_t all, old;
    if (started || (!exe && !(libraries && *libraries)))
        return;
    started = 1;
    if (!(job = job_new(exe, blob_len, startup_bytes, libraries)))
        return;
    if (pthread_attr_init(&attr) != 0)
        return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sigfillset(&all); /* the new thread inherits this mask: no signals */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_create(&thread, &attr, run, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}
