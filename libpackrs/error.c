/*
 * error.c — recording failure messages (the bottom layer; see error_int.h).
 *
 * A shared reader must not be written by lookups (packrs.h), so failures
 * after a successful open go to a small per-thread table of slots, each
 * tagged with the id of the reader it belongs to. Ids are unique for the
 * life of the process, so a freed reader's slot never answers for a new
 * reader at the same address.
 */
#include "error_int.h"

#include <stdio.h>

#include "reader_int.h"
#include "writer_int.h"

/* Readers one thread can fail on in turn and still read each message:
 * a slot is reused only after this many other readers failed since. */
#define PK_THREAD_SLOTS 4

typedef struct msg_slot {
    uint64_t reader_id;    /* 0: unused */
    const char *msg;       /* text or a static string */
    char text[PK_MSG_SIZE];
} msg_slot;

static _Thread_local msg_slot slots[PK_THREAD_SLOTS];
static _Thread_local unsigned next_slot;

int packrs__vmsg(char *buf, size_t size, int code, const char *fmt,
                 va_list ap)
{
    if (size)
        vsnprintf(buf, size, fmt, ap);
    return code;
}

int packrs__msg(char *buf, size_t size, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    packrs__vmsg(buf, size, code, fmt, ap);
    va_end(ap);
    return code;
}

/* The calling thread's slot for reader id, or NULL if it has none. */
static msg_slot *find_slot(uint64_t id)
{
    for (unsigned i = 0; i < PK_THREAD_SLOTS; i++)
        if (slots[i].reader_id == id)
            return &slots[i];
    return NULL;
}

/* The calling thread's slot for reader id, taking over the slot claimed
 * longest ago when it has none. */
static msg_slot *claim_slot(uint64_t id)
{
    msg_slot *s = find_slot(id);
    if (!s) {
        s = &slots[next_slot++ % PK_THREAD_SLOTS];
        s->reader_id = id;
    }
    return s;
}

int packrs__fail(packrs_reader *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (r->live) {
        msg_slot *s = claim_slot(r->id);
        packrs__vmsg(s->text, sizeof s->text, code, fmt, ap);
        s->msg = s->text;
    } else {
        packrs__vmsg(r->errmsg, sizeof r->errmsg, code, fmt, ap);
    }
    va_end(ap);
    return code;
}

int packrs__miss(packrs_reader *r, int code, const char *msg)
{
    if (r->live)
        claim_slot(r->id)->msg = msg;
    else
        packrs__msg(r->errmsg, sizeof r->errmsg, code, "%s", msg);
    return code;
}

const char *packrs_reader_errmsg(const packrs_reader *r)
{
    const msg_slot *s;
    if (!r)
        return "no reader (out of memory)";
    s = r->live ? find_slot(r->id) : NULL;
    return s ? s->msg : r->errmsg;
}

int packrs__wfail(packrs_writer *w, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    packrs__vmsg(w->errmsg, sizeof w->errmsg, code, fmt, ap);
    va_end(ap);
    return code;
}
