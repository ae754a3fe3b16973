/*
 * test_alloc.c — every allocation libpackrs makes may fail (Lua's
 * Memcontrol, SQLite's *fault.test): fail the Nth one, for every N.
 *
 * The executable is linked with -Wl,--wrap for malloc, calloc, realloc
 * and strdup, so libpackrs's calls (it is a static library) reach the
 * wrappers below; allocations inside libc and zlib are not counted. Each
 * failure must surface as PACKRS_ENOMEM and leave the handle usable: the
 * same call, retried, succeeds, and the final blob equals one built
 * without failures. The sanitizer build (LeakSanitizer) proves that the
 * failed paths free what they took.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long countdown = -1; /* allocations left before the one that fails */
static int injected;        /* failures injected since arm() */

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
    if (countdown < 0 || countdown-- > 0)
        return 0;
    injected++;
    return 1;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t s) { return fail_now() ? NULL : __real_calloc(n, s); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }

/* Makes allocation number n (0-based, from now) fail. */
static void arm(long n)
{
    countdown = n;
    injected = 0;
}

/* Runs call; if it failed, it must be the injected ENOMEM, and the retry
 * (nothing armed any more) must succeed. */
#define TRY(call)                                                   \
    do {                                                            \
        int rc_ = (call);                                           \
        if (rc_ != PACKRS_OK) {                                     \
            assert_int_equal(rc_, PACKRS_ENOMEM);                   \
            assert_int_equal(injected, 1);                          \
            assert_int_equal((call), PACKRS_OK);                    \
        }                                                           \
    } while (0)

/* Builds the sample content in w (compressed, keyed, many resources). */
static void fill(packrs_writer *w, const unsigned char *big)
{
    char name[16];
    for (int i = 0; i < 70; i++) { /* past the first growth of every table */
        snprintf(name, sizeof name, "mod%02d", i);
        TRY(packrs_writer_add_resource(w, name, PACKRS_KIND_MODULE));
        TRY(packrs_writer_add_field(w, name, PACKRS_FIELD_SOURCE, NULL, name, 5, 0));
    }
    TRY(packrs_writer_add_kind(w, "mod00", PACKRS_KIND_DATA));
    TRY(packrs_writer_add_field(w, "mod00", PACKRS_FIELD_BYTECODE, NULL, big, 4000,
                                PACKRS_FIELD_ZLIB));
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "dir/f%d", i);
        TRY(packrs_writer_add_field(w, "mod01", PACKRS_FIELD_DATA_FILE, name, big, 100,
                                    PACKRS_FIELD_ZLIB));
    }
}

/* Opens blob, retrying once after an injected failure; returns the reader. */
static packrs_reader *open_retry(const void *blob, size_t len)
{
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_memory(&r, blob, len);
    if (rc) {
        assert_int_equal(rc, PACKRS_ENOMEM);
        assert_true(r == NULL || packrs_reader_errmsg(r)[0] != 0);
        packrs_reader_free(r);
        assert_int_equal(packrs_reader_open_memory(&r, blob, len), PACKRS_OK);
    }
    return r;
}

/* Reads every field of every resource, retrying injected failures. */
static void read_all(packrs_reader *r)
{
    for (size_t i = 0; i < packrs_reader_count(r); i++) {
        packrs_resource res;
        TRY(packrs_reader_get(r, i, &res));
        for (uint32_t j = 0; j < res.field_count; j++) {
            packrs_field f;
            const void *p;
            size_t n;
            void *owned = NULL;
            TRY(packrs_resource_field_at(r, &res, j, &f));
            TRY(packrs_field_read(r, &f, &p, &n, &owned));
            packrs_free(owned);
        }
    }
    TRY(packrs_reader_verify(r));
}

/* One pass with allocation n failing: writer, finish, reader. Returns the
 * number of failures injected (0: n is past the last allocation). */
static int one_pass(long n, const unsigned char *big, const void *want, size_t want_len)
{
    packrs_writer *w = NULL;
    packrs_reader *r;
    void *blob = NULL;
    size_t len = 0;
    arm(n);
    TRY(packrs_writer_create(&w));
    fill(w, big);
    TRY(packrs_writer_finish_buffer(w, &blob, &len));
    packrs_writer_free(w);
    r = open_retry(blob, len);
    read_all(r);
    countdown = -1;
    assert_int_equal(len, want_len);
    assert_memory_equal(blob, want, len);
    packrs_reader_free(r);
    packrs_free(blob);
    return injected;
}

static void test_alloc__each_failure_is_enomem_and_recoverable(void **state)
{
    unsigned char *big = bytes_compressible(4000), *want;
    packrs_writer *w = writer_new();
    size_t want_len;
    long n = 0;
    (void)state;
    fill(w, big);
    want = finish(w, &want_len);
    while (one_pass(n, big, want, want_len))
        n++;
    assert_true(n > 100); /* the scenario does allocate: the wrappers work */
    print_message("failed each of %ld allocations in turn\n", n);
    free(want);
    free(big);
}

/* finish_file and packrs_embed allocate too (paths, file images). */
static void test_alloc__file_writers(void **state)
{
    char *dir = tmpdir_new(), *out = path_join(dir, "out"), *app = path_join(dir, "app");
    size_t len;
    unsigned char *blob = blob_small(&len);
    packrs_writer *w = writer_new();
    char err[256];
    long n;
    (void)state;
    add_res(w, "m", 0);
    for (n = 0, injected = 1; injected; n++) {
        arm(n);
        TRY(packrs_writer_finish_file(w, out));
        TRY(packrs_embed("/bin/true", blob, len, app, err, sizeof err));
        countdown = -1;
        assert_int_equal(dir_count(dir), 2); /* no temporaries left behind */
    }
    assert_true(n > 2);
    packrs_writer_free(w);
    free(blob);
    free(app);
    free(out);
    tmpdir_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc__each_failure_is_enomem_and_recoverable),
        cmocka_unit_test(test_alloc__file_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
