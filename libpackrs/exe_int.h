/*
 * exe_int.h — carrying the blob inside an executable (§7; private).
 *
 * locate.c (packrs_reader_open_exe) and embed.c (packrs_embed) go through
 * exe.c, which tries the native container of each executable format in
 * turn (today only ELF: exe_elf.c) and falls back to the format-free
 * trailer (exe_trailer.c, §7.2). Another format (Mach-O, PE) is one more
 * file defining a pk_exe_format, and one more line in exe.c's table.
 *
 * Conventions: locators return 1 found (*off, *len set: the blob's bytes
 * in the file), 0 absent (try the next), or a negative PACKRS_E* when the
 * executable is malformed (no fallback, §7); messages go to err[errlen].
 */
#ifndef PACKRS_EXE_INT_H
#define PACKRS_EXE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf_int.h"
#include "os_int.h"

typedef struct pk_exe_format {
    const char *name;
    /* Finds the blob in this format's container of file f. */
    int (*locate)(const pk_file *f, uint64_t *off, uint64_t *len, char *err,
                  size_t errlen);
    /* 1 when the image img[0..len) is of this format. */
    int (*recognise)(const unsigned char *img, size_t len);
    /* Appends blob[0..blen) to the image b (recognised by this format) as
     * its container and records its file offset in *off. PACKRS_OK,
     * PACKRS_EINVAL (unsupported input, message in err) or PACKRS_ENOMEM. */
    int (*embed)(pk_buf *b, const void *blob, size_t blen, uint64_t *off,
                 char *err, size_t errlen);
} pk_exe_format;

/* ELF64 little-endian: section ".packrs" (§7.1, exe_elf.c). */
extern const pk_exe_format packrs__exe_elf;

/* The §7.2 trailer at the end of f (exe_trailer.c). */
int packrs__trailer_locate(const pk_file *f, uint64_t *off, uint64_t *len,
                           char *err, size_t errlen);
/* Appends the §7.2 trailer naming [off, off+len); PACKRS_OK or ENOMEM. */
int packrs__trailer_append(pk_buf *b, uint64_t off, uint64_t len);

/* Finds the blob of executable f: every format's container, then the
 * trailer (§7). */
int packrs__exe_locate(const pk_file *f, uint64_t *off, uint64_t *len,
                       char *err, size_t errlen);
/* Appends blob to the executable image b: in the container of the format
 * that recognises b, else after zeros up to a multiple of 16; then the
 * trailer (§7). PACKRS_OK, PACKRS_EINVAL or PACKRS_ENOMEM. */
int packrs__exe_embed(pk_buf *b, const void *blob, size_t blen, char *err,
                      size_t errlen);

#endif
