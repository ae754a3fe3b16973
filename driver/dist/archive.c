/*
 * archive.c — distribution archives through libarchive.
 *
 * Creation is deterministic: entries sorted by name, fixed mtime, owner 0
 * without names, modes 0755/0644, single-threaded compression — two equal
 * trees give byte-identical archives. Extraction treats the archive as
 * hostile: every name is checked before libarchive sees it (relative, no
 * '..', not empty), links must resolve inside the destination (each
 * lexically as it comes, all of them through each other at the end), only
 * files, directories and links are accepted, and declared and actual
 * sizes are bounded. libarchive's secure flags stay on as a second line.
 */
#include "dist_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_NAME 4096

/* Formats a message into err and returns code. */
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- creation ------------------------------------------------------- */

typedef struct writer {
    struct archive *a;
    const char *prefix;
    int64_t mtime;
    char *err;
    size_t errlen;
} writer;

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Names in directory path, sorted bytewise ("." and ".." left out);
 * *n receives the count. NULL with errno set on failure. */
static char **sorted_dir(const char *path, size_t *n)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        char **grown;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            if (!(grown = realloc(names, cap * sizeof *names)))
                break;
            names = grown;
        }
        if (!(names[*n] = strdup(de->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (de) { /* stopped early: out of memory */
        while (*n)
            free(names[--*n]);
        free(names);
        errno = ENOMEM;
        return NULL;
    }
    if (*n)
        qsort(names, *n, sizeof *names, cmp_names);
    return names ? names : calloc(1, sizeof *names);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Copies the regular file at path into the archive's current entry. */
static int put_data(writer *w, const char *path)
{
    char buf[65536];
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(w->err, w->errlen, DIST_EIO, "%s: %s", path, strerror(errno));
    while ((got = read(fd, buf, sizeof buf)) > 0)
        if (archive_write_data(w->a, buf, (size_t)got) != got) {
            close(fd);
            return fail(w->err, w->errlen, DIST_EIO, "%s: %s", path,
                        archive_error_string(w->a));
        }
    close(fd);
    return got < 0 ? fail(w->err, w->errlen, DIST_EIO, "%s: %s", path, strerror(errno))
                   : DIST_OK;
}

/* Fills e for the file at path (lstat'ed as st) named name. */
static int fill_entry(writer *w, struct archive_entry *e, const char *path,
                      const char *name, const struct stat *st)
{
    char target[PATH_MAX];
    ssize_t n;
    archive_entry_set_pathname(e, name);
    archive_entry_set_mtime(e, w->mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    if (S_ISDIR(st->st_mode)) {
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
    } else if (S_ISREG(st->st_mode)) {
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, st->st_mode & 0111 ? 0755 : 0644);
        archive_entry_set_size(e, st->st_size);
    } else if (S_ISLNK(st->st_mode)) {
        if ((n = readlink(path, target, sizeof target - 1)) < 0)
            return fail(w->err, w->errlen, DIST_EIO, "%s: %s", path, strerror(errno));
        target[n] = 0;
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_perm(e, 0777);
        archive_entry_set_symlink(e, target);
    } else {
        return fail(w->err, w->errlen, DIST_EIO, "%s: not a file, directory or link", path);
    }
    return DIST_OK;
}

static int add_tree(writer *w, const char *path, const char *name);

/* Adds path (named name in the archive) and, for a directory, its tree. */
static int add_one(writer *w, const char *path, const char *name)
{
    struct stat st;
    struct archive_entry *e;
    int rc;
    if (lstat(path, &st) != 0)
        return fail(w->err, w->errlen, DIST_EIO, "%s: %s", path, strerror(errno));
    if (!(e = archive_entry_new()))
        return fail(w->err, w->errlen, DIST_ENOMEM, "out of memory");
    rc = fill_entry(w, e, path, name, &st);
    if (rc == DIST_OK && archive_write_header(w->a, e) != ARCHIVE_OK)
        rc = fail(w->err, w->errlen, DIST_EIO, "%s: %s", name, archive_error_string(w->a));
    archive_entry_free(e);
    if (rc == DIST_OK && S_ISREG(st.st_mode))
        rc = put_data(w, path);
    if (rc == DIST_OK && S_ISDIR(st.st_mode))
        rc = add_tree(w, path, name);
    return rc;
}

/* Adds the entries of directory path below archive name prefix name. */
static int add_tree(writer *w, const char *path, const char *name)
{
    size_t n;
    char **names = sorted_dir(path, &n);
    int rc = DIST_OK;
    if (!names)
        return fail(w->err, w->errlen, DIST_EIO, "%s: %s", path, strerror(errno));
    for (size_t i = 0; i < n && rc == DIST_OK; i++) {
        char *cpath = NULL, *cname = NULL;
        if (asprintf(&cpath, "%s/%s", path, names[i]) < 0 ||
            asprintf(&cname, "%s/%s", name, names[i]) < 0)
            rc = fail(w->err, w->errlen, DIST_ENOMEM, "out of memory");
        else if (strlen(cname) >= MAX_NAME)
            rc = fail(w->err, w->errlen, DIST_ELIMIT, "%s: name too long", cpath);
        else
            rc = add_one(w, cpath, cname);
        free(cpath);
        free(cname);
    }
    free_names(names, n);
    return rc;
}

/* Selects the compression filter from the file name's suffix. */
static int set_filter(struct archive *a, const char *out, int level)
{
    size_t n = strlen(out);
    char opt[64];
#define ENDS(s) (n >= sizeof(s) - 1 && !strcmp(out + n - (sizeof(s) - 1), s))
    if (ENDS(".tar.zst") || ENDS(".tzst")) {
        snprintf(opt, sizeof opt, "zstd:compression-level=%d", level > 0 ? level : 10);
        return archive_write_add_filter_zstd(a) || archive_write_set_options(a, opt);
    }
    if (ENDS(".tar.gz") || ENDS(".tgz")) {
        snprintf(opt, sizeof opt, "gzip:compression-level=%d,gzip:!timestamp",
                 level > 0 && level <= 9 ? level : 9);
        return archive_write_add_filter_gzip(a) || archive_write_set_options(a, opt);
    }
    if (ENDS(".tar.xz"))
        return archive_write_add_filter_xz(a);
    if (ENDS(".tar"))
        return archive_write_add_filter_none(a);
#undef ENDS
    return -1;
}

int dist_archive_create(const char *out, const char *root, const char *prefix,
                        int64_t mtime, int level, char *err, size_t errlen)
{
    writer w = {archive_write_new(), prefix, mtime, err, errlen};
    char *tmp = NULL;
    int rc;
    if (!w.a || asprintf(&tmp, "%s.tmp-%ld", out, (long)getpid()) < 0) {
        archive_write_free(w.a);
        return fail(err, errlen, DIST_ENOMEM, "out of memory");
    }
    if (archive_write_set_format_pax_restricted(w.a) || set_filter(w.a, out, level))
        rc = fail(err, errlen, DIST_EFORMAT, "%s: unsupported archive type (want "
                  ".tar.zst, .tar.gz, .tar.xz or .tar): %s", out, archive_error_string(w.a));
    else if (archive_write_open_filename(w.a, tmp) != ARCHIVE_OK)
        rc = fail(err, errlen, DIST_EIO, "%s: %s", tmp, archive_error_string(w.a));
    else
        rc = add_one(&w, root, prefix);
    if (archive_write_close(w.a) != ARCHIVE_OK && rc == DIST_OK)
        rc = fail(err, errlen, DIST_EIO, "%s: %s", tmp, archive_error_string(w.a));
    archive_write_free(w.a);
    if (rc == DIST_OK && rename(tmp, out) != 0)
        rc = fail(err, errlen, DIST_EIO, "%s: %s", out, strerror(errno));
    if (rc != DIST_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- extraction ----------------------------------------------------- */

/* Normalises name in place ("./a//b/" -> "a/b"); returns 0, or -1 when it
 * is empty, absolute, too long or has a '..' component. */
static int clean_name(char *name)
{
    char *src = name, *dst = name;
    if (name[0] == '/' || strlen(name) >= MAX_NAME)
        return -1;
    while (*src) {
        size_t len = strcspn(src, "/");
        if (len == 2 && src[0] == '.' && src[1] == '.')
            return -1;
        if (len && !(len == 1 && src[0] == '.')) {
            if (dst != name)
                *dst++ = '/';
            memmove(dst, src, len);
            dst += len;
        }
        src += len + (src[len] == '/');
    }
    *dst = 0;
    return name[0] ? 0 : -1;
}

/* 1 when symlink target, placed in the directory of entry name, resolves
 * lexically to a path inside the extraction root. */
static int link_inside(const char *name, const char *target)
{
    int depth = 0;
    const char *p;
    if (!target[0] || target[0] == '/')
        return 0;
    for (p = name; *p; p++) /* directories above the link's own */
        depth += *p == '/';
    for (p = target; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0)
                return 0;
        } else if (len && !(len == 1 && p[0] == '.')) {
            depth++;
        }
        p += len + (p[len] == '/');
    }
    return 1;
}

/* 1 when name (a path below root) stays inside root with every symbolic
 * link on its way followed as the kernel would (at most 40 of them): the
 * lexical check of each link alone misses a link through another link
 * ("s -> .", "t -> s/.."). A missing component is taken lexically. */
static int resolves_inside(const char *root, const char *name)
{
    char todo[2 * MAX_NAME + 2], done[2 * MAX_NAME + 2], full[PATH_MAX], target[MAX_NAME];
    size_t dlen = 0;
    int hops = 0;
    char *p = todo;
    if (snprintf(todo, sizeof todo, "%s", name) >= (int)sizeof todo)
        return 0;
    done[0] = 0;
    while (*p) {
        size_t len = strcspn(p, "/"), old = dlen;
        char *next = p + len + (p[len] == '/');
        ssize_t n;
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (dlen == 0)
                return 0;
            while (dlen && done[dlen - 1] != '/')
                dlen--;
            dlen -= dlen > 0;
            done[dlen] = 0;
        } else if (len && !(len == 1 && p[0] == '.')) {
            if (dlen + len + 2 > sizeof done)
                return 0;
            if (dlen)
                done[dlen++] = '/';
            memcpy(done + dlen, p, len);
            done[dlen += len] = 0;
            if (snprintf(full, sizeof full, "%s/%s", root, done) >= (int)sizeof full)
                return 0;
            if ((n = readlink(full, target, sizeof target - 1)) >= 0) {
                char rest[2 * MAX_NAME + 2];
                target[n] = 0;
                if (target[0] == '/' || ++hops > 40 ||
                    snprintf(rest, sizeof rest, "%s/%s", target, next) >= (int)sizeof rest)
                    return 0;
                strcpy(todo, rest);
                done[dlen = old] = 0;
                p = todo;
                continue;
            }
        }
        p = next;
    }
    return 1;
}

typedef struct reader {
    struct archive *in, *out;
    const char *dest;
    const dist_limits *lim;
    uint64_t total, entries;
    char **links;          /* names of the link entries extracted */
    size_t nlinks, links_cap;
    char *err;
    size_t errlen;
} reader;

/* Remembers link entry name, checked once every entry is out. */
static int remember_link(reader *r, const char *name)
{
    if (r->nlinks == r->links_cap) {
        size_t cap = r->links_cap ? r->links_cap * 2 : 16;
        char **grown = realloc(r->links, cap * sizeof *grown);
        if (!grown)
            return fail(r->err, r->errlen, DIST_ENOMEM, "out of memory");
        r->links = grown;
        r->links_cap = cap;
    }
    if (!(r->links[r->nlinks] = strdup(name)))
        return fail(r->err, r->errlen, DIST_ENOMEM, "out of memory");
    r->nlinks++;
    return DIST_OK;
}

/* Every link extracted (a symbolic link, or a hard link, which may be one
 * to a symbolic link) must resolve inside the destination as the tree is
 * now; those that do not are removed, and the first is reported. */
static int check_links(reader *r)
{
    int rc = DIST_OK;
    char full[PATH_MAX], parent[MAX_NAME];
    for (size_t i = 0; i < r->nlinks; i++) {
        const char *slash = strrchr(r->links[i], '/');
        if (resolves_inside(r->dest, r->links[i]))
            continue;
        /* unlink by a name whose directories are all inside */
        snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - r->links[i]) : 0,
                 r->links[i]);
        if ((!parent[0] || resolves_inside(r->dest, parent)) &&
            snprintf(full, sizeof full, "%s/%s", r->dest, r->links[i]) < (int)sizeof full)
            unlink(full);
        if (rc == DIST_OK)
            rc = fail(r->err, r->errlen, DIST_EHOSTILE, "'%s': link resolves outside the "
                      "archive (through other links)", r->links[i]);
    }
    return rc;
}

