/* platform_linux.c — platform_int.h for Linux: /proc and memfd_create. */
#include "platform_int.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

char *pyembed__platform_exe_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return strdup("/proc/self/exe");
    buf[n] = 0;
    return strdup(buf);
}

int pyembed__platform_memfile(const char *name, char *path, size_t pathlen)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd >= 0)
        snprintf(path, pathlen, "/proc/self/fd/%d", fd);
    return fd;
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
