/*
 * test_threads.c — the GIL rules of pyembed.h in practice: after create,
 * the main thread gives up the GIL; worker threads call into Python (one
 * call at a time, and in batches under pyembed_gil_acquire) while the
 * main thread does native work and calls in too; Python calls a C
 * function that lets the GIL go around its own native work; failing calls
 * keep their messages per thread. Built twice: as is (run directly and
 * under helgrind) and with ThreadSanitizer (test_threads_tsan), all 'unit'.
 *   test_threads PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR [ROUNDS]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "pyembed.h"

#define WORKERS 2

static pyembed_interp *interp;
static long rounds = 400;

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                             \
            fputc('\n', stderr);                                      \
            exit(1);                                                  \
        }                                                             \
    } while (0)

/* Native work: a checksum over n rounds of an LCG. */
static uint64_t crunch(uint64_t seed, long n)
{
    for (long i = 0; i < n; i++)
        seed = seed * 6364136223846793005u + 1442695040888963407u;
    return seed;
}

/* native.crunch(seed, n): crunch() with the GIL given up meanwhile. */
static int native_crunch(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    uint64_t x;
    (void)ctx;
    if (n != 2 || a[0].type != PYEMBED_TYPE_INT || a[1].type != PYEMBED_TYPE_INT)
        return PYEMBED_EINVAL;
    if (pyembed_gil_release(interp))
        return PYEMBED_ESTATE;
    x = crunch((uint64_t)a[0].i, (long)a[1].i);
    if (pyembed_gil_acquire(interp))
        return PYEMBED_ESTATE;
    *r = pyembed_value_int((int64_t)(x >> 1));
    return 0;
}

static const pyembed_function functions[] = {{"crunch", native_crunch, NULL}};
static const pyembed_module modules[] = {{"native", functions, 1, NULL}};

static const char setup_code[] =
    "import native\n"
    "calls = []\n"
    "def record(tag, i):\n"
    "    calls.append((tag, i))\n"
    "    return i * 2\n"
    "def fail(tag):\n"
    "    raise ValueError('failure of ' + tag)\n"
    "def via_c(seed, n):\n"
    "    return native.crunch(seed, n)\n";

/* record(tag, i) must return 2 i. */
static void call_record(const char *tag, long i)
{
    pyembed_value args[2] = {pyembed_value_str(tag), pyembed_value_int(i)}, out;
    int rc = pyembed_call_values(interp, &out, PYEMBED_TYPE_INT, NULL, "record", args, 2);
    CHECK(rc == 0 && out.i == 2 * i, "%s record %ld: %d %s", tag, i, rc,
          pyembed_interp_errmsg(interp));
}

/* fail(tag) must fail with this thread's own message. */
static void call_fail(const char *tag)
{
    pyembed_value arg = pyembed_value_str(tag);
    char want[64];
    CHECK(pyembed_call_values(interp, NULL, PYEMBED_TYPE_ANY, NULL, "fail", &arg, 1) ==
          PYEMBED_EPYTHON, "%s: fail() did not fail", tag);
    snprintf(want, sizeof want, "failure of %s", tag);
    CHECK(strstr(pyembed_interp_errmsg(interp), want), "%s sees '%s'", tag,
          pyembed_interp_errmsg(interp));
    CHECK(strstr(pyembed_interp_traceback(interp), want), "%s traceback", tag);
}

/* via_c(seed, n): Python -> C with the GIL let go -> back. */
static void call_via_c(const char *tag, long i)
{
    pyembed_value args[2] = {pyembed_value_int(i), pyembed_value_int(2000)}, out;
    int rc = pyembed_call_values(interp, &out, PYEMBED_TYPE_INT, NULL, "via_c", args, 2);
    CHECK(rc == 0 && (uint64_t)out.i == crunch((uint64_t)i, 2000) >> 1, "%s via_c %ld: %s",
          tag, i, pyembed_interp_errmsg(interp));
}

/* One thread's share: single calls, a batch under acquire, failures. */
static void calls_of(const char *tag)
{
    for (long i = 0; i < rounds; i++) {
        if (i % 50 == 10) {
            CHECK(pyembed_gil_acquire(interp) == 0, "%s acquire", tag);
            for (long j = 0; j < 20; j++)
                call_record(tag, -j);
            CHECK(pyembed_gil_release(interp) == 0, "%s release", tag);
        }
        call_record(tag, i);
        if (i % 25 == 0)
            call_fail(tag);
        if (i % 10 == 0)
            call_via_c(tag, i);
    }
}

static void *worker(void *arg)
{
    calls_of(arg);
    return NULL;
}

/* Every thread's calls arrived: rounds + 20 per batch, for each tag. */
static void check_counts(void)
{
    long per_thread = rounds + 20 * ((rounds + 39) / 50);
    pyembed_value out;
    char expr[128];
    for (int t = 0; t <= WORKERS; t++) {
        snprintf(expr, sizeof expr, "sum(1 for c in calls if c[0] == '%s')",
                 t == WORKERS ? "main" : t ? "w1" : "w0");
        CHECK(pyembed_eval(interp, &out, PYEMBED_TYPE_INT, expr) == 0, "%s",
              pyembed_interp_errmsg(interp));
        CHECK(out.i == per_thread, "%s: %lld calls, want %ld", expr, (long long)out.i,
              per_thread);
    }
}

static int run(void)
{
    static char *tags[WORKERS] = {"w0", "w1"};
    pthread_t threads[WORKERS];
    pyembed_config cfg;
    uint64_t native = 0;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_FILE;
    cfg.path = fixture_blob();
    cfg.modules = modules;
    cfg.module_count = 1;
    CHECK(pyembed_interp_create(&interp, &cfg) == 0, "create: %s",
          pyembed_interp_errmsg(interp));
    CHECK(pyembed_exec(interp, setup_code) == 0, "setup: %s", pyembed_interp_errmsg(interp));
    CHECK(pyembed_gil_release(interp) == 0, "main release");
    for (int t = 0; t < WORKERS; t++)
        CHECK(pthread_create(&threads[t], NULL, worker, tags[t]) == 0, "pthread_create");
    for (long i = 0; i < rounds; i++)
        native ^= crunch((uint64_t)i, 5000); /* the main thread's own work */
    calls_of("main");
    for (int t = 0; t < WORKERS; t++)
        pthread_join(threads[t], NULL);
    check_counts();
    pyembed_interp_free(interp); /* takes the GIL back itself */
    printf("threads: %d workers and main, %ld rounds each (native %llx)\n", WORKERS, rounds,
           (unsigned long long)native);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc > 5)
        rounds = strtol(argv[5], NULL, 10);
    if (fixture_setup(argc, argv, NULL))
        return 2;
    rc = run();
    fixture_teardown();
    return rc;
}
