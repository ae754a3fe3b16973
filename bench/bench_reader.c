/*
 * bench_reader.c — how fast is a packrs blob to open and to look up in,
 * compared with importing the same modules from the filesystem?
 *
 * Builds a blob resembling the whole stdlib (every .py of a CPython lib
 * directory, plus the lib-dynload .so files) in a mkdtemp directory, then measures
 * open time, bytes of the blob that open touches, lookup and field-access
 * cost, and a path-based importer's per-module stat() and open+read.
 * It is a benchmark, not a test: it exits 0 even when a target is missed,
 * and non-zero only when something fails to run. See bench/README.md.
 *
 * Usage: bench_reader [--quick] [STDLIB_DIR]   (default /usr/lib/python3.11)
 */
#include "bench_util.h"
#include "packrs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TARGET_OPEN_MS 0.2
#define TARGET_READ_KIB 64.0
#define TARGET_LOOKUP_NS 200.0

/* One module of the stdlib: its dotted name, the file it came from, the
 * field holding its main bytes, and those bytes while the blob is built. */
typedef struct module {
    char *name;
    size_t name_len;
    char *path;
    uint32_t kind;
    int field; /* PACKRS_FIELD_SOURCE or PACKRS_FIELD_EXTENSION */
} module;

typedef struct corpus {
    module *m;
    size_t n, cap;
} corpus;

/* Iteration counts; --quick shrinks them for a smoke run. */
static struct {
    int open_iters, verify_iters, lookup_rounds, fs_rounds;
} cfg = {2000, 20, 1000, 20};

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

/* Deterministic xorshift64*, so every run probes in the same order. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static void shuffle(size_t *v, size_t n, uint64_t seed)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rng_next(&seed) % i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Writes "a" sep "b" to out[n]; dies rather than truncate a path. */
static void join(char *out, size_t n, const char *a, const char *sep,
                 const char *b)
{
    int k = snprintf(out, n, "%s%s%s", a, sep, b);
    if (k < 0 || (size_t)k >= n)
        die("path too long", b);
}

/* Reads the whole file at path into a malloc'd buffer; *len gets its size. */
static void *slurp(const char *path, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0)
        die(path, strerror(errno));
    char *buf = xmalloc((size_t)st.st_size);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k <= 0)
            die(path, k ? strerror(errno) : "short read");
        got += (size_t)k;
    }
    close(fd);
    *len = got;
    return buf;
}

/* ---- collecting the stdlib -------------------------------------------- */

static void corpus_add(corpus *c, const char *name, const char *path,
                       uint32_t kind, int field)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        module *m = realloc(c->m, c->cap * sizeof *m);
        if (!m)
            die("realloc", strerror(errno));
        c->m = m;
    }
    module *m = &c->m[c->n++];
    m->name = xstrdup(name);
    m->name_len = strlen(name);
    m->path = xstrdup(path);
    m->kind = kind;
    m->field = field;
}

/* Directories a packer leaves out of a stdlib, plus anything that is not a
 * Python identifier (config-3.11-x86_64-linux-gnu is not a package). */
