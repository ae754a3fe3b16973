/*
 * test_corrupt.c — the reader against damaged and hostile blobs.
 *
 * Three kinds of damage: truncation (every length), random damage (every
 * bit position of a small blob, except padding, must be noticed) and
 * crafted damage (one field patched, the checksums resealed so the check
 * for that field, not a checksum, must catch it). Every rejection must
 * carry the right code and name its clause of docs/format.md ("§").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "format_int.h"
#include "reseal.h"

/* Asserts rc is code and r's message contains clause. */
static void expect_error(packrs_reader *r, int rc, int code, const char *clause)
{
    const char *msg = packrs_reader_errmsg(r);
    if (rc != code)
        fail_msg("got %d (%s), want %d; errmsg: %s", rc, packrs_strerror(rc), code, msg);
    if (!strstr(msg, clause))
        fail_msg("errmsg \"%s\" does not name %s", msg, clause);
}

/* Opens an exact-size copy of b; asserts it fails with code naming clause. */
static void expect_open_fails(const unsigned char *b, size_t len, int code,
                              const char *clause)
{
    unsigned char *copy = dup_exact(b, len);
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_memory(&r, copy, len); /* before reading r */
    expect_error(r, rc, code, clause);
    packrs_reader_free(r);
    free(copy);
}

/* Section offset stored at header offset off. */
static uint64_t hdr64(const unsigned char *b, int off)
{
    return pk_rd64(b + off);
}

/* Entry record i of blob b. */
static unsigned char *entry_rec(unsigned char *b, uint32_t i)
{
    return b + hdr64(b, PK_OFF_ENTRIES) + (size_t)i * PK_ENTRY_SIZE;
}

/* Field record i of blob b. */
static unsigned char *field_rec(unsigned char *b, uint32_t i)
{
    return b + hdr64(b, PK_OFF_FIELDS) + (size_t)i * PK_FIELD_SIZE;
}

/* ---- truncation ----------------------------------------------------- */

static void test_corrupt__every_truncation(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    for (size_t n = 0; n < len; n++)
        expect_open_fails(blob, n, PACKRS_ECORRUPT, n < PK_HEADER_SIZE ? "§2.1" : "§2.6");
    free(blob);
}

/* A truncated blob whose size field was fixed up still loses a section. */
static void test_corrupt__truncation_with_consistent_size(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    for (size_t n = PK_HEADER_SIZE; n < len; n++) {
        unsigned char *copy = dup_exact(blob, n);
        pk_wr64(copy + PK_OFF_BLOB_SIZE, n);
        reseal_header(copy, n);
        expect_open_fails(copy, n, PACKRS_ECORRUPT, "§2.8");
        free(copy);
    }
    free(blob);
}

/* ---- every bit ------------------------------------------------------ */

/* Marks [off, off + n) of map as covered. */
static void cover(unsigned char *map, uint64_t off, uint64_t n)
{
    memset(map + off, 1, n);
}

/* Which bytes of a writer-made blob some check covers: the header, the
 * tables, the string table, and each field's stored bytes. The rest is
 * padding (§2.8 gaps, §6.1 alignment): no checksum covers it and readers
 * do not look at it, by design. Caller frees. */
static unsigned char *covered_map(unsigned char *b, size_t len)
{
    unsigned char *map = calloc(1, len);
    uint32_t nf = pk_rd32(b + PK_OFF_FIELD_COUNT);
    assert_non_null(map);
    cover(map, 0, PK_HEADER_SIZE);
    cover(map, hdr64(b, PK_OFF_BUCKETS), pk_rd32(b + PK_OFF_BUCKET_COUNT) * (uint64_t)PK_BUCKET_SIZE);
    cover(map, hdr64(b, PK_OFF_ENTRIES), pk_rd32(b + PK_OFF_RESOURCE_COUNT) * (uint64_t)PK_ENTRY_SIZE);
    cover(map, hdr64(b, PK_OFF_FIELDS), nf * (uint64_t)PK_FIELD_SIZE);
    cover(map, hdr64(b, PK_OFF_STRINGS), hdr64(b, PK_OFF_STRINGS_LEN));
    for (uint32_t i = 0; i < nf; i++)
        cover(map, hdr64(b, PK_OFF_DATA) + pk_rd64(field_rec(b, i) + PK_F_OFFSET),
              pk_rd64(field_rec(b, i) + PK_F_SIZE));
    return map;
}

