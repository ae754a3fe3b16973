/*
 * test_writer.c — packrs_writer: round trips of every field type and kind,
 * compression, determinism, finish_file, and everything the writer must
 * refuse (docs/format.md §4, §5, §8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"

/* Asserts res has field (type, key) whose plain bytes are data[0..len). */
static void expect_field(packrs_reader *r, const packrs_resource *res, int type,
                         const char *key, const void *data, size_t len)
{
    packrs_field f;
    const void *p;
    size_t n;
    void *owned;
    int rc = packrs_resource_field(r, res, type, key, &f);
    if (rc)
        fail_msg("field %s %s: %d %s", packrs_field_type_name(type),
                 key ? key : "", rc, packrs_reader_errmsg(r));
    assert_int_equal(f.type, type);
    assert_string_equal(f.name, key ? key : "");
    assert_int_equal(f.name_len, key ? strlen(key) : 0);
    assert_int_equal(f.uncompressed_size, len);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_OK);
    assert_int_equal(n, len);
    if (len)
        assert_memory_equal(p, data, len);
    assert_true(owned == NULL || owned == p);
    packrs_free(owned);
}

/* Finds name in r, asserting success. */
static packrs_resource find_ok(packrs_reader *r, const char *name)
{
    packrs_resource res;
    int rc = packrs_reader_find(r, name, strlen(name), &res);
    if (rc)
        fail_msg("find(%s): %d %s", name, rc, packrs_reader_errmsg(r));
    return res;
}

/* Asserts rc is code and the writer's message contains needle. */
static void expect_reject(packrs_writer *w, int rc, int code, const char *needle)
{
    const char *msg = packrs_writer_errmsg(w);
    assert_int_equal(rc, code);
    assert_true(msg[0] != 0);
    if (!strstr(msg, needle))
        fail_msg("errmsg \"%s\" does not mention \"%s\"", msg, needle);
}

/* One of every field type, with several keys for the keyed ones. */
static const struct {
    int type;
    const char *key;
    const char *data;
} every_field[] = {
    {PACKRS_FIELD_SOURCE, NULL, "def f():\n    return 1\n"},
    {PACKRS_FIELD_BYTECODE, NULL, "\xe3\x01" "bytecode-0"},
    {PACKRS_FIELD_BYTECODE_OPT1, NULL, "\xe3\x02" "bytecode-1"},
    {PACKRS_FIELD_BYTECODE_OPT2, NULL, "\xe3\x03" "bytecode-2"},
    {PACKRS_FIELD_EXTENSION, NULL, "\x7f" "ELF extension"},
    {PACKRS_FIELD_DATA_FILE, "z.txt", "last data file"},
    {PACKRS_FIELD_DATA_FILE, "a.txt", "first data file"},
    {PACKRS_FIELD_DATA_FILE, "sub/dir/b.bin", "\x01\x02\x03"},
    {PACKRS_FIELD_DISTINFO_FILE, "METADATA", "Name: demo\n"},
    {PACKRS_FIELD_DISTINFO_FILE, "RECORD", "demo/__init__.py,,\n"},
    {PACKRS_FIELD_FS_PATH, NULL, "demo/__init__.py"},
    {PACKRS_FIELD_SHARED_LIB, NULL, "\x7f" "ELF libdemo.so"},
    {PACKRS_FIELD_METADATA, NULL, "{\"run\": \"demo:main\"}"},
};
#define N_EVERY (sizeof every_field / sizeof every_field[0])

static void test_writer__round_trip_every_field_type(void **state)
{
    packrs_writer *w = writer_new();
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    packrs_resource res;
    (void)state;
    add_res(w, "demo", PACKRS_KIND_PACKAGE);
    for (size_t i = 0; i < N_EVERY; i++)
        add_field(w, "demo", every_field[i].type, every_field[i].key,
                  every_field[i].data, strlen(every_field[i].data), 0);
    blob = finish(w, &len);
    r = open_ok(blob, len);
    res = find_ok(r, "demo");
    assert_int_equal(res.field_count, N_EVERY);
    for (size_t i = 0; i < N_EVERY; i++)
        expect_field(r, &res, every_field[i].type, every_field[i].key,
                     every_field[i].data, strlen(every_field[i].data));
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
}

