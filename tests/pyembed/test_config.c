/*
 * test_config.c — pyembed_config versions, in libgit2's options style:
 * pyembed_config_init(cfg, v) accepts every v from 1 to
 * PYEMBED_CONFIG_VERSION and writes only the fields v has;
 * pyembed_interp_create() reads only those, so a caller built against
 * version 1 gets the defaults of later fields; version 0 and versions
 * this library does not know are refused with a message.
 *
 * Version 2's child_commands, version 3's defaults (a version-2 caller
 * gets pymalloc without tracking) and version 4's parse_argv are checked
 * end to end: each scenario that
 * starts Python runs in a forked child (one interpreter per process), with
 * a blob written here whose "@pyembed" says run=code; the standard
 * library comes from disk (filesystem importer on). Also: a run_module
 * name is never turned into Python source.
 *   test_config PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "packrs.h"
#include "pyembed.h"

/* What a caller compiled against config version 1 has: pyembed.h's
 * struct up to fast_exit. */
typedef struct config_v1 {
    unsigned version;
    int resources;
    const void *blob;
    size_t blob_len;
    const char *path;
    int run;
    const char *run_module;
    const char *run_code;
    int argc;
    char *const *argv;
    int optimize, isolated, site_import, filesystem_importer, sys_frozen;
    int use_environment, install_signal_handlers, extension_loading;
    const char *origin, *executable, *module_search_path;
    int allocator, fast_exit;
} config_v1;

/* What a caller compiled against config version 2 has: + child_commands. */
typedef struct config_v2 {
    config_v1 v1;
    int child_commands;
} config_v2;

/* Bytes of a version-1 / version-2 config: the end of its last field. */
#define V1_END (offsetof(config_v1, fast_exit) + sizeof(int))
#define V2_END (offsetof(config_v2, child_commands) + sizeof(int))
/* Bytes of a version-3 config (+ allocator_backend .. module_count). */
#define V3_END (offsetof(pyembed_config, module_count) + sizeof(size_t))
#define POISON 0xA5

/* The app (the blob's entry) and the -c child write what ran, and with
 * how many sys.argv entries, to the file named by their last argument. */
#define APP_CODE "import sys\nopen(sys.argv[-1], 'w').write('app %d' % len(sys.argv))\n"
#define CHILD_CODE "import sys; open(sys.argv[-1], 'w').write('child %d' % len(sys.argv))"
/* The -c child that writes the allocator set-up it runs with. */
#define ALLOC_CODE "import sys, _pyembed; i = _pyembed.alloc_info(); " \
    "open(sys.argv[-1], 'w').write('%s %s %s' % (i['backend'], i['debug'], i['tracking']))"

static void *blob;
static size_t blob_len;
static char search_path[4096];
static char out_path[PATH_MAX];
static char *child_argv[] = {"capi-config", "-c", CHILD_CODE, out_path, NULL};
/* What multiprocessing's forkserver and resource tracker run. */
#define MP_CODE "from multiprocessing.util import debug; " CHILD_CODE
static char *mp_argv[] = {"capi-config", "-B", "-S", "-I", "-c", MP_CODE, out_path, NULL};
static char *alloc_argv[] = {"capi-config", "-c", ALLOC_CODE, out_path, NULL};
static void *bad_alloc_blob; /* "@pyembed" with allocator=tcmalloc */
static size_t bad_alloc_len;

/* 1 when all n bytes at p are POISON. */
static int all_poison(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != POISON)
            return 0;
    return 1;
}

/* Fills the v1 fields of c for a run of the test blob with child_argv. */
static void set_v1_fields(config_v1 *c)
{
    c->resources = PYEMBED_RESOURCES_MEMORY;
    c->blob = blob;
    c->blob_len = blob_len;
    c->run = PYEMBED_RUN_BLOB;
    c->argc = 4;
    c->argv = child_argv;
    c->module_search_path = search_path;
}

/* In a forked child: creates an interpreter from cfg and runs it; the
 * parent gets the exit status and the text the Python code wrote (in
 * out, "" if none). */
