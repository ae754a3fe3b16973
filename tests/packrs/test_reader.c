/*
 * test_reader.c — packrs_reader: lookup, iteration order, field access and
 * alignment, large blobs, the three ways to open a blob (memory, file,
 * executable; docs/format.md §3, §6, §7), and releasing a field's pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blobs.h"
#include "format_int.h"
#include <xxhash.h>

#define STRIP "/usr/bin/strip"
#define HOST_EXE "/bin/true"

/* Finds name (len bytes) in r, asserting success. */
static packrs_resource find_ok(packrs_reader *r, const char *name, size_t len)
{
    packrs_resource res;
    int rc = packrs_reader_find(r, name, len, &res);
    if (rc)
        fail_msg("find(%.*s): %d %s", (int)len, name, rc, packrs_reader_errmsg(r));
    assert_int_equal(res.name_len, len);
    assert_memory_equal(res.name, name, len);
    assert_int_equal(res.name[len], 0);
    return res;
}

/* Asserts that name[0..len) is not in r. */
static void expect_absent(packrs_reader *r, const char *name, size_t len)
{
    packrs_resource res;
    assert_int_equal(packrs_reader_find(r, name, len, &res), PACKRS_ENOTFOUND);
}

/* Asserts res's unkeyed field of type holds exactly text. */
static void expect_text(packrs_reader *r, const packrs_resource *res, int type,
                        const char *text, size_t len)
{
    packrs_field f;
    const void *p;
    size_t n;
    void *owned;
    assert_int_equal(packrs_resource_field(r, res, type, NULL, &f), PACKRS_OK);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_OK);
    assert_int_equal(n, len);
    assert_memory_equal(p, text, len);
    packrs_free(owned);
}

/* A blob with one resource per name, each with its name as SOURCE. */
static unsigned char *blob_of_names(const char *const *names, size_t n, size_t *len)
{
    packrs_writer *w = writer_new();
    for (size_t i = 0; i < n; i++) {
        add_res(w, names[i], PACKRS_KIND_MODULE);
        add_field(w, names[i], PACKRS_FIELD_SOURCE, NULL, names[i], strlen(names[i]), 0);
    }
    return finish(w, len);
}

/* Asserts every field's data of r is 16-aligned in memory (§6.1: true
 * whenever the blob start is, as for mapped files and embedded blobs). */
static void expect_aligned_in_memory(packrs_reader *r)
{
    for (size_t i = 0; i < packrs_reader_count(r); i++) {
        packrs_resource res;
        assert_int_equal(packrs_reader_get(r, i, &res), PACKRS_OK);
        for (uint32_t j = 0; j < res.field_count; j++) {
            packrs_field f;
            assert_int_equal(packrs_resource_field_at(r, &res, j, &f), PACKRS_OK);
            assert_int_equal((uintptr_t)f.data % 16, 0);
        }
    }
}

/* Asserts the small sample blob, mapped from a file, is fully readable
 * through r. */
static void expect_small(packrs_reader *r)
{
    packrs_resource res;
    assert_int_equal(packrs_reader_count(r), small_count);
    expect_aligned_in_memory(r);
    res = find_ok(r, "pkg.mod", 7);
    expect_text(r, &res, PACKRS_FIELD_SOURCE, "print('hi')\n", 12);
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
}

static void test_reader__find_every_name(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r = open_ok(blob, len);
    (void)state;
    for (size_t i = 0; i < small_count; i++) {
        packrs_resource res = find_ok(r, small_names[i], strlen(small_names[i]));
        assert_int_equal(res.index, i);
    }
    assert_int_equal(find_ok(r, "pkg", 3).kind, PACKRS_KIND_PACKAGE | PACKRS_KIND_DATA);
    assert_int_equal(find_ok(r, "z", 1).field_count, 1);
    packrs_reader_free(r);
    free(blob);
}

