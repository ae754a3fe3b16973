/*
 * meta_fuzzer.c — libFuzzer target for the "@pyembed" metadata parser
 * (libpyembed/meta_parse.c, docs/runtime.md §2), without CPython.
 *
 * Each input is a METADATA text (any bytes). It is parsed from the
 * defaults; then
 *  1. every field must be in its range (flags 0/1, optimize 0..2, a known
 *     run kind and backend or -1 with the bad value remembered, domain
 *     bits only, a terminated alloc_bad, a run_module that is a
 *     newline-free piece of the input);
 *  2. the result written back as canonical "key=value" text must parse to
 *     exactly the same fields: what the parser accepts, it keeps.
 * Built with libFuzzer (-Dfuzzing=true) or with standalone.c for replay
 * (meta_fuzzer_regress).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Traps unless cond holds: an invariant the parser broke. */
#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define IS_FLAG(x) ((x) == 0 || (x) == 1)

/* 1 when needle[0..n) occurs in hay[0..len). */
static int contains(const uint8_t *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (!memcmp(hay + i, needle, n))
            return 1;
    return 0;
}

/* A string value s (or NULL): a newline-free piece of data[0..size). */
static void check_string(const char *s, const uint8_t *data, size_t size)
{
    size_t n;
    if (!s)
        return;
    n = strlen(s);
    REQUIRE(n <= size && !memchr(s, '\n', n));
    REQUIRE(contains(data, size, s, n));
}

/* Range checks on m, parsed from data[0..size). */
static void check_ranges(const pyembed_meta *m, const uint8_t *data, size_t size)
{
    REQUIRE(m->python_magic >= -1 && m->python_magic <= 999999999L);
    REQUIRE(m->run == PYEMBED_RUN_NONE || m->run == PYEMBED_RUN_MODULE ||
            m->run == PYEMBED_RUN_CODE);
    REQUIRE(m->optimize >= 0 && m->optimize <= 2);
    REQUIRE(IS_FLAG(m->isolated) && IS_FLAG(m->site_import) &&
            IS_FLAG(m->filesystem_importer) && IS_FLAG(m->sys_frozen) &&
            IS_FLAG(m->fast_exit) && IS_FLAG(m->parse_argv) && IS_FLAG(m->full_exit) && IS_FLAG(m->alloc_debug) &&
            IS_FLAG(m->alloc_tracking));
    REQUIRE(m->alloc_backend == -1 || (m->alloc_backend >= PYEMBED_BACKEND_PYMALLOC &&
                                       m->alloc_backend <= PYEMBED_BACKEND_JEMALLOC));
    REQUIRE(m->alloc_backend != -1 || m->alloc_bad[0]);
    REQUIRE((m->alloc_domains & ~0xFu) == 0);
    REQUIRE(memchr(m->alloc_bad, 0, sizeof m->alloc_bad) != NULL);
    REQUIRE(m->run_code == NULL); /* only the SOURCE field sets it */
    check_string(m->run_module, data, size);
    check_string(m->tcl_library, data, size);
    check_string(m->tk_library, data, size);
}

/* Appends "key=value\n" to buf (room checked by the caller's sizing). */
static char *put(char *p, const char *key, const char *value)
{
    return p + sprintf(p, "%s=%s\n", key, value);
}

