/*
 * inert.c — whether tearing the interpreter down at exit could do anything
 * a program can observe, for the quick exit (fastexit.c).
 *
 * Module teardown and its three garbage collections are what is left of
 * finalisation once atexit callbacks and threads are done; they are a
 * fifth of a hello world's instructions. Their only observable effects are
 * the finalisers they run: __del__ methods, weakref callbacks, generators'
 * finally blocks, the deallocators of objects that flush or close things
 * (buffered files, sqlite connections, sockets), capsule destructors,
 * extension modules' m_free, gc.callbacks. The heap is "inert" when none
 * of those can run: every object the collector tracks, and every untracked
 * object they refer to, is of a kind whose destruction only frees memory —
 * the core types (dicts, functions, types, descriptors, strings, …),
 * instances of Python classes without __del__ whose built-in base is such a
 * kind, a list of standard-library C types known to only free memory, the
 * standard streams (flushed already), weakrefs without a callback or with
 * the standard library's bookkeeping ones, finished or unstarted
 * generators, modules without m_free/m_clear or from the standard library.
 * Anything else, unknown included, makes the heap not inert and the quick
 * exit does the whole teardown. The verdict is one pass over the
 * collector's lists with each object's tp_traverse: a fraction of one
 * collection.
 */
#include "pyembed_int.h"
#include "pycompat_int.h"

#include <stdio.h>
#include <string.h>

/* Built-in types whose instances' destruction only frees memory. */
static PyTypeObject *const benign_types[] = {
    &PyDict_Type, &PyTuple_Type, &PyList_Type, &PyType_Type, &PyUnicode_Type, &PyLong_Type,
    &PyBaseObject_Type, &PySet_Type, &PyFrozenSet_Type, &PyBytes_Type, &PyFloat_Type,
    &PyBool_Type, &PyComplex_Type, &PyByteArray_Type, &PyODict_Type, &PyCFunction_Type,
    &PyCMethod_Type, &PyMethodDescr_Type, &PyClassMethodDescr_Type, &PyWrapperDescr_Type,
    &PyMemberDescr_Type, &PyGetSetDescr_Type, &PyDictProxy_Type, &PyProperty_Type,
    &PyStaticMethod_Type, &PyClassMethod_Type, &PyCell_Type, &PyFunction_Type, &PyMethod_Type,
    &PyInstanceMethod_Type, &PyCode_Type, &PyFrame_Type, &PyTraceBack_Type, &PyMemoryView_Type,
    &PySlice_Type, &PyRange_Type, &PyEllipsis_Type, &Py_GenericAliasType, &PyDictKeys_Type,
    &PyDictValues_Type, &PyDictItems_Type, &PyDictIterKey_Type, &PyDictIterValue_Type,
    &PyDictIterItem_Type, &PyDictRevIterKey_Type, &PyDictRevIterValue_Type,
    &PyDictRevIterItem_Type, &PyListIter_Type, &PyListRevIter_Type, &PyTupleIter_Type,
    &PySetIter_Type, &PySeqIter_Type, &PyCallIter_Type, &PyEnum_Type, &PyReversed_Type,
    &PyFilter_Type, &PyMap_Type, &PyZip_Type, &PyRangeIter_Type, &PyLongRangeIter_Type,
    &PyByteArrayIter_Type, &PyBytesIter_Type, &PyUnicodeIter_Type, &PyODictKeys_Type,
    &PyODictValues_Type, &PyODictItems_Type, &PyODictIter_Type, &PyContext_Type,
    &PyContextVar_Type, &PyContextToken_Type, &PyStdPrinter_Type, &PyModuleDef_Type, NULL};

/* Other C types (by tp_name) of CPython and its standard library whose
 * instances' destruction only frees memory; a trailing '.' matches every
 * type of that module. */
