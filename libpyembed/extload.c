/*
 * extload.c — loading extension modules whose shared library is in memory.
 *
 * The policy: the bytes go to an anonymous in-memory file (Linux: a memfd,
 * platform_linux.c) or, when there is none, it cannot be opened by name
 * (no /proc) or its pages cannot be mapped executable, to a file in the
 * process's private directory (tempdir.c: 0700, mkdtemp, locked), deleted
 * right after dlopen. CPython's own _imp.create_dynamic then dlopens that
 * path, so single- and multi-phase init behave exactly as for files. The
 * in-memory file is closed once loaded: its name is never given to the
 * loader twice, so no later library can alias it. When both ways fail the
 * ImportError names the module and both reasons. Nothing here searches
 * the current directory.
 */
#include "importer_int.h"
#include "platform_int.h"
#include "tempdir_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned temp_serial;

void pyembed__ext_cleanup(void)
{
    pyembed__tempdir_remove();
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
 * to the name dlopen opens it by. -1 if unusable (none, not openable by
 * name, or not mappable executable), with the reason in why. */
static int via_memfd(const char *name, const void *so, size_t len, char *path,
                     size_t pathlen, char *why, size_t whylen)
{
    int fd = pyembed__platform_memfile(name, path, pathlen);
    if (fd < 0)
        return snprintf(why, whylen, "in-memory file: %s", strerror(errno)), -1;
    if (write_all(fd, so, len)) {
        snprintf(why, whylen, "in-memory file: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!pyembed__platform_exec_mappable(fd)) {
        snprintf(why, whylen, "in-memory file: cannot be mapped executable");
        close(fd);
        return -1;
    }
    return fd;
}

/* Creates the file path in the private directory (O_EXCL, O_NOFOLLOW,
 * 0700), recorded (tempdir_int.h) until pyembed__ext_create unlinks it;
 * makes a new directory once if the current one vanished (another
 * process took it for a leftover). fd, or -1 errno set. */
static int create_temp(char *path, size_t pathlen, char *dir, size_t dirlen)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd;
        if (pyembed__tempdir_get(dir, dirlen))
            return -1;
        snprintf(path, pathlen, "%s/ext-%u.so", dir, temp_serial++);
        pyembed__tempdir_track(path); /* before it exists: a signal may come */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
        if (fd >= 0)
            return fd;
        pyembed__tempdir_untrack(path);
        if (errno != ENOENT)
            return -1;
        pyembed__tempdir_forget();
    }
    return -1;
}

/* Writes the library to a fresh file in the private directory. 0 ok with
 * path set; -1 with the reason appended to why. */
static int via_tempfile(const void *so, size_t len, char *path, size_t pathlen, char *why,
                        size_t whylen)
{
    char dir[256] = "";
    size_t used = strlen(why);
    int fd = create_temp(path, pathlen, dir, sizeof dir);
    if (fd >= 0 && !write_all(fd, so, len) && !close(fd))
        return 0;
    snprintf(why + used, whylen - used, "%sprivate temporary directory %s: %s",
             used ? "; " : "", dir, strerror(errno));
    if (fd >= 0) {
        close(fd);
        unlink(path);
        pyembed__tempdir_untrack(path);
    }
    return -1;
}

/* Raises ImportError for module spec (name and path set): why it could
 * not be loaded from memory. Returns NULL. */
static PyObject *load_failed(PyObject *spec, const char *why)
{
    PyObject *name = PyObject_GetAttrString(spec, "name");
    PyObject *msg = name ? PyUnicode_FromFormat("cannot load extension module '%U' from "
                                                "memory: %s", name, why) : NULL;
    if (msg)
        PyErr_SetImportError(msg, name, Py_None);
    Py_XDECREF(msg);
    Py_XDECREF(name);
    return NULL;
}

/* Replaces the ImportError set by dlopen of the fallback file with one
 * naming the module, why memory was not used (why) and dlopen's reason
 * (a noexec $TMPDIR). Returns NULL. */
static PyObject *dlopen_failed(PyObject *spec, char *why, size_t whylen)
{
    PyObject *type, *value, *tb, *msg;
    const char *s;
    size_t used = strlen(why);
    PyErr_Fetch(&type, &value, &tb);
    msg = value ? PyObject_Str(value) : NULL;
    s = msg ? PyUnicode_AsUTF8(msg) : NULL;
    snprintf(why + used, whylen - used, "%sprivate temporary directory: %s", used ? "; " : "",
             s ? s : "dlopen failed");
    Py_XDECREF(msg);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
    return load_failed(spec, why);
}

