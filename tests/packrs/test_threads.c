/*
 * test_threads.c — one reader shared by several threads (packrs.h: once
 * open, a reader may be shared; messages are per thread).
 *
 * Threads hammer one reader at once with finds, misses, field reads (plain
 * and compressed) and lookups of deliberately corrupt entries, so lazy
 * validation, failures and their messages all happen concurrently. Each
 * thread checks that packrs_reader_errmsg() shows its own last failure,
 * never another thread's. Meant to run under TSan or helgrind as well
 * (meson: packrs-threads in 'unit', packrs-threads-helgrind in 'slow'):
 * there the point is that lookups write no shared state.
 *
 *   test_threads [ROUNDS]    rounds per thread, default 3000
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "format_int.h"
#include "reseal.h"

#define NGOOD 48
#define NTHREADS 4
#define CODE_LEN 3000

static int rounds = 3000;

/* What each thread provokes, and what its message must then contain. */
typedef struct role {
    const char *name;      /* the corrupt resource it touches */
    int code;              /* the failure it must get */
    const char *want[2];   /* substrings of its message */
} role;

static const role roles[NTHREADS] = {
    {"bad.kind", PACKRS_ECORRUPT, {"§4.3", "reserved kind bits"}},
    {"bad.sum", PACKRS_ECHECKSUM, {"§4.4", "'bad.sum'"}},
    {"bad.data", PACKRS_ECHECKSUM, {"§6.2", "'bad.data'"}},
    {"bad.zlib", PACKRS_ECORRUPT, {"§5.6", "'zlib.bin'"}},
};

typedef struct worker {
    pthread_t thread;
    packrs_reader *r;
    int id;
    unsigned char *code;   /* the expected bytes of every compressed field */
    long checks, bad;      /* checks made, checks failed */
    char first_bad[400];   /* what the first failed check saw */
} worker;

/* ---- the blob ------------------------------------------------------------ */

static void good_name(char *buf, size_t n, int i)
{
    snprintf(buf, n, "good.%02d", i);
}

/* NGOOD good resources with a plain source, a compressed bytecode and a
 * keyed data file; four resources that are damaged after writing. */
static unsigned char *build(size_t *len, const unsigned char *code)
{
    packrs_writer *w = writer_new();
    char name[32];
    for (int i = 0; i < NGOOD; i++) {
        good_name(name, sizeof name, i);
        add_res(w, name, PACKRS_KIND_MODULE);
        add_field(w, name, PACKRS_FIELD_SOURCE, NULL, name, strlen(name), 0);
        add_field(w, name, PACKRS_FIELD_BYTECODE, NULL, code, CODE_LEN, PACKRS_FIELD_ZLIB);
        add_field(w, name, PACKRS_FIELD_DATA_FILE, "d.txt", "data", 4, 0);
    }
    for (int t = 0; t < NTHREADS; t++) {
        add_res(w, roles[t].name, PACKRS_KIND_MODULE);
        add_field(w, roles[t].name, PACKRS_FIELD_SOURCE, NULL, "x = 1\n", 6, 0);
    }
    add_field(w, "bad.zlib", PACKRS_FIELD_DATA_FILE, "zlib.bin", code, CODE_LEN,
              PACKRS_FIELD_ZLIB);
    return finish(w, len);
}

/* Entry record and field records of resource name in blob. */
static unsigned char *entry_of(unsigned char *blob, size_t len, const char *name,
                               unsigned char **fields)
{
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res;
    unsigned char *e;
    assert_int_equal(packrs_reader_find(r, name, strlen(name), &res), PACKRS_OK);
    e = blob + pk_rd64(blob + PK_OFF_ENTRIES) + (size_t)res.index * PK_ENTRY_SIZE;
    *fields = blob + pk_rd64(blob + PK_OFF_FIELDS) +
              (size_t)pk_rd32(e + PK_E_FIRST_FIELD) * PK_FIELD_SIZE;
    packrs_reader_free(r);
    return e;
}

