/*
 * exe_elf.c — the blob as section ".packrs" of an ELF64 little-endian
 * executable (§7.1): finding it, and appending it to a copy.
 *
 * Fields are read and written at their ELF64 offsets with the pk_rd and
 * pk_wr helpers, so this needs no <elf.h> and works on a host of either
 * byte order. The executable is as untrusted as the blob: every field is
 * bounds-checked.
 * Reading uses three preads (ELF header, section headers, section-name
 * table) and maps nothing; the caller maps only the blob itself.
 */
#include "exe_int.h"

#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "format_int.h"

/* ELF64 header: e_ident[EI_CLASS], e_ident[EI_DATA], e_shoff, ... */
#define EH_SIZE 64
#define EH_CLASS 4         /* 2: ELFCLASS64 */
#define EH_DATA 5          /* 1: ELFDATA2LSB */
#define EH_SHOFF 0x28      /* u64 */
#define EH_SHENTSIZE 0x3a  /* u16 */
#define EH_SHNUM 0x3c      /* u16 */
#define EH_SHSTRNDX 0x3e   /* u16 */
/* ELF64 section header */
#define SH_SIZE 64
#define SH_NAME 0          /* u32 */
#define SH_TYPE 4          /* u32 */
#define SH_OFFSET 24       /* u64 */
#define SH_BYTES 32        /* u64 sh_size */
#define SH_ADDRALIGN 48    /* u64 */
#define SHT_PROGBITS 1
#define MAX_SHNUM 0xfeffu           /* below SHN_LORESERVE - 1 (§7.1) */
#define MAX_SHSTRTAB (16u << 20)    /* §7.1 step 3: name tables are KiB */
#define NAME_LEN (sizeof PK_ELF_SECTION) /* ".packrs\0" */

typedef struct elf_hdr {
    uint64_t shoff;
    unsigned shentsize, shnum, shstrndx;
} elf_hdr;

typedef struct elf_shdr {
    uint32_t name, type;
    uint64_t offset, size;
} elf_shdr;

/* 1 when img[0..len) starts with the identification of ELF64 little-
 * endian (§7.1), however short: what is appended to such an image makes
 * it long enough for a reader to take it for ELF. */
static int elf_recognise(const unsigned char *img, size_t len)
{
    return len > EH_DATA && !memcmp(img, "\x7f" "ELF", 4) && img[EH_CLASS] == 2 &&
           img[EH_DATA] == 1;
}

static void read_hdr(const unsigned char *h, elf_hdr *e)
{
    e->shoff = pk_rd64(h + EH_SHOFF);
    e->shentsize = pk_rd16(h + EH_SHENTSIZE);
    e->shnum = pk_rd16(h + EH_SHNUM);
    e->shstrndx = pk_rd16(h + EH_SHSTRNDX);
}

static void read_shdr(const unsigned char *p, elf_shdr *s)
{
    s->name = pk_rd32(p + SH_NAME);
    s->type = pk_rd32(p + SH_TYPE);
    s->offset = pk_rd64(p + SH_OFFSET);
    s->size = pk_rd64(p + SH_BYTES);
}

/* 1 when sh_name names ".packrs" in the name table names[0..nlen) (§7.1
 * step 4). */
static int is_packrs(const unsigned char *names, uint64_t nlen, uint32_t name)
{
    return name < nlen && nlen - name >= NAME_LEN &&
           memcmp(names + name, PK_ELF_SECTION, NAME_LEN) == 0;
}

/* ---- locating (§7.1 steps 1-5) ------------------------------------------ */

/* Reads the header of f: 1 when f is ELF64-LE with a section table
 * (step 1), else 0. */
static int load_hdr(const pk_file *f, elf_hdr *e)
{
    unsigned char h[EH_SIZE];
    if (f->size < EH_SIZE || packrs__os_pread(f, h, sizeof h, 0) ||
        !elf_recognise(h, sizeof h))
        return 0;
    read_hdr(h, e);
    return e->shoff != 0 && e->shnum != 0;
}

