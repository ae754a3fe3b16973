/*
 * staticcode.c — the process's table of code objects compiled into the
 * program (pyembed_set_static_code; pyembed-pack --freeze generates it),
 * looked up by module name when a packed module is imported.
 */
#include "pyembed_int.h"

#include <string.h>

static const pyembed_static_code *table; /* NULL: none */
static size_t table_len;
static int table_sorted;                 /* strictly ascending names */

void pyembed_set_static_code(const pyembed_static_code *t)
{
    size_t n = 0;
    int sorted = 1;
    while (t && t[n].name) {
        if (n && strcmp(t[n - 1].name, t[n].name) >= 0)
            sorted = 0;
        n++;
    }
    table = t;
    table_len = n;
    table_sorted = sorted;
}

/* Index of name in the table by binary search, or -1. */
static long find_sorted(const char *name)
{
    size_t lo = 0, hi = table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, table[mid].name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

const pyembed_static_code *pyembed__static_code(const char *name, int optimize)
{
    long i = -1;
    if (!table_len || !name)
        return NULL;
    if (table_sorted)
        i = find_sorted(name);
    else /* a host's table out of order: still found, more slowly */
        for (size_t k = 0; k < table_len && i < 0; k++)
            if (strcmp(table[k].name, name) == 0)
                i = (long)k;
    if (i < 0 || table[i].optimize != optimize || !table[i].get_code)
        return NULL;
    return &table[i];
}
