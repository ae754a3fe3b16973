/*
 * pathentry.c — what pkgutil and loader.get_data see of packed packages:
 * listing children, the path-entry finder for "<exe>" (sys.path's
 * virtual first entry: the top-level modules) and "<exe>/pkg" directories
 * (sys.path_hooks), and get_data() for data files under virtual paths.
 */
#include "importer_int.h"

#include <errno.h>
#include <string.h>

/* First entry index whose name is >= key (entries are sorted, §4.7). */
static int lower_bound(Finder *f, const char *key, size_t n, size_t *out)
{
    size_t lo = 0, hi = packrs_reader_count(f->reader);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        packrs_resource r;
        int rc = packrs_reader_get(f->reader, mid, &r), c;
        if (rc)
            return rc;
        c = memcmp(r.name, key, r.name_len < n ? r.name_len : n);
        if (c < 0 || (c == 0 && r.name_len < n))
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return PACKRS_OK;
}

/* Appends (prefix+name, ispkg) to list. */
static int add_child(PyObject *list, PyObject *prefix, const char *name,
                     size_t len, int ispkg)
{
    PyObject *n = PyUnicode_FromStringAndSize(name, (Py_ssize_t)len), *t;
    int rc;
    if (!n)
        return -1;
    if (prefix)
        Py_SETREF(n, PyUnicode_Concat(prefix, n));
    t = n ? Py_BuildValue("(OO)", n, ispkg ? Py_True : Py_False) : NULL;
    Py_XDECREF(n);
    rc = t ? PyList_Append(list, t) : -1;
    Py_XDECREF(t);
    return rc;
}

PyObject *pyembed__list_children(Finder *f, const char *pkg, size_t pkg_len,
                                 PyObject *prefix)
{
    char key[PACKRS_MAX_KEY];
    size_t klen = 0, i, n = packrs_reader_count(f->reader);
    PyObject *list = PyList_New(0);
    int rc;
    if (!list)
        return NULL;
    if (pkg) {
        if (pkg_len + 2 > sizeof key)
            return list;
        memcpy(key, pkg, pkg_len);
        key[pkg_len] = '.';
        klen = pkg_len + 1;
    }
    if ((rc = lower_bound(f, key, klen, &i)))
        return Py_DECREF(list), pyembed__import_error(f, pkg ? pkg : "", rc);
    for (; i < n; i++) {
        packrs_resource r;
        const char *rest;
        if ((rc = packrs_reader_get(f->reader, i, &r)))
            return Py_DECREF(list), pyembed__import_error(f, pkg ? pkg : "", rc);
        if (r.name_len <= klen || memcmp(r.name, key, klen))
            break;
        rest = r.name + klen;
        /* Namespace packages are left out, as python's pkgutil leaves out
         * directories without __init__.py. */
        if (memchr(rest, '.', r.name_len - klen) || rest[0] == '@' ||
            !(r.kind & (PACKRS_KIND_MODULE | PACKRS_KIND_PACKAGE | PACKRS_KIND_EXTENSION)))
            continue;
        if (add_child(list, prefix, rest, r.name_len - klen,
                      (r.kind & PACKRS_KIND_PACKAGE) != 0))
            return Py_DECREF(list), NULL;
    }
    return list;
}

/* Part of path after "<prefix>/", or NULL if path is not under prefix. */
static const char *under_prefix(Finder *f, PyObject *path, Py_ssize_t *len)
{
    Py_ssize_t plen, n;
    const char *p = PyUnicode_AsUTF8AndSize(f->prefix, &plen);
    const char *s = PyUnicode_Check(path) ? PyUnicode_AsUTF8AndSize(path, &n) : NULL;
    if (!p || !s) {
        PyErr_Clear();
        return NULL;
    }
    if (n <= plen + 1 || memcmp(s, p, (size_t)plen) || s[plen] != '/')
        return NULL;
    *len = n - plen - 1;
    return s + plen + 1;
}

/* Looks for data file rel ("a/b/c.txt") as DATA_FILE of the deepest
 * package that contains it. 1 found (*out set), 0 absent, -1 error. */