static const char *const benign_names[] = {
    "types.SimpleNamespace", "types.UnionType", "EncodingMap", "str_ascii_iterator",
    "Token.MISSING", "hamt", "hamt_bitmap_node", "hamt_array_node", "hamt_collision_node",
    "method-wrapper", "managedbuffer", "NoneType", "NotImplementedType",
    "_abc._abc_data", "_thread.lock", "_thread.RLock", "_thread._local", "_thread._ThreadHandle",
    "_thread._localdummy", "re.Pattern", "re.Match", "_sre.SRE_Scanner",
    "functools.partial", "functools._lru_cache_wrapper", "functools.KeyWrapper",
    "functools._PlaceholderType",
    "functools._lru_list_elem", "operator.itemgetter", "operator.attrgetter",
    "operator.methodcaller", "collections.deque", "collections.defaultdict",
    "_collections._tuplegetter", "collections._tuplegetter", "_collections._deque_iterator",
    "_collections._deque_reverse_iterator", "itertools.", "_struct.Struct",
    "_struct.unpack_iterator", "_json.Scanner", "_json.Encoder", "_csv.Dialect",
    "_random.Random", "unicodedata.UCD", "array.array", "array.arrayiterator",
    "datetime.", "decimal.Decimal", "decimal.Context", "decimal.SignalDictMixin",
    "decimal.ContextManager", "_ctypes.", "StgDict",
    "_hashlib.HASH", "_hashlib.HASHXOF", "_hashlib.HMAC", "_sha1.sha1", "_sha256.sha224",
    "_sha256.sha256", "_sha512.sha384", "_sha512.sha512", "_md5.md5", "_blake2.blake2b",
    "_blake2.blake2s", "_sha3.", "zlib.Compress", "zlib.Decompress", "_bz2.BZ2Compressor",
    "_bz2.BZ2Decompressor", "_lzma.LZMACompressor", "_lzma.LZMADecompressor",
    "_io.StringIO", "_io.BytesIO", "_io._BytesIOBuffer", "select.epoll", "select.poll",
    "_pyembed.PackedImporter", "_pyembed.PackedPathEntry", "_queue.SimpleQueue",
    "pyexpat.xmlparser", "ast.AST", "typing.", "NoDefaultType", NULL};

/* How the destruction of a type's instances is judged (cached per type);
 * K_LEAF: K_OK, and its instances refer only to a type and strings. */
enum { K_OK = 1, K_LEAF, K_BAD, K_FINALIZER, K_WEAKREF, K_MODULE, K_GEN, K_CAPSULE };

#define TYPE_CACHE 1024 /* power of two */

/* What a scan found and needs (one per verdict). */
typedef struct Scan {
    destructor subtype_dealloc; /* tp_dealloc of Python classes */
    PyObject *stdio[9];          /* sys.__std*__, their buffers and raws */
    PyObject *stdlib;            /* sys.stdlib_module_names */
    char why[160];               /* the first object not inert */
    int depth;                   /* nesting of untracked containers */
    struct {
        PyTypeObject *type;
        int kind;
    } cache[TYPE_CACHE];         /* open addressing; full: not cached */
} Scan;

/* 1 when name is one of benign_names. */
static int benign_name(const char *name)
{
    for (size_t i = 0; benign_names[i]; i++) {
        size_t n = strlen(benign_names[i]);
        if (benign_names[i][n - 1] == '.' ? strncmp(name, benign_names[i], n) == 0
                                          : strcmp(name, benign_names[i]) == 0)
            return 1;
    }
    return 0;
}

/* Records why the heap is not inert (the first reason only); returns 1. */
static int not_inert(Scan *s, const char *what, PyTypeObject *t)
{
    if (!s->why[0])
        snprintf(s->why, sizeof s->why, "%s%s%s", what, t ? " " : "", t ? t->tp_name : "");
    return 1;
}

/* not_inert for object op, naming a capsule's name or a weakref's
 * callback when op is one. */
static int not_inert_object(Scan *s, PyObject *op)
{
    PyObject *cb = PyWeakref_Check(op) ? ((PyWeakReference *)op)->wr_callback : NULL;
    PyObject *name = cb ? PyObject_GetAttrString(cb, "__qualname__") : NULL;
    const char *cap = PyCapsule_CheckExact(op) ? PyCapsule_GetName(op) : NULL;
    char what[120];
    PyErr_Clear();
    if (name && PyUnicode_Check(name))
        snprintf(what, sizeof what, "a weakref whose callback is %s, of type",
                 PyUnicode_AsUTF8(name));
    else if (cap)
        snprintf(what, sizeof what, "a capsule %s with a destructor, of type", cap);
    else
        snprintf(what, sizeof what, "an object of type");
    Py_XDECREF(name);
    PyErr_Clear();
    return not_inert(s, what, Py_TYPE(op));
}

