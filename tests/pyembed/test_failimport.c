/*
 * test_failimport.c — the packed importer under CPython allocation
 * failure: fail the Nth allocation of CPython's own allocators, for every
 * N, along each import path the C importer serves (a plain module from
 * bytecode, a package and its submodule, an extension module loaded from
 * memory, importlib.resources, loader.get_data, importlib.metadata).
 * test_failalloc.c does the same for libpyembed's own C allocations.
 *
 * The hook wraps the RAW, MEM and OBJ domains with PyMem_GetAllocator /
 * PyMem_SetAllocator once the interpreter runs: each wrapper calls the
 * allocator it replaced (pymalloc for MEM and OBJ, whose large blocks it
 * takes from RAW: such nested calls pass straight through), so blocks
 * made before the hook are freed by it too. RAW may be called from any
 * thread without the GIL, so the hook's state is under a mutex, and a
 * thread-local depth marks the nested calls. The hook counts live blocks
 * in a pointer set: allocations made through it minus their frees.
 *
 * The loop itself is Python (failimport/fi_driver.py, packed in the blob
 * with the fixture); it reaches the hook through _failhook, a built-in
 * module given to pyembed_interp_create as an init function: arm(n)
 * makes the nth counted allocation from then on return NULL (once),
 * disarm() says whether it did, mark()/grown() measure live blocks.
 *
 * Four spots of CPython 3.11 itself mishandle a failed allocation
 * (described where they are exempted, below): their allocations are not
 * failed. _thread's lock allocation answers with RuntimeError("can't
 * allocate lock"), not MemoryError: fi_driver.py accepts that one.
 *
 * Run twice by meson: "none" packs everything uncompressed and loads
 * extensions through a memfd; "all" packs everything compressed and loads
 * them through the private temporary directory.
 *   test_failimport PACK APP STDLIB_DIR DYNLOAD_DIR FAILIMPORT_DIR none|all
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "packrs.h"
#include "pyembed.h"

/* ---- the live-block set: linear probing, backward-shift deletion ------- */

#define SET_BITS 21
#define SET_SIZE ((size_t)1 << SET_BITS)
#define SET_MASK (SET_SIZE - 1)

static uintptr_t live_set[SET_SIZE]; /* 0: empty slot */
static size_t live_count;
static int live_overflow; /* more than half full: counts are no longer kept */

static size_t home_of(uintptr_t p)
{
    return (size_t)(((uint64_t)p * 0x9E3779B97F4A7C15ull) >> (64 - SET_BITS));
}

/* Adds block p (not NULL); a full set stops counting (checked by tests). */
static void live_add(uintptr_t p)
{
    size_t i;
    if (live_count >= SET_SIZE / 2) {
        live_overflow = 1;
        return;
    }
    for (i = home_of(p); live_set[i]; i = (i + 1) & SET_MASK)
        if (live_set[i] == p)
            return;
    live_set[i] = p;
    live_count++;
}

/* 1 when home slot k lies in the cyclic range (i, j]. */
static int in_range(size_t k, size_t i, size_t j)
{
    return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

/* Removes p; 1 if it was there (a block made through the hook). */
static int live_remove(uintptr_t p)
{
    size_t i = home_of(p);
    while (live_set[i] != p) {
        if (!live_set[i])
            return 0;
        i = (i + 1) & SET_MASK;
    }
    live_set[i] = 0;
    live_count--;
    for (size_t j = (i + 1) & SET_MASK; live_set[j]; j = (j + 1) & SET_MASK)
        if (!in_range(home_of(live_set[j]), i, j)) {
            live_set[i] = live_set[j];
            live_set[j] = 0;
            i = j;
        }
    return 1;
}

/* ---- the hook ------------------------------------------------------------ */

static const PyMemAllocatorDomain domains[3] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
                                                PYMEM_DOMAIN_OBJ};
