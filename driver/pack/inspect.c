/*
 * inspect.c — over libpackrs: `pyembed-pack verify FILE` (pure C, no
 * interpreter), and the rows `pyembed-pack inspect` shows
 * (_pyembed_pack.inspect_rows; pyembed_pack/inspect.py adds what the
 * executable needs from the system, read with its ELF reader).
 */
#include "pack_int.h"
#include "packrs.h"

#include <stdio.h>
#include <string.h>

/* Opens FILE as an executable with an embedded blob, else as a blob. */
static int open_any(const char *path, packrs_reader **r)
{
    int rc = packrs_reader_open_exe(r, path);
    if (rc == PACKRS_ENOBLOB) {
        packrs_reader_free(*r);
        rc = packrs_reader_open_file(r, path);
    }
    return rc;
}

/* Comma-separated names of the kind bits, into buf. */
static const char *kind_names(uint32_t kind, char *buf, size_t n)
{
    static const char *names[] = {"module", "package", "namespace", "extension",
                                  "data", "dist-info", "shared-lib"};
    buf[0] = 0;
    for (unsigned i = 0; i < 7; i++)
        if (kind & (1u << i)) {
            if (buf[0])
                strncat(buf, ",", n - strlen(buf) - 1);
            strncat(buf, names[i], n - strlen(buf) - 1);
        }
    if (!buf[0])
        snprintf(buf, n, "meta");
    return buf;
}

/* (name, kinds, fields, stored, size, location) of one resource, as a
 * new tuple; NULL with an exception set. */
static PyObject *row(packrs_reader *r, const packrs_resource *res)
{
    size_t stored = 0, plain = 0;
    const char *where = "memory";
    char kinds[96];
    packrs_field f;
    for (uint32_t i = 0; i < res->field_count; i++) {
        int rc = packrs_resource_field_at(r, res, i, &f);
        if (rc)
            return PyErr_Format(PyExc_OSError, "%s", packrs_reader_errmsg(r));
        stored += f.size;
        plain += f.uncompressed_size;
        if (f.type == PACKRS_FIELD_FS_PATH)
            where = "filesystem-relative";
    }
    kind_names(res->kind, kinds, sizeof kinds);
    return Py_BuildValue("(s#sInns)", res->name, (Py_ssize_t)res->name_len, kinds,
                         res->field_count, (Py_ssize_t)stored, (Py_ssize_t)plain, where);
}

/* The METADATA text of "@pyembed" as bytes, or None when absent. */
static PyObject *metadata(packrs_reader *r)
{
    packrs_resource res;
    packrs_field fld;
    const void *p;
    size_t n;
    void *owned;
    PyObject *b;
    if (packrs_reader_find(r, "@pyembed", 8, &res) ||
        packrs_resource_field(r, &res, PACKRS_FIELD_METADATA, NULL, &fld))
        Py_RETURN_NONE;
    if (packrs_field_read(r, &fld, &p, &n, &owned))
        return PyErr_Format(PyExc_OSError, "%s", packrs_reader_errmsg(r));
    b = PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
    packrs_free(owned);
    return b;
}

/* inspect_rows(path) -> (metadata bytes or None, [row, ...]) */
PyObject *pack_inspect_rows(PyObject *mod, PyObject *arg)
{
    packrs_reader *r = NULL;
    PyObject *rows = NULL, *meta = NULL, *out = NULL;
    const char *path = PyUnicode_Check(arg) ? PyUnicode_AsUTF8(arg) : NULL;
    int rc;
    (void)mod;
    if (!path)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_TypeError, "path must be str");
    if ((rc = open_any(path, &r)) != 0)
        PyErr_Format(PyExc_OSError, "%s", r ? packrs_reader_errmsg(r) : packrs_strerror(rc));
    else if ((rows = PyList_New(0)) && (meta = metadata(r))) {
        size_t i;
        for (i = 0; i < packrs_reader_count(r); i++) {
            packrs_resource res;
            PyObject *t;
            if ((rc = packrs_reader_get(r, i, &res))) {
                PyErr_Format(PyExc_OSError, "%s", packrs_reader_errmsg(r));
                break;
            }
            if (!(t = row(r, &res)) || PyList_Append(rows, t) < 0) {
                Py_XDECREF(t);
                break;
            }
            Py_DECREF(t);
        }
        if (i == packrs_reader_count(r))
            out = PyTuple_Pack(2, meta, rows);
    }
    Py_XDECREF(rows);
    Py_XDECREF(meta);
    packrs_reader_free(r);
    return out;
}

int pack_verify(int argc, char **argv)
{
    packrs_reader *r = NULL;
    int rc;
    if (argc != 3) {
        fprintf(stderr, "usage: pyembed-pack verify FILE\n");
        return 2;
    }
    if ((rc = open_any(argv[2], &r)) != 0)
        fprintf(stderr, "pyembed-pack: %s\n", r ? packrs_reader_errmsg(r) : packrs_strerror(rc));
    else if ((rc = packrs_reader_verify(r)))
        fprintf(stderr, "pyembed-pack: %s: %s\n", argv[2], packrs_reader_errmsg(r));
    else if (rc == 0)
        printf("%s: ok (%zu resources)\n", argv[2], packrs_reader_count(r));
    packrs_reader_free(r);
    return rc ? 1 : 0;
}