/* Every padding run is zero and shorter than the 16-byte alignment, so
 * padding is alignment only, never a hiding place for data. */
static void test_corrupt__padding_is_alignment_only(void **state)
{
    size_t len, run = 0, total = 0;
    unsigned char *blob = blob_small(&len), *map = covered_map(blob, len);
    (void)state;
    for (size_t i = 0; i < len; i++) {
        run = map[i] ? 0 : run + 1;
        total += !map[i];
        assert_true(run < PK_DATA_ALIGN);
        if (!map[i])
            assert_int_equal(blob[i], 0);
    }
    assert_true(total > 0); /* the sample does exercise padding */
    assert_int_equal(hdr64(blob, PK_OFF_DATA) + hdr64(blob, PK_OFF_DATA_LEN), len);
    free(map);
    free(blob);
}

/* Reads every field of res; returns the first error. */
static int read_all_fields(packrs_reader *r, const packrs_resource *res)
{
    for (uint32_t j = 0; j < res->field_count; j++) {
        packrs_field f;
        const void *p;
        size_t n;
        void *owned;
        int rc = packrs_resource_field_at(r, res, j, &f);
        if (!rc)
            rc = packrs_field_read(r, &f, &p, &n, &owned);
        if (rc)
            return rc;
        packrs_free(owned);
    }
    return PACKRS_OK;
}

/* Uses every part of the blob the way a program would; returns the first
 * error, or 0 when nothing looked wrong. */
static int use_everything(packrs_reader *r)
{
    packrs_resource res;
    int rc;
    for (size_t i = 0; i < packrs_reader_count(r); i++)
        if ((rc = packrs_reader_get(r, i, &res)) || (rc = read_all_fields(r, &res)))
            return rc;
    for (size_t i = 0; i < small_count; i++)
        if ((rc = packrs_reader_find(r, small_names[i], strlen(small_names[i]), &res)))
            return rc;
    return packrs_reader_verify(r);
}

/* 1 when the reader rejects the damaged blob b somewhere; asserts that the
 * code says corruption and the message names a clause. */
static int damage_noticed(const unsigned char *b, size_t len)
{
    unsigned char *copy = dup_exact(b, len);
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_memory(&r, copy, len);
    if (rc == PACKRS_OK)
        rc = use_everything(r);
    if (rc && rc != PACKRS_ENOTFOUND) {
        assert_true(rc == PACKRS_ECORRUPT || rc == PACKRS_ECHECKSUM ||
                    rc == PACKRS_EVERSION);
        assert_non_null(strstr(packrs_reader_errmsg(r), "§"));
    }
    packrs_reader_free(r);
    free(copy);
    return rc != PACKRS_OK;
}

static void test_corrupt__every_bit_flip_is_noticed(void **state)
{
    static const int bits[] = {0, 3, 7};
    size_t len;
    unsigned char *blob = blob_small(&len), *map = covered_map(blob, len);
    (void)state;
    assert_true(len > 300 && len < 2000);
    assert_int_equal(damage_noticed(blob, len), 0); /* the pristine blob is fine */
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof bits / sizeof bits[0]; k++) {
            int noticed;
            blob[i] ^= (unsigned char)(1u << bits[k]);
            noticed = damage_noticed(blob, len);
            blob[i] ^= (unsigned char)(1u << bits[k]);
            if (map[i] && !noticed)
                fail_msg("flipping bit %d of byte %zu went unnoticed", bits[k], i);
            if (!map[i] && noticed) /* §2.8, §6.1: padding is not checked */
                fail_msg("padding byte %zu is checked after all", i);
        }
    free(map);
    free(blob);
}

/* ---- hostile headers (resealed, so the field check itself must fire) -- */

enum { SET, ADD, FROM_LEN, XOR };

typedef struct hostile {
    const char *what;
    int off, width, mode; /* header field patched: SET v, ADD v, FROM_LEN v */
    uint64_t v;
    int code;
    const char *clause;
} hostile;

