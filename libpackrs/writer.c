/*
 * writer.c — collecting resources and fields in memory.
 *
 * The writer copies everything it is given; serialise.c lays it out.
 * Names are checked here so a bad name is reported where it was added.
 */
#include "writer_int.h"

#include <limits.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

int packrs_writer_create(packrs_writer **out)
{
    if (!out)
        return PACKRS_EINVAL;
    *out = calloc(1, sizeof(packrs_writer));
    return *out ? PACKRS_OK : PACKRS_ENOMEM;
}

static void wres_free(wres *r)
{
    for (size_t i = 0; i < r->nfields; i++) {
        free(r->fields[i].key);
        free(r->fields[i].data);
    }
    free(r->fields);
    free(r->name);
    free(r);
}

void packrs_writer_free(packrs_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        wres_free(w->res[i]);
    free(w->res);
    free(w->slots);
    free(w);
}

const char *packrs_writer_errmsg(const packrs_writer *w)
{
    return w ? w->errmsg : "no writer";
}

/* Finds name in the writer's hash set: returns its slot (holding index+1
 * or 0 when absent). nslots is a power of two larger than n. */
static size_t slot_of(const packrs_writer *w, const char *name, size_t len)
{
    size_t mask = w->nslots - 1, pos = packrs__hash_name(name, len) & mask;
    while (w->slots[pos]) {
        const wres *r = w->res[w->slots[pos] - 1];
        if (r->name_len == len && !memcmp(r->name, name, len))
            break;
        pos = (pos + 1) & mask;
    }
    return pos;
}

void packrs__writer_reindex(packrs_writer *w)
{
    if (!w->nslots)
        return;
    memset(w->slots, 0, w->nslots * sizeof *w->slots);
    for (size_t i = 0; i < w->n; i++)
        w->slots[slot_of(w, w->res[i]->name, w->res[i]->name_len)] = (uint32_t)i + 1;
}

/* Doubles the hash set when it would pass half full. */
static int grow_slots(packrs_writer *w)
{
    size_t n = w->nslots ? w->nslots * 2 : 64;
    uint32_t *old = w->slots;
    if (w->nslots && (w->n + 1) * 2 <= w->nslots)
        return PACKRS_OK;
    if (!(w->slots = calloc(n, sizeof *w->slots)))
        return w->slots = old, PACKRS_ENOMEM;
    w->nslots = n;
    for (size_t i = 0; i < w->n; i++)
        w->slots[slot_of(w, w->res[i]->name, w->res[i]->name_len)] = (uint32_t)i + 1;
    free(old);
    return PACKRS_OK;
}

/* Returns the resource called name, or NULL (with errmsg) if absent. */
static wres *find_res(packrs_writer *w, const char *name)
{
    size_t slot;
    if (!name || !w->nslots)
        return NULL;
    slot = slot_of(w, name, strlen(name));
    return w->slots[slot] ? w->res[w->slots[slot] - 1] : NULL;
}

int packrs_writer_add_resource(packrs_writer *w, const char *name, uint32_t kind)
{
    size_t len;
    wres *r;
    if (!w)
        return PACKRS_EINVAL;
    if (!name || !*name)
        return packrs__wfail(w, PACKRS_EINVAL, "resource name is empty");
    if ((len = strlen(name)) > PK_MAX_NAME)
        return packrs__wfail(w, PACKRS_ELIMIT, "resource name longer than %u bytes",
                             PK_MAX_NAME);
    if (kind & ~(uint32_t)PACKRS_KIND_ALL)
        return packrs__wfail(w, PACKRS_EINVAL, "'%s': unknown kind bits 0x%x", name,
                             kind & ~(uint32_t)PACKRS_KIND_ALL);
    if (w->n >= UINT32_MAX - 1)
        return packrs__wfail(w, PACKRS_ELIMIT, "too many resources");
    if (find_res(w, name))
        return packrs__wfail(w, PACKRS_EDUPLICATE, "duplicate resource '%s'", name);
    if (grow_slots(w) || !(r = calloc(1, sizeof *r)))
        return packrs__wfail(w, PACKRS_ENOMEM, "out of memory");
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        wres **n = realloc(w->res, cap * sizeof *n);
        if (!n)
            return free(r), packrs__wfail(w, PACKRS_ENOMEM, "out of memory");
        w->res = n;
        w->cap = cap;
    }
    if (!(r->name = strdup(name)))
        return free(r), packrs__wfail(w, PACKRS_ENOMEM, "out of memory");
    r->name_len = len;
    r->kind = kind;
    w->res[w->n++] = r;
    w->slots[slot_of(w, name, len)] = (uint32_t)w->n;
    return PACKRS_OK;
}

int packrs_writer_add_kind(packrs_writer *w, const char *name, uint32_t kind)
{
    wres *r;
    if (!w)
        return PACKRS_EINVAL;
    if (!(r = find_res(w, name)))
        return packrs__wfail(w, PACKRS_ENOTFOUND, "no resource '%s'", name ? name : "");
    if (kind & ~(uint32_t)PACKRS_KIND_ALL)
        return packrs__wfail(w, PACKRS_EINVAL, "'%s': unknown kind bits", name);
    r->kind |= kind;
    return PACKRS_OK;
}

/* 1 when key is a relative path with no empty, '.' or '..' segment. */
static int key_ok(const char *key)
{
    const char *seg = key;
    if (!*key || *key == '/')
        return 0;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || (n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        if (!end)
            return 1;
        seg = end + 1;
    }
}

