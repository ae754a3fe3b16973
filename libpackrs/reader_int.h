/* reader_int.h — the reader handle, shared by reader.c, field.c, verify.c
 * and locate.c (private). */
#ifndef PACKRS_READER_INT_H
#define PACKRS_READER_INT_H

#include "packrs.h"
#include "format_int.h"

struct packrs_reader {
    const unsigned char *blob; /* start of the blob (inside map if mapped) */
    size_t len;                /* blob length == header blob_size */
    void *map;                 /* mmap base to unmap, or NULL */
    size_t map_len;
    int failed;                /* open failed: handle only carries errmsg */
    uint32_t nbuckets, nres, nfields;
    const unsigned char *buckets, *entries, *fields, *strings, *data;
    uint64_t strings_len, data_len;
    unsigned char *entry_ok;   /* per entry: 1 once validated (atomic) */
    unsigned char *field_ok;   /* per field: 1 once checksum held (atomic) */
    char errmsg[320];
};

/* Records a formatted message on r and returns code. */
int packrs__fail(packrs_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* New zeroed reader; NULL on ENOMEM. */
packrs_reader *packrs__reader_new(void);
/* Validates header and index of the len bytes at blob (§2, §3) and fills
 * r's section pointers. */
int packrs__reader_attach(packrs_reader *r, const unsigned char *blob,
                          size_t len);
/* Validates entry i once (§4, §5) and fills *out. */
int packrs__entry_load(packrs_reader *r, uint32_t i, packrs_resource *out);
/* Maps path read-only into r->map/map_len. */
int packrs__map_file(packrs_reader *r, const char *path);

#endif
