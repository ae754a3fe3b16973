/* dist_int.h — pyembed-pack's distribution plumbing in C (private):
 * archives (archive.c) and downloads (fetch.c). Functions return 0 or a
 * negative DIST_E* code, with a one-line message in err[errlen]. */
#ifndef PYEMBED_DIST_INT_H
#define PYEMBED_DIST_INT_H

#include <stddef.h>
#include <stdint.h>

enum dist_error {
    DIST_OK = 0,
    DIST_ENOMEM = -1,
    DIST_EIO = -2,      /* a file could not be read or written */
    DIST_EFORMAT = -3,  /* not a readable archive, or damaged */
    DIST_EHOSTILE = -4, /* an entry breaks the extraction policy */
    DIST_ELIMIT = -5,   /* a size or count limit was exceeded */
    DIST_EFETCH = -6    /* a download failed (HTTP status or curl error) */
};

/* Bounds for extracting an archive nobody vouches for. */
typedef struct dist_limits {
    uint64_t max_total;   /* bytes written in all, declared and actual */
    uint64_t max_entry;   /* bytes of one entry */
    uint64_t max_entries; /* number of entries */
} dist_limits;

/* Writes every file below root (sorted, recursive) into a tar archive at
 * out named prefix/<relative path>, compressed by the filter its name ends
 * with (.tar.zst, .tar.gz, .tar.xz, .tar). Entries carry mtime, uid/gid 0,
 * no user names and modes 0755/0644, so equal trees give equal bytes. The
 * archive is written to out.tmp-* and renamed when complete. */
int dist_archive_create(const char *out, const char *root, const char *prefix,
                        int64_t mtime, int level, char *err, size_t errlen);

/* Extracts the tar archive at path (any of the filters above) into the
 * existing empty directory dest, refusing absolute names, '..', links
 * that point outside dest, device/fifo/socket entries and anything over
 * the limits; on refusal nothing is left outside dest. */
int dist_archive_extract(const char *path, const char *dest,
                         const dist_limits *lim, char *err, size_t errlen);

/* Reads the file member named name (e.g. "python/PYTHON.json") of the
 * archive at path into a malloc'd buffer of at most max bytes. */
int dist_archive_read_member(const char *path, const char *name, size_t max,
                             char **out, size_t *out_len, char *err,
                             size_t errlen);

/* What to download and how (an options struct with a version, libgit2
 * style: dist_fetch_options_init() fills the defaults). */
#define DIST_FETCH_OPTIONS_VERSION 1
typedef struct dist_fetch_options {
    unsigned version;
    const char *url;       /* http://, https:// or file:// */
    const char *dest;      /* file written (created 0600, truncated per try) */
    long connect_timeout;  /* seconds (default 30) */
    long low_speed_time;   /* abort when below low_speed_limit bytes/s for */
    long low_speed_limit;  /* this many seconds (defaults 30 s, 1 B/s) */
    int retries;           /* extra tries after a transient failure (3) */
    long backoff_ms;       /* first retry delay, doubled each time (500) */
    int progress;          /* 1: draw a progress bar on stderr */
} dist_fetch_options;

void dist_fetch_options_init(dist_fetch_options *o);

/* Downloads o->url into o->dest, hashing it as it streams: sha256_hex (65
 * bytes) and *size describe what was written. The caller checks the hash
 * and renames dest into place; on failure dest holds garbage to remove. */
int dist_fetch(const dist_fetch_options *o, char *sha256_hex, uint64_t *size, char *err,
               size_t errlen);

#endif
