/* reader_int.h — the reader handle, shared by reader.c, entry.c, verify.c,
 * locate.c and error.c (private). */
#ifndef PACKRS_READER_INT_H
#define PACKRS_READER_INT_H

#include <stdatomic.h>

#include "error_int.h"
#include "format_int.h"
#include "os_int.h"
#include "packrs.h"

struct packrs_reader {
    const unsigned char *blob; /* start of the blob (inside map if mapped) */
    size_t len;                /* blob length == header blob_size */
    pk_map map;                /* the file mapping to release, if any */
    int failed;                /* open failed: handle only carries errmsg */
    int live;                  /* opened: messages go per thread (error.c) */
    uint64_t id;               /* unique for the process: tags messages */
    uint32_t version;          /* format version of the blob (1 or 2) */
    uint32_t nbuckets, nres, nfields;
    const unsigned char *buckets, *entries, *fields, *strings, *data;
    uint64_t strings_len, data_len;
    atomic_uchar *entry_ok;    /* per entry: 1 once validated */
    atomic_uchar *field_ok;    /* per field: 1 once its checksum held */
    char errmsg[PK_MSG_SIZE];  /* the open's message ("" if it succeeded) */
};

/* New zeroed reader with a fresh id; NULL on ENOMEM. */
packrs_reader *packrs__reader_new(void);
/* Validates header and index of the len bytes at blob (§2, §3) and fills
 * r's section pointers. */
int packrs__reader_attach(packrs_reader *r, const unsigned char *blob,
                          size_t len);
/* Ends an open of r with result rc: a failed handle turns inert, a good
 * one live (shareable). Returns rc. */
int packrs__reader_opened(packrs_reader *r, int rc);
/* Validates entry i once (§4, §5) and fills *out. */
int packrs__entry_load(packrs_reader *r, uint32_t i, packrs_resource *out);

#endif