static int find_data(Finder *f, const char *rel, size_t n, PyObject **out)
{
    char name[PACKRS_MAX_KEY];
    if (n >= sizeof name)
        return 0;
    for (size_t cut = n; cut-- > 0;) {
        packrs_resource r;
        packrs_field fld;
        int rc;
        if (rel[cut] != '/')
            continue;
        memcpy(name, rel, cut);
        for (size_t i = 0; i < cut; i++)
            name[i] = name[i] == '/' ? '.' : name[i];
        if (packrs_reader_find(f->reader, name, cut, &r) != PACKRS_OK)
            continue;
        memcpy(name, rel + cut + 1, n - cut - 1);
        name[n - cut - 1] = 0;
        rc = packrs_resource_field(f->reader, &r, PACKRS_FIELD_DATA_FILE, name, &fld);
        if (rc == PACKRS_ENOTFOUND)
            continue;
        if (rc)
            return pyembed__import_error(f, r.name, rc), -1;
        return (*out = pyembed__field_bytes(f, r.name, &fld)) ? 1 : -1;
    }
    return 0;
}

/* Source of module file rel ("a/b.py" or "a/__init__.py"), if packed. */
static int find_source(Finder *f, const char *rel, size_t n, PyObject **out)
{
    char name[PACKRS_MAX_KEY];
    packrs_resource r;
    packrs_field fld;
    size_t len = n - 3;
    if (n < 4 || n >= sizeof name || memcmp(rel + len, ".py", 3))
        return 0;
    if (len > 9 && !memcmp(rel + len - 9, "/__init__", 9))
        len -= 9;
    for (size_t i = 0; i < len; i++)
        name[i] = rel[i] == '/' ? '.' : rel[i];
    if (packrs_reader_find(f->reader, name, len, &r) != PACKRS_OK ||
        packrs_resource_field(f->reader, &r, PACKRS_FIELD_SOURCE, NULL, &fld) != PACKRS_OK)
        return 0;
    return (*out = pyembed__field_bytes(f, r.name, &fld)) ? 1 : -1;
}

/* path with "." and ".." components resolved (posixpath.normpath), as
 * open() would resolve them on a real directory; new reference. */
static PyObject *normalised(PyObject *path)
{
    const char *s = PyUnicode_Check(path) ? PyUnicode_AsUTF8(path) : NULL;
    PyObject *posixpath, *out;
    if (!s) {
        PyErr_Clear();
        return Py_NewRef(path);
    }
    if (!strstr(s, "/./") && !strstr(s, "/../") && !strstr(s, "//"))
        return Py_NewRef(path);
    if (!(posixpath = PyImport_ImportModule("posixpath")))
        return NULL;
    out = PyObject_CallMethod(posixpath, "normpath", "O", path);
    Py_DECREF(posixpath);
    return out;
}

PyObject *pyembed__get_data(Finder *f, PyObject *path)
{
    Py_ssize_t n;
    const char *rel;
    PyObject *out = NULL, *norm = normalised(path);
    int found = 0;
    if (!norm)
        return NULL;
    rel = under_prefix(f, norm, &n);
    if (rel && !(found = find_data(f, rel, (size_t)n, &out)))
        found = find_source(f, rel, (size_t)n, &out);
    Py_DECREF(norm);
    if (found < 0)
        return NULL;
    if (!found) {
        errno = ENOENT;
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
    }
    return out;
}

/* ---- path-entry finder for "<exe>/pkg/dir" ----------------------------- */

typedef struct {
    PyObject_HEAD
    Finder *finder;
    PyObject *package; /* dotted package name (str); NULL: the root */
} PathEntry;

/* A path entry of f for package name[0..n) (NULL: the top level). */
static PyObject *path_entry(Finder *f, const char *name, Py_ssize_t n)
{
    PathEntry *pe = PyObject_New(PathEntry, &pyembed__PathEntryType);
    if (!pe)
        return NULL;
    pe->finder = (Finder *)Py_NewRef((PyObject *)f);
    pe->package = NULL;
    if (name && !(pe->package = PyUnicode_FromStringAndSize(name, n)))
        Py_CLEAR(pe);
    return (PyObject *)pe;
}

