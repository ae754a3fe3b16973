/*
 * reseal.h — recomputing the checksums of a patched blob (test helper).
 *
 * A test that patches one field of a blob wants the reader to reject that
 * field, not the checksum that covers it; the fuzzer wants its mutations
 * to reach the checks behind the checksums. Both reseal the bytes first.
 * The input is hostile: anything out of bounds is left as it is.
 */
#ifndef PACKRS_TEST_RESEAL_H
#define PACKRS_TEST_RESEAL_H

#include <stddef.h>

/* Rewrites the header checksum (§2.9) of the len bytes at b. */
void reseal_header(unsigned char *b, size_t len);
/* Rewrites every field data checksum (§6.2) and entry checksum (§4.4)
 * that lies inside the blob. Does not touch the header checksum. */
void reseal_entries(unsigned char *b, size_t len);
/* reseal_entries() then reseal_header(). */
void reseal_all(unsigned char *b, size_t len);

#endif
