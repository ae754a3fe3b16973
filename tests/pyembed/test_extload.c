/*
 * test_extload.c — the fallback way of loading in-memory extension
 * modules: extension_loading = PYEMBED_EXTLOAD_TEMPDIR, which the driver
 * has no flag for (on Linux memfd always works, so only the C API can
 * force the fallback). A process of its own: one interpreter per process.
 *
 * Expected (libpyembed/extload.c): the library is written to a 0700
 * directory "pyembed-XXXXXX" under $TMPDIR, dlopen'ed, and unlinked at
 * once; the directory goes when the interpreter is freed; no memfd.
 * While the directory exists, SIGTERM and SIGHUP (at SIG_DFL before)
 * have libpyembed's handler, which removes it (tempdir.c); SIG_DFL again
 * once it is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "pyembed.h"

static pyembed_interp *interp;
static char tmpdir[PATH_MAX];

/* Number of entries in dir (without . and ..); name of the last in out. */
static int count_entries(const char *dir, char *out, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int count = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            count++;
            if (out)
                snprintf(out, n, "%s", e->d_name);
        }
    closedir(d);
    return count;
}

/* 1 when both SIGTERM and SIGHUP are at SIG_DFL, 0 when neither is. */
static int signals_default(void)
{
    struct sigaction term, hup;
    assert_int_equal(sigaction(SIGTERM, NULL, &term), 0);
    assert_int_equal(sigaction(SIGHUP, NULL, &hup), 0);
    assert_int_equal(term.sa_handler == SIG_DFL, hup.sa_handler == SIG_DFL);
    return term.sa_handler == SIG_DFL;
}

static void test_extload__create_with_tempdir_mode(void **state)
{
    pyembed_config cfg;
    int rc;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_FILE;
    cfg.path = fixture_blob();
    cfg.extension_loading = PYEMBED_EXTLOAD_TEMPDIR;
    rc = pyembed_interp_create(&interp, &cfg);
    if (rc != PYEMBED_OK)
        fail_msg("create: %d %s", rc, pyembed_interp_errmsg(interp));
    assert_int_equal(count_entries(tmpdir, NULL, 0), 0);
    assert_true(signals_default()); /* no directory yet: no handler */
}

static void test_extload__extension_via_private_file(void **state)
{
    char *out = NULL, name[256], dir[PATH_MAX + 260];
    struct stat st;
    int rc;
    (void)state;
    assert_non_null(interp);
    rc = pyembed_call(interp, &out, "capi", "decimal_sum", NULL);
    if (rc != PYEMBED_OK)
        fail_msg("decimal_sum: %d %s", rc, pyembed_interp_errmsg(interp));
    assert_string_equal(out, "0.3");
    free(out);
    assert_int_equal(pyembed_call(interp, &out, "capi", "loader_type", "_decimal"), PYEMBED_OK);
    assert_string_equal(out, "_pyembed.PackedImporter");
    free(out);

    /* one private directory, mode 0700, already empty (file unlinked) */
    assert_int_equal(count_entries(tmpdir, name, sizeof name), 1);
    assert_memory_equal(name, "pyembed-", 8);
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(count_entries(dir, NULL, 0), 0);
    /* mapped from that (deleted) file, not from a memfd or lib-dynload */
    assert_true(fixture_maps_contain(dir, "(deleted)"));
    assert_false(fixture_maps_contain("memfd:pyembed-ext", NULL));
    assert_false(fixture_maps_contain("lib-dynload", NULL));
    assert_false(signals_default()); /* the directory's cleanup handler */
}

static void test_extload__free_removes_directory(void **state)
{
    (void)state;
    pyembed_interp_free(interp);
    interp = NULL;
    assert_int_equal(count_entries(tmpdir, NULL, 0), 0);
    assert_true(signals_default());
}

static const char *const includes[] = {"capi", "decimal", NULL};
static int g_argc;
static char **g_argv;

static int group_setup(void **state)
{
    (void)state;
    if (fixture_setup(g_argc, g_argv, includes))
        return -1;
    /* a TMPDIR of our own, so the private directory can be found */
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", fixture_dir());
    if (mkdir(tmpdir, 0700) || setenv("TMPDIR", tmpdir, 1))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pyembed_interp_free(interp);
    fixture_teardown();
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extload__create_with_tempdir_mode),
        cmocka_unit_test(test_extload__extension_via_private_file),
        cmocka_unit_test(test_extload__free_removes_directory),
    };
    g_argc = argc;
    g_argv = argv;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
