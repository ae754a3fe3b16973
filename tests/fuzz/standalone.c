/*
 * standalone.c — a main() for fuzz targets built without libFuzzer.
 *
 *   reader_fuzzer_regress PATH...
 *
 * Runs LLVMFuzzerTestOneInput once on every file named, and on every
 * file (not starting with '.') directly inside every directory named, in
 * name order. A missing path is an error: the test must not pass by
 * replaying nothing. Exits 0 when every input ran (a crash aborts).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target on the file at path; -1 if it cannot be read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;
    if (!f)
        return perror(path), -1;
    do {
        if (len == cap) {
            unsigned char *p = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!p)
                return fclose(f), free(buf), -1;
            buf = p;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n);
    fclose(f);
    /* An exact-size copy: the target copies again, but be strict anyway. */
    LLVMFuzzerTestOneInput(len ? buf : (const uint8_t *)"", len);
    free(buf);
    return 0;
}

/* Runs every regular file in dir; returns the count or -1. */
static int run_dir(const char *dir)
{
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort), ran = 0;
    if (n < 0)
        return perror(dir), -1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(list[i]->d_name) + 2;
        char *path = malloc(len);
        struct stat st;
        if (path && list[i]->d_name[0] != '.') {
            snprintf(path, len, "%s/%s", dir, list[i]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
                ran += run_file(path) == 0;
        }
        free(path);
        free(list[i]);
    }
    free(list);
    return ran;
}

int main(int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;
        if (stat(argv[i], &st) != 0)
            return perror(argv[i]), 1;
        n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
        if (n < 0)
            return 1;
        printf("%s: %d inputs\n", argv[i], n);
        total += n;
    }
    printf("replayed %d inputs without a crash\n", total);
    return 0;
}
