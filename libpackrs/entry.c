/*
 * entry.c — lazy validation of resource records and access to fields.
 *
 * An entry (§4) and its field records (§5) are checked the first time the
 * entry is touched; a field's data checksum (§6) the first time the field
 * is read. Flags in r->entry_ok / r->field_ok remember what held, so a
 * resource costs its checks once. Races only repeat a check. Nothing here
 * writes the reader but those atomic flags: failures are recorded per
 * thread (error.c), so a reader may be shared (packrs.h). Once a caller
 * has copied a field out, packrs_field_release() hands the mapped pages
 * around it back to the system (os_int.h).
 */
#define XXH_STATIC_LINKING_ONLY
#include "reader_int.h"

#include <stdlib.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* Checks that [off, off+len] is a NUL-terminated string without inner NUL
 * inside the string table (§4.2). */
static int check_string(packrs_reader *r, uint32_t off, uint32_t len,
                        const char *what, uint32_t idx)
{
    uint64_t end = (uint64_t)off + len; /* u32 + u32: no overflow in u64 */
    if (end >= r->strings_len)
        return CORRUPT(r, "§4.2", "%s of entry %u lies outside the string table",
                       what, idx);
    if (r->strings[end] != 0 || memchr(r->strings + off, 0, len))
        return CORRUPT(r, "§4.2", "%s of entry %u is not a NUL-terminated string",
                       what, idx);
    return PACKRS_OK;
}

static int keyed(int type)
{
    return type == PACKRS_FIELD_DATA_FILE || type == PACKRS_FIELD_DISTINFO_FILE;
}

/* The most a codec can expand its input (§5.6): zlib's deflate 1032:1, a
 * zstd frame 32768:1 (a 128 KiB RLE block costs 4 bytes); stored, 1:1. */
static uint64_t max_ratio(unsigned flags)
{
    return flags & PK_FFLAG_ZLIB ? 1032 : flags & PK_FFLAG_ZSTD ? 32768 : 1;
}

/* Checks field record fi of entry idx (§5); prev is the previous record of
 * the same entry or NULL. */
static int check_field(packrs_reader *r, uint32_t idx, uint32_t fi,
                       const unsigned char *prev)
{
    const unsigned char *f = r->fields + (size_t)fi * PK_FIELD_SIZE;
    unsigned type = pk_rd16(f + PK_F_TYPE), flags = pk_rd16(f + PK_F_FLAGS);
    uint32_t noff = pk_rd32(f + PK_F_NAME_OFF), nlen = pk_rd32(f + PK_F_NAME_LEN);
    uint64_t off = pk_rd64(f + PK_F_OFFSET), size = pk_rd64(f + PK_F_SIZE), end;
    int rc;
    if (type < 1 || type > PACKRS_FIELD_TYPE_MAX)
        return CORRUPT(r, "§5.1", "field %u has unknown type %u", fi, type);
    if (flags & ~(r->version >= 2 ? PK_FFLAG_ALL_V2 : PK_FFLAG_ALL) ||
        flags == (PK_FFLAG_ZLIB | PK_FFLAG_ZSTD))
        return CORRUPT(r, "§5.2", "field %u has reserved flags 0x%x", fi, flags);
    if (pk_rd32(f + PK_F_RESERVED) != 0)
        return CORRUPT(r, "§5.3", "field %u reserved word is not zero", fi);
    if ((rc = check_string(r, noff, nlen, "field key", idx)))
        return rc;
    if ((nlen != 0) != keyed((int)type))
        return CORRUPT(r, "§5.4", "field %u: key presence does not match type %u",
                       fi, type);
    if (off % PK_DATA_ALIGN)
        return CORRUPT(r, "§5.5", "field %u data offset is not 16-aligned", fi);
    if (!pk_add(off, size, &end) || end > r->data_len)
        return CORRUPT(r, "§5.5", "field %u data lies outside the data section",
                       fi);
    if (!flags && pk_rd64(f + PK_F_USIZE) != size)
        return CORRUPT(r, "§5.6", "field %u: stored field has size %llu but "
                       "uncompressed size %llu", fi, (unsigned long long)size,
                       (unsigned long long)pk_rd64(f + PK_F_USIZE));
    if (pk_rd64(f + PK_F_USIZE) > SIZE_MAX)
        return CORRUPT(r, "§5.6", "field %u is too large for this machine", fi);
    /* zlib cannot inflate more than 1032:1, so a bigger claim is a lie
     * that would only make the reader allocate absurd buffers. */
    if (pk_rd64(f + PK_F_USIZE) / max_ratio(flags) > size + 1)
        return CORRUPT(r, "§5.6", "field %u claims %llu bytes from %llu compressed",
                       fi, (unsigned long long)pk_rd64(f + PK_F_USIZE),
                       (unsigned long long)size);
    if (prev) {
        unsigned pt = pk_rd16(prev + PK_F_TYPE);
        const char *pk = (const char *)r->strings + pk_rd32(prev + PK_F_NAME_OFF);
        const char *k = (const char *)r->strings + noff;
        if (pt > type || (pt == type && strcmp(pk, k) >= 0))
            return CORRUPT(r, "§5.7", "fields of entry %u are not sorted/unique",
                           idx);
    }
    return PACKRS_OK;
}

