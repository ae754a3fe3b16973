/*
 * test_failalloc.c — every allocation libpyembed makes itself may fail
 * (tests/packrs/test_alloc.c's technique): fail the Nth one, for every N.
 *
 * The test links pyembed_wrapped.o: libpyembed.a relinked as one object
 * with -Wl,--wrap for malloc, calloc, realloc, strdup, strndup and free
 * (tests/pyembed/meson.build), so only libpyembed's own calls reach the
 * wrappers below; CPython's and libc's allocations are never failed. The
 * wrappers keep the set of live blocks they handed out, so a failed path
 * that forgets to free one is caught in every build (and LeakSanitizer
 * checks the pre-Python paths in the sanitizer build). Each failure must
 * surface as PYEMBED_ENOMEM (or, inside CPython's start-up, EINIT saying
 * memory ran out) with a message, and leave nothing behind.
 *   1. config, "@pyembed" metadata, child command and module tables:
 *      pyembed_interp_create() up to the allocator plan, in this process;
 *   2. the rest of create (python_init's own copies), forked per N;
 *   3. value conversion, calls, tracebacks and C callbacks on a running
 *      interpreter, in one forked child: each failed call is retried.
 *   test_failalloc PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "packrs.h"
#include "pyembed.h"

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void __wrap_free(void *p);

/* ---- the wrappers: fail the Nth allocation, track live blocks ---------- */

static long countdown = -1; /* allocations left before the one that fails */
static int injected;        /* failures injected since arm() */

#define LIVE_SLOTS 4096
static void *live[LIVE_SLOTS]; /* open addressing; NULL free, TOMB removed */
static long live_count;
#define TOMB ((void *)1)

static size_t slot_of(const void *p)
{
    return ((uintptr_t)p >> 4) * 2654435761u % LIVE_SLOTS;
}

static void live_add(void *p)
{
    size_t i = slot_of(p);
    if (!p)
        return;
    while (live[i] && live[i] != TOMB)
        i = (i + 1) % LIVE_SLOTS;
    live[i] = p;
    live_count++;
}

/* Removes p if the wrappers handed it out (else: another allocator's). */
static void live_remove(const void *p)
{
    for (size_t i = slot_of(p), n = 0; p && live[i] && n < LIVE_SLOTS;
         i = (i + 1) % LIVE_SLOTS, n++)
        if (live[i] == p) {
            live[i] = TOMB;
            live_count--;
            return;
        }
}

static int fail_now(void)
{
    if (countdown < 0 || countdown-- > 0)
        return 0;
    injected++;
    return 1;
}

