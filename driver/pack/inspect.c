/*
 * inspect.c — `pyembed-pack inspect FILE [--json]` and `verify FILE`.
 * Pure C over libpackrs: no interpreter is started for these.
 */
#include "pack_int.h"
#include "packrs.h"

#include <stdio.h>
#include <string.h>

/* Opens FILE as an executable with an embedded blob, else as a blob. */
static int open_any(const char *path, packrs_reader **r)
{
    int rc = packrs_reader_open_exe(r, path);
    if (rc == PACKRS_ENOBLOB) {
        packrs_reader_free(*r);
        rc = packrs_reader_open_file(r, path);
    }
    if (rc)
        fprintf(stderr, "pyembed-pack: %s: %s\n", path,
                *r ? packrs_reader_errmsg(*r) : packrs_strerror(rc));
    return rc;
}

/* Comma-separated names of the kind bits, into buf. */
static const char *kind_names(uint32_t kind, char *buf, size_t n)
{
    static const char *names[] = {"module", "package", "namespace", "extension",
                                  "data", "dist-info", "shared-lib"};
    buf[0] = 0;
    for (unsigned i = 0; i < 7; i++)
        if (kind & (1u << i)) {
            if (buf[0])
                strncat(buf, ",", n - strlen(buf) - 1);
            strncat(buf, names[i], n - strlen(buf) - 1);
        }
    if (!buf[0])
        snprintf(buf, n, "meta");
    return buf;
}

/* Prints s as a JSON string. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* One resource: name, kind, stored/plain sizes, location. */
static int show(packrs_reader *r, const packrs_resource *res, int json)
{
    size_t stored = 0, plain = 0;
    const char *where = "memory";
    char kinds[96];
    packrs_field f;
    for (uint32_t i = 0; i < res->field_count; i++) {
        int rc = packrs_resource_field_at(r, res, i, &f);
        if (rc)
            return rc;
        stored += f.size;
        plain += f.uncompressed_size;
        if (f.type == PACKRS_FIELD_FS_PATH)
            where = "filesystem-relative";
    }
    kind_names(res->kind, kinds, sizeof kinds);
    if (!json) {
        printf("%-50s %-24s %10zu %10zu %s\n", res->name, kinds, stored, plain, where);
        return 0;
    }
    printf("%s{\"name\": ", res->index ? ",\n " : "[");
    json_str(res->name);
    printf(", \"kind\": \"%s\", \"fields\": %u, \"stored\": %zu, \"size\": %zu, "
           "\"location\": \"%s\"}", kinds, res->field_count, stored, plain, where);
    return 0;
}

int pack_inspect(int argc, char **argv)
{
    packrs_reader *r = NULL;
    int json = argc > 3 && !strcmp(argv[3], "--json"), rc;
    if (argc < 3 || (argc > 3 && !json)) {
        fprintf(stderr, "usage: pyembed-pack inspect FILE [--json]\n");
        return 2;
    }
    if ((rc = open_any(argv[2], &r)) == 0) {
        for (size_t i = 0; i < packrs_reader_count(r) && !rc; i++) {
            packrs_resource res;
            if (!(rc = packrs_reader_get(r, i, &res)))
                rc = show(r, &res, json);
        }
        if (json)
            printf(packrs_reader_count(r) ? "]\n" : "[]\n");
        if (rc)
            fprintf(stderr, "pyembed-pack: %s\n", packrs_reader_errmsg(r));
    }
    packrs_reader_free(r);
    return rc ? 1 : 0;
}

int pack_verify(int argc, char **argv)
{
    packrs_reader *r = NULL;
    int rc;
    if (argc != 3) {
        fprintf(stderr, "usage: pyembed-pack verify FILE\n");
        return 2;
    }
    if ((rc = open_any(argv[2], &r)) == 0 && (rc = packrs_reader_verify(r)))
        fprintf(stderr, "pyembed-pack: %s: %s\n", argv[2], packrs_reader_errmsg(r));
    else if (rc == 0)
        printf("%s: ok (%zu resources)\n", argv[2], packrs_reader_count(r));
    packrs_reader_free(r);
    return rc ? 1 : 0;
}
