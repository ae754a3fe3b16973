/*
 * locate.c — finding the blob embedded in an executable (§7).
 *
 * First the ELF section ".packrs" (survives strip and appended bytes),
 * then the 32-byte trailer at the end of the file (for non-ELF hosts).
 * Every ELF field is bounds-checked: the executable is as untrusted as
 * the blob.
 */
#define XXH_STATIC_LINKING_ONLY
#include "reader_int.h"

#include <elf.h>
#include <xxhash.h>

/* Finds section ".packrs" in the ELF64-LE image p[0..n), setting *off and
 * *len. Returns 1 found, 0 not ELF or absent, negative on a malformed ELF. */
static int find_elf_section(packrs_reader *r, const unsigned char *p, size_t n,
                            uint64_t *off, uint64_t *len)
{
    Elf64_Ehdr eh;
    Elf64_Shdr sh, strtab;
    uint64_t end;
    if (n < sizeof eh || memcmp(p, ELFMAG, SELFMAG) || p[EI_CLASS] != ELFCLASS64 ||
        p[EI_DATA] != ELFDATA2LSB)
        return 0;
    memcpy(&eh, p, sizeof eh);
    if (eh.e_shoff == 0 || eh.e_shnum == 0)
        return 0;
    if (eh.e_shentsize != sizeof sh || eh.e_shstrndx >= eh.e_shnum ||
        !pk_mul(eh.e_shnum, sizeof sh, &end) || !pk_add(end, eh.e_shoff, &end) ||
        end > n)
        return packrs__fail(r, PACKRS_ECORRUPT, "malformed ELF section table (§7.1)");
    memcpy(&strtab, p + eh.e_shoff + (uint64_t)eh.e_shstrndx * sizeof sh, sizeof sh);
    if (!pk_add(strtab.sh_offset, strtab.sh_size, &end) || end > n)
        return packrs__fail(r, PACKRS_ECORRUPT, "malformed ELF string table (§7.1)");
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        memcpy(&sh, p + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
        if (sh.sh_name >= strtab.sh_size ||
            strtab.sh_size - sh.sh_name < sizeof PK_ELF_SECTION ||
            memcmp(p + strtab.sh_offset + sh.sh_name, PK_ELF_SECTION,
                   sizeof PK_ELF_SECTION) != 0)
            continue;
        if (sh.sh_type != SHT_PROGBITS)
            return packrs__fail(r, PACKRS_ECORRUPT,
                                "ELF section " PK_ELF_SECTION " is not PROGBITS (§7.1)");
        if (!pk_add(sh.sh_offset, sh.sh_size, &end) || end > n)
            return packrs__fail(r, PACKRS_ECORRUPT,
                                "ELF section " PK_ELF_SECTION " lies outside the file (§7.1)");
        *off = sh.sh_offset;
        *len = sh.sh_size;
        return 1;
    }
    return 0;
}

/* Reads the §7.2 trailer at the end of p[0..n). 1 found, 0 absent,
 * negative when a valid trailer names bytes outside the file. */
static int find_trailer(packrs_reader *r, const unsigned char *p, size_t n,
                        uint64_t *off, uint64_t *len)
{
    const unsigned char *t;
    uint64_t end;
    if (n < PK_TRAILER_SIZE)
        return 0;
    t = p + n - PK_TRAILER_SIZE;
    if (memcmp(t, PK_TRAILER_MAGIC, 8) || XXH3_64bits(t, 24) != pk_rd64(t + 24))
        return 0;
    *off = pk_rd64(t + 8);
    *len = pk_rd64(t + 16);
    if (!pk_add(*off, *len, &end) || end > n - PK_TRAILER_SIZE)
        return packrs__fail(r, PACKRS_ECORRUPT, "trailer names bytes outside the file (§7.2)");
    return 1;
}

int packrs_reader_open_exe(packrs_reader **out, const char *path)
{
    packrs_reader *r;
    uint64_t off = 0, len = 0;
    int rc;
    if (!out)
        return PACKRS_EINVAL;
    if (!(r = packrs__reader_new()))
        return *out = NULL, PACKRS_ENOMEM;
    *out = r;
    rc = packrs__map_file(r, path ? path : "/proc/self/exe");
    if (rc == PACKRS_OK) {
        rc = find_elf_section(r, r->map, r->map_len, &off, &len);
        if (rc == 0)
            rc = find_trailer(r, r->map, r->map_len, &off, &len);
        if (rc == 1)
            rc = packrs__reader_attach(r, (const unsigned char *)r->map + off,
                                       (size_t)len);
        else if (rc == 0)
            rc = packrs__fail(r, PACKRS_ENOBLOB, "%s carries no packrs blob",
                              path ? path : "this executable");
    }
    r->failed = rc != PACKRS_OK;
    return rc;
}
