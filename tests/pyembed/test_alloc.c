/*
 * test_alloc.c — allocator backends, per domain, with tracking and with
 * CPython's debug hooks.
 *
 * Every scenario that starts Python runs in a forked child (one
 * interpreter per process); the child checks what it sees, prints why it
 * failed and exits non-zero, and the parent asserts on its exit. For every
 * backend this build has (PYEMBED_TEST_ALLOC_BACKENDS, from meson):
 *   - tracking: live bytes return to within 5 % of the baseline after a
 *     large allocation (many small objects; one 64 MiB buffer) is freed,
 *     the peak saw it, and Python's _pyembed.alloc_stats() agrees with C;
 *   - debug: a deliberate overrun by a small extension module (one per
 *     domain) is caught by the debug hooks, which abort the process with
 *     "bad trailing pad byte";
 * plus the host's own allocator (CUSTOM), a backend on raw + arenas only,
 * and the backends this build lacks (EUNAVAILABLE, never a fallback).
 *   test_alloc PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "pyembed.h"

#define MIB (1024u * 1024u)

/* A check inside a child: report and exit 1. */
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "child check failed (%s:%d): ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
            _exit(1);                                                       \
        }                                                                   \
    } while (0)

static const char *backends_built; /* "pymalloc,malloc,..." from meson */
static char err_path[4096];

/* ---- the overrun extension ------------------------------------------- */

/* Writes one byte past a 16-byte block of the domain named by the
 * function, then frees it. */
static PyObject *overrun_in(void *(*alloc)(size_t), void (*release)(void *))
{
    char *p = alloc(16);
    if (!p)
        return PyErr_NoMemory();
    memset(p, 'x', 17); /* deliberately one too many */
    release(p);
    Py_RETURN_NONE;
}

static PyObject *overrun_raw(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return overrun_in(PyMem_RawMalloc, PyMem_RawFree);
}

static PyObject *overrun_mem(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return overrun_in(PyMem_Malloc, PyMem_Free);
}

static PyObject *overrun_obj(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return overrun_in(PyObject_Malloc, PyObject_Free);
}

