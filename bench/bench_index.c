/*
 * bench_index.c — what does a packed executable pay before its first
 * import? Opens the blob embedded in a real `pyembed-pack build` output
 * (packrs_reader_open_exe, as the driver does) and looks up every module
 * name it holds.
 *
 * bench_reader measures a synthetic stdlib blob in a file; this one uses
 * the exact bytes pyembed-pack produced, inside an ELF executable, so the
 * section lookup is included. run_bench.py runs it on the import-heavy app.
 *
 * Usage: bench_index EXE [ITERATIONS]      (default 2000)
 * Prints one "key=value" line per metric (times in ns). It exits 0 on any
 * timing and non-zero only when the blob cannot be opened or read.
 */
#include "bench_util.h"
#include "packrs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define IMPORTABLE (PACKRS_KIND_MODULE | PACKRS_KIND_PACKAGE | \
                    PACKRS_KIND_NAMESPACE | PACKRS_KIND_EXTENSION)

/* The importable names of the blob, copied out of a reader that is gone. */
typedef struct names {
    char **v;
    size_t *len;
    size_t n;
} names;

/* Opens the blob of exe or exits with the reader's message. */
static packrs_reader *open_or_die(const char *exe)
{
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_exe(&r, exe);
    if (rc != PACKRS_OK)
        die(exe, r ? packrs_reader_errmsg(r) : packrs_strerror(rc));
    return r;
}

/* Copies every importable resource name of exe's blob, in a fixed shuffled
 * order (an importer does not ask in sorted order). */
static names collect(const char *exe, size_t *blob_len)
{
    packrs_reader *r = open_or_die(exe);
    size_t count = packrs_reader_count(r);
    names nm = {xmalloc(count * sizeof(char *)), xmalloc(count * sizeof(size_t)), 0};
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    packrs_reader_blob(r, blob_len);
    for (size_t i = 0; i < count; i++) {
        packrs_resource res;
        if (packrs_reader_get(r, i, &res) != PACKRS_OK)
            die("get", packrs_reader_errmsg(r));
        if (!(res.kind & IMPORTABLE))
            continue;
        nm.v[nm.n] = memcpy(xmalloc(res.name_len + 1), res.name, res.name_len + 1);
        nm.len[nm.n++] = res.name_len;
    }
    for (size_t i = nm.n; i > 1; i--) { /* xorshift64* Fisher-Yates */
        s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
        size_t j = (size_t)((s * 0x2545F4914F6CDD1DULL) % i);
        char *t = nm.v[i - 1];
        size_t tl = nm.len[i - 1];
        nm.v[i - 1] = nm.v[j], nm.len[i - 1] = nm.len[j];
        nm.v[j] = t, nm.len[j] = tl;
    }
    packrs_reader_free(r);
    return nm;
}

/* Finds names[from..to) in r; dies if one is missing. */
static void find_range(packrs_reader *r, const names *nm, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        packrs_resource res;
        if (packrs_reader_find(r, nm->v[i], nm->len[i], &res) != PACKRS_OK)
            die(nm->v[i], packrs_reader_errmsg(r));
    }
}

/* Median ns of open_exe + find of the first `upto` names on a fresh reader
 * (upto = 1: the index is ready; all: every entry validated once).
 * free() is not timed. */
static double time_open(const char *exe, const names *nm, size_t upto, int iters)
{
    double *t = xmalloc((size_t)iters * sizeof *t), med;
    for (int i = 0; i < iters; i++) {
        double t0 = now_ns();
        packrs_reader *r = open_or_die(exe);
        find_range(r, nm, 0, upto);
        t[i] = now_ns() - t0;
        packrs_reader_free(r);
    }
    med = median(t, (size_t)iters);
    free(t);
    return med;
}

/* Mean ns per find over `rounds` passes of every name, after one pass that
 * does the first-touch checks. */
static double time_warm(const char *exe, const names *nm, int rounds)
{
    packrs_reader *r = open_or_die(exe);
    find_range(r, nm, 0, nm->n);
    double t0 = now_ns();
    for (int k = 0; k < rounds; k++)
        find_range(r, nm, 0, nm->n);
    double per = (now_ns() - t0) / ((double)rounds * (double)nm->n);
    packrs_reader_free(r);
    return per;
}

int main(int argc, char **argv)
{
    struct stat st;
    size_t blob_len = 0;
    int iters = argc > 2 ? atoi(argv[2]) : 2000;
    bench_name = "bench_index";
    if (argc < 2 || iters < 1) {
        fprintf(stderr, "usage: bench_index EXE [ITERATIONS]\n");
        return 2;
    }
    if (stat(argv[1], &st) != 0)
        die(argv[1], "cannot stat");
    names nm = collect(argv[1], &blob_len);
    if (nm.n == 0)
        die(argv[1], "blob holds no modules");
    printf("exe_bytes=%lld\n", (long long)st.st_size);
    printf("blob_bytes=%zu\n", blob_len);
    printf("modules=%zu\n", nm.n);
    printf("iterations=%d\n", iters);
    printf("open_first_find_ns=%.0f\n", time_open(argv[1], &nm, 1, iters));
    printf("open_find_all_ns=%.0f\n",
           time_open(argv[1], &nm, nm.n, iters / 10 > 10 ? iters / 10 : 10));
    printf("find_warm_ns=%.1f\n", time_warm(argv[1], &nm, 200));
    for (size_t i = 0; i < nm.n; i++)
        free(nm.v[i]);
    free(nm.v);
    free(nm.len);
    return 0;
}