/* Entry checksum (§4.4): XXH3-64 over the record with its checksum zeroed,
 * its field records, its name and its field keys. */
static uint64_t entry_checksum(packrs_reader *r, const unsigned char *e)
{
    XXH3_state_t st;
    unsigned char rec[PK_ENTRY_SIZE];
    uint32_t first = pk_rd32(e + PK_E_FIRST_FIELD), n = pk_rd32(e + PK_E_FIELD_COUNT);
    memcpy(rec, e, PK_ENTRY_SIZE);
    memset(rec + PK_E_CHECKSUM, 0, 8);
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, rec, PK_ENTRY_SIZE);
    XXH3_64bits_update(&st, r->fields + (size_t)first * PK_FIELD_SIZE,
                       (size_t)n * PK_FIELD_SIZE);
    XXH3_64bits_update(&st, r->strings + pk_rd32(e + PK_E_NAME_OFF),
                       pk_rd32(e + PK_E_NAME_LEN));
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *f = r->fields + (size_t)(first + i) * PK_FIELD_SIZE;
        XXH3_64bits_update(&st, r->strings + pk_rd32(f + PK_F_NAME_OFF),
                           pk_rd32(f + PK_F_NAME_LEN));
    }
    return XXH3_64bits_digest(&st);
}

/* Full check of entry idx (§4). */
static int check_entry(packrs_reader *r, uint32_t idx, const unsigned char *e)
{
    uint32_t noff = pk_rd32(e + PK_E_NAME_OFF), nlen = pk_rd32(e + PK_E_NAME_LEN);
    uint32_t first = pk_rd32(e + PK_E_FIRST_FIELD), n = pk_rd32(e + PK_E_FIELD_COUNT);
    int rc;
    if (nlen == 0 || nlen > PK_MAX_NAME)
        return CORRUPT(r, "§4.1", "entry %u has name length %u", idx, nlen);
    if ((rc = check_string(r, noff, nlen, "name", idx)))
        return rc;
    if (pk_rd32(e + PK_E_KIND) & ~(uint32_t)PACKRS_KIND_ALL)
        return CORRUPT(r, "§4.3", "entry %u has reserved kind bits 0x%x", idx,
                       pk_rd32(e + PK_E_KIND));
    if (pk_rd32(e + PK_E_RESERVED) != 0)
        return CORRUPT(r, "§4.3", "entry %u reserved word is not zero", idx);
    if ((uint64_t)first + n > r->nfields)
        return CORRUPT(r, "§4.5", "entry %u fields [%u, +%u) exceed %u fields",
                       idx, first, n, r->nfields);
    if (pk_rd64(e + PK_E_HASH) != packrs__hash_name((const char *)r->strings + noff, nlen))
        return CORRUPT(r, "§4.6", "entry %u name hash does not match its name", idx);
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *prev =
            i ? r->fields + (size_t)(first + i - 1) * PK_FIELD_SIZE : NULL;
        if ((rc = check_field(r, idx, first + i, prev)))
            return rc;
    }
    if (entry_checksum(r, e) != pk_rd64(e + PK_E_CHECKSUM))
        return packrs__fail(r, PACKRS_ECHECKSUM,
                            "corrupt blob (§4.4): checksum of resource '%.*s' "
                            "does not match", (int)(nlen > 200 ? 200 : nlen),
                            (const char *)r->strings + noff);
    return PACKRS_OK;
}