/* 1 when op is one of the standard streams or their layers (flushed by
 * the exit before this; their destruction closes no descriptor). */
static int is_stdio(const Scan *s, PyObject *op)
{
    for (size_t i = 0; i < 9; i++)
        if (s->stdio[i] == op)
            return 1;
    return 0;
}

/* 1 when the callback cb of a weakref only keeps a standard-library
 * container's bookkeeping (abc's registry, WeakSet, WeakValueDictionary,
 * WeakKeyDictionary, logging's handler list, threading.local's). */
static int benign_callback(PyObject *cb)
{
    static const char *const quals[][2] = {
        {"_weakrefset", "WeakSet.__init__.<locals>._remove"},
        {"weakref", "WeakValueDictionary.__init__.<locals>.remove"},
        {"weakref", "WeakKeyDictionary.__init__.<locals>.remove"},
        {"logging", "_removeHandlerRef"}};
    PyObject *mod, *qual;
    if (PyCFunction_Check(cb)) {
        const char *n = ((PyCFunctionObject *)cb)->m_ml->ml_name;
        return strcmp(n, "_destroy") == 0 || strcmp(n, "_localdummy_destroyed") == 0 ||
               strcmp(n, "clear_locals") == 0;
    }
    if (!PyFunction_Check(cb))
        return 0;
    mod = ((PyFunctionObject *)cb)->func_module;
    qual = ((PyFunctionObject *)cb)->func_qualname;
    if (!mod || !qual || !PyUnicode_Check(mod) || !PyUnicode_Check(qual))
        return 0;
    for (size_t i = 0; i < sizeof quals / sizeof quals[0]; i++)
        if (PyUnicode_CompareWithASCIIString(mod, quals[i][0]) == 0 &&
            PyUnicode_CompareWithASCIIString(qual, quals[i][1]) == 0)
            return 1;
    return 0;
}

/* 1 when destroying weakref op could run no program code. */
static int weakref_ok(PyObject *op)
{
    PyWeakReference *wr = (PyWeakReference *)op;
    return !wr->wr_callback || wr->wr_object == Py_None || benign_callback(wr->wr_callback);
}

/* 1 when module op's C-level free functions are absent or the standard
 * library's. */
static int module_ok(Scan *s, PyObject *op)
{
    PyModuleDef *def = PyModule_GetDef(op);
    const char *name, *dot;
    PyObject *top;
    int in;
    if (!def || (!def->m_free && !def->m_clear))
        return 1;
    if (!s->stdlib || !(name = def->m_name))
        return 0;
    dot = strchr(name, '.');
    if (!(top = PyUnicode_FromStringAndSize(name, dot ? dot - name : (Py_ssize_t)strlen(name))))
        return PyErr_Clear(), 0;
    in = PySet_Contains(s->stdlib, top);
    Py_DECREF(top);
    return in > 0 ? 1 : (PyErr_Clear(), 0);
}

/* 1 when generator-like op would run no code when closed: finished, or
 * (a plain generator only) never started; coroutines never awaited warn. */
static int generator_ok(PyObject *op)
{
    const char *frame = PyGen_Check(op) ? "gi_frame" : PyCoro_CheckExact(op) ? "cr_frame"
                                                                            : "ag_frame";
    PyObject *f = PyObject_GetAttrString(op, frame), *susp;
    int ok;
    if (!f)
        return PyErr_Clear(), 0;
    ok = f == Py_None;
    Py_DECREF(f);
    if (ok || !PyGen_Check(op))
        return ok;
    if (!(susp = PyObject_GetAttrString(op, "gi_suspended")))
        return PyErr_Clear(), 0;
    ok = susp == Py_False;
    Py_DECREF(susp);
    return ok;
}

/* 1 when capsule op has no destructor or is one of the standard
 * library's C APIs, whose destructors free memory. */