static int skip_dir(const char *d)
{
    static const char *skip[] = {"test", "tests", "idlelib", "tkinter",
                                 "turtledemo", "__pycache__", "site-packages",
                                 "dist-packages", "lib-dynload"};
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (!strcmp(d, skip[i]))
            return 1;
    if (d[0] >= '0' && d[0] <= '9')
        return 1;
    return strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_") != strlen(d);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* Adds the .py file `file` in dir (package prefix pkg, "" at top level). */
static void add_py(corpus *c, const char *dir, const char *pkg,
                   const char *file)
{
    char path[4096], name[1024];
    size_t stem = strlen(file) - 3;
    join(path, sizeof path, dir, "/", file);
    if (!strcmp(file, "__init__.py")) {
        if (!pkg[0])
            return; /* a stray top-level __init__.py is no module */
        corpus_add(c, pkg, path, PACKRS_KIND_MODULE | PACKRS_KIND_PACKAGE,
                   PACKRS_FIELD_SOURCE);
        return;
    }
    snprintf(name, sizeof name, "%s%s%.*s", pkg, pkg[0] ? "." : "", (int)stem,
             file);
    corpus_add(c, name, path, PACKRS_KIND_MODULE, PACKRS_FIELD_SOURCE);
}

/* Walks dir recursively, naming modules below the dotted prefix pkg. */
static void walk(corpus *c, const char *dir, const char *pkg)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        die(dir, strerror(errno));
    while ((e = readdir(d))) {
        char sub[4096], subpkg[1024];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        join(sub, sizeof sub, dir, "/", e->d_name);
        if (stat(sub, &st) != 0)
            continue;
        if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".py")) {
            add_py(c, dir, pkg, e->d_name);
        } else if (S_ISDIR(st.st_mode) && !skip_dir(e->d_name)) {
            join(subpkg, sizeof subpkg, pkg, pkg[0] ? "." : "", e->d_name);
            walk(c, sub, subpkg);
        }
    }
    closedir(d);
}

/* Adds lib-dynload/NAME.cpython-*.so (or NAME.so) as extension NAME. */
static void walk_dynload(corpus *c, const char *root)
{
    char dir[4096];
    DIR *d;
    struct dirent *e;
    join(dir, sizeof dir, root, "/", "lib-dynload");
    if (!(d = opendir(dir)))
        return; /* a stdlib without lib-dynload is still a stdlib */
    while ((e = readdir(d))) {
        char path[4096], name[256];
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".so"))
            continue;
        join(path, sizeof path, dir, "/", e->d_name);
        snprintf(name, sizeof name, "%.*s", (int)strcspn(e->d_name, "."),
                 e->d_name);
        corpus_add(c, name, path, PACKRS_KIND_EXTENSION, PACKRS_FIELD_EXTENSION);
    }
    closedir(d);
}

/* ---- building the blob ------------------------------------------------ */

static void check(int rc, const char *what, const char *msg)
{
    if (rc != PACKRS_OK) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s (%s)", packrs_strerror(rc), msg);
        die(what, detail);
    }
}

/* Adds module m and its fields to w. The BYTECODE field is a stand-in
 * holding the source bytes again: real marshalled bytecode is produced later
 * by pyembed-pack, which needs libpython; the size is what matters here. */
static void add_module(packrs_writer *w, const module *m)
{
    size_t len;
    void *bytes = slurp(m->path, &len);
    int rc = packrs_writer_add_resource(w, m->name, m->kind);
    if (rc == PACKRS_EDUPLICATE) /* e.g. a name that is both .py and .so */
        rc = packrs_writer_add_kind(w, m->name, m->kind);
    check(rc, m->name, packrs_writer_errmsg(w));
    check(packrs_writer_add_field(w, m->name, m->field, NULL, bytes, len, 0),
          m->name, packrs_writer_errmsg(w));
    if (m->field == PACKRS_FIELD_SOURCE)
        check(packrs_writer_add_field(w, m->name, PACKRS_FIELD_BYTECODE, NULL,
                                      bytes, len, 0),
              m->name, packrs_writer_errmsg(w));
    free(bytes);
}

static void build_blob(const corpus *c, const char *path)
{
    packrs_writer *w;
    check(packrs_writer_create(&w), "packrs_writer_create", "");
    for (size_t i = 0; i < c->n; i++)
        add_module(w, &c->m[i]);
    check(packrs_writer_finish_file(w, path), path, packrs_writer_errmsg(w));
    packrs_writer_free(w);
}

static packrs_reader *open_or_die(const char *path)
{
    packrs_reader *r;
    int rc = packrs_reader_open_file(&r, path);
    check(rc, path, packrs_reader_errmsg(r));
    return r;
}

/* ---- results table ---------------------------------------------------- */

typedef struct row {
    const char *metric;
    double value;       /* < 0: not measured */
    const char *unit;
    double target;      /* <= 0: no target */
    double baseline;    /* <= 0: no baseline */
    const char *base_name;
} row;

