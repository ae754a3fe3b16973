/*
 * format_int.h — on-disk layout of packrs format versions 1 and 2 (private;
 * version 2 adds only the zstd field flag).
 *
 * Mirrors docs/format.md; the section numbers (§) below refer to it.
 * All fields are little-endian; records are read with the rd*() helpers,
 * never by casting, so alignment and byte order never matter.
 */
#ifndef PACKRS_FORMAT_INT_H
#define PACKRS_FORMAT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* §2 header */
#define PK_MAGIC "\x89PKR\r\n\x1a\n"
#define PK_MAGIC_LEN 8
#define PK_HEADER_SIZE 128
#define PK_OFF_VERSION 8
#define PK_OFF_FLAGS 12
#define PK_OFF_BLOB_SIZE 16
#define PK_OFF_CHECKSUM 24
#define PK_OFF_BUCKET_COUNT 32
#define PK_OFF_RESOURCE_COUNT 36
#define PK_OFF_FIELD_COUNT 40
#define PK_OFF_HEADER_SIZE 44
#define PK_OFF_BUCKETS 48
#define PK_OFF_ENTRIES 56
#define PK_OFF_FIELDS 64
#define PK_OFF_STRINGS 72
#define PK_OFF_STRINGS_LEN 80
#define PK_OFF_DATA 88
#define PK_OFF_DATA_LEN 96
#define PK_OFF_RESERVED 104 /* 24 bytes, must be zero */

/* §3 bucket: u32 hash_hi, u32 entry index + 1 (0 = empty) */
#define PK_BUCKET_SIZE 8
/* §4 entry record */
#define PK_ENTRY_SIZE 40
#define PK_E_HASH 0
#define PK_E_CHECKSUM 8
#define PK_E_NAME_OFF 16
#define PK_E_NAME_LEN 20
#define PK_E_KIND 24
#define PK_E_FIRST_FIELD 28
#define PK_E_FIELD_COUNT 32
#define PK_E_RESERVED 36
/* §5 field record */
#define PK_FIELD_SIZE 48
#define PK_F_TYPE 0
#define PK_F_FLAGS 2
#define PK_F_NAME_OFF 4
#define PK_F_NAME_LEN 8
#define PK_F_RESERVED 12
#define PK_F_OFFSET 16
#define PK_F_SIZE 24
#define PK_F_USIZE 32
#define PK_F_CHECKSUM 40
#define PK_FFLAG_ZLIB 0x1u
#define PK_FFLAG_ZSTD 0x2u
#define PK_FFLAG_ALL 0x1u     /* the flags of version 1 */
#define PK_FFLAG_ALL_V2 0x3u  /* of version 2: one codec bit at most */

#define PK_DATA_ALIGN 16     /* §6 field data alignment */
#define PK_SECTION_ALIGN 16  /* §2.8 section alignment */
#define PK_MAX_NAME 65535u   /* §4 longest name */
#define PK_MAX_FIELDS 0x00ffffffu /* §4 fields per resource */

/* §7 embedding (exe_elf.c, exe_trailer.c) */
#define PK_ELF_SECTION ".packrs"
#define PK_TRAILER_MAGIC "\x89PKRend\n"
#define PK_TRAILER_SIZE 32

static inline uint16_t pk_rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t pk_rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t pk_rd64(const unsigned char *p)
{
    return (uint64_t)pk_rd32(p) | ((uint64_t)pk_rd32(p + 4) << 32);
}
static inline void pk_wr16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static inline void pk_wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static inline void pk_wr64(unsigned char *p, uint64_t v)
{
    pk_wr32(p, (uint32_t)v);
    pk_wr32(p + 4, (uint32_t)(v >> 32));
}

/* Overflow-checked a + b into *out; returns 0 on overflow. */
static inline int pk_add(uint64_t a, uint64_t b, uint64_t *out)
{
    *out = a + b; /* unsigned: wraps, never undefined */
    return *out >= a;
}
/* Overflow-checked a * b into *out; returns 0 on overflow. */
static inline int pk_mul(uint64_t a, uint64_t b, uint64_t *out)
{
    *out = a * b;
    return a == 0 || *out / a == b;
}

/* XXH3-64 of a name (§3); one definition for reader and writer (hash.c). */
uint64_t packrs__hash_name(const char *name, size_t len);

#endif