static PyMemAllocatorEx wrapped[3]; /* what the hook replaced, per domain */
static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int depth; /* inside a wrapper on this thread */
static _Thread_local int exempt; /* inside a CPython call never failed */
static long armed_at;           /* counted allocation that fails; 0: none */
static long counted;            /* counted allocations since arm() */
static int fired;               /* the armed allocation failed */
static size_t marked;           /* live_count at mark() */
static long passed_on;          /* failures an exempt caller passed on */

/* The hook's own code is in one section, so its frames can be told from
 * CPython's in a backtrace (exempt_caller). */
#define HOOK_TEXT __attribute__((section("failhook_text")))
extern char __start_failhook_text[], __stop_failhook_text[];

/* CPython functions whose own allocations are never failed, told by the
 * caller's frame when the armed allocation comes (the third spot; the
 * other two are wrapped at link time, below): PyType_FromModuleAndSpec
 * (typeobject.c) returns NULL with no exception set when its copy of the
 * type's name (_ht_tpname = PyMem_Malloc) fails, so an extension's exec
 * slot fails with none (SystemError "execution of module _queue failed
 * without setting an exception"). */
static const char *const exempt_callers[] = {"PyType_FromModuleAndSpec", NULL};
/* CPython functions none of whose allocations (at any depth) are failed,
 * told by exported names (dladdr sees no static function):
 * PyType_FromModuleAndSpec, when type_ready inside it fails on an
 * allocation of its own (a method descriptor, an interned name), leaves
 * one block of the half-made type behind (typeobject.c's error path;
 * which allocation of an import lands there shifts with the size of the
 * environment). */
static const char *const exempt_within[] = {"PyType_FromModuleAndSpec", NULL};
/* What the failing allocation was called through on its way here. */
static const char *const allocator_entries[] = {
    "PyMem_RawMalloc", "PyMem_RawCalloc", "PyMem_RawRealloc", "PyMem_Malloc",
    "PyMem_Calloc", "PyMem_Realloc", "PyObject_Malloc", "PyObject_Calloc",
    "PyObject_Realloc", NULL};