static row rows[32];
static size_t nrows;

static void report(const char *metric, double value, const char *unit,
                   double target, double baseline, const char *base_name)
{
    rows[nrows++] = (row){metric, value, unit, target, baseline, base_name};
}

/* "baseline / value" as "12.3x", or "45x slower" when below 1. */
static void fmt_ratio(char *out, size_t n, double baseline, double value)
{
    double q = baseline / value;
    if (q >= 1)
        snprintf(out, n, "%.1fx", q);
    else
        snprintf(out, n, "%.0fx slower", 1 / q);
}

static void print_table(void)
{
    printf("\n%-40s %14s  %-11s %-22s %s\n", "metric", "value", "target",
           "baseline", "ratio");
    for (size_t i = 0; i < nrows; i++) {
        const row *w = &rows[i];
        char val[32] = "n/a", tgt[32] = "", base[40] = "", ratio[24] = "";
        if (w->value >= 0)
            snprintf(val, sizeof val, "%.*f %s", w->value < 10 ? 3 : 1,
                     w->value, w->unit);
        if (w->target > 0 && w->value >= 0)
            snprintf(tgt, sizeof tgt, "< %g %s", w->target,
                     w->value < w->target ? "PASS" : "MISS");
        if (w->baseline > 0 && w->value > 0) {
            snprintf(base, sizeof base, "%.*f %s", w->baseline < 10 ? 3 : 1,
                     w->baseline, w->base_name);
            fmt_ratio(ratio, sizeof ratio, w->baseline, w->value);
        }
        printf("%-40s %14s  %-11s %-22s %s\n", w->metric, val, tgt, base,
               ratio);
    }
    printf("ratio = baseline / value (>1: packrs is that many times faster)\n");
}

/* ---- open ------------------------------------------------------------- */

/* Median ns of open_file + one find (the reader is then lookup-ready), with
 * the blob in page cache. free() is not timed. */
static double time_open(const char *path, const module *probe)
{
    double *t = xmalloc((size_t)cfg.open_iters * sizeof *t);
    for (int i = 0; i < cfg.open_iters; i++) {
        packrs_reader *r;
        packrs_resource res;
        double t0 = now_ns();
        int rc = packrs_reader_open_file(&r, path);
        if (rc == PACKRS_OK)
            rc = packrs_reader_find(r, probe->name, probe->name_len, &res);
        t[i] = now_ns() - t0;
        check(rc, "open+find", packrs_reader_errmsg(r));
        packrs_reader_free(r);
    }
    double med = median(t, (size_t)cfg.open_iters);
    free(t);
    return med;
}

/* Median ns of open_file + packrs_reader_verify (every checksum). */
static double time_verify(const char *path)
{
    double t[64];
    int n = cfg.verify_iters < 64 ? cfg.verify_iters : 64;
    for (int i = 0; i < n; i++) {
        double t0 = now_ns();
        packrs_reader *r = open_or_die(path);
        check(packrs_reader_verify(r), "verify", packrs_reader_errmsg(r));
        t[i] = now_ns() - t0;
        packrs_reader_free(r);
    }
    return median(t, (size_t)n);
}

/* Bytes of [p, p+len) resident in page cache according to mincore(). */
static double resident_bytes(const void *p, size_t len)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(pg - 1);
    size_t span = len + ((uintptr_t)p - base), npages = (span + pg - 1) / pg;
    unsigned char *vec = xmalloc(npages);
    double bytes = 0;
    if (mincore((void *)base, span, vec) != 0)
        die("mincore", strerror(errno));
    for (size_t i = 0; i < npages; i++)
        bytes += (vec[i] & 1) ? (double)pg : 0;
    free(vec);
    return bytes;
}

/* Maps path read-only; MADV_RANDOM when random (faults then read only the
 * faulting page, no readahead). */
static void *map_file(const char *path, size_t *len, int random)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0)
        die(path, strerror(errno));
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        die("mmap", strerror(errno));
    if (random && madvise(p, (size_t)st.st_size, MADV_RANDOM) != 0)
        die("madvise", strerror(errno));
    *len = (size_t)st.st_size;
    return p;
}