static int run_forked(const pyembed_config *cfg, char *out, size_t n)
{
    int status;
    FILE *f;
    pid_t pid;
    unlink(out_path);
    fflush(NULL);
    if ((pid = fork()) == 0) {
        pyembed_interp *it = NULL;
        int rc = pyembed_interp_create(&it, cfg), st = 99;
        if (rc == PYEMBED_OK)
            rc = pyembed_interp_run(it, &st);
        if (rc != PYEMBED_OK)
            fprintf(stderr, "child: %d %s\n", rc, pyembed_interp_errmsg(it));
        pyembed_interp_free(it);
        _exit(rc == PYEMBED_OK ? st : 98);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    out[0] = 0;
    if ((f = fopen(out_path, "r"))) {
        size_t got = fread(out, 1, n - 1, f);
        out[got] = 0;
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Asserts that creating an interpreter from cfg fails with EINVAL and a
 * message containing fragment (no Python is started). */
static void expect_rejected(const pyembed_config *cfg, const char *fragment)
{
    pyembed_interp *it = NULL;
    assert_int_equal(pyembed_interp_create(&it, cfg), PYEMBED_EINVAL);
    assert_non_null(it);
    if (!strstr(pyembed_interp_errmsg(it), fragment))
        fail_msg("errmsg '%s' lacks '%s'", pyembed_interp_errmsg(it), fragment);
    pyembed_interp_free(it);
}

/* ---- pyembed_config_init ----------------------------------------------- */

static void test_config__v1_layout_is_the_prefix(void **state)
{
    (void)state;
    assert_int_equal(PYEMBED_CONFIG_VERSION, 4);
    assert_int_equal(V3_END, offsetof(pyembed_config, parse_argv));
    assert_int_equal(offsetof(config_v1, fast_exit), offsetof(pyembed_config, fast_exit));
    assert_int_equal(offsetof(config_v1, module_search_path),
                     offsetof(pyembed_config, module_search_path));
    assert_int_equal(V1_END, offsetof(pyembed_config, child_commands));
}

static void test_config__v2_layout_is_the_prefix(void **state)
{
    (void)state;
    assert_int_equal(offsetof(config_v2, child_commands),
                     offsetof(pyembed_config, child_commands));
    assert_int_equal(V2_END, offsetof(pyembed_config, allocator_backend));
}

static void test_config__init_v1_writes_only_v1(void **state)
{
    unsigned char buf[sizeof(pyembed_config) + 16];
    config_v1 *c = (config_v1 *)buf;
    (void)state;
    memset(buf, POISON, sizeof buf);
    assert_int_equal(pyembed_config_init((pyembed_config *)buf, 1), PYEMBED_OK);
    assert_int_equal(c->version, 1);
    assert_int_equal(c->isolated, 1);
    assert_int_equal(c->sys_frozen, 1);
    assert_int_equal(c->install_signal_handlers, 1);
    assert_int_equal(c->resources, PYEMBED_RESOURCES_NONE);
    assert_int_equal(c->fast_exit, 0);
    assert_null(c->module_search_path);
    assert_true(all_poison(buf + V1_END, sizeof buf - V1_END));
}

static void test_config__init_current_has_v2_defaults(void **state)
{
    unsigned char buf[sizeof(pyembed_config) + 16];
    pyembed_config *c = (pyembed_config *)buf;
    (void)state;
    memset(buf, POISON, sizeof buf);
    assert_int_equal(pyembed_config_init(c, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    assert_int_equal(c->version, PYEMBED_CONFIG_VERSION);
    assert_int_equal(c->child_commands, 1);
    assert_int_equal(c->isolated, 1);
    assert_true(all_poison(buf + sizeof *c, 16));
}

static void test_config__init_v2_writes_only_v2(void **state)
{
    unsigned char buf[sizeof(pyembed_config) + 16];
    config_v2 *c = (config_v2 *)buf;
    (void)state;
    memset(buf, POISON, sizeof buf);
    assert_int_equal(pyembed_config_init((pyembed_config *)buf, 2), PYEMBED_OK);
    assert_int_equal(c->v1.version, 2);
    assert_int_equal(c->child_commands, 1);
    assert_true(all_poison(buf + V2_END, sizeof buf - V2_END));
}

static void test_config__init_current_has_v3_defaults(void **state)
{
    pyembed_config c;
    (void)state;
    memset(&c, POISON, sizeof c);
    assert_int_equal(pyembed_config_init(&c, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    assert_int_equal(c.allocator_backend, PYEMBED_BACKEND_DEFAULT);
    assert_int_equal(c.allocator_domains, 0);
    assert_int_equal(c.allocator_debug, 0);
    assert_int_equal(c.allocator_tracking, 0);
    assert_null(c.allocator_custom);
    assert_null(c.modules);
    assert_int_equal(c.module_count, 0);
}

static void test_config__init_rejects_unknown_versions(void **state)
{
    static const unsigned bad[] = {0, PYEMBED_CONFIG_VERSION + 1, UINT_MAX};
    unsigned char buf[sizeof(pyembed_config)];
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(buf, POISON, sizeof buf);
        assert_int_equal(pyembed_config_init((pyembed_config *)buf, bad[i]), PYEMBED_EINVAL);
        assert_true(all_poison(buf, sizeof buf)); /* untouched */
    }
    assert_int_equal(pyembed_config_init(NULL, 1), PYEMBED_EINVAL);
}

/* ---- pyembed_interp_create --------------------------------------------- */

static void test_config__create_rejects_unknown_versions(void **state)
{
    pyembed_config cfg;
    char want[64];
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    set_v1_fields((config_v1 *)&cfg);
    cfg.version = 0;
    expect_rejected(&cfg, "config version 0 unknown");
    cfg.version = PYEMBED_CONFIG_VERSION + 1;
    snprintf(want, sizeof want, "config version %u unknown", PYEMBED_CONFIG_VERSION + 1);
    expect_rejected(&cfg, want);
    snprintf(want, sizeof want, "knows 1 to %d", PYEMBED_CONFIG_VERSION);
    expect_rejected(&cfg, want);
}

static void test_config__create_rejects_bad_child_commands(void **state)
{
    pyembed_config cfg;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    set_v1_fields((config_v1 *)&cfg);
    cfg.child_commands = 2;
    expect_rejected(&cfg, "child_commands");
}

/* A version-1 config in a buffer of exactly its size (ASan catches any
 * read past it): accepted, and child_commands gets its default, 1, so
 * `EXE -c CODE` runs CODE with sys.argv ['-c', out]. */
static void test_config__v1_exact_size_accepted_with_v2_defaults(void **state)
{
    config_v1 *c = malloc(V1_END);
    char out[64];
    (void)state;
    assert_non_null(c);
    assert_int_equal(pyembed_config_init((pyembed_config *)c, 1), PYEMBED_OK);
    set_v1_fields(c);
    assert_int_equal(run_forked((pyembed_config *)c, out, sizeof out), 0);
    assert_string_equal(out, "child 2");
    free(c);
}

/* The same with poison after the version-1 fields: a library reading
 * child_commands from there would refuse 0xA5A5A5A5 (any build). */
static void test_config__v1_poisoned_tail_not_read(void **state)
{
    unsigned char buf[sizeof(pyembed_config) + 16];
    char out[64];
    (void)state;
    memset(buf, POISON, sizeof buf);
    assert_int_equal(pyembed_config_init((pyembed_config *)buf, 1), PYEMBED_OK);
    set_v1_fields((config_v1 *)buf);
    assert_int_equal(run_forked((pyembed_config *)buf, out, sizeof out), 0);
    assert_string_equal(out, "child 2");
}

/* A version-2 config in a buffer of exactly its size: accepted, and the
 * version-3 fields get their defaults (pymalloc, no debug, no tracking). */
static void test_config__v2_exact_size_accepted_with_v3_defaults(void **state)
{
    config_v1 *c = malloc(V2_END); /* the v1 part; child_commands follows */
    char out[64];
    (void)state;
    assert_non_null(c);
    assert_int_equal(pyembed_config_init((pyembed_config *)c, 2), PYEMBED_OK);
    set_v1_fields(c);
    c->argv = alloc_argv;
    assert_int_equal(run_forked((pyembed_config *)c, out, sizeof out), 0);
    assert_string_equal(out, "pymalloc False False");
    free(c);
}

/* The same with poison after the version-2 fields: allocator_backend
 * 0xA5A5A5A5 would be refused if it were read. */
static void test_config__v2_poisoned_tail_not_read(void **state)
{
    unsigned char buf[sizeof(pyembed_config) + 16];
    config_v2 *c = (config_v2 *)buf;
    char out[64];
    (void)state;
    memset(buf, POISON, sizeof buf);
    assert_int_equal(pyembed_config_init((pyembed_config *)buf, 2), PYEMBED_OK);
    set_v1_fields(&c->v1);
    c->v1.argv = alloc_argv;
    assert_int_equal(run_forked((pyembed_config *)buf, out, sizeof out), 0);
    assert_string_equal(out, "pymalloc False False");
}

/* Version 3's fields are read: the host's tracking request reaches the
 * child (the blob names no allocator: pymalloc). */
static void test_config__v3_tracking_reaches_python(void **state)
{
    pyembed_config cfg;
    char out[64];
    (void)state;
    assert_int_equal(pyembed_config_init(&cfg, 3), PYEMBED_OK); /* a version-3 caller */
    set_v1_fields((config_v1 *)&cfg);
    cfg.argv = alloc_argv;
    cfg.allocator_tracking = 1;
    assert_int_equal(run_forked(&cfg, out, sizeof out), 0);
    assert_string_equal(out, "pymalloc False True");
}

static int dummy_cfunc(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    (void)ctx, (void)a, (void)n, (void)r;
    return 0;
}

static void test_config__create_rejects_bad_v3_fields(void **state)
{
    static const pyembed_function fn = {"f", dummy_cfunc, NULL};
    pyembed_module mods[2] = {{"native", &fn, 1, NULL}, {"native", &fn, 1, NULL}};
    pyembed_allocator_funcs half = {NULL, NULL, NULL, NULL, NULL};
    pyembed_config cfg, base;
    (void)state;
    pyembed_config_init(&base, PYEMBED_CONFIG_VERSION);
    set_v1_fields((config_v1 *)&base);
    cfg = base, cfg.allocator_backend = PYEMBED_BACKEND_CUSTOM + 1;
    expect_rejected(&cfg, "allocator_backend");
    cfg = base, cfg.allocator_backend = -1;
    expect_rejected(&cfg, "allocator_backend");
    cfg = base, cfg.allocator_domains = 0x10;
    expect_rejected(&cfg, "allocator_domains");
    cfg = base, cfg.allocator_debug = 2;
    expect_rejected(&cfg, "allocator_debug");
    cfg = base, cfg.allocator_tracking = -1;
    expect_rejected(&cfg, "allocator_tracking");
    cfg = base, cfg.allocator_backend = PYEMBED_BACKEND_CUSTOM;
    expect_rejected(&cfg, "allocator_custom");
    cfg.allocator_custom = &half;
    expect_rejected(&cfg, "allocator_custom");
    cfg = base, cfg.module_count = 1;
    expect_rejected(&cfg, "module_count");
    cfg = base, cfg.modules = mods, cfg.module_count = 2;
    expect_rejected(&cfg, "given twice");
    mods[1].name = "pkg.sub";
    expect_rejected(&cfg, "top-level");
    mods[1] = (pyembed_module){"other", NULL, 0, NULL};
    expect_rejected(&cfg, "either init or functions");
}

/* The combination checks happen when the plan is made (before Python). */
static void test_config__create_rejects_contradicting_allocators(void **state)
{
    pyembed_config cfg;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    set_v1_fields((config_v1 *)&cfg);
    cfg.run = PYEMBED_RUN_CODE; /* the blob's options would replace these */
    cfg.run_code = "pass";
    cfg.allocator = PYEMBED_ALLOCATOR_MALLOC;
    cfg.allocator_backend = PYEMBED_BACKEND_JEMALLOC;
    expect_rejected(&cfg, "contradicts");
    cfg.allocator = PYEMBED_ALLOCATOR_DEFAULT;
    cfg.allocator_backend = PYEMBED_BACKEND_PYMALLOC;
    cfg.allocator_domains = PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_RAW);
    expect_rejected(&cfg, "allocator_domains");
}

/* A blob naming an allocator this runtime does not know is refused with
 * its name, never run with a default. */
static void test_config__unknown_blob_allocator_refused(void **state)
{
    pyembed_config cfg;
    pyembed_interp *it = NULL;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    set_v1_fields((config_v1 *)&cfg);
    cfg.blob = bad_alloc_blob;
    cfg.blob_len = bad_alloc_len;
    assert_int_equal(pyembed_interp_create(&it, &cfg), PYEMBED_ERESOURCES);
    if (!strstr(pyembed_interp_errmsg(it), "allocator=tcmalloc"))
        fail_msg("errmsg '%s'", pyembed_interp_errmsg(it));
    pyembed_interp_free(it);
}

/* Version 2 with child_commands = 0: the same argv goes to the app. */
static void test_config__child_commands_off_runs_the_app(void **state)
{
    pyembed_config cfg;
    char out[64];
    (void)state;
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    set_v1_fields((config_v1 *)&cfg);
    cfg.child_commands = 0;
    assert_int_equal(run_forked(&cfg, out, sizeof out), 0);
    assert_string_equal(out, "app 4");
}

/* run_module is a name, never code: a "name" that would exit 3 if it were
 * formatted into a command ends like a missing module (status 1). */
static void test_config__run_module_name_is_not_code(void **state)
{
    pyembed_config cfg;
    char out[64];
    (void)state;
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    set_v1_fields((config_v1 *)&cfg);
    cfg.run = PYEMBED_RUN_MODULE;
    cfg.run_module = "x'); import os; os._exit(3) #";
    cfg.filesystem_importer = 1;
    assert_int_equal(run_forked(&cfg, out, sizeof out), 1);
    assert_string_equal(out, "");
}

/* A blob: "@pyembed" with metadata meta, run=code (APP_CODE). */
static int make_blob_with(const char *meta, void **out, size_t *out_len)
{
    packrs_writer *w;
    int rc = packrs_writer_create(&w);
    rc = rc || packrs_writer_add_resource(w, "@pyembed", 0) ||
         packrs_writer_add_field(w, "@pyembed", PACKRS_FIELD_METADATA, NULL, meta,
                                 strlen(meta), 0) ||
         packrs_writer_add_field(w, "@pyembed", PACKRS_FIELD_SOURCE, NULL, APP_CODE,
                                 sizeof APP_CODE - 1, 0) ||
         packrs_writer_finish_buffer(w, out, out_len);
    if (rc)
        fprintf(stderr, "blob: %s\n", packrs_writer_errmsg(w));
    packrs_writer_free(w);
    return rc ? -1 : 0;
}

/* The blobs: "@pyembed" saying run=code (APP_CODE), filesystem importer;
 * and the same with an allocator unknown to this runtime. */
static int make_blob(void)
{
    return make_blob_with("format=1\nrun=code\nfilesystem_importer=1\n", &blob, &blob_len) ||
           make_blob_with("format=1\nrun=code\nfilesystem_importer=1\nallocator=tcmalloc\n",
                          &bad_alloc_blob, &bad_alloc_len);
}

static int group_setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    int fd;
    (void)state;
    snprintf(out_path, sizeof out_path, "%s/pyembed-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if ((fd = mkstemp(out_path)) < 0) {
        perror("mkstemp");
        return -1;
    }
    close(fd);
    return make_blob();
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(out_path);
    packrs_free(blob);
    packrs_free(bad_alloc_blob);
    return 0;
}

static void test_config__init_current_has_v4_defaults(void **state)
{
    pyembed_config c;
    (void)state;
    assert_int_equal(pyembed_config_init(&c, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    assert_int_equal(c.parse_argv, 0);
    assert_int_equal(c.child_commands, 1);
}

static void test_config__create_rejects_bad_parse_argv(void **state)
{
    pyembed_config cfg;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    set_v1_fields((config_v1 *)&cfg);
    cfg.parse_argv = -1;
    expect_rejected(&cfg, "parse_argv");
}

/* A version-2 config of exactly its size keeps version 2's meaning of
 * child_commands = 1: any `EXE -c CODE` runs CODE. */
static void test_config__v2_child_commands_keep_python_commands(void **state)
{
    pyembed_config *c = malloc(V2_END);
    char out[64];
    (void)state;
    assert_non_null(c);
    assert_int_equal(pyembed_config_init(c, 2), PYEMBED_OK);
    set_v1_fields((config_v1 *)c);
    assert_int_equal(run_forked(c, out, sizeof out), 0);
    assert_string_equal(out, "child 2");
    free(c);
}

/* A version-3 config of exactly its size: the same meaning (parse_argv
 * came in version 4). */
static void test_config__v3_child_commands_keep_python_commands(void **state)
{
    pyembed_config *c = malloc(V3_END);
    char out[64];
    (void)state;
    assert_non_null(c);
    assert_int_equal(pyembed_config_init(c, 3), PYEMBED_OK);
    set_v1_fields((config_v1 *)c);
    assert_int_equal(run_forked(c, out, sizeof out), 0);
    assert_string_equal(out, "child 2");
    free(c);
}

/* Version 4 defaults: the app's argv is the app's, `-c CODE` included. */
static void test_config__v4_argv_is_the_apps(void **state)
{
    pyembed_config cfg;
    char out[64];
    (void)state;
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    set_v1_fields((config_v1 *)&cfg);
    assert_int_equal(run_forked(&cfg, out, sizeof out), 0);
    assert_string_equal(out, "app 4");
}

/* parse_argv = 1: the python command line runs, as python3 would. */
static void test_config__v4_parse_argv_runs_python_commands(void **state)
{
    pyembed_config cfg;
    char out[64];
    (void)state;
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    set_v1_fields((config_v1 *)&cfg);
    cfg.parse_argv = 1;
    assert_int_equal(run_forked(&cfg, out, sizeof out), 0);
    assert_string_equal(out, "child 2");
}

/* Version 4 defaults still run what multiprocessing gives sys.executable
 * (flags applied: -I -S here), and child_commands = 0 turns that off. */
static void test_config__v4_stdlib_child_commands(void **state)
{
    pyembed_config cfg;
    char out[64];
    (void)state;
    assert_int_equal(pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION), PYEMBED_OK);
    set_v1_fields((config_v1 *)&cfg);
    cfg.argc = 7;
    cfg.argv = mp_argv;
    assert_int_equal(run_forked(&cfg, out, sizeof out), 0);
    assert_string_equal(out, "child 2");
    cfg.child_commands = 0;
    assert_int_equal(run_forked(&cfg, out, sizeof out), 0);
    assert_string_equal(out, "app 7");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__v1_layout_is_the_prefix),
        cmocka_unit_test(test_config__v2_layout_is_the_prefix),
        cmocka_unit_test(test_config__init_v1_writes_only_v1),
        cmocka_unit_test(test_config__init_v2_writes_only_v2),
        cmocka_unit_test(test_config__init_current_has_v2_defaults),
        cmocka_unit_test(test_config__init_current_has_v3_defaults),
        cmocka_unit_test(test_config__init_rejects_unknown_versions),
        cmocka_unit_test(test_config__create_rejects_unknown_versions),
        cmocka_unit_test(test_config__create_rejects_bad_child_commands),
        cmocka_unit_test(test_config__v1_exact_size_accepted_with_v2_defaults),
        cmocka_unit_test(test_config__v1_poisoned_tail_not_read),
        cmocka_unit_test(test_config__v2_exact_size_accepted_with_v3_defaults),
        cmocka_unit_test(test_config__v2_poisoned_tail_not_read),
        cmocka_unit_test(test_config__v3_tracking_reaches_python),
        cmocka_unit_test(test_config__create_rejects_bad_v3_fields),
        cmocka_unit_test(test_config__create_rejects_contradicting_allocators),
        cmocka_unit_test(test_config__unknown_blob_allocator_refused),
        cmocka_unit_test(test_config__child_commands_off_runs_the_app),
        cmocka_unit_test(test_config__run_module_name_is_not_code),
        cmocka_unit_test(test_config__init_current_has_v4_defaults),
        cmocka_unit_test(test_config__create_rejects_bad_parse_argv),
        cmocka_unit_test(test_config__v2_child_commands_keep_python_commands),
        cmocka_unit_test(test_config__v3_child_commands_keep_python_commands),
        cmocka_unit_test(test_config__v4_argv_is_the_apps),
        cmocka_unit_test(test_config__v4_parse_argv_runs_python_commands),
        cmocka_unit_test(test_config__v4_stdlib_child_commands),
    };
    if (argc < 5) {
        fprintf(stderr, "usage: %s PACK APP STDLIB_DIR DYNLOAD_DIR\n", argv[0]);
        return 2;
    }
    snprintf(search_path, sizeof search_path, "%s:%s", argv[3], argv[4]);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