/* field_at order is (type, key bytes), whatever the insertion order. */
static void test_writer__fields_sorted_by_type_and_key(void **state)
{
    packrs_writer *w = writer_new();
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    packrs_resource res;
    packrs_field prev, f;
    (void)state;
    add_res(w, "demo", 0);
    for (size_t i = N_EVERY; i-- > 0;)
        add_field(w, "demo", every_field[i].type, every_field[i].key,
                  every_field[i].data, strlen(every_field[i].data), 0);
    blob = finish(w, &len);
    r = open_ok(blob, len);
    res = find_ok(r, "demo");
    for (uint32_t i = 0; i < res.field_count; i++, prev = f) {
        assert_int_equal(packrs_resource_field_at(r, &res, i, &f), PACKRS_OK);
        if (i)
            assert_true(prev.type < f.type ||
                        (prev.type == f.type && strcmp(prev.name, f.name) < 0));
    }
    assert_int_equal(packrs_resource_field_at(r, &res, res.field_count, &f),
                     PACKRS_ENOTFOUND);
    packrs_reader_free(r);
    free(blob);
}

static void test_writer__round_trip_every_kind(void **state)
{
    static const char *names[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "kall", "knone"};
    uint32_t kinds[9];
    packrs_writer *w = writer_new();
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    (void)state;
    for (int i = 0; i < 7; i++)
        kinds[i] = 1u << i;
    kinds[7] = PACKRS_KIND_ALL;
    kinds[8] = 0;
    for (int i = 0; i < 9; i++)
        add_res(w, names[i], kinds[i]);
    blob = finish(w, &len);
    r = open_ok(blob, len);
    for (int i = 0; i < 9; i++)
        assert_int_equal(find_ok(r, names[i]).kind, kinds[i]);
    packrs_reader_free(r);
    free(blob);
}

static void test_writer__add_kind_ors_bits(void **state)
{
    packrs_writer *w = writer_new();
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    (void)state;
    add_res(w, "m", PACKRS_KIND_MODULE);
    assert_int_equal(packrs_writer_add_kind(w, "m", PACKRS_KIND_DATA), PACKRS_OK);
    expect_reject(w, packrs_writer_add_kind(w, "nope", PACKRS_KIND_DATA),
                  PACKRS_ENOTFOUND, "nope");
    expect_reject(w, packrs_writer_add_kind(w, "m", 1u << 7), PACKRS_EINVAL, "kind");
    blob = finish(w, &len);
    r = open_ok(blob, len);
    assert_int_equal(find_ok(r, "m").kind, PACKRS_KIND_MODULE | PACKRS_KIND_DATA);
    packrs_reader_free(r);
    free(blob);
}

/* Builds a one-field blob of data[0..n) with flags and opens it. */
static packrs_reader *one_field(const void *data, size_t n, unsigned flags,
                                unsigned char **blob, packrs_field *f)
{
    packrs_writer *w = writer_new();
    packrs_resource res;
    size_t len;
    packrs_reader *r;
    add_res(w, "m", PACKRS_KIND_MODULE);
    add_field(w, "m", PACKRS_FIELD_BYTECODE, NULL, data, n, flags);
    *blob = finish(w, &len);
    r = open_ok(*blob, len);
    res = find_ok(r, "m");
    assert_int_equal(packrs_resource_field(r, &res, PACKRS_FIELD_BYTECODE, NULL, f),
                     PACKRS_OK);
    return r;
}

/* zstd: stored compressed (flag 2), the blob is version 2 (a zlib-only or
 * stored blob stays version 1), and it reads back. */
static void test_writer__zstd_compressible_is_compressed(void **state)
{
    unsigned char *data = bytes_compressible(10000), *blob, *blob1;
    packrs_field f, f1;
    packrs_reader *r = one_field(data, 10000, PACKRS_FIELD_ZSTD, &blob, &f);
    packrs_reader *r1 = one_field(data, 10000, PACKRS_FIELD_ZLIB, &blob1, &f1);
    const void *p;
    size_t n;
    void *owned = NULL;
    (void)state;
    assert_int_equal(f.compressed, PACKRS_FIELD_ZSTD);
    assert_true(f.size < 10000 / 4);
    assert_int_equal(blob[8], 2);
    assert_int_equal(blob1[8], 1);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_OK);
    assert_int_equal(n, 10000);
    assert_memory_equal(p, data, 10000);
    packrs_free(owned);
    packrs_reader_free(r);
    packrs_reader_free(r1);
    free(blob);
    free(blob1);
    free(data);
}