/* Checks entry e (name already cleaned) against the policy. */
static int check_entry(reader *r, struct archive_entry *e, const char *name)
{
    mode_t type = archive_entry_filetype(e);
    const char *hard = archive_entry_hardlink(e), *sym;
    if (++r->entries > r->lim->max_entries)
        return fail(r->err, r->errlen, DIST_ELIMIT, "more than %llu entries",
                    (unsigned long long)r->lim->max_entries);
    if (archive_entry_size_is_set(e) &&
        (uint64_t)archive_entry_size(e) > r->lim->max_entry)
        return fail(r->err, r->errlen, DIST_ELIMIT, "'%s' declares %lld bytes (limit %llu)",
                    name, (long long)archive_entry_size(e),
                    (unsigned long long)r->lim->max_entry);
    if (hard)
        return DIST_OK; /* checked where it is rewritten */
    if (type == AE_IFLNK) {
        sym = archive_entry_symlink(e);
        if (!sym || !link_inside(name, sym))
            return fail(r->err, r->errlen, DIST_EHOSTILE, "'%s': link to '%s' points "
                        "outside the archive", name, sym ? sym : "");
        return DIST_OK;
    }
    if (type != AE_IFREG && type != AE_IFDIR)
        return fail(r->err, r->errlen, DIST_EHOSTILE, "'%s': device, fifo or socket "
                    "entries are refused", name);
    return DIST_OK;
}

