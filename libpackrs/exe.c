/*
 * exe.c — the executable formats libpackrs can embed into, and the §7
 * order in which a blob is looked for and written (see exe_int.h).
 */
#include "exe_int.h"

#include "packrs.h"

/* Tried in order; the trailer comes after all of them. */
static const pk_exe_format *const formats[] = {&packrs__exe_elf};
#define NFORMATS (sizeof formats / sizeof formats[0])

int packrs__exe_locate(const pk_file *f, uint64_t *off, uint64_t *len,
                       char *err, size_t errlen)
{
    for (size_t i = 0; i < NFORMATS; i++) {
        int rc = formats[i]->locate(f, off, len, err, errlen);
        if (rc != 0)
            return rc; /* found, or malformed: no fallback (§7) */
    }
    return packrs__trailer_locate(f, off, len, err, errlen);
}

int packrs__exe_embed(pk_buf *b, const void *blob, size_t blen, char *err,
                      size_t errlen)
{
    uint64_t off = 0;
    int rc = PACKRS_OK;
    size_t i = 0;
    while (i < NFORMATS && !formats[i]->recognise(b->p, b->len))
        i++;
    if (i < NFORMATS)
        rc = formats[i]->embed(b, blob, blen, &off, err, errlen);
    else if (packrs__buf_pad(b, 16) || (off = b->len, packrs__buf_put(b, blob, blen)))
        rc = PACKRS_ENOMEM;
    return rc ? rc : packrs__trailer_append(b, off, blen);
}
