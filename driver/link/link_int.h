/* link_int.h — compiling and linking a driver at pack time (private).
 *
 * pyembed-pack links a driver against a distribution's objects: it
 * compiles the runtime's C sources (libpyembed, libpackrs, the driver and
 * a generated inittab) against the distribution's headers, then links
 * them with the distribution's core and extension objects and static
 * libraries, all with the host's C compiler. The pack tool's Python side
 * decides what (the plan); this file runs the compiler and the linker. */
#ifndef PYEMBED_LINK_INT_H
#define PYEMBED_LINK_INT_H

#include <stddef.h>

/* One compilation: source -> object (skipped when object exists), with
 * the plan's cflags plus extra_cflags (NULL-terminated, may be NULL). */
typedef struct link_compile {
    const char *source;
    const char *object;
    const char *const *extra_cflags;
} link_compile;

typedef struct link_plan {
    const char *cc;               /* compiler driver, e.g. "cc" */
    const char *const *cflags;    /* NULL-terminated */
    const link_compile *compiles; /* ncompiles entries */
    size_t ncompiles;
    const char *const *inputs;    /* objects and archives to link, in order,
                                     NULL-terminated */
    const char *const *ldflags;   /* after the inputs, NULL-terminated */
    const char *output;           /* the linked executable (written via
                                     output.tmp-PID, renamed when linked) */
    const char *log_path;         /* compiler and linker output go here */
    int jobs;                     /* parallel compilations (>= 1) */
} link_plan;

/* Runs the plan: compiles what is missing (up to jobs at a time), then
 * links. 0 on success; -1 with a one-line message (naming the failed
 * command and the log) in err[errlen]. */
int link_run(const link_plan *plan, char *err, size_t errlen);

#endif