/* Rewrites e's names to lie under r->dest; safe because both were checked. */
static int place_entry(reader *r, struct archive_entry *e, const char *name)
{
    char *full = NULL, *hard = NULL, *hcopy;
    const char *h = archive_entry_hardlink(e);
    int rc = DIST_OK;
    if (h) {
        if (!(hcopy = strdup(h)))
            return fail(r->err, r->errlen, DIST_ENOMEM, "out of memory");
        if (clean_name(hcopy))
            rc = fail(r->err, r->errlen, DIST_EHOSTILE, "'%s': hard link to '%s' "
                      "refused", name, h);
        else if (asprintf(&hard, "%s/%s", r->dest, hcopy) < 0)
            rc = fail(r->err, r->errlen, DIST_ENOMEM, "out of memory");
        free(hcopy);
    }
    if (rc == DIST_OK && asprintf(&full, "%s/%s", r->dest, name) < 0)
        rc = fail(r->err, r->errlen, DIST_ENOMEM, "out of memory");
    if (rc == DIST_OK) {
        archive_entry_set_pathname(e, full);
        if (hard)
            archive_entry_set_hardlink(e, hard);
        archive_entry_set_perm(e, (archive_entry_perm(e) & 0755) |
                                  (archive_entry_filetype(e) == AE_IFDIR ? 0700 : 0600));
    }
    free(full);
    free(hard);
    return rc;
}