/* Data bytes of field record f. */
static unsigned char *data_of(unsigned char *blob, const unsigned char *f)
{
    return blob + pk_rd64(blob + PK_OFF_DATA) + pk_rd64(f + PK_F_OFFSET);
}

/* Damages the four bad.* resources as roles[] says. */
static void damage(unsigned char *blob, size_t len)
{
    unsigned char *f, *e;
    entry_of(blob, len, "bad.zlib", &f); /* fields: source, data-file */
    assert_int_equal(pk_rd16(f + PK_FIELD_SIZE + PK_F_FLAGS), PK_FFLAG_ZLIB);
    memset(data_of(blob, f + PK_FIELD_SIZE) + 8, 0x55, 8);
    reseal_entries(blob, len); /* only the stream is wrong (§5.6) */
    e = entry_of(blob, len, "bad.kind", &f);
    pk_wr32(e + PK_E_KIND, pk_rd32(e + PK_E_KIND) | 0x80000000u); /* §4.3 */
    e = entry_of(blob, len, "bad.sum", &f);
    e[PK_E_CHECKSUM] ^= 1;                                         /* §4.4 */
    entry_of(blob, len, "bad.data", &f);
    data_of(blob, f)[0] ^= 1;                                      /* §6.2 */
}

/* ---- the workers ----------------------------------------------------------- */

/* Counts one check; remembers what the first failed one saw. */
static void check(worker *w, int ok, const char *what)
{
    w->checks++;
    if (ok || w->bad++)
        return;
    snprintf(w->first_bad, sizeof w->first_bad, "thread %d: %s; errmsg \"%s\"", w->id,
             what, packrs_reader_errmsg(w->r));
}

/* Provokes the worker's own failure; its message must be its own. */
static void own_failure(worker *w)
{
    const role *ro = &roles[w->id];
    packrs_resource res;
    packrs_field f;
    const void *p;
    size_t n;
    void *owned = NULL;
    int rc = packrs_reader_find(w->r, ro->name, strlen(ro->name), &res);
    if (rc == PACKRS_OK)
        rc = packrs_resource_field_at(w->r, &res, res.field_count - 1, &f);
    if (rc == PACKRS_OK)
        rc = packrs_field_read(w->r, &f, &p, &n, &owned);
    packrs_free(owned);
    check(w, rc == ro->code, "own failure code");
    check(w, strstr(packrs_reader_errmsg(w->r), ro->want[0]) &&
             strstr(packrs_reader_errmsg(w->r), ro->want[1]), "own failure message");
}

/* Finds good resource i and checks every field's bytes. */
static void good_lookup(worker *w, int i, packrs_resource *out)
{
    char name[32];
    packrs_resource res;
    packrs_field src, code;
    const void *p;
    size_t n;
    void *owned = NULL;
    good_name(name, sizeof name, i);
    check(w, packrs_reader_find(w->r, name, strlen(name), &res) == PACKRS_OK, "find");
    check(w, packrs_resource_field(w->r, &res, PACKRS_FIELD_SOURCE, NULL, &src) == 0 &&
             src.size == strlen(name) && !memcmp(src.data, name, src.size), "source");
    check(w, packrs_resource_field(w->r, &res, PACKRS_FIELD_BYTECODE, NULL, &code) == 0 &&
             code.compressed && packrs_field_read(w->r, &code, &p, &n, &owned) == 0 &&
             n == CODE_LEN && !memcmp(p, w->code, n), "compressed bytecode");
    packrs_free(owned);
    *out = res;
}

/* A resource miss and a field miss of res: cheap, static messages. */
static void misses(worker *w, const packrs_resource *res)
{
    packrs_resource none;
    packrs_field f;
    check(w, packrs_reader_find(w->r, "absent.mod", 10, &none) == PACKRS_ENOTFOUND &&
             !strcmp(packrs_reader_errmsg(w->r), "no such resource"), "miss");
    check(w, packrs_resource_field(w->r, res, PACKRS_FIELD_DATA_FILE, "nope", &f) ==
             PACKRS_ENOTFOUND && !strcmp(packrs_reader_errmsg(w->r), "no such field"),
          "field miss");
}

