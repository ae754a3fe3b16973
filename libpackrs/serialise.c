/*
 * serialise.c — laying a writer's content out as a blob (version 1, or 2
 * when a field is zstd-compressed).
 *
 * Deterministic: resources are sorted by name and fields by (type, key)
 * before layout, so output depends only on content (docs/format.md §8).
 */
#define XXH_STATIC_LINKING_ONLY
#include "writer_int.h"

#include <stdlib.h>
#include <xxhash.h>

#include "os_int.h"

typedef struct layout {
    uint64_t nbuckets, buckets, entries, fields, strings, strings_len, data,
        data_len, total, nfields;
} layout;

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static int cmp_res(const void *a, const void *b)
{
    return strcmp((*(wres *const *)a)->name, (*(wres *const *)b)->name);
}

static int cmp_field(const void *a, const void *b)
{
    const wfield *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* Sorts, then computes section offsets and sizes; ELIMIT if the format
 * cannot hold the content. */
static int plan(packrs_writer *w, layout *L)
{
    uint64_t nb = 8, strings = 1, data = 0;
    if (w->n > 1) {
        qsort(w->res, w->n, sizeof *w->res, cmp_res);
        packrs__writer_reindex(w); /* the writer stays usable after finish */
    }
    memset(L, 0, sizeof *L);
    for (size_t i = 0; i < w->n; i++) {
        wres *r = w->res[i];
        if (r->nfields > 1)
            qsort(r->fields, r->nfields, sizeof *r->fields, cmp_field);
        strings += r->name_len + 1;
        for (size_t f = 0; f < r->nfields; f++) {
            strings += r->fields[f].key ? strlen(r->fields[f].key) + 1 : 0;
            data = align_up(data, PK_DATA_ALIGN) + r->fields[f].size;
        }
        L->nfields += r->nfields;
    }
    while (nb < 2 * (uint64_t)w->n)
        nb *= 2;
    if (nb > UINT32_MAX || L->nfields > UINT32_MAX || strings > UINT32_MAX)
        return packrs__wfail(w, PACKRS_ELIMIT, "content exceeds format limits");
    L->nbuckets = nb;
    L->buckets = PK_HEADER_SIZE;
    L->entries = align_up(L->buckets + nb * PK_BUCKET_SIZE, PK_SECTION_ALIGN);
    L->fields = align_up(L->entries + w->n * PK_ENTRY_SIZE, PK_SECTION_ALIGN);
    L->strings = align_up(L->fields + L->nfields * PK_FIELD_SIZE, PK_SECTION_ALIGN);
    L->strings_len = strings;
    L->data = align_up(L->strings + strings, PK_SECTION_ALIGN);
    L->data_len = data;
    L->total = L->data + data;
    if (L->total > SIZE_MAX)
        return packrs__wfail(w, PACKRS_ELIMIT, "blob larger than memory");
    return PACKRS_OK;
}

/* Appends s (with NUL) to the string table at *pos; returns its offset. */
static uint32_t put_string(unsigned char *tab, uint64_t *pos, const char *s,
                           size_t len)
{
    uint32_t off = (uint32_t)*pos;
    memcpy(tab + off, s, len);
    tab[off + len] = 0;
    *pos += len + 1;
    return off;
}

/* Writes the field records and data of r; returns its first field index. */
static void put_fields(const wres *r, unsigned char *blob, const layout *L,
                       uint64_t *fi, uint64_t *spos, uint64_t *dpos)
{
    for (size_t i = 0; i < r->nfields; i++, (*fi)++) {
        const wfield *f = &r->fields[i];
        unsigned char *rec = blob + L->fields + *fi * PK_FIELD_SIZE;
        uint32_t koff = 0, klen = 0;
        if (f->key) {
            klen = (uint32_t)strlen(f->key);
            koff = put_string(blob + L->strings, spos, f->key, klen);
        }
        *dpos = align_up(*dpos, PK_DATA_ALIGN);
        memcpy(blob + L->data + *dpos, f->data, f->size);
        pk_wr16(rec + PK_F_TYPE, (uint16_t)f->type);
        pk_wr16(rec + PK_F_FLAGS, (uint16_t)f->flags);
        pk_wr32(rec + PK_F_NAME_OFF, koff);
        pk_wr32(rec + PK_F_NAME_LEN, klen);
        pk_wr64(rec + PK_F_OFFSET, *dpos);
        pk_wr64(rec + PK_F_SIZE, f->size);
        pk_wr64(rec + PK_F_USIZE, f->usize);
        pk_wr64(rec + PK_F_CHECKSUM, XXH3_64bits(f->data, f->size));
        *dpos += f->size;
    }
}

/* Entry checksum of §4.4 (mirrors entry.c's, computed from the writer's
 * own copy of the strings). */
static uint64_t entry_sum(const unsigned char *blob, const layout *L,
                          const unsigned char *e, const wres *r)
{
    XXH3_state_t st;
    uint64_t first = pk_rd32(e + PK_E_FIRST_FIELD);
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, e, PK_ENTRY_SIZE); /* checksum still zero */
    XXH3_64bits_update(&st, blob + L->fields + first * PK_FIELD_SIZE,
                       r->nfields * PK_FIELD_SIZE);
    XXH3_64bits_update(&st, r->name, r->name_len);
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].key)
            XXH3_64bits_update(&st, r->fields[i].key, strlen(r->fields[i].key));
    return XXH3_64bits_digest(&st);
}

