/*
 * meta.c — the blob's "@pyembed" resource: pyembed's own facts about a
 * blob (docs/runtime.md). Reads its METADATA field (parsed by
 * meta_parse.c) and its SOURCE field, the run_code entry.
 */
#include "pyembed_int.h"

#include <stdlib.h>
#include <string.h>

/* Reads field type of res as a malloc'd NUL-terminated string. */
static int read_text(pyembed_interp *it, const packrs_resource *res, int type,
                     char **out, size_t *len)
{
    packrs_field f;
    const void *p;
    void *owned;
    int rc = packrs_resource_field(it->reader, res, type, NULL, &f);
    *out = NULL;
    if (rc == PACKRS_ENOTFOUND)
        return PYEMBED_OK;
    if (rc || (rc = packrs_field_read(it->reader, &f, &p, len, &owned)))
        return pyembed__fail(it, PYEMBED_ERESOURCES, "%s", packrs_reader_errmsg(it->reader));
    if ((*out = malloc(*len + 1))) {
        memcpy(*out, p, *len);
        (*out)[*len] = 0;
    }
    free(owned);
    packrs_field_release(it->reader, &f);
    return *out ? PYEMBED_OK : pyembed__fail(it, PYEMBED_ENOMEM, "out of memory");
}

int pyembed__meta_load(pyembed_interp *it)
{
    packrs_resource res;
    char *text;
    size_t len;
    int rc;
    pyembed__meta_clear(&it->meta);
    rc = packrs_reader_find(it->reader, PYEMBED_META_RESOURCE,
                            sizeof PYEMBED_META_RESOURCE - 1, &res);
    if (rc == PACKRS_ENOTFOUND)
        return PYEMBED_OK;
    if (rc)
        return pyembed__fail(it, PYEMBED_ERESOURCES, "%s", packrs_reader_errmsg(it->reader));
    if ((rc = read_text(it, &res, PACKRS_FIELD_METADATA, &text, &len)))
        return rc;
    rc = text ? pyembed__meta_parse(&it->meta, text, len) : PYEMBED_OK;
    if (rc == PYEMBED_ENOMEM)
        rc = pyembed__fail(it, rc, "out of memory");
    free(text);
    if (rc == PYEMBED_OK)
        rc = read_text(it, &res, PACKRS_FIELD_SOURCE, &it->meta.run_code, &len);
    return rc;
}