/* Calls _imp.create_dynamic with a spec whose origin is path, then points
 * the module's __file__ back at the real spec's origin. Each step runs
 * only if the one before succeeded: none may run with an exception set
 * (a MemoryError would be lost, leaving NULL without an exception). */
static PyObject *create_from(PyObject *spec, const char *path)
{
    PyObject *imp = NULL, *bootstrap = NULL, *name = NULL, *origin = NULL, *tmp = NULL;
    PyObject *m = NULL;
    if ((imp = PyImport_ImportModule("_imp")) &&
        (bootstrap = PyImport_ImportModule("_frozen_importlib")) &&
        (name = PyObject_GetAttrString(spec, "name")) &&
        (origin = PyUnicode_DecodeFSDefault(path)) &&
        (tmp = PyObject_CallMethod(bootstrap, "ModuleSpec", "OO", name, Py_None)) &&
        PyObject_SetAttrString(tmp, "origin", origin) == 0)
        m = PyObject_CallMethod(imp, "create_dynamic", "O", tmp);
    Py_XDECREF(origin);
    Py_XDECREF(imp);
    Py_XDECREF(bootstrap);
    Py_XDECREF(tmp);
    Py_XDECREF(name);
    return m;
}

/* Creates extension module spec from the shared library file at path,
 * its __file__ the spec's origin. Failing to set that (only memory can)
 * fails the import rather than leave __file__ naming the loaded path. */
static PyObject *create_path(PyObject *spec, const char *path)
{
    PyObject *m = create_from(spec, path), *origin;
    if (!m || !PyModule_Check(m))
        return m;
    origin = PyObject_GetAttrString(spec, "origin");
    if (!origin || PyObject_SetAttrString(m, "__file__", origin))
        Py_CLEAR(m);
    Py_XDECREF(origin);
    return m;
}

PyObject *pyembed__ext_create(PyObject *spec, const void *so, size_t len, int mode)
{
    char path[320], why[600] = "";
    int fd = -1;
    PyObject *m;
    if (mode != PYEMBED_EXTLOAD_TEMPDIR)
        fd = via_memfd("pyembed-ext", so, len, path, sizeof path, why, sizeof why);
    if (fd < 0 && mode == PYEMBED_EXTLOAD_MEMFD)
        return load_failed(spec, why); /* the tempdir fallback is off */
    if (fd < 0 && via_tempfile(so, len, path, sizeof path, why, sizeof why))
        return load_failed(spec, why);
    m = create_path(spec, path);
    if (fd >= 0)
        close(fd); /* loaded (dlopen maps it) or not: never named again */
    else {
        unlink(path); /* dlopen holds its own mapping now */
        pyembed__tempdir_untrack(path);
    }
    if (!m && fd < 0 && PyErr_ExceptionMatches(PyExc_ImportError))
        return dlopen_failed(spec, why, sizeof why);
    return m;
}

/* clean_temp(directory=None): removes what ended processes left of their
 * private directories under directory (default $TMPDIR, else /tmp);
 * returns how many (tempdir.c says which count). */
static PyObject *py_clean_temp(PyObject *self, PyObject *args)
{
    const char *base = NULL;
    int n;
    (void)self;
    if (!PyArg_ParseTuple(args, "|z:clean_temp", &base))
        return NULL;
    if (!base)
        base = getenv("TMPDIR") && getenv("TMPDIR")[0] == '/' ? getenv("TMPDIR") : "/tmp";
    if ((n = pyembed__tempdir_clean(base)) < 0)
        return PyErr_SetFromErrnoWithFilename(PyExc_OSError, base);
    return PyLong_FromLong(n);
}

PyMethodDef pyembed__ext_clean_def = {
    "clean_temp", py_clean_temp, METH_VARARGS,
    "clean_temp(directory=None): removes the private directories that ended\n"
    "processes left under directory (default $TMPDIR, else /tmp); returns how many."};

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
    packrs_field_release(f->reader, fld); /* copied to the in-memory file */
    return m;
}