static void test_writer__zlib_compressible_is_compressed(void **state)
{
    unsigned char *data = bytes_compressible(10000), *blob;
    packrs_field f;
    packrs_reader *r = one_field(data, 10000, PACKRS_FIELD_ZLIB, &blob, &f);
    const void *p;
    size_t n;
    void *owned = NULL;
    (void)state;
    assert_int_equal(f.compressed, 1);
    assert_true(f.size < 10000 / 4);
    assert_int_equal(f.uncompressed_size, 10000);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_OK);
    assert_non_null(owned);
    assert_ptr_equal(p, owned);
    assert_int_equal(n, 10000);
    assert_memory_equal(p, data, 10000);
    packrs_free(owned);
    packrs_reader_free(r);
    free(blob);
    free(data);
}

static void test_writer__zlib_incompressible_is_stored(void **state)
{
    unsigned char *data = bytes_random(4096, 7), *blob;
    packrs_field f;
    packrs_reader *r = one_field(data, 4096, PACKRS_FIELD_ZLIB, &blob, &f);
    const void *p;
    size_t n;
    void *owned = (void *)1;
    (void)state;
    assert_int_equal(f.compressed, 0);
    assert_int_equal(f.size, 4096);
    assert_int_equal(f.uncompressed_size, 4096);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_OK);
    assert_null(owned);
    assert_ptr_equal(p, f.data);
    assert_memory_equal(p, data, 4096);
    packrs_reader_free(r);
    free(blob);
    free(data);
}

/* Tiny fields are never worth compressing: stored even with ZLIB. */
static void test_writer__zlib_tiny_is_stored(void **state)
{
    unsigned char *data = bytes_compressible(64), *blob;
    packrs_field f;
    packrs_reader *r = one_field(data, 64, PACKRS_FIELD_ZLIB, &blob, &f);
    (void)state;
    assert_int_equal(f.compressed, 0);
    assert_memory_equal(f.data, data, 64);
    packrs_reader_free(r);
    free(blob);
    free(data);
}

static void test_writer__empty_field(void **state)
{
    unsigned char *blob;
    packrs_field f;
    packrs_reader *r = one_field(NULL, 0, PACKRS_FIELD_ZLIB, &blob, &f);
    const void *p = NULL;
    size_t n = 99;
    void *owned = (void *)1;
    (void)state;
    assert_int_equal(f.compressed, 0);
    assert_int_equal(f.size, 0);
    assert_int_equal(f.uncompressed_size, 0);
    assert_int_equal(packrs_field_read(r, &f, &p, &n, &owned), PACKRS_OK);
    assert_int_equal(n, 0);
    assert_null(owned);
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
}

/* Fills w with the same content, resources in order ord[] and each
 * resource's fields forwards or backwards. */
static void fill_in_order(packrs_writer *w, const int *ord, int backwards)
{
    static const char *names[] = {"alpha", "beta", "gamma", "delta", "b\xc3\xa9ta"};
    unsigned char *big = bytes_compressible(2000);
    for (int i = 0; i < 5; i++)
        add_res(w, names[ord[i]], PACKRS_KIND_MODULE);
    for (int k = 0; k < 5; k++) {
        const char *n = names[ord[k]];
        for (size_t j = 0; j < N_EVERY; j++) {
            size_t i = backwards ? N_EVERY - 1 - j : j;
            add_field(w, n, every_field[i].type, every_field[i].key,
                      every_field[i].data, strlen(every_field[i].data), 0);
        }
        add_field(w, n, PACKRS_FIELD_DISTINFO_FILE, "big", big, 2000, PACKRS_FIELD_ZLIB);
    }
    free(big);
}

