/* os_linux.c — the running executable and resident-memory advice on Linux
 * (see os_int.h). */
#include "os_int.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
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

/* The largest stretch one fault maps: Linux keeps a file's page cache in
 * folios of up to a page table's reach (2 MiB with 4 KiB pages), aligned
 * in the file, and maps a whole folio on a fault when the mapping covers
 * it (measured on 6.18 ext4: one byte read maps 512 pages; MADV_NOHUGEPAGE
 * only turns the PMD into 512 PTEs). */
static uint64_t fault_span(uint64_t page)
{
    return page / sizeof(void *) * page;
}

/* Rounds x down to a multiple of n. */
static uint64_t round_down(uint64_t x, uint64_t n)
{
    return x - x % n;
}

void packrs__os_drop(const pk_map *m, const void *lo, size_t lo_len, const void *p,
                     size_t len)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), span = fault_span(page);
    uintptr_t base = (uintptr_t)m->base;
    uint64_t at = m->offset + ((uintptr_t)p - base); /* file offset of p */
    uint64_t first = round_down(at, span), last = round_down(at + len + span - 1, span);
    /* [from, to): whole pages of [lo, lo+lo_len) that lie in those spans */
    uintptr_t from = (uintptr_t)round_down((uintptr_t)lo + page - 1, page);
    uintptr_t to = (uintptr_t)round_down((uintptr_t)lo + lo_len, page);
    if (first > m->offset && base + (uintptr_t)(first - m->offset) > from)
        from = base + (uintptr_t)(first - m->offset);
    if (base + (uintptr_t)(last - m->offset) < to)
        to = base + (uintptr_t)(last - m->offset);
    if (to > from) /* advice only: a failure changes nothing the caller sees */
        madvise((void *)from, to - from, MADV_DONTNEED);
}
