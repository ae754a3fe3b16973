/*
 * archive_fuzzer.c — libFuzzer target for the extraction policy of
 * distribution archives (driver/dist/archive.c: dist_archive_extract and
 * dist_archive_read_member).
 *
 * Each input is an archive file (tar, maybe compressed). It is written to
 * a scratch file and extracted into a fresh directory three levels below
 * the scratch root, beside a sentinel file. Then, whatever the result:
 *  - the scratch root holds nothing but the input, the directories down
 *    to the destination and the untouched sentinel (same bytes, one link:
 *    no hard link to it was made): nothing was written outside;
 *  - below the destination there are only files, directories and links,
 *    every link resolves (through the links extracted with it) inside
 *    the destination, and the file bytes stay within the limits;
 *  - a failure has a known code and a message;
 * and dist_archive_read_member on the same input returns a terminated
 * buffer within its bound, or a message. Scratch files live under
 * /dev/shm when it exists, else under $TMPDIR. Built with libFuzzer
 * (-Dfuzzing=true) or with standalone.c for replay (archive_fuzzer_regress).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dist_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Traps unless cond holds: an invariant the extraction broke. */
#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Small bounds, so that the limit checks are reached and the fuzzer never
 * fills the disk. */
static const dist_limits limits = {1 << 20, 256 << 10, 64};
static const char sentinel_bytes[] = "the sentinel outside the destination\n";

static char root[PATH_MAX], in_path[PATH_MAX], dest[PATH_MAX], sentinel[PATH_MAX];
static size_t dest_len;

/* nftw callback: removes one entry (children first, links not followed). */
static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_DP || flag == FTW_D) {
        chmod(path, 0700);
        return rmdir(path) && errno != ENOENT ? -1 : 0;
    }
    return unlink(path) && errno != ENOENT ? -1 : 0;
}

static void remove_tree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
    remove_tree(root);
}

/* Makes root/in, root/a/b/dest and root/a/sentinel, once. */
static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    char a[PATH_MAX + 8];
    FILE *f;
    if (root[0])
        return;
    snprintf(root, sizeof root, "%s/pyembed-archive-fuzz-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp");
    REQUIRE(mkdtemp(root) != NULL);
    REQUIRE(realpath(root, a) != NULL);
    snprintf(root, sizeof root, "%.4000s", a);
    snprintf(in_path, sizeof in_path, "%.4000s/in", root);
    snprintf(a, sizeof a, "%.4000s/a", root);
    REQUIRE(mkdir(a, 0700) == 0);
    snprintf(sentinel, sizeof sentinel, "%.4000s/a/sentinel", root);
    REQUIRE((f = fopen(sentinel, "wb")) && fputs(sentinel_bytes, f) >= 0 && !fclose(f));
    snprintf(a, sizeof a, "%.4000s/a/b", root);
    REQUIRE(mkdir(a, 0700) == 0);
    dest_len = (size_t)snprintf(dest, sizeof dest, "%.4000s/a/b/dest", root);
    atexit(cleanup);
}

/* Replaces the scratch input with data[0..size). */
static void write_input(const uint8_t *data, size_t size)
{
    FILE *f = fopen(in_path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(size == 0 || fwrite(data, 1, size, f) == size);
    REQUIRE(fclose(f) == 0);
}

/* The names directly in dir (at most max), sorted; returns the count. */
static int list_dir(const char *dir, char names[][16], int max)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    REQUIRE(d != NULL);
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        REQUIRE(n < max && strlen(de->d_name) < 16); /* a stranger is here */
        strcpy(names[n++], de->d_name);
    }
    closedir(d);
    return n;
}

/* Nothing outside dest changed: root holds in and a; a holds b and the
 * sentinel (same bytes, one link); b holds at most dest. */
static void check_outside(void)
{
    char names[4][16], path[PATH_MAX + 8], buf[128];
    struct stat st;
    FILE *f;
    size_t n;
    REQUIRE(list_dir(root, names, 2) == 2);
    snprintf(path, sizeof path, "%s/a", root);
    REQUIRE(list_dir(path, names, 2) == 2);
    REQUIRE(lstat(sentinel, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1);
    REQUIRE((f = fopen(sentinel, "rb")) != NULL);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    REQUIRE(n == sizeof sentinel_bytes - 1 && !memcmp(buf, sentinel_bytes, n));
    snprintf(path, sizeof path, "%s/a/b", root);
    n = (size_t)list_dir(path, names, 1);
    REQUIRE(n == 0 || !strcmp(names[0], "dest"));
}

static uint64_t file_bytes;

/* 1 when path is dest or below it. */
static int under_dest(const char *path)
{
    return !strncmp(path, dest, dest_len) && (path[dest_len] == 0 || path[dest_len] == '/');
}

/* nftw callback: what may be below dest after any extraction. */
static int check_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    char real[PATH_MAX];
    (void)ftw;
    REQUIRE(flag != FTW_DNR && flag != FTW_NS);
    if (S_ISREG(st->st_mode)) {
        file_bytes += (uint64_t)st->st_size;
        REQUIRE((uint64_t)st->st_size <= limits.max_entry);
    } else if (S_ISLNK(st->st_mode)) {
        /* a link whose target exists must resolve inside; one that does
         * not resolve must at least not name a directory outside */
        if (realpath(path, real))
            REQUIRE(under_dest(real));
    } else {
        REQUIRE(S_ISDIR(st->st_mode));
    }
    return 0;
}

/* The tree below dest after an extraction that returned rc. */
static void check_dest(int rc, const char *err)
{
    REQUIRE(rc == DIST_OK || rc == DIST_ENOMEM || rc == DIST_EIO || rc == DIST_EFORMAT ||
            rc == DIST_EHOSTILE || rc == DIST_ELIMIT);
    REQUIRE(rc == DIST_OK || err[0]);
    file_bytes = 0;
    REQUIRE(nftw(dest, check_one, 16, FTW_PHYS) == 0);
    REQUIRE(file_bytes <= limits.max_total);
}

/* Reads a member the way `dist` reads PYTHON.json out of an archive. */
static void read_member(void)
{
    char err[512] = "", *out = NULL;
    size_t len = 0;
    int rc = dist_archive_read_member(in_path, "python/PYTHON.json", 4096, &out, &len, err,
                                      sizeof err);
    if (rc == DIST_OK) {
        REQUIRE(out != NULL && len <= 4096 && out[len] == 0);
        free(out);
    } else {
        REQUIRE(out == NULL && err[0]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    int rc;
    setup();
    write_input(data, size);
    REQUIRE(mkdir(dest, 0700) == 0);
    rc = dist_archive_extract(in_path, dest, &limits, err, sizeof err);
    check_outside();
    check_dest(rc, err);
    remove_tree(dest);
    read_member();
    return 0;
}