static void test_writer__deterministic_across_orders(void **state)
{
    static const int orders[3][5] = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}};
    unsigned char *first = NULL;
    size_t first_len = 0;
    (void)state;
    for (int o = 0; o < 3; o++)
        for (int back = 0; back < 2; back++) {
            packrs_writer *w = writer_new();
            size_t len;
            unsigned char *blob;
            fill_in_order(w, orders[o], back);
            blob = finish(w, &len);
            if (!first) {
                first = blob, first_len = len;
                continue;
            }
            assert_int_equal(len, first_len);
            assert_memory_equal(blob, first, len);
            free(blob);
        }
    free(first);
}

/* The test vector of docs/format.md §8: the empty blob, byte by byte. */
static void test_writer__empty_blob_test_vector(void **state)
{
    static const unsigned char head[] = {
        0x89, 'P', 'K', 'R', '\r', '\n', 0x1a, '\n', 1, 0, 0, 0, 0, 0, 0, 0, /* magic, version, flags */
        208, 0, 0, 0, 0, 0, 0, 0, 0xE1, 0xF8, 0xF5, 0xEE, 0xC6, 0xDA, 0x55, 0x6A, /* size, sum */
        8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, /* buckets, resources, fields, hsize */
        128, 0, 0, 0, 0, 0, 0, 0, 192, 0, 0, 0, 0, 0, 0, 0, /* bucket, entry offsets */
        192, 0, 0, 0, 0, 0, 0, 0, 192, 0, 0, 0, 0, 0, 0, 0, /* field, string offsets */
        1, 0, 0, 0, 0, 0, 0, 0, 208, 0, 0, 0, 0, 0, 0, 0, /* strings_size, data offset */
    };
    size_t len;
    unsigned char *blob = finish(writer_new(), &len);
    (void)state;
    assert_int_equal(len, 208);
    assert_memory_equal(blob, head, sizeof head);
    for (size_t i = sizeof head; i < len; i++) /* data_size, reserved, tables: zero */
        assert_int_equal(blob[i], 0);
    free(blob);
}

static void test_writer__finish_file_matches_buffer(void **state)
{
    static const int ord[5] = {0, 1, 2, 3, 4};
    char *dir = tmpdir_new(), *path = path_join(dir, "out.packrs");
    packrs_writer *w = writer_new();
    void *buf;
    size_t len, flen;
    unsigned char *file;
    (void)state;
    fill_in_order(w, ord, 0);
    assert_int_equal(packrs_writer_finish_buffer(w, &buf, &len), PACKRS_OK);
    assert_int_equal(packrs_writer_finish_file(w, path), PACKRS_OK);
    file = file_read(path, &flen);
    assert_int_equal(flen, len);
    assert_memory_equal(file, buf, len);
    assert_int_equal(dir_count(dir), 1); /* no path.tmp-* left behind */
    free(file);
    packrs_free(buf);
    packrs_writer_free(w);
    free(path);
    tmpdir_free(dir);
}

/* Replacing an existing file is atomic and leaves only the new file. */
static void test_writer__finish_file_replaces(void **state)
{
    char *dir = tmpdir_new(), *path = path_join(dir, "out.packrs");
    packrs_writer *w = writer_new();
    packrs_reader *r = NULL;
    (void)state;
    file_write(path, "old contents", 12);
    add_res(w, "m", 0);
    assert_int_equal(packrs_writer_finish_file(w, path), PACKRS_OK);
    assert_int_equal(packrs_reader_open_file(&r, path), PACKRS_OK);
    assert_int_equal(packrs_reader_count(r), 1);
    assert_int_equal(dir_count(dir), 1);
    packrs_reader_free(r);
    packrs_writer_free(w);
    free(path);
    tmpdir_free(dir);
}

static void test_writer__finish_file_bad_dir(void **state)
{
    char *dir = tmpdir_new(), *path = path_join(dir, "missing/out.packrs");
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "m", 0);
    expect_reject(w, packrs_writer_finish_file(w, path), PACKRS_EIO, "missing");
    assert_int_equal(dir_count(dir), 0);
    packrs_writer_free(w);
    free(path);
    tmpdir_free(dir);
}

