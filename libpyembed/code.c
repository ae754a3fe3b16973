/*
 * code.c — code objects for packed modules: the one compiled into the
 * program when the static code table has it (pyembed-pack --freeze), else
 * the BYTECODE field for the interpreter's optimisation level,
 * unmarshalled straight from the mapping when the blob's bytecode magic
 * is this interpreter's, else the SOURCE field compiled (docs/runtime.md
 * §3). Bytecode with a foreign magic is never run.
 */
#include "importer_int.h"

#include <stdio.h>
#include <stdlib.h>

/* Decides whether packed bytecode can run here (pyc magic must match):
 * sets f->bytecode_ok and f->magic_msg. Called at first use: the magic
 * lives in _frozen_importlib_external, which exists only from the main
 * phase of initialisation on. */
static void check_magic(Finder *f)
{
    long ours = PyImport_GetMagicNumber();
    if (ours == -1)
        PyErr_Clear();
    f->bytecode_ok = ours != -1 && f->blob_magic == ours;
    if (f->blob_magic < 0)
        snprintf(f->magic_msg, sizeof f->magic_msg,
                 "the blob does not record its bytecode's Python magic number");
    else
        snprintf(f->magic_msg, sizeof f->magic_msg,
                 "bytecode was compiled for Python magic %ld, this interpreter "
                 "expects %ld", f->blob_magic, ours);
}

/* Raises the ImportError for module res that has no usable bytecode
 * (why) and no source; returns NULL. */
static PyObject *no_source(const packrs_resource *res, const char *why)
{
    PyObject *msg = PyUnicode_FromFormat("pyembed: cannot load packed module "
                                         "'%s': %s and no source was packed",
                                         res->name, why);
    PyObject *nm = PyUnicode_FromString(res->name);
    if (msg && nm)
        PyErr_SetImportError(msg, nm, Py_None);
    Py_XDECREF(msg);
    Py_XDECREF(nm);
    return NULL;
}

/* Compiles the SOURCE field of res (fallback when bytecode is unusable);
 * origin (a str: namespace packages never get here) names the file. */
static PyObject *compile_source(Finder *f, const packrs_resource *res, PyObject *origin,
                                const char *why)
{
    packrs_field src;
    PyObject *bytes, *code;
    int has = pyembed__get_field(f, res, PACKRS_FIELD_SOURCE, &src);
    if (has <= 0)
        return has == 0 ? no_source(res, why) : NULL;
    if (!(bytes = pyembed__field_bytes(f, res->name, &src)))
        return NULL;
    code = Py_CompileStringObject(PyBytes_AS_STRING(bytes), origin, Py_file_input,
                                  NULL, f->optimize);
    Py_DECREF(bytes);
    return code;
}

/* Checks that code (a new reference or NULL) made from what of res is a
 * code object and sets its co_filename to origin (unless None); code or
 * NULL with an exception. */
static PyObject *module_code(Finder *f, const packrs_resource *res, PyObject *code,
                             PyObject *origin, const char *what)
{
    PyObject *fixed;
    if (!code)
        return NULL;
    if (!PyCode_Check(code)) {
        Py_DECREF(code);
        return PyErr_Format(PyExc_ImportError, "pyembed: %s of '%s' is not "
                            "a code object", what, res->name);
    }
    if (origin == Py_None)
        return code;
    fixed = PyObject_CallFunctionObjArgs(f->fix_co_filename, code, origin, NULL);
    if (!fixed)
        Py_CLEAR(code);
    Py_XDECREF(fixed);
    return code;
}

/* Unmarshals bytecode field bc of res in place from the mapping and sets
 * its co_filename to origin (unless None). The code object owns copies of
 * everything, so the mapped pages are released right after (packrs.h:
 * packrs_field_release): a packed module's bytecode then stays resident no
 * longer than the .pyc that python reads into a buffer. */
static PyObject *load_bytecode(Finder *f, const packrs_resource *res,
                               const packrs_field *bc, PyObject *origin)
{
    const void *p;
    size_t n;
    void *owned;
    PyObject *code;
    int rc = packrs_field_read(f->reader, bc, &p, &n, &owned);
    if (rc)
        return pyembed__import_error(f, res->name, rc);
    code = PyMarshal_ReadObjectFromString(p, (Py_ssize_t)n);
    free(owned);
    packrs_field_release(f->reader, bc); /* a hint; it cannot fail for bc */
    return module_code(f, res, code, origin, "bytecode");
}

/* The code object compiled into the program for res (staticcode.c), its
 * co_filename set to origin. */
static PyObject *load_static(Finder *f, const packrs_resource *res,
                             const pyembed_static_code *sc, PyObject *origin)
{
    return module_code(f, res, (PyObject *)sc->get_code(), origin, "static code");
}

/* Bytecode of another optimisation level when res has neither that of
 * f->optimize nor a source (a python command line's -O in a blob packed
 * at level 0): 1 found, 0 none, -1 error. */
static int other_level(Finder *f, const packrs_resource *res, packrs_field *bc)
{
    packrs_field src;
    int has = pyembed__get_field(f, res, PACKRS_FIELD_SOURCE, &src);
    if (has != 0)
        return has < 0 ? -1 : 0; /* the source is compiled instead */
    for (int level = 0; level <= 2; level++)
        if (level != f->optimize &&
            (has = pyembed__get_field(f, res, PACKRS_FIELD_BYTECODE + level, bc)) != 0)
            return has;
    return 0;
}

PyObject *pyembed__code_for(Finder *f, const packrs_resource *res, PyObject *origin)
{
    packrs_field bc;
    int has;
    const pyembed_static_code *sc = pyembed__static_code(res->name, f->optimize);
    if (sc) /* compiled into this program, against this very libpython */
        return load_static(f, res, sc, origin);
    if (f->bytecode_ok < 0)
        check_magic(f);
    has = pyembed__get_field(f, res, PACKRS_FIELD_BYTECODE + f->optimize, &bc);
    if (has == 0 && f->bytecode_ok)
        has = other_level(f, res, &bc);
    if (has < 0)
        return NULL;
    if (has && f->bytecode_ok)
        return load_bytecode(f, res, &bc, origin);
    return compile_source(f, res, origin, has ? f->magic_msg :
                          "no bytecode for this optimization level");
}

PyObject *pyembed__get_code_res(Finder *f, const packrs_resource *res)
{
    PyObject *origin, *code;
    if (res->kind & PACKRS_KIND_NAMESPACE)
        return Py_CompileString("", "<string>", Py_file_input);
    if (!(origin = pyembed__origin(f, res)))
        return NULL;
    code = pyembed__code_for(f, res, origin);
    Py_DECREF(origin);
    return code;
}
