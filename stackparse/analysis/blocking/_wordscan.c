/* _wordscan: the exact pointer words of a column of frame argument texts, in one pass per text.
 *
 * One pure function over public Python types (issue 16's "narrow kernel behind one import
 * site"): column_words(texts: list[str]) -> list[int]. The only import site is
 * stackparse/analysis/blocking/columns.py, whose pure-Python column_words (same signature) is the
 * definition this kernel must equal; tests/test_wordscan.py and fuzz/harness.py check that.
 *
 * The result is flat: k0, v0, k1, v1, ... in row order, then argument order. v >= 0 is an exact
 * word of texts[k] (stackparse/analysis/blocking/words.py: exact_words); v == -1 says the kernel
 * declined texts[k] and the caller reads it with exact_words. The kernel decides only what is
 * certain the cheap way and declines the rest: a str subclass, a text that is not ASCII (str.strip and int read
 * Unicode spaces and digits), a "0x" token with '_' (int's digit separators), more than 16 hex
 * digits, or an ASCII control character at a token's edge or inside a word (str.strip's
 * whitespace). No state, no caches, no call back into Python code: each text is held by a strong
 * reference while it is read, and the list's length is read again for every row.
 *
 * The definition, for an ASCII text (words.py: _exact_words_split): braces read as blanks, the
 * text split at every ',', each piece stripped; a piece is a word when it starts with "0x",
 * does not end with '?', the rest is hex digits (int(piece, 16) succeeds) and the value is at
 * least MIN_POINTER.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* words.py: MIN_POINTER (tests/test_wordscan.py checks the module's constant against it) */
#define WS_MIN_POINTER 0x10000ULL
/* 16 hex digits fit in 64 bits: a longer word is declined, not computed */
#define WS_MAX_DIGITS 16
/* how many texts ahead to prefetch (the column's texts are separate objects on the heap) */
#define WS_PREFETCH 8

/* hex digit value, or -1 */
static int
hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int
is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int
is_blank(unsigned char c)
{
    return c == ' ' || c == '{' || c == '}';
}

/* Append k and v (v as an unsigned 64-bit word, or -1) to out. 0, or -1 with an exception. */
static int
append_pair(PyObject *out, PyObject *k_obj, unsigned long long v, int declined)
{
    PyObject *v_obj = declined ? PyLong_FromLong(-1) : PyLong_FromUnsignedLongLong(v);
    if (v_obj == NULL)
        return -1;
    if (PyList_Append(out, k_obj) < 0 || PyList_Append(out, v_obj) < 0) {
        Py_DECREF(v_obj);
        return -1;
    }
    Py_DECREF(v_obj);
    return 0;
}

/* The words of one ASCII text s[0:n], appended to out as (k, word) pairs.
 * Returns 0 (done), 1 (declined: nothing was appended) or -1 (an exception is set). */
static int
scan_text(PyObject *out, PyObject **k_obj, Py_ssize_t row, const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t start_len = PyList_GET_SIZE(out);
    Py_ssize_t a = 0;
    while (a <= n) {
        const unsigned char *comma = a < n ? memchr(s + a, ',', (size_t)(n - a)) : NULL;
        Py_ssize_t e = comma ? (Py_ssize_t)(comma - s) : n; /* the piece is s[a:e] */
        Py_ssize_t next = e + 1;
        while (a < e && is_blank(s[a]))
            a++;
        while (e > a && is_blank(s[e - 1]))
            e--;
        if (a < e && (is_control(s[a]) || is_control(s[e - 1])))
            goto decline;
        if (e - a >= 2 && s[a] == '0' && s[a + 1] == 'x' && s[e - 1] != '?') {
            unsigned long long v = 0;
            Py_ssize_t p = a + 2;
            int ok = p < e; /* "0x" alone is no number */
            int digits = 0;
            for (; p < e; p++) {
                unsigned char c = s[p];
                int d = hexval(c);
                if (d < 0) {
                    if (c == '_' || is_control(c))
                        goto decline;
                    ok = 0; /* int() fails: not a word (the rest is still read for a '_') */
                    continue;
                }
                if (++digits > WS_MAX_DIGITS)
                    goto decline;
                v = (v << 4) | (unsigned long long)d; /* no overflow: at most 16 digits */
            }
            if (ok && v >= WS_MIN_POINTER) {
                if (*k_obj == NULL && (*k_obj = PyLong_FromSsize_t(row)) == NULL)
                    return -1;
                if (append_pair(out, *k_obj, v, 0) < 0)
                    return -1;
            }
        }
        a = next;
    }
    return 0;
decline:
    if (PyList_GET_SIZE(out) > start_len && PyList_SetSlice(out, start_len, PyList_GET_SIZE(out), NULL) < 0)
        return -1;
    return 1;
}

PyDoc_STRVAR(column_words_doc,
"column_words(texts: list[str]) -> list[int]\n\n"
"The exact pointer words of each text, flat: k, word, k, word, ... (row order, then argument\n"
"order); k, -1 for a text the kernel declines (read it with words.exact_words).");

static PyObject *
column_words(PyObject *module, PyObject *texts)
{
    (void)module;
    if (!PyList_Check(texts)) {
        PyErr_Format(PyExc_TypeError, "column_words() takes a list of str, not %.100s", Py_TYPE(texts)->tp_name);
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t row = 0; row < PyList_GET_SIZE(texts); row++) {
        PyObject *text = PyList_GET_ITEM(texts, row);
#if defined(__GNUC__) || defined(__clang__)
        /* the texts lie apart on the heap: fetch a later one's header (and first bytes) now */
        if (row + WS_PREFETCH < PyList_GET_SIZE(texts))
            __builtin_prefetch(PyList_GET_ITEM(texts, row + WS_PREFETCH));
#endif
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "column_words() item %zd is %.100s, not str", row, Py_TYPE(text)->tp_name);
            goto error;
        }
        Py_INCREF(text); /* held while read: an allocation below may run a finalizer */
        PyObject *k_obj = NULL;
        int r;
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(text) < 0) {
            Py_DECREF(text);
            goto error;
        }
#endif
        if (!PyUnicode_CheckExact(text) || !PyUnicode_IS_ASCII(text)) {
            r = 1; /* a str subclass may read differently (its methods are the definition's) */
        } else {
            const unsigned char *s = (const unsigned char *)PyUnicode_DATA(text);
            Py_ssize_t n = PyUnicode_GET_LENGTH(text);
            r = scan_text(out, &k_obj, row, s, n);
        }
        if (r == 1) {
            if ((k_obj == NULL && (k_obj = PyLong_FromSsize_t(row)) == NULL) || append_pair(out, k_obj, 0, 1) < 0)
                r = -1;
        }
        Py_XDECREF(k_obj);
        Py_DECREF(text);
        if (r < 0)
            goto error;
    }
    return out;
error:
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef wordscan_methods[] = {
    {"column_words", column_words, METH_O, column_words_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef wordscan_module = {
    PyModuleDef_HEAD_INIT,
    "_wordscan",
    "The exact pointer words of a column of argument texts (C kernel; see columns.column_words).",
    0,
    wordscan_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__wordscan(void)
{
    PyObject *m = PyModule_Create(&wordscan_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "MIN_POINTER", (long)WS_MIN_POINTER) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
