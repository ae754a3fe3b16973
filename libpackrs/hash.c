/* hash.c — the name hash of §3, one definition for reader and writer (a
 * bottom file: both call it, it calls only xxHash). */
#define XXH_STATIC_LINKING_ONLY
#include "format_int.h"

#include <xxhash.h>

uint64_t packrs__hash_name(const char *name, size_t len)
{
    return XXH3_64bits(name, len);
}
