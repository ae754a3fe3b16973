/* os_linux.c — the running executable on Linux (see os_int.h). */
#include "os_int.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

const char *packrs__os_self_exe(char *buf, size_t size)
{
    const char *execfn;
    if (access("/proc/self/exe", F_OK) == 0)
        return "/proc/self/exe"; /* opens the image even if renamed or deleted */
    /* no /proc (a chroot or a container without it): the path execve()
     * was given, which the working directory still resolves at start-up */
    execfn = (const char *)getauxval(AT_EXECFN);
    if (execfn && size >= PATH_MAX && realpath(execfn, buf))
        return buf;
    return execfn ? execfn : "/proc/self/exe";
}