/* 1 when name is one of list's. */
static int listed(const char *name, const char *const *list)
{
    for (size_t i = 0; name && list[i]; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

/* 1 when the function that asked for this allocation (the first frame
 * past the hook's, not one of CPython's allocator entry points) is
 * exempt, or when it was asked for anywhere inside one of exempt_within.
 * Frames before the hook's are backtrace's own (a sanitizer's
 * interceptor). */
HOOK_TEXT static int exempt_caller(void)
{
    void *bt[64];
    int n = backtrace(bt, 64), in_hook, seen_hook = 0, caller = 1;
    for (int i = 0; i < n; i++) {
        Dl_info info;
        in_hook = (char *)bt[i] >= __start_failhook_text && (char *)bt[i] < __stop_failhook_text;
        seen_hook |= in_hook;
        if (in_hook || !seen_hook)
            continue;
        if (!dladdr(bt[i], &info) || (caller && listed(info.dli_sname, allocator_entries)))
            continue;
        if (caller && listed(info.dli_sname, exempt_callers))
            return 1;
        caller = 0;
        if (listed(info.dli_sname, exempt_within))
            return 1;
    }
    return 0;
}

/* Under hook_lock: 1 when this allocation is the armed one. An exempt
 * caller's passes the failure on to the next allocation. */
HOOK_TEXT static int fail_this(void)
{
    if (!armed_at || ++counted != armed_at)
        return 0;
    if (exempt_caller()) {
        armed_at++;
        passed_on++;
        return 0;
    }
    armed_at = 0;
    fired = 1;
    return 1;
}

/* Runs before an outer allocation: 1 if it is to fail. Nested calls (the
 * wrapped allocator calling another domain) are neither failed nor
 * tracked. */
HOOK_TEXT static int enter(void)
{
    int fail;
    if (depth++ || exempt)
        return 0;
    pthread_mutex_lock(&hook_lock);
    fail = fail_this();
    pthread_mutex_unlock(&hook_lock);
    return fail;
}

/* Ends a wrapper: records old (removed) and new (added) blocks if this
 * was the outer call; old is only replaced when it was tracked. */
HOOK_TEXT static void leave(void *old, void *new, int is_realloc)
{
    if (--depth)
        return;
    pthread_mutex_lock(&hook_lock);
    if (!is_realloc) {
        if (new)
            live_add((uintptr_t)new);
        else if (old)
            live_remove((uintptr_t)old);
    } else if (new && (!old || live_remove((uintptr_t)old))) {
        live_add((uintptr_t)new);
    }
    pthread_mutex_unlock(&hook_lock);
}

HOOK_TEXT static void *hook_malloc(void *ctx, size_t size)
{
    PyMemAllocatorEx *w = ctx;
    void *p = enter() ? NULL : w->malloc(w->ctx, size);
    leave(NULL, p, 0);
    return p;
}

HOOK_TEXT static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
    PyMemAllocatorEx *w = ctx;
    void *p = enter() ? NULL : w->calloc(w->ctx, nelem, elsize);
    leave(NULL, p, 0);
    return p;
}

HOOK_TEXT static void *hook_realloc(void *ctx, void *ptr, size_t size)
{
    PyMemAllocatorEx *w = ctx;
    void *p = enter() ? NULL : w->realloc(w->ctx, ptr, size);
    leave(ptr, p, 1);
    return p;
}

HOOK_TEXT static void hook_free(void *ctx, void *ptr)
{
    PyMemAllocatorEx *w = ctx;
    depth++;
    w->free(w->ctx, ptr);
    leave(ptr, NULL, 0);
}

/* Two more CPython 3.11 spots are never failed; the test links with
 * -Wl,--wrap for each, and allocations inside them are made (and
 * tracked) but not counted:
 *  - PyCell_New from MAKE_CELL: on failure the frame's arguments leak
 *    (ceval.c: resume_with_error re-reads frame->stacktop, -1 while the
 *    frame runs, so _PyFrame_Clear releases none of its locals);
 *  - the frame object _PyFrame_Clear makes for the caller of a frame
 *    whose own frame object outlives it (frame.c take_ownership): on
 *    failure _PyFrame_MakeAndSetFrameObject drops the exception being
 *    raised and take_ownership clears the MemoryError, so the call
 *    returns NULL with no exception set (SystemError). */
PyObject *__real_PyCell_New(PyObject *obj);
PyObject *__wrap_PyCell_New(PyObject *obj);
void __real__PyFrame_Clear(void *frame);
void __wrap__PyFrame_Clear(void *frame);

PyObject *__wrap_PyCell_New(PyObject *obj)
{
    PyObject *cell;
    exempt++;
    cell = __real_PyCell_New(obj);
    exempt--;
    return cell;
}

void __wrap__PyFrame_Clear(void *frame)
{
    exempt++;
    __real__PyFrame_Clear(frame);
    exempt--;
}

/* Wraps the three domains (the GIL held, no other thread running). */
static void hook_install(void)
{
    for (int i = 0; i < 3; i++) {
        PyMemAllocatorEx h = {&wrapped[i], hook_malloc, hook_calloc, hook_realloc,
                              hook_free};
        PyMem_GetAllocator(domains[i], &wrapped[i]);
        PyMem_SetAllocator(domains[i], &h);
    }
}

/* Puts the wrapped allocators back: blocks the hook handed out are
 * theirs, so they free them. */
static void hook_remove(void)
{
    for (int i = 0; i < 3; i++)
        PyMem_SetAllocator(domains[i], &wrapped[i]);
}

/* ---- _failhook: the hook seen from Python -------------------------------- */

/* arm(n): the nth counted allocation from now on returns NULL (once). */
static PyObject *fh_arm(PyObject *self, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    (void)self;
    if (n < 1)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "n must be >= 1");
    pthread_mutex_lock(&hook_lock);
    counted = 0;
    fired = 0;
    armed_at = n;
    pthread_mutex_unlock(&hook_lock);
    Py_RETURN_NONE;
}