static PyMethodDef overrun_methods[] = {
    {"raw", overrun_raw, METH_NOARGS, NULL},
    {"mem", overrun_mem, METH_NOARGS, NULL},
    {"obj", overrun_obj, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef overrun_def = {PyModuleDef_HEAD_INIT, "overrun", NULL, -1,
                                         overrun_methods, NULL, NULL, NULL, NULL};

static PyObject *PyInit_overrun(void)
{
    return PyModule_Create(&overrun_def);
}

static const pyembed_module overrun_module[] = {
    {"overrun", NULL, 0, (void *(*)(void))(void (*)(void))PyInit_overrun}};

/* ---- a host allocator (CUSTOM) ---------------------------------------- */

static atomic_long host_calls, host_frees;

static void *host_malloc(void *ctx, size_t n)
{
    (void)ctx;
    atomic_fetch_add(&host_calls, 1);
    return malloc(n ? n : 1);
}

static void *host_calloc(void *ctx, size_t e, size_t s)
{
    (void)ctx;
    atomic_fetch_add(&host_calls, 1);
    return calloc(e ? e : 1, s ? s : 1);
}

static void *host_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    atomic_fetch_add(&host_calls, 1);
    return realloc(p, n ? n : 1);
}

static void host_free(void *ctx, void *p)
{
    (void)ctx;
    if (p)
        atomic_fetch_add(&host_frees, 1);
    free(p);
}

static const pyembed_allocator_funcs host_allocator = {NULL, host_malloc, host_calloc,
                                                       host_realloc, host_free};

/* ---- child side ------------------------------------------------------- */

/* A config for the fixture blob with backend b (nothing to run). */
static pyembed_config config_for(int b)
{
    pyembed_config cfg;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_FILE;
    cfg.path = fixture_blob();
    cfg.allocator_backend = b;
    return cfg;
}

/* In the child: the interpreter of cfg, or exit. */
static pyembed_interp *child_create(const pyembed_config *cfg)
{
    pyembed_interp *it = NULL;
    int rc = pyembed_interp_create(&it, cfg);
    CHECK(rc == PYEMBED_OK, "create: %d %s", rc, pyembed_interp_errmsg(it));
    return it;
}

static void child_exec(pyembed_interp *it, const char *code)
{
    int rc = pyembed_exec(it, code);
    CHECK(rc == PYEMBED_OK, "exec %s: %s", code, pyembed_interp_errmsg(it));
}

/* Live bytes of domain d now. */
static uint64_t live(int d)
{
    pyembed_alloc_counters c;
    CHECK(pyembed_alloc_stats(&c, d) == PYEMBED_OK, "stats of domain %d", d);
    return c.live_bytes;
}

/* Live bytes of the domains CPython's objects and buffers come from. */
static uint64_t live_all(void)
{
    return live(PYEMBED_DOMAIN_RAW) + live(PYEMBED_DOMAIN_MEM) + live(PYEMBED_DOMAIN_OBJ);
}

/* 1 when now is within 5 % of base. */
static int near(uint64_t now, uint64_t base)
{
    uint64_t diff = now > base ? now - base : base - now;
    return diff * 20 <= base;
}

/* _pyembed.alloc_stats()[domain][key] as an int. */
static int64_t py_stat(pyembed_interp *it, const char *domain, const char *key)
{
    char expr[160];
    pyembed_value v;
    snprintf(expr, sizeof expr, "__import__('_pyembed').alloc_stats()['%s']['%s']", domain,
             key);
    CHECK(pyembed_eval(it, &v, PYEMBED_TYPE_INT, expr) == PYEMBED_OK, "%s: %s", expr,
          pyembed_interp_errmsg(it));
    return v.i;
}

/* Tracking with backend b: see the top of the file. */
static void child_tracking(int b)
{
    pyembed_config cfg = config_for(b);
    pyembed_interp *it;
    pyembed_alloc_counters obj;
    uint64_t base, grown, after, pyobj;
    cfg.allocator_tracking = 1;
    it = child_create(&cfg);
    child_exec(it, "import gc\ngc.collect()\n");
    base = live_all();
    CHECK(base > 100000, "baseline %llu: tracking sees start-up", (unsigned long long)base);
    child_exec(it, "big = [bytes(200) for _ in range(100000)]\n");
    grown = live_all();
    CHECK(grown >= base + 100000u * 200u, "small objects: %llu -> %llu",
          (unsigned long long)base, (unsigned long long)grown);
    child_exec(it, "del big\ngc.collect()\n");
    after = live_all();
    CHECK(near(after, base), "after freeing small objects: %llu, baseline %llu",
          (unsigned long long)after, (unsigned long long)base);
    child_exec(it, "buf = bytearray(64 << 20)\n");
    CHECK(live_all() >= after + 64 * MIB, "64 MiB buffer not counted");
    child_exec(it, "del buf\ngc.collect()\n");
    CHECK(near(live_all(), base), "after freeing 64 MiB: %llu, baseline %llu",
          (unsigned long long)live_all(), (unsigned long long)base);
    CHECK(pyembed_alloc_stats(&obj, PYEMBED_DOMAIN_OBJ) == 0 && obj.mallocs > 100000 &&
          obj.frees > 100000 && obj.peak_bytes >= 100000u * 200u, "obj counters");
    pyobj = (uint64_t)py_stat(it, "obj", "live_bytes");
    CHECK(pyobj > live(PYEMBED_DOMAIN_OBJ) / 2 && pyobj < live(PYEMBED_DOMAIN_OBJ) * 2,
          "Python says obj live %llu, C %llu", (unsigned long long)pyobj,
          (unsigned long long)live(PYEMBED_DOMAIN_OBJ));
    CHECK(pyembed_alloc_reset_peak() == 0, "reset_peak");
    CHECK(pyembed_alloc_stats(&obj, PYEMBED_DOMAIN_OBJ) == 0 &&
          obj.peak_bytes < obj.live_bytes + 4 * MIB, "peak after reset");
    printf("%s: baseline %llu, 100000 objects %llu, freed %llu (%+.3f %%)\n",
           pyembed_alloc_backend_name(b), (unsigned long long)base, (unsigned long long)grown,
           (unsigned long long)after, 100.0 * ((double)after - (double)base) / (double)base);
    fflush(stdout);
    pyembed_interp_free(it);
    _exit(0);
}

/* The overrun of domain dom under backend b with debug hooks: does not
 * return (the hooks abort the process). */
static void child_overrun(int b, const char *dom)
{
    pyembed_config cfg = config_for(b);
    char code[64];
    pyembed_interp *it;
    cfg.allocator_debug = 1;
    cfg.modules = overrun_module;
    cfg.module_count = 1;
    it = child_create(&cfg);
    snprintf(code, sizeof code, "import overrun\noverrun.%s()\n", dom);
    pyembed_exec(it, code);
    fprintf(stderr, "overrun of %s went unnoticed\n", dom);
    _exit(3);
}

/* The host's allocator serves all three domains. */
static void child_custom(void)
{
    pyembed_config cfg = config_for(PYEMBED_BACKEND_CUSTOM);
    pyembed_value v;
    pyembed_interp *it;
    cfg.allocator_custom = &host_allocator;
    cfg.allocator_tracking = 1;
    it = child_create(&cfg);
    child_exec(it, "x = {str(i): [i] * 3 for i in range(10000)}\ndel x\n");
    CHECK(atomic_load(&host_calls) > 30000 && atomic_load(&host_frees) > 30000,
          "host allocator: %ld calls, %ld frees", atomic_load(&host_calls),
          atomic_load(&host_frees));
    CHECK(pyembed_eval(it, &v, PYEMBED_TYPE_STR, "__import__('_pyembed').alloc_info()"
                       "['backend']") == 0 && !strcmp(v.data, "custom"), "backend name");
    pyembed_value_clear(&v);
    pyembed_interp_free(it);
    _exit(0);
}

/* Backend b on raw and the arenas: mem and obj stay pymalloc, whose arenas
 * then come from b (the arena counters see them). */
static void child_raw_arena(int b)
{
    pyembed_config cfg = config_for(b);
    pyembed_alloc_counters arena;
    pyembed_value v;
    pyembed_interp *it;
    cfg.allocator_domains = PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_RAW) |
                            PYEMBED_DOMAIN_BIT(PYEMBED_DOMAIN_ARENA);
    cfg.allocator_tracking = 1;
    it = child_create(&cfg);
    child_exec(it, "x = [[i] for i in range(200000)]\n");
    CHECK(pyembed_alloc_stats(&arena, PYEMBED_DOMAIN_ARENA) == 0 && arena.mallocs >= 4 &&
          arena.live_bytes >= 4 * MIB, "arenas: %llu allocations, %llu live",
          (unsigned long long)arena.mallocs, (unsigned long long)arena.live_bytes);
    CHECK(pyembed_eval(it, &v, PYEMBED_TYPE_STR, "','.join(__import__('_pyembed')"
                       ".alloc_info()['domains'])") == 0 && !strcmp(v.data, "raw,arena"),
          "domains: %s", v.data ? v.data : pyembed_interp_errmsg(it));
    pyembed_value_clear(&v);
    pyembed_interp_free(it);
    _exit(0);
}

