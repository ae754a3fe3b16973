/*
 * packmod.c — built-in module "_pyembed_pack": libpackrs's writer and
 * executable embedding for the packer (driver/pack/pyembed_pack/), and the
 * paths meson computed for the target Python (its stdlib, lib-dynload,
 * python, libpython and platform: pyembed_pack/target.py).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "packrs.h"
#include "pack_int.h"

typedef struct {
    PyObject_HEAD
    packrs_writer *w;
} Writer;

/* Raises ValueError with the writer's message for packrs code rc. */
static PyObject *writer_error(Writer *self, int rc)
{
    return PyErr_Format(rc == PACKRS_ENOMEM ? PyExc_MemoryError : PyExc_ValueError,
                        "%s (%s)", packrs_writer_errmsg(self->w), packrs_strerror(rc));
}

static PyObject *writer_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    Writer *self = (Writer *)type->tp_alloc(type, 0);
    (void)args;
    (void)kw;
    if (self && packrs_writer_create(&self->w)) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static void writer_dealloc(Writer *self)
{
    packrs_writer_free(self->w);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* add_resource(name, kind) */
static PyObject *writer_add_resource(Writer *self, PyObject *args)
{
    const char *name;
    unsigned int kind;
    int rc;
    if (!PyArg_ParseTuple(args, "sI", &name, &kind))
        return NULL;
    if ((rc = packrs_writer_add_resource(self->w, name, kind)))
        return writer_error(self, rc);
    Py_RETURN_NONE;
}

/* add_kind(name, kind) */
static PyObject *writer_add_kind(Writer *self, PyObject *args)
{
    const char *name;
    unsigned int kind;
    int rc;
    if (!PyArg_ParseTuple(args, "sI", &name, &kind))
        return NULL;
    if ((rc = packrs_writer_add_kind(self->w, name, kind)))
        return writer_error(self, rc);
    Py_RETURN_NONE;
}

/* add_field(resource, type, key_or_None, data: bytes, codec: int): codec 0
 * stores the bytes, CODEC_ZLIB/CODEC_ZSTD (True is zlib) compresses them
 * when that is smaller. */
static PyObject *writer_add_field(Writer *self, PyObject *args)
{
    const char *name, *key;
    int type, compress, rc;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "sizy*i", &name, &type, &key, &data, &compress))
        return NULL;
    rc = packrs_writer_add_field(self->w, name, type, key, data.buf, (size_t)data.len,
                                 (unsigned)compress);
    PyBuffer_Release(&data);
    if (rc)
        return writer_error(self, rc);
    Py_RETURN_NONE;
}

/* finish() -> bytes */
static PyObject *writer_finish(Writer *self, PyObject *noargs)
{
    void *blob;
    size_t len;
    PyObject *b;
    int rc;
    (void)noargs;
    if ((rc = packrs_writer_finish_buffer(self->w, &blob, &len)))
        return writer_error(self, rc);
    b = PyBytes_FromStringAndSize(blob, (Py_ssize_t)len);
    free(blob);
    return b;
}

static PyMethodDef writer_methods[] = {
    {"add_resource", (PyCFunction)writer_add_resource, METH_VARARGS, NULL},
    {"add_kind", (PyCFunction)writer_add_kind, METH_VARARGS, NULL},
    {"add_field", (PyCFunction)writer_add_field, METH_VARARGS, NULL},
    {"finish", (PyCFunction)writer_finish, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}};

static PyTypeObject WriterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_pyembed_pack.Writer",
    .tp_basicsize = sizeof(Writer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = writer_new,
    .tp_dealloc = (destructor)writer_dealloc,
    .tp_methods = writer_methods,
};