static const hostile hostiles[] = {
    {"data offset past the end", PK_OFF_DATA, 8, FROM_LEN, 16, PACKRS_ECORRUPT, "§2.8"},
    {"data offset 2^62", PK_OFF_DATA, 8, SET, 1ull << 62, PACKRS_ECORRUPT, "§2.8"},
    {"data offset near 2^64", PK_OFF_DATA, 8, SET, UINT64_MAX - 15, PACKRS_ECORRUPT, "§2.8"},
    {"strings overlap fields", PK_OFF_STRINGS, 8, ADD, (uint64_t)-16, PACKRS_ECORRUPT, "§2.8"},
    {"entries overlap buckets", PK_OFF_ENTRIES, 8, SET, 128, PACKRS_ECORRUPT, "§2.8"},
    {"buckets overlap header", PK_OFF_BUCKETS, 8, SET, 0, PACKRS_ECORRUPT, "§2.8"},
    {"sections out of order", PK_OFF_DATA, 8, SET, 128, PACKRS_ECORRUPT, "§2.8"},
    {"fields unaligned", PK_OFF_FIELDS, 8, ADD, 8, PACKRS_ECORRUPT, "§2.8"},
    {"data unaligned", PK_OFF_DATA, 8, ADD, 1, PACKRS_ECORRUPT, "§2.8"},
    {"strings_len near 2^64", PK_OFF_STRINGS_LEN, 8, SET, UINT64_MAX - 3, PACKRS_ECORRUPT, "§2.8"},
    {"strings_len 2^63", PK_OFF_STRINGS_LEN, 8, SET, 1ull << 63, PACKRS_ECORRUPT, "§2.8"},
    {"data_len near 2^64", PK_OFF_DATA_LEN, 8, SET, UINT64_MAX - 15, PACKRS_ECORRUPT, "§2.8"},
    {"data_len one too long", PK_OFF_DATA_LEN, 8, ADD, 1, PACKRS_ECORRUPT, "§2.8"},
    {"bucket count 0", PK_OFF_BUCKET_COUNT, 4, SET, 0, PACKRS_ECORRUPT, "§3.1"},
    {"bucket count 12", PK_OFF_BUCKET_COUNT, 4, SET, 12, PACKRS_ECORRUPT, "§3.1"},
    {"bucket count 2 < resources", PK_OFF_BUCKET_COUNT, 4, SET, 2, PACKRS_ECORRUPT, "§3.1"},
    {"bucket count 2^32-1", PK_OFF_BUCKET_COUNT, 4, SET, UINT32_MAX, PACKRS_ECORRUPT, "§3.1"},
    {"bucket count 2^31", PK_OFF_BUCKET_COUNT, 4, SET, 0x80000000u, PACKRS_ECORRUPT, "§2.8"},
    {"resources == buckets", PK_OFF_RESOURCE_COUNT, 4, SET, 8, PACKRS_ECORRUPT, "§3.1"},
    {"resources 2^32-1", PK_OFF_RESOURCE_COUNT, 4, SET, UINT32_MAX, PACKRS_ECORRUPT, "§3.1"},
    {"resources overrun entries", PK_OFF_RESOURCE_COUNT, 4, SET, 7, PACKRS_ECORRUPT, "§2.8"},
    {"fields 2^32-1", PK_OFF_FIELD_COUNT, 4, SET, UINT32_MAX, PACKRS_ECORRUPT, "§2.8"},
    {"fields overrun table", PK_OFF_FIELD_COUNT, 4, ADD, 1, PACKRS_ECORRUPT, "§2.8"},
    {"version 0", PK_OFF_VERSION, 4, SET, 0, PACKRS_EVERSION, "§2.3"},
    {"version 3", PK_OFF_VERSION, 4, SET, 3, PACKRS_EVERSION, "§2.3"},
    {"version 2^32-1", PK_OFF_VERSION, 4, SET, UINT32_MAX, PACKRS_EVERSION, "§2.3"},
    {"flags bit 0", PK_OFF_FLAGS, 4, SET, 1, PACKRS_ECORRUPT, "§2.4"},
    {"flags bit 31", PK_OFF_FLAGS, 4, SET, 0x80000000u, PACKRS_ECORRUPT, "§2.4"},
    {"header size 64", PK_OFF_HEADER_SIZE, 4, SET, 64, PACKRS_ECORRUPT, "§2.5"},
    {"header size 129", PK_OFF_HEADER_SIZE, 4, SET, 129, PACKRS_ECORRUPT, "§2.5"},
    {"blob size + 1", PK_OFF_BLOB_SIZE, 8, ADD, 1, PACKRS_ECORRUPT, "§2.6"},
    {"blob size - 1", PK_OFF_BLOB_SIZE, 8, ADD, (uint64_t)-1, PACKRS_ECORRUPT, "§2.6"},
    {"blob size 2^64-1", PK_OFF_BLOB_SIZE, 8, SET, UINT64_MAX, PACKRS_ECORRUPT, "§2.6"},
};

