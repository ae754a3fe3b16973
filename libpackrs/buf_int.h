/* buf_int.h — a growable byte buffer: the executable image packrs_embed
 * builds (embed.c, exe.c, exe_elf.c, exe_trailer.c; private). */
#ifndef PACKRS_BUF_INT_H
#define PACKRS_BUF_INT_H

#include <stddef.h>

typedef struct pk_buf {
    unsigned char *p; /* malloc'd, or NULL while empty; owner frees */
    size_t len, cap;
} pk_buf;

/* Appends n bytes of s (zeros when s is NULL); -1 on ENOMEM or overflow. */
int packrs__buf_put(pk_buf *b, const void *s, size_t n);
/* Makes room for n more bytes, so pointers into b stay valid while up to n
 * bytes are appended; -1 on ENOMEM or overflow. */
int packrs__buf_reserve(pk_buf *b, size_t n);
/* Appends zeros up to a multiple of align (> 0); -1 on ENOMEM. */
int packrs__buf_pad(pk_buf *b, size_t align);

#endif