/* Reads the section header table of f into a malloc'd *tab (step 2). */
static int load_table(const pk_file *f, const elf_hdr *e, unsigned char **tab,
                      char *err, size_t errlen)
{
    uint64_t size, end;
    if (e->shentsize != SH_SIZE || e->shstrndx >= e->shnum ||
        !pk_mul(e->shnum, SH_SIZE, &size) || !pk_add(size, e->shoff, &end) ||
        end > f->size)
        return packrs__msg(err, errlen, PACKRS_ECORRUPT,
                           "malformed ELF section table (§7.1)");
    if (!(*tab = malloc((size_t)size)))
        return packrs__msg(err, errlen, PACKRS_ENOMEM, "cannot read ELF section table");
    if (packrs__os_pread(f, *tab, (size_t)size, e->shoff))
        return packrs__msg(err, errlen, PACKRS_EIO, "cannot read ELF section table");
    return PACKRS_OK;
}

/* Reads the section-name table described by s into a malloc'd *names
 * (step 3). */
static int load_names(const pk_file *f, const elf_shdr *s, unsigned char **names,
                      char *err, size_t errlen)
{
    uint64_t end;
    if (!pk_add(s->offset, s->size, &end) || end > f->size || s->size > MAX_SHSTRTAB)
        return packrs__msg(err, errlen, PACKRS_ECORRUPT,
                           "malformed ELF string table (§7.1)");
    if (!(*names = malloc((size_t)s->size + 1)))
        return packrs__msg(err, errlen, PACKRS_ENOMEM, "cannot read ELF string table");
    if (packrs__os_pread(f, *names, (size_t)s->size, s->offset))
        return packrs__msg(err, errlen, PACKRS_EIO, "cannot read ELF string table");
    return PACKRS_OK;
}

/* Finds the first section named ".packrs" in tab (step 4). 1 found, 0
 * absent (step 5), negative when it is not a valid blob section. */
static int scan(const pk_file *f, const unsigned char *tab, unsigned n,
                const unsigned char *names, uint64_t nlen, uint64_t *off,
                uint64_t *len, char *err, size_t errlen)
{
    for (unsigned i = 0; i < n; i++) {
        elf_shdr s;
        uint64_t end;
        read_shdr(tab + (size_t)i * SH_SIZE, &s);
        if (!is_packrs(names, nlen, s.name))
            continue;
        if (s.type != SHT_PROGBITS)
            return packrs__msg(err, errlen, PACKRS_ECORRUPT,
                               "ELF section " PK_ELF_SECTION " is not PROGBITS (§7.1)");
        if (!pk_add(s.offset, s.size, &end) || end > f->size)
            return packrs__msg(err, errlen, PACKRS_ECORRUPT, "ELF section "
                               PK_ELF_SECTION " lies outside the file (§7.1)");
        *off = s.offset;
        *len = s.size;
        return 1;
    }
    return 0;
}

static int elf_locate(const pk_file *f, uint64_t *off, uint64_t *len, char *err,
                      size_t errlen)
{
    elf_hdr e;
    elf_shdr str;
    unsigned char *tab = NULL, *names = NULL;
    int rc;
    if (!load_hdr(f, &e))
        return 0;
    if ((rc = load_table(f, &e, &tab, err, errlen)) == PACKRS_OK) {
        read_shdr(tab + (size_t)e.shstrndx * SH_SIZE, &str);
        if ((rc = load_names(f, &str, &names, err, errlen)) == PACKRS_OK)
            rc = scan(f, tab, e.shnum, names, str.size, off, len, err, errlen);
    }
    free(names);
    free(tab);
    return rc;
}

/* ---- embedding (§7.1, last paragraph) ----------------------------------- */

/* Checks the image b can take a ".packrs" section that the reader will
 * then find (§7.1): a section table (e_shoff 0 means none, step 1) and
 * name table *str inside the image, the table within the reader's bound
 * (step 3), every name inside it and none ".packrs" yet. A name equal to
 * the table's size would name the ".packrs" appended to it (step 4). */
