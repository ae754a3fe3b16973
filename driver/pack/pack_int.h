/* pack_int.h — pyembed-pack's C parts (private). */
#ifndef PYEMBED_PACK_INT_H
#define PYEMBED_PACK_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

/* Size of the path buffers of pack_main.c and pkgdir.c. */
#define PACK_PATH_MAX 4096

/* packmod.c: init function of the built-in module "_pyembed_pack". */
PyObject *pack_module_init(void);
/* distmod.c: the archive and link functions of "_pyembed_pack". */
extern PyMethodDef pack__dist_methods[];
/* inspect.c: `pyembed-pack verify FILE`, and _pyembed_pack.inspect_rows
 * for `pyembed-pack inspect` (pyembed_pack/inspect.py). */
int pack_verify(int argc, char **argv);
PyObject *pack_inspect_rows(PyObject *mod, PyObject *arg);
/* pkgdir.c: writes to out (n bytes) the directory that holds the packer's
 * Python package pyembed_pack/ (build tree first, then the installed
 * one); -1 when neither has it (out then names the installed one). */
int pack_python_dir(char *out, size_t n);

#endif