/* Checks (type, key) of a new field of r (§5.1, §5.4, §5.7). */
static int check_new_field(packrs_writer *w, const wres *r, int type,
                           const char *key)
{
    int keyed = type == PACKRS_FIELD_DATA_FILE || type == PACKRS_FIELD_DISTINFO_FILE;
    if (type < 1 || type > PACKRS_FIELD_TYPE_MAX)
        return packrs__wfail(w, PACKRS_EINVAL, "'%s': unknown field type %d",
                             r->name, type);
    if (keyed && key && strlen(key) > PK_MAX_NAME)
        return packrs__wfail(w, PACKRS_ELIMIT, "'%s': file path longer than %u bytes",
                             r->name, PK_MAX_NAME);
    if (keyed && (!key || !key_ok(key)))
        return packrs__wfail(w, PACKRS_EINVAL, "'%s': bad file path '%s' (must be "
                             "relative, without empty, '.' or '..' segments)",
                             r->name, key ? key : "(null)");
    if (!keyed && key)
        return packrs__wfail(w, PACKRS_EINVAL, "'%s': %s fields take no key",
                             r->name, packrs_field_type_name(type));
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].type == type &&
            (!keyed || !strcmp(r->fields[i].key, key)))
            return packrs__wfail(w, PACKRS_EDUPLICATE, "'%s': duplicate %s%s%s",
                                 r->name, packrs_field_type_name(type),
                                 keyed ? " " : "", keyed ? key : "");
    return PACKRS_OK;
}

/* zstd level of PACKRS_FIELD_ZSTD: smaller than zlib's level 6, faster to
 * compress, decompressing 2.5x faster (bench/bench_codec.c; level 12 took
 * 2.5x longer to compress for 0.5 % less, docs/benchmarks.md). */
#define PK_ZSTD_LEVEL 9

/* f's stored bytes zstd-compressed, if smaller than len: 1 done, 0 not
 * smaller (f->data unset), or an error code. */
static int store_zstd(packrs_writer *w, wfield *f, const void *data, size_t len)
{
    size_t cap = ZSTD_compressBound(len), clen;
    if (!(f->data = malloc(cap)))
        return PACKRS_ENOMEM;
    clen = ZSTD_compress(f->data, cap, data, len, PK_ZSTD_LEVEL);
    if (ZSTD_isError(clen)) {
        free(f->data);
        return packrs__wfail(w, PACKRS_EZLIB, "zstd compress failed: %s",
                             ZSTD_getErrorName(clen));
    }
    if (clen >= len) {
        free(f->data);
        return 0;
    }
    f->size = clen;
    f->flags = PK_FFLAG_ZSTD;
    return 1;
}

/* Sets f's stored bytes: compressed with the codec asked for when that is
 * smaller. */
static int store_bytes(packrs_writer *w, wfield *f, const void *data, size_t len,
                       unsigned flags)
{
    f->usize = len;
    if ((flags & PACKRS_FIELD_ZSTD) && len > 64) {
        int rc = store_zstd(w, f, data, len);
        if (rc)
            return rc == 1 ? PACKRS_OK : rc;
    } else if ((flags & PACKRS_FIELD_ZLIB) && len > 64 && len <= ULONG_MAX / 2) {
        uLongf clen = compressBound((uLong)len);
        if (!(f->data = malloc(clen)))
            return PACKRS_ENOMEM;
        if (compress2(f->data, &clen, data, (uLong)len, 6) != Z_OK)
            return packrs__wfail(w, PACKRS_EZLIB, "zlib compress failed");
        if (clen < len) {
            f->size = clen;
            f->flags = PK_FFLAG_ZLIB;
            return PACKRS_OK;
        }
        free(f->data);
    }
    if (!(f->data = malloc(len ? len : 1)))
        return PACKRS_ENOMEM;
    if (len)
        memcpy(f->data, data, len);
    f->size = len;
    f->flags = 0;
    return PACKRS_OK;
}

int packrs_writer_add_field(packrs_writer *w, const char *resource, int type,
                            const char *key, const void *data, size_t len,
                            unsigned flags)
{
    wres *r;
    wfield f = {0};
    int rc;
    if (!w || (!data && len) || (flags & ~(PACKRS_FIELD_ZLIB | PACKRS_FIELD_ZSTD)) ||
        flags == (PACKRS_FIELD_ZLIB | PACKRS_FIELD_ZSTD))
        return w ? packrs__wfail(w, PACKRS_EINVAL, "bad data or flags") : PACKRS_EINVAL;
    if (!(r = find_res(w, resource)))
        return packrs__wfail(w, PACKRS_ENOTFOUND, "no resource '%s'",
                             resource ? resource : "(null)");
    if ((rc = check_new_field(w, r, type, key)))
        return rc;
    if (r->nfields >= PK_MAX_FIELDS)
        return packrs__wfail(w, PACKRS_ELIMIT, "'%s': too many fields", r->name);
    if (r->nfields == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        wfield *n = realloc(r->fields, cap * sizeof *n);
        if (!n)
            return packrs__wfail(w, PACKRS_ENOMEM, "out of memory");
        r->fields = n;
        r->cap = cap;
    }
    f.type = type;
    if ((key && !(f.key = strdup(key))) || (rc = store_bytes(w, &f, data, len, flags))) {
        free(f.key);
        free(f.data);
        return rc == PACKRS_EZLIB ? rc : packrs__wfail(w, PACKRS_ENOMEM, "out of memory");
    }
    r->fields[r->nfields++] = f;
    return PACKRS_OK;
}
