/*
 * verify.c — packrs_reader_verify(): every record, string and checksum.
 *
 * Opening checks only the header and index; this walks the whole blob, so
 * a tool (pyembed-pack verify) can prove a file intact before shipping it.
 */
#include "reader_int.h"

#include <stdlib.h>

/* Checks the bucket table holds each entry exactly once (§3.2, §3.3). */
static int verify_buckets(packrs_reader *r)
{
    uint32_t used = 0;
    for (uint32_t b = 0; b < r->nbuckets; b++) {
        uint32_t slot = pk_rd32(r->buckets + (size_t)b * PK_BUCKET_SIZE + 4);
        used += slot != 0;
        if (slot > r->nres)
            return CORRUPT(r, "§3.2", "bucket %u names entry %u of %u", b, slot - 1,
                           r->nres);
    }
    if (used != r->nres)
        return CORRUPT(r, "§3.3", "%u buckets used for %u resources", used, r->nres);
    return PACKRS_OK;
}

/* Checks entry i: order (§4.7), contiguous fields (§4.5), reachable by
 * lookup (§3.3), and every field's checksum and inflated size (§6). */
static int verify_entry(packrs_reader *r, uint32_t i, packrs_resource *prev,
                        uint32_t *next_field) /* prev: entry i-1 (unused at 0) */
{
    packrs_resource res, found;
    int rc;
    if ((rc = packrs__entry_load(r, i, &res)))
        return rc;
    /* Names hold no NUL (§4.2), so strcmp is the bytewise order of §4.7. */
    if (i > 0 && strcmp(prev->name, res.name) >= 0)
        return CORRUPT(r, "§4.7", "entry %u is not in sorted order", i);
    if (res.first_field_ != *next_field)
        return CORRUPT(r, "§4.5", "fields of entry %u do not follow entry %u's", i,
                       i ? i - 1 : 0);
    *next_field += res.field_count;
    if ((rc = packrs_reader_find(r, res.name, res.name_len, &found)) ||
        found.index != i)
        return rc && rc != PACKRS_ENOTFOUND
                   ? rc : CORRUPT(r, "§3.3", "resource '%s' is not reachable "
                                  "through the bucket table", res.name);
    for (uint32_t f = 0; f < res.field_count; f++) {
        packrs_field fld;
        const void *bytes;
        size_t n;
        void *owned;
        if ((rc = packrs_resource_field_at(r, &res, f, &fld)) ||
            (rc = packrs_field_read(r, &fld, &bytes, &n, &owned)))
            return rc;
        free(owned);
    }
    *prev = res;
    return PACKRS_OK;
}

int packrs_reader_verify(packrs_reader *r)
{
    packrs_resource prev;
    uint32_t next_field = 0;
    int rc;
    if (!r || r->failed)
        return PACKRS_EINVAL;
    if ((rc = verify_buckets(r)))
        return rc;
    for (uint32_t i = 0; i < r->nres; i++)
        if ((rc = verify_entry(r, i, &prev, &next_field)))
            return rc;
    if (next_field != r->nfields)
        return CORRUPT(r, "§4.5", "%u field records but entries use %u",
                       r->nfields, next_field);
    return PACKRS_OK;
}