/* disarm() -> 1 if the armed allocation failed, else 0 (small ints: the
 * result allocates nothing). */
static PyObject *fh_disarm(PyObject *self, PyObject *noargs)
{
    int f;
    (void)self, (void)noargs;
    pthread_mutex_lock(&hook_lock);
    armed_at = 0;
    f = fired;
    pthread_mutex_unlock(&hook_lock);
    return PyLong_FromLong(f);
}

static PyObject *fh_mark(PyObject *self, PyObject *noargs)
{
    (void)self, (void)noargs;
    pthread_mutex_lock(&hook_lock);
    marked = live_count;
    pthread_mutex_unlock(&hook_lock);
    Py_RETURN_NONE;
}

/* grown() -> live blocks now minus at mark() (negative: fewer). */
static PyObject *fh_grown(PyObject *self, PyObject *noargs)
{
    long d;
    (void)self, (void)noargs;
    pthread_mutex_lock(&hook_lock);
    d = (long)live_count - (long)marked;
    pthread_mutex_unlock(&hook_lock);
    return PyLong_FromLong(d);
}

static PyMethodDef fh_methods[] = {
    {"arm", fh_arm, METH_O, NULL},
    {"disarm", fh_disarm, METH_NOARGS, NULL},
    {"mark", fh_mark, METH_NOARGS, NULL},
    {"grown", fh_grown, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef fh_def = {PyModuleDef_HEAD_INIT, "_failhook", NULL, -1,
                                    fh_methods, NULL, NULL, NULL, NULL};

static void *fh_init(void)
{
    return PyModule_Create(&fh_def);
}

/* ---- the paths ----------------------------------------------------------- */

static pyembed_interp *interp;
static const char *variant; /* "none" or "all" (see the top) */
static char tmpdir[PATH_MAX];

/* Entries of directory path (without . and ..), recursively. */
static int count_files(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            char sub[PATH_MAX + 256];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            n += 1 + count_files(sub);
        }
    closedir(d);
    return n;
}

/* Runs fi_driver.run(name): every allocation of that path failed in turn
 * (fi_driver.py checks each outcome); prints what came of them. */
static void run_path(const char *name)
{
    pyembed_value arg = pyembed_value_str(name), out;
    long allocations = 0, memory = 0, absorbed = 0, lock = 0, unraisable = 0;
    int rc;
    passed_on = 0;
    rc = pyembed_call_values(interp, &out, PYEMBED_TYPE_STR, "fi_driver", "run", &arg, 1);
    if (rc != PYEMBED_OK)
        fail_msg("%s: rc %d: %s\n%s", name, rc, pyembed_interp_errmsg(interp),
                 pyembed_interp_traceback(interp));
    assert_int_equal(sscanf(out.data, "%ld %ld %ld %ld %ld", &allocations, &memory, &absorbed,
                            &lock, &unraisable), 5);
    print_message("%s (compress %s): %ld allocations, each failed in turn: %ld MemoryError, "
                  "%ld lock RuntimeError, %ld absorbed (%ld unraisable; %ld passed on by "
                  "an exempt caller)\n", name, variant, allocations, memory, lock, absorbed,
                  unraisable, passed_on);
    pyembed_value_clear(&out);
    assert_false(live_overflow);
    assert_int_equal(memory + absorbed + lock, allocations);
    assert_true(allocations > 10 && memory > 0);
}

/* 1 when field type of resource name in the blob is stored compressed. */
static int stored_compressed(const char *name, int type)
{
    packrs_reader *r;
    packrs_resource res;
    packrs_field fld;
    int compressed;
    assert_int_equal(packrs_reader_open_file(&r, fixture_blob()), PACKRS_OK);
    assert_int_equal(packrs_reader_find(r, name, strlen(name), &res), PACKRS_OK);
    assert_int_equal(packrs_resource_field(r, &res, type, NULL, &fld), PACKRS_OK);
    compressed = fld.compressed != 0; /* zstd, the pack tool's default codec */
    packrs_reader_free(r);
    return compressed;
}

/* The variant is what it says: modules compressed or not. */
static void test_failimport__blob_as_packed(void **state)
{
    int want = !strcmp(variant, "all");
    (void)state;
    assert_int_equal(stored_compressed("fi_plain", PACKRS_FIELD_BYTECODE), want);
    assert_int_equal(stored_compressed("fi_pkg.sub", PACKRS_FIELD_BYTECODE), want);
    assert_int_equal(stored_compressed("_queue", PACKRS_FIELD_EXTENSION), want);
}

static void test_failimport__plain_module(void **state)
{
    (void)state;
    run_path("plain");
}

static void test_failimport__package_and_submodule(void **state)
{
    (void)state;
    run_path("package");
}

static void test_failimport__extension_from_memory(void **state)
{
    (void)state;
    run_path("extension");
    /* "all" loads through the private directory: there is one, and each
     * library written to it went after dlopen, failed or not; "none"
     * loads through a memfd and makes none */
    assert_int_equal(count_files(tmpdir), !strcmp(variant, "all"));
}

static void test_failimport__resources(void **state)
{
    (void)state;
    run_path("resources");
}

static void test_failimport__get_data(void **state)
{
    (void)state;
    run_path("get_data");
}

static void test_failimport__metadata(void **state)
{
    (void)state;
    run_path("metadata");
}

/* ---- set-up -------------------------------------------------------------- */

static const char *const includes[] = {"fi_driver", "fi_plain", "fi_pkg.sub", "_queue",
                                       "importlib.metadata", "importlib.resources", NULL};
static int g_argc;
static char **g_argv;

static int group_setup(void **state)
{
    static const pyembed_module fh_module = {"_failhook", NULL, 0, fh_init};
    const char *extra[] = {"--module-path", g_argv[5], "--compress", variant, NULL};
    pyembed_config cfg;
    int rc;
    (void)state;
    if (fixture_setup_with(g_argc, g_argv, includes, extra))
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", fixture_dir());
    if (mkdir(tmpdir, 0700) || setenv("TMPDIR", tmpdir, 1))
        return -1;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_FILE;
    cfg.path = fixture_blob();
    cfg.modules = &fh_module;
    cfg.module_count = 1;
    cfg.extension_loading = strcmp(variant, "all") ? PYEMBED_EXTLOAD_MEMFD
                                                   : PYEMBED_EXTLOAD_TEMPDIR;
    if ((rc = pyembed_interp_create(&interp, &cfg)) != PYEMBED_OK) {
        fprintf(stderr, "create: %d %s\n", rc, pyembed_interp_errmsg(interp));
        return -1;
    }
    if (pyembed_import(interp, NULL, "fi_driver") != PYEMBED_OK) {
        fprintf(stderr, "fi_driver: %s\n", pyembed_interp_errmsg(interp));
        return -1;
    }
    hook_install(); /* the creating thread holds the GIL */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (interp)
        hook_remove();
    pyembed_interp_free(interp);
    fixture_teardown();
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failimport__blob_as_packed),
        cmocka_unit_test(test_failimport__plain_module),
        cmocka_unit_test(test_failimport__package_and_submodule),
        cmocka_unit_test(test_failimport__extension_from_memory),
        cmocka_unit_test(test_failimport__resources),
        cmocka_unit_test(test_failimport__get_data),
        cmocka_unit_test(test_failimport__metadata),
    };
    if (argc < 7 || (strcmp(argv[6], "none") && strcmp(argv[6], "all"))) {
        fprintf(stderr, "usage: %s PACK APP STDLIB_DIR DYNLOAD_DIR FAILIMPORT_DIR none|all\n",
                argv[0]);
        return 2;
    }
    g_argc = argc;
    g_argv = argv;
    variant = argv[6];
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
