/* platform_linux.c — platform_int.h for Linux: /proc, memfd_create,
 * readahead and the loaded objects glibc lists. */
#include "platform_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

char *pyembed__platform_exe_path(void)
{
    char buf[PATH_MAX];
    const char *execfn;
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = 0;
        return strdup(buf);
    }
    /* no /proc (a chroot or a container without it): the path execve()
     * was given, resolved now, while the working directory is still the
     * one it was given in */
    execfn = (const char *)getauxval(AT_EXECFN);
    if (execfn && realpath(execfn, buf))
        return strdup(buf);
    return strdup("/proc/self/exe");
}

/* The lowest descriptor number this process has not yet named to the
 * loader (see pyembed__platform_memfile). */
static int next_unnamed = 3;

int pyembed__platform_memfile(const char *name, char *path, size_t pathlen)
{
    int fd = memfd_create(name, MFD_CLOEXEC), named, e;
    if (fd < 0)
        return -1;
    /* a number never used in a name before: the loader takes a library
     * whose name it has seen as already loaded */
    named = fd >= next_unnamed ? fd : fcntl(fd, F_DUPFD_CLOEXEC, next_unnamed);
    e = errno;
    if (named != fd)
        close(fd);
    if (named < 0)
        return errno = e, -1; /* EINVAL: numbers up to RLIMIT_NOFILE used up */
    next_unnamed = named + 1;
    snprintf(path, pathlen, "/proc/self/fd/%d", named);
    if (access(path, F_OK) != 0) { /* /proc is not mounted */
        e = errno;
        close(named);
        return errno = e, -1;
    }
    return named;
}

int pyembed__platform_exec_mappable(int fd)
{
    void *p = mmap(NULL, 1, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 0;
    munmap(p, 1);
    return 1;
}

int pyembed__platform_die_by_sigint(void)
{
    if (signal(SIGINT, SIG_DFL) != SIG_ERR)
        kill(getpid(), SIGINT);
    return 130;
}

void pyembed__platform_read_ahead(int fd, unsigned long long off, unsigned long long len)
{
    const unsigned long long chunk = 2u << 20; /* one large folio's reach */
    char byte;
    while (len) {
        unsigned long long n = len < chunk ? len : chunk;
        /* readahead() only starts the reads; reading the chunk's last
         * byte waits for them, so the next chunk queues behind this one
         * and never ahead of what the main thread faults in meanwhile */
        if (readahead(fd, (off64_t)off, (size_t)n) != 0 ||
            pread(fd, &byte, 1, (off_t)(off + n - 1)) != 1)
            return;
        off += n;
        len -= n;
    }
}

int pyembed__platform_private_files(void)
{
    /* unshare copies the table; closing the copies keeps no pipe or
     * socket of the other threads open behind their back */
    if (unshare(CLONE_FILES) != 0 || close_range(0, ~0u, 0) != 0)
        return -1;
    return 0;
}

/* A growing list of NUL-terminated names (pyembed__platform_library_dirs). */
typedef struct dir_list {
    char *buf;
    size_t len, cap;
    int failed;
} dir_list;

/* Appends dir[0..n) unless empty, relative or already listed. */
static void dir_add(dir_list *l, const char *dir, size_t n)
{
    char *grown;
    if (l->failed || n == 0 || dir[0] != '/')
        return;
    for (size_t at = 0; at < l->len; at += strlen(l->buf + at) + 1)
        if (strlen(l->buf + at) == n && !memcmp(l->buf + at, dir, n))
            return;
    if (l->len + n + 2 > l->cap) {
        size_t cap = (l->cap + n + 2) * 2;
        if (!(grown = realloc(l->buf, cap))) {
            l->failed = 1;
            return;
        }
        l->buf = grown;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, dir, n);
    l->len += n;
    l->buf[l->len++] = 0;
}

/* dl_iterate_phdr callback: adds the directory of each loaded object. */
static int add_object_dir(struct dl_phdr_info *info, size_t size, void *data)
{
    const char *slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    (void)size;
    if (slash)
        dir_add(data, info->dlpi_name, (size_t)(slash - info->dlpi_name));
    return 0;
}

char *pyembed__platform_library_dirs(void)
{
    dir_list l = {0};
    const char *env = getauxval(AT_SECURE) ? NULL : getenv("LD_LIBRARY_PATH");
    while (env && *env) {
        size_t n = strcspn(env, ":;");
        dir_add(&l, env, n);
        env += n + (env[n] != 0);
    }
    dl_iterate_phdr(add_object_dir, &l);
    if (l.failed) {
        free(l.buf);
        return NULL;
    }
    if (!l.buf)
        return calloc(1, 1);
    l.buf[l.len] = 0; /* dir_add leaves room for this empty last name */
    return l.buf;
}

/* dl_iterate_phdr callback: stops (1) at an object whose file name is data. */
static int named(struct dl_phdr_info *info, size_t size, void *data)
{
    const char *name = info->dlpi_name, *slash = name ? strrchr(name, '/') : NULL;
    (void)size;
    return slash && !strcmp(slash + 1, data);
}

int pyembed__platform_library_loaded(const char *soname)
{
    return dl_iterate_phdr(named, (void *)soname) != 0;
}