static void test_writer__rejects_empty_and_null_name(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    expect_reject(w, packrs_writer_add_resource(w, "", 0), PACKRS_EINVAL, "empty");
    expect_reject(w, packrs_writer_add_resource(w, NULL, 0), PACKRS_EINVAL, "empty");
    packrs_writer_free(w);
}

static void test_writer__rejects_duplicate_resource(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "pkg", PACKRS_KIND_PACKAGE);
    expect_reject(w, packrs_writer_add_resource(w, "pkg", PACKRS_KIND_MODULE),
                  PACKRS_EDUPLICATE, "pkg");
    add_res(w, "pkg2", PACKRS_KIND_PACKAGE); /* a prefix match is no duplicate */
    packrs_writer_free(w);
}

static void test_writer__rejects_duplicate_field(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "p", 0);
    add_field(w, "p", PACKRS_FIELD_SOURCE, NULL, "a", 1, 0);
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_SOURCE, NULL, "b", 1, 0),
                  PACKRS_EDUPLICATE, "duplicate");
    add_field(w, "p", PACKRS_FIELD_DATA_FILE, "x/y", "a", 1, 0);
    add_field(w, "p", PACKRS_FIELD_DISTINFO_FILE, "x/y", "a", 1, 0); /* other type */
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_DATA_FILE, "x/y",
                                             "b", 1, PACKRS_FIELD_ZLIB),
                  PACKRS_EDUPLICATE, "x/y");
    packrs_writer_free(w);
}

/* Names are C strings, so a NUL cannot be embedded through this API;
 * only the length limit of §4.1 (65535 bytes) can be crossed. */
static void test_writer__name_length_limit(void **state)
{
    packrs_writer *w = writer_new();
    char *name = malloc(65537);
    (void)state;
    assert_non_null(name);
    memset(name, 'n', 65536);
    name[65536] = 0;
    expect_reject(w, packrs_writer_add_resource(w, name, 0), PACKRS_ELIMIT, "65535");
    name[65535] = 0;
    add_res(w, name, 0);
    free(name);
    packrs_writer_free(w);
}

/* Keys may be as long as names (§5.4: at most 65535 bytes). Above that
 * the writer refuses with ELIMIT, as for every limit (§8). */
static void test_writer__key_length_limit(void **state)
{
    packrs_writer *w = writer_new();
    char *key = malloc(65537);
    (void)state;
    assert_non_null(key);
    memset(key, 'k', 65536);
    key[65536] = 0;
    add_res(w, "p", 0);
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_DATA_FILE, key,
                                             "x", 1, 0), PACKRS_ELIMIT, "65535");
    key[65535] = 0;
    add_field(w, "p", PACKRS_FIELD_DATA_FILE, key, "x", 1, 0);
    free(key);
    packrs_writer_free(w);
}

/* A finish sorts the resources; the writer's name index must follow, or
 * add_field on an existing resource says ENOTFOUND and add_resource
 * accepts a duplicate (§4.7). (A regression test: it once did.) */
static void test_writer__usable_after_finish(void **state)
{
    packrs_writer *w = writer_new();
    void *buf;
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    (void)state;
    for (char c = 'z'; c >= 'a'; c--) /* reverse order: the sort moves all */
        add_res(w, (char[]){c, 0}, 0);
    assert_int_equal(packrs_writer_finish_buffer(w, &buf, &len), PACKRS_OK);
    packrs_free(buf);
    assert_int_equal(packrs_writer_add_resource(w, "q", 0), PACKRS_EDUPLICATE);
    assert_int_equal(packrs_writer_add_field(w, "q", PACKRS_FIELD_SOURCE, NULL, "x", 1, 0),
                     PACKRS_OK);
    assert_int_equal(packrs_writer_add_kind(w, "b", PACKRS_KIND_MODULE), PACKRS_OK);
    blob = finish(w, &len);
    r = open_ok(blob, len);
    assert_int_equal(packrs_reader_count(r), 26);
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
}

