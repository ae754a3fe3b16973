/*
 * test_values.c — the typed hybrid API: pyembed_call_values, eval,
 * import, values both ways, errors with tracebacks, and C functions
 * exposed to Python through config.modules (tests/integration/fixtures/
 * app/capivalues.py is the Python side). One interpreter, cases in order.
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

static pyembed_interp *interp;

/* ---- the C module "native" ------------------------------------------- */

/* scale(x, k): x * k, int for int x, float for float x. */
static int native_scale(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    (void)ctx;
    if (n != 2 || a[1].type != PYEMBED_TYPE_INT)
        return *r = pyembed_value_str("scale(x, k) needs a number and an int"), PYEMBED_EINVAL;
    if (a[0].type == PYEMBED_TYPE_INT)
        *r = pyembed_value_int(a[0].i * a[1].i);
    else if (a[0].type == PYEMBED_TYPE_FLOAT)
        *r = pyembed_value_float(a[0].f * (double)a[1].i);
    else
        return PYEMBED_EINVAL;
    return 0;
}

/* types(*args): the pyembed types of the arguments, e.g. "2,3,4". */
static int native_types(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    static char buf[256];
    size_t used = 0;
    (void)ctx;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < sizeof buf - 8; i++) {
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%d", i ? "," : "", a[i].type);
        if (a[i].type == PYEMBED_TYPE_STR || a[i].type == PYEMBED_TYPE_BYTES)
            used += (size_t)snprintf(buf + used, sizeof buf - used, ":%.*s", (int)a[i].len,
                                     a[i].data);
    }
    *r = pyembed_value_str(buf); /* copied by the library after return */
    return 0;
}

static int native_fail(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    (void)ctx;
    *r = n && a[0].type == PYEMBED_TYPE_STR ? pyembed_value_strn(a[0].data, a[0].len)
                                            : pyembed_value_str("fail");
    return PYEMBED_EINVAL;
}

/* reenter(x): calls capivalues.ident(x + 1) back in Python. */
static int native_reenter(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    pyembed_value arg, out;
    int rc;
    (void)ctx;
    if (n != 1 || a[0].type != PYEMBED_TYPE_INT)
        return PYEMBED_EINVAL;
    arg = pyembed_value_int(a[0].i + 1);
    rc = pyembed_call_values(interp, &out, PYEMBED_TYPE_INT, "capivalues", "ident", &arg, 1);
    if (rc)
        return rc;
    *r = pyembed_value_int(out.i * 10);
    return 0;
}

/* give_object(): a borrowed OBJECT result (the library takes its own
 * reference): the capivalues module, imported through the API. */
static int native_give_object(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    static pyembed_value mod;
    (void)ctx, (void)a, (void)n;
    if (!(mod.flags & PYEMBED_VALUE_OWNED) && pyembed_import(interp, &mod, "capivalues"))
        return PYEMBED_EPYTHON;
    *r = pyembed_value_object(mod.obj);
    return 0;
}

static int native_count(void *ctx, const pyembed_value *a, size_t n, pyembed_value *r)
{
    (void)ctx, (void)a;
    *r = pyembed_value_int((int64_t)n);
    return 0;
}

static const pyembed_function native_functions[] = {
    {"scale", native_scale, NULL},     {"types", native_types, NULL},
    {"fail", native_fail, NULL},       {"reenter", native_reenter, NULL},
    {"give_object", native_give_object, NULL}, {"count", native_count, NULL},
};
static const pyembed_module modules[] = {
    {"native", native_functions, sizeof native_functions / sizeof native_functions[0], NULL},
};

/* ---- helpers ------------------------------------------------------------ */

/* capivalues.func(args) converted to want; must succeed. */
static pyembed_value call_ok(const char *func, int want, const pyembed_value *args, size_t n)
{
    pyembed_value out;
    int rc = pyembed_call_values(interp, &out, want, "capivalues", func, args, n);
    if (rc)
        fail_msg("%s: %d %s", func, rc, pyembed_interp_errmsg(interp));
    return out;
}

/* Asserts capivalues.func(args) gives the str want (as STR). */
static void expect_str(const char *func, const pyembed_value *args, size_t n, const char *want)
{
    pyembed_value out = call_ok(func, PYEMBED_TYPE_STR, args, n);
    assert_int_equal(out.type, PYEMBED_TYPE_STR);
    assert_true(out.flags & PYEMBED_VALUE_OWNED);
    assert_string_equal(out.data, want);
    assert_int_equal(out.len, strlen(want));
    pyembed_value_clear(&out);
    assert_int_equal(out.type, PYEMBED_TYPE_NONE);
}

