/*
 * distmod.c — the distribution functions of "_pyembed_pack": archives
 * (driver/dist/archive.c), downloads (driver/dist/fetch.c) and pack-time
 * linking (driver/link/link.c) for the Python side of `dist build`,
 * `dist fetch` and `build --distribution`. Failures
 * raise OSError with the C side's one-line message.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>

#include "dist_int.h"
#include "link_int.h"
#include "pack_int.h"

/* archive_create(out, root, prefix, mtime, level) */
static PyObject *archive_create(PyObject *mod, PyObject *args)
{
    const char *out, *root, *prefix;
    long long mtime;
    int level, rc;
    char err[1024];
    (void)mod;
    if (!PyArg_ParseTuple(args, "sssLi", &out, &root, &prefix, &mtime, &level))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = dist_archive_create(out, root, prefix, (int64_t)mtime, level, err, sizeof err);
    Py_END_ALLOW_THREADS
    if (rc)
        return PyErr_Format(PyExc_OSError, "%s", err);
    Py_RETURN_NONE;
}

/* archive_extract(path, dest, max_total, max_entry, max_entries) */
static PyObject *archive_extract(PyObject *mod, PyObject *args)
{
    const char *path, *dest;
    unsigned long long total, entry, entries;
    dist_limits lim;
    int rc;
    char err[1024];
    (void)mod;
    if (!PyArg_ParseTuple(args, "ssKKK", &path, &dest, &total, &entry, &entries))
        return NULL;
    lim.max_total = total;
    lim.max_entry = entry;
    lim.max_entries = entries;
    Py_BEGIN_ALLOW_THREADS
    rc = dist_archive_extract(path, dest, &lim, err, sizeof err);
    Py_END_ALLOW_THREADS
    if (rc)
        return PyErr_Format(PyExc_OSError, "%s", err);
    Py_RETURN_NONE;
}

/* archive_read_member(path, name, limit) -> bytes */
static PyObject *archive_read_member(PyObject *mod, PyObject *args)
{
    const char *path, *name;
    Py_ssize_t limit;
    char err[1024], *data = NULL;
    size_t len = 0;
    int rc;
    PyObject *b;
    (void)mod;
    if (!PyArg_ParseTuple(args, "ssn", &path, &name, &limit))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = dist_archive_read_member(path, name, (size_t)limit, &data, &len, err, sizeof err);
    Py_END_ALLOW_THREADS
    if (rc)
        return PyErr_Format(PyExc_OSError, "%s", err);
    b = PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
    free(data);
    return b;
}

/* fetch(url, dest, progress, connect_timeout, low_speed_time, retries,
 *       backoff_ms) -> (sha256 hex, size) */
static PyObject *fetch(PyObject *mod, PyObject *args)
{
    dist_fetch_options o;
    char err[1024], sha[65] = "";
    uint64_t size = 0;
    int rc;
    (void)mod;
    dist_fetch_options_init(&o);
    if (!PyArg_ParseTuple(args, "ssp|llil", &o.url, &o.dest, &o.progress, &o.connect_timeout,
                          &o.low_speed_time, &o.retries, &o.backoff_ms))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = dist_fetch(&o, sha, &size, err, sizeof err);
    Py_END_ALLOW_THREADS
    if (rc)
        return PyErr_Format(PyExc_OSError, "%s", err);
    return Py_BuildValue("(sK)", sha, (unsigned long long)size);
}

/* NULL-terminated array of the UTF-8 strings in sequence seq (borrowed
 * from its str items, which the caller keeps alive); NULL on error. */
static const char **str_array(PyObject *seq, const char *what)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    const char **v = calloc((size_t)n + 1, sizeof *v);
    if (!v)
        return (const char **)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(item) || !(v[i] = PyUnicode_AsUTF8(item))) {
            free(v);
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%s must hold str", what);
            return NULL;
        }
    }
    return v;
}

/* The link_compile array for [(source, object, [extra cflags]), ...]. */
static link_compile *compile_array(PyObject *seq, PyObject **keep)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    link_compile *c = calloc((size_t)n + 1, sizeof *c);
    if (!c || !(*keep = PyList_New(0)))
        return free(c), (link_compile *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(seq, i), *extra;
        int ok = PyArg_ParseTuple(t, "ssO", &c[i].source, &c[i].object, &extra) &&
                 (extra = PySequence_Fast(extra, "extra cflags must be a sequence"));
        if (ok) {
            ok = PyList_Append(*keep, extra) == 0; /* keeps it (and its str) alive */
            Py_DECREF(extra);
        }
        if (!ok || !(c[i].extra_cflags = str_array(extra, "extra cflags"))) {
            for (Py_ssize_t k = 0; k < i; k++)
                free((void *)c[k].extra_cflags);
            free(c);
            return NULL;
        }
    }
    return c;
}

/* link(cc, cflags, compiles, inputs, ldflags, output, log_path, jobs) */
static PyObject *link_driver(PyObject *mod, PyObject *args)
{
    PyObject *cflags, *compiles, *inputs, *ldflags, *keep = NULL, *r = NULL;
    PyObject *fc = NULL, *fp = NULL, *fi = NULL, *fl = NULL;
    link_plan p = {0};
    char err[1024];
    int rc;
    (void)mod;
    if (!PyArg_ParseTuple(args, "sOOOOssi", &p.cc, &cflags, &compiles, &inputs, &ldflags,
                          &p.output, &p.log_path, &p.jobs))
        return NULL;
    if ((fc = PySequence_Fast(cflags, "cflags")) && (fp = PySequence_Fast(compiles, "compiles")) &&
        (fi = PySequence_Fast(inputs, "inputs")) && (fl = PySequence_Fast(ldflags, "ldflags")) &&
        (p.cflags = str_array(fc, "cflags")) && (p.inputs = str_array(fi, "inputs")) &&
        (p.ldflags = str_array(fl, "ldflags")) &&
        (p.compiles = compile_array(fp, &keep))) {
        p.ncompiles = (size_t)PySequence_Fast_GET_SIZE(fp);
        Py_BEGIN_ALLOW_THREADS
        rc = link_run(&p, err, sizeof err);
        Py_END_ALLOW_THREADS
        r = rc ? PyErr_Format(PyExc_OSError, "%s", err) : Py_NewRef(Py_None);
    }
    for (size_t i = 0; p.compiles && i < p.ncompiles; i++)
        free((void *)p.compiles[i].extra_cflags);
    free((void *)p.compiles);
    free((void *)p.cflags);
    free((void *)p.inputs);
    free((void *)p.ldflags);
    Py_XDECREF(keep);
    Py_XDECREF(fc);
    Py_XDECREF(fp);
    Py_XDECREF(fi);
    Py_XDECREF(fl);
    return r;
}

PyMethodDef pack__dist_methods[] = {
    {"archive_create", archive_create, METH_VARARGS,
     "Write a deterministic tar archive of a directory tree."},
    {"archive_extract", archive_extract, METH_VARARGS,
     "Extract an untrusted tar archive into an empty directory."},
    {"archive_read_member", archive_read_member, METH_VARARGS,
     "Read one file member of a tar archive."},
    {"link", link_driver, METH_VARARGS, "Compile and link a driver (driver/link/link.c)."},
    {"fetch", fetch, METH_VARARGS,
     "Download a URL into a file, hashing it (driver/dist/fetch.c)."},
    {NULL, NULL, 0, NULL}};