/* Applies h to the header of b (len bytes) and reseals it. */
static void apply(unsigned char *b, size_t len, const hostile *h)
{
    uint64_t old = h->width == 4 ? pk_rd32(b + h->off) : pk_rd64(b + h->off);
    uint64_t v = h->mode == SET ? h->v : h->mode == ADD ? old + h->v : len + h->v;
    if (h->width == 4)
        pk_wr32(b + h->off, (uint32_t)v);
    else
        pk_wr64(b + h->off, v);
    reseal_header(b, len);
}

static void test_corrupt__hostile_headers(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++) {
        unsigned char *copy = dup_exact(blob, len);
        print_message("hostile header: %s\n", hostiles[i].what);
        apply(copy, len, &hostiles[i]);
        expect_open_fails(copy, len, hostiles[i].code, hostiles[i].clause);
        free(copy);
    }
    free(blob);
}

static void test_corrupt__bad_magic(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    for (int i = 0; i < PK_MAGIC_LEN; i++) {
        blob[i] ^= 0x20; /* e.g. case or text-mode damage */
        expect_open_fails(blob, len, PACKRS_ECORRUPT, "§2.2");
        blob[i] ^= 0x20;
    }
    memcpy(blob, "\x89PKR\n\x1a\n\0", 8); /* CRLF -> LF conversion */
    expect_open_fails(blob, len, PACKRS_ECORRUPT, "§2.2");
    free(blob);
}

static void test_corrupt__reserved_header_bytes(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    for (int i = PK_OFF_RESERVED; i < PK_HEADER_SIZE; i++) {
        blob[i] = 0x40;
        reseal_header(blob, len);
        expect_open_fails(blob, len, PACKRS_ECORRUPT, "§2.7");
        blob[i] = 0;
    }
    free(blob);
}

static void test_corrupt__header_checksum(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    blob[PK_OFF_CHECKSUM + 3] ^= 1;
    expect_open_fails(blob, len, PACKRS_ECHECKSUM, "§2.9");
    blob[PK_OFF_CHECKSUM + 3] ^= 1;
    blob[hdr64(blob, PK_OFF_BUCKETS) + 5] ^= 0x10; /* the table is covered too */
    expect_open_fails(blob, len, PACKRS_ECHECKSUM, "§2.9");
    free(blob);
}

/* ---- hostile records (resealed) --------------------------------------- */

/* What is done to a sealed copy and how the damage must surface. */
enum { AT_GET, AT_READ, AT_VERIFY };
enum { ENTRY, FIELD };

typedef struct record_case {
    const char *what;
    int rec;         /* ENTRY or FIELD record ... */
    uint32_t idx;    /* ... number idx ... */
    int off, width;  /* ... field patched by mode (SET, ADD or XOR) with v */
    int mode;
    uint64_t v;
    int stage;       /* where it must fail: get(entry), read(entry, field), verify */
    uint32_t entry, field;
    int code;
    const char *clause;
} record_case;

/* The small blob: entries 0 "pkg" (fields 0 SOURCE, 1 BYTECODE zlib,
 * 2 DATA_FILE "b", 3 DATA_FILE "data/a.txt"), 1 "pkg.mod" (4 SOURCE),
 * 2 "z" (5 SHARED_LIB). Strings: "\0pkg\0b\0data/a.txt\0pkg.mod\0z\0". */
