/*
 * blobs.h — sample blobs, byte patterns and scratch files for the libpackrs
 * tests. Helpers assert with cmocka, so call them only inside a test.
 */
#ifndef PACKRS_TEST_BLOBS_H
#define PACKRS_TEST_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "packrs.h"

/* The resources of blob_small(), sorted by name bytes. */
extern const char *const small_names[];
extern const size_t small_count;

/* A new empty writer (asserts on failure). */
packrs_writer *writer_new(void);
/* Adds resource name with kind, asserting success. */
void add_res(packrs_writer *w, const char *name, uint32_t kind);
/* Adds a field, asserting success. */
void add_field(packrs_writer *w, const char *res, int type, const char *key,
               const void *data, size_t len, unsigned flags);
/* Serialises w into an exactly-sized malloc'd buffer, frees w. */
unsigned char *finish(packrs_writer *w, size_t *len);
/* A small (a few hundred bytes) blob: three resources, a compressed, an
 * empty, a keyed and a plain field; caller frees. */
unsigned char *blob_small(size_t *len);
/* A malloc'd copy of n bytes of p in a buffer of exactly n bytes (so ASan
 * sees any over-read); n == 0 still gives a unique pointer. */
unsigned char *dup_exact(const void *p, size_t n);
/* Opens a blob from memory, asserting success. */
packrs_reader *open_ok(const void *blob, size_t len);

/* n bytes that zlib shrinks a lot; caller frees. */
unsigned char *bytes_compressible(size_t n);
/* n pseudo-random bytes (xorshift from seed) zlib cannot shrink. */
unsigned char *bytes_random(size_t n, uint32_t seed);

/* A fresh directory from mkdtemp() under $TMPDIR; caller tmpdir_free()s. */
char *tmpdir_new(void);
/* Removes dir and everything in it, then frees the string. */
void tmpdir_free(char *dir);
/* dir + "/" + name, malloc'd. */
char *path_join(const char *dir, const char *name);
/* Writes len bytes to path (asserts). */
void file_write(const char *path, const void *data, size_t len);
/* Reads the whole file at path; caller frees. */
unsigned char *file_read(const char *path, size_t *len);
/* Number of directory entries in dir other than "." and "..". */
size_t dir_count(const char *dir);

#endif