static void test_writer__rejects_bad_keys(void **state)
{
    static const char *bad[] = {"/etc/passwd", "/", "", "..", ".", "a/../b",
                                "../a", "a/..", "a/./b", "./a", "a/.", "a//b",
                                "a/", "//a"};
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "p", 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = packrs_writer_add_field(w, "p", PACKRS_FIELD_DATA_FILE, bad[i], "x", 1, 0);
        if (rc != PACKRS_EINVAL)
            fail_msg("key \"%s\" accepted (%d)", bad[i], rc);
        expect_reject(w, rc, PACKRS_EINVAL, "path");
        expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_DISTINFO_FILE,
                                                 bad[i], "x", 1, 0),
                      PACKRS_EINVAL, "path");
    }
    packrs_writer_free(w);
}

static void test_writer__accepts_odd_but_valid_keys(void **state)
{
    static const char *good[] = {"a", "...", ".hidden", "a/.b", "a..b", "..a",
                                 "a/b/c/d.txt", "sp ace", "\xc3\xa9t\xc3\xa9"};
    packrs_writer *w = writer_new();
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    packrs_resource res;
    (void)state;
    add_res(w, "p", 0);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        add_field(w, "p", PACKRS_FIELD_DATA_FILE, good[i], good[i], strlen(good[i]), 0);
    blob = finish(w, &len);
    r = open_ok(blob, len);
    res = find_ok(r, "p");
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        expect_field(r, &res, PACKRS_FIELD_DATA_FILE, good[i], good[i], strlen(good[i]));
    packrs_reader_free(r);
    free(blob);
}

static void test_writer__rejects_key_mismatch(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "p", 0);
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_SOURCE, "k", "x", 1, 0),
                  PACKRS_EINVAL, "no key");
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_METADATA, "", "x", 1, 0),
                  PACKRS_EINVAL, "no key");
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_DATA_FILE, NULL, "x", 1, 0),
                  PACKRS_EINVAL, "(null)");
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_DISTINFO_FILE, NULL, "x",
                                             1, 0),
                  PACKRS_EINVAL, "(null)");
    packrs_writer_free(w);
}

static void test_writer__rejects_unknown_field_type(void **state)
{
    static const int bad[] = {0, -1, PACKRS_FIELD_TYPE_MAX + 1, 0x10000};
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "p", 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_reject(w, packrs_writer_add_field(w, "p", bad[i], NULL, "x", 1, 0),
                      PACKRS_EINVAL, "unknown field type");
    packrs_writer_free(w);
}

static void test_writer__rejects_unknown_kind_bits(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    expect_reject(w, packrs_writer_add_resource(w, "p", PACKRS_KIND_ALL + 1),
                  PACKRS_EINVAL, "kind");
    expect_reject(w, packrs_writer_add_resource(w, "p", 0x80000000u), PACKRS_EINVAL,
                  "kind");
    add_res(w, "p", PACKRS_KIND_ALL); /* the failures added nothing */
    packrs_writer_free(w);
}

static void test_writer__rejects_field_on_unknown_resource(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    expect_reject(w, packrs_writer_add_field(w, "ghost", PACKRS_FIELD_SOURCE, NULL,
                                             "x", 1, 0),
                  PACKRS_ENOTFOUND, "ghost");
    add_res(w, "real", 0);
    expect_reject(w, packrs_writer_add_field(w, "ghost", PACKRS_FIELD_SOURCE, NULL,
                                             "x", 1, 0),
                  PACKRS_ENOTFOUND, "ghost");
    expect_reject(w, packrs_writer_add_field(w, NULL, PACKRS_FIELD_SOURCE, NULL, "x",
                                             1, 0),
                  PACKRS_ENOTFOUND, "no resource");
    packrs_writer_free(w);
}

static void test_writer__rejects_bad_data_and_flags(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    add_res(w, "p", 0);
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_SOURCE, NULL, NULL, 1, 0),
                  PACKRS_EINVAL, "data");
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_SOURCE, NULL, "x", 1, 4),
                  PACKRS_EINVAL, "flags");
    expect_reject(w, packrs_writer_add_field(w, "p", PACKRS_FIELD_SOURCE, NULL, "x", 1,
                                             PACKRS_FIELD_ZLIB | PACKRS_FIELD_ZSTD),
                  PACKRS_EINVAL, "flags");
    add_field(w, "p", PACKRS_FIELD_SOURCE, NULL, "x", 1, 0); /* nothing was added */
    packrs_writer_free(w);
}