static void expect_errmsg(const char *fragment)
{
    if (!strstr(pyembed_interp_errmsg(interp), fragment))
        fail_msg("errmsg '%s' lacks '%s'", pyembed_interp_errmsg(interp), fragment);
}

/* ---- cases -------------------------------------------------------------- */

static void test_values__create(void **state)
{
    pyembed_config cfg;
    int rc;
    (void)state;
    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_FILE;
    cfg.path = fixture_blob();
    cfg.modules = modules;
    cfg.module_count = 1;
    rc = pyembed_interp_create(&interp, &cfg);
    if (rc)
        fail_msg("create: %d %s", rc, pyembed_interp_errmsg(interp));
}

static void test_values__arguments_reach_python_typed(void **state)
{
    static const unsigned char raw[] = {0, 1, 255};
    pyembed_value args[8];
    (void)state;
    args[0] = pyembed_value_int(-5);
    args[1] = pyembed_value_float(2.5);
    args[2] = pyembed_value_str("héllo");
    args[3] = pyembed_value_bytes(raw, sizeof raw);
    args[4] = pyembed_value_bool(7);
    args[5] = pyembed_value_none();
    args[6] = pyembed_value_strn("abcdef", 3);
    args[7] = pyembed_value_int(INT64_MIN);
    expect_str("type_names", args, 8, "int,float,str,bytes,bool,NoneType,str,int");
    expect_str("describe", args, 8,
               "(-5, 2.5, 'héllo', b'\\x00\\x01\\xff', True, None, 'abc', -9223372036854775808)");
    expect_str("type_names", NULL, 0, "");
}

static void test_values__typed_results(void **state)
{
    pyembed_value a[2] = {pyembed_value_int(40), pyembed_value_int(2)}, out;
    static const unsigned char raw[] = {'x', 0, 'y'};
    pyembed_value b = pyembed_value_bytes(raw, 3);
    (void)state;
    out = call_ok("add", PYEMBED_TYPE_INT, a, 2);
    assert_int_equal(out.type, PYEMBED_TYPE_INT);
    assert_int_equal(out.i, 42);
    out = call_ok("add", PYEMBED_TYPE_FLOAT, a, 2); /* an int is a real number */
    assert_true(out.f == 42.0);
    a[0] = pyembed_value_float(0.5);
    out = call_ok("add", PYEMBED_TYPE_FLOAT, a, 2);
    assert_true(out.f == 2.5);
    out = call_ok("ident", PYEMBED_TYPE_BYTES, &b, 1);
    assert_int_equal(out.type, PYEMBED_TYPE_BYTES);
    assert_int_equal(out.len, 3);
    assert_memory_equal(out.data, raw, 3);
    assert_int_equal(out.data[3], 0); /* NUL after the bytes, for convenience */
    pyembed_value_clear(&out);
    out = call_ok("ident", PYEMBED_TYPE_BOOL, &b, 1);
    assert_int_equal(out.type, PYEMBED_TYPE_BOOL);
    assert_int_equal(out.i, 1);
    out = call_ok("nothing", PYEMBED_TYPE_NONE, NULL, 0);
    assert_int_equal(out.type, PYEMBED_TYPE_NONE);
    assert_int_equal(pyembed_call_values(interp, NULL, PYEMBED_TYPE_INT, "capivalues", "nothing",
                                         NULL, 0), PYEMBED_OK); /* discarded */
}

static void test_values__any_converts_by_type(void **state)
{
    pyembed_value in[5] = {pyembed_value_int(7), pyembed_value_float(1.25),
                           pyembed_value_str("s"), pyembed_value_bool(0), pyembed_value_none()};
    static const int want[5] = {PYEMBED_TYPE_INT, PYEMBED_TYPE_FLOAT, PYEMBED_TYPE_STR,
                                PYEMBED_TYPE_BOOL, PYEMBED_TYPE_NONE};
    pyembed_value out;
    (void)state;
    for (int i = 0; i < 5; i++) {
        out = call_ok("ident", PYEMBED_TYPE_ANY, &in[i], 1);
        assert_int_equal(out.type, want[i]);
        pyembed_value_clear(&out);
    }
    out = call_ok("big", PYEMBED_TYPE_ANY, NULL, 0); /* beyond int64: an object */
    assert_int_equal(out.type, PYEMBED_TYPE_OBJECT);
    assert_non_null(out.obj);
    {
        pyembed_value back = pyembed_value_object(out.obj);
        expect_str("describe", &back, 1, "(1180591620717411303424,)");
    }
    pyembed_value_clear(&out);
    assert_null(out.obj);
}

