/*
 * test_api.c — libpyembed's public API (include/pyembed.h).
 *
 * CPython allows one main interpreter per process, so the cases run in
 * order in one process: first the configuration checks (which must reject
 * bad configs without starting Python), then one interpreter made from a
 * blob file that pyembed-pack builds at test time, which the remaining
 * cases share: exec, call, Python errors, where modules come from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "pyembed.h"

static pyembed_interp *interp; /* the one interpreter of this process */
static char *host_argv[] = {"capi-host", "first arg", NULL};

/* Creates an interpreter from cfg, expecting failure code want with a
 * message; frees it. */
static void expect_rejected(const pyembed_config *cfg, int want, const char *fragment)
{
    pyembed_interp *it = NULL;
    int rc = pyembed_interp_create(&it, cfg);
    assert_int_equal(rc, want);
    assert_non_null(it);
    assert_true(strlen(pyembed_interp_errmsg(it)) > 0);
    if (fragment && !strstr(pyembed_interp_errmsg(it), fragment))
        fail_msg("errmsg '%s' lacks '%s'", pyembed_interp_errmsg(it), fragment);
    pyembed_interp_free(it);
}

/* A config that would be valid: the blob file, nothing to run. */
static pyembed_config blob_config(void)
{
    pyembed_config cfg;
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    cfg.resources = PYEMBED_RESOURCES_FILE;
    cfg.path = fixture_blob();
    return cfg;
}

/* pyembed_call that must succeed; returns the malloc'd result. */
static char *call_ok(const char *module, const char *func, const char *arg)
{
    char *out = NULL;
    int rc;
    assert_non_null(interp);
    rc = pyembed_call(interp, &out, module, func, arg);
    if (rc != PYEMBED_OK)
        fail_msg("%s.%s: %d %s", module, func, rc, pyembed_interp_errmsg(interp));
    assert_non_null(out);
    return out;
}

/* Asserts pyembed_call returns str equal to want. */
static void expect_call(const char *module, const char *func, const char *arg,
                        const char *want)
{
    char *out = call_ok(module, func, arg);
    assert_string_equal(out, want);
    free(out);
}

/* Asserts errmsg of the interpreter contains fragment. */
static void expect_errmsg(const char *fragment)
{
    const char *msg = pyembed_interp_errmsg(interp);
    if (!strstr(msg, fragment))
        fail_msg("errmsg '%s' lacks '%s'", msg, fragment);
}

/* ---- configuration ----------------------------------------------------- */

static void test_api__config_init_defaults(void **state)
{
    pyembed_config cfg;
    (void)state;
    memset(&cfg, 0xA5, sizeof cfg);
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    assert_int_equal(cfg.version, PYEMBED_CONFIG_VERSION);
    assert_int_equal(cfg.isolated, 1);
    assert_int_equal(cfg.sys_frozen, 1);
    assert_int_equal(cfg.install_signal_handlers, 1);
    assert_int_equal(cfg.resources, PYEMBED_RESOURCES_NONE);
    assert_int_equal(cfg.run, PYEMBED_RUN_NONE);
    assert_int_equal(cfg.optimize, 0);
    assert_int_equal(cfg.site_import, 0);
    assert_int_equal(cfg.filesystem_importer, 0);
    assert_int_equal(cfg.use_environment, 0);
    assert_int_equal(cfg.extension_loading, PYEMBED_EXTLOAD_AUTO);
    assert_int_equal(cfg.argc, 0);
    assert_int_equal(cfg.allocator, PYEMBED_ALLOCATOR_DEFAULT);
    assert_null(cfg.blob);
    assert_null(cfg.path);
    assert_null(cfg.run_module);
    assert_null(cfg.run_code);
    assert_null(cfg.argv);
    assert_null(cfg.origin);
    assert_null(cfg.executable);
    assert_null(cfg.module_search_path);
    assert_int_equal(cfg.child_commands, 1);
    assert_int_equal(pyembed_config_init(NULL, PYEMBED_CONFIG_VERSION), PYEMBED_EINVAL);
}

static void test_api__rejects_bad_version(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.version = 0;
    expect_rejected(&cfg, PYEMBED_EINVAL, "version");
    cfg.version = PYEMBED_CONFIG_VERSION + 1;
    expect_rejected(&cfg, PYEMBED_EINVAL, "version");
}

static void test_api__rejects_run_module_without_module(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.run = PYEMBED_RUN_MODULE;
    expect_rejected(&cfg, PYEMBED_EINVAL, "run_module");
    cfg.run_module = "";
    expect_rejected(&cfg, PYEMBED_EINVAL, "run_module");
}

static void test_api__rejects_module_names_with_empty_parts(void **state)
{
    static const char *const bad[] = {".mod", "mod.", "pkg..mod", "."};
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.run = PYEMBED_RUN_MODULE;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.run_module = bad[i];
        expect_rejected(&cfg, PYEMBED_EINVAL, "is not a module name");
    }
}

static void test_api__rejects_optimize_3(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.optimize = 3;
    expect_rejected(&cfg, PYEMBED_EINVAL, "optimize");
    cfg.optimize = -1;
    expect_rejected(&cfg, PYEMBED_EINVAL, "optimize");
}

