/*
 * test_magic.c — bytecode whose magic number is not the running
 * interpreter's is never executed (docs/runtime.md §3): a module without
 * source fails with an ImportError that says why, a module with source is
 * compiled from it instead.
 *
 * The blob is written here with libpackrs: its "@pyembed" resource claims
 * python_magic=1, and both modules carry a BYTECODE field of bytes that
 * are not even marshal data. The standard library comes from disk
 * (filesystem importer on), so only the two modules come from the blob.
 *   test_magic PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packrs.h"
#include "pyembed.h"

static pyembed_interp *interp;
static void *blob;
static size_t blob_len;
static char search_path[4096];

/* Adds module name with a junk BYTECODE field and, if source, a SOURCE. */
static int add_module(packrs_writer *w, const char *name, const char *source)
{
    static const char junk[] = "not marshal data";
    return packrs_writer_add_resource(w, name, PACKRS_KIND_MODULE) ||
           packrs_writer_add_field(w, name, PACKRS_FIELD_BYTECODE, NULL, junk,
                                   sizeof junk, 0) ||
           (source && packrs_writer_add_field(w, name, PACKRS_FIELD_SOURCE, NULL, source,
                                              strlen(source), 0));
}

/* The blob: "@pyembed" with a foreign magic, two modules. */
static int make_blob(void)
{
    static const char meta[] = "format=1\npython_magic=1\n";
    packrs_writer *w;
    int rc = packrs_writer_create(&w);
    rc = rc || packrs_writer_add_resource(w, "@pyembed", 0) ||
         packrs_writer_add_field(w, "@pyembed", PACKRS_FIELD_METADATA, NULL, meta,
                                 sizeof meta - 1, 0) ||
         add_module(w, "magicnosrc", NULL) ||
         add_module(w, "magicsrc", "def answer():\n    return 'compiled from source'\n") ||
         packrs_writer_finish_buffer(w, &blob, &blob_len);
    if (rc)
        fprintf(stderr, "blob: %s\n", packrs_writer_errmsg(w));
    packrs_writer_free(w);
    return rc ? -1 : 0;
}

static int group_setup(void **state)
{
    pyembed_config cfg;
    int rc;
    (void)state;
    if (make_blob())
        return -1;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_MEMORY;
    cfg.blob = blob;
    cfg.blob_len = blob_len;
    cfg.filesystem_importer = 1;
    cfg.module_search_path = search_path;
    rc = pyembed_interp_create(&interp, &cfg);
    if (rc)
        fprintf(stderr, "create: %s\n", pyembed_interp_errmsg(interp));
    return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pyembed_interp_free(interp);
    free(blob);
    return 0;
}

/* Without source: ImportError naming the module and the magic numbers. */
static void test_magic__refused_without_source(void **state)
{
    (void)state;
    assert_int_equal(pyembed_exec(interp, "import magicnosrc"), PYEMBED_EPYTHON);
    assert_non_null(strstr(pyembed_interp_errmsg(interp), "ImportError"));
    assert_non_null(strstr(pyembed_interp_errmsg(interp), "magicnosrc"));
    assert_non_null(strstr(pyembed_interp_errmsg(interp), "magic 1"));
}

/* With source: the junk bytecode is skipped and the source compiled. */
static void test_magic__source_used_instead(void **state)
{
    char *out = NULL;
    (void)state;
    assert_int_equal(pyembed_call(interp, &out, "magicsrc", "answer", NULL), PYEMBED_OK);
    assert_string_equal(out, "compiled from source");
    free(out);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_magic__refused_without_source),
        cmocka_unit_test(test_magic__source_used_instead),
    };
    if (argc < 5) {
        fprintf(stderr, "usage: %s PACK APP STDLIB_DIR DYNLOAD_DIR\n", argv[0]);
        return 2;
    }
    snprintf(search_path, sizeof search_path, "%s:%s", argv[3], argv[4]);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
