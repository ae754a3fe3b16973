/*
 * locate.c — packrs_reader_open_exe(): the blob embedded in an executable.
 *
 * Where the blob lies is exe.c's business (§7: the format's container,
 * else the trailer); this file opens the executable, asks, and maps just
 * the blob, so the executable's code pages are not mapped (and counted) a
 * second time.
 */
#include "reader_int.h"

#include <stdint.h>

#include "exe_int.h"

/* Maps [off, off+len) of f (page-aligned underneath) and attaches it as
 * r's blob. */
static int map_blob(packrs_reader *r, const pk_file *f, uint64_t off, uint64_t len)
{
    if (len == 0 || len > SIZE_MAX - packrs__os_map_granularity())
        return packrs__fail(r, PACKRS_ECORRUPT, "embedded blob of %llu bytes (§2.1)",
                            (unsigned long long)len);
    if (packrs__os_map(f, off, len, &r->map, NULL, r->errmsg, sizeof r->errmsg))
        return PACKRS_EIO;
    return packrs__reader_attach(r, r->map.data, (size_t)len);
}

/* Locates and maps the blob of the executable f (named path). */
static int open_blob(packrs_reader *r, const pk_file *f, const char *path)
{
    uint64_t off = 0, len = 0;
    int rc = packrs__exe_locate(f, &off, &len, r->errmsg, sizeof r->errmsg);
    if (rc == 0)
        return packrs__fail(r, PACKRS_ENOBLOB, "%s carries no packrs blob", path);
    return rc < 0 ? rc : map_blob(r, f, off, len);
}

int packrs_reader_open_exe(packrs_reader **out, const char *path)
{
    char self[4096];
    packrs_reader *r;
    pk_file f;
    int rc;
    if (!out)
        return PACKRS_EINVAL;
    if (!(r = packrs__reader_new()))
        return *out = NULL, PACKRS_ENOMEM;
    *out = r;
    if (!path && !(path = packrs__os_self_exe(self, sizeof self)))
        return packrs__reader_opened(r, packrs__fail(r, PACKRS_EIO,
                                     "cannot tell the path of the running executable"));
    rc = packrs__os_open(&f, path, r->errmsg, sizeof r->errmsg);
    if (rc == PACKRS_OK) {
        rc = open_blob(r, &f, path);
        packrs__os_close(&f);
    }
    return packrs__reader_opened(r, rc);
}