void *__wrap_malloc(size_t n)
{
    void *p = fail_now() ? NULL : malloc(n);
    live_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t s)
{
    void *p = fail_now() ? NULL : calloc(n, s);
    live_add(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q;
    if (fail_now())
        return NULL;
    live_remove(p); /* before: p is not to be looked at after realloc */
    q = realloc(p, n);
    live_add(q ? q : p);
    return q;
}

char *__wrap_strdup(const char *s)
{
    char *p = fail_now() ? NULL : strdup(s);
    live_add(p);
    return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
    char *p = fail_now() ? NULL : strndup(s, n);
    live_add(p);
    return p;
}

void __wrap_free(void *p)
{
    live_remove(p);
    free(p);
}

static void arm(long n)
{
    countdown = n;
    injected = 0;
}

static void disarm(void)
{
    countdown = -1;
}

/* ---- fixtures ---------------------------------------------------------- */

static char search_path[4096];
static void *blob_prepare, *blob_start;
static size_t blob_prepare_len, blob_start_len;
static char *child_argv[] = {"failalloc", "-X", "dev", "-c", "pass", "tail arg", NULL};

static int noop(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    (void)ctx, (void)a;
    *r = pyembed_value_int((int64_t)n);
    return 0;
}

/* count(*args) -> len(args); echo(s) -> s (a copied STR result). */
static int echo(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    (void)ctx;
    *r = n ? a[0] : pyembed_value_none();
    return 0;
}

static const pyembed_function functions[] = {{"count", noop, NULL}, {"echo", echo, NULL}};
static const pyembed_module modules[] = {{"native", functions, 2, NULL},
                                         {"native2", functions, 1, NULL}};

/* A blob whose "@pyembed" metadata is meta, with a run_code SOURCE. */
static int make_blob(const char *meta, void **out, size_t *len)
{
    static const char code[] = "pass\n";
    packrs_writer *w;
    int rc = packrs_writer_create(&w);
    rc = rc || packrs_writer_add_resource(w, "@pyembed", 0) ||
         packrs_writer_add_field(w, "@pyembed", PACKRS_FIELD_METADATA, NULL, meta,
                                 strlen(meta), 0) ||
         packrs_writer_add_field(w, "@pyembed", PACKRS_FIELD_SOURCE, NULL, code,
                                 sizeof code - 1, 0) ||
         packrs_writer_finish_buffer(w, out, len);
    packrs_writer_free(w);
    return rc ? -1 : 0;
}

/* The config of the phases: blob b, the child command line, modules. */
static pyembed_config config_of(const void *b, size_t len)
{
    pyembed_config cfg;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_MEMORY;
    cfg.blob = b;
    cfg.blob_len = len;
    cfg.run = PYEMBED_RUN_BLOB;
    cfg.argc = 6;
    cfg.argv = child_argv;
    cfg.origin = "/nonexistent-origin";
    cfg.module_search_path = search_path;
    cfg.filesystem_importer = 1; /* RUN_NONE: the blob's options do not apply */
    cfg.modules = modules;
    cfg.module_count = 2;
    return cfg;
}

/* ---- 1. up to the allocator plan --------------------------------------- */

static void test_failalloc__create_before_python(void **state)
{
    pyembed_config cfg = config_of(blob_prepare, blob_prepare_len);
    long n, before = live_count;
    (void)state;
    for (n = 0;; n++) {
        pyembed_interp *it = NULL;
        int rc;
        arm(n);
        rc = pyembed_interp_create(&it, &cfg);
        disarm();
        if (!injected) { /* past the last allocation: the designed end */
            assert_int_equal(rc, PYEMBED_EINVAL);
            assert_non_null(strstr(pyembed_interp_errmsg(it), "allocator_domains"));
            pyembed_interp_free(it);
            break;
        }
        if (rc != PYEMBED_ENOMEM)
            fail_msg("allocation %ld: rc %d (%s)", n, rc, pyembed_interp_errmsg(it));
        assert_true(it == NULL || strlen(pyembed_interp_errmsg(it)) > 0);
        pyembed_interp_free(it);
        assert_int_equal(live_count, before); /* nothing left behind */
    }
    assert_true(n > 20); /* config, metadata, child command, two module tables */
    print_message("create before Python: failed each of %ld allocations in turn\n", n);
}

/* ---- 2. the rest of create, one child per N ------------------------------ */

/* In the child: create with allocation n failing. Exit 10: n is past
 * the last one; 0: a clean failure; 1: anything else. */
static void child_create(long n)
{
    pyembed_config cfg = config_of(blob_start, blob_start_len);
    pyembed_interp *it = NULL;
    const char *msg;
    int rc;
    arm(n);
    rc = pyembed_interp_create(&it, &cfg);
    disarm();
    msg = pyembed_interp_errmsg(it);
    if (!injected)
        _exit(rc == PYEMBED_OK ? 10 : 1);
    if (rc == PYEMBED_ENOMEM || (rc == PYEMBED_EINIT && strstr(msg, "memory")))
        _exit(0);
    fprintf(stderr, "allocation %ld: rc %d (%s)\n", n, rc, msg);
    _exit(1);
}

static void test_failalloc__create_with_python(void **state)
{
    long n;
    (void)state;
    for (n = 0; n < 1000; n++) {
        int status;
        pid_t pid;
        fflush(NULL);
        if ((pid = fork()) == 0)
            child_create(n);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 10)
            break;
        if (WEXITSTATUS(status) != 0)
            fail_msg("allocation %ld: child exit %d", n, WEXITSTATUS(status));
    }
    assert_true(n > 20 && n < 1000);
    print_message("whole create: failed each of %ld allocations in turn\n", n);
}

/* ---- 3. calls and values on a running interpreter ----------------------- */

static pyembed_interp *interp;

#define CHILD_CHECK(cond, ...)                                     \
    do {                                                           \
        if (!(cond)) {                                             \
            fprintf(stderr, __VA_ARGS__);                          \
            fputc('\n', stderr);                                   \
            _exit(1);                                              \
        }                                                          \
    } while (0)

