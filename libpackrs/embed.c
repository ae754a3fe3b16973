/*
 * embed.c — writing a blob into a copy of an executable (§7).
 *
 * ELF64-LE executables get a non-allocated section ".packrs" appended
 * (new section-name table and section header table after it), so strip
 * and appended bytes leave it findable; every output also ends with the
 * §7.2 trailer, the only locator for non-ELF files.
 */
#define XXH_STATIC_LINKING_ONLY
#include "writer_int.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf;

/* Appends n bytes of s (zeros when s is NULL); -1 on ENOMEM. */
static int buf_put(buf *b, const void *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    if (s)
        memcpy(b->p + b->len, s, n);
    else
        memset(b->p + b->len, 0, n);
    b->len += n;
    return 0;
}

/* Makes room for n more bytes so later pointers into b stay valid. */
static int buf_reserve(buf *b, size_t n)
{
    if (buf_put(b, NULL, n))
        return -1;
    b->len -= n;
    return 0;
}

static int buf_pad(buf *b, size_t align)
{
    return buf_put(b, NULL, (align - b->len % align) % align);
}

/* Reads the whole file at path into b. */
static int read_file(const char *path, buf *b, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return snprintf(err, errlen, "%s: %s", path, strerror(errno)), PACKRS_EIO;
    do {
        if (buf_reserve(b, 65536))
            return fclose(f), snprintf(err, errlen, "out of memory"), PACKRS_ENOMEM;
        n = fread(b->p + b->len, 1, 65536, f);
        b->len += n;
    } while (n == 65536);
    if (ferror(f))
        return fclose(f), snprintf(err, errlen, "%s: read error", path), PACKRS_EIO;
    fclose(f);
    return PACKRS_OK;
}

/* Appends the blob as ELF section ".packrs": blob, new .shstrtab, new
 * section headers; patches the ELF header. b holds a checked ELF64-LE. */
static int add_elf_section(buf *b, const void *blob, size_t blen, uint64_t *boff,
                           char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    Elf64_Shdr sh, str;
    size_t shoff, stroff, oldn;
    memcpy(&eh, b->p, sizeof eh);
    if (eh.e_shentsize != sizeof sh || eh.e_shnum == 0 || eh.e_shnum >= SHN_LORESERVE - 1 ||
        eh.e_shstrndx >= eh.e_shnum || eh.e_shoff > b->len ||
        b->len - eh.e_shoff < (size_t)eh.e_shnum * sizeof sh)
        return snprintf(err, errlen, "unsupported or malformed ELF section table"),
               PACKRS_EINVAL;
    oldn = eh.e_shnum;
    memcpy(&str, b->p + eh.e_shoff + eh.e_shstrndx * sizeof sh, sizeof sh);
    if (str.sh_offset > b->len || b->len - str.sh_offset < str.sh_size)
        return snprintf(err, errlen, "malformed ELF string table"), PACKRS_EINVAL;
    for (size_t i = 0; i < oldn; i++) {
        memcpy(&sh, b->p + eh.e_shoff + i * sizeof sh, sizeof sh);
        if (sh.sh_name < str.sh_size && str.sh_size - sh.sh_name >= sizeof PK_ELF_SECTION &&
            !memcmp(b->p + str.sh_offset + sh.sh_name, PK_ELF_SECTION, sizeof PK_ELF_SECTION))
            return snprintf(err, errlen, "executable already carries a " PK_ELF_SECTION
                            " section"), PACKRS_EINVAL;
    }
    /* Reserve first: the copies below read from b itself. */
    if (buf_reserve(b, 4096 + blen + str.sh_size + sizeof PK_ELF_SECTION + 8 +
                           (oldn + 1) * sizeof sh + PK_TRAILER_SIZE) ||
        buf_pad(b, 4096) || (*boff = b->len, buf_put(b, blob, blen)))
        return PACKRS_ENOMEM;
    stroff = b->len;
    if (buf_put(b, b->p + str.sh_offset, str.sh_size) ||
        buf_put(b, PK_ELF_SECTION, sizeof PK_ELF_SECTION) || buf_pad(b, 8))
        return PACKRS_ENOMEM;
    shoff = b->len;
    if (buf_put(b, b->p + eh.e_shoff, oldn * sizeof sh))
        return PACKRS_ENOMEM;
    memset(&sh, 0, sizeof sh);
    sh.sh_name = (Elf64_Word)str.sh_size;
    sh.sh_type = SHT_PROGBITS;
    sh.sh_offset = *boff;
    sh.sh_size = blen;
    sh.sh_addralign = 16;
    if (buf_put(b, &sh, sizeof sh))
        return PACKRS_ENOMEM;
    str.sh_offset = stroff;
    str.sh_size += sizeof PK_ELF_SECTION;
    memcpy(b->p + shoff + eh.e_shstrndx * sizeof sh, &str, sizeof str);
    eh.e_shoff = shoff;
    eh.e_shnum = (Elf64_Half)(oldn + 1);
    memcpy(b->p, &eh, sizeof eh);
    return PACKRS_OK;
}

/* Appends the §7.2 trailer naming the blob at off. */
static int add_trailer(buf *b, uint64_t off, uint64_t len)
{
    unsigned char t[PK_TRAILER_SIZE];
    memcpy(t, PK_TRAILER_MAGIC, 8);
    pk_wr64(t + 8, off);
    pk_wr64(t + 16, len);
    pk_wr64(t + 24, XXH3_64bits(t, 24));
    return buf_put(b, t, sizeof t) ? PACKRS_ENOMEM : PACKRS_OK;
}

static int is_elf64le(const buf *b)
{
    return b->len >= sizeof(Elf64_Ehdr) && !memcmp(b->p, ELFMAG, SELFMAG) &&
           b->p[EI_CLASS] == ELFCLASS64 && b->p[EI_DATA] == ELFDATA2LSB;
}

int packrs_embed(const char *exe_path, const void *blob, size_t blob_len,
                 const char *out_path, char *err, size_t errlen)
{
    buf b = {0};
    uint64_t off = 0;
    int rc;
    if (!exe_path || !blob || !out_path || !err || !errlen)
        return PACKRS_EINVAL;
    err[0] = 0;
    if ((rc = read_file(exe_path, &b, err, errlen)))
        goto done;
    if (is_elf64le(&b))
        rc = add_elf_section(&b, blob, blob_len, &off, err, errlen);
    else if (buf_pad(&b, 16) || (off = b.len, buf_put(&b, blob, blob_len)))
        rc = PACKRS_ENOMEM;
    if (rc == PACKRS_OK)
        rc = add_trailer(&b, off, blob_len);
    if (rc == PACKRS_OK)
        rc = packrs__write_atomic(out_path, b.p, b.len, 1, err, errlen);
    if (rc == PACKRS_ENOMEM && !err[0])
        snprintf(err, errlen, "out of memory");
done:
    free(b.p);
    return rc;
}