static const record_case records[] = {
    {"name length 0", ENTRY, 0, PK_E_NAME_LEN, 4, SET, 0, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.1"},
    {"name length 65536", ENTRY, 0, PK_E_NAME_LEN, 4, SET, 65536, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.1"},
    {"name past strings", ENTRY, 1, PK_E_NAME_OFF, 4, SET, 0x10000, AT_GET, 1, 0, PACKRS_ECORRUPT, "§4.2"},
    {"name offset 2^32-1", ENTRY, 1, PK_E_NAME_OFF, 4, SET, UINT32_MAX, AT_GET, 1, 0, PACKRS_ECORRUPT, "§4.2"},
    {"name unterminated", ENTRY, 0, PK_E_NAME_LEN, 4, SET, 2, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.2"},
    {"name holds a NUL", ENTRY, 0, PK_E_NAME_LEN, 4, SET, 5, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.2"},
    {"reserved kind bit", ENTRY, 0, PK_E_KIND, 4, SET, 0x80, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.3"},
    {"entry reserved word", ENTRY, 2, PK_E_RESERVED, 4, SET, 1, AT_GET, 2, 0, PACKRS_ECORRUPT, "§4.3"},
    {"fields past table", ENTRY, 2, PK_E_FIRST_FIELD, 4, SET, 6, AT_GET, 2, 0, PACKRS_ECORRUPT, "§4.5"},
    {"field count 2^32-1", ENTRY, 2, PK_E_FIELD_COUNT, 4, SET, UINT32_MAX, AT_GET, 2, 0, PACKRS_ECORRUPT, "§4.5"},
    {"first field 2^32-1", ENTRY, 2, PK_E_FIRST_FIELD, 4, SET, UINT32_MAX, AT_GET, 2, 0, PACKRS_ECORRUPT, "§4.5"},
    {"name hash", ENTRY, 1, PK_E_HASH, 8, XOR, 1, AT_GET, 1, 0, PACKRS_ECORRUPT, "§4.6"},
    {"field type 0", FIELD, 4, PK_F_TYPE, 2, SET, 0, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.1"},
    {"field type 11", FIELD, 4, PK_F_TYPE, 2, SET, 11, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.1"},
    {"field flag 0x2 (zstd) in version 1", FIELD, 4, PK_F_FLAGS, 2, SET, 2, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.2"},
    {"field flag 0x8000", FIELD, 4, PK_F_FLAGS, 2, SET, 0x8000, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.2"},
    {"field reserved", FIELD, 5, PK_F_RESERVED, 4, SET, 1, AT_GET, 2, 0, PACKRS_ECORRUPT, "§5.3"},
    {"key past strings", FIELD, 2, PK_F_NAME_OFF, 4, SET, 0x10000, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.2"},
    {"key length 2^32-1", FIELD, 3, PK_F_NAME_LEN, 4, SET, UINT32_MAX, AT_GET, 0, 0, PACKRS_ECORRUPT, "§4.2"},
    {"unkeyed type with no key", FIELD, 4, PK_F_TYPE, 2, SET, PACKRS_FIELD_DATA_FILE, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.4"},
    {"key on unkeyed type", FIELD, 3, PK_F_TYPE, 2, SET, PACKRS_FIELD_METADATA, AT_GET, 0, 0, PACKRS_ECORRUPT, "§5.4"},
    {"data unaligned", FIELD, 4, PK_F_OFFSET, 8, ADD, 1, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.5"},
    {"data past section", FIELD, 5, PK_F_SIZE, 8, ADD, 4096, AT_GET, 2, 0, PACKRS_ECORRUPT, "§5.5"},
    {"data offset near 2^64", FIELD, 5, PK_F_OFFSET, 8, SET, UINT64_MAX - 15, AT_GET, 2, 0, PACKRS_ECORRUPT, "§5.5"},
    {"data size near 2^64", FIELD, 5, PK_F_SIZE, 8, SET, UINT64_MAX, AT_GET, 2, 0, PACKRS_ECORRUPT, "§5.5"},
    {"stored size mismatch", FIELD, 4, PK_F_USIZE, 8, ADD, 1, AT_GET, 1, 0, PACKRS_ECORRUPT, "§5.6"},
    {"fields out of order", FIELD, 0, PK_F_TYPE, 2, SET, PACKRS_FIELD_BYTECODE_OPT1, AT_GET, 0, 0, PACKRS_ECORRUPT, "§5.7"},
    {"duplicate field", FIELD, 0, PK_F_TYPE, 2, SET, PACKRS_FIELD_BYTECODE, AT_GET, 0, 0, PACKRS_ECORRUPT, "§5.7"},
    {"inflates longer", FIELD, 1, PK_F_USIZE, 8, ADD, 1, AT_READ, 0, 1, PACKRS_ECORRUPT, "§5.6"},
    {"inflates shorter", FIELD, 1, PK_F_USIZE, 8, ADD, (uint64_t)-1, AT_READ, 0, 1, PACKRS_ECORRUPT, "§5.6"},
    {"plain bytes flagged zlib", FIELD, 0, PK_F_FLAGS, 2, SET, 1, AT_READ, 0, 0, PACKRS_ECORRUPT, "§5.6"},
    {"last entry drops a field", ENTRY, 2, PK_E_FIELD_COUNT, 4, SET, 0, AT_VERIFY, 0, 0, PACKRS_ECORRUPT, "§4.5"},
    {"entries share fields", ENTRY, 1, PK_E_FIRST_FIELD, 4, SET, 3, AT_VERIFY, 0, 0, PACKRS_ECORRUPT, "§4.5"},
};

/* Patches record field c in b, then reseals every checksum. */
static void patch_record(unsigned char *b, size_t len, const record_case *c)
{
    unsigned char *p = (c->rec == ENTRY ? entry_rec(b, c->idx) : field_rec(b, c->idx)) + c->off;
    uint64_t old = c->width == 2 ? pk_rd16(p) : c->width == 4 ? pk_rd32(p) : pk_rd64(p);
    uint64_t v = c->mode == SET ? c->v : c->mode == ADD ? old + c->v : old ^ c->v;
    if (c->width == 2)
        pk_wr16(p, (uint16_t)v);
    else if (c->width == 4)
        pk_wr32(p, (uint32_t)v);
    else
        pk_wr64(p, v);
    reseal_all(b, len);
}

/* Runs the stage of c on r; returns its result. */
static int run_stage(packrs_reader *r, const record_case *c)
{
    packrs_resource res;
    packrs_field f;
    const void *p;
    size_t n;
    void *owned = NULL;
    int rc;
    if (c->stage == AT_VERIFY)
        return packrs_reader_verify(r);
    rc = packrs_reader_get(r, c->entry, &res);
    if (rc || c->stage == AT_GET)
        return rc;
    rc = packrs_resource_field_at(r, &res, c->field, &f);
    if (!rc)
        rc = packrs_field_read(r, &f, &p, &n, &owned);
    packrs_free(owned);
    return rc;
}

static void test_corrupt__hostile_records(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    (void)state;
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        unsigned char *copy = dup_exact(blob, len);
        packrs_reader *r;
        print_message("hostile record: %s\n", records[i].what);
        patch_record(copy, len, &records[i]);
        r = open_ok(copy, len);
        expect_error(r, run_stage(r, &records[i]), records[i].code, records[i].clause);
        if (records[i].stage != AT_VERIFY) /* verification finds it too */
            expect_error(r, packrs_reader_verify(r), records[i].code, records[i].clause);
        packrs_reader_free(r);
        free(copy);
    }
    free(blob);
}

/* A version-2 blob: entry 0 "z", field 0 a zstd-compressed BYTECODE of
 * 20000 bytes (stored size ~100). */
static const record_case zstd_records[] = {
    {"zlib and zstd flags", FIELD, 0, PK_F_FLAGS, 2, SET, 3, AT_GET, 0, 0, PACKRS_ECORRUPT, "§5.2"},
    {"flag 0x4 in version 2", FIELD, 0, PK_F_FLAGS, 2, SET, 4, AT_GET, 0, 0, PACKRS_ECORRUPT, "§5.2"},
    {"zstd claims over 32768:1", FIELD, 0, PK_F_USIZE, 8, SET, UINT64_C(1) << 40, AT_GET, 0, 0,
     PACKRS_ECORRUPT, "§5.6"},
    {"zstd size one more", FIELD, 0, PK_F_USIZE, 8, ADD, 1, AT_READ, 0, 0, PACKRS_ECORRUPT, "§5.6"},
    {"zstd size one less", FIELD, 0, PK_F_USIZE, 8, ADD, (uint64_t)-1, AT_READ, 0, 0,
     PACKRS_ECORRUPT, "§5.6"},
    {"zstd frame damaged", FIELD, 0, PK_F_SIZE, 8, ADD, (uint64_t)-8, AT_READ, 0, 0,
     PACKRS_ECORRUPT, "§5.6"},
};

/* The zstd blob of zstd_records; *len its size. */
static unsigned char *blob_zstd(size_t *len)
{
    packrs_writer *w;
    unsigned char *data = malloc(20000);
    void *blob;
    for (int i = 0; i < 20000; i++)
        data[i] = (unsigned char)("abcdefgh"[i % 8] + i / 4096);
    assert_int_equal(packrs_writer_create(&w), PACKRS_OK);
    assert_int_equal(packrs_writer_add_resource(w, "z", PACKRS_KIND_MODULE), PACKRS_OK);
    assert_int_equal(packrs_writer_add_field(w, "z", PACKRS_FIELD_BYTECODE, NULL, data, 20000,
                                             PACKRS_FIELD_ZSTD), PACKRS_OK);
    assert_int_equal(packrs_writer_finish_buffer(w, &blob, len), PACKRS_OK);
    packrs_writer_free(w);
    free(data);
    assert_int_equal(pk_rd32((unsigned char *)blob + PK_OFF_VERSION), 2);
    return blob;
}

static void test_corrupt__hostile_zstd_records(void **state)
{
    size_t len;
    unsigned char *blob = blob_zstd(&len), *v1;
    packrs_reader *r;
    packrs_resource res;
    (void)state;
    for (size_t i = 0; i < sizeof zstd_records / sizeof zstd_records[0]; i++) {
        unsigned char *copy = dup_exact(blob, len);
        print_message("hostile zstd record: %s\n", zstd_records[i].what);
        patch_record(copy, len, &zstd_records[i]);
        r = open_ok(copy, len);
        expect_error(r, run_stage(r, &zstd_records[i]), zstd_records[i].code,
                     zstd_records[i].clause);
        expect_error(r, packrs_reader_verify(r), zstd_records[i].code, zstd_records[i].clause);
        packrs_reader_free(r);
        free(copy);
    }
    /* the same blob called version 1: its zstd flag is reserved there */
    v1 = dup_exact(blob, len);
    pk_wr32(v1 + PK_OFF_VERSION, 1);
    reseal_header(v1, len);
    r = open_ok(v1, len);
    expect_error(r, packrs_reader_get(r, 0, &res), PACKRS_ECORRUPT, "§5.2");
    packrs_reader_free(r);
    free(v1);
    packrs_free(blob);
}

/* The bucket that holds entry idx. */
static unsigned char *bucket_of(unsigned char *b, uint32_t idx)
{
    unsigned char *t = b + hdr64(b, PK_OFF_BUCKETS);
    for (uint32_t i = 0; i < pk_rd32(b + PK_OFF_BUCKET_COUNT); i++)
        if (pk_rd32(t + i * PK_BUCKET_SIZE + 4) == idx + 1)
            return t + i * PK_BUCKET_SIZE;
    fail_msg("entry %u is in no bucket", idx);
    return NULL;
}

static void test_corrupt__bucket_names_missing_entry(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r;
    packrs_resource res;
    (void)state;
    pk_wr32(bucket_of(blob, 0) + 4, 100); /* "pkg" -> entry 99 of 3 */
    reseal_header(blob, len);
    r = open_ok(blob, len); /* opening does not walk the buckets */
    expect_error(r, packrs_reader_find(r, "pkg", 3, &res), PACKRS_ECORRUPT, "§3.2");
    expect_error(r, packrs_reader_verify(r), PACKRS_ECORRUPT, "§3.2");
    assert_int_equal(packrs_reader_get(r, 0, &res), PACKRS_OK); /* by index it is fine */
    packrs_reader_free(r);
    free(blob);
}

static void test_corrupt__bucket_hash_mismatch(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r;
    packrs_resource res;
    (void)state;
    bucket_of(blob, 2)[0] ^= 1; /* hash_hi of "z" */
    reseal_header(blob, len);
    r = open_ok(blob, len);
    assert_int_equal(packrs_reader_find(r, "z", 1, &res), PACKRS_ENOTFOUND);
    expect_error(r, packrs_reader_verify(r), PACKRS_ECORRUPT, "§3.3");
    packrs_reader_free(r);
    free(blob);
}

static void test_corrupt__bucket_used_twice(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len), *t;
    packrs_reader *r;
    (void)state;
    t = blob + hdr64(blob, PK_OFF_BUCKETS);
    while (pk_rd32(t + 4))
        t += PK_BUCKET_SIZE; /* to the first empty bucket */
    pk_wr32(t + 4, 1);
    reseal_header(blob, len);
    r = open_ok(blob, len);
    expect_error(r, packrs_reader_verify(r), PACKRS_ECORRUPT, "§3.3");
    packrs_reader_free(r);
    free(blob);
}

/* Entry 2 renamed to entry 0's name: a duplicate, out of order (§4.7). */
static void test_corrupt__entries_out_of_order(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len), *e0, *e2;
    packrs_reader *r;
    packrs_resource res;
    (void)state;
    e0 = entry_rec(blob, 0);
    e2 = entry_rec(blob, 2);
    memcpy(e2 + PK_E_HASH, e0 + PK_E_HASH, 8);
    memcpy(e2 + PK_E_NAME_OFF, e0 + PK_E_NAME_OFF, 8); /* offset and length */
    reseal_all(blob, len);
    r = open_ok(blob, len);
    assert_int_equal(packrs_reader_get(r, 2, &res), PACKRS_OK); /* lazily fine */
    expect_error(r, packrs_reader_verify(r), PACKRS_ECORRUPT, "§4.7");
    packrs_reader_free(r);
    free(blob);
}

static void test_corrupt__damaged_zlib_stream(void **state)
{
    static const record_case read_bytecode = {"zlib stream", FIELD, 1, 0, 0, 0, 0, AT_READ,
                                              0, 1, PACKRS_ECORRUPT, "§5.6"};
    size_t len;
    unsigned char *blob = blob_small(&len), *f = field_rec(blob, 1);
    packrs_reader *r;
    (void)state;
    assert_int_equal(pk_rd16(f + PK_F_FLAGS), PK_FFLAG_ZLIB);
    blob[hdr64(blob, PK_OFF_DATA) + pk_rd64(f + PK_F_OFFSET) + 4] ^= 0x55;
    reseal_all(blob, len);
    r = open_ok(blob, len);
    expect_error(r, run_stage(r, &read_bytecode), PACKRS_ECORRUPT, "§5.6");
    packrs_reader_free(r);
    free(blob);
}

/* Without a reseal, damage to a record or to data is a checksum error. */
static void test_corrupt__entry_and_field_checksums(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len), *f5 = field_rec(blob, 5);
    packrs_reader *r;
    packrs_resource res;
    packrs_field f;
    (void)state;
    entry_rec(blob, 1)[PK_E_KIND] ^= PACKRS_KIND_PACKAGE; /* still a valid kind */
    blob[hdr64(blob, PK_OFF_DATA) + pk_rd64(f5 + PK_F_OFFSET) + 3] ^= 1;
    r = open_ok(blob, len);
    expect_error(r, packrs_reader_get(r, 1, &res), PACKRS_ECHECKSUM, "§4.4");
    assert_non_null(strstr(packrs_reader_errmsg(r), "pkg.mod"));
    assert_int_equal(packrs_reader_get(r, 2, &res), PACKRS_OK);
    expect_error(r, packrs_resource_field_at(r, &res, 0, &f), PACKRS_ECHECKSUM, "§6.2");
    assert_non_null(strstr(packrs_reader_errmsg(r), "shared-lib"));
    assert_non_null(strstr(packrs_reader_errmsg(r), "'z'"));
    expect_error(r, packrs_reader_verify(r), PACKRS_ECHECKSUM, "§4.4");
    packrs_reader_free(r);
    free(blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corrupt__every_truncation),
        cmocka_unit_test(test_corrupt__truncation_with_consistent_size),
        cmocka_unit_test(test_corrupt__padding_is_alignment_only),
        cmocka_unit_test(test_corrupt__every_bit_flip_is_noticed),
        cmocka_unit_test(test_corrupt__hostile_headers),
        cmocka_unit_test(test_corrupt__bad_magic),
        cmocka_unit_test(test_corrupt__reserved_header_bytes),
        cmocka_unit_test(test_corrupt__header_checksum),
        cmocka_unit_test(test_corrupt__hostile_records),
        cmocka_unit_test(test_corrupt__hostile_zstd_records),
        cmocka_unit_test(test_corrupt__bucket_names_missing_entry),
        cmocka_unit_test(test_corrupt__bucket_hash_mismatch),
        cmocka_unit_test(test_corrupt__bucket_used_twice),
        cmocka_unit_test(test_corrupt__entries_out_of_order),
        cmocka_unit_test(test_corrupt__damaged_zlib_stream),
        cmocka_unit_test(test_corrupt__entry_and_field_checksums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
