/* pack_int.h — pyembed-pack's C parts (private). */
#ifndef PYEMBED_PACK_INT_H
#define PYEMBED_PACK_INT_H

#include <Python.h>
#include <stddef.h>

/* packmod.c: init function of the built-in module "_pyembed_pack". */
PyObject *pack_module_init(void);
/* inspect.c: `pyembed-pack inspect FILE [--json]` and `verify FILE`. */
int pack_inspect(int argc, char **argv);
int pack_verify(int argc, char **argv);

#endif