static void test_api__rejects_file_without_path(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.path = NULL;
    expect_rejected(&cfg, PYEMBED_EINVAL, "path");
}

static void test_api__rejects_none_without_filesystem_importer(void **state)
{
    pyembed_config cfg;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    expect_rejected(&cfg, PYEMBED_EINVAL, NULL);
}

static void test_api__rejects_negative_argc(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.argc = -1;
    cfg.argv = host_argv;
    expect_rejected(&cfg, PYEMBED_EINVAL, "argc");
    cfg.argc = 2;
    cfg.argv = NULL;
    expect_rejected(&cfg, PYEMBED_EINVAL, "argv");
}

static void test_api__rejects_bad_enums(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.resources = 17;
    expect_rejected(&cfg, PYEMBED_EINVAL, NULL);
    cfg = blob_config();
    cfg.run = -1;
    expect_rejected(&cfg, PYEMBED_EINVAL, NULL);
    cfg = blob_config();
    cfg.extension_loading = 3;
    expect_rejected(&cfg, PYEMBED_EINVAL, NULL);
    cfg = blob_config();
    cfg.allocator = PYEMBED_ALLOCATOR_DEBUG + 1;
    expect_rejected(&cfg, PYEMBED_EINVAL, "allocator");
    cfg.allocator = -1;
    expect_rejected(&cfg, PYEMBED_EINVAL, "allocator");
    cfg = blob_config();
    cfg.run = PYEMBED_RUN_CODE;
    expect_rejected(&cfg, PYEMBED_EINVAL, "run_code");
}

static void test_api__missing_blob_file(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    cfg.path = "/nonexistent/pyembed/app.blob";
    expect_rejected(&cfg, PYEMBED_ERESOURCES, NULL);
}

static void test_api__null_arguments(void **state)
{
    pyembed_config cfg = blob_config();
    pyembed_interp *it = NULL;
    char *out = (char *)"untouched";
    (void)state;
    assert_int_equal(pyembed_interp_create(NULL, &cfg), PYEMBED_EINVAL);
    assert_int_equal(pyembed_interp_create(&it, NULL), PYEMBED_EINVAL);
    assert_non_null(it);
    assert_true(strlen(pyembed_interp_errmsg(it)) > 0);
    pyembed_interp_free(it);
    pyembed_interp_free(NULL);
    assert_non_null(pyembed_interp_errmsg(NULL));
    assert_int_equal(pyembed_exec(NULL, "x = 1"), PYEMBED_EINVAL);
    assert_int_equal(pyembed_call(NULL, &out, "m", "f", NULL), PYEMBED_EINVAL);
    for (int code = PYEMBED_OK; code >= PYEMBED_ESTATE; code--)
        assert_true(strlen(pyembed_strerror(code)) > 0);
    assert_string_equal(pyembed_strerror(PYEMBED_EPYTHON), "Python exception");
    assert_non_null(pyembed_strerror(42));
}

/* ---- one interpreter from a blob file ---------------------------------- */

static void test_api__create_from_blob_file(void **state)
{
    pyembed_config cfg = blob_config();
    int rc;
    (void)state;
    cfg.run = PYEMBED_RUN_NONE;
    cfg.argc = 2;
    cfg.argv = host_argv;
    rc = pyembed_interp_create(&interp, &cfg);
    if (rc != PYEMBED_OK)
        fail_msg("create: %d %s", rc, pyembed_interp_errmsg(interp));
    assert_string_equal(pyembed_interp_errmsg(interp), "");
}

static void test_api__exec_then_call(void **state)
{
    (void)state;
    assert_non_null(interp);
    assert_int_equal(pyembed_exec(interp, "import plainmod\n"
                                          "result = plainmod.hello('exec')\n"
                                          "def get():\n"
                                          "    return result\n"),
                     PYEMBED_OK);
    expect_call("__main__", "get", NULL, "hello exec");
}

static void test_api__call_fixture_function(void **state)
{
    (void)state;
    expect_call("capi", "greet", "C host", "greetings, C host");
    expect_call("plainmod", "hello", "again", "hello again");
    expect_call("capi", "add_one", "41", "42"); /* str() of the int result */
}

static void test_api__python_exception(void **state)
{
    char *out = (char *)"untouched";
    (void)state;
    assert_non_null(interp);
    assert_int_equal(pyembed_call(interp, &out, "capi", "fail", "boom"), PYEMBED_EPYTHON);
    assert_null(out);
    expect_errmsg("ValueError");
    expect_errmsg("capi failure: boom");

    assert_int_equal(pyembed_exec(interp, "raise KeyError('exec-key-7')"), PYEMBED_EPYTHON);
    expect_errmsg("KeyError");
    expect_errmsg("exec-key-7");

    assert_int_equal(pyembed_exec(interp, "def broken(:\n"), PYEMBED_EPYTHON);
    expect_errmsg("SyntaxError");

    /* the interpreter is still usable afterwards */
    expect_call("capi", "greet", "after", "greetings, after");
}

