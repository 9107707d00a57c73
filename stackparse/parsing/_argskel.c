/* stackparse.parsing._argskel: arg_classes, compiled.
 *
 * The same function as stackparse/parsing/args.py: arg_classes (the pure-Python fallback, of
 * the same signature; lines.py imports this one when it is built). It only rewrites text: it
 * decides nothing about the grammar, holds no state between calls and reads or writes no other
 * Python object than its argument and what it returns.
 *
 *   arg_classes(texts: list[str]) -> tuple[list[str], list[int]]
 *
 * The skeleton of a text: "!" when it holds a character outside ASCII; else the text with
 * every "0x" (left to right) made "X", then every other hex digit (0-9, a-f) made "h" and
 * every other "x" or "X" made "!". Returns the distinct skeletons in the order first seen
 * and, for each text, the index of its skeleton in that list.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t hash;
    Py_ssize_t idx; /* index in the classes list, -1: empty slot */
} slot_t;

/* The skeleton's character for each byte but a "0" that starts "0x" (see skeleton). */
static unsigned char skel_map[256];

static void
init_map(void)
{
    for (int c = 0; c < 256; c++) {
        skel_map[c] = (unsigned char)c;
    }
    for (int c = '0'; c <= '9'; c++) {
        skel_map[c] = 'h';
    }
    for (int c = 'a'; c <= 'f'; c++) {
        skel_map[c] = 'h';
    }
    skel_map['x'] = '!';
    skel_map['X'] = '!';
}

/* A hash of s[0:n], 8 bytes at a time. */
static uint64_t
hash_bytes(const unsigned char *s, Py_ssize_t n)
{
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, s + i, (size_t)(n - i));
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
        h ^= h >> 29;
    }
    return h;
}

/* The skeleton of the ASCII text s[0:n] into out (room for n bytes); returns its length. */
static Py_ssize_t
skeleton(const unsigned char *s, Py_ssize_t n, unsigned char *out)
{
    Py_ssize_t m = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c == '0' && i + 1 < n && s[i + 1] == 'x') {
            out[m++] = 'X';
            i += 2;
        }
        else {
            out[m++] = skel_map[c];
            i++;
        }
    }
    return m;
}

/* Double the table; 0 on success, -1 with MemoryError set. */
static int
grow(slot_t **table, Py_ssize_t *cap)
{
    Py_ssize_t ncap = *cap * 2;
    slot_t *nt = PyMem_New(slot_t, ncap);
    if (nt == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < ncap; i++) {
        nt[i].idx = -1;
        nt[i].hash = 0;
    }
    slot_t *ot = *table;
    for (Py_ssize_t i = 0; i < *cap; i++) {
        if (ot[i].idx < 0) {
            continue;
        }
        size_t j = (size_t)ot[i].hash & (size_t)(ncap - 1);
        while (nt[j].idx >= 0) {
            j = (j + 1) & (size_t)(ncap - 1);
        }
        nt[j] = ot[i];
    }
    PyMem_Free(ot);
    *table = nt;
    *cap = ncap;
    return 0;
}

static PyObject *
arg_classes(PyObject *module, PyObject *arg)
{
    (void)module;
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "arg_classes() takes a list of str");
        return NULL;
    }
    /* a snapshot: nothing below can change it, whatever the list's owner does */
    PyObject *texts = PyList_AsTuple(arg);
    if (texts == NULL) {
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(texts);
    PyObject *classes = PyList_New(0);
    PyObject *which = PyList_New(n);
    Py_ssize_t cap = 64, used = 0, room = 256;
    slot_t *table = PyMem_New(slot_t, cap);
    unsigned char *buf = PyMem_Malloc((size_t)room);
    if (classes == NULL || which == NULL || table == NULL || buf == NULL) {
        if (table == NULL || buf == NULL) {
            PyErr_NoMemory();
        }
        goto fail;
    }
    for (Py_ssize_t i = 0; i < cap; i++) {
        table[i].idx = -1;
        table[i].hash = 0;
    }
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *text = PyTuple_GET_ITEM(texts, t);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "arg_classes() takes a list of str");
            goto fail;
        }
        const unsigned char *skel;
        Py_ssize_t m;
        if (!PyUnicode_IS_ASCII(text)) {
            skel = (const unsigned char *)"!";
            m = 1;
        }
        else {
            Py_ssize_t len = PyUnicode_GET_LENGTH(text);
            if (len > room) {
                unsigned char *nb = PyMem_Realloc(buf, (size_t)len);
                if (nb == NULL) {
                    PyErr_NoMemory();
                    goto fail;
                }
                buf = nb;
                room = len;
            }
            m = skeleton(PyUnicode_1BYTE_DATA(text), len, buf);
            skel = buf;
        }
        uint64_t h = hash_bytes(skel, m);
        size_t j = (size_t)h & (size_t)(cap - 1);
        Py_ssize_t idx = -1;
        while (table[j].idx >= 0) {
            if (table[j].hash == h) {
                PyObject *c = PyList_GET_ITEM(classes, table[j].idx);
                if (PyUnicode_GET_LENGTH(c) == m && memcmp(PyUnicode_1BYTE_DATA(c), skel, (size_t)m) == 0) {
                    idx = table[j].idx;
                    break;
                }
            }
            j = (j + 1) & (size_t)(cap - 1);
        }
        if (idx < 0) {
            PyObject *c = PyUnicode_New(m, 127);
            if (c == NULL) {
                goto fail;
            }
            memcpy(PyUnicode_1BYTE_DATA(c), skel, (size_t)m);
            idx = PyList_GET_SIZE(classes);
            if (PyList_Append(classes, c) < 0) {
                Py_DECREF(c);
                goto fail;
            }
            Py_DECREF(c);
            table[j].hash = h;
            table[j].idx = idx;
            if (++used * 2 > cap && grow(&table, &cap) < 0) {
                goto fail;
            }
        }
        PyObject *k = PyLong_FromSsize_t(idx);
        if (k == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(which, t, k);
    }
    PyMem_Free(table);
    PyMem_Free(buf);
    Py_DECREF(texts);
    PyObject *out = PyTuple_Pack(2, classes, which);
    Py_DECREF(classes);
    Py_DECREF(which);
    return out;
fail:
    PyMem_Free(table);
    PyMem_Free(buf);
    Py_DECREF(texts);
    Py_XDECREF(classes);
    Py_XDECREF(which);
    return NULL;
}

static PyMethodDef methods[] = {
    {"arg_classes", arg_classes, METH_O,
     "arg_classes(texts: list[str]) -> (skeletons, index of each text's skeleton); see args.arg_classes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_argskel",
    "The skeletons of argument lists (args.arg_classes), compiled.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__argskel(void)
{
    init_map();
    return PyModule_Create(&module);
}
