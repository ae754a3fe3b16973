/*
 * extload.c — loading extension modules whose shared library is in memory.
 *
 * The policy: the bytes go to an anonymous in-memory file (Linux: a memfd,
 * platform_linux.c) or, when there is none or its pages cannot be mapped
 * executable, to a file in a private 0700 directory, deleted right after
 * dlopen. CPython's own _imp.create_dynamic then dlopens that path, so
 * single- and multi-phase init behave exactly as for files. In-memory
 * files stay open for the process's life: glibc matches already-loaded
 * libraries by path name, so a reused /proc/self/fd/N would alias an
 * earlier library. Nothing here searches the current directory.
 */
#include "importer_int.h"
#include "platform_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tempdir[256]; /* private directory, "" until first needed */
static unsigned temp_serial;

void pyembed__ext_cleanup(void)
{
    if (tempdir[0]) {
        rmdir(tempdir);
        tempdir[0] = 0;
    }
}

/* Writes all len bytes to fd. 0 ok, -1 errno set. */
static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* An in-memory file holding the library (platform_int.h), with path set
 * to the name dlopen opens it by. -1 if unusable: none, or not mappable
 * executable. */
static int via_memfd(const char *name, const void *so, size_t len, char *path,
                     size_t pathlen)
{
    int fd = pyembed__platform_memfile(name, path, pathlen);
    if (fd < 0)
        return -1;
    if (write_all(fd, so, len) || !pyembed__platform_exec_mappable(fd)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Creates the private temporary directory once (mode 0700). */
static int make_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    if (tempdir[0])
        return 0;
    if (!base || base[0] != '/' || strlen(base) > 200)
        base = "/tmp";
    snprintf(tempdir, sizeof tempdir, "%s/pyembed-XXXXXX", base);
    if (!mkdtemp(tempdir)) {
        tempdir[0] = 0;
        return -1;
    }
    return 0;
}

/* Writes the library to a fresh file in the private directory (O_EXCL,
 * O_NOFOLLOW, 0700). 0 ok with path set, -1 errno set. */
static int via_tempfile(const void *so, size_t len, char *path, size_t pathlen)
{
    int fd;
    if (make_tempdir())
        return -1;
    snprintf(path, pathlen, "%s/ext-%u.so", tempdir, temp_serial++);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
    if (fd < 0)
        return -1;
    if (write_all(fd, so, len) || close(fd)) {
        int e = errno;
        unlink(path);
        errno = e;
        return -1;
    }
    return 0;
}

/* Calls _imp.create_dynamic with a spec whose origin is path, then points
 * the module's __file__ back at the real spec's origin. */
static PyObject *create_from(PyObject *spec, const char *path)
{
    PyObject *imp = PyImport_ImportModule("_imp"), *bootstrap, *tmp = NULL, *m = NULL;
    PyObject *name = PyObject_GetAttrString(spec, "name");
    PyObject *origin = PyUnicode_DecodeFSDefault(path);
    bootstrap = PyImport_ImportModule("_frozen_importlib");
    if (imp && bootstrap && name && origin)
        tmp = PyObject_CallMethod(bootstrap, "ModuleSpec", "OO", name, Py_None);
    if (tmp && PyObject_SetAttrString(tmp, "origin", origin) == 0)
        m = PyObject_CallMethod(imp, "create_dynamic", "O", tmp);
    Py_XDECREF(origin);
    Py_XDECREF(imp);
    Py_XDECREF(bootstrap);
    Py_XDECREF(tmp);
    Py_XDECREF(name);
    return m;
}

/* Creates extension module spec from the shared library file at path. */
static PyObject *create_path(PyObject *spec, const char *path)
{
    PyObject *m = create_from(spec, path), *origin;
    if (!m || !PyModule_Check(m))
        return m;
    origin = PyObject_GetAttrString(spec, "origin");
    if (!origin || PyObject_SetAttrString(m, "__file__", origin))
        PyErr_Clear(); /* __file__ is cosmetic; the module itself is fine */
    Py_XDECREF(origin);
    return m;
}

PyObject *pyembed__ext_create(PyObject *spec, const void *so, size_t len, int mode)
{
    char path[320];
    int fd = -1;
    PyObject *m;
    if (mode != PYEMBED_EXTLOAD_TEMPDIR)
        fd = via_memfd("pyembed-ext", so, len, path, sizeof path);
    if (fd < 0) {
        if (mode == PYEMBED_EXTLOAD_MEMFD)
            return PyErr_Format(PyExc_ImportError, "pyembed: memfd for extension "
                                "module unavailable or not executable");
        if (via_tempfile(so, len, path, sizeof path))
            return PyErr_SetFromErrno(PyExc_ImportError);
    }
    m = create_path(spec, path);
    if (fd < 0) {
        unlink(path); /* dlopen holds its own mapping now */
        /* the lazily created tempdir is removed at interpreter free */
    }
    /* on success the memfd stays open on purpose (see the file comment) */
    if (fd >= 0 && !m)
        close(fd);
    return m;
}

PyObject *pyembed__ext_load_field(Finder *f, PyObject *spec,
                                  const packrs_resource *res,
                                  const packrs_field *fld)
{
    const void *p;
    size_t n;
    void *owned;
    PyObject *m;
    int rc = packrs_field_read(f->reader, fld, &p, &n, &owned);
    if (rc)
        return pyembed__import_error(f, res->name, rc);
    m = pyembed__ext_create(spec, p, n, f->extload_mode);
    free(owned);
    return m;
}
