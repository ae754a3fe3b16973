/*
 * meta_parse.c — the "@pyembed" METADATA text (docs/runtime.md §2):
 * UTF-8 "key=value" lines; unknown keys are ignored so newer packers stay
 * readable. A value this runtime does not understand for a key it knows
 * (an allocator from a newer packer) is remembered and refused when the
 * blob's options are used (interp.c), never replaced by a default.
 *
 * The text comes from the blob, so it is untrusted: any bytes, any length.
 * The bottom layer: calls only the C library (the metadata fuzzer compiles
 * this file alone).
 */
#include "meta_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EQ(v, n, s) ((n) == sizeof(s) - 1 && !memcmp(v, s, n))

void pyembed__meta_clear(pyembed_meta *m)
{
    free(m->run_module);
    free(m->run_code);
    free(m->tcl_library);
    free(m->tk_library);
    free(m->prefetch_libraries);
    memset(m, 0, sizeof *m);
    m->python_magic = -1;
    m->prefetch_executable = -1;
    m->sys_frozen = 1;
    m->isolated = 1;
    m->alloc_backend = PYEMBED_BACKEND_PYMALLOC;
}

/* Remembers value v of key k as not understood (first one only). */
static void bad_value(pyembed_meta *m, const char *k, size_t kn, const char *v, size_t vn)
{
    if (!m->alloc_bad[0])
        snprintf(m->alloc_bad, sizeof m->alloc_bad, "%.*s=%.*s", (int)(kn > 20 ? 20 : kn), k,
                 (int)(vn > 24 ? 24 : vn), v);
}

/* allocator=NAME: the backend, and "debug" (pymalloc with debug hooks). */
static void apply_allocator(pyembed_meta *m, const char *v, size_t n)
{
    static const char *const names[] = {"pymalloc", "malloc", "mimalloc", "jemalloc"};
    if (EQ(v, n, "debug")) {
        m->alloc_backend = PYEMBED_BACKEND_PYMALLOC;
        m->alloc_debug = 1;
        return;
    }
    for (int i = 0; i < 4; i++)
        if (n == strlen(names[i]) && !memcmp(v, names[i], n)) {
            m->alloc_backend = PYEMBED_BACKEND_PYMALLOC + i;
            return;
        }
    m->alloc_backend = -1;
    bad_value(m, "allocator", 9, v, n);
}

/* allocator_domains=raw,mem,obj,arena (any subset, "" for none). */
static void apply_domains(pyembed_meta *m, const char *v, size_t n)
{
    static const char *const names[] = {"raw", "mem", "obj", "arena"};
    const char *end = v + n;
    m->alloc_domains = 0;
    while (v < end) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        size_t len = comma ? (size_t)(comma - v) : (size_t)(end - v);
        int i = 0;
        while (i < 4 && !(len == strlen(names[i]) && !memcmp(v, names[i], len)))
            i++;
        if (i == 4) {
            bad_value(m, "allocator_domains", 17, v, len);
            return;
        }
        m->alloc_domains |= PYEMBED_DOMAIN_BIT(i);
        v += len + (comma != NULL);
    }
}

/* A 0/1 flag value; anything else is remembered as not understood. */
static int flag(pyembed_meta *m, const char *k, size_t kn, const char *v, size_t vn)
{
    if (EQ(v, vn, "0") || EQ(v, vn, "1"))
        return v[0] == '1';
    bad_value(m, k, kn, v, vn);
    return 0;
}

/* Parses a non-negative decimal of at most 9 digits; -1 if not one. */
static long parse_num(const char *v, size_t n)
{
    long x = 0;
    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* Replaces the string *dst by v[0..n). */
static int set_string(char **dst, const char *v, size_t n)
{
    free(*dst);
    if (!(*dst = strndup(v, n)))
        return PYEMBED_ENOMEM;
    return PYEMBED_OK;
}

/* Applies one "key=value" line. */
static int apply(pyembed_meta *m, const char *k, size_t kn, const char *v, size_t vn)
{
    long num = parse_num(v, vn);
#define KEY(s) (kn == sizeof(s) - 1 && !memcmp(k, s, kn))
    if (KEY("python_magic"))
        m->python_magic = num;
    else if (KEY("run"))
        m->run = vn == 6 && !memcmp(v, "module", 6) ? PYEMBED_RUN_MODULE :
                 vn == 4 && !memcmp(v, "code", 4) ? PYEMBED_RUN_CODE : PYEMBED_RUN_NONE;
    else if (KEY("run_module"))
        return set_string(&m->run_module, v, vn);
    else if (KEY("tcl_library"))
        return set_string(&m->tcl_library, v, vn);
    else if (KEY("tk_library"))
        return set_string(&m->tk_library, v, vn);
    else if (KEY("optimize") && num >= 0 && num <= 2)
        m->optimize = (int)num;
    else if (KEY("isolated"))
        m->isolated = num == 1;
    else if (KEY("site_import"))
        m->site_import = num == 1;
    else if (KEY("filesystem_importer"))
        m->filesystem_importer = num == 1;
    else if (KEY("sys_frozen"))
        m->sys_frozen = num == 1;
    else if (KEY("fast_exit"))
        m->fast_exit = num == 1;
    else if (KEY("parse_argv"))
        m->parse_argv = num == 1;
    else if (KEY("full_exit"))
        m->full_exit = num == 1;
    else if (KEY("prefetch_executable"))
        m->prefetch_executable = num; /* -1 (not a count): not read ahead */
    else if (KEY("prefetch_libraries"))
        return set_string(&m->prefetch_libraries, v, vn);
    else if (KEY("allocator"))
        apply_allocator(m, v, vn);
    else if (KEY("allocator_domains"))
        apply_domains(m, v, vn);
    else if (KEY("allocator_debug"))
        m->alloc_debug |= flag(m, k, kn, v, vn);
    else if (KEY("allocator_tracking"))
        m->alloc_tracking = flag(m, k, kn, v, vn);
#undef KEY
    return PYEMBED_OK;
}

int pyembed__meta_parse(pyembed_meta *m, const char *text, size_t n)
{
    while (n) {
        const char *nl = memchr(text, '\n', n), *eq;
        size_t len = nl ? (size_t)(nl - text) : n;
        int rc;
        if ((eq = memchr(text, '=', len)) &&
            (rc = apply(m, text, (size_t)(eq - text), eq + 1, len - (size_t)(eq - text) - 1)))
            return rc;
        text += len + (nl != NULL);
        n -= len + (nl != NULL);
    }
    return PYEMBED_OK;
}
