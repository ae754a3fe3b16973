/*
 * reader_fuzzer.c — libFuzzer target for the blob reader.
 *
 * Each input is opened twice: as given, and resealed (every checksum
 * recomputed, reseal.c), because random bytes almost never pass the
 * header checksum (§2.9) and would leave the checks behind it unfuzzed.
 * Each open is exercised by walk.c, which traps on broken invariants.
 * Built with libFuzzer (-Dfuzzing=true) or with standalone.c for replay.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packrs.h"
#include "reseal.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opens the size bytes at blob (an exact-size heap copy, so ASan sees
 * over-reads), exercises the reader, then frees blob. */
static void run(unsigned char *blob, size_t size)
{
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_memory(&r, blob, size);
    walk_opened(r, rc);
    packrs_reader_free(r);
    free(blob);
}

/* An exact-size heap copy of n bytes at p. */
static unsigned char *copy(const uint8_t *p, size_t n)
{
    unsigned char *q = malloc(n ? n : 1);
    if (!q)
        abort();
    if (n)
        memcpy(q, p, n);
    else
        q[0] = 0; /* never read: keeps -Wmaybe-uninitialized quiet */
    return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *sealed = copy(data, size);
    run(copy(data, size), size);
    reseal_all(sealed, size);
    if (size && memcmp(sealed, data, size) != 0)
        run(sealed, size);
    else
        free(sealed);
    return 0;
}