static void test_writer__null_arguments(void **state)
{
    packrs_writer *w = writer_new();
    void *buf;
    size_t len;
    (void)state;
    assert_int_equal(packrs_writer_create(NULL), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_add_resource(NULL, "a", 0), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_add_kind(NULL, "a", 0), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_add_field(NULL, "a", 1, NULL, "x", 1, 0), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_finish_buffer(NULL, &buf, &len), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_finish_buffer(w, NULL, &len), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_finish_buffer(w, &buf, NULL), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_finish_file(NULL, "x"), PACKRS_EINVAL);
    assert_int_equal(packrs_writer_finish_file(w, NULL), PACKRS_EINVAL);
    assert_string_equal(packrs_writer_errmsg(NULL), "no writer");
    packrs_writer_free(w);
    packrs_writer_free(NULL);
}

static void test_writer__fresh_writer_has_no_message(void **state)
{
    packrs_writer *w = writer_new();
    (void)state;
    assert_string_equal(packrs_writer_errmsg(w), "");
    packrs_writer_free(w);
}

static void test_writer__strerror_and_type_names(void **state)
{
    (void)state;
    for (int c = 1; c >= -20; c--)
        assert_non_null(packrs_strerror(c));
    assert_string_equal(packrs_strerror(PACKRS_OK), "ok");
    assert_string_equal(packrs_strerror(PACKRS_ECHECKSUM), "checksum mismatch");
    assert_string_equal(packrs_strerror(12345), "unknown error");
    assert_string_equal(packrs_field_type_name(PACKRS_FIELD_SOURCE), "source");
    assert_string_equal(packrs_field_type_name(PACKRS_FIELD_METADATA), "metadata");
    assert_string_equal(packrs_field_type_name(0), "?");
    assert_string_equal(packrs_field_type_name(PACKRS_FIELD_TYPE_MAX + 1), "?");
    assert_int_equal(packrs_version_number(), PACKRS_VERSION_NUMBER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer__round_trip_every_field_type),
        cmocka_unit_test(test_writer__fields_sorted_by_type_and_key),
        cmocka_unit_test(test_writer__round_trip_every_kind),
        cmocka_unit_test(test_writer__add_kind_ors_bits),
        cmocka_unit_test(test_writer__zlib_compressible_is_compressed),
        cmocka_unit_test(test_writer__zstd_compressible_is_compressed),
        cmocka_unit_test(test_writer__zlib_incompressible_is_stored),
        cmocka_unit_test(test_writer__zlib_tiny_is_stored),
        cmocka_unit_test(test_writer__empty_field),
        cmocka_unit_test(test_writer__deterministic_across_orders),
        cmocka_unit_test(test_writer__empty_blob_test_vector),
        cmocka_unit_test(test_writer__finish_file_matches_buffer),
        cmocka_unit_test(test_writer__finish_file_replaces),
        cmocka_unit_test(test_writer__finish_file_bad_dir),
        cmocka_unit_test(test_writer__rejects_empty_and_null_name),
        cmocka_unit_test(test_writer__rejects_duplicate_resource),
        cmocka_unit_test(test_writer__rejects_duplicate_field),
        cmocka_unit_test(test_writer__name_length_limit),
        cmocka_unit_test(test_writer__key_length_limit),
        cmocka_unit_test(test_writer__rejects_bad_keys),
        cmocka_unit_test(test_writer__accepts_odd_but_valid_keys),
        cmocka_unit_test(test_writer__rejects_key_mismatch),
        cmocka_unit_test(test_writer__rejects_unknown_field_type),
        cmocka_unit_test(test_writer__rejects_unknown_kind_bits),
        cmocka_unit_test(test_writer__rejects_field_on_unknown_resource),
        cmocka_unit_test(test_writer__rejects_bad_data_and_flags),
        cmocka_unit_test(test_writer__null_arguments),
        cmocka_unit_test(test_writer__fresh_writer_has_no_message),
        cmocka_unit_test(test_writer__strerror_and_type_names),
        cmocka_unit_test(test_writer__usable_after_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