/* m as canonical METADATA text (malloc'd, *len bytes). */
static char *canonical(const pyembed_meta *m, size_t *len)
{
    static const char *const runs[] = {"none", "module", "code"};
    static const char *const backends[] = {"pymalloc", "malloc", "mimalloc", "jemalloc"};
    static const char *const domains[] = {"raw", "mem", "obj", "arena"};
    char num[32], dom[32] = "", *buf, *p;
    buf = malloc(512 + (m->run_module ? strlen(m->run_module) : 0) +
                 (m->tcl_library ? strlen(m->tcl_library) : 0) +
                 (m->tk_library ? strlen(m->tk_library) : 0));
    REQUIRE(buf != NULL);
    p = buf;
    if (m->python_magic >= 0) {
        snprintf(num, sizeof num, "%ld", m->python_magic);
        p = put(p, "python_magic", num);
    }
    p = put(p, "run", runs[m->run]);
    if (m->run_module)
        p = put(p, "run_module", m->run_module);
    if (m->tcl_library)
        p = put(p, "tcl_library", m->tcl_library);
    if (m->tk_library)
        p = put(p, "tk_library", m->tk_library);
    p = put(p, "optimize", (const char *[]){"0", "1", "2"}[m->optimize]);
    p = put(p, "isolated", m->isolated ? "1" : "0");
    p = put(p, "site_import", m->site_import ? "1" : "0");
    p = put(p, "filesystem_importer", m->filesystem_importer ? "1" : "0");
    p = put(p, "sys_frozen", m->sys_frozen ? "1" : "0");
    p = put(p, "fast_exit", m->fast_exit ? "1" : "0");
    p = put(p, "parse_argv", m->parse_argv ? "1" : "0");
    p = put(p, "full_exit", m->full_exit ? "1" : "0");
    p = put(p, "allocator", backends[m->alloc_backend - PYEMBED_BACKEND_PYMALLOC]);
    if (m->alloc_debug)
        p = put(p, "allocator_debug", "1");
    for (int i = 0; i < 4; i++)
        if (m->alloc_domains & PYEMBED_DOMAIN_BIT(i))
            strcat(strcat(dom, dom[0] ? "," : ""), domains[i]);
    p = put(p, "allocator_domains", dom);
    p = put(p, "allocator_tracking", m->alloc_tracking ? "1" : "0");
    *len = (size_t)(p - buf);
    return buf;
}

/* Field-by-field equality of two parsed metadata. */
static void require_same(const pyembed_meta *a, const pyembed_meta *b)
{
    REQUIRE(a->python_magic == b->python_magic && a->run == b->run &&
            a->optimize == b->optimize && a->isolated == b->isolated &&
            a->site_import == b->site_import &&
            a->filesystem_importer == b->filesystem_importer &&
            a->sys_frozen == b->sys_frozen && a->fast_exit == b->fast_exit &&
            a->parse_argv == b->parse_argv && a->full_exit == b->full_exit &&
            a->alloc_backend == b->alloc_backend && a->alloc_domains == b->alloc_domains &&
            a->alloc_debug == b->alloc_debug && a->alloc_tracking == b->alloc_tracking);
    REQUIRE(!a->alloc_bad[0] && !b->alloc_bad[0]);
    REQUIRE((a->run_module == NULL) == (b->run_module == NULL));
    REQUIRE(!a->run_module || !strcmp(a->run_module, b->run_module));
    REQUIRE((a->tcl_library == NULL) == (b->tcl_library == NULL));
    REQUIRE(!a->tcl_library || !strcmp(a->tcl_library, b->tcl_library));
    REQUIRE((a->tk_library == NULL) == (b->tk_library == NULL));
    REQUIRE(!a->tk_library || !strcmp(a->tk_library, b->tk_library));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pyembed_meta m = {0}, again = {0};
    char *text;
    size_t len;
    pyembed__meta_clear(&m);
    REQUIRE(pyembed__meta_parse(&m, (const char *)data, size) == PYEMBED_OK);
    check_ranges(&m, data, size);
    if (!m.alloc_bad[0]) { /* a refused value is not written back */
        text = canonical(&m, &len);
        pyembed__meta_clear(&again);
        REQUIRE(pyembed__meta_parse(&again, text, len) == PYEMBED_OK);
        check_ranges(&again, (const uint8_t *)text, len);
        require_same(&m, &again);
        free(text);
    }
    pyembed__meta_clear(&again);
    pyembed__meta_clear(&m);
    return 0;
}