/* One round: good lookups, misses, the own failure, and checks that the
 * message stays the thread's own while other threads fail. */
static void round_of(worker *w, int k)
{
    char want[64];
    packrs_resource res;
    size_t idx = 1000000u + (size_t)w->id * 100000u + (size_t)k;
    good_lookup(w, (k + w->id * 7) % NGOOD, &res);
    misses(w, &res);
    own_failure(w);
    good_lookup(w, (k * 3 + 1) % NGOOD, &res);
    check(w, strstr(packrs_reader_errmsg(w->r), roles[w->id].want[1]) != NULL,
          "own message survives successes and others' failures");
    snprintf(want, sizeof want, "index %zu out of range", idx);
    check(w, packrs_reader_get(w->r, idx, &res) == PACKRS_ENOTFOUND &&
             !strcmp(packrs_reader_errmsg(w->r), want), "formatted per-thread message");
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int k = 0; k < rounds; k++)
        round_of(w, k);
    return NULL;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_threads__shared_reader(void **state)
{
    size_t len;
    unsigned char *code = bytes_compressible(CODE_LEN), *blob = build(&len, code);
    worker ws[NTHREADS];
    packrs_reader *r;
    (void)state;
    damage(blob, len);
    r = open_ok(blob, len);
    for (int t = 0; t < NTHREADS; t++) {
        ws[t] = (worker){.r = r, .id = t, .code = code};
        assert_int_equal(pthread_create(&ws[t].thread, NULL, work, &ws[t]), 0);
    }
    for (int t = 0; t < NTHREADS; t++) {
        assert_int_equal(pthread_join(ws[t].thread, NULL), 0);
        if (ws[t].bad)
            fail_msg("%ld of %ld checks failed; first: %s", ws[t].bad, ws[t].checks,
                     ws[t].first_bad);
        assert_true(ws[t].checks > 0);
    }
    /* This thread never failed on r: it sees the open's message. */
    assert_string_equal(packrs_reader_errmsg(r), "");
    assert_int_equal(packrs_reader_verify(r), PACKRS_ECHECKSUM); /* bad.data */
    assert_non_null(strstr(packrs_reader_errmsg(r), "§6.2"));
    packrs_reader_free(r);
    free(blob);
    free(code);
}

/* A thread keeps its messages for 4 readers; a 5th takes the oldest. */
static void test_threads__messages_per_reader(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r[5];
    packrs_resource res;
    char want[64];
    (void)state;
    for (int i = 0; i < 5; i++) {
        r[i] = open_ok(blob, len);
        assert_int_equal(packrs_reader_get(r[i], 100 + (size_t)i, &res), PACKRS_ENOTFOUND);
    }
    assert_string_equal(packrs_reader_errmsg(r[0]), ""); /* taken over by r[4] */
    for (int i = 1; i < 5; i++) {
        snprintf(want, sizeof want, "index %d out of range", 100 + i);
        assert_string_equal(packrs_reader_errmsg(r[i]), want);
    }
    for (int i = 0; i < 5; i++)
        packrs_reader_free(r[i]);
    free(blob);
}

/* A new reader never shows a freed one's message, even at its address. */
static void test_threads__no_stale_message(void **state)
{
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_reader *r = open_ok(blob, len);
    packrs_resource res;
    (void)state;
    assert_int_equal(packrs_reader_find(r, "nothing", 7, &res), PACKRS_ENOTFOUND);
    assert_string_equal(packrs_reader_errmsg(r), "no such resource");
    packrs_reader_free(r);
    r = open_ok(blob, len);
    assert_string_equal(packrs_reader_errmsg(r), "");
    packrs_reader_free(r);
    free(blob);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads__shared_reader),
        cmocka_unit_test(test_threads__messages_per_reader),
        cmocka_unit_test(test_threads__no_stale_message),
    };
    if (argc > 1 && (rounds = atoi(argv[1])) <= 0)
        return fprintf(stderr, "usage: %s [ROUNDS]\n", argv[0]), 2;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
