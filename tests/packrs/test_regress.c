/*
 * test_regress.c — regression tests for libpackrs bugs found after the
 * module tests were written (each comment says what was wrong).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"

/* Was: serialise.c plan() sorted w->res in place without rebuilding the
 * writer's name index, so after a finish add_field on an existing resource
 * said ENOTFOUND and add_resource accepted a duplicate (§4.7). */
static void test_regress__writer_usable_after_finish(void **state)
{
    packrs_writer *w = writer_new();
    void *buf;
    size_t len;
    unsigned char *blob;
    packrs_reader *r;
    (void)state;
    for (char c = 'z'; c >= 'a'; c--) /* reverse order: the sort moves all */
        add_res(w, (char[]){c, 0}, 0);
    assert_int_equal(packrs_writer_finish_buffer(w, &buf, &len), PACKRS_OK);
    free(buf);
    assert_int_equal(packrs_writer_add_resource(w, "q", 0), PACKRS_EDUPLICATE);
    assert_int_equal(packrs_writer_add_field(w, "q", PACKRS_FIELD_SOURCE, NULL, "x", 1, 0),
                     PACKRS_OK);
    assert_int_equal(packrs_writer_add_kind(w, "b", PACKRS_KIND_MODULE), PACKRS_OK);
    blob = finish(w, &len);
    r = open_ok(blob, len);
    assert_int_equal(packrs_reader_count(r), 26);
    assert_int_equal(packrs_reader_verify(r), PACKRS_OK);
    packrs_reader_free(r);
    free(blob);
}

/* docs/format.md §8: "The writer reports exceeded limits as
 * PACKRS_ELIMIT", and the key length limit is 65535 bytes. writer.c
 * check_new_field() folds the length check into the path check and
 * returns PACKRS_EINVAL ("bad file path"). */
static void test_regress__long_key_is_elimit(void **state)
{
    packrs_writer *w = writer_new();
    char *key = malloc(65537);
    (void)state;
    assert_non_null(key);
    memset(key, 'k', 65536);
    key[65536] = 0;
    add_res(w, "p", 0);
    assert_int_equal(packrs_writer_add_field(w, "p", PACKRS_FIELD_DATA_FILE, key, "x", 1, 0),
                     PACKRS_ELIMIT);
    free(key);
    packrs_writer_free(w);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regress__writer_usable_after_finish),
        cmocka_unit_test(test_regress__long_key_is_elimit),
    };
    (void)argc;
    (void)argv;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