/* Writes back and drops the blob's clean pages from the page cache, then
 * checks with mincore() that none is left. Returns 0 on success; -1 where
 * the kernel cannot drop them (tmpfs, or another process maps the file). */
static int drop_cache(const char *path)
{
    size_t len;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    if (fd < 0)
        return -1;
    rc = fdatasync(fd) || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    if (rc)
        return -1;
    void *p = map_file(path, &len, 0);
    rc = resident_bytes(p, len) > 0 ? -1 : 0;
    munmap(p, len);
    return rc;
}

/* Resident bytes after a cold open_file + one find, as the reader maps it
 * (default readahead): an upper bound on what open reads. -1 if the page
 * cache could not be dropped. */
static double cold_open_resident(const char *path, const module *probe)
{
    packrs_reader *r;
    packrs_resource res;
    size_t len;
    if (drop_cache(path) != 0)
        return -1;
    r = open_or_die(path);
    check(packrs_reader_find(r, probe->name, probe->name_len, &res), "find",
          packrs_reader_errmsg(r));
    const void *blob = packrs_reader_blob(r, &len);
    double bytes = resident_bytes(blob, len);
    packrs_reader_free(r);
    return bytes;
}

/* Same, but the blob is mapped by us with MADV_RANDOM and opened with
 * open_memory: only the pages open actually faults in are read. */
static double cold_open_random(const char *path, const module *probe)
{
    packrs_reader *r;
    packrs_resource res;
    size_t len;
    if (drop_cache(path) != 0)
        return -1;
    void *p = map_file(path, &len, 1);
    check(packrs_reader_open_memory(&r, p, len), "open_memory",
          packrs_reader_errmsg(r));
    check(packrs_reader_find(r, probe->name, probe->name_len, &res), "find",
          packrs_reader_errmsg(r));
    double bytes = resident_bytes(p, len);
    packrs_reader_free(r);
    munmap(p, len);
    return bytes;
}

/* Exact count, independent of the page cache: the blob is mapped PROT_NONE
 * and each page the reader faults on is made readable and counted. */
static volatile sig_atomic_t faults;
static uintptr_t fault_lo, fault_hi;
static long fault_pg;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    (void)ctx;
    if (a < fault_lo || a >= fault_hi) { /* a real crash: let it happen */
        signal(sig, SIG_DFL);
        return;
    }
    a &= ~(uintptr_t)(fault_pg - 1);
    mprotect((void *)a, (size_t)fault_pg, PROT_READ);
    faults++;
}

static double open_pages_touched(const char *path, const module *probe)
{
    struct sigaction sa = {0}, old;
    packrs_reader *r;
    packrs_resource res;
    size_t len;
    void *p = map_file(path, &len, 0);
    fault_pg = sysconf(_SC_PAGESIZE);
    fault_lo = (uintptr_t)p;
    fault_hi = fault_lo + len;
    faults = 0;
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    mprotect(p, len, PROT_NONE);
    check(packrs_reader_open_memory(&r, p, len), "open_memory",
          packrs_reader_errmsg(r));
    check(packrs_reader_find(r, probe->name, probe->name_len, &res), "find",
          packrs_reader_errmsg(r));
    double bytes = (double)faults * (double)fault_pg;
    packrs_reader_free(r);
    sigaction(SIGSEGV, &old, NULL);
    munmap(p, len);
    return bytes;
}

/* ---- lookups ---------------------------------------------------------- */

static volatile uintptr_t sink;

/* One pass of find (and, if field, the module's main field, zero-copy:
 * only the pointer and first byte are used) over names in order. Returns
 * mean ns per module. */