static void test_reader__absent_names(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res;
    (void)state;
    expect_absent(r, "", 0);
    expect_absent(r, NULL, 0);
    expect_absent(r, "pk", 2);
    expect_absent(r, "pkgx", 4);
    expect_absent(r, "PKG", 3);
    expect_absent(r, "pkg\0", 4); /* a NUL is part of the name, not its end */
    expect_absent(r, "pkg.mo", 6);
    expect_absent(r, "zz", 2);
    assert_string_equal(packrs_reader_errmsg(r), "no such resource");
    find_ok(r, "pkg.modXYZ", 3); /* names need not be NUL-terminated */
    find_ok(r, "pkg.modXYZ", 7);
    assert_int_equal(packrs_reader_find(r, NULL, 1, &res), PACKRS_EINVAL);
    assert_int_equal(packrs_reader_find(r, "pkg", 3, NULL), PACKRS_EINVAL);
    packrs_reader_free(r);
    free(blob);
}

/* strcmp-order of two C strings, as qsort wants it. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_reader__iteration_sorted_by_name_bytes(void **state)
{
    const char *names[] = {"b", "a", "B", "a.b", "a\xff", "\xc3\xa9t\xc3\xa9", "aa",
                           "_x", "A", "a-b", "~", "\x01"};
    size_t n = sizeof names / sizeof names[0], len;
    unsigned char *blob = blob_of_names(names, n, &len);
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res;
    (void)state;
    qsort(names, n, sizeof names[0], cmp_str); /* strcmp compares unsigned bytes */
    assert_int_equal(packrs_reader_count(r), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(packrs_reader_get(r, i, &res), PACKRS_OK);
        assert_string_equal(res.name, names[i]);
        assert_int_equal(res.index, i);
    }
    assert_int_equal(packrs_reader_get(r, n, &res), PACKRS_ENOTFOUND);
    packrs_reader_free(r);
    free(blob);
}

static void test_reader__field_by_type_and_key(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res = find_ok(r, "pkg", 3);
    packrs_field f, g;
    (void)state;
    assert_int_equal(res.field_count, 4);
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_DATA_FILE, "data/a.txt", &f),
                     PACKRS_OK);
    assert_int_equal(f.size, 5);
    assert_memory_equal(f.data, "hello", 5);
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_DATA_FILE, "b", &f), PACKRS_OK);
    assert_int_equal(f.size, 0);
    /* field_at walks (type, key) order: source, bytecode, data "b", data "data/a.txt" */
    assert_int_equal(packrs_resource_field_at(r, &res, 2, &g), PACKRS_OK);
    assert_string_equal(g.name, "b");
    assert_int_equal(packrs_resource_field_at(r, &res, 3, &g), PACKRS_OK);
    assert_string_equal(g.name, "data/a.txt");
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_DATA_FILE, "c", &f),
                     PACKRS_ENOTFOUND);
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_DATA_FILE, NULL, &f),
                     PACKRS_ENOTFOUND);
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_SOURCE, "x", &f),
                     PACKRS_ENOTFOUND);
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_METADATA, NULL, &f),
                     PACKRS_ENOTFOUND);
    assert_int_equal(packrs_resource_field(r, &res, 99, NULL, &f), PACKRS_ENOTFOUND);
    assert_int_equal(packrs_resource_field_at(r, &res, 4, &f), PACKRS_ENOTFOUND);
    packrs_reader_free(r);
    free(blob);
}

static void test_reader__field_decompress(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len), *want = bytes_compressible(300), dst[300];
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res = find_ok(r, "pkg", 3);
    packrs_field f;
    (void)state;
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_BYTECODE, NULL, &f),
                     PACKRS_OK);
    assert_int_equal(f.compressed, 1);
    assert_int_equal(packrs_field_decompress(r, &f, dst, sizeof dst), PACKRS_OK);
    assert_memory_equal(dst, want, 300);
    assert_int_equal(packrs_field_decompress(r, &f, dst, 299), PACKRS_EINVAL);
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_SOURCE, NULL, &f), PACKRS_OK);
    assert_int_equal(packrs_field_decompress(r, &f, dst, 6), PACKRS_OK); /* stored: a copy */
    assert_memory_equal(dst, "x = 1\n", 6);
    packrs_reader_free(r);
    free(want);
    free(blob);
}