/* Copies the current entry's data, counting actual bytes against limits. */
static int copy_data(reader *r, const char *name)
{
    const void *buf;
    size_t len;
    la_int64_t off;
    uint64_t mine = 0;
    int st;
    while ((st = archive_read_data_block(r->in, &buf, &len, &off)) == ARCHIVE_OK) {
        mine += len;
        r->total += len;
        if (mine > r->lim->max_entry || r->total > r->lim->max_total)
            return fail(r->err, r->errlen, DIST_ELIMIT, "'%s': size limit exceeded", name);
        if (archive_write_data_block(r->out, buf, len, off) != ARCHIVE_OK)
            return fail(r->err, r->errlen, DIST_EIO, "'%s': %s", name,
                        archive_error_string(r->out));
    }
    if (st != ARCHIVE_EOF)
        return fail(r->err, r->errlen, DIST_EFORMAT, "'%s': %s", name,
                    archive_error_string(r->in));
    return DIST_OK;
}

/* Extracts one entry. */
static int extract_entry(reader *r, struct archive_entry *e)
{
    char name[MAX_NAME];
    const char *raw = archive_entry_pathname(e);
    int rc;
    if (!raw || strlen(raw) >= sizeof name)
        return fail(r->err, r->errlen, DIST_EHOSTILE, "entry without a usable name");
    strcpy(name, raw);
    if (clean_name(name))
        return fail(r->err, r->errlen, DIST_EHOSTILE, "'%s': absolute or '..' path refused",
                    raw);
    if ((rc = check_entry(r, e, name)) || (rc = place_entry(r, e, name)))
        return rc;
    if (archive_write_header(r->out, e) != ARCHIVE_OK)
        return fail(r->err, r->errlen, DIST_EHOSTILE, "'%s': %s", name,
                    archive_error_string(r->out));
    if (archive_entry_size(e) > 0 && (rc = copy_data(r, name)))
        return rc;
    if (archive_write_finish_entry(r->out) != ARCHIVE_OK)
        return fail(r->err, r->errlen, DIST_EIO, "'%s': %s", name,
                    archive_error_string(r->out));
    if (archive_entry_hardlink(e) || archive_entry_filetype(e) == AE_IFLNK)
        return remember_link(r, name);
    return DIST_OK;
}