/* The calls of one round: each returns 0 on success, else its code. */
static int round_calls(int *ok_results)
{
    pyembed_value args[10], out;
    char *s = NULL;
    int rc;
    for (int i = 0; i < 10; i++)
        args[i] = pyembed_value_str("an argument");
    if ((rc = pyembed_call_values(interp, &out, PYEMBED_TYPE_STR, NULL, "join", args, 10)))
        return rc;
    *ok_results += out.len == 10 * 11 + 9;
    pyembed_value_clear(&out);
    if ((rc = pyembed_call_values(interp, &out, PYEMBED_TYPE_BYTES, NULL, "raw", NULL, 0)))
        return rc;
    *ok_results += out.len == 3000;
    pyembed_value_clear(&out);
    if ((rc = pyembed_eval(interp, &out, PYEMBED_TYPE_ANY, "native.echo('copied back')")))
        return rc;
    *ok_results += out.type == PYEMBED_TYPE_STR && !strcmp(out.data, "copied back");
    pyembed_value_clear(&out);
    if ((rc = pyembed_eval(interp, &out, PYEMBED_TYPE_INT, "native.count(*range(12))")))
        return rc;
    *ok_results += out.i == 12;
    if ((rc = pyembed_call(interp, &s, "__main__", "join2", "x")))
        return rc;
    *ok_results += !strcmp(s, "x-x");
    pyembed_free(s);
    rc = pyembed_call_values(interp, NULL, PYEMBED_TYPE_ANY, NULL, "boom", NULL, 0);
    *ok_results += rc == PYEMBED_EPYTHON; /* its traceback copy may fail: still EPYTHON */
    return rc == PYEMBED_EPYTHON ? 0 : rc;
}

static void child_calls(void)
{
    pyembed_config cfg = config_of(blob_start, blob_start_len);
    long n, before;
    int ok;
    cfg.run = PYEMBED_RUN_NONE;
    CHILD_CHECK(pyembed_interp_create(&interp, &cfg) == 0, "create: %s",
                pyembed_interp_errmsg(interp));
    CHILD_CHECK(pyembed_exec(interp, "import native\n"
                             "def join(*a): return ','.join(a)\n"
                             "def join2(s): return s + '-' + s\n"
                             "def raw(): return bytes(3000)\n"
                             "def boom(): raise KeyError('boom')\n") == 0, "setup");
    ok = 0;
    CHILD_CHECK(round_calls(&ok) == 0 && ok == 6, "unarmed round: %d ok", ok);
    before = live_count;
    for (n = 0;; n++) {
        int rc;
        arm(n);
        ok = 0;
        rc = round_calls(&ok);
        disarm();
        if (!injected)
            break;
        CHILD_CHECK(rc == 0 || rc == PYEMBED_ENOMEM ||
                    (rc == PYEMBED_EPYTHON && strstr(pyembed_interp_errmsg(interp),
                                                      "MemoryError")),
                    "allocation %ld: rc %d %s", n, rc, pyembed_interp_errmsg(interp));
        CHILD_CHECK(live_count <= before, "allocation %ld: %ld blocks left behind", n,
                    live_count - before); /* (the last traceback text is kept per thread,
                                             before counts one) */
        ok = 0;
        CHILD_CHECK(round_calls(&ok) == 0 && ok == 6, "retry after %ld: %d ok (%s)", n, ok,
                    pyembed_interp_errmsg(interp));
    }
    /* at least: three result copies (STR, BYTES, eval's STR), a callback's
     * argument array (> 8 arguments), pyembed_call's copy, a traceback */
    CHILD_CHECK(n >= 6, "only %ld allocations", n);
    printf("calls and values: failed each of %ld allocations in turn\n", n);
    fflush(stdout);
    _exit(0);
}

static void test_failalloc__calls_and_values(void **state)
{
    int status;
    pid_t pid;
    (void)state;
    fflush(NULL);
    if ((pid = fork()) == 0)
        child_calls();
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static int group_setup(void **state)
{
    (void)state;
    return make_blob("format=1\nrun=module\nrun_module=app.main\nfilesystem_importer=1\n"
                     "allocator=pymalloc\nallocator_domains=raw\n",
                     &blob_prepare, &blob_prepare_len) ||
           make_blob("format=1\nrun=code\nfilesystem_importer=1\nallocator_tracking=1\n",
                     &blob_start, &blob_start_len);
}

static int group_teardown(void **state)
{
    (void)state;
    packrs_free(blob_prepare);
    packrs_free(blob_start);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failalloc__create_before_python),
        cmocka_unit_test(test_failalloc__create_with_python),
        cmocka_unit_test(test_failalloc__calls_and_values),
    };
    if (argc < 5) {
        fprintf(stderr, "usage: %s PACK APP STDLIB_DIR DYNLOAD_DIR\n", argv[0]);
        return 2;
    }
    snprintf(search_path, sizeof search_path, "%s:%s", argv[3], argv[4]);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
