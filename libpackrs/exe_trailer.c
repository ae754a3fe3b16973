/*
 * exe_trailer.c — the §7.2 trailer: the file's last 32 bytes say where the
 * blob lies. Independent of the executable format, so it is written after
 * every embed and is the only locator for formats without a container.
 */
#define XXH_STATIC_LINKING_ONLY
#include "exe_int.h"

#include <string.h>
#include <xxhash.h>

#include "error_int.h"
#include "format_int.h"

int packrs__trailer_locate(const pk_file *f, uint64_t *off, uint64_t *len,
                           char *err, size_t errlen)
{
    unsigned char t[PK_TRAILER_SIZE];
    uint64_t end;
    if (f->size < PK_TRAILER_SIZE ||
        packrs__os_pread(f, t, sizeof t, f->size - PK_TRAILER_SIZE) ||
        memcmp(t, PK_TRAILER_MAGIC, 8) || XXH3_64bits(t, 24) != pk_rd64(t + 24))
        return 0;
    *off = pk_rd64(t + 8);
    *len = pk_rd64(t + 16);
    if (!pk_add(*off, *len, &end) || end > f->size - PK_TRAILER_SIZE)
        return packrs__msg(err, errlen, PACKRS_ECORRUPT,
                           "trailer names bytes outside the file (§7.2)");
    return 1;
}

int packrs__trailer_append(pk_buf *b, uint64_t off, uint64_t len)
{
    unsigned char t[PK_TRAILER_SIZE];
    memcpy(t, PK_TRAILER_MAGIC, 8);
    pk_wr64(t + 8, off);
    pk_wr64(t + 16, len);
    pk_wr64(t + 24, XXH3_64bits(t, 24));
    return packrs__buf_put(b, t, sizeof t) ? PACKRS_ENOMEM : PACKRS_OK;
}
