/* misc.c — library-wide facts: error strings, version, field type names,
 * and the deallocator of what libpackrs hands out. */
#include "packrs.h"

#include <stdlib.h>

void packrs_free(void *p)
{
    free(p); /* the allocator of packrs_writer_finish_buffer, packrs_field_read */
}

const char *packrs_strerror(int code)
{
    switch (code) {
    case PACKRS_OK: return "ok";
    case PACKRS_ENOMEM: return "out of memory";
    case PACKRS_EINVAL: return "invalid argument";
    case PACKRS_EIO: return "I/O error";
    case PACKRS_ECORRUPT: return "corrupt blob";
    case PACKRS_ECHECKSUM: return "checksum mismatch";
    case PACKRS_ENOTFOUND: return "not found";
    case PACKRS_EDUPLICATE: return "duplicate name";
    case PACKRS_EVERSION: return "unsupported format version";
    case PACKRS_ENOBLOB: return "no embedded blob";
    case PACKRS_EZLIB: return "compression error";
    case PACKRS_ELIMIT: return "format limit exceeded";
    default: return "unknown error";
    }
}

int packrs_version_number(void)
{
    return PACKRS_VERSION_NUMBER;
}

const char *packrs_field_type_name(int type)
{
    static const char *const names[] = {
        "?", "source", "bytecode", "bytecode-opt1", "bytecode-opt2",
        "extension", "data-file", "distinfo-file", "fs-path", "shared-lib",
        "metadata"};
    if (type < 1 || type > PACKRS_FIELD_TYPE_MAX)
        return "?";
    return names[type];
}
