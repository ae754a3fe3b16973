/*
 * make_seeds.c — writes the seed corpus of reader_fuzzer.
 *
 *   make_seeds DIR     (e.g. tests/fuzz/corpus/reader)
 *
 * Small valid blobs that between them use every section and field shape:
 * empty, one resource, compressed fields, keyed fields, many resources.
 * Built with the tests but not run by them; the seeds are committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packrs.h"

/* Serialises w to DIR/name and frees w; exits on failure. */
static void emit(packrs_writer *w, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (packrs_writer_finish_file(w, path) != PACKRS_OK) {
        fprintf(stderr, "%s: %s\n", path, packrs_writer_errmsg(w));
        exit(1);
    }
    packrs_writer_free(w);
}

/* A new writer; exits on failure. */
static packrs_writer *fresh(void)
{
    packrs_writer *w;
    if (packrs_writer_create(&w) != PACKRS_OK)
        exit(1);
    return w;
}

/* Adds field (type, key) = text to res, compressed when zlib. */
static void put(packrs_writer *w, const char *res, int type, const char *key,
                const char *text, unsigned codec)
{
    if (packrs_writer_add_field(w, res, type, key, text, strlen(text), codec) != PACKRS_OK) {
        fprintf(stderr, "%s: %s\n", res, packrs_writer_errmsg(w));
        exit(1);
    }
}

static const char long_text[] =
    "import os\nimport sys\n\ndef main():\n    print('hello from a packed app')\n"
    "    print('hello from a packed app')\n    return 0\n\nif __name__ == '__main__':\n"
    "    sys.exit(main())\n";

int main(int argc, char **argv)
{
    packrs_writer *w;
    char name[32];
    if (argc != 2)
        return fprintf(stderr, "usage: %s DIR\n", argv[0]), 2;
    emit(fresh(), argv[1], "empty.blob");

    w = fresh();
    packrs_writer_add_resource(w, "hello", PACKRS_KIND_MODULE);
    put(w, "hello", PACKRS_FIELD_SOURCE, NULL, "print('hi')\n", 0);
    emit(w, argv[1], "one.blob");

    w = fresh();
    packrs_writer_add_resource(w, "app", PACKRS_KIND_MODULE);
    packrs_writer_add_resource(w, "app.util", PACKRS_KIND_MODULE);
    put(w, "app", PACKRS_FIELD_SOURCE, NULL, long_text, 1);
    put(w, "app", PACKRS_FIELD_BYTECODE, NULL, long_text, 1);
    put(w, "app.util", PACKRS_FIELD_BYTECODE_OPT2, NULL, long_text, 1);
    put(w, "app.util", PACKRS_FIELD_METADATA, NULL, "", 0);
    emit(w, argv[1], "compressed.blob");

    w = fresh(); /* version 2: zstd fields beside zlib and stored ones */
    packrs_writer_add_resource(w, "app", PACKRS_KIND_MODULE);
    packrs_writer_add_resource(w, "app.util", PACKRS_KIND_MODULE);
    put(w, "app", PACKRS_FIELD_SOURCE, NULL, long_text, PACKRS_FIELD_ZSTD);
    put(w, "app", PACKRS_FIELD_BYTECODE, NULL, long_text, PACKRS_FIELD_ZLIB);
    put(w, "app.util", PACKRS_FIELD_BYTECODE_OPT2, NULL, long_text, PACKRS_FIELD_ZSTD);
    put(w, "app.util", PACKRS_FIELD_METADATA, NULL, "", 0);
    emit(w, argv[1], "zstd.blob");

    w = fresh();
    packrs_writer_add_resource(w, "pkg", PACKRS_KIND_PACKAGE | PACKRS_KIND_DATA);
    packrs_writer_add_resource(w, "pkg-1.0.dist-info", PACKRS_KIND_DISTINFO);
    put(w, "pkg", PACKRS_FIELD_FS_PATH, NULL, "pkg/__init__.py", 0);
    put(w, "pkg", PACKRS_FIELD_DATA_FILE, "data/a.txt", "alpha", 0);
    put(w, "pkg", PACKRS_FIELD_DATA_FILE, "data/b.txt", long_text, 1);
    put(w, "pkg-1.0.dist-info", PACKRS_FIELD_DISTINFO_FILE, "METADATA", "Name: pkg\n", 0);
    put(w, "pkg-1.0.dist-info", PACKRS_FIELD_DISTINFO_FILE, "RECORD", "pkg,,\n", 0);
    emit(w, argv[1], "keyed.blob");

    w = fresh();
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "m%02d", i);
        packrs_writer_add_resource(w, name, 1u << (i % 7));
        if (i % 3)
            put(w, name, PACKRS_FIELD_SOURCE, NULL, name, 0);
        if (i % 5 == 0)
            put(w, name, PACKRS_FIELD_EXTENSION, NULL, "\x7f" "ELF", 0);
    }
    emit(w, argv[1], "many.blob");
    return 0;
}