int packrs__entry_load(packrs_reader *r, uint32_t idx, packrs_resource *out)
{
    const unsigned char *e = r->entries + (size_t)idx * PK_ENTRY_SIZE;
    if (!atomic_load_explicit(&r->entry_ok[idx], memory_order_acquire)) {
        int rc = check_entry(r, idx, e);
        if (rc)
            return rc;
        atomic_store_explicit(&r->entry_ok[idx], 1, memory_order_release);
    }
    out->name = (const char *)r->strings + pk_rd32(e + PK_E_NAME_OFF);
    out->name_len = pk_rd32(e + PK_E_NAME_LEN);
    out->kind = pk_rd32(e + PK_E_KIND);
    out->index = idx;
    out->field_count = pk_rd32(e + PK_E_FIELD_COUNT);
    out->first_field_ = pk_rd32(e + PK_E_FIRST_FIELD);
    return PACKRS_OK;
}

/* Checks res was produced by this reader (programmer misuse guard). */
static int check_res(packrs_reader *r, const packrs_resource *res)
{
    if (!r || r->failed || !res || res->index >= r->nres ||
        !atomic_load_explicit(&r->entry_ok[res->index], memory_order_acquire))
        return PACKRS_EINVAL;
    return PACKRS_OK;
}

/* Fills *out from field record fi, checking its data checksum once (§6). */
static int field_load(packrs_reader *r, const packrs_resource *res, uint32_t fi,
                      packrs_field *out)
{
    const unsigned char *f = r->fields + (size_t)fi * PK_FIELD_SIZE;
    out->type = pk_rd16(f + PK_F_TYPE);
    out->compressed = (int)(pk_rd16(f + PK_F_FLAGS) & (PK_FFLAG_ZLIB | PK_FFLAG_ZSTD));
    out->name = (const char *)r->strings + pk_rd32(f + PK_F_NAME_OFF);
    out->name_len = pk_rd32(f + PK_F_NAME_LEN);
    out->data = r->data + pk_rd64(f + PK_F_OFFSET);
    out->size = (size_t)pk_rd64(f + PK_F_SIZE);
    out->uncompressed_size = (size_t)pk_rd64(f + PK_F_USIZE);
    if (atomic_load_explicit(&r->field_ok[fi], memory_order_acquire))
        return PACKRS_OK;
    if (XXH3_64bits(out->data, out->size) != pk_rd64(f + PK_F_CHECKSUM))
        return packrs__fail(r, PACKRS_ECHECKSUM,
                            "corrupt blob (§6.2): %s%s%s of resource '%s' fails "
                            "its checksum", packrs_field_type_name(out->type),
                            out->name_len ? " " : "", out->name, res->name);
    atomic_store_explicit(&r->field_ok[fi], 1, memory_order_release);
    return PACKRS_OK;
}

int packrs_resource_field_at(packrs_reader *r, const packrs_resource *res,
                             uint32_t i, packrs_field *out)
{
    if (check_res(r, res) || !out)
        return PACKRS_EINVAL;
    if (i >= res->field_count)
        return packrs__fail(r, PACKRS_ENOTFOUND, "field %u out of range", i);
    return field_load(r, res, res->first_field_ + i, out);
}

/* Compares field record f with (type, key) in §5.7 order. */
static int field_cmp(packrs_reader *r, const unsigned char *f, int type,
                     const char *key)
{
    int t = pk_rd16(f + PK_F_TYPE);
    if (t != type)
        return t < type ? -1 : 1;
    return strcmp((const char *)r->strings + pk_rd32(f + PK_F_NAME_OFF), key);
}

