/*
 * packrs.h — the packed-resources blob: reader and writer.
 *
 * This is the only public header of libpackrs. Anything not declared here
 * is private and may change without notice. The on-disk format is
 * specified byte by byte in docs/format.md.
 *
 * Conventions
 *  - Functions return int: 0 (PACKRS_OK) on success, a negative
 *    enum packrs_error value on failure. Codes are never renumbered.
 *  - Error detail is kept with the handle: packrs_reader_errmsg(),
 *    packrs_writer_errmsg(). There is no global mutable error state.
 *  - T **out parameters hand ownership to the caller. Pointers inside a
 *    packrs_resource or packrs_field are borrowed from the blob and stay
 *    valid until the reader is freed. Buffers libpackrs allocates for the
 *    caller are released with packrs_free() (plain free() works when the
 *    caller shares libpackrs's C runtime; packrs_free() always does).
 *  - Every *_free() accepts NULL.
 *  - Threads: once open, a reader may be shared between threads for every
 *    call but packrs_reader_free(); no such call writes the shared handle
 *    (see packrs_reader_errmsg() for how messages stay per thread). A
 *    writer must be used by one thread at a time.
 */
#ifndef PACKRS_H
#define PACKRS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PACKRS_BUILDING) && defined(__GNUC__)
#define PACKRS_API __attribute__((visibility("default")))
#else
#define PACKRS_API
#endif

#include "packrs_version.h" /* PACKRS_VERSION_MAJOR/MINOR/PATCH/NUMBER/STRING */

/** Format version written by this library and the only one it reads. */
#define PACKRS_FORMAT_VERSION 2 /* the newest this library reads and writes */

/** Error codes. Values are part of the ABI and never renumbered. */
enum packrs_error {
    PACKRS_OK = 0,
    PACKRS_ENOMEM = -1,     /* allocation failed */
    PACKRS_EINVAL = -2,     /* bad argument from the caller */
    PACKRS_EIO = -3,        /* open/read/write/mmap failed (see errmsg) */
    PACKRS_ECORRUPT = -4,   /* blob violates docs/format.md */
    PACKRS_ECHECKSUM = -5,  /* stored checksum does not match the bytes */
    PACKRS_ENOTFOUND = -6,  /* no such resource or field */
    PACKRS_EDUPLICATE = -7, /* writer: name already added */
    PACKRS_EVERSION = -8,   /* blob has an unsupported format version */
    PACKRS_ENOBLOB = -9,    /* executable carries no blob */
    PACKRS_EZLIB = -10,     /* zlib failed to (de)compress */
    PACKRS_ELIMIT = -11     /* a count or size exceeds what the format holds */
};

/** Resource kind flags (bit set; several may be combined). */
enum packrs_kind {
    PACKRS_KIND_MODULE = 1u << 0,     /* a Python module */
    PACKRS_KIND_PACKAGE = 1u << 1,    /* a regular package (has __init__) */
    PACKRS_KIND_NAMESPACE = 1u << 2,  /* a namespace package (no __init__) */
    PACKRS_KIND_EXTENSION = 1u << 3,  /* extension module (shared library) */
    PACKRS_KIND_DATA = 1u << 4,       /* carries package data files */
    PACKRS_KIND_DISTINFO = 1u << 5,   /* a distribution's dist-info files */
    PACKRS_KIND_SHARED_LIB = 1u << 6, /* a shared library others depend on */
    PACKRS_KIND_ALL = (1u << 7) - 1
};

/** Field types. A resource holds at most one field of each type, except
 *  DATA_FILE and DISTINFO_FILE, which are keyed by a relative path. */
enum packrs_field_type {
    PACKRS_FIELD_SOURCE = 1,        /* Python source (UTF-8) */
    PACKRS_FIELD_BYTECODE = 2,      /* marshalled code object, optimize=0 */
    PACKRS_FIELD_BYTECODE_OPT1 = 3, /* optimize=1 */
    PACKRS_FIELD_BYTECODE_OPT2 = 4, /* optimize=2 */
    PACKRS_FIELD_EXTENSION = 5,     /* extension module shared library */
    PACKRS_FIELD_DATA_FILE = 6,     /* package data file, keyed by path */
    PACKRS_FIELD_DISTINFO_FILE = 7, /* dist-info file, keyed by path */
    PACKRS_FIELD_FS_PATH = 8,       /* filesystem-relative path (UTF-8) */
    PACKRS_FIELD_SHARED_LIB = 9,    /* shared library bytes */
    PACKRS_FIELD_METADATA = 10,     /* opaque tool metadata (run config) */
    PACKRS_FIELD_TYPE_MAX = 10
};