/* ---- parent side ------------------------------------------------------ */

/* Runs fn(arg) in a child with stderr to err_path; its wait status. */
static int run_child(void (*fn)(int), int arg)
{
    int status;
    pid_t pid;
    fflush(NULL);
    if ((pid = fork()) == 0) {
        if (!freopen(err_path, "w", stderr))
            _exit(97);
        fn(arg);
        _exit(98);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* The child's stderr (static buffer). */
static const char *child_stderr(void)
{
    static char buf[16384];
    FILE *f = fopen(err_path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    return buf;
}

static void expect_exit0(int status, const char *what)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s: status 0x%x\n%s", what, status, child_stderr());
}

/* The backends of this build, in enum order. */
static int built(int b)
{
    const char *name = pyembed_alloc_backend_name(b), *p = backends_built;
    size_t n = strlen(name);
    while ((p = strstr(p, name))) {
        if ((p == backends_built || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return 1;
        p += n;
    }
    return 0;
}

static void child_tracking_i(int b) { child_tracking(b); }
static void child_custom_i(int unused) { (void)unused; child_custom(); }
static void child_raw_arena_i(int b) { child_raw_arena(b); }
static const char *const overrun_domains[] = {"raw", "mem", "obj"};
static void child_overrun_i(int code) { child_overrun(code / 3, overrun_domains[code % 3]); }

static void test_alloc__stats_need_tracking(void **state)
{
    pyembed_alloc_counters c;
    (void)state;
    assert_int_equal(pyembed_alloc_stats(&c, PYEMBED_DOMAIN_RAW), PYEMBED_ESTATE);
    assert_int_equal(pyembed_alloc_stats(&c, PYEMBED_DOMAIN_COUNT), PYEMBED_EINVAL);
    assert_int_equal(pyembed_alloc_stats(NULL, PYEMBED_DOMAIN_RAW), PYEMBED_EINVAL);
    assert_int_equal(pyembed_alloc_reset_peak(), PYEMBED_ESTATE);
    assert_string_equal(pyembed_alloc_backend_name(PYEMBED_BACKEND_JEMALLOC), "jemalloc");
    assert_null(pyembed_alloc_backend_name(17));
    assert_int_equal(pyembed_alloc_backend_available(17), 0);
}

static void test_alloc__available_is_what_was_built(void **state)
{
    (void)state;
    for (int b = PYEMBED_BACKEND_PYMALLOC; b < PYEMBED_BACKEND_CUSTOM; b++)
        if (pyembed_alloc_backend_available(b) != built(b))
            fail_msg("%s: available %d, built %d", pyembed_alloc_backend_name(b),
                     pyembed_alloc_backend_available(b), built(b));
}

static void test_alloc__missing_backend_is_an_error(void **state)
{
    (void)state;
    for (int b = PYEMBED_BACKEND_MIMALLOC; b <= PYEMBED_BACKEND_JEMALLOC; b++) {
        pyembed_config cfg = config_for(b);
        pyembed_interp *it = NULL;
        if (built(b))
            continue;
        assert_int_equal(pyembed_interp_create(&it, &cfg), PYEMBED_EUNAVAILABLE);
        assert_non_null(strstr(pyembed_interp_errmsg(it), "not available"));
        pyembed_interp_free(it);
    }
}

static void test_alloc__tracking_returns_to_baseline(void **state)
{
    (void)state;
    for (int b = PYEMBED_BACKEND_PYMALLOC; b < PYEMBED_BACKEND_CUSTOM; b++)
        if (built(b)) {
            expect_exit0(run_child(child_tracking_i, b), pyembed_alloc_backend_name(b));
        }
}

static void test_alloc__debug_hooks_catch_overrun(void **state)
{
    (void)state;
    for (int b = PYEMBED_BACKEND_PYMALLOC; b < PYEMBED_BACKEND_CUSTOM; b++)
        for (int d = 0; built(b) && d < 3; d++) {
            int status = run_child(child_overrun_i, b * 3 + d);
            const char *err = child_stderr();
            if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
                !strstr(err, "bad trailing pad byte") || !strstr(err, "Fatal Python error"))
                fail_msg("%s/%s: status 0x%x\n%s", pyembed_alloc_backend_name(b),
                         overrun_domains[d], status, err);
        }
}

static void test_alloc__host_allocator(void **state)
{
    (void)state;
    expect_exit0(run_child(child_custom_i, 0), "custom");
}

static void test_alloc__backend_on_raw_and_arenas(void **state)
{
    (void)state;
    for (int b = PYEMBED_BACKEND_MALLOC; b < PYEMBED_BACKEND_CUSTOM; b++)
        if (built(b))
            expect_exit0(run_child(child_raw_arena_i, b), pyembed_alloc_backend_name(b));
}

static int g_argc;
static char **g_argv;

static int group_setup(void **state)
{
    (void)state;
    if (fixture_setup(g_argc, g_argv, NULL))
        return -1;
    snprintf(err_path, sizeof err_path, "%s/child.err", fixture_dir());
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fixture_teardown();
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc__stats_need_tracking),
        cmocka_unit_test(test_alloc__available_is_what_was_built),
        cmocka_unit_test(test_alloc__missing_backend_is_an_error),
        cmocka_unit_test(test_alloc__tracking_returns_to_baseline),
        cmocka_unit_test(test_alloc__debug_hooks_catch_overrun),
        cmocka_unit_test(test_alloc__host_allocator),
        cmocka_unit_test(test_alloc__backend_on_raw_and_arenas),
    };
    backends_built = getenv("PYEMBED_TEST_ALLOC_BACKENDS");
    if (!backends_built) {
        fprintf(stderr, "PYEMBED_TEST_ALLOC_BACKENDS is not set (meson sets it)\n");
        return 2;
    }
    g_argc = argc;
    g_argv = argv;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