static void test_values__conversion_errors(void **state)
{
    pyembed_value s = pyembed_value_str("text"), out;
    (void)state;
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_INT, "capivalues", "ident",
                                         &s, 1), PYEMBED_EPYTHON);
    assert_int_equal(out.type, PYEMBED_TYPE_NONE);
    expect_errmsg("TypeError");
    expect_errmsg("expected int, got str");
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_INT, "capivalues", "big",
                                         NULL, 0), PYEMBED_EPYTHON);
    expect_errmsg("OverflowError");
    s = pyembed_value_str("\xff\xfe not utf-8");
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_STR, "capivalues", "ident",
                                         &s, 1), PYEMBED_EPYTHON);
    expect_errmsg("UnicodeDecodeError");
    s = pyembed_value_bytes(NULL, 4);
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_STR, "capivalues", "ident",
                                         &s, 1), PYEMBED_EPYTHON);
    expect_errmsg("argument 0: NULL data");
    assert_int_equal(pyembed_call_values(interp, &out, 99, "capivalues", "ident", &s, 1),
                     PYEMBED_EINVAL);
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_ANY, "capivalues", NULL,
                                         NULL, 0), PYEMBED_EINVAL);
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_ANY, "capivalues", "ident",
                                         NULL, 1), PYEMBED_EINVAL);
}

static void test_values__exception_with_traceback(void **state)
{
    pyembed_value k = pyembed_value_str("deep-key-42"), out;
    const char *tb;
    (void)state;
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_ANY, "capivalues",
                                         "raise_in_helper", &k, 1), PYEMBED_EPYTHON);
    expect_errmsg("raise_in_helper: KeyError: 'deep-key-42'");
    tb = pyembed_interp_traceback(interp);
    if (strncmp(tb, "Traceback (most recent call last):\n", 35) || !strstr(tb, "in _deep\n") ||
        !strstr(tb, "capivalues.py\", line ") || !strstr(tb, "raise KeyError(key)") ||
        !strstr(tb, "KeyError: 'deep-key-42'\n"))
        fail_msg("traceback:\n%s", tb);
    /* a later failure that is no exception clears it */
    assert_int_equal(pyembed_eval(interp, &out, PYEMBED_TYPE_ANY, NULL), PYEMBED_EINVAL);
    assert_string_equal(pyembed_interp_traceback(interp), "");
    /* SystemExit is an exception like others: the process goes on */
    assert_int_equal(pyembed_eval(interp, &out, PYEMBED_TYPE_ANY, "__import__('sys').exit(4)"), PYEMBED_EPYTHON);
    expect_errmsg("SystemExit: 4");
}

static void test_values__eval_import_dotted(void **state)
{
    pyembed_value out, mod, net = pyembed_value_int(100);
    (void)state;
    assert_int_equal(pyembed_eval(interp, &out, PYEMBED_TYPE_INT, "6 * 7"), PYEMBED_OK);
    assert_int_equal(out.i, 42);
    assert_int_equal(pyembed_exec(interp, "answer = 'forty-two'"), PYEMBED_OK);
    assert_int_equal(pyembed_eval(interp, &out, PYEMBED_TYPE_STR, "answer.upper()"), PYEMBED_OK);
    assert_string_equal(out.data, "FORTY-TWO");
    pyembed_value_clear(&out);
    out = call_ok("Shop.price", PYEMBED_TYPE_FLOAT, &net, 1);
    assert_true(out.f == 125.0);
    assert_int_equal(pyembed_call_values(interp, &out, PYEMBED_TYPE_STR, NULL, "answer.title",
                                         NULL, 0), PYEMBED_OK); /* module NULL: __main__ */
    assert_string_equal(out.data, "Forty-Two");
    pyembed_value_clear(&out);
    assert_int_equal(pyembed_import(interp, &mod, "json"), PYEMBED_OK);
    assert_int_equal(mod.type, PYEMBED_TYPE_OBJECT);
    assert_int_equal(pyembed_import(interp, NULL, "json"), PYEMBED_OK);
    assert_int_equal(pyembed_import(interp, &out, "no_such_mod_zz"), PYEMBED_EPYTHON);
    expect_errmsg("ModuleNotFoundError");
    {
        pyembed_value arg = pyembed_value_object(mod.obj);
        expect_str("type_names", &arg, 1, "module");
    }
    pyembed_value_clear(&mod);
    assert_int_equal(pyembed_eval(interp, &out, PYEMBED_TYPE_ANY, "1 +"), PYEMBED_EPYTHON);
    expect_errmsg("SyntaxError");
}