int packrs_resource_field(packrs_reader *r, const packrs_resource *res,
                          int type, const char *key, packrs_field *out)
{
    uint32_t lo = 0, hi;
    if (check_res(r, res) || !out)
        return PACKRS_EINVAL;
    hi = res->field_count;
    while (lo < hi) { /* fields are sorted by (type, key): §5.7 */
        uint32_t mid = lo + (hi - lo) / 2;
        int c = field_cmp(r, r->fields + (size_t)(res->first_field_ + mid) *
                                             PK_FIELD_SIZE, type, key ? key : "");
        if (c == 0)
            return field_load(r, res, res->first_field_ + mid, out);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return packrs__miss(r, PACKRS_ENOTFOUND, "no such field");
}

/* Decompresses zstd field f into dst (dst_len bytes exactly, §5.6). */
static int unzstd(packrs_reader *r, const packrs_field *f, void *dst, size_t dst_len)
{
    size_t got = ZSTD_decompress(dst, dst_len, f->data, f->size);
    int nomem = ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation;
    if (!ZSTD_isError(got) && got == dst_len)
        return PACKRS_OK;
    return packrs__fail(r, nomem ? PACKRS_ENOMEM : PACKRS_ECORRUPT,
                        "corrupt blob (§5.6): %s '%s' does not decompress to %zu bytes "
                        "(zstd: %s)", packrs_field_type_name(f->type), f->name, dst_len,
                        ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size");
}

int packrs_field_decompress(packrs_reader *r, const packrs_field *f, void *dst,
                            size_t dst_len)
{
    uLongf got = (uLongf)dst_len;
    int zrc;
    if (!r || r->failed || !f || (!dst && dst_len) || dst_len != f->uncompressed_size)
        return PACKRS_EINVAL;
    if (!f->compressed) {
        if (dst_len)
            memcpy(dst, f->data, dst_len);
        return PACKRS_OK;
    }
    if (f->compressed == PACKRS_FIELD_ZSTD)
        return unzstd(r, f, dst, dst_len);
    zrc = uncompress(dst, &got, f->data, (uLong)f->size);
    if (zrc != Z_OK || got != dst_len)
        return packrs__fail(r, zrc == Z_MEM_ERROR ? PACKRS_ENOMEM : PACKRS_ECORRUPT,
                            "corrupt blob (§5.6): %s '%s' does not inflate to "
                            "%zu bytes (zlib %d)", packrs_field_type_name(f->type),
                            f->name, dst_len, zrc);
    return PACKRS_OK;
}

int packrs_field_read(packrs_reader *r, const packrs_field *f,
                      const void **out, size_t *out_len, void **owned)
{
    void *buf;
    int rc;
    if (!r || r->failed || !f || !out || !out_len || !owned)
        return PACKRS_EINVAL;
    *owned = NULL;
    if (!f->compressed) {
        *out = f->data;
        *out_len = f->size;
        return PACKRS_OK;
    }
    if (!(buf = malloc(f->uncompressed_size ? f->uncompressed_size : 1)))
        return packrs__fail(r, PACKRS_ENOMEM, "out of memory inflating %zu bytes",
                            f->uncompressed_size);
    if ((rc = packrs_field_decompress(r, f, buf, f->uncompressed_size))) {
        free(buf);
        return rc;
    }
    *out = *owned = buf;
    *out_len = f->uncompressed_size;
    return PACKRS_OK;
}

int packrs_field_release(packrs_reader *r, const packrs_field *f)
{
    uintptr_t at;
    if (!r || r->failed || !f)
        return PACKRS_EINVAL;
    at = (uintptr_t)f->data - (uintptr_t)r->data; /* wraps when f->data < r->data */
    if (at > r->data_len || f->size > r->data_len - at)
        return PACKRS_EINVAL;
    if (r->map.base)
        packrs__os_drop(&r->map, r->data, (size_t)r->data_len, f->data, f->size);
    return PACKRS_OK;
}