/* Every field's data starts 16-aligned relative to the blob (§6.1). */
static void test_reader__field_data_16_aligned(void **state)
{
    packrs_writer *w = writer_new();
    unsigned char *blob, *rnd = bytes_random(200, 3);
    size_t len;
    packrs_reader *r;
    (void)state;
    for (int i = 0; i < 17; i++) {
        char name[8], key[8];
        snprintf(name, sizeof name, "m%d", i);
        add_res(w, name, 0);
        add_field(w, name, PACKRS_FIELD_SOURCE, NULL, rnd, (size_t)i * 3, 0);
        snprintf(key, sizeof key, "k%d", i);
        add_field(w, name, PACKRS_FIELD_DATA_FILE, key, rnd, (size_t)i + 1, 0);
    }
    blob = finish(w, &len);
    r = open_ok(blob, len);
    for (size_t i = 0; i < packrs_reader_count(r); i++) {
        packrs_resource res;
        assert_int_equal(packrs_reader_get(r, i, &res), PACKRS_OK);
        for (uint32_t j = 0; j < res.field_count; j++) {
            packrs_field f;
            assert_int_equal(packrs_resource_field_at(r, &res, j, &f), PACKRS_OK);
            assert_int_equal(((const unsigned char *)f.data - blob) % 16, 0);
        }
    }
    packrs_reader_free(r);
    free(rnd);
    free(blob);
}

static void test_reader__two_thousand_resources(void **state)
{
    enum { N = 2000 };
    packrs_writer *w = writer_new();
    char name[32];
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    (void)state;
    for (int i = N - 1; i >= 0; i--) {
        snprintf(name, sizeof name, "pkg%d.mod%04d", i % 7, i);
        add_res(w, name, PACKRS_KIND_MODULE);
        add_field(w, name, PACKRS_FIELD_SOURCE, NULL, name, strlen(name), 0);
    }
    blob = finish(w, &len);
    r = open_ok(blob, len);
    assert_int_equal(packrs_reader_count(r), N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "pkg%d.mod%04d", i % 7, i);
        packrs_resource res = find_ok(r, name, strlen(name));
        expect_text(r, &res, PACKRS_FIELD_SOURCE, name, strlen(name));
        snprintf(name, sizeof name, "pkg%d.mod%04d", (i + 1) % 7, i);
        expect_absent(r, name, strlen(name));
    }
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
}

static void test_reader__names_of_many_lengths(void **state)
{
    static const size_t lens[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                                  127, 128, 255, 256, 1000, 4096, 65535};
    enum { N = sizeof lens / sizeof lens[0] };
    char *names[N];
    packrs_writer *w = writer_new();
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    (void)state;
    for (size_t i = 0; i < N; i++) {
        assert_non_null(names[i] = malloc(lens[i] + 1));
        memset(names[i], 'a' + (int)(i % 26), lens[i]);
        names[i][lens[i]] = 0;
        add_res(w, names[i], 0);
        add_field(w, names[i], PACKRS_FIELD_FS_PATH, NULL, names[i], lens[i], 0);
    }
    blob = finish(w, &len);
    r = open_ok(blob, len);
    for (size_t i = 0; i < N; i++) {
        packrs_resource res = find_ok(r, names[i], lens[i]);
        expect_text(r, &res, PACKRS_FIELD_FS_PATH, names[i], lens[i]);
        expect_absent(r, names[i], lens[i] - 1 ? lens[i] - 1 : 0);
        free(names[i]);
    }
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
}

