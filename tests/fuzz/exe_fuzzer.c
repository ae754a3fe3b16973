/*
 * exe_fuzzer.c — libFuzzer target for blobs inside executables (§7):
 * locating (packrs_reader_open_exe) and embedding (packrs_embed).
 *
 * Each input is an executable file. It is written to a scratch file and
 *  1. opened with packrs_reader_open_exe(); a blob found is walked as in
 *     reader_fuzzer (walk.c: every lookup, field read and verify, with
 *     their invariants); a failed open must leave an inert handle;
 *  2. given a small valid blob with packrs_embed(); when that succeeds,
 *     packrs_reader_open_exe() on the output must find exactly that blob,
 *     which must verify: what the embedder writes, the locator finds.
 * Scratch files live in a directory under /dev/shm when it exists (the
 * embed fsyncs), else under $TMPDIR. Built with libFuzzer (-Dfuzzing=true)
 * or with standalone.c for replay (exe_fuzzer_regress).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packrs.h"
#include "walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char in_path[512], out_path[512];
static void *blob;
static size_t blob_len;

static void cleanup(void)
{
    char dir[512];
    unlink(in_path);
    unlink(out_path);
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(in_path, '/') - in_path), in_path);
    rmdir(dir);
    packrs_free(blob);
}

/* The blob every input gets embedded: two resources, one compressed. */
static void make_blob(void)
{
    static const char text[] = "print('hello from an embedded blob') # padding padding padding";
    packrs_writer *w;
    REQUIRE(packrs_writer_create(&w) == PACKRS_OK);
    REQUIRE(packrs_writer_add_resource(w, "app", PACKRS_KIND_MODULE) == PACKRS_OK);
    REQUIRE(packrs_writer_add_resource(w, "app.data", PACKRS_KIND_DATA) == PACKRS_OK);
    REQUIRE(packrs_writer_add_field(w, "app", PACKRS_FIELD_SOURCE, NULL, text,
                                    sizeof text, PACKRS_FIELD_ZLIB) == PACKRS_OK);
    REQUIRE(packrs_writer_add_field(w, "app.data", PACKRS_FIELD_DATA_FILE, "a.txt",
                                    "a", 1, 0) == PACKRS_OK);
    REQUIRE(packrs_writer_finish_buffer(w, &blob, &blob_len) == PACKRS_OK);
    packrs_writer_free(w);
}

/* Creates the scratch directory and the blob, once. */
static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[400];
    if (blob)
        return;
    snprintf(dir, sizeof dir, "%s/packrs-exe-fuzz-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp");
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    make_blob();
    atexit(cleanup);
}

/* Replaces the scratch input with data[0..size). */
static void write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(in_path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fwrite(data, 1, size, f) == size);
    REQUIRE(fclose(f) == 0);
}

/* Opens the executable at path and walks what it holds. */
static void open_and_walk(const char *path)
{
    packrs_reader *r = NULL;
    int rc = packrs_reader_open_exe(&r, path);
    walk_opened(r, rc);
    packrs_reader_free(r);
}

/* Embeds the blob into the input; a success must read back exactly. */
static void embed_round_trip(void)
{
    char err[400];
    packrs_reader *r = NULL;
    const void *found;
    size_t len = 0;
    if (packrs_embed(in_path, blob, blob_len, out_path, err, sizeof err) != PACKRS_OK) {
        REQUIRE(err[0] != 0);
        return;
    }
    REQUIRE(packrs_reader_open_exe(&r, out_path) == PACKRS_OK);
    found = packrs_reader_blob(r, &len);
    REQUIRE(len == blob_len && memcmp(found, blob, len) == 0);
    REQUIRE(packrs_reader_verify(r) == PACKRS_OK);
    packrs_reader_free(r);
    unlink(out_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    write_input(data, size);
    open_and_walk(in_path);
    embed_round_trip();
    return 0;
}
