/*
 * error_int.h — how libpackrs records failures (private).
 *
 * The bottom layer: error.c calls nothing else of libpackrs, so every file
 * may call it without forming a loop. A reader's messages follow the rule
 * of packrs.h: while the reader is being opened (one thread) they go on
 * the handle; once it is open and may be shared, each thread keeps its
 * own, so lookups and field reads never write shared state.
 */
#ifndef PACKRS_ERROR_INT_H
#define PACKRS_ERROR_INT_H

#include <stdarg.h>
#include <stddef.h>

#include "packrs.h"

#if defined(__GNUC__)
#define PK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PK_PRINTF(f, a)
#endif

/* Size of every message buffer (handles and per-thread slots). */
#define PK_MSG_SIZE 320

/* Formats fmt into buf[size] (truncated, NUL-terminated when size > 0) and
 * returns code: the one formatting helper of libpackrs. */
int packrs__msg(char *buf, size_t size, int code, const char *fmt, ...)
    PK_PRINTF(4, 5);
/* packrs__msg() with a va_list. */
int packrs__vmsg(char *buf, size_t size, int code, const char *fmt,
                 va_list ap);

/* Records a formatted failure of reader r and returns code: on the handle
 * while r is being opened, else in the calling thread's slot for r. */
int packrs__fail(packrs_reader *r, int code, const char *fmt, ...)
    PK_PRINTF(3, 4);
/* Records the static text msg like packrs__fail, without formatting or
 * copying (lookup misses are frequent and must stay cheap). */
int packrs__miss(packrs_reader *r, int code, const char *msg);
/* Records a formatted failure on writer w and returns code. */
int packrs__wfail(packrs_writer *w, int code, const char *fmt, ...)
    PK_PRINTF(3, 4);

/* A violation of docs/format.md found in r's blob; clause is a literal
 * naming the clause enforced, e.g. "§4.2". */
#define CORRUPT(r, clause, ...) \
    packrs__fail((r), PACKRS_ECORRUPT, "corrupt blob (" clause "): " __VA_ARGS__)

#endif
