/*
 * reseal.c — recomputing checksums exactly as libpackrs/entry.c and
 * reader.c check them (docs/format.md §2.9, §4.4, §6.2).
 */
#define XXH_STATIC_LINKING_ONLY
#include "reseal.h"

#include <xxhash.h>

#include "format_int.h"

/* Where the sections of a blob claim to be; a bound of 0 means absent. */
typedef struct view {
    unsigned char *b;
    size_t len;
    uint64_t nres, nfields, entries, fields, strings, strings_len, data,
        data_len;
} view;

/* 1 when [off, off + n) lies inside [0, limit). */
static int inside(uint64_t off, uint64_t n, uint64_t limit)
{
    uint64_t end;
    return pk_add(off, n, &end) && end <= limit;
}

/* Reads the section table of the header into *v; 0 if b has no header. */
static int view_init(view *v, unsigned char *b, size_t len)
{
    if (len < PK_HEADER_SIZE)
        return 0;
    v->b = b;
    v->len = len;
    v->nres = pk_rd32(b + PK_OFF_RESOURCE_COUNT);
    v->nfields = pk_rd32(b + PK_OFF_FIELD_COUNT);
    v->entries = pk_rd64(b + PK_OFF_ENTRIES);
    v->fields = pk_rd64(b + PK_OFF_FIELDS);
    v->strings = pk_rd64(b + PK_OFF_STRINGS);
    v->strings_len = pk_rd64(b + PK_OFF_STRINGS_LEN);
    v->data = pk_rd64(b + PK_OFF_DATA);
    v->data_len = pk_rd64(b + PK_OFF_DATA_LEN);
    return inside(v->entries, v->nres * PK_ENTRY_SIZE, len) &&
           inside(v->fields, v->nfields * PK_FIELD_SIZE, len) &&
           inside(v->strings, v->strings_len, len) &&
           inside(v->data, v->data_len, len);
}

/* 1 when the string (off, n) lies inside the string table. */
static int string_ok(const view *v, uint32_t off, uint32_t n)
{
    return inside(off, n, v->strings_len);
}

/* Rewrites the data checksum of field record f, if its data is inside. */
static void reseal_field(const view *v, unsigned char *f)
{
    uint64_t off = pk_rd64(f + PK_F_OFFSET), size = pk_rd64(f + PK_F_SIZE);
    if (inside(off, size, v->data_len))
        pk_wr64(f + PK_F_CHECKSUM, XXH3_64bits(v->b + v->data + off, size));
}

/* Rewrites the checksum of entry record e and its fields' checksums. */
static void reseal_entry(const view *v, unsigned char *e)
{
    uint32_t first = pk_rd32(e + PK_E_FIRST_FIELD), n = pk_rd32(e + PK_E_FIELD_COUNT);
    unsigned char *fr = v->b + v->fields + (uint64_t)first * PK_FIELD_SIZE;
    const unsigned char *s = v->b + v->strings;
    XXH3_state_t st;
    if (!inside(first, n, v->nfields) ||
        !string_ok(v, pk_rd32(e + PK_E_NAME_OFF), pk_rd32(e + PK_E_NAME_LEN)))
        return;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *f = fr + (size_t)i * PK_FIELD_SIZE;
        if (!string_ok(v, pk_rd32(f + PK_F_NAME_OFF), pk_rd32(f + PK_F_NAME_LEN)))
            return;
        reseal_field(v, f);
    }
    memset(e + PK_E_CHECKSUM, 0, 8);
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, e, PK_ENTRY_SIZE);
    XXH3_64bits_update(&st, fr, (size_t)n * PK_FIELD_SIZE);
    XXH3_64bits_update(&st, s + pk_rd32(e + PK_E_NAME_OFF), pk_rd32(e + PK_E_NAME_LEN));
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *f = fr + (size_t)i * PK_FIELD_SIZE;
        XXH3_64bits_update(&st, s + pk_rd32(f + PK_F_NAME_OFF), pk_rd32(f + PK_F_NAME_LEN));
    }
    pk_wr64(e + PK_E_CHECKSUM, XXH3_64bits_digest(&st));
}

void reseal_entries(unsigned char *b, size_t len)
{
    view v;
    if (!view_init(&v, b, len))
        return;
    for (uint64_t i = 0; i < v.nres; i++)
        reseal_entry(&v, b + v.entries + i * PK_ENTRY_SIZE);
}

void reseal_header(unsigned char *b, size_t len)
{
    XXH3_state_t st;
    uint64_t nb, off;
    if (len < PK_HEADER_SIZE)
        return;
    nb = pk_rd32(b + PK_OFF_BUCKET_COUNT);
    off = pk_rd64(b + PK_OFF_BUCKETS);
    memset(b + PK_OFF_CHECKSUM, 0, 8);
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, b, PK_HEADER_SIZE);
    if (inside(off, nb * PK_BUCKET_SIZE, len)) /* else the reader stops first */
        XXH3_64bits_update(&st, b + off, nb * PK_BUCKET_SIZE);
    pk_wr64(b + PK_OFF_CHECKSUM, XXH3_64bits_digest(&st));
}

void reseal_all(unsigned char *b, size_t len)
{
    reseal_entries(b, len);
    reseal_header(b, len);
}
