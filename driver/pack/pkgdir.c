/*
 * pkgdir.c — where pyembed-pack's Python package (pyembed_pack/) is.
 *
 * In a build tree meson copies it beside the executable, to
 * <exe dir>/pack/pyembed_pack/ (driver/pack/pyembed_pack/meson.build);
 * installed, it is under PYEMBED_PACK_PYTHONDIR (<datadir>/pyembed/python).
 */
#include "pack_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Build-tree location of the package's parent, relative to the executable. */
#define BUILD_TREE_SUBDIR "/pack"

/* Writes the directory holding this executable to out (n bytes); -1 when
 * it cannot be known or does not fit. Linux only: /proc/self/exe. */
static int exe_dir(char *out, size_t n)
{
#if defined(__linux__)
    ssize_t len = readlink("/proc/self/exe", out, n - 1);
    char *slash;
    if (len <= 0 || (size_t)len >= n - 1)
        return -1;
    out[len] = 0;
    if (!(slash = strrchr(out, '/')))
        return -1;
    *slash = 0;
    return 0;
#else
    (void)out;
    (void)n;
    return -1; /* no build-tree lookup: the installed package is used */
#endif
}

/* True when dir/pyembed_pack/__main__.py is a readable file. */
static int has_package(const char *dir)
{
    char path[PACK_PATH_MAX];
    int len = snprintf(path, sizeof path, "%s/pyembed_pack/__main__.py", dir);
    return len > 0 && (size_t)len < sizeof path && access(path, R_OK) == 0;
}

/* The build tree's package beside this executable, else the installed one. */
int pack_python_dir(char *out, size_t n)
{
    if (exe_dir(out, n) == 0 && strlen(out) + sizeof BUILD_TREE_SUBDIR <= n) {
        strcat(out, BUILD_TREE_SUBDIR);
        if (has_package(out))
            return 0;
    }
    if (snprintf(out, n, "%s", PYEMBED_PACK_PYTHONDIR) >= (int)n)
        return -1;
    return has_package(out) ? 0 : -1;
}
