/* blobs.c — shared fixtures of the libpackrs tests (see blobs.h). */
#include "blobs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const small_names[] = {"pkg", "pkg.mod", "z"};
const size_t small_count = 3;

packrs_writer *writer_new(void)
{
    packrs_writer *w = NULL;
    assert_int_equal(packrs_writer_create(&w), PACKRS_OK);
    assert_non_null(w);
    return w;
}

void add_res(packrs_writer *w, const char *name, uint32_t kind)
{
    int rc = packrs_writer_add_resource(w, name, kind);
    if (rc)
        fail_msg("add_resource(%.60s): %d %s", name, rc, packrs_writer_errmsg(w));
}

void add_field(packrs_writer *w, const char *res, int type, const char *key,
               const void *data, size_t len, unsigned flags)
{
    int rc = packrs_writer_add_field(w, res, type, key, data, len, flags);
    if (rc)
        fail_msg("add_field(%.60s, %d): %d %s", res, type, rc,
                 packrs_writer_errmsg(w));
}

unsigned char *finish(packrs_writer *w, size_t *len)
{
    void *buf = NULL;
    unsigned char *exact;
    int rc = packrs_writer_finish_buffer(w, &buf, len);
    if (rc)
        fail_msg("finish_buffer: %d %s", rc, packrs_writer_errmsg(w));
    packrs_writer_free(w);
    exact = dup_exact(buf, *len);
    packrs_free(buf);
    return exact;
}

unsigned char *blob_small(size_t *len)
{
    packrs_writer *w = writer_new();
    unsigned char *code = bytes_compressible(300);
    static const char lib[20] = "\x7f" "ELF fake library";
    /* Added out of order on purpose: the writer sorts. */
    add_res(w, "z", PACKRS_KIND_SHARED_LIB);
    add_res(w, "pkg.mod", PACKRS_KIND_MODULE);
    add_res(w, "pkg", PACKRS_KIND_PACKAGE | PACKRS_KIND_DATA);
    add_field(w, "pkg", PACKRS_FIELD_SOURCE, NULL, "x = 1\n", 6, 0);
    add_field(w, "pkg", PACKRS_FIELD_BYTECODE, NULL, code, 300, PACKRS_FIELD_ZLIB);
    add_field(w, "pkg", PACKRS_FIELD_DATA_FILE, "data/a.txt", "hello", 5, 0);
    add_field(w, "pkg", PACKRS_FIELD_DATA_FILE, "b", "", 0, 0);
    add_field(w, "pkg.mod", PACKRS_FIELD_SOURCE, NULL, "print('hi')\n", 12, 0);
    add_field(w, "z", PACKRS_FIELD_SHARED_LIB, NULL, lib, sizeof lib, 0);
    free(code);
    return finish(w, len);
}

unsigned char *dup_exact(const void *p, size_t n)
{
    unsigned char *q = malloc(n ? n : 1);
    assert_non_null(q);
    if (n)
        memcpy(q, p, n);
    return q;
}

packrs_reader *open_ok(const void *blob, size_t len)
{
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_memory(&r, blob, len);
    if (rc)
        fail_msg("open_memory: %d %s", rc, packrs_reader_errmsg(r));
    return r;
}

unsigned char *bytes_compressible(size_t n)
{
    static const char words[] = "import sys, os  # the quick brown fox\n";
    unsigned char *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)words[i % (sizeof words - 1)];
    return p;
}

unsigned char *bytes_random(size_t n, uint32_t seed)
{
    unsigned char *p = malloc(n ? n : 1);
    uint32_t x = seed ? seed : 1;
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)(x >> 24);
    }
    return p;
}

char *tmpdir_new(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = path_join(base && *base ? base : "/tmp", "packrs-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* nftw callback: removes one file or (emptied) directory. */
static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

void tmpdir_free(char *dir)
{
    if (dir)
        assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    free(dir);
}

char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void file_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

unsigned char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

size_t dir_count(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}