static int check_image(const pk_buf *b, const elf_hdr *e, elf_shdr *str,
                       char *err, size_t errlen)
{
    if (e->shentsize != SH_SIZE || e->shoff == 0 || e->shnum == 0 ||
        e->shnum >= MAX_SHNUM || e->shstrndx >= e->shnum || e->shoff > b->len ||
        b->len - e->shoff < (size_t)e->shnum * SH_SIZE)
        return packrs__msg(err, errlen, PACKRS_EINVAL,
                           "unsupported or malformed ELF section table");
    read_shdr(b->p + e->shoff + (size_t)e->shstrndx * SH_SIZE, str);
    if (str->offset > b->len || b->len - str->offset < str->size ||
        str->size > MAX_SHSTRTAB - NAME_LEN)
        return packrs__msg(err, errlen, PACKRS_EINVAL, "malformed ELF string table");
    for (unsigned i = 0; i < e->shnum; i++) {
        uint32_t name = pk_rd32(b->p + e->shoff + (size_t)i * SH_SIZE + SH_NAME);
        if (name >= str->size)
            return packrs__msg(err, errlen, PACKRS_EINVAL, "malformed ELF section "
                               "table: section %u's name lies outside the name table", i);
        if (is_packrs(b->p + str->offset, str->size, name))
            return packrs__msg(err, errlen, PACKRS_EINVAL, "executable already "
                               "carries a " PK_ELF_SECTION " section");
    }
    return PACKRS_OK;
}

/* Appends the new section header naming the blob at boff. */
static int put_blob_shdr(pk_buf *b, uint32_t name, uint64_t boff, size_t blen)
{
    unsigned char sh[SH_SIZE] = {0}; /* flags, address, link, info: 0 */
    pk_wr32(sh + SH_NAME, name);
    pk_wr32(sh + SH_TYPE, SHT_PROGBITS);
    pk_wr64(sh + SH_OFFSET, boff);
    pk_wr64(sh + SH_BYTES, blen);
    pk_wr64(sh + SH_ADDRALIGN, 16);
    return packrs__buf_put(b, sh, sizeof sh);
}

/* Appends: zeros to 4096, the blob, a copy of the name table plus
 * ".packrs\0", zeros to 8, the old section headers plus the new one; then
 * points the ELF header and the name-table header at the copies. */
static int elf_embed(pk_buf *b, const void *blob, size_t blen, uint64_t *boff,
                     char *err, size_t errlen)
{
    elf_hdr e;
    elf_shdr str;
    size_t stroff, shoff;
    int rc;
    if (b->len < EH_SIZE)
        return packrs__msg(err, errlen, PACKRS_EINVAL, "truncated ELF header "
                           "(%zu of %d bytes)", b->len, EH_SIZE);
    read_hdr(b->p, &e);
    if ((rc = check_image(b, &e, &str, err, errlen)))
        return rc;
    /* Reserve first: the copies below read from b itself. */
    if (blen > SIZE_MAX / 2 || str.size > SIZE_MAX / 4 ||
        packrs__buf_reserve(b, 4096 + blen + (size_t)str.size + NAME_LEN + 8 +
                               (e.shnum + 1) * SH_SIZE + PK_TRAILER_SIZE) ||
        packrs__buf_pad(b, 4096) || (*boff = b->len, packrs__buf_put(b, blob, blen)))
        return PACKRS_ENOMEM;
    stroff = b->len;
    if (packrs__buf_put(b, b->p + str.offset, (size_t)str.size) ||
        packrs__buf_put(b, PK_ELF_SECTION, NAME_LEN) || packrs__buf_pad(b, 8))
        return PACKRS_ENOMEM;
    shoff = b->len;
    if (packrs__buf_put(b, b->p + e.shoff, (size_t)e.shnum * SH_SIZE) ||
        put_blob_shdr(b, (uint32_t)str.size, *boff, blen))
        return PACKRS_ENOMEM;
    pk_wr64(b->p + shoff + (size_t)e.shstrndx * SH_SIZE + SH_OFFSET, stroff);
    pk_wr64(b->p + shoff + (size_t)e.shstrndx * SH_SIZE + SH_BYTES,
            str.size + NAME_LEN);
    pk_wr64(b->p + EH_SHOFF, shoff);
    pk_wr16(b->p + EH_SHNUM, (uint16_t)(e.shnum + 1));
    return PACKRS_OK;
}

const pk_exe_format packrs__exe_elf = {"ELF64", elf_locate, elf_recognise, elf_embed};