static void test_reader__empty_blob(void **state)
{
    size_t len;
    unsigned char *blob = finish(writer_new(), &len);
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res;
    size_t blen = 0;
    (void)state;
    assert_int_equal(packrs_reader_count(r), 0);
    expect_absent(r, "a", 1);
    assert_int_equal(packrs_reader_get(r, 0, &res), PACKRS_ENOTFOUND);
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    assert_ptr_equal(packrs_reader_blob(r, &blen), blob);
    assert_int_equal(blen, len);
    packrs_reader_free(r);
    free(blob);
}

static void test_reader__open_file(void **state)
{
    char *dir = tmpdir_new(), *path = path_join(dir, "app.packrs");
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r = NULL;
    (void)state;
    file_write(path, blob, len);
    assert_int_equal(packrs_reader_open_file(&r, path), PACKRS_OK);
    assert_string_equal(packrs_reader_errmsg(r), "");
    expect_small(r);
    packrs_reader_free(r);
    free(blob);
    free(path);
    tmpdir_free(dir);
}

static void test_reader__open_file_errors(void **state)
{
    char *dir = tmpdir_new(), *missing = path_join(dir, "missing"),
         *empty = path_join(dir, "empty");
    packrs_reader *r = NULL;
    (void)state;
    assert_int_equal(packrs_reader_open_file(&r, missing), PACKRS_EIO);
    assert_non_null(strstr(packrs_reader_errmsg(r), "missing"));
    packrs_reader_free(r);
    file_write(empty, "", 0);
    assert_int_equal(packrs_reader_open_file(&r, empty), PACKRS_ECORRUPT);
    assert_non_null(strstr(packrs_reader_errmsg(r), "§2.1"));
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_file(&r, NULL), PACKRS_EINVAL);
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_file(NULL, empty), PACKRS_EINVAL);
    free(missing);
    free(empty);
    tmpdir_free(dir);
}

/* Embeds blob_small() into a copy of host at dir/name; returns the path. */
static char *embed_into(const char *host, const char *dir, const char *name)
{
    char *out = path_join(dir, name), err[256];
    size_t len;
    unsigned char *blob = blob_small(&len);
    int rc = packrs_embed(host, blob, len, out, err, sizeof err);
    if (rc)
        fail_msg("packrs_embed(%s): %d %s", host, rc, err);
    free(blob);
    return out;
}

/* Asserts the executable at path carries the small blob. */
static void expect_exe_blob(const char *path)
{
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_exe(&r, path);
    if (rc)
        fail_msg("open_exe(%s): %d %s", path, rc, packrs_reader_errmsg(r));
    expect_small(r);
    packrs_reader_free(r);
}

/* Runs a shell command; asserts it exits 0. */
static void run(const char *fmt, const char *a, const char *b)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* Asserts file b (blen bytes) ends with a §7.2 trailer naming the blob
 * at off, as produced by blob_small(). */
static void expect_trailer(const unsigned char *b, size_t blen, size_t off)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    const unsigned char *t = b + blen - 32;
    assert_memory_equal(t, "\x89PKRend\n", 8);
    assert_int_equal(pk_rd64(t + 8), off);
    assert_int_equal(pk_rd64(t + 16), len);
    assert_int_equal(pk_rd64(t + 24), XXH3_64bits(t, 24));
    assert_true(off + len <= blen - 32);
    assert_memory_equal(b + off, blob, len);
    free(blob);
}

static void test_reader__open_exe_elf_section(void **state)
{
    char *dir = tmpdir_new(), *app = embed_into(HOST_EXE, dir, "app");
    size_t hlen, alen, blen;
    unsigned char *host = file_read(HOST_EXE, &hlen), *out = file_read(app, &alen);
    unsigned char *blob = blob_small(&blen);
    (void)state;
    /* §7.1: the input unchanged past the ELF header, then the blob at a
     * 4096 multiple; the trailer names the same bytes. */
    assert_true(alen > hlen + blen);
    assert_memory_equal(out + 64, host + 64, hlen - 64);
    expect_trailer(out, alen, (hlen + 4095) / 4096 * 4096);
    expect_exe_blob(app);
    run("'%s'%s", app, ""); /* the host still runs: it is /bin/true */
    free(blob);
    free(out);
    free(host);
    free(app);
    tmpdir_free(dir);
}