static void test_values__python_calls_c(void **state)
{
    pyembed_value n = pyembed_value_int(14), out, args[10];
    (void)state;
    out = call_ok("use_native", PYEMBED_TYPE_FLOAT, &n, 1);
    assert_true(out.f == 45.0); /* 14 * 3 + 1.5 * 2 */
    args[0] = pyembed_value_int(1);
    args[1] = pyembed_value_str("two");
    args[2] = pyembed_value_bytes("3", 1);
    args[3] = pyembed_value_float(4.0);
    args[4] = pyembed_value_none();
    args[5] = pyembed_value_bool(1);
    expect_str("native_types", args, 6, "2,4:two,5:3,3,0,1");
    n = pyembed_value_str("bad input 9");
    expect_str("native_error", &n, 1, "ValueError: bad input 9");
    n = pyembed_value_int(4);
    out = call_ok("native_reenter", PYEMBED_TYPE_INT, &n, 1);
    assert_int_equal(out.i, 50);
    expect_str("type_names", NULL, 0, ""); /* the interpreter is fine after re-entry */
    out = call_ok("native_object", PYEMBED_TYPE_OBJECT, NULL, 0);
    {
        pyembed_value arg = pyembed_value_object(out.obj);
        expect_str("type_names", &arg, 1, "module");
    }
    pyembed_value_clear(&out);
    for (int i = 0; i < 10; i++)
        args[i] = pyembed_value_int(i);
    out = call_ok("native_many", PYEMBED_TYPE_INT, args, 10); /* > the 8 kept on stack */
    assert_int_equal(out.i, 10);
}

static void test_values__c_error_is_a_python_exception(void **state)
{
    pyembed_value out;
    (void)state;
    assert_int_equal(pyembed_exec(interp, "import native\nnative.scale('x', 2)\n"),
                     PYEMBED_EPYTHON);
    expect_errmsg("ValueError");
    assert_int_equal(pyembed_eval(interp, &out, PYEMBED_TYPE_STR,
                                  "native.scale.__name__ + ' ' + native.__name__"), PYEMBED_OK);
    assert_string_equal(out.data, "scale native");
    pyembed_value_clear(&out);
}

static void test_values__clear_and_free(void **state)
{
    pyembed_value v = pyembed_value_str("literal"); /* not owned: left alone */
    (void)state;
    pyembed_value_clear(&v);
    assert_int_equal(v.type, PYEMBED_TYPE_STR);
    pyembed_value_clear(NULL);
    pyembed_free(NULL);
    assert_int_equal(pyembed_gil_release(interp), PYEMBED_OK); /* let the GIL go ... */
    assert_int_equal(pyembed_gil_release(interp), PYEMBED_ESTATE); /* ... only once */
    expect_str("type_names", NULL, 0, ""); /* calls take it back themselves */
    assert_int_equal(pyembed_gil_acquire(interp), PYEMBED_OK); /* back, as after create */
    assert_int_equal(pyembed_gil_acquire(interp), PYEMBED_OK); /* nests */
    assert_int_equal(pyembed_gil_release(interp), PYEMBED_OK); /* ends the nested one */
    expect_str("type_names", NULL, 0, "");
    assert_int_equal(pyembed_gil_release(interp), PYEMBED_OK); /* gives it up again */
    assert_int_equal(pyembed_gil_release(interp), PYEMBED_ESTATE);
}

static void test_values__free(void **state)
{
    pyembed_value out;
    (void)state;
    pyembed_interp_free(interp); /* also with the GIL given up */
    assert_int_equal(pyembed_call_values(interp = NULL, &out, PYEMBED_TYPE_ANY, "m", "f", NULL,
                                         0), PYEMBED_EINVAL);
}

static const char *const includes[] = {"capivalues", "json", NULL};
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
        cmocka_unit_test(test_values__create),
        cmocka_unit_test(test_values__arguments_reach_python_typed),
        cmocka_unit_test(test_values__typed_results),
        cmocka_unit_test(test_values__any_converts_by_type),
        cmocka_unit_test(test_values__conversion_errors),
        cmocka_unit_test(test_values__exception_with_traceback),
        cmocka_unit_test(test_values__eval_import_dotted),
        cmocka_unit_test(test_values__python_calls_c),
        cmocka_unit_test(test_values__c_error_is_a_python_exception),
        cmocka_unit_test(test_values__clear_and_free),
        cmocka_unit_test(test_values__free),
    };
    g_argc = argc;
    g_argv = argv;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
