/*
 * locate.c — finding the blob embedded in an executable (§7).
 *
 * First the ELF section ".packrs" (survives strip and appended bytes),
 * then the 32-byte trailer at the end of the file (for non-ELF hosts).
 * Headers are read with pread and only the blob itself is mapped, so the
 * executable's code pages are not mapped (and counted) a second time.
 * Every ELF field is bounds-checked: the executable is as untrusted as
 * the blob.
 */
#define XXH_STATIC_LINKING_ONLY
#include "reader_int.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define MAX_SHSTRTAB (16u << 20) /* section-name tables are a few KiB */

/* Reads exactly n bytes at off; 0 ok, -1 short read or error. */
static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t got = pread(fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

/* Scans the section headers sh[0..n) for ".packrs" given the name
 * table names[0..nlen). 1 found (*off, *len set), 0 absent, <0 malformed. */
static int scan_sections(packrs_reader *r, const Elf64_Shdr *sh, unsigned n,
                         const char *names, uint64_t nlen, uint64_t size,
                         uint64_t *off, uint64_t *len)
{
    uint64_t end;
    for (unsigned i = 0; i < n; i++) {
        if (sh[i].sh_name >= nlen || nlen - sh[i].sh_name < sizeof PK_ELF_SECTION ||
            memcmp(names + sh[i].sh_name, PK_ELF_SECTION, sizeof PK_ELF_SECTION) != 0)
            continue;
        if (sh[i].sh_type != SHT_PROGBITS)
            return packrs__fail(r, PACKRS_ECORRUPT,
                                "ELF section " PK_ELF_SECTION " is not PROGBITS (§7.1)");
        if (!pk_add(sh[i].sh_offset, sh[i].sh_size, &end) || end > size)
            return packrs__fail(r, PACKRS_ECORRUPT,
                                "ELF section " PK_ELF_SECTION " lies outside the file (§7.1)");
        *off = sh[i].sh_offset;
        *len = sh[i].sh_size;
        return 1;
    }
    return 0;
}

/* Finds section ".packrs" of the ELF64-LE file fd (size n), setting *off
 * and *len. Returns 1 found, 0 not ELF or absent, negative if malformed.
 * Three preads: ELF header, section header table, section-name table. */
static int find_elf_section(packrs_reader *r, int fd, uint64_t n, uint64_t *off,
                            uint64_t *len)
{
    Elf64_Ehdr eh;
    Elf64_Shdr *sh = NULL;
    char *names = NULL;
    uint64_t end, tabsize;
    int rc;
    if (n < sizeof eh || pread_all(fd, &eh, sizeof eh, 0) || memcmp(&eh, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_shoff == 0 || eh.e_shnum == 0)
        return 0;
    if (eh.e_shentsize != sizeof *sh || eh.e_shstrndx >= eh.e_shnum ||
        !pk_mul(eh.e_shnum, sizeof *sh, &tabsize) || !pk_add(tabsize, eh.e_shoff, &end) ||
        end > n)
        return packrs__fail(r, PACKRS_ECORRUPT, "malformed ELF section table (§7.1)");
    if (!(sh = malloc((size_t)tabsize)) || pread_all(fd, sh, (size_t)tabsize, eh.e_shoff))
        rc = packrs__fail(r, sh ? PACKRS_EIO : PACKRS_ENOMEM, "cannot read ELF section table");
    else if (!pk_add(sh[eh.e_shstrndx].sh_offset, sh[eh.e_shstrndx].sh_size, &end) ||
             end > n || sh[eh.e_shstrndx].sh_size > MAX_SHSTRTAB)
        rc = packrs__fail(r, PACKRS_ECORRUPT, "malformed ELF string table (§7.1)");
    else if (!(names = malloc((size_t)sh[eh.e_shstrndx].sh_size + 1)) ||
             pread_all(fd, names, (size_t)sh[eh.e_shstrndx].sh_size, sh[eh.e_shstrndx].sh_offset))
        rc = packrs__fail(r, names ? PACKRS_EIO : PACKRS_ENOMEM, "cannot read ELF string table");
    else
        rc = scan_sections(r, sh, eh.e_shnum, names, sh[eh.e_shstrndx].sh_size, n, off, len);
    free(names);
    free(sh);
    return rc;
}

/* Reads the §7.2 trailer at the end of fd (size n). 1 found, 0 absent,
 * negative when a valid trailer names bytes outside the file. */
static int find_trailer(packrs_reader *r, int fd, uint64_t n, uint64_t *off, uint64_t *len)
{
    unsigned char t[PK_TRAILER_SIZE];
    uint64_t end;
    if (n < PK_TRAILER_SIZE || pread_all(fd, t, sizeof t, n - PK_TRAILER_SIZE) ||
        memcmp(t, PK_TRAILER_MAGIC, 8) || XXH3_64bits(t, 24) != pk_rd64(t + 24))
        return 0;
    *off = pk_rd64(t + 8);
    *len = pk_rd64(t + 16);
    if (!pk_add(*off, *len, &end) || end > n - PK_TRAILER_SIZE)
        return packrs__fail(r, PACKRS_ECORRUPT, "trailer names bytes outside the file (§7.2)");
    return 1;
}

/* Maps [off, off+len) of fd read-only (page-aligned underneath) and
 * attaches it as r's blob. */
static int map_blob(packrs_reader *r, int fd, uint64_t off, uint64_t len)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), base = off - off % page;
    if (len == 0 || len > SIZE_MAX - page)
        return packrs__fail(r, PACKRS_ECORRUPT, "embedded blob of %llu bytes (§2.1)",
                            (unsigned long long)len);
    r->map_len = (size_t)(len + (off - base));
    r->map = mmap(NULL, r->map_len, PROT_READ, MAP_PRIVATE, fd, (off_t)base);
    if (r->map == MAP_FAILED) {
        r->map = NULL;
        return packrs__fail(r, PACKRS_EIO, "mmap: %s", strerror(errno));
    }
    return packrs__reader_attach(r, (const unsigned char *)r->map + (off - base), (size_t)len);
}

/* Locates and maps the blob of the executable open as fd. */
static int open_fd(packrs_reader *r, int fd, const char *path)
{
    struct stat st;
    uint64_t off = 0, len = 0;
    int rc;
    if (fstat(fd, &st) != 0)
        return packrs__fail(r, PACKRS_EIO, "%s: %s", path, strerror(errno));
    rc = find_elf_section(r, fd, (uint64_t)st.st_size, &off, &len);
    if (rc == 0)
        rc = find_trailer(r, fd, (uint64_t)st.st_size, &off, &len);
    if (rc == 0)
        return packrs__fail(r, PACKRS_ENOBLOB, "%s carries no packrs blob", path);
    return rc < 0 ? rc : map_blob(r, fd, off, len);
}

int packrs_reader_open_exe(packrs_reader **out, const char *path)
{
    packrs_reader *r;
    int fd, rc;
    if (!out)
        return PACKRS_EINVAL;
    if (!(r = packrs__reader_new()))
        return *out = NULL, PACKRS_ENOMEM;
    *out = r;
    if (!path)
        path = "/proc/self/exe";
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = packrs__fail(r, PACKRS_EIO, "%s: %s", path, strerror(errno));
    } else {
        rc = open_fd(r, fd, path);
        close(fd);
    }
    r->failed = rc != PACKRS_OK;
    return rc;
}