/* Strips a copy of the embedded exe with flags, then opens it. */
static void strip_and_open(const char *flags)
{
    char *dir = tmpdir_new(), *app = embed_into(HOST_EXE, dir, "app"),
         *out = path_join(dir, "stripped");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, STRIP " %s -o '%s' '%s'", flags, out, app);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
    expect_exe_blob(out); /* the trailer is gone; the section is not */
    run("'%s'%s", out, "");
    free(out);
    free(app);
    tmpdir_free(dir);
}

static void test_reader__open_exe_after_strip(void **state)
{
    (void)state;
    if (access(STRIP, X_OK) != 0)
        skip();
    strip_and_open("");
}

static void test_reader__open_exe_after_strip_all(void **state)
{
    (void)state;
    if (access(STRIP, X_OK) != 0)
        skip();
    strip_and_open("--strip-all");
}

/* Appends n junk bytes to the file at path. */
static void append_junk(const char *path, size_t n)
{
    FILE *f = fopen(path, "ab");
    unsigned char *junk = bytes_random(n, 99);
    assert_non_null(f);
    assert_int_equal(fwrite(junk, 1, n, f), n);
    fclose(f);
    free(junk);
}

static void test_reader__open_exe_with_appended_junk(void **state)
{
    char *dir = tmpdir_new(), *app = embed_into(HOST_EXE, dir, "app");
    (void)state;
    append_junk(app, 1000);
    expect_exe_blob(app);
    free(app);
    tmpdir_free(dir);
}

static void test_reader__open_exe_non_elf_trailer(void **state)
{
    char *dir = tmpdir_new(), *host = path_join(dir, "script.sh"), *app;
    packrs_reader *r = NULL;
    unsigned char *out;
    size_t alen;
    (void)state;
    file_write(host, "#!/bin/sh\necho not an ELF file\n", 32);
    app = embed_into(host, dir, "app");
    out = file_read(app, &alen);
    assert_memory_equal(out, "#!/bin/sh\n", 10); /* §7.2: input, pad to 16, blob */
    expect_trailer(out, alen, 32);
    free(out);
    expect_exe_blob(app);
    append_junk(app, 10); /* without an ELF section, the trailer must be last */
    assert_int_equal(packrs_reader_open_exe(&r, app), PACKRS_ENOBLOB);
    packrs_reader_free(r);
    free(app);
    free(host);
    tmpdir_free(dir);
}

static void test_reader__open_exe_without_blob(void **state)
{
    packrs_reader *r = NULL;
    (void)state;
    assert_int_equal(packrs_reader_open_exe(&r, HOST_EXE), PACKRS_ENOBLOB);
    assert_non_null(strstr(packrs_reader_errmsg(r), "no packrs blob"));
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_exe(&r, NULL), PACKRS_ENOBLOB); /* this test */
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_exe(&r, "/nonexistent/exe"), PACKRS_EIO);
    packrs_reader_free(r);
}

static void test_reader__embed_refuses_second_blob(void **state)
{
    char *dir = tmpdir_new(), *app = embed_into(HOST_EXE, dir, "app"),
         *again = path_join(dir, "again"), err[256];
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    assert_int_equal(packrs_embed(app, blob, len, again, err, sizeof err), PACKRS_EINVAL);
    assert_non_null(strstr(err, ".packrs"));
    assert_int_equal(access(again, F_OK), -1);
    assert_int_equal(dir_count(dir), 1); /* no temporary left behind */
    assert_int_equal(packrs_embed("/nonexistent", blob, len, again, err, sizeof err),
                     PACKRS_EIO);
    assert_non_null(strstr(err, "/nonexistent"));
    free(blob);
    free(again);
    free(app);
    tmpdir_free(dir);
}

