/* writer_int.h — the writer's in-memory model, shared by writer.c and
 * serialise.c (private). */
#ifndef PACKRS_WRITER_INT_H
#define PACKRS_WRITER_INT_H

#include "error_int.h"
#include "format_int.h"
#include "packrs.h"

typedef struct wfield {
    int type;
    unsigned flags;      /* PK_FFLAG_* as stored */
    char *key;           /* NULL for unkeyed types */
    unsigned char *data; /* stored bytes (compressed if flags say so) */
    size_t size, usize;
} wfield;

typedef struct wres {
    char *name;
    size_t name_len;
    uint32_t kind;
    wfield *fields;
    size_t nfields, cap;
} wres;

struct packrs_writer {
    wres **res;
    size_t n, cap;
    uint32_t *slots; /* open-addressing set of res indexes + 1 */
    size_t nslots;
    char errmsg[PK_MSG_SIZE];
};

/* Rebuilds the name index after w->res was reordered. */
void packrs__writer_reindex(packrs_writer *w);

#endif
