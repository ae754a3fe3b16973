/*
 * bench_codec.c — would zstd beat zlib as a field codec? Every field of the
 * blob inside a packed executable is compressed on its own (as the writer
 * does) with zlib at levels 6 and 9, and with zstd at several levels; for
 * each: total size, the time to compress every field once, and the time
 * to decompress them all (best of several passes), also as MB/s of plain
 * bytes.
 *
 *   bench_codec EXECUTABLE [PASSES]
 *
 * Prints a Markdown table; asserts nothing (docs/benchmarks.md).
 */
#include "bench_util.h"
#include "packrs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

typedef struct plain {
    unsigned char *data;
    size_t len;
} plain;

typedef struct packed {
    unsigned char *data;
    size_t len;
} packed;

typedef struct codec {
    const char *name;
    int zstd; /* 0: zlib */
    int level;
} codec;

static const codec codecs[] = {
    {"zlib", 0, 6}, {"zlib", 0, 9}, {"zstd", 1, 1}, {"zstd", 1, 3}, {"zstd", 1, 6},
    {"zstd", 1, 9}, {"zstd", 1, 12}, {"zstd", 1, 15}, {"zstd", 1, 19},
};

/* Copies every field's plain bytes out of the blob in exe into *out. */
static size_t load_fields(const char *exe, plain **out)
{
    packrs_reader *r;
    size_t n = 0, cap = 0;
    if (packrs_reader_open_exe(&r, exe) != PACKRS_OK)
        die(exe, "no blob in it");
    for (size_t i = 0; i < packrs_reader_count(r); i++) {
        packrs_resource res;
        packrs_field f;
        if (packrs_reader_get(r, i, &res) != PACKRS_OK)
            continue;
        for (size_t k = 0; packrs_resource_field_at(r, &res, k, &f) == PACKRS_OK; k++) {
            const void *p;
            size_t len;
            void *owned = NULL;
            if (packrs_field_read(r, &f, &p, &len, &owned) != PACKRS_OK || !len)
                continue;
            if (n == cap && !(*out = realloc(*out, (cap = cap ? 2 * cap : 256) * sizeof **out)))
                die("realloc", "out of memory");
            (*out)[n].data = xmalloc(len);
            memcpy((*out)[n].data, p, len);
            (*out)[n++].len = len;
            packrs_free(owned);
        }
    }
    packrs_reader_free(r);
    return n;
}

/* Compresses in with c into a new buffer. */
static packed compress_one(const codec *c, const plain *in)
{
    packed o;
    if (c->zstd) {
        size_t cap = ZSTD_compressBound(in->len);
        o.data = xmalloc(cap);
        o.len = ZSTD_compress(o.data, cap, in->data, in->len, c->level);
        if (ZSTD_isError(o.len))
            die("ZSTD_compress", ZSTD_getErrorName(o.len));
    } else {
        uLongf clen = compressBound((uLong)in->len);
        o.data = xmalloc(clen);
        if (compress2(o.data, &clen, in->data, (uLong)in->len, c->level) != Z_OK)
            die("compress2", "failed");
        o.len = clen;
    }
    return o;
}

/* Decompresses every field once into buf; checks the sizes. */
static void decompress_all(const codec *c, const packed *z, const plain *in, size_t n,
                           unsigned char *buf)
{
    for (size_t i = 0; i < n; i++) {
        size_t got;
        if (c->zstd) {
            got = ZSTD_decompress(buf, in[i].len, z[i].data, z[i].len);
        } else {
            uLongf len = (uLongf)in[i].len;
            got = uncompress(buf, &len, z[i].data, (uLong)z[i].len) == Z_OK ? len : 0;
        }
        if (got != in[i].len)
            die(c->name, "a field did not round-trip");
    }
}

int main(int argc, char **argv)
{
    plain *fields = NULL;
    size_t n, total = 0, biggest = 0;
    int passes = argc > 2 ? atoi(argv[2]) : 20;
    unsigned char *buf;
    bench_name = "bench_codec";
    if (argc < 2)
        die("usage", "bench_codec EXECUTABLE [PASSES]");
    n = load_fields(argv[1], &fields);
    for (size_t i = 0; i < n; i++) {
        total += fields[i].len;
        if (fields[i].len > biggest)
            biggest = fields[i].len;
    }
    buf = xmalloc(biggest);
    printf("%zu fields, %zu bytes plain, each compressed on its own; decompression: best "
           "of %d passes over all fields\n\n", n, total, passes);
    printf("| codec | level | bytes | ratio | compress ms | decompress ms | MB/s |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t c = 0; c < sizeof codecs / sizeof *codecs; c++) {
        packed *z = xmalloc(n * sizeof *z);
        size_t out = 0;
        double best = 1e9, t0 = now_ns(), tc;
        for (size_t i = 0; i < n; i++)
            out += (z[i] = compress_one(&codecs[c], &fields[i])).len;
        tc = (now_ns() - t0) / 1e9;
        for (int p = 0; p < passes; p++) {
            double t;
            t0 = now_ns();
            decompress_all(&codecs[c], z, fields, n, buf);
            t = (now_ns() - t0) / 1e9;
            if (t < best)
                best = t;
        }
        printf("| %s | %d | %zu | %.3f | %.0f | %.2f | %.0f |\n", codecs[c].name,
               codecs[c].level, out, (double)out / (double)total, tc * 1e3, best * 1e3,
               (double)total / best / 1e6);
        for (size_t i = 0; i < n; i++)
            free(z[i].data);
        free(z);
    }
    for (size_t i = 0; i < n; i++)
        free(fields[i].data);
    free(fields);
    free(buf);
    return 0;
}