static int capsule_ok(PyObject *op)
{
    static const char *const names[] = {"unicodedata._ucnhash_CAPI", "pyexpat.expat_CAPI",
                                        "_socket.CAPI", "datetime.datetime_CAPI",
                                        "_decimal._API", "_curses._C_API", NULL};
    const char *name;
    if (!PyCapsule_GetDestructor(op))
        return !PyErr_Occurred();
    if (!(name = PyCapsule_GetName(op)))
        return 0;
    for (size_t i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* The kind of a C-level type t (not a Python class). */
static int c_type_kind(PyTypeObject *t)
{
    /* descriptors hold only their type and strings */
    if (t == &PyMethodDescr_Type || t == &PyWrapperDescr_Type || t == &PyMemberDescr_Type ||
        t == &PyGetSetDescr_Type || t == &PyClassMethodDescr_Type)
        return K_LEAF;
    for (size_t i = 0; benign_types[i]; i++)
        if (t == benign_types[i])
            return K_OK;
    if (benign_name(t->tp_name))
        return K_OK;
    if (PyType_IsSubtype(t, &_PyWeakref_RefType) || t == &_PyWeakref_ProxyType ||
        t == &_PyWeakref_CallableProxyType)
        return K_WEAKREF;
    if (t == &PyModule_Type)
        return K_MODULE;
    if (t == &PyGen_Type || t == &PyCoro_Type || t == &PyAsyncGen_Type)
        return K_GEN;
    if (t == &PyCapsule_Type)
        return K_CAPSULE;
    /* built-in exceptions and struct sequences (os.stat_result, …) */
    if (!t->tp_finalize && !t->tp_del &&
        (PyType_FastSubclass(t, Py_TPFLAGS_BASE_EXC_SUBCLASS) ||
         (PyType_IsSubtype(t, &PyTuple_Type) && !(t->tp_flags & Py_TPFLAGS_HEAPTYPE))))
        return K_OK;
    return K_BAD;
}

/* The kind of type t: a Python class takes its first C-level base's,
 * unless a class on the way has a finaliser. */
static int type_kind(const Scan *s, PyTypeObject *t)
{
    while (t->tp_dealloc == s->subtype_dealloc) {
        if (t->tp_finalize || t->tp_del)
            return K_FINALIZER;
        t = t->tp_base;
    }
    return c_type_kind(t);
}

/* type_kind through s's cache. */
static int cached_kind(Scan *s, PyTypeObject *t)
{
    size_t h = ((size_t)t >> 4) & (TYPE_CACHE - 1);
    for (size_t n = 0; n < TYPE_CACHE; n++, h = (h + 1) & (TYPE_CACHE - 1)) {
        if (s->cache[h].type == t)
            return s->cache[h].kind;
        if (!s->cache[h].type) {
            s->cache[h].type = t;
            return s->cache[h].kind = type_kind(s, t);
        }
    }
    return type_kind(s, t);
}

/* 0 when destroying op could have no observable effect, else 1 (the
 * reason recorded in s). */
static int check_object(Scan *s, PyObject *op)
{
    int ok;
    switch (cached_kind(s, Py_TYPE(op))) {
    case K_OK:
    case K_LEAF:
        return 0;
    case K_FINALIZER:
        return not_inert(s, "an instance with a finaliser (__del__) of", Py_TYPE(op));
    case K_WEAKREF:
        ok = weakref_ok(op);
        break;
    case K_MODULE:
        ok = module_ok(s, op);
        break;
    case K_GEN:
        ok = generator_ok(op);
        break;
    case K_CAPSULE:
        ok = capsule_ok(op);
        break;
    default:
        ok = is_stdio(s, op);
    }
    PyErr_Clear();
    return ok ? 0 : not_inert_object(s, op);
}

/* tp_traverse visitor: classifies the untracked objects a tracked one
 * refers to (tracked ones are scanned from the collector's list). */
static int visit(PyObject *r, void *arg)
{
    Scan *s = arg;
    PyTypeObject *t;
    int bad;
    if (!r)
        return 0;
    t = Py_TYPE(r);
    /* the commonest first: tracked objects, strings, numbers, types
     * (heap types are tracked, static ones only free memory), None */
    if (PyType_IS_GC(t) ? PyObject_GC_IsTracked(r)
                        : (t == &PyUnicode_Type || t == &PyLong_Type || r == Py_None ||
                           t == &PyBytes_Type || t == &PyFloat_Type || t == &PyBool_Type))
        return 0;
    if (check_object(s, r))
        return 1;
    if (!PyObject_IS_GC(r) || !t->tp_traverse)
        return 0;
    if (s->depth >= 64)
        return not_inert(s, "untracked containers nested too deep, in", t);
    s->depth++;
    bad = t->tp_traverse(r, visit, s);
    s->depth--;
    return bad;
}

/* Fills s->stdio from sys.__std*__ and their .buffer/.raw layers. */
static void find_stdio(Scan *s)
{
    static const char *const names[] = {"__stdin__", "__stdout__", "__stderr__"};
    for (size_t i = 0; i < 3; i++) {
        PyObject *o = PySys_GetObject(names[i]); /* borrowed */
        for (size_t k = 0; k < 3 && o && o != Py_None; k++) {
            PyObject *next;
            s->stdio[i * 3 + k] = o; /* kept alive by sys (and each layer) */
            next = PyObject_GetAttrString(o, k == 0 ? "buffer" : "raw");
            if (!next) {
                PyErr_Clear();
                break;
            }
            Py_DECREF(next); /* its owner keeps it alive */
            o = next;
        }
    }
}

/* The deallocator CPython gives every Python class (subtype_dealloc, a
 * static function), read off importlib's ModuleSpec. NULL on failure. */
static destructor python_class_dealloc(void)
{
    PyObject *name = PyUnicode_FromString("_frozen_importlib"), *m, *spec = NULL;
    destructor d = NULL;
    m = name ? PyImport_GetModule(name) : NULL;
    Py_XDECREF(name);
    if (m && (spec = PyObject_GetAttrString(m, "ModuleSpec")) && PyType_Check(spec) &&
        (((PyTypeObject *)spec)->tp_flags & Py_TPFLAGS_HEAPTYPE))
        d = ((PyTypeObject *)spec)->tp_dealloc;
    Py_XDECREF(spec);
    Py_XDECREF(m);
    return d;
}

/* pyembed__compat_gc_each callback: 1 when tracked object op, or an
 * untracked one it refers to, is not inert. */
static int scan_one(PyObject *op, void *arg)
{
    Scan *s = arg;
    int kind = cached_kind(s, Py_TYPE(op));
    if (kind != K_OK && kind != K_LEAF && check_object(s, op))
        return 1;
    return kind != K_LEAF && Py_TYPE(op)->tp_traverse && Py_TYPE(op)->tp_traverse(op, visit, s);
}

/* Scans every object the collector tracks; 0 inert, 1 not (reason in s). */
static int scan_heap(Scan *s)
{
    int bad;
    if (pyembed__compat_gc_observed())
        return not_inert(s, "gc.callbacks, gc debug flags or gc.freeze", NULL);
    bad = pyembed__compat_gc_each(scan_one, s);
    PyErr_Clear();
    return bad;
}

int pyembed__heap_inert(char *why, size_t whylen)
{
    Scan s;
    int bad;
    memset(&s, 0, sizeof s);
    if (!(s.subtype_dealloc = python_class_dealloc())) {
        PyErr_Clear();
        snprintf(why, whylen, "importlib's ModuleSpec is not a Python class");
        return 0;
    }
    find_stdio(&s);
    s.stdlib = PySys_GetObject("stdlib_module_names"); /* borrowed */
    if (s.stdlib && !PyAnySet_Check(s.stdlib))
        s.stdlib = NULL;
    bad = scan_heap(&s);
    if (why && whylen)
        snprintf(why, whylen, "%s", bad ? s.why : "");
    return !bad;
}

/* _pyembed._exit_teardown_reason(): None when the heap is inert now (the
 * quick exit would skip module teardown), else why not. */
static PyObject *py_exit_teardown_reason(PyObject *self, PyObject *noargs)
{
    char why[160];
    (void)self;
    (void)noargs;
    if (pyembed__heap_inert(why, sizeof why))
        Py_RETURN_NONE;
    return PyUnicode_FromString(why);
}

PyMethodDef pyembed__inert_def = {
    "_exit_teardown_reason", py_exit_teardown_reason, METH_NOARGS,
    "None when no finaliser could run at exit now (module teardown is then\n"
    "skipped), else the first object that could run one."};
