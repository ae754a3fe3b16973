/*
 * reader.c — opening a blob: header and index checks, lookup, iteration.
 *
 * Checks follow libgit2's midx.c order: size, magic/version, offsets,
 * exact lengths, checksum; entries are validated lazily on first access
 * (entry.c). Each check cites the clause of docs/format.md it enforces.
 * Files are mapped through os_int.h; executables are opened by locate.c.
 */
#define XXH_STATIC_LINKING_ONLY
#include "reader_int.h"

#include <stdlib.h>
#include <xxhash.h>

packrs_reader *packrs__reader_new(void)
{
    static atomic_uint_least64_t next_id = 1;
    packrs_reader *r = calloc(1, sizeof(packrs_reader));
    if (r)
        r->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    return r;
}

/* Checks one section [off, off+len) starts at or after *cursor, is aligned
 * and inside the blob; advances *cursor to its end (§2.8). */
static int check_section(packrs_reader *r, const char *what, uint64_t off,
                         uint64_t len, uint64_t *cursor)
{
    uint64_t end;
    if (off % PK_SECTION_ALIGN)
        return CORRUPT(r, "§2.8", "%s offset %llu is not 16-aligned", what,
                       (unsigned long long)off);
    if (off < *cursor)
        return CORRUPT(r, "§2.8", "%s offset %llu overlaps the previous section",
                       what, (unsigned long long)off);
    if (!pk_add(off, len, &end) || end > r->len)
        return CORRUPT(r, "§2.8", "%s [%llu, +%llu) lies outside the %zu-byte blob",
                       what, (unsigned long long)off, (unsigned long long)len,
                       r->len);
    *cursor = end;
    return PACKRS_OK;
}

/* Checks the fixed header fields (§2.1–§2.7). */
static int check_header(packrs_reader *r, const unsigned char *h, size_t len)
{
    if (len < PK_HEADER_SIZE)
        return CORRUPT(r, "§2.1", "%zu bytes is shorter than the %d-byte header",
                       len, PK_HEADER_SIZE);
    if (memcmp(h, PK_MAGIC, PK_MAGIC_LEN) != 0)
        return CORRUPT(r, "§2.2", "bad magic (not a packrs blob)");
    r->version = pk_rd32(h + PK_OFF_VERSION);
    if (r->version < 1 || r->version > PACKRS_FORMAT_VERSION)
        return packrs__fail(r, PACKRS_EVERSION,
                            "unsupported format version %u (§2.3; this reader: 1 to %d)",
                            r->version, PACKRS_FORMAT_VERSION);
    if (pk_rd32(h + PK_OFF_FLAGS) != 0)
        return CORRUPT(r, "§2.4", "reserved flags 0x%x set",
                       pk_rd32(h + PK_OFF_FLAGS));
    if (pk_rd32(h + PK_OFF_HEADER_SIZE) != PK_HEADER_SIZE)
        return CORRUPT(r, "§2.5", "header size %u, expected %d",
                       pk_rd32(h + PK_OFF_HEADER_SIZE), PK_HEADER_SIZE);
    if (pk_rd64(h + PK_OFF_BLOB_SIZE) != len)
        return CORRUPT(r, "§2.6", "blob size field %llu but %zu bytes given",
                       (unsigned long long)pk_rd64(h + PK_OFF_BLOB_SIZE), len);
    for (int i = 0; i < 24; i++)
        if (h[PK_OFF_RESERVED + i])
            return CORRUPT(r, "§2.7", "reserved header byte %d is not zero",
                           PK_OFF_RESERVED + i);
    return PACKRS_OK;
}