/** Field flags for packrs_writer_add_field(). */
#define PACKRS_FIELD_ZLIB 0x1u /* store zlib-compressed (only if smaller) */
#define PACKRS_FIELD_ZSTD 0x2u /* store zstd-compressed (only if smaller; a
                                  blob with such a field is format version 2) */

/** Buffer size that holds any resource name or field key with its NUL
 *  (names and keys are at most 65535 bytes, docs/format.md §4.1). */
#define PACKRS_MAX_KEY 65536

/** A resource as seen by the reader. Borrowed pointers; see above. */
typedef struct packrs_resource {
    const char *name;     /* NUL-terminated, name_len bytes */
    size_t name_len;
    uint32_t kind;        /* enum packrs_kind bits */
    uint32_t index;       /* position in iteration order (sorted by name) */
    uint32_t field_count;
    uint32_t first_field_; /* private */
} packrs_resource;

/** A field of a resource. data points at the stored bytes (compressed when
 *  compressed != 0); use packrs_field_read() to get the plain bytes. */
typedef struct packrs_field {
    int type;             /* enum packrs_field_type */
    int compressed;       /* 0 stored, PACKRS_FIELD_ZLIB or PACKRS_FIELD_ZSTD */
    const char *name;     /* key for DATA_FILE/DISTINFO_FILE, else "" */
    size_t name_len;
    const void *data;     /* stored bytes, borrowed, 16-byte aligned */
    size_t size;          /* stored length */
    size_t uncompressed_size;
} packrs_field;

/* ---- library ---------------------------------------------------------- */

/** Static text for an error code; never NULL. */
PACKRS_API const char *packrs_strerror(int code);
/** PACKRS_VERSION_NUMBER of the library actually linked. */
PACKRS_API int packrs_version_number(void);
/** Name of a field type ("source", "bytecode", ...); "?" if unknown. */
PACKRS_API const char *packrs_field_type_name(int type);
/** Frees a buffer libpackrs handed to the caller (the output of
 *  packrs_writer_finish_buffer(), the *owned of packrs_field_read()), with
 *  the allocator that made it, whatever C runtime the caller links. NULL
 *  is a no-op. */
PACKRS_API void packrs_free(void *p);

/* ---- writer ----------------------------------------------------------- */

typedef struct packrs_writer packrs_writer;

/** New empty writer in *out. Returns PACKRS_ENOMEM on failure. */
PACKRS_API int packrs_writer_create(packrs_writer **out);
/** Frees the writer and everything it copied. NULL is a no-op. */
PACKRS_API void packrs_writer_free(packrs_writer *w);
/** Message for the last failure on this writer ("" if none). */
PACKRS_API const char *packrs_writer_errmsg(const packrs_writer *w);

/** Adds a resource named name with kind bits. Names are non-empty, contain
 *  no NUL, are at most 65535 bytes, and are unique (PACKRS_EDUPLICATE). */
PACKRS_API int packrs_writer_add_resource(packrs_writer *w, const char *name,
                                          uint32_t kind);
/** ORs more kind bits into an existing resource. */
PACKRS_API int packrs_writer_add_kind(packrs_writer *w, const char *name,
                                      uint32_t kind);
/** Copies len bytes of data as a field of resource. key is required for
 *  DATA_FILE/DISTINFO_FILE (a relative '/'-separated path: not absolute,
 *  no empty, '.' or '..' segments) and must be NULL otherwise. flags is 0,
 *  PACKRS_FIELD_ZLIB or PACKRS_FIELD_ZSTD. A repeated (type, key) is
 *  PACKRS_EDUPLICATE. */
PACKRS_API int packrs_writer_add_field(packrs_writer *w, const char *resource,
                                       int type, const char *key,
                                       const void *data, size_t len,
                                       unsigned flags);
/** Serialises the blob into a new buffer the caller frees with
 *  packrs_free(). Output depends only on the content, not on insertion
 *  order. */
PACKRS_API int packrs_writer_finish_buffer(packrs_writer *w, void **out,
                                           size_t *out_len);
/** Serialises the blob to path (written to a temporary file beside it,
 *  path.tmp-PID-N, then renamed over path). */
PACKRS_API int packrs_writer_finish_file(packrs_writer *w, const char *path);

/** Writes a copy of the executable exe_path with blob embedded (ELF
 *  section ".packrs" plus trailer; docs/format.md §7) to out_path,
 *  atomically and with mode 0755. A message goes to err[errlen]. */
PACKRS_API int packrs_embed(const char *exe_path, const void *blob,
                            size_t blob_len, const char *out_path, char *err,
                            size_t errlen);

/* ---- reader ----------------------------------------------------------- */

