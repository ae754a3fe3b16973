/* buf.c — the growable byte buffer of buf_int.h (a bottom file). */
#include "buf_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int packrs__buf_put(pk_buf *b, const void *s, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len)
        return -1;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    if (s)
        memcpy(b->p + b->len, s, n);
    else if (n)
        memset(b->p + b->len, 0, n);
    b->len += n;
    return 0;
}

int packrs__buf_reserve(pk_buf *b, size_t n)
{
    if (packrs__buf_put(b, NULL, n))
        return -1;
    b->len -= n;
    return 0;
}

int packrs__buf_pad(pk_buf *b, size_t align)
{
    return packrs__buf_put(b, NULL, (align - b->len % align) % align);
}