/* Checks counts and section placement (§2.8, §3.1) and sets pointers. */
static int check_layout(packrs_reader *r, const unsigned char *h)
{
    uint64_t nb = pk_rd32(h + PK_OFF_BUCKET_COUNT);
    uint64_t nr = pk_rd32(h + PK_OFF_RESOURCE_COUNT);
    uint64_t nf = pk_rd32(h + PK_OFF_FIELD_COUNT);
    uint64_t cur = PK_HEADER_SIZE, off[5], len[5];
    static const char *names[5] = {"bucket table", "entry table", "field table",
                                   "string table", "data section"};
    if (nb == 0 || (nb & (nb - 1)) || nb <= nr)
        return CORRUPT(r, "§3.1", "bucket count %llu is not a power of two "
                       "greater than the resource count %llu",
                       (unsigned long long)nb, (unsigned long long)nr);
    off[0] = pk_rd64(h + PK_OFF_BUCKETS);
    off[1] = pk_rd64(h + PK_OFF_ENTRIES);
    off[2] = pk_rd64(h + PK_OFF_FIELDS);
    off[3] = pk_rd64(h + PK_OFF_STRINGS);
    off[4] = pk_rd64(h + PK_OFF_DATA);
    len[0] = nb * PK_BUCKET_SIZE; /* counts are u32: no overflow */
    len[1] = nr * PK_ENTRY_SIZE;
    len[2] = nf * PK_FIELD_SIZE;
    len[3] = pk_rd64(h + PK_OFF_STRINGS_LEN);
    len[4] = pk_rd64(h + PK_OFF_DATA_LEN);
    for (int i = 0; i < 5; i++) {
        int rc = check_section(r, names[i], off[i], len[i], &cur);
        if (rc)
            return rc;
    }
    r->nbuckets = (uint32_t)nb;
    r->nres = (uint32_t)nr;
    r->nfields = (uint32_t)nf;
    r->buckets = r->blob + off[0];
    r->entries = r->blob + off[1];
    r->fields = r->blob + off[2];
    r->strings = r->blob + off[3];
    r->strings_len = len[3];
    r->data = r->blob + off[4];
    r->data_len = len[4];
    return PACKRS_OK;
}

/* Checks the header+bucket-table checksum (§2.9). */
static int check_checksum(packrs_reader *r)
{
    XXH3_state_t st;
    unsigned char hdr[PK_HEADER_SIZE];
    memcpy(hdr, r->blob, PK_HEADER_SIZE);
    memset(hdr + PK_OFF_CHECKSUM, 0, 8);
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, hdr, sizeof hdr);
    XXH3_64bits_update(&st, r->buckets, (size_t)r->nbuckets * PK_BUCKET_SIZE);
    if (XXH3_64bits_digest(&st) != pk_rd64(r->blob + PK_OFF_CHECKSUM))
        return packrs__fail(r, PACKRS_ECHECKSUM,
                            "corrupt blob (§2.9): header/index checksum mismatch");
    return PACKRS_OK;
}

int packrs__reader_attach(packrs_reader *r, const unsigned char *blob,
                          size_t len)
{
    int rc;
    r->blob = blob;
    r->len = len;
    if ((rc = check_header(r, blob, len)) || (rc = check_layout(r, blob)) ||
        (rc = check_checksum(r)))
        return rc;
    r->entry_ok = calloc((size_t)r->nres + 1, sizeof *r->entry_ok);
    r->field_ok = calloc((size_t)r->nfields + 1, sizeof *r->field_ok);
    if (!r->entry_ok || !r->field_ok)
        return packrs__fail(r, PACKRS_ENOMEM, "out of memory");
    return PACKRS_OK;
}

int packrs__reader_opened(packrs_reader *r, int rc)
{
    r->failed = rc != PACKRS_OK;
    r->live = rc == PACKRS_OK;
    return rc;
}

/* Finishes an open: a handle that could not even record its failure is
 * freed (PACKRS_ENOMEM, *out NULL); otherwise see packrs__reader_opened. */
static int open_done(packrs_reader **out, packrs_reader *r, int rc)
{
    if (rc == PACKRS_ENOMEM && !r->errmsg[0]) {
        packrs_reader_free(r);
        *out = NULL;
        return rc;
    }
    *out = r;
    return packrs__reader_opened(r, rc);
}