static void test_api__system_exit_is_reported(void **state)
{
    (void)state;
    assert_non_null(interp);
    assert_int_equal(pyembed_exec(interp, "raise SystemExit(7)"), PYEMBED_EPYTHON);
    expect_errmsg("SystemExit");
    expect_call("capi", "greet", "still here", "greetings, still here");
}

static void test_api__missing_module_or_function(void **state)
{
    char *out = NULL;
    (void)state;
    assert_non_null(interp);
    assert_int_equal(pyembed_call(interp, &out, "no_such_module_q", "f", NULL),
                     PYEMBED_EPYTHON);
    assert_null(out);
    expect_errmsg("no_such_module_q");
    assert_int_equal(pyembed_call(interp, &out, "capi", "no_such_function", NULL),
                     PYEMBED_EPYTHON);
    assert_null(out);
    expect_errmsg("AttributeError");
    assert_int_equal(pyembed_call(interp, NULL, "capi", "greet", "x"), PYEMBED_EINVAL);
    assert_int_equal(pyembed_exec(interp, NULL), PYEMBED_EINVAL);
}

static void test_api__json_comes_from_the_packed_importer(void **state)
{
    (void)state;
    assert_non_null(interp);
    assert_int_equal(pyembed_exec(interp,
        "import json, sys\n"
        "def json_loader():\n"
        "    t = type(sys.modules['json'].__loader__)\n"
        "    return t.__module__ + '.' + t.__name__\n"
        "def sys_path_virtual():\n"
        "    return sys.path == [sys.executable]\n"), PYEMBED_OK);
    expect_call("__main__", "json_loader", NULL, "_pyembed.PackedImporter");
    expect_call("__main__", "sys_path_virtual", NULL, "True");
    expect_call("capi", "loader_type", "capi", "_pyembed.PackedImporter");
}

static void test_api__sys_state(void **state)
{
    (void)state;
    /* sys.path: only the virtual entry, the executable's path */
    expect_call("capi", "sys_state", NULL, "(['capi-host', 'first arg'], True, 1, True)");
}

static void test_api__extension_module_from_memfd(void **state)
{
    (void)state;
    expect_call("capi", "decimal_sum", NULL, "0.3");
    expect_call("capi", "loader_type", "_decimal", "_pyembed.PackedImporter");
    assert_true(fixture_maps_contain("memfd:pyembed-ext", NULL));
    assert_false(fixture_maps_contain("lib-dynload", NULL));
}

static void test_api__second_interpreter_refused(void **state)
{
    pyembed_config cfg = blob_config();
    (void)state;
    expect_rejected(&cfg, PYEMBED_ESTATE, NULL);
    /* ... and the first one is unaffected */
    expect_call("capi", "greet", "first", "greetings, first");
}

static void test_api__run_without_entry_point(void **state)
{
    int status = -1;
    (void)state;
    assert_non_null(interp);
    assert_int_equal(pyembed_interp_run(interp, NULL), PYEMBED_EINVAL);
    assert_int_equal(pyembed_interp_run(interp, &status), PYEMBED_EINVAL);
    assert_int_equal(status, -1);
    /* still running: calls keep working */
    expect_call("capi", "greet", "last", "greetings, last");
}

static void test_api__free(void **state)
{
    (void)state;
    pyembed_interp_free(interp);
    interp = NULL;
}

static const char *const includes[] = {"capi", "json", "decimal", NULL};
static int g_argc;
static char **g_argv;

static int group_setup(void **state)
{
    (void)state;
    return fixture_setup(g_argc, g_argv, includes);
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
        cmocka_unit_test(test_api__config_init_defaults),
        cmocka_unit_test(test_api__rejects_bad_version),
        cmocka_unit_test(test_api__rejects_run_module_without_module),
        cmocka_unit_test(test_api__rejects_module_names_with_empty_parts),
        cmocka_unit_test(test_api__rejects_optimize_3),
        cmocka_unit_test(test_api__rejects_file_without_path),
        cmocka_unit_test(test_api__rejects_none_without_filesystem_importer),
        cmocka_unit_test(test_api__rejects_negative_argc),
        cmocka_unit_test(test_api__rejects_bad_enums),
        cmocka_unit_test(test_api__missing_blob_file),
        cmocka_unit_test(test_api__null_arguments),
        /* from here on, in order, on the one interpreter */
        cmocka_unit_test(test_api__create_from_blob_file),
        cmocka_unit_test(test_api__exec_then_call),
        cmocka_unit_test(test_api__call_fixture_function),
        cmocka_unit_test(test_api__python_exception),
        cmocka_unit_test(test_api__system_exit_is_reported),
        cmocka_unit_test(test_api__missing_module_or_function),
        cmocka_unit_test(test_api__json_comes_from_the_packed_importer),
        cmocka_unit_test(test_api__sys_state),
        cmocka_unit_test(test_api__extension_module_from_memfd),
        cmocka_unit_test(test_api__second_interpreter_refused),
        cmocka_unit_test(test_api__run_without_entry_point),
        cmocka_unit_test(test_api__free),
    };
    g_argc = argc;
    g_argv = argv;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