PyObject *pyembed__path_entry_new(Finder *f, PyObject *path)
{
    char name[PACKRS_MAX_KEY];
    Py_ssize_t n;
    const char *rel = under_prefix(f, path, &n);
    packrs_resource r;
    int is_root = PyUnicode_Check(path) ? PyUnicode_Compare(path, f->prefix) == 0 : 0;
    if (is_root)
        return path_entry(f, NULL, 0);
    PyErr_Clear();
    if (!rel || (size_t)n >= sizeof name)
        return PyErr_Format(PyExc_ImportError, "not a packed package directory: %R", path);
    for (Py_ssize_t i = 0; i < n; i++)
        name[i] = rel[i] == '/' ? '.' : rel[i];
    if (pyembed__lookup(f, name, n, &r) <= 0 ||
        !(r.kind & (PACKRS_KIND_PACKAGE | PACKRS_KIND_NAMESPACE))) {
        PyErr_Clear();
        return PyErr_Format(PyExc_ImportError, "not a packed package directory: %R", path);
    }
    return path_entry(f, name, n);
}

/* find_spec(fullname, target=None): only direct children of the package
 * (top-level names for the root). */
static PyObject *pe_find_spec(PathEntry *pe, PyObject *args)
{
    PyObject *fullname, *target = Py_None;
    Py_ssize_t plen = -1, n;
    const char *p = "", *s;
    if (!PyArg_ParseTuple(args, "U|O:find_spec", &fullname, &target))
        return NULL;
    if (pe->package && !(p = PyUnicode_AsUTF8AndSize(pe->package, &plen)))
        return NULL;
    if (!(s = PyUnicode_AsUTF8AndSize(fullname, &n)))
        return NULL;
    if (n <= plen + 1 || (plen >= 0 && (memcmp(s, p, (size_t)plen) || s[plen] != '.')) ||
        memchr(s + plen + 1, '.', (size_t)(n - plen - 1)))
        Py_RETURN_NONE;
    return pyembed__find_spec_name(pe->finder, fullname);
}

static PyObject *pe_iter_modules(PathEntry *pe, PyObject *args)
{
    PyObject *prefix = NULL;
    Py_ssize_t n = 0;
    const char *p = NULL;
    if (!PyArg_ParseTuple(args, "|U:iter_modules", &prefix) ||
        (pe->package && !(p = PyUnicode_AsUTF8AndSize(pe->package, &n))))
        return NULL;
    return pyembed__list_children(pe->finder, p, (size_t)n, prefix);
}

/* The finder's virtual directory: the prefix, or "<prefix>/a/b". */
static PyObject *pe_get_path(PathEntry *pe, void *closure)
{
    PyObject *rel, *out;
    (void)closure;
    if (!pe->package)
        return Py_NewRef(pe->finder->prefix);
    if (!(rel = PyObject_CallMethod(pe->package, "replace", "ss", ".", "/")))
        return NULL;
    out = PyUnicode_FromFormat("%U/%U", pe->finder->prefix, rel);
    Py_DECREF(rel);
    return out;
}

static PyObject *pe_get_loader(PathEntry *pe, void *closure)
{
    (void)closure;
    return Py_NewRef((PyObject *)pe->finder);
}

static PyObject *pe_repr(PathEntry *pe)
{
    PyObject *path = pe_get_path(pe, NULL), *r;
    if (!path)
        return NULL;
    r = PyUnicode_FromFormat("<pyembed.PackedPathEntry %U>", path);
    Py_DECREF(path);
    return r;
}

static PyObject *pe_invalidate_caches(PathEntry *pe, PyObject *noargs)
{
    (void)pe;
    (void)noargs;
    Py_RETURN_NONE;
}

static void pe_dealloc(PathEntry *pe)
{
    Py_XDECREF(pe->finder);
    Py_XDECREF(pe->package);
    PyObject_Free(pe);
}

static PyGetSetDef pe_getset[] = {
    {"path", (getter)pe_get_path, NULL, "the virtual directory this finder serves", NULL},
    {"loader", (getter)pe_get_loader, NULL, "the packed importer", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef pe_methods[] = {
    {"find_spec", (PyCFunction)pe_find_spec, METH_VARARGS, NULL},
    {"iter_modules", (PyCFunction)pe_iter_modules, METH_VARARGS, NULL},
    {"invalidate_caches", (PyCFunction)pe_invalidate_caches, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}};

PyTypeObject pyembed__PathEntryType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_pyembed.PackedPathEntry",
    .tp_basicsize = sizeof(PathEntry),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Path-entry finder for a packed package directory.",
    .tp_dealloc = (destructor)pe_dealloc,
    .tp_repr = (reprfunc)pe_repr,
    .tp_methods = pe_methods,
    .tp_getset = pe_getset,
};