/* embed(driver_path, blob: bytes, out_path) */
static PyObject *pack_embed(PyObject *mod, PyObject *args)
{
    const char *driver, *out;
    Py_buffer blob;
    char err[512];
    int rc;
    (void)mod;
    if (!PyArg_ParseTuple(args, "sy*s", &driver, &blob, &out))
        return NULL;
    rc = packrs_embed(driver, blob.buf, (size_t)blob.len, out, err, sizeof err);
    PyBuffer_Release(&blob);
    if (rc)
        return PyErr_Format(PyExc_OSError, "%s", err);
    Py_RETURN_NONE;
}

static PyMethodDef pack_functions[] = {
    {"embed", pack_embed, METH_VARARGS, "Copy a driver with a blob embedded."},
    {"inspect_rows", pack_inspect_rows, METH_O,
     "(@pyembed metadata, resource rows) of a blob or packed executable."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef pack_module = {
    PyModuleDef_HEAD_INIT, "_pyembed_pack", "libpackrs for pyembed-pack.", -1,
    pack_functions, NULL, NULL, NULL, NULL};

/* Adds the integer constants the Python side names kinds and fields by. */
static int add_constants(PyObject *m)
{
    static const struct { const char *n; long v; } c[] = {
        {"KIND_MODULE", PACKRS_KIND_MODULE}, {"KIND_PACKAGE", PACKRS_KIND_PACKAGE},
        {"KIND_NAMESPACE", PACKRS_KIND_NAMESPACE}, {"KIND_EXTENSION", PACKRS_KIND_EXTENSION},
        {"KIND_DATA", PACKRS_KIND_DATA}, {"KIND_DISTINFO", PACKRS_KIND_DISTINFO},
        {"KIND_SHARED_LIB", PACKRS_KIND_SHARED_LIB},
        {"FIELD_SOURCE", PACKRS_FIELD_SOURCE}, {"FIELD_BYTECODE", PACKRS_FIELD_BYTECODE},
        {"FIELD_EXTENSION", PACKRS_FIELD_EXTENSION}, {"FIELD_DATA_FILE", PACKRS_FIELD_DATA_FILE},
        {"FIELD_DISTINFO_FILE", PACKRS_FIELD_DISTINFO_FILE}, {"FIELD_FS_PATH", PACKRS_FIELD_FS_PATH},
        {"FIELD_SHARED_LIB", PACKRS_FIELD_SHARED_LIB}, {"FIELD_METADATA", PACKRS_FIELD_METADATA},
        {"CODEC_ZLIB", PACKRS_FIELD_ZLIB}, {"CODEC_ZSTD", PACKRS_FIELD_ZSTD}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (PyModule_AddIntConstant(m, c[i].n, c[i].v))
            return -1;
    return 0;
}

PyObject *pack_module_init(void)
{
    PyObject *m;
    if (PyType_Ready(&WriterType) < 0 || !(m = PyModule_Create(&pack_module)))
        return NULL;
    if (PyModule_AddObjectRef(m, "Writer", (PyObject *)&WriterType) || add_constants(m) ||
        PyModule_AddStringConstant(m, "STDLIB_DIR", PYEMBED_STDLIB_DIR) ||
        PyModule_AddStringConstant(m, "DYNLOAD_DIR", PYEMBED_DYNLOAD_DIR) ||
        PyModule_AddStringConstant(m, "PYTHON", PYEMBED_PYTHON) ||
        PyModule_AddStringConstant(m, "LIBPYTHON", PYEMBED_LIBPYTHON) ||
        PyModule_AddStringConstant(m, "PLATFORM", PYEMBED_PLATFORM) ||
        PyModule_AddStringConstant(m, "DRIVER_INSTALLED", PYEMBED_DRIVER_INSTALLED) ||
        PyModule_AddStringConstant(m, "DRIVER_LDFLAGS", PYEMBED_DRIVER_LDFLAGS) ||
        PyModule_AddStringConstant(m, "RUNTIME_MANIFEST_INSTALLED",
                                   PYEMBED_RUNTIME_MANIFEST_INSTALLED) ||
        PyModule_AddFunctions(m, pack__dist_methods)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
