/*
 * fixture.h — shared set-up of the libpyembed C API tests: a scratch
 * directory and a blob built at test time by pyembed-pack from the
 * integration fixtures (tests/integration/fixtures/app).
 *
 * Each test executable is started by meson as
 *   test_x PYEMBED_PACK FIXTURE_APP_DIR STDLIB_DIR DYNLOAD_DIR
 */
#ifndef PYEMBED_TEST_FIXTURE_H
#define PYEMBED_TEST_FIXTURE_H

#include <stddef.h>

/* Creates a scratch directory under $TMPDIR (or /tmp) and builds
 * "<dir>/app.blob" with `pyembed-pack blob`, packing the fixture app plus
 * the extra --include modules in includes (NULL-terminated). Returns 0 or
 * prints why and returns -1. */
int fixture_setup(int argc, char **argv, const char *const *includes);
/* fixture_setup with the further pyembed-pack arguments extra
 * (NULL-terminated, e.g. a second --module-path, --compress all). */
int fixture_setup_with(int argc, char **argv, const char *const *includes,
                       const char *const *extra);
/* Removes the scratch directory and everything in it. */
void fixture_teardown(void);
/* Path of the blob file and of the scratch directory (valid after setup). */
const char *fixture_blob(void);
const char *fixture_dir(void);
/* 1 when a line of /proc/self/maps contains needle (and, if needle2 is not
 * NULL, needle2 as well). */
int fixture_maps_contain(const char *needle, const char *needle2);

#endif