/* Writes a copy of HOST_EXE to dir/name with the width bytes at off (from
 * the file's start, or from its section table when in_table) replaced by
 * v, little-endian; returns the path. */
static char *patched_host(const char *dir, const char *name, int in_table, size_t off,
                          uint64_t v, int width)
{
    size_t len;
    unsigned char *b = file_read(HOST_EXE, &len);
    char *path = path_join(dir, name);
    size_t at = (in_table ? (size_t)pk_rd64(b + 0x28) : 0) + off;
    assert_true(at + (size_t)width <= len);
    for (int i = 0; i < width; i++)
        b[at + i] = (unsigned char)(v >> (8 * i));
    file_write(path, b, len);
    free(b);
    return path;
}

/* §7.1: embed refuses an ELF whose added section the reader would not
 * find: no section table (e_shoff 0), a section name at the end of the
 * name table (it would name the appended ".packrs"), or a truncated ELF
 * header (the output would read as a malformed ELF, not by its trailer). */
static void test_reader__embed_refuses_unfindable_section(void **state)
{
    char *dir = tmpdir_new(), *out = path_join(dir, "out"), err[256];
    size_t len, hlen;
    unsigned char *blob = blob_small(&len), *host = file_read(HOST_EXE, &hlen);
    uint64_t shoff = pk_rd64(host + 0x28), strsz;
    char *no_table = patched_host(dir, "no-table", 0, 0x28, 0, 8), *at_end;
    (void)state;
    strsz = pk_rd64(host + shoff + pk_rd16(host + 0x3e) * 64u + 32);
    at_end = patched_host(dir, "name-at-end", 1, 64 + 0, strsz, 4); /* section 1 */
    assert_int_equal(packrs_embed(no_table, blob, len, out, err, sizeof err), PACKRS_EINVAL);
    assert_non_null(strstr(err, "section table"));
    assert_int_equal(packrs_embed(at_end, blob, len, out, err, sizeof err), PACKRS_EINVAL);
    assert_non_null(strstr(err, "section 1's name"));
    file_write(no_table, host, 20); /* starts like ELF64-LE */
    assert_int_equal(packrs_embed(no_table, blob, len, out, err, sizeof err), PACKRS_EINVAL);
    assert_non_null(strstr(err, "truncated ELF header"));
    assert_int_equal(access(out, F_OK), -1);
    free(no_table);
    free(at_end);
    free(host);
    free(blob);
    free(out);
    tmpdir_free(dir);
}

/* Asserts every call on the failed handle r answers PACKRS_EINVAL. */
static void expect_inert(packrs_reader *r)
{
    packrs_resource res = {0};
    packrs_field f = {0};
    const void *p;
    size_t n = 1;
    void *owned;
    char dst[1];
    assert_true(packrs_reader_errmsg(r)[0] != 0);
    assert_int_equal(packrs_reader_count(r), 0);
    assert_null(packrs_reader_blob(r, &n));
    assert_int_equal(n, 0);
    assert_int_equal(packrs_reader_get(r, 0, &res), PACKRS_EINVAL);
    assert_int_equal(packrs_reader_find(r, "pkg", 3, &res), PACKRS_EINVAL);
    assert_int_equal(packrs_resource_field_at(r, &res, 0, &f), PACKRS_EINVAL);
    assert_int_equal(packrs_resource_field(r, &res, 1, NULL, &f), PACKRS_EINVAL);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_EINVAL);
    assert_int_equal(packrs_field_decompress(r, &f, dst, 0), PACKRS_EINVAL);
    assert_int_equal(packrs_reader_verify(r), PACKRS_EINVAL);
}

