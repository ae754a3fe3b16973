/*
 * hybrid.c — a C program with Python business logic inside it.
 *
 * The C side does the native work (generating and totalling orders), the
 * Python side (python/pricing, packed into a blob that blob.S puts in this
 * program's read-only data) prices them, and calls back into C for the tax
 * rate and to write an audit log. Values cross typed both ways:
 * int64/double/str/bytes in, float/str out; C functions are a built-in
 * module "native". Nothing is read from disk at run time.
 * Build: build.sh (pkg-config only). docs/embedding.md walks through it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pyembed.h>

extern const unsigned char hybrid_blob[], hybrid_blob_end[]; /* blob.S */

/* ---- native work -------------------------------------------------------- */

typedef struct order {
    const char *customer, *country;
    int64_t net_cents;
} order;

static const char *const skus[] = {"bolt", "nut", "gear", "shaft"};

/* Fills orders[0..n) and the "sku,qty" report lines from a fixed seed. */
static size_t make_orders(order *orders, size_t n, char *report, size_t report_size)
{
    static const char *const customers[] = {"acme", "globex", "initech"};
    static const char *const countries[] = {"DE", "FR", "US"};
    uint32_t x = 12345;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t cents = 0;
        for (int line = 0; line < 4; line++) {
            unsigned qty;
            x = x * 1103515245u + 12345u;
            qty = 1 + (x >> 16) % 40;
            cents += (int64_t)qty * (250 + 125 * line) * 10;
            used += (size_t)snprintf(report + used, report_size - used, "%s,%u\n",
                                     skus[(x >> 8) % 4], qty);
        }
        orders[i] = (order){customers[i % 3], countries[(i / 3) % 3], cents};
    }
    return used;
}

/* ---- C functions for Python: the module "native" ----------------------- */

static char audit_log[2048];

/* native.tax_rate(country) -> float */
static int tax_rate(void *ctx, const pyembed_value *args, size_t n, pyembed_value *result)
{
    (void)ctx;
    if (n != 1 || args[0].type != PYEMBED_TYPE_STR) {
        *result = pyembed_value_str("tax_rate(country: str)");
        return PYEMBED_EINVAL; /* raised in Python as ValueError */
    }
    *result = pyembed_value_float(!strcmp(args[0].data, "DE")   ? 0.19
                                  : !strcmp(args[0].data, "FR") ? 0.20
                                                                : 0.07);
    return 0;
}

/* native.audit(message): appends a line to the C program's audit log. */
static int audit(void *ctx, const pyembed_value *args, size_t n, pyembed_value *result)
{
    size_t used = strlen(audit_log);
    (void)ctx;
    (void)result; /* None */
    if (n != 1 || args[0].type != PYEMBED_TYPE_STR)
        return PYEMBED_EINVAL;
    snprintf(audit_log + used, sizeof audit_log - used, "  audit: %.*s\n", (int)args[0].len,
             args[0].data);
    return 0;
}

static const pyembed_function native_functions[] = {
    {"tax_rate", tax_rate, NULL},
    {"audit", audit, NULL},
};
static const pyembed_module modules[] = {{"native", native_functions, 2, NULL}};

/* ---- main ------------------------------------------------------------- */

/* Prints a failed call's error, with Python's traceback when it has one. */
static int report_error(pyembed_interp *it, int rc)
{
    fprintf(stderr, "hybrid: %s (%s)\n%s", pyembed_interp_errmsg(it), pyembed_strerror(rc),
            pyembed_interp_traceback(it));
    return 1;
}

/* Quotes every order through pricing.quote(customer, net_cents, country). */
static int quote_all(pyembed_interp *it, const order *orders, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        pyembed_value args[3] = {pyembed_value_str(orders[i].customer),
                                 pyembed_value_int(orders[i].net_cents),
                                 pyembed_value_str(orders[i].country)};
        pyembed_value price;
        int rc = pyembed_call_values(it, &price, PYEMBED_TYPE_FLOAT, "pricing", "quote", args, 3);
        if (rc)
            return report_error(it, rc);
        printf("order %zu: %-7s %s %8.2f -> %8.2f\n", i, orders[i].customer, orders[i].country,
               (double)orders[i].net_cents / 100, price.f);
        total += price.f;
    }
    printf("total %.2f\n", total);
    return 0;
}

/* pricing.summary(report bytes) -> a JSON string. */
static int print_summary(pyembed_interp *it, const char *report, size_t len)
{
    pyembed_value arg = pyembed_value_bytes(report, len), summary;
    int rc = pyembed_call_values(it, &summary, PYEMBED_TYPE_STR, "pricing", "summary", &arg, 1);
    if (rc)
        return report_error(it, rc);
    printf("quantities %s\n", summary.data);
    pyembed_value_clear(&summary); /* a result: the program owns it */
    return 0;
}

/* An error in Python comes back as a code, a message and a traceback. */
static int show_error(pyembed_interp *it)
{
    pyembed_value args[3] = {pyembed_value_str("umbrella corp"), pyembed_value_int(100),
                             pyembed_value_str("US")};
    int rc = pyembed_call_values(it, NULL, PYEMBED_TYPE_FLOAT, "pricing", "checked_quote",
                                 args, 3);
    const char *tb = pyembed_interp_traceback(it), *last = tb;
    for (const char *p = tb; *p; p++) /* the traceback's last line: the error */
        if (p[0] == '\n' && p[1])
            last = p + 1;
    printf("unknown customer: %s\n  traceback ends: %s", pyembed_interp_errmsg(it), last);
    return rc == PYEMBED_EPYTHON ? 0 : 1;
}

int main(void)
{
    static char report[4096];
    order orders[6];
    size_t report_len = make_orders(orders, 6, report, sizeof report);
    pyembed_alloc_counters obj;
    pyembed_config cfg;
    pyembed_interp *it = NULL;
    int rc;

    pyembed_config_init(&cfg, PYEMBED_CONFIG_VERSION);
    cfg.resources = PYEMBED_RESOURCES_MEMORY; /* the blob in .rodata */
    cfg.blob = hybrid_blob;
    cfg.blob_len = (size_t)(hybrid_blob_end - hybrid_blob);
    cfg.modules = modules;
    cfg.module_count = 1;
    cfg.allocator_tracking = 1;
    if ((rc = pyembed_interp_create(&it, &cfg)))
        return report_error(it, rc);
    rc = quote_all(it, orders, 6) || print_summary(it, report, report_len) || show_error(it);
    fputs(audit_log, stdout);
    if (pyembed_alloc_stats(&obj, PYEMBED_DOMAIN_OBJ) == 0) /* allocator_tracking */
        printf("python objects tracked: %s\n",
               obj.live_blocks > 0 && obj.peak_bytes >= obj.live_bytes ? "yes" : "no");
    pyembed_interp_free(it);
    return rc;
}
