/* platform_linux.c — platform_int.h for Linux: /proc and memfd_create. */
#include "platform_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