static double lookup_pass(packrs_reader *r, const corpus *c, const size_t *order,
                          int rounds, int field)
{
    uintptr_t acc = 0;
    double t0 = now_ns();
    for (int k = 0; k < rounds; k++) {
        for (size_t i = 0; i < c->n; i++) {
            const module *m = &c->m[order[i]];
            packrs_resource res;
            packrs_field f;
            if (packrs_reader_find(r, m->name, m->name_len, &res) != PACKRS_OK)
                die("find", m->name);
            acc += res.index;
            if (field && packrs_resource_field(r, &res, m->field, NULL, &f))
                die("field", m->name);
            if (field)
                acc += *(const unsigned char *)f.data;
        }
    }
    double dt = now_ns() - t0;
    sink = acc;
    return dt / ((double)rounds * (double)c->n);
}

/* Mean ns of a miss: each name with ".__missing__" appended, as an importer
 * probing for a submodule that does not exist. */
static double lookup_miss(packrs_reader *r, const corpus *c, const size_t *order)
{
    char **miss = xmalloc(c->n * sizeof *miss);
    uintptr_t acc = 0;
    for (size_t i = 0; i < c->n; i++) {
        miss[i] = xmalloc(c->m[order[i]].name_len + 13);
        sprintf(miss[i], "%s.__missing__", c->m[order[i]].name);
    }
    double t0 = now_ns();
    for (int k = 0; k < cfg.lookup_rounds; k++)
        for (size_t i = 0; i < c->n; i++) {
            packrs_resource res;
            acc += packrs_reader_find(r, miss[i], strlen(miss[i]), &res) ==
                   PACKRS_ENOTFOUND;
        }
    double dt = now_ns() - t0;
    if (acc != (uintptr_t)cfg.lookup_rounds * c->n)
        die("miss lookup", "a missing name was found");
    for (size_t i = 0; i < c->n; i++)
        free(miss[i]);
    free(miss);
    return dt / ((double)cfg.lookup_rounds * (double)c->n);
}

/* ---- filesystem baseline ---------------------------------------------- */

/* Mean ns per module of stat(path): what a path finder pays per probe. */
static double fs_stat(const corpus *c, const size_t *order)
{
    struct stat st;
    uintptr_t acc = 0;
    double t0 = now_ns();
    for (int k = 0; k < cfg.fs_rounds; k++)
        for (size_t i = 0; i < c->n; i++) {
            if (stat(c->m[order[i]].path, &st) != 0)
                die(c->m[order[i]].path, strerror(errno));
            acc += (uintptr_t)st.st_size;
        }
    double dt = now_ns() - t0;
    sink = acc;
    return dt / ((double)cfg.fs_rounds * (double)c->n);
}

/* Mean ns per module of open+fstat+read (whole file)+close, page cache warm. */
static double fs_read(const corpus *c, const size_t *order)
{
    size_t cap = 1 << 20;
    char *buf = xmalloc(cap);
    uintptr_t acc = 0;
    double t0 = now_ns();
    for (int k = 0; k < cfg.fs_rounds; k++)
        for (size_t i = 0; i < c->n; i++) {
            struct stat st;
            int fd = open(c->m[order[i]].path, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || fstat(fd, &st) != 0)
                die(c->m[order[i]].path, strerror(errno));
            if ((size_t)st.st_size > cap) {
                free(buf);
                buf = xmalloc(cap = (size_t)st.st_size);
            }
            acc += (uintptr_t)read(fd, buf, (size_t)st.st_size);
            close(fd);
        }
    double dt = now_ns() - t0;
    sink = acc;
    free(buf);
    return dt / ((double)cfg.fs_rounds * (double)c->n);
}

/* ---- main ------------------------------------------------------------- */

static size_t *identity(size_t n)
{
    size_t *v = xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = i;
    return v;
}

static void print_stats(const corpus *c, const char *root, const char *path)
{
    size_t ext = 0, pkg = 0;
    struct stat st;
    for (size_t i = 0; i < c->n; i++) {
        ext += c->m[i].field == PACKRS_FIELD_EXTENSION;
        pkg += (c->m[i].kind & PACKRS_KIND_PACKAGE) != 0;
    }
    if (stat(path, &st) != 0)
        die(path, strerror(errno));
    printf("stdlib     %s\n", root);
    printf("blob       %zu resources (%zu modules of which %zu packages, "
           "%zu extensions), %.2f MiB (%lld bytes)\n",
           c->n, c->n - ext, pkg, ext, (double)st.st_size / 1048576.0,
           (long long)st.st_size);
    printf("           SOURCE + stand-in BYTECODE per module, EXTENSION per .so, "
           "stored uncompressed\n");
}

