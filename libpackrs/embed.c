/*
 * embed.c — packrs_embed(): a copy of an executable with the blob in it.
 *
 * The image is read whole, extended by exe.c (§7: the format's container
 * when one recognises it, then the trailer) and written atomically. Writer
 * side: needs nothing from the reader's files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "exe_int.h"

/* Reads the whole file at path into b. */
static int read_file(const char *path, pk_buf *b, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return packrs__msg(err, errlen, PACKRS_EIO, "%s: %s", path, strerror(errno));
    do {
        if (packrs__buf_reserve(b, 65536))
            return fclose(f), packrs__msg(err, errlen, PACKRS_ENOMEM, "out of memory");
        n = fread(b->p + b->len, 1, 65536, f);
        b->len += n;
    } while (n == 65536);
    if (ferror(f))
        return fclose(f), packrs__msg(err, errlen, PACKRS_EIO, "%s: read error", path);
    fclose(f);
    return PACKRS_OK;
}

int packrs_embed(const char *exe_path, const void *blob, size_t blob_len,
                 const char *out_path, char *err, size_t errlen)
{
    pk_buf b = {0};
    int rc;
    if (!exe_path || !blob || !out_path || !err || !errlen)
        return PACKRS_EINVAL;
    err[0] = 0;
    rc = read_file(exe_path, &b, err, errlen);
    if (rc == PACKRS_OK)
        rc = packrs__exe_embed(&b, blob, blob_len, err, errlen);
    if (rc == PACKRS_OK)
        rc = packrs__write_atomic(out_path, b.p, b.len, 1, err, errlen);
    if (rc == PACKRS_ENOMEM && !err[0])
        packrs__msg(err, errlen, rc, "out of memory");
    free(b.p);
    return rc;
}
