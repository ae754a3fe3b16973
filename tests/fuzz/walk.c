/* walk.c — exercising an opened reader for the fuzz targets (walk.h). */
#include "walk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Claimed inflated sizes above this are not read. libpackrs allocates
 * the size a compressed field claims before inflating it (entry.c,
 * packrs_field_read; docs/format.md §5.6 checks the size only at
 * inflation), so a tiny hostile blob can ask for up to 2^64 bytes: under
 * ASan that aborts, elsewhere it is ENOMEM or a large mapping. Reported;
 * the first input that found it is crashes/reader/huge-uncompressed-size.
 * Reading would only report that one finding over and over, so such
 * fields are not read, and a blob holding one is not verified
 * (packrs_reader_verify reads every field). */
#define MAX_INFLATE ((size_t)64 << 20)

/* Records a failed call: its message must say something. */
static int failed(packrs_reader *r, int rc)
{
    if (rc)
        REQUIRE(packrs_reader_errmsg(r)[0] != 0);
    return rc != 0;
}

/* Reads every field of res both ways; returns the number of failures.
 * Sets *huge when a field claims more than MAX_INFLATE bytes. */
static int read_fields(packrs_reader *r, const packrs_resource *res, int *huge)
{
    int bad = 0;
    for (uint32_t i = 0; i < res->field_count; i++) {
        packrs_field f, g;
        const void *p;
        size_t n;
        void *owned = NULL;
        if (failed(r, packrs_resource_field_at(r, res, i, &f))) {
            bad++;
            continue;
        }
        bad += failed(r, packrs_resource_field(r, res, f.type,
                                               f.name_len ? f.name : NULL, &g));
        if (f.compressed && f.uncompressed_size > MAX_INFLATE) {
            *huge = 1;
            continue;
        }
        if (!failed(r, packrs_field_read(r, &f, &p, &n, &owned)))
            REQUIRE(n == f.uncompressed_size && (!owned || owned == p));
        else
            bad++;
        packrs_free(owned);
    }
    return bad;
}

/* Looks up names that are not in a blob built by the writer, plus a
 * prefix and an extension of a real name. */
static void find_absent(packrs_reader *r, const packrs_resource *real)
{
    static const char *const names[] = {"", "\xff", "__main__", "zzzz.not.there"};
    packrs_resource res;
    char buf[64];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        failed(r, packrs_reader_find(r, names[i], strlen(names[i]), &res));
    if (real && real->name_len > 1 && real->name_len < sizeof buf - 1) {
        memcpy(buf, real->name, real->name_len);
        buf[real->name_len] = '~';
        failed(r, packrs_reader_find(r, buf, real->name_len - 1, &res));
        failed(r, packrs_reader_find(r, buf, real->name_len + 1, &res));
    }
}

/* Walks an opened blob; returns the number of failed calls. */
static int walk(packrs_reader *r, int *huge)
{
    size_t count = packrs_reader_count(r);
    packrs_resource res, again, last = {0};
    int bad = 0, have_last = 0;
    for (size_t i = 0; i < count; i++) {
        if (failed(r, packrs_reader_get(r, i, &res))) {
            bad++;
            continue;
        }
        if (failed(r, packrs_reader_find(r, res.name, res.name_len, &again)))
            bad++;
        bad += read_fields(r, &res, huge);
        last = res, have_last = 1;
    }
    find_absent(r, have_last ? &last : NULL);
    return bad;
}

/* A failed open must leave an inert handle with a message. */
static void check_failed_handle(packrs_reader *r)
{
    packrs_resource res = {0};
    size_t len = 1;
    REQUIRE(packrs_reader_errmsg(r)[0] != 0);
    REQUIRE(packrs_reader_count(r) == 0);
    REQUIRE(packrs_reader_blob(r, &len) == NULL && len == 0);
    REQUIRE(packrs_reader_get(r, 0, &res) == PACKRS_EINVAL);
    REQUIRE(packrs_reader_find(r, "a", 1, &res) == PACKRS_EINVAL);
    REQUIRE(packrs_reader_verify(r) == PACKRS_EINVAL);
}

void walk_opened(packrs_reader *r, int rc)
{
    if (rc == PACKRS_OK) {
        int huge = 0, bad = walk(r, &huge);
        if (!huge && !failed(r, packrs_reader_verify(r)))
            REQUIRE(bad == 0); /* verify passed what lookups rejected */
    } else if (r) {
        check_failed_handle(r);
    }
}