static void test_reader__failed_open_is_inert(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r = NULL;
    (void)state;
    blob[0] ^= 1;
    assert_int_equal(packrs_reader_open_memory(&r, blob, len), PACKRS_ECORRUPT);
    expect_inert(r);
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_memory(&r, NULL, 10), PACKRS_EINVAL);
    expect_inert(r);
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_exe(&r, HOST_EXE), PACKRS_ENOBLOB);
    expect_inert(r);
    packrs_reader_free(r);
    assert_int_equal(packrs_reader_open_memory(NULL, blob, len), PACKRS_EINVAL);
    free(blob);
}

/* 1 when the page holding p is mapped in this process, 0 when not, -1
 * when the system cannot tell (no /proc/self/pagemap). */
static int page_mapped(const void *p)
{
    uint64_t entry;
    long page = sysconf(_SC_PAGESIZE);
    int fd = open("/proc/self/pagemap", O_RDONLY), ok;
    if (fd < 0 || page <= 0)
        return fd < 0 ? -1 : (close(fd), -1);
    ok = pread(fd, &entry, sizeof entry, (off_t)((uintptr_t)p / (uintptr_t)page * 8)) == 8;
    close(fd);
    return ok ? (int)(entry >> 63) : -1; /* bit 63: page present */
}

enum { REL_N = 8, REL_SIZE = 700 * 1024 }; /* 5.6 MB: several 2 MiB stretches */

/* A blob of REL_N resources "m0".."m7", each with a REL_SIZE BYTECODE of
 * bytes_random(REL_SIZE, i + 1). */
static unsigned char *blob_large(size_t *len)
{
    packrs_writer *w = writer_new();
    for (int i = 0; i < REL_N; i++) {
        char name[8];
        unsigned char *data = bytes_random(REL_SIZE, (uint32_t)i + 1);
        snprintf(name, sizeof name, "m%d", i);
        add_res(w, name, PACKRS_KIND_MODULE);
        add_field(w, name, PACKRS_FIELD_BYTECODE, NULL, data, REL_SIZE, 0);
        free(data);
    }
    return finish(w, len);
}

/* Field m<i> of r holds its bytes; returns it. */
static packrs_field large_field(packrs_reader *r, int i)
{
    char name[8];
    unsigned char *want = bytes_random(REL_SIZE, (uint32_t)i + 1);
    packrs_resource res;
    packrs_field f;
    snprintf(name, sizeof name, "m%d", i);
    res = find_ok(r, name, strlen(name));
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_BYTECODE, NULL, &f),
                     PACKRS_OK);
    assert_int_equal(f.size, REL_SIZE);
    assert_memory_equal(f.data, want, REL_SIZE);
    free(want);
    return f;
}

/* A mapped file: after release the pages inside the field are no longer
 * resident, and touching them again reads the same bytes. */
static void test_reader__release_drops_pages_keeps_bytes(void **state)
{
    char *dir = tmpdir_new(), *path = path_join(dir, "large.packrs");
    size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *blob = blob_large(&len);
    packrs_reader *r = NULL;
    (void)state;
    file_write(path, blob, len);
    assert_int_equal(packrs_reader_open_file(&r, path), PACKRS_OK);
    for (int i = 0; i < REL_N; i++) {
        packrs_field f = large_field(r, i);
        const unsigned char *inside = (const unsigned char *)f.data + page;
        int before = page_mapped(inside);
        assert_int_equal(packrs_field_release(r, &f), PACKRS_OK);
        if (before >= 0) {
            assert_int_equal(before, 1);
            assert_int_equal(page_mapped(inside), 0);
            assert_int_equal(page_mapped(inside + REL_SIZE - 2 * page), 0);
        }
        large_field(r, i); /* read back from the file */
    }
    for (int i = 0; i < REL_N; i++) /* after every release, in another order */
        large_field(r, (i * 3) % REL_N);
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
    free(path);
    tmpdir_free(dir);
}

/* A blob in the caller's memory is left alone (dropping anonymous pages
 * would zero them). */