/* A reader for tar archives with any supported compression. */
static struct archive *open_input(const char *path, char *err, size_t errlen, int *rc)
{
    struct archive *in = archive_read_new();
    *rc = DIST_OK;
    if (!in) {
        *rc = fail(err, errlen, DIST_ENOMEM, "out of memory");
        return NULL;
    }
    archive_read_support_filter_zstd(in);
    archive_read_support_filter_gzip(in);
    archive_read_support_filter_xz(in);
    archive_read_support_format_tar(in);
    archive_read_support_format_gnutar(in);
    if (archive_read_open_filename(in, path, 65536) != ARCHIVE_OK) {
        *rc = fail(err, errlen, errno == ENOENT ? DIST_EIO : DIST_EFORMAT, "%s: %s", path,
                   archive_error_string(in));
        archive_read_free(in);
        return NULL;
    }
    return in;
}

int dist_archive_extract(const char *path, const char *dest, const dist_limits *lim,
                         char *err, size_t errlen)
{
    char real[PATH_MAX];
    reader r = {NULL, NULL, real, lim, 0, 0, NULL, 0, 0, err, errlen};
    struct archive_entry *e;
    int rc, links_rc, st = ARCHIVE_EOF;
    /* libarchive refuses symlinks anywhere in a path: resolve dest's own */
    if (!realpath(dest, real))
        return fail(err, errlen, DIST_EIO, "%s: %s", dest, strerror(errno));
    if (!(r.out = archive_write_disk_new()))
        return fail(err, errlen, DIST_ENOMEM, "out of memory");
    archive_write_disk_set_options(r.out, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                   ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_PERM |
                                   ARCHIVE_EXTRACT_TIME);
    if (!(r.in = open_input(path, err, errlen, &rc))) {
        archive_write_free(r.out);
        return rc;
    }
    while (rc == DIST_OK && (st = archive_read_next_header(r.in, &e)) == ARCHIVE_OK)
        rc = extract_entry(&r, e);
    if (rc == DIST_OK && st != ARCHIVE_EOF)
        rc = fail(err, errlen, DIST_EFORMAT, "%s: %s", path, archive_error_string(r.in));
    if (rc == DIST_OK && r.entries == 0)
        rc = fail(err, errlen, DIST_EFORMAT, "%s: empty archive", path);
    if (archive_write_close(r.out) != ARCHIVE_OK && rc == DIST_OK)
        rc = fail(err, errlen, DIST_EIO, "%s: %s", dest, archive_error_string(r.out));
    links_rc = check_links(&r); /* after a failure too: no link out is left */
    rc = rc == DIST_OK ? links_rc : rc;
    archive_write_free(r.out);
    archive_read_free(r.in);
    while (r.nlinks)
        free(r.links[--r.nlinks]);
    free(r.links);
    return rc;
}

/* Reads the current entry's data (at most max bytes) into *out. */
static int read_current(struct archive *in, const char *name, size_t max, char **out,
                        size_t *out_len, char *err, size_t errlen)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    la_ssize_t got;
    while (buf && (got = archive_read_data(in, buf + len, cap - len)) > 0) {
        len += (size_t)got;
        if (len > max) {
            free(buf);
            return fail(err, errlen, DIST_ELIMIT, "%s is larger than %zu bytes", name, max);
        }
        if (len == cap) {
            char *grown = realloc(buf, cap * 2 + 1);
            if (!grown)
                break;
            buf = grown;
            cap *= 2;
        }
    }
    if (!buf || len == cap) {
        free(buf);
        return fail(err, errlen, DIST_ENOMEM, "out of memory");
    }
    if (got < 0) {
        free(buf);
        return fail(err, errlen, DIST_EFORMAT, "%s: %s", name, archive_error_string(in));
    }
    buf[len] = 0;
    *out = buf;
    *out_len = len;
    return DIST_OK;
}

int dist_archive_read_member(const char *path, const char *name, size_t max,
                             char **out, size_t *out_len, char *err, size_t errlen)
{
    char clean[MAX_NAME];
    struct archive_entry *e;
    int rc, st;
    struct archive *in = open_input(path, err, errlen, &rc);
    *out = NULL;
    if (!in)
        return rc;
    while ((st = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        const char *raw = archive_entry_pathname(e);
        if (!raw || strlen(raw) >= sizeof clean)
            continue;
        strcpy(clean, raw);
        if (clean_name(clean) == 0 && !strcmp(clean, name) &&
            archive_entry_filetype(e) == AE_IFREG) {
            rc = read_current(in, name, max, out, out_len, err, errlen);
            archive_read_free(in);
            return rc;
        }
    }
    rc = st == ARCHIVE_EOF ? fail(err, errlen, DIST_EFORMAT, "%s: no member %s", path, name)
                           : fail(err, errlen, DIST_EFORMAT, "%s: %s", path,
                                  archive_error_string(in));
    archive_read_free(in);
    return rc;
}