/* Inserts entry idx with hash h into the bucket table (§3). */
static void put_bucket(unsigned char *blob, const layout *L, uint64_t h,
                       uint32_t idx)
{
    uint64_t mask = L->nbuckets - 1, pos = h & mask;
    while (pk_rd32(blob + L->buckets + pos * PK_BUCKET_SIZE + 4))
        pos = (pos + 1) & mask;
    pk_wr32(blob + L->buckets + pos * PK_BUCKET_SIZE, (uint32_t)(h >> 32));
    pk_wr32(blob + L->buckets + pos * PK_BUCKET_SIZE + 4, idx + 1);
}

/* Writes every entry with its fields, strings and bucket. */
static void put_entries(packrs_writer *w, unsigned char *blob, const layout *L)
{
    uint64_t fi = 0, spos = 1, dpos = 0;
    for (size_t i = 0; i < w->n; i++) {
        const wres *r = w->res[i];
        unsigned char *e = blob + L->entries + i * PK_ENTRY_SIZE;
        uint64_t h = packrs__hash_name(r->name, r->name_len);
        pk_wr64(e + PK_E_HASH, h);
        pk_wr32(e + PK_E_NAME_OFF, put_string(blob + L->strings, &spos, r->name,
                                              r->name_len));
        pk_wr32(e + PK_E_NAME_LEN, (uint32_t)r->name_len);
        pk_wr32(e + PK_E_KIND, r->kind);
        pk_wr32(e + PK_E_FIRST_FIELD, (uint32_t)fi);
        pk_wr32(e + PK_E_FIELD_COUNT, (uint32_t)r->nfields);
        put_fields(r, blob, L, &fi, &spos, &dpos);
        pk_wr64(e + PK_E_CHECKSUM, entry_sum(blob, L, e, r));
        put_bucket(blob, L, h, (uint32_t)i);
    }
}

/* The format version w's content needs (§9): 2 when a field is
 * zstd-compressed, else 1 (what every reader of version 1 reads). */
static uint32_t needed_version(const packrs_writer *w)
{
    for (size_t i = 0; i < w->n; i++)
        for (size_t k = 0; k < w->res[i]->nfields; k++)
            if (w->res[i]->fields[k].flags & PK_FFLAG_ZSTD)
                return 2;
    return 1;
}

/* Writes the header and its checksum (§2). */
static void put_header(packrs_writer *w, unsigned char *blob, const layout *L)
{
    memcpy(blob, PK_MAGIC, PK_MAGIC_LEN);
    pk_wr32(blob + PK_OFF_VERSION, needed_version(w));
    pk_wr64(blob + PK_OFF_BLOB_SIZE, L->total);
    pk_wr32(blob + PK_OFF_BUCKET_COUNT, (uint32_t)L->nbuckets);
    pk_wr32(blob + PK_OFF_RESOURCE_COUNT, (uint32_t)w->n);
    pk_wr32(blob + PK_OFF_FIELD_COUNT, (uint32_t)L->nfields);
    pk_wr32(blob + PK_OFF_HEADER_SIZE, PK_HEADER_SIZE);
    pk_wr64(blob + PK_OFF_BUCKETS, L->buckets);
    pk_wr64(blob + PK_OFF_ENTRIES, L->entries);
    pk_wr64(blob + PK_OFF_FIELDS, L->fields);
    pk_wr64(blob + PK_OFF_STRINGS, L->strings);
    pk_wr64(blob + PK_OFF_STRINGS_LEN, L->strings_len);
    pk_wr64(blob + PK_OFF_DATA, L->data);
    pk_wr64(blob + PK_OFF_DATA_LEN, L->data_len);
    pk_wr64(blob + PK_OFF_CHECKSUM,
            XXH3_64bits(blob, PK_HEADER_SIZE + L->nbuckets * PK_BUCKET_SIZE));
}

int packrs_writer_finish_buffer(packrs_writer *w, void **out, size_t *out_len)
{
    layout L;
    unsigned char *blob;
    int rc;
    if (!w || !out || !out_len)
        return w ? packrs__wfail(w, PACKRS_EINVAL, "NULL output") : PACKRS_EINVAL;
    if ((rc = plan(w, &L)))
        return rc;
    if (!(blob = calloc(1, (size_t)L.total)))
        return packrs__wfail(w, PACKRS_ENOMEM, "out of memory for %llu-byte blob",
                             (unsigned long long)L.total);
    put_entries(w, blob, &L);
    put_header(w, blob, &L); /* checksum last: covers the filled buckets */
    *out = blob;
    *out_len = (size_t)L.total;
    return PACKRS_OK;
}

int packrs_writer_finish_file(packrs_writer *w, const char *path)
{
    void *blob;
    size_t len;
    int rc;
    if (!w || !path)
        return w ? packrs__wfail(w, PACKRS_EINVAL, "NULL path") : PACKRS_EINVAL;
    if ((rc = packrs_writer_finish_buffer(w, &blob, &len)))
        return rc;
    rc = packrs__write_atomic(path, blob, len, 0, w->errmsg, sizeof w->errmsg);
    free(blob);
    return rc;
}