static void test_reader__release_of_memory_blob_changes_nothing(void **state)
{
    size_t len;
    unsigned char *blob = blob_large(&len);
    packrs_reader *r = open_ok(blob, len);
    (void)state;
    for (int i = 0; i < REL_N; i++) {
        packrs_field f = large_field(r, i);
        assert_int_equal(packrs_field_release(r, &f), PACKRS_OK);
    }
    for (int i = 0; i < REL_N; i++)
        large_field(r, i);
    packrs_reader_free(r);
    free(blob);
}

/* Only a field of the same reader may be released. */
static void test_reader__release_checks_its_field(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len), *copy = dup_exact(blob, len);
    packrs_reader *r = open_ok(blob, len), *other = open_ok(copy, len);
    packrs_resource res = find_ok(r, "pkg.mod", 7);
    packrs_field f, bad;
    (void)state;
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_SOURCE, NULL, &f), PACKRS_OK);
    assert_int_equal(packrs_field_release(NULL, &f), PACKRS_EINVAL);
    assert_int_equal(packrs_field_release(r, NULL), PACKRS_EINVAL);
    assert_int_equal(packrs_field_release(other, &f), PACKRS_EINVAL);
    bad = f;
    bad.size = len;
    assert_int_equal(packrs_field_release(r, &bad), PACKRS_EINVAL);
    bad = f;
    bad.data = blob;
    assert_int_equal(packrs_field_release(r, &bad), PACKRS_EINVAL); /* the header */
    assert_int_equal(packrs_field_release(r, &f), PACKRS_OK);
    expect_text(r, &res, PACKRS_FIELD_SOURCE, "print('hi')\n", 12);
    packrs_reader_free(r);
    packrs_reader_free(other);
    free(copy);
    free(blob);
}

static void test_reader__null_handles(void **state)
{
    packrs_resource res;
    (void)state;
    packrs_reader_free(NULL);
    packrs_writer_free(NULL);
    assert_true(packrs_reader_errmsg(NULL)[0] != 0);
    assert_int_equal(packrs_reader_count(NULL), 0);
    assert_null(packrs_reader_blob(NULL, NULL));
    assert_int_equal(packrs_reader_get(NULL, 0, &res), PACKRS_EINVAL);
    assert_int_equal(packrs_reader_find(NULL, "a", 1, &res), PACKRS_EINVAL);
    assert_int_equal(packrs_reader_verify(NULL), PACKRS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader__find_every_name),
        cmocka_unit_test(test_reader__absent_names),
        cmocka_unit_test(test_reader__iteration_sorted_by_name_bytes),
        cmocka_unit_test(test_reader__field_by_type_and_key),
        cmocka_unit_test(test_reader__field_decompress),
        cmocka_unit_test(test_reader__field_data_16_aligned),
        cmocka_unit_test(test_reader__two_thousand_resources),
        cmocka_unit_test(test_reader__names_of_many_lengths),
        cmocka_unit_test(test_reader__empty_blob),
        cmocka_unit_test(test_reader__open_file),
        cmocka_unit_test(test_reader__open_file_errors),
        cmocka_unit_test(test_reader__open_exe_elf_section),
        cmocka_unit_test(test_reader__open_exe_after_strip),
        cmocka_unit_test(test_reader__open_exe_after_strip_all),
        cmocka_unit_test(test_reader__open_exe_with_appended_junk),
        cmocka_unit_test(test_reader__open_exe_non_elf_trailer),
        cmocka_unit_test(test_reader__open_exe_without_blob),
        cmocka_unit_test(test_reader__embed_refuses_second_blob),
        cmocka_unit_test(test_reader__embed_refuses_unfindable_section),
        cmocka_unit_test(test_reader__failed_open_is_inert),
        cmocka_unit_test(test_reader__release_drops_pages_keeps_bytes),
        cmocka_unit_test(test_reader__release_of_memory_blob_changes_nothing),
        cmocka_unit_test(test_reader__release_checks_its_field),
        cmocka_unit_test(test_reader__null_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
