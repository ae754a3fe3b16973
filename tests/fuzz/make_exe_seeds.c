/*
 * make_exe_seeds.c — writes the seed corpus of exe_fuzzer.
 *
 *   make_exe_seeds DIR     (e.g. tests/fuzz/corpus/exe)
 *
 * Starts from a tiny ELF64 x86-64 executable built here byte by byte (it
 * runs: exit(0)), embeds small blobs into it and into a shell script with
 * packrs_embed, and writes those plus truncated and edited variants, so
 * the seeds reach every step of docs/format.md §7.1 and §7.2. Built with
 * the tests but not run by them; the seeds are committed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packrs.h"
#include "xxhash.h"

#define TINY_CODE 120    /* file offset of the code */
#define TINY_NAMES 136   /* of the section-name table */
#define TINY_SHOFF 160   /* of the section headers */
#define TINY_SIZE (TINY_SHOFF + 3 * 64)
#define VADDR 0x400000u

static const char tiny_names[] = "\0.shstrtab\0.text"; /* 17 bytes with NUL */

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static void wr16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static void wr32(unsigned char *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}
static void wr64(unsigned char *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* Section header i of the tiny image. */
static void tiny_shdr(unsigned char *img, int i, uint32_t name, uint32_t type,
                      uint64_t flags, uint64_t off, uint64_t size)
{
    unsigned char *sh = img + TINY_SHOFF + 64 * i;
    wr32(sh + 0, name);
    wr32(sh + 4, type);
    wr64(sh + 8, flags);
    wr64(sh + 16, flags ? VADDR + off : 0);
    wr64(sh + 24, off);
    wr64(sh + 32, size);
    wr64(sh + 48, 1);
}

/* A 352-byte ELF64-LE executable: header, one PT_LOAD, exit(0) code,
 * sections NULL, .text, .shstrtab. */
static void tiny_elf(unsigned char *img)
{
    static const unsigned char code[] = {0xb8, 0x3c, 0, 0, 0, /* mov eax, 60 */
                                         0x31, 0xff,          /* xor edi, edi */
                                         0x0f, 0x05};         /* syscall */
    memset(img, 0, TINY_SIZE);
    memcpy(img, "\x7f" "ELF\x02\x01\x01", 7);
    wr16(img + 0x10, 2);              /* ET_EXEC */
    wr16(img + 0x12, 62);             /* EM_X86_64 */
    wr32(img + 0x14, 1);
    wr64(img + 0x18, VADDR + TINY_CODE);
    wr64(img + 0x20, 64);             /* e_phoff */
    wr64(img + 0x28, TINY_SHOFF);
    wr16(img + 0x34, 64);
    wr16(img + 0x36, 56);
    wr16(img + 0x38, 1);
    wr16(img + 0x3a, 64);
    wr16(img + 0x3c, 3);
    wr16(img + 0x3e, 2);
    wr32(img + 64, 1);                /* PT_LOAD */
    wr32(img + 68, 5);                /* R+X */
    wr64(img + 80, VADDR);
    wr64(img + 88, VADDR);
    wr64(img + 96, TINY_SIZE);
    wr64(img + 104, TINY_SIZE);
    wr64(img + 112, 0x1000);
    memcpy(img + TINY_CODE, code, sizeof code);
    memcpy(img + TINY_NAMES, tiny_names, sizeof tiny_names);
    tiny_shdr(img, 1, 11, 1, 6, TINY_CODE, sizeof code);
    tiny_shdr(img, 2, 1, 3, 0, TINY_NAMES, sizeof tiny_names);
}

static const char *dir;

/* DIR/name. */
static const char *path_of(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void emit(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(path_of(name), "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        perror(name), exit(1);
}

/* Reads DIR/name whole into a malloc'd buffer. */
static unsigned char *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(path_of(name), "rb");
    unsigned char *p;
    if (!f || fseek(f, 0, SEEK_END) || (*len = (size_t)ftell(f), fseek(f, 0, SEEK_SET)) ||
        !(p = malloc(*len + 1)) || fread(p, 1, *len, f) != *len)
        perror(name), exit(1);
    fclose(f);
    return p;
}

/* A small blob; keyed adds keyed and compressed fields. */
static void *make_blob(int keyed, size_t *len)
{
    static const char text[] = "def main():\n    return 0  # a source long enough to compress\n";
    packrs_writer *w;
    void *b;
    if (packrs_writer_create(&w) || packrs_writer_add_resource(w, "m", PACKRS_KIND_MODULE) ||
        packrs_writer_add_field(w, "m", PACKRS_FIELD_SOURCE, NULL, text, sizeof text,
                                keyed ? PACKRS_FIELD_ZLIB : 0))
        exit(1);
    if (keyed && (packrs_writer_add_resource(w, "pkg", PACKRS_KIND_PACKAGE | PACKRS_KIND_DATA) ||
                  packrs_writer_add_field(w, "pkg", PACKRS_FIELD_DATA_FILE, "d/x.txt", "x", 1, 0)))
        exit(1);
    if (packrs_writer_finish_buffer(w, &b, len))
        exit(1);
    packrs_writer_free(w);
    return b;
}

/* Embeds a blob into DIR/host and returns the result (DIR/name written). */
static unsigned char *embed(const char *host, const char *name, int keyed, size_t *len)
{
    char err[300], in[4096];
    size_t blen;
    void *b = make_blob(keyed, &blen);
    snprintf(in, sizeof in, "%s", path_of(host));
    if (packrs_embed(in, b, blen, path_of(name), err, sizeof err))
        fprintf(stderr, "embed %s: %s\n", host, err), exit(1);
    packrs_free(b);
    return slurp(name, len);
}

/* Writes a copy of img with 8 bytes at off set to v (u64 LE). */
static void emit_patched(const char *name, const unsigned char *img, size_t len, size_t off,
                         uint64_t v, int width)
{
    unsigned char *p = malloc(len);
    memcpy(p, img, len);
    if (width == 2)
        wr16(p + off, (uint16_t)v);
    else if (width == 4)
        wr32(p + off, (uint32_t)v);
    else
        wr64(p + off, v);
    emit(name, p, len);
    free(p);
}

/* Variants of an embedded ELF e (len bytes). */
static void elf_variants(const unsigned char *e, size_t len)
{
    uint64_t shoff = rd64(e + 0x28);
    size_t packrs_sh = (size_t)shoff + 3 * 64; /* the appended header */
    emit("trunc-header.elf", e, 64);
    emit("trunc-before-table.elf", e, (size_t)shoff + 10);
    emit("trunc-mid-blob.elf", e, 4096 + 100);
    emit_patched("packrs-nobits.elf", e, len, packrs_sh + 4, 8, 4);
    emit_patched("packrs-outside.elf", e, len, packrs_sh + 32, len, 8);
    emit_patched("shstrndx-out-of-range.elf", e, len, 0x3e, 9, 2);
    emit_patched("shentsize-40.elf", e, len, 0x3a, 40, 2);
    emit_patched("no-section-table.elf", e, len, 0x28, 0, 8);
    emit_patched("elf32-class.elf", e, len, 4, 1, 2); /* EI_CLASS 1, EI_DATA 0 */
}

/* A trailer alone naming [off, off+len): valid checksum. */
static void emit_trailer_only(const char *name, uint64_t off, uint64_t len)
{
    unsigned char t[32];
    memcpy(t, "\x89PKRend\n", 8);
    wr64(t + 8, off);
    wr64(t + 16, len);
    wr64(t + 24, XXH3_64bits(t, 24));
    emit(name, t, sizeof t);
}

int main(int argc, char **argv)
{
    unsigned char img[TINY_SIZE], *e;
    size_t len;
    if (argc != 2)
        return fprintf(stderr, "usage: %s DIR\n", argv[0]), 2;
    dir = argv[1];
    tiny_elf(img);
    emit("tiny.elf", img, sizeof img);
    e = embed("tiny.elf", "tiny-embedded.elf", 0, &len);
    elf_variants(e, len);
    free(e);
    free(embed("tiny.elf", "tiny-embedded-keyed.elf", 1, &len));
    emit("script.sh", "#!/bin/sh\nexit 0\n", 17);
    e = embed("script.sh", "script-trailer.sh", 0, &len);
    emit("script-trailer-truncated.sh", e, len - 1);
    free(e);
    unlink(path_of("script.sh"));
    emit_trailer_only("trailer-only", 0, 0);
    emit_trailer_only("trailer-outside", 16, 1000);
    emit("empty", "", 0);
    return 0;
}
