/* os_linux.c — the running executable on Linux (see os_int.h). */
#include "os_int.h"

const char *packrs__os_self_exe(char *buf, size_t size)
{
    (void)buf;
    (void)size;
    return "/proc/self/exe"; /* opens the image even if renamed or deleted */
}