/* Times open (warm), measures what a cold open reads, and verify. */
static void bench_open(const char *blob, const corpus *c)
{
    const module *probe = &c->m[0];
    double open_ns = time_open(blob, probe);
    double touched = open_pages_touched(blob, probe);
    double rnd = cold_open_random(blob, probe);
    double ra = cold_open_resident(blob, probe);
    report("open_file + first find (warm, median)", open_ns / 1e6, "ms",
           TARGET_OPEN_MS, 0, "");
    report("open: blob pages touched (exact)", touched / 1024, "KiB",
           TARGET_READ_KIB, 0, "");
    report("open: read from disk, MADV_RANDOM", rnd < 0 ? -1 : rnd / 1024, "KiB",
           TARGET_READ_KIB, 0, "");
    report("open: read from disk, readahead", ra < 0 ? -1 : ra / 1024,
           "KiB", 0, 0, "");
    report("open_file + verify (full, median)", time_verify(blob) / 1e6, "ms",
           0, 0, "");
    rows[nrows - 1].baseline = open_ns / 1e6; /* ratio <1: verify is slower */
    rows[nrows - 1].base_name = "ms open";
}

/* Times lookups and field access, then the filesystem baseline. */
static void bench_lookup(const char *blob, const corpus *c, size_t *order)
{
    packrs_reader *r = open_or_die(blob);
    double first = lookup_pass(r, c, order, 1, 0);
    double warm = lookup_pass(r, c, order, cfg.lookup_rounds, 0);
    double miss = lookup_miss(r, c, order);
    packrs_reader_free(r);
    r = open_or_die(blob); /* fresh: field checksums not yet checked */
    double ffirst = lookup_pass(r, c, order, 1, 1);
    double fwarm = lookup_pass(r, c, order, cfg.lookup_rounds, 1);
    packrs_reader_free(r);
    double st = fs_stat(c, order), rd = fs_read(c, order);
    report("find, warm (mean)", warm, "ns", TARGET_LOOKUP_NS, st, "ns stat()");
    report("find, first touch (validates entry)", first, "ns", 0, st,
           "ns stat()");
    report("find, miss (mean)", miss, "ns", 0, st, "ns stat()");
    report("find + field, warm (zero-copy)", fwarm, "ns", 0, rd,
           "ns open+read");
    report("find + field, first touch (+checksums)", ffirst, "ns", 0, rd,
           "ns open+read");
}

int main(int argc, char **argv)
{
    const char *root = "/usr/lib/python3.11";
    const char *tmp = getenv("TMPDIR");
    char dir[4096], blob[4200];
    corpus c = {0};
    bench_name = "bench_reader";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            cfg.open_iters = 1000, cfg.lookup_rounds = 20, cfg.fs_rounds = 2,
            cfg.verify_iters = 5;
        else
            root = argv[i];
    }
    walk(&c, root, "");
    walk_dynload(&c, root);
    if (c.n == 0)
        die(root, "no .py files found");
    join(dir, sizeof dir, tmp && *tmp ? tmp : "/tmp", "/", "bench_reader.XXXXXX");
    if (!mkdtemp(dir))
        die("mkdtemp", strerror(errno));
    join(blob, sizeof blob, dir, "/", "stdlib.packrs");
    build_blob(&c, blob);
    print_stats(&c, root, blob);
    size_t *order = identity(c.n);
    shuffle(order, c.n, 0x9E3779B97F4A7C15ULL);
    bench_open(blob, &c);
    bench_lookup(blob, &c, order);
    print_table();
    unlink(blob);
    rmdir(dir);
    for (size_t i = 0; i < c.n; i++)
        free(c.m[i].name), free(c.m[i].path);
    free(c.m);
    free(order);
    return 0;
}
