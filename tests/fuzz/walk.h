/*
 * walk.h — what the fuzz targets do with a reader they opened (shared by
 * reader_fuzzer.c and exe_fuzzer.c).
 *
 * Beyond "no crash, no leak, no over-read", it checks invariants that the
 * sanitizers cannot see, and traps when one breaks:
 *  - a failed call leaves a non-empty message;
 *  - a failed open leaves a handle that answers PACKRS_EINVAL;
 *  - packrs_reader_verify() never passes a blob that lookups or field
 *    reads rejected, and on a verified blob every name is found again.
 */
#ifndef PACKRS_FUZZ_WALK_H
#define PACKRS_FUZZ_WALK_H

#include "packrs.h"

/* Traps unless cond holds: an invariant the reader broke. */
#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Exercises r, just opened with result rc (r may be NULL on ENOMEM):
 * walks and verifies an open reader, checks a failed one is inert. */
void walk_opened(packrs_reader *r, int rc);

#endif