typedef struct packrs_reader packrs_reader;

/* The open functions follow sqlite3_open(): unless the result is
 * PACKRS_ENOMEM, *out receives a handle even on failure, so the caller can
 * read packrs_reader_errmsg() and must call packrs_reader_free(). A failed
 * handle answers every other call with PACKRS_EINVAL. Opening checks the
 * header and the index checksum only (O(bucket table), not O(blob)). */

/** Opens a blob held in memory; data must stay valid and unchanged until
 *  the reader is freed. */
PACKRS_API int packrs_reader_open_memory(packrs_reader **out, const void *data,
                                         size_t len);
/** Maps the file at path read-only and opens it as a blob. */
PACKRS_API int packrs_reader_open_file(packrs_reader **out, const char *path);
/** Maps an executable and opens the blob embedded in it (ELF section
 *  ".packrs", else the trailer; docs/format.md §7). path NULL means the
 *  running executable (on Linux /proc/self/exe). PACKRS_ENOBLOB if none. */
PACKRS_API int packrs_reader_open_exe(packrs_reader **out, const char *path);
/** Unmaps/releases. NULL is a no-op. Borrowed pointers die here. */
PACKRS_API void packrs_reader_free(packrs_reader *r);
/** Message for the last failure on this reader ("" if none), per thread:
 *  if the calling thread had a call on r fail after r was opened, that
 *  call's message; otherwise the message of the open (set by the open
 *  functions, "" when the open succeeded). So threads sharing r each see
 *  their own failures and never each other's. A thread remembers its
 *  failures on up to 4 readers; a failure on a fifth takes over the reader
 *  claimed longest ago (whose errmsg is then the open's again). The text
 *  stays valid until the calling thread's next failed libpackrs call, or
 *  until r is freed. NULL r: a static message. */
PACKRS_API const char *packrs_reader_errmsg(const packrs_reader *r);
/** The blob bytes (start, length) the reader serves. */
PACKRS_API const void *packrs_reader_blob(const packrs_reader *r, size_t *len);

/** Number of resources. */
PACKRS_API size_t packrs_reader_count(const packrs_reader *r);
/** Resource at position i (0..count-1, sorted by name bytes). */
PACKRS_API int packrs_reader_get(packrs_reader *r, size_t i,
                                 packrs_resource *out);
/** O(1) lookup of name (name_len bytes, need not be NUL-terminated).
 *  PACKRS_ENOTFOUND if absent. The resource record is validated and its
 *  checksum checked on first access. */
PACKRS_API int packrs_reader_find(packrs_reader *r, const char *name,
                                  size_t name_len, packrs_resource *out);
/** Field i (0..field_count-1) of res; its data checksum is checked on
 *  first access (PACKRS_ECHECKSUM names the resource and field). */
PACKRS_API int packrs_resource_field_at(packrs_reader *r,
                                        const packrs_resource *res,
                                        uint32_t i, packrs_field *out);
/** The field of res with this type (and key for keyed types, else NULL).
 *  PACKRS_ENOTFOUND if absent. Checksum as for packrs_resource_field_at. */
PACKRS_API int packrs_resource_field(packrs_reader *r,
                                     const packrs_resource *res, int type,
                                     const char *key, packrs_field *out);
/** Plain bytes of f: for a stored field, *out points into the blob and
 *  *owned is NULL; for a compressed field, *owned is a new buffer (the
 *  caller frees it with packrs_free()) and *out equals it. */
PACKRS_API int packrs_field_read(packrs_reader *r, const packrs_field *f,
                                 const void **out, size_t *out_len,
                                 void **owned);
/** Decompresses (or copies) f into dst, which holds f->uncompressed_size
 *  bytes. */
PACKRS_API int packrs_field_decompress(packrs_reader *r, const packrs_field *f,
                                       void *dst, size_t dst_len);
/** Says the caller is done with the bytes of f for now (it copied or
 *  unmarshalled them): a reader that mapped a file lets the system drop
 *  the mapped pages of the data section around them from the process's
 *  resident memory (Linux: madvise MADV_DONTNEED on the file stretches a
 *  fault maps at once). Nothing the caller can observe changes: every
 *  pointer into the blob stays valid and reads the same bytes, as the
 *  pages come back from the file when touched again (at the cost of a
 *  page fault). A reader of memory (packrs_reader_open_memory) does
 *  nothing. PACKRS_EINVAL if f is not a field of r. */
PACKRS_API int packrs_field_release(packrs_reader *r, const packrs_field *f);
/** Checks every record, string and checksum of the blob. */
PACKRS_API int packrs_reader_verify(packrs_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* PACKRS_H */