int packrs_reader_open_memory(packrs_reader **out, const void *data,
                              size_t len)
{
    packrs_reader *r;
    if (!out)
        return PACKRS_EINVAL;
    if (!(r = packrs__reader_new()))
        return *out = NULL, PACKRS_ENOMEM;
    if (!data)
        return open_done(out, r, packrs__fail(r, PACKRS_EINVAL, "data is NULL"));
    return open_done(out, r, packrs__reader_attach(r, data, len));
}

/* Maps the whole file at path into r->map. */
static int map_file(packrs_reader *r, const char *path)
{
    pk_file f;
    int rc = packrs__os_open(&f, path, r->errmsg, sizeof r->errmsg);
    if (rc)
        return rc;
    if (f.size == 0)
        rc = packrs__fail(r, PACKRS_ECORRUPT, "%s: empty file (§2.1)", path);
    else
        rc = packrs__os_map(&f, 0, f.size, &r->map, path, r->errmsg, sizeof r->errmsg);
    packrs__os_close(&f);
    return rc;
}

int packrs_reader_open_file(packrs_reader **out, const char *path)
{
    packrs_reader *r;
    int rc;
    if (!out)
        return PACKRS_EINVAL;
    if (!(r = packrs__reader_new()))
        return *out = NULL, PACKRS_ENOMEM;
    if (!path)
        return open_done(out, r, packrs__fail(r, PACKRS_EINVAL, "path is NULL"));
    rc = map_file(r, path);
    if (rc == PACKRS_OK)
        rc = packrs__reader_attach(r, r->map.data, r->map.len);
    return open_done(out, r, rc);
}

void packrs_reader_free(packrs_reader *r)
{
    if (!r)
        return;
    packrs__os_unmap(&r->map);
    free(r->entry_ok);
    free(r->field_ok);
    free(r);
}

const void *packrs_reader_blob(const packrs_reader *r, size_t *len)
{
    if (len)
        *len = r && !r->failed ? r->len : 0;
    return r && !r->failed ? r->blob : NULL;
}

size_t packrs_reader_count(const packrs_reader *r)
{
    return r && !r->failed ? r->nres : 0;
}

int packrs_reader_get(packrs_reader *r, size_t i, packrs_resource *out)
{
    if (!r || r->failed || !out)
        return PACKRS_EINVAL;
    if (i >= r->nres)
        return packrs__fail(r, PACKRS_ENOTFOUND, "index %zu out of range", i);
    return packrs__entry_load(r, (uint32_t)i, out);
}

int packrs_reader_find(packrs_reader *r, const char *name, size_t name_len,
                       packrs_resource *out)
{
    uint64_t h;
    uint32_t mask, pos;
    if (!r || r->failed || !out || (!name && name_len))
        return PACKRS_EINVAL;
    h = packrs__hash_name(name, name_len);
    mask = r->nbuckets - 1;
    pos = (uint32_t)h & mask;
    for (uint32_t probe = 0; probe < r->nbuckets; probe++) {
        const unsigned char *b = r->buckets + (size_t)pos * PK_BUCKET_SIZE;
        uint32_t slot = pk_rd32(b + 4);
        if (slot == 0)
            break;
        if (slot > r->nres)
            return CORRUPT(r, "§3.2", "bucket %u names entry %u of %u", pos,
                           slot - 1, r->nres);
        if (pk_rd32(b) == (uint32_t)(h >> 32)) {
            int rc = packrs__entry_load(r, slot - 1, out);
            if (rc)
                return rc;
            if (out->name_len == name_len && !memcmp(out->name, name, name_len))
                return PACKRS_OK;
        }
        pos = (pos + 1) & mask;
    }
    /* Misses are common (importers probe); keep them cheap: no formatting. */
    return packrs__miss(r, PACKRS_ENOTFOUND, "no such resource");
}
