/*
 * stackparse._speedups: the frame lookup of parse.py's run reader, compiled.
 *
 * Optional. parse.py uses it when it is built and falls back to the same steps in Python
 * (_Segmenter._run, _bulk_frames) when it is not, or when STACKPARSE_NO_SPEEDUPS is set.
 * It decides nothing the grammar has not decided already: every verdict it uses is one the
 * Python side took from the grammar and left in the dictionaries it is given.
 *
 *   run_frames(lines, first, count, cache, sites, verdicts, regs_shapes, frame_type, max_line) -> list
 *
 * For k in range(count) the pair (call, file) = (lines[first + 2k], lines[first + 2k + 1]).
 * The result holds, for each pair:
 *   - frame_type(function, args_text, *tail) when the file line has a learnt site
 *     sites[file] = (name + "(", slice, function, tail), the call line is ASCII, at most
 *     max_line long, starts with name + "(" and ends with ")", its argument text holds no
 *     "X", and verdicts[skeleton] is True (skeleton: "0x" -> "X", hex digit -> "h", the
 *     argument text's characters otherwise: the str key parse._skeleton_ok stores). When its arguments hold
 *     no pointer-sized word ("0x" and five or more hex digits, exact or not: the rule of
 *     parse._skeleton_shared) the frame can come again: it is taken from the line cache
 *     cache[(call, file)], or made and put there. Otherwise it is made once per run (the
 *     call's own table, see run_ctx, as _Lines.new_frames reads each distinct pair of a run
 *     once);
 *     A GOTRACEBACK=crash file line ("... fp=0xH sp=0xH[ pc=0xH]") takes the site of the line
 *     without that suffix, when regs_shapes has the suffix's shape (with pc= or not: the grammar
 *     accepted one); the frame gets that line's fp, sp and pc and is never cached;
 *   - else cache[(call, file)] when the line cache has it (frames the Python side read);
 *   - else None: the Python side reads that pair (and learns the site or verdict it lacked).
 *
 *   scan_blocks(lines, h, i, window, hfast, headers, ids, ends, heads, skips, max_line) -> (h, more)
 *
 * The first loop of _Segmenter._run: from the header lines[h], appends to ends/heads/skips for
 * each block of the run's shape whose header the grammar has read the like of (see
 * header_fields: hfast and headers are the caches of _Lines.run_header and _Lines.header), as
 * long as fewer than window blocks are found.
 * more is True when it stopped at a header it could not decide alone (text after the id not
 * learnt yet, an id that is not plain ASCII digits or is too long): the Python loop reads that
 * block and calls again. Otherwise the run ends at h.
 *
 *   build_goroutines(lines, i, h, k, ends, heads, frames, cb, ids, goroutine_type, base, skip,
 *                    got) -> (h, k)
 *
 * The second loop of _Segmenter._run: makes the goroutine of block k (ending at ends[k]) and the
 * blocks after it, appends each to got and its id to ids, while the block's created-by pair is
 * in cb (the cache of _Lines.created_by), none of its frames is None and its id is new (or 0).
 * It stops at the first block it cannot make alone; the Python loop decides that one.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* the value of a hex digit, either case (is_hex's and upper-case ones), or -1 */
static int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The records made here (Frame and Goroutine, NamedTuples: tuple subclasses without a
 * __dict__, and a goroutine's tuple of frames) hold only strs, ints, None, booleans, tuples
 * and frozen records (Function, CreatedBy) that never point back at them: no reference cycle
 * can pass through them, so the cyclic collector need not visit them. CPython untracks a tuple
 * of such atomic items itself, but only when a collection first walks over it; for the millions
 * of frames of a big dump that first walk is about a sixth of the parse (0.26 s of 1.9 s at
 * 100k goroutines), and every full collection afterwards would walk them again. */
static void
untrack_record(PyObject *o)
{
    if (PyTuple_Check(o) && Py_TYPE(o)->tp_dictoffset == 0 && PyObject_GC_IsTracked(o)) {
        PyObject_GC_UnTrack(o);
    }
}

/* cache[(call, file)] (new reference), Py_None when it is not there, NULL on error */
static PyObject *
cached(PyObject *cache, PyObject *call, PyObject *file)
{
    PyObject *key = PyTuple_Pack(2, call, file);
    if (key == NULL) {
        return NULL;
    }
    PyObject *fr = PyDict_GetItemWithError(cache, key); /* borrowed */
    Py_DECREF(key);
    if (fr == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        fr = Py_None;
    }
    Py_INCREF(fr);
    return fr;
}

/* s[p:] starts with lit */
static int
at(const char *s, Py_ssize_t n, Py_ssize_t p, const char *lit)
{
    Py_ssize_t k = (Py_ssize_t)strlen(lit);
    return p + k <= n && memcmp(s + p, lit, (size_t)k) == 0;
}

/* the end of the run of hex digits at s[p:] (p itself when there is none) */
static Py_ssize_t
hex_end(const char *s, Py_ssize_t n, Py_ssize_t p)
{
    while (p < n && is_hex((unsigned char)s[p])) {
        p++;
    }
    return p;
}

/* The register suffix of a GOTRACEBACK=crash file line, " fp=0xH sp=0xH" with an optional
 * " pc=0xH", found as parse._REGS_RE.search finds it: the leftmost start from which it runs to
 * the end of the line. Returns that start and fills w with the [start, end) of each word's
 * digits (w[2][0] = -1 without pc=), or -1. */
static Py_ssize_t
regs_suffix(const char *s, Py_ssize_t n, Py_ssize_t w[3][2])
{
    for (Py_ssize_t p = 0; p < n; p++) {
        if (s[p] != ' ' || !at(s, n, p, " fp=0x")) {
            continue;
        }
        Py_ssize_t q = p + 6, e = hex_end(s, n, q);
        if (e == q || !at(s, n, e, " sp=0x")) {
            continue;
        }
        w[0][0] = q;
        w[0][1] = e;
        q = e + 6;
        e = hex_end(s, n, q);
        if (e == q) {
            continue;
        }
        w[1][0] = q;
        w[1][1] = e;
        w[2][0] = -1;
        if (e == n) {
            return p;
        }
        if (!at(s, n, e, " pc=0x")) {
            continue;
        }
        q = e + 6;
        e = hex_end(s, n, q);
        if (e == q || e != n) {
            continue;
        }
        w[2][0] = q;
        w[2][1] = e;
        return p;
    }
    return -1;
}

/* int(s[a:b], base), or NULL */
static PyObject *
num_int(const char *s, Py_ssize_t a, Py_ssize_t b, int base)
{
    char tmp[80];
    if (b - a >= (Py_ssize_t)sizeof(tmp)) {
        PyObject *t = PyUnicode_FromStringAndSize(s + a, b - a);
        if (t == NULL) {
            return NULL;
        }
        PyObject *v = PyLong_FromUnicodeObject(t, base);
        Py_DECREF(t);
        return v;
    }
    memcpy(tmp, s + a, (size_t)(b - a));
    tmp[b - a] = '\0';
    return PyLong_FromString(tmp, NULL, base);
}

/* What run_frames keeps for one call: the arguments, and two tables of its own.
 *
 * - skel: skeletons whose verdict is True, by a 64-bit FNV-1a hash of the skeleton (direct
 *   mapped; a slot holds its own str): most pairs of a run repeat a skeleton seen a few pairs
 *   before, and are then decided without building the str key and looking it up.
 * - made: the frames made in this call for a pointer-sized argument word (not cached), by
 *   (site, FNV-1a hash and length of the argument text), checked against the frame's text: a
 *   repeated pair (a recursive call with the same arguments) gets the same object, as
 *   _Lines.new_frames gives it in Python. Open addressing, sized for the run. */
typedef struct {
    unsigned long long h;
    PyObject *skel; /* owned */
} skel_slot;

typedef struct {
    unsigned long long h;
    PyObject *site, *frame; /* borrowed: the sites dict and the result list keep them */
} made_slot;

#define SKEL_SLOTS 512

typedef struct {
    PyObject *cache, *sites, *verdicts, *regs_shapes;
    PyTypeObject *ftype;
    Py_ssize_t max_line;
    char *buf;
    skel_slot skel[SKEL_SLOTS];
    made_slot *made;
    size_t made_mask;
} run_ctx;

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* 1 when the verdict of the skeleton buf[0:n] (hash h) is True, 0 when not or not known, -1 on
 * error */
static int
skeleton_true(run_ctx *x, Py_ssize_t n, unsigned long long h)
{
    skel_slot *sl = &x->skel[h & (SKEL_SLOTS - 1)];
    if (sl->skel != NULL && sl->h == h && PyUnicode_GET_LENGTH(sl->skel) == n
        && memcmp(PyUnicode_DATA(sl->skel), x->buf, (size_t)n) == 0) {
        return 1;
    }
    PyObject *skel = PyUnicode_New(n, 127); /* the str key _skeleton_ok stores its verdicts under */
    if (skel == NULL) {
        return -1;
    }
    memcpy(PyUnicode_DATA(skel), x->buf, (size_t)n);
    PyObject *verdict = PyDict_GetItemWithError(x->verdicts, skel); /* borrowed */
    if (verdict != Py_True) {
        Py_DECREF(skel);
        return verdict == NULL && PyErr_Occurred() ? -1 : 0;
    }
    Py_XSETREF(sl->skel, skel);
    sl->h = h;
    return 1;
}

/* the frame made in this call for (site, argument text a[0:alen], hash h), borrowed, or NULL */
static PyObject *
made_get(run_ctx *x, PyObject *site, const char *a, Py_ssize_t alen, unsigned long long h)
{
    for (size_t i = (size_t)h & x->made_mask;; i = (i + 1) & x->made_mask) {
        made_slot *sl = &x->made[i];
        if (sl->frame == NULL) {
            return NULL;
        }
        if (sl->h == h && sl->site == site) {
            PyObject *t = PyTuple_GET_ITEM(sl->frame, 1);
            if (PyUnicode_GET_LENGTH(t) == alen && memcmp(PyUnicode_DATA(t), a, (size_t)alen) == 0) {
                return sl->frame;
            }
        }
    }
}

static void
made_put(run_ctx *x, PyObject *site, unsigned long long h, PyObject *frame)
{
    size_t i = (size_t)h & x->made_mask;
    while (x->made[i].frame != NULL) {
        i = (i + 1) & x->made_mask;
    }
    x->made[i].h = h;
    x->made[i].site = site;
    x->made[i].frame = frame;
}

/* The frame of one pair (new reference): by its file line's site, else from the cache, else
 * Py_None; NULL on error. A frame whose arguments hold a pointer-sized word is made without
 * looking in the cache (it is not there: it is never put there). */
static PyObject *
pair_frame(run_ctx *x, PyObject *call, PyObject *file)
{
    PyObject *cache = x->cache, *sites = x->sites, *regs_shapes = x->regs_shapes;
    PyTypeObject *ftype = x->ftype;
    Py_ssize_t max_line = x->max_line;
    char *buf = x->buf;
    if (!PyUnicode_CheckExact(call) || !PyUnicode_CheckExact(file) || !PyUnicode_IS_ASCII(call)) {
        return cached(cache, call, file);
    }
    PyObject *site = PyDict_GetItemWithError(sites, file); /* borrowed */
    Py_ssize_t w[3][2];
    int regs = 0;
    if (site == NULL && !PyErr_Occurred() && PyUnicode_IS_ASCII(file)
        && PyUnicode_GET_LENGTH(file) <= max_line) {
        /* GOTRACEBACK=crash: the site of the file line without its registers, when the grammar
         * has accepted a register suffix of this shape (_Lines.regs_shapes) */
        const char *f = (const char *)PyUnicode_DATA(file);
        Py_ssize_t p = regs_suffix(f, PyUnicode_GET_LENGTH(file), w);
        if (p > 0) {
            int known = PyDict_Contains(regs_shapes, w[2][0] >= 0 ? Py_True : Py_False);
            if (known < 0) {
                return NULL;
            }
            if (known) {
                PyObject *base = PyUnicode_Substring(file, 0, p);
                if (base == NULL) {
                    return NULL;
                }
                site = PyDict_GetItemWithError(sites, base); /* borrowed: the dict keeps it */
                Py_DECREF(base);
                regs = 1;
            }
        }
    }
    if (site == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        return cached(cache, call, file);
    }
    if (!PyTuple_CheckExact(site) || PyTuple_GET_SIZE(site) != 4) {
        return cached(cache, call, file);
    }
    PyObject *prefix = PyTuple_GET_ITEM(site, 0);
    PyObject *function = PyTuple_GET_ITEM(site, 2);
    PyObject *tail = PyTuple_GET_ITEM(site, 3);
    if (!PyUnicode_CheckExact(prefix) || !PyUnicode_IS_ASCII(prefix) || !PyTuple_CheckExact(tail)
        || PyTuple_GET_SIZE(tail) != 7) {
        return cached(cache, call, file);
    }
    Py_ssize_t clen = PyUnicode_GET_LENGTH(call);
    Py_ssize_t plen = PyUnicode_GET_LENGTH(prefix);
    const char *c = (const char *)PyUnicode_DATA(call);
    if (clen > max_line || clen < plen + 1 || c[clen - 1] != ')'
        || memcmp(c, PyUnicode_DATA(prefix), (size_t)plen) != 0) {
        return cached(cache, call, file);
    }
    /* the skeleton of the argument text c[plen : clen - 1], and the hashes of both */
    const char *a = c + plen;
    Py_ssize_t alen = clen - 1 - plen;
    Py_ssize_t n = 0;
    int shared = 1;
    unsigned long long hs = FNV_OFFSET, ha = FNV_OFFSET;
    for (Py_ssize_t i = 0; i < alen;) {
        unsigned char ch = (unsigned char)a[i];
        if (ch == 'X') {
            return cached(cache, call, file);
        }
        if (ch == '0' && i + 1 < alen && a[i + 1] == 'x') {
            buf[n++] = 'X';
            hs = (hs ^ 'X') * FNV_PRIME;
            ha = (((ha ^ '0') * FNV_PRIME) ^ 'x') * FNV_PRIME;
            i += 2;
            Py_ssize_t run = 0;
            /* the hex run after "0x", up to the next "0x" (replaced first, as bytes.replace does) */
            while (i < alen && is_hex((unsigned char)a[i]) && !(a[i] == '0' && i + 1 < alen && a[i + 1] == 'x')) {
                buf[n++] = 'h';
                hs = (hs ^ 'h') * FNV_PRIME;
                ha = (ha ^ (unsigned char)a[i]) * FNV_PRIME;
                i++;
                run++;
            }
            if (run >= 5) {
                shared = 0;
            }
            continue;
        }
        char sk = is_hex(ch) ? 'h' : (char)ch;
        buf[n++] = sk;
        hs = (hs ^ (unsigned char)sk) * FNV_PRIME;
        ha = (ha ^ ch) * FNV_PRIME;
        i++;
    }
    int ok = skeleton_true(x, n, hs);
    if (ok <= 0) {
        return ok < 0 ? NULL : cached(cache, call, file);
    }
    PyObject *key = NULL;
    if (regs) {
        shared = 0; /* registers differ from frame to frame */
    }
    else if (!shared) {
        /* a pointer-sized word: not in the line cache, but maybe made earlier in this run */
        PyObject *fr = made_get(x, site, a, alen, ha);
        if (fr != NULL) {
            Py_INCREF(fr);
            return fr;
        }
    }
    if (shared) {
        key = PyTuple_Pack(2, call, file);
        if (key == NULL) {
            return NULL;
        }
        PyObject *fr = PyDict_GetItemWithError(cache, key); /* borrowed */
        if (fr != NULL) {
            Py_DECREF(key);
            Py_INCREF(fr);
            return fr;
        }
        if (PyErr_Occurred()) {
            Py_DECREF(key);
            return NULL;
        }
    }
    PyObject *args = PyUnicode_Substring(call, plen, clen - 1);
    if (args == NULL) {
        Py_XDECREF(key);
        return NULL;
    }
    Py_ssize_t nt = PyTuple_GET_SIZE(tail);
    PyObject *frame = ftype->tp_alloc(ftype, 2 + nt);
    if (frame == NULL) {
        Py_DECREF(args);
        Py_XDECREF(key);
        return NULL;
    }
    Py_INCREF(function);
    PyTuple_SET_ITEM(frame, 0, function);
    PyTuple_SET_ITEM(frame, 1, args);
    for (Py_ssize_t i = 0; i < nt; i++) {
        PyObject *v = PyTuple_GET_ITEM(tail, i);
        if (regs && i >= 3 && i <= 5) {
            /* tail = (file, line, offset, fp, sp, pc, cgo): the registers of this line */
            const char *f = (const char *)PyUnicode_DATA(file);
            v = w[i - 3][0] < 0 ? Py_NewRef(Py_None) : num_int(f, w[i - 3][0], w[i - 3][1], 16);
            if (v == NULL) {
                Py_DECREF(frame);
                return NULL;
            }
            PyTuple_SET_ITEM(frame, 2 + i, v);
            continue;
        }
        Py_INCREF(v);
        PyTuple_SET_ITEM(frame, 2 + i, v);
    }
    untrack_record(frame);
    if (key != NULL) {
        int r = PyDict_SetItem(cache, key, frame);
        Py_DECREF(key);
        if (r < 0) {
            Py_DECREF(frame);
            return NULL;
        }
    }
    else if (!regs) {
        made_put(x, site, ha, frame); /* (the result list keeps it alive) */
    }
    return frame;
}

static void
run_ctx_free(run_ctx *x)
{
    for (int i = 0; i < SKEL_SLOTS; i++) {
        Py_XDECREF(x->skel[i].skel);
    }
    PyMem_Free(x->buf);
    PyMem_Free(x->made);
    PyMem_Free(x);
}

static PyObject *
run_frames(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "run_frames expects 9 arguments");
        return NULL;
    }
    PyObject *lines = args[0];
    Py_ssize_t first = PyLong_AsSsize_t(args[1]);
    Py_ssize_t count = PyLong_AsSsize_t(args[2]);
    PyObject *cache = args[3], *sites = args[4], *verdicts = args[5], *regs_shapes = args[6];
    Py_ssize_t max_line = PyLong_AsSsize_t(args[8]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (!PyList_Check(lines) || !PyDict_Check(cache) || !PyDict_Check(sites) || !PyDict_Check(verdicts)
        || !PyDict_Check(regs_shapes) || !PyType_Check(args[7])
        || !PyType_IsSubtype((PyTypeObject *)args[7], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "run_frames: bad argument types");
        return NULL;
    }
    PyTypeObject *ftype = (PyTypeObject *)args[7];
    if (first < 0 || count < 0 || max_line < 0 || first + 2 * count > PyList_GET_SIZE(lines)) {
        PyErr_SetString(PyExc_ValueError, "run_frames: pairs out of range");
        return NULL;
    }
    run_ctx *x = PyMem_Calloc(1, sizeof(run_ctx));
    size_t slots = 16;
    while (slots < 2 * (size_t)count + 1) {
        slots *= 2;
    }
    char *buf = PyMem_Malloc((size_t)max_line + 1);
    made_slot *made = PyMem_Calloc(slots, sizeof(made_slot));
    PyObject *out = PyList_New(count);
    if (x == NULL || buf == NULL || made == NULL || out == NULL) {
        PyMem_Free(x);
        PyMem_Free(buf);
        PyMem_Free(made);
        Py_XDECREF(out);
        return out == NULL ? NULL : PyErr_NoMemory();
    }
    x->cache = cache;
    x->sites = sites;
    x->verdicts = verdicts;
    x->regs_shapes = regs_shapes;
    x->ftype = ftype;
    x->max_line = max_line;
    x->buf = buf;
    x->made = made;
    x->made_mask = slots - 1;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *call = PyList_GET_ITEM(lines, first + 2 * k);
        PyObject *file = PyList_GET_ITEM(lines, first + 2 * k + 1);
        PyObject *fr = pair_frame(x, call, file);
        if (fr == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(out, k, fr);
    }
    run_ctx_free(x);
    return out;
fail:
    run_ctx_free(x);
    Py_DECREF(out);
    return NULL;
}

/* "goroutine " then ASCII digits up to the first space: the id, or -1 when the Python side must
 * decide (no space, not digits, too long to be an int64 the usual way). *sp: the space. */
static long long
header_id(PyObject *line, Py_ssize_t *sp)
{
    if (!PyUnicode_CheckExact(line) || !PyUnicode_IS_ASCII(line)) {
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    const char *c = (const char *)PyUnicode_DATA(line);
    if (n < 11 || memcmp(c, "goroutine ", 10) != 0) {
        return -1;
    }
    long long v = 0;
    Py_ssize_t j = 10;
    while (j < n && c[j] >= '0' && c[j] <= '9') {
        if (j - 10 >= 18) {
            return -1;
        }
        v = v * 10 + (c[j] - '0');
        j++;
    }
    if (j == 10 || j >= n || c[j] != ' ') {
        return -1;
    }
    *sp = j;
    return v;
}

static int
has_prefix(PyObject *s, const char *prefix, Py_ssize_t plen)
{
    return PyUnicode_CheckExact(s) && PyUnicode_IS_ASCII(s) && PyUnicode_GET_LENGTH(s) >= plen
           && memcmp(PyUnicode_DATA(s), prefix, (size_t)plen) == 0;
}

/* 1 when the id gid is in ids and not 0 (id 0 may repeat: an M's g0 in each thread section),
 * 0 when not, -1 on error */
static int
id_taken(PyObject *ids, PyObject *gid)
{
    int zero = PyObject_Not(gid);
    if (zero != 0) {
        return zero < 0 ? -1 : 0;
    }
    return PySet_Contains(ids, gid);
}

static int
append_ssize(PyObject *list, Py_ssize_t v)
{
    PyObject *o = PyLong_FromSsize_t(v);
    if (o == NULL) {
        return -1;
    }
    int r = PyList_Append(list, o);
    Py_DECREF(o);
    return r;
}

/* The fields of a goroutine header after its id (a new tuple, as _Lines.run_header gives them:
 * state .. labels, gp, m, mp), when the grammar has read that text before: a plain header's
 * text after the id is in hfast; a header with gp=/m= words (GOTRACEBACK=crash, system) has
 * them read here (the words of parse._HDR_RE) and its text from " [" in headers. NULL without
 * an error when the Python side must decide. */
static PyObject *
header_fields(PyObject *line, Py_ssize_t sp, PyObject *hfast, PyObject *headers, Py_ssize_t max_line)
{
    const char *c = (const char *)PyUnicode_DATA(line);
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    if (!at(c, n, sp, " gp=0x")) {
        PyObject *rest = PyUnicode_Substring(line, sp, n);
        if (rest == NULL) {
            return NULL;
        }
        PyObject *t = PyDict_GetItemWithError(hfast, rest); /* borrowed */
        Py_DECREF(rest);
        Py_XINCREF(t);
        return t;
    }
    if (n > max_line) {
        return NULL;
    }
    Py_ssize_t g0 = sp + 6, g1 = hex_end(c, n, g0);
    if (g1 == g0 || !at(c, n, g1, " m=")) {
        return NULL;
    }
    Py_ssize_t m0 = g1 + 3, m1 = m0, p0 = -1, p1 = -1, r;
    if (at(c, n, m0, "nil")) {
        r = m0 + 3;
        m0 = -1;
    }
    else {
        while (m1 < n && c[m1] >= '0' && c[m1] <= '9') {
            m1++;
        }
        if (m1 == m0 || !at(c, n, m1, " mp=0x")) {
            return NULL;
        }
        p0 = m1 + 6;
        p1 = hex_end(c, n, p0);
        if (p1 == p0) {
            return NULL;
        }
        r = p1;
    }
    if (!at(c, n, r, " [")) {
        return NULL;
    }
    PyObject *rest = PyUnicode_Substring(line, r, n);
    if (rest == NULL) {
        return NULL;
    }
    PyObject *tmpl = PyDict_GetItemWithError(headers, rest); /* borrowed: HeaderInfo with id 0 */
    Py_DECREF(rest);
    if (tmpl == NULL || !PyTuple_Check(tmpl) || PyTuple_GET_SIZE(tmpl) != 13) {
        return NULL;
    }
    PyObject *t = PyTuple_New(12);
    if (t == NULL) {
        return NULL;
    }
    for (Py_ssize_t q = 1; q <= 9; q++) {
        PyObject *v = PyTuple_GET_ITEM(tmpl, q);
        Py_INCREF(v);
        PyTuple_SET_ITEM(t, q - 1, v);
    }
    PyObject *gp = num_int(c, g0, g1, 16);
    PyObject *m = m0 < 0 ? Py_NewRef(Py_None) : num_int(c, m0, m1, 10);
    PyObject *mp = p0 < 0 ? Py_NewRef(Py_None) : num_int(c, p0, p1, 16);
    if (gp == NULL || m == NULL || mp == NULL) {
        Py_XDECREF(gp);
        Py_XDECREF(m);
        Py_XDECREF(mp);
        Py_DECREF(t);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 9, gp);
    PyTuple_SET_ITEM(t, 10, m);
    PyTuple_SET_ITEM(t, 11, mp);
    return t;
}

static PyObject *
scan_blocks(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "scan_blocks expects 11 arguments");
        return NULL;
    }
    PyObject *lines = args[0];
    Py_ssize_t h = PyLong_AsSsize_t(args[1]);
    Py_ssize_t i = PyLong_AsSsize_t(args[2]);
    Py_ssize_t window = PyLong_AsSsize_t(args[3]);
    PyObject *hfast = args[4], *headers = args[5], *ids = args[6], *ends = args[7], *heads = args[8];
    PyObject *skips = args[9];
    Py_ssize_t max_line = PyLong_AsSsize_t(args[10]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (!PyList_Check(lines) || !PyDict_Check(hfast) || !PyDict_Check(headers) || !PyAnySet_Check(ids)
        || !PyList_Check(ends) || !PyList_Check(heads) || !PyList_Check(skips)) {
        PyErr_SetString(PyExc_TypeError, "scan_blocks: bad argument types");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(lines);
    int more = 0;
    while (PyList_GET_SIZE(ends) < window && h >= 0 && h < n) {
        PyObject *line = PyList_GET_ITEM(lines, h);
        Py_ssize_t sp = 0;
        long long v = header_id(line, &sp);
        if (v < 0) {
            more = 1;
            break;
        }
        PyObject *t = header_fields(line, sp, hfast, headers, max_line); /* new reference */
        if (t == NULL) {
            if (PyErr_Occurred()) {
                return NULL;
            }
            more = 1;
            break;
        }
        PyObject *gid = PyLong_FromLongLong(v);
        if (gid == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        int taken = id_taken(ids, gid);
        if (taken != 0) {
            Py_DECREF(gid);
            Py_DECREF(t);
            if (taken < 0) {
                return NULL;
            }
            break;
        }
        Py_ssize_t b = h + 1;
        while (b < n) {
            PyObject *x = PyList_GET_ITEM(lines, b);
            if (PyUnicode_CheckExact(x) && PyUnicode_GET_LENGTH(x) == 0) {
                break;
            }
            b++;
        }
        if (b >= n || !((b - h) & 1)) {
            Py_DECREF(gid);
            Py_DECREF(t);
            break;
        }
        PyObject *head = PyTuple_Pack(2, gid, t);
        Py_DECREF(gid);
        Py_DECREF(t);
        if (head == NULL || append_ssize(ends, b) < 0 || PyList_Append(heads, head) < 0
            || append_ssize(skips, (b - i - 1) >> 1) < 0) {
            Py_XDECREF(head);
            return NULL;
        }
        Py_DECREF(head);
        if (b - 2 >= 0 && has_prefix(PyList_GET_ITEM(lines, b - 2), "created by ", 11)
            && append_ssize(skips, (b - i - 3) >> 1) < 0) {
            return NULL;
        }
        h = b + 1;
        if (h >= n || !has_prefix(PyList_GET_ITEM(lines, h), "goroutine ", 10)) {
            break;
        }
    }
    return Py_BuildValue("(nO)", h, more ? Py_True : Py_False);
}

static PyObject *
build_goroutines(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 13) {
        PyErr_SetString(PyExc_TypeError, "build_goroutines expects 13 arguments");
        return NULL;
    }
    PyObject *lines = args[0];
    Py_ssize_t i = PyLong_AsSsize_t(args[1]);
    Py_ssize_t h = PyLong_AsSsize_t(args[2]);
    Py_ssize_t k = PyLong_AsSsize_t(args[3]);
    PyObject *ends = args[4], *heads = args[5], *frames = args[6], *cb = args[7], *ids = args[8];
    PyObject *gtype_o = args[9];
    Py_ssize_t base = PyLong_AsSsize_t(args[10]);
    PyObject *skip = args[11], *got = args[12];
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (!PyList_Check(lines) || !PyList_Check(ends) || !PyList_Check(heads) || !PyList_Check(frames)
        || !PyDict_Check(cb) || !PyAnySet_Check(ids) || !PyType_Check(gtype_o)
        || !PyType_IsSubtype((PyTypeObject *)gtype_o, &PyTuple_Type) || !PyList_Check(got)
        || PyList_GET_SIZE(ends) != PyList_GET_SIZE(heads)) {
        PyErr_SetString(PyExc_TypeError, "build_goroutines: bad argument types");
        return NULL;
    }
    PyTypeObject *gtype = (PyTypeObject *)gtype_o;
    Py_ssize_t n = PyList_GET_SIZE(lines), m = PyList_GET_SIZE(frames);
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL) {
        return NULL;
    }
    for (; k < PyList_GET_SIZE(ends); k++) {
        Py_ssize_t b = PyLong_AsSsize_t(PyList_GET_ITEM(ends, k));
        PyObject *head = PyList_GET_ITEM(heads, k);
        if (b == -1 && PyErr_Occurred()) {
            goto fail;
        }
        if (!PyTuple_CheckExact(head) || PyTuple_GET_SIZE(head) != 2 || b >= n || b < h) {
            break;
        }
        PyObject *gid = PyTuple_GET_ITEM(head, 0);
        PyObject *t = PyTuple_GET_ITEM(head, 1);
        if (!PyLong_CheckExact(gid) || !PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 12) {
            break;
        }
        int taken = id_taken(ids, gid);
        if (taken < 0) {
            goto fail;
        }
        if (taken) {
            break;
        }
        Py_ssize_t p0 = (h - i) >> 1, p1 = (b - i - 1) >> 1;
        PyObject *created = Py_None; /* borrowed */
        if (b - h >= 3 && has_prefix(PyList_GET_ITEM(lines, b - 2), "created by ", 11)) {
            PyObject *key = PyTuple_Pack(2, PyList_GET_ITEM(lines, b - 2), PyList_GET_ITEM(lines, b - 1));
            if (key == NULL) {
                goto fail;
            }
            created = PyDict_GetItemWithError(cb, key);
            Py_DECREF(key);
            if (created == NULL) {
                if (PyErr_Occurred()) {
                    goto fail;
                }
                break;
            }
            p1 -= 1;
        }
        if (p0 < 0 || p1 < p0 || p1 > m) {
            break;
        }
        int bad = 0;
        for (Py_ssize_t q = p0; q < p1; q++) {
            PyObject *f = PyList_GET_ITEM(frames, q);
            if (f == Py_None || f == skip) {
                bad = 1;
                break;
            }
        }
        if (bad) {
            break;
        }
        PyObject *fr = PyList_GetSlice(frames, p0, p1);
        if (fr == NULL) {
            goto fail;
        }
        PyObject *frt = PyList_AsTuple(fr);
        Py_DECREF(fr);
        if (frt == NULL) {
            goto fail;
        }
        PyObject *line = PyLong_FromSsize_t(base + h + 1);
        if (line == NULL) {
            Py_DECREF(frt);
            goto fail;
        }
        PyObject *g = gtype->tp_alloc(gtype, 20);
        if (g == NULL) {
            Py_DECREF(frt);
            Py_DECREF(line);
            goto fail;
        }
        /* (id, state, frames, wait_minutes .. labels, gp, m, mp, elision, created_by, ancestors,
         *  stack_unavailable, truncated, line) */
        Py_INCREF(gid);
        PyTuple_SET_ITEM(g, 0, gid);
        PyObject *st = PyTuple_GET_ITEM(t, 0);
        Py_INCREF(st);
        PyTuple_SET_ITEM(g, 1, st);
        PyTuple_SET_ITEM(g, 2, frt);
        for (Py_ssize_t q = 1; q <= 8; q++) {
            PyObject *v = PyTuple_GET_ITEM(t, q);
            Py_INCREF(v);
            PyTuple_SET_ITEM(g, 2 + q, v);
        }
        for (Py_ssize_t q = 9; q <= 11; q++) { /* gp, m, mp */
            PyObject *v = PyTuple_GET_ITEM(t, q);
            Py_INCREF(v);
            PyTuple_SET_ITEM(g, 2 + q, v);
        }
        Py_INCREF(Py_None); /* elision */
        PyTuple_SET_ITEM(g, 14, Py_None);
        Py_INCREF(created);
        PyTuple_SET_ITEM(g, 15, created);
        Py_INCREF(empty);
        PyTuple_SET_ITEM(g, 16, empty);
        Py_INCREF(Py_False);
        PyTuple_SET_ITEM(g, 17, Py_False);
        Py_INCREF(Py_False);
        PyTuple_SET_ITEM(g, 18, Py_False);
        PyTuple_SET_ITEM(g, 19, line);
        untrack_record(frt);
        untrack_record(g);
        int r = PyList_Append(got, g);
        Py_DECREF(g);
        if (r < 0 || PySet_Add(ids, gid) < 0) {
            goto fail;
        }
        h = b + 1;
    }
    Py_DECREF(empty);
    return Py_BuildValue("(nn)", h, k);
fail:
    Py_DECREF(empty);
    return NULL;
}

/* ======================================================================================
 * Analysis kernels (stackparse/blocking.py). Like the parse loops above, each has a Python
 * twin that is its definition, and tests/test_speedups.py holds the two equal.
 *
 *   flat_words(rows, idxs, slow) -> list
 *
 * blocking.rows_words: for each row (a tuple of argument texts, one per frame of a stack, or
 * the stack's Frame tuples themselves, whose args_text is item 1),
 * the list of (word, i) for every exact pointer word (hex, no "?", at least 0x10000) of
 * row[i], i in idxs in that order. A text in the grammar's flat argument language
 * (blocking._FLAT: items "{*WORD}*" or "{+}+" separated by ", ", WORD one of 0x + lower-case
 * hex digits, decimal digits, each optionally followed by "?", "..." or "_") whose words fit
 * in 64 bits is read here; any other text is handed to slow(text), which returns its words.
 * idxs may also be a list of such tuples, one per row (blocking.stacks_words: stacks of any
 * shapes, read in the order given, which is the order the parser allocated them in).
 * ====================================================================================== */

#define FLAT_MAX_WORDS 64
#define MIN_POINTER 0x10000ULL

/* Reads one flat argument text. Returns the number of exact words >= MIN_POINTER stored in
 * ws (at most FLAT_MAX_WORDS), or -1 when the text is not flat, a word does not fit in 64
 * bits, or there are more words than ws holds: the caller then asks the Python side. */
static int
flat_scan(const unsigned char *s, Py_ssize_t n, unsigned long long *ws)
{
    int nw = 0;
    Py_ssize_t p = 0;
    if (n == 0) {
        return 0;
    }
    for (;;) {
        /* one item */
        Py_ssize_t open = p;
        while (p < n && s[p] == '{') {
            p++;
        }
        if (p < n && s[p] == '}' && p > open) {
            /* "{+}+" */
            while (p < n && s[p] == '}') {
                p++;
            }
        }
        else if (p + 1 < n && s[p] == '0' && s[p + 1] == 'x' && p + 2 < n && is_hex(s[p + 2])) {
            Py_ssize_t q = p + 2;
            while (q < n && s[q] == '0') {
                q++;
            }
            Py_ssize_t e = hex_end((const char *)s, n, q);
            int exact = !(e < n && s[e] == '?');
            if (exact) {
                if (e - q > 16) {
                    return -1;
                }
                unsigned long long v = 0;
                for (Py_ssize_t k = q; k < e; k++) {
                    v = (v << 4) | (unsigned long long)hex_value(s[k]); /* digits is_hex let through */
                }
                if (v >= MIN_POINTER) {
                    if (nw == FLAT_MAX_WORDS) {
                        return -1;
                    }
                    ws[nw++] = v;
                }
            }
            p = exact ? e : e + 1;
            while (p < n && s[p] == '}') {
                p++;
            }
        }
        else if (p < n && s[p] >= '0' && s[p] <= '9') {
            while (p < n && s[p] >= '0' && s[p] <= '9') {
                p++;
            }
            if (p < n && s[p] == '?') {
                p++;
            }
            while (p < n && s[p] == '}') {
                p++;
            }
        }
        else if (p + 2 < n && s[p] == '.' && s[p + 1] == '.' && s[p + 2] == '.') {
            p += 3;
            while (p < n && s[p] == '}') {
                p++;
            }
        }
        else if (p < n && s[p] == '_') {
            p++;
            while (p < n && s[p] == '}') {
                p++;
            }
        }
        else {
            return -1;
        }
        if (p == n) {
            return nw;
        }
        if (p + 1 < n && s[p] == ',' && s[p + 1] == ' ') {
            p += 2;
            continue;
        }
        return -1;
    }
}

/* appends (word, i) to out for each word; ws_obj is a tuple of ints (slow path) or NULL */
static int
append_words(PyObject *out, PyObject *i, const unsigned long long *ws, int nw)
{
    for (int k = 0; k < nw; k++) {
        PyObject *w = PyLong_FromUnsignedLongLong(ws[k]);
        if (w == NULL) {
            return -1;
        }
        PyObject *t = PyTuple_New(2);
        if (t == NULL) {
            Py_DECREF(w);
            return -1;
        }
        PyTuple_SET_ITEM(t, 0, w);
        Py_INCREF(i);
        PyTuple_SET_ITEM(t, 1, i);
        int r = PyList_Append(out, t);
        Py_DECREF(t);
        if (r < 0) {
            return -1;
        }
    }
    return 0;
}

static int
append_slow(PyObject *out, PyObject *i, PyObject *slow, PyObject *text)
{
    PyObject *ws = PyObject_CallOneArg(slow, text);
    if (ws == NULL) {
        return -1;
    }
    PyObject *seq = PySequence_Fast(ws, "slow() must return a sequence of words");
    Py_DECREF(ws);
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t k = 0; k < m; k++) {
        PyObject *t = PyTuple_Pack(2, PySequence_Fast_GET_ITEM(seq, k), i);
        if (t == NULL || PyList_Append(out, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(seq);
            return -1;
        }
        Py_DECREF(t);
    }
    Py_DECREF(seq);
    return 0;
}

/* the frame indexes of idxs (a tuple of non-negative ints) into *ix, grown to hold them; -1 */
static int
read_idxs(PyObject *idxs, Py_ssize_t **ix, Py_ssize_t *room)
{
    Py_ssize_t ni = PyTuple_GET_SIZE(idxs);
    if (ni > *room) {
        Py_ssize_t *grown = PyMem_Realloc(*ix, sizeof(Py_ssize_t) * (size_t)ni);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *ix = grown;
        *room = ni;
    }
    for (Py_ssize_t j = 0; j < ni; j++) {
        (*ix)[j] = PyLong_AsSsize_t(PyTuple_GET_ITEM(idxs, j));
        if ((*ix)[j] < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "flat_words: negative frame index");
            }
            return -1;
        }
    }
    return 0;
}

static PyObject *
flat_words(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 3 || !PyList_Check(args[0]) || !(PyTuple_Check(args[1]) || PyList_Check(args[1])) ||
        !PyCallable_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "flat_words(rows: list, idxs: tuple | list[tuple], slow)");
        return NULL;
    }
    PyObject *rows = args[0], *idxs = args[1], *slow = args[2];
    Py_ssize_t n = PyList_GET_SIZE(rows);
    int per_row = PyList_Check(idxs);
    if (per_row && PyList_GET_SIZE(idxs) != n) {
        PyErr_SetString(PyExc_ValueError, "flat_words: one idxs tuple per row");
        return NULL;
    }
    Py_ssize_t room = 8, ni = 0;
    Py_ssize_t *ix = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)room);
    if (ix == NULL) {
        return PyErr_NoMemory();
    }
    PyObject *row_idxs = per_row ? NULL : idxs; /* the tuple ix holds */
    if (!per_row) {
        if (read_idxs(idxs, &ix, &room) < 0) {
            PyMem_Free(ix);
            return NULL;
        }
        ni = PyTuple_GET_SIZE(idxs);
    }
    PyObject *result = PyList_New(n);
    if (result == NULL) {
        PyMem_Free(ix);
        return NULL;
    }
    unsigned long long ws[FLAT_MAX_WORDS];
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *out = PyList_New(0);
        if (out == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(result, k, out);
        if (per_row) {
            PyObject *t = PyList_GET_ITEM(idxs, k);
            if (!PyTuple_Check(t)) {
                PyErr_SetString(PyExc_TypeError, "flat_words: each row's idxs must be a tuple");
                goto fail;
            }
            if (t != row_idxs) { /* rows of one stack group share their tuple */
                if (read_idxs(t, &ix, &room) < 0) {
                    goto fail;
                }
                row_idxs = t;
                ni = PyTuple_GET_SIZE(t);
            }
        }
        PyObject *row = PyList_GET_ITEM(rows, k);
        if (!PyTuple_Check(row)) {
            PyErr_SetString(PyExc_TypeError, "flat_words: each row must be a tuple of str or of Frames");
            goto fail;
        }
        Py_ssize_t len = PyTuple_GET_SIZE(row);
        for (Py_ssize_t j = 0; j < ni; j++) {
            if (ix[j] >= len) {
                PyErr_SetString(PyExc_IndexError, "flat_words: frame index out of range");
                goto fail;
            }
            PyObject *text = PyTuple_GET_ITEM(row, ix[j]);
            if (PyTuple_Check(text) && PyTuple_GET_SIZE(text) > 1) {
                text = PyTuple_GET_ITEM(text, 1); /* a Frame: its args_text */
            }
            if (!PyUnicode_Check(text)) {
                PyErr_SetString(PyExc_TypeError, "flat_words: argument texts must be str");
                goto fail;
            }
            int nw = -1;
            if (PyUnicode_IS_ASCII(text)) {
                nw = flat_scan(PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), ws);
            }
            PyObject *i = PyTuple_GET_ITEM(row_idxs, j);
            if (nw > 0 ? append_words(out, i, ws, nw) < 0 : nw < 0 && append_slow(out, i, slow, text) < 0) {
                goto fail;
            }
        }
    }
    PyMem_Free(ix);
    return result;
fail:
    PyMem_Free(ix);
    Py_DECREF(result);
    return NULL;
}

/*   stack_groups(goroutines, state_i, frames_i, cb_i) -> (group_of, reps)
 *
 * blocking.classify_all's grouping: goroutines with equal states, the same creator function
 * object (created_by.function, or None), the same "id is 1", and in every frame the same
 * function object and an equal file and line, fall in one group (the parser shares one Function
 * object per name, whose own hash and == are Python code: they are compared by identity).
 * group_of[k] is the group of goroutines[k]; reps[j] is the index of group j's first goroutine.
 * A group is a subset of a group by value, so the caller, which looks up what it needs per group
 * by value, gets what it would per goroutine. blocking._stack_groups_py is its Python twin. */

typedef struct {
    Py_hash_t hash;
    Py_ssize_t rep; /* index of the group's first goroutine; -1: empty slot */
    Py_ssize_t grp;
} group_slot;

static PyObject *
creator_function(PyObject *g, Py_ssize_t cb_i, PyObject *name)
{
    PyObject *cb = PyTuple_GET_ITEM(g, cb_i);
    if (cb == Py_None) {
        Py_INCREF(Py_None);
        return Py_None;
    }
    return PyObject_GetAttr(cb, name);
}

static int
id_is_one(PyObject *gid)
{
    int overflow = 0;
    return PyLong_Check(gid) && PyLong_AsLongAndOverflow(gid, &overflow) == 1 && !overflow;
}

/* equal states, and in every frame the same function object and equal file and line; 1, 0, or
 * -1 on error */
static int
same_stack(PyObject *a, PyObject *b, Py_ssize_t state_i, Py_ssize_t frames_i)
{
    int r = PyObject_RichCompareBool(PyTuple_GET_ITEM(a, state_i), PyTuple_GET_ITEM(b, state_i), Py_EQ);
    if (r <= 0) {
        return r;
    }
    PyObject *sa = PyTuple_GET_ITEM(a, frames_i), *sb = PyTuple_GET_ITEM(b, frames_i);
    Py_ssize_t n = PyTuple_GET_SIZE(sa);
    if (PyTuple_GET_SIZE(sb) != n) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyTuple_GET_ITEM(sa, i), *y = PyTuple_GET_ITEM(sb, i);
        if (x == y) {
            continue;
        }
        if (PyTuple_GET_ITEM(x, 0) != PyTuple_GET_ITEM(y, 0)) {
            return 0;
        }
        for (int k = 2; k <= 3; k++) { /* file, line */
            r = PyObject_RichCompareBool(PyTuple_GET_ITEM(x, k), PyTuple_GET_ITEM(y, k), Py_EQ);
            if (r <= 0) {
                return r;
            }
        }
    }
    return 1;
}

#define FNV(h, v) ((h) = ((h) ^ (Py_uhash_t)(v)) * 1099511628211ULL)

static PyObject *
stack_groups(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 4 || !PyTuple_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "stack_groups(goroutines: tuple, state_i, frames_i, cb_i)");
        return NULL;
    }
    PyObject *gs = args[0];
    Py_ssize_t state_i = PyLong_AsSsize_t(args[1]), frames_i = PyLong_AsSsize_t(args[2]),
               cb_i = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (state_i < 1 || frames_i < 1 || cb_i < 1) {
        PyErr_SetString(PyExc_ValueError, "stack_groups: field indexes must be positive");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(gs);
    Py_ssize_t top = state_i > frames_i ? state_i : frames_i;
    top = top > cb_i ? top : cb_i;
    /* every goroutine a tuple long enough, its frames a tuple of tuples of at least 4 items */
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *g = PyTuple_GET_ITEM(gs, k);
        if (!PyTuple_Check(g) || PyTuple_GET_SIZE(g) <= top || !PyTuple_Check(PyTuple_GET_ITEM(g, frames_i))) {
            PyErr_SetString(PyExc_TypeError, "stack_groups: goroutines must be Goroutine tuples");
            return NULL;
        }
        PyObject *fs = PyTuple_GET_ITEM(g, frames_i);
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fs); i++) {
            PyObject *f = PyTuple_GET_ITEM(fs, i);
            if (!PyTuple_Check(f) || PyTuple_GET_SIZE(f) < 4) {
                PyErr_SetString(PyExc_TypeError, "stack_groups: frames must be Frame tuples");
                return NULL;
            }
        }
    }
    size_t cap = 64;
    while (cap < 2 * (size_t)(n + 1)) {
        cap <<= 1;
    }
    PyObject *name = PyUnicode_InternFromString("function");
    PyObject *group_of = PyList_New(n);
    PyObject *reps = PyList_New(0);
    PyObject *creators = PyList_New(0); /* creators[j]: the creator function of group j */
    group_slot *table = PyMem_Malloc(cap * sizeof(group_slot));
    if (name == NULL || group_of == NULL || reps == NULL || creators == NULL || table == NULL) {
        if (table == NULL) {
            PyErr_NoMemory();
        }
        goto fail;
    }
    for (size_t s = 0; s < cap; s++) {
        table[s].rep = -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *g = PyTuple_GET_ITEM(gs, k);
        PyObject *fn = creator_function(g, cb_i, name);
        if (fn == NULL) {
            goto fail;
        }
        int one = id_is_one(PyTuple_GET_ITEM(g, 0));
        PyObject *fs = PyTuple_GET_ITEM(g, frames_i);
        Py_ssize_t nf = PyTuple_GET_SIZE(fs);
        Py_uhash_t h = 1469598103934665603ULL;
        Py_hash_t hv = PyObject_Hash(PyTuple_GET_ITEM(g, state_i));
        if (hv == -1) {
            Py_DECREF(fn);
            goto fail;
        }
        FNV(h, hv);
        FNV(h, (uintptr_t)fn);
        FNV(h, (Py_uhash_t)one + 2 * (Py_uhash_t)nf);
        for (Py_ssize_t i = 0; i < nf; i++) {
            PyObject *f = PyTuple_GET_ITEM(fs, i);
            FNV(h, (uintptr_t)PyTuple_GET_ITEM(f, 0));
            Py_hash_t hf = PyObject_Hash(PyTuple_GET_ITEM(f, 2)), hl = hf == -1 ? -1 : PyObject_Hash(PyTuple_GET_ITEM(f, 3));
            if (hl == -1) {
                Py_DECREF(fn);
                goto fail;
            }
            FNV(h, hf);
            FNV(h, hl);
        }
        size_t s = (size_t)(h ^ (h >> 29)) & (cap - 1);
        Py_ssize_t grp = -1;
        for (; table[s].rep >= 0; s = (s + 1) & (cap - 1)) {
            if (table[s].hash != (Py_hash_t)h) {
                continue;
            }
            PyObject *r = PyTuple_GET_ITEM(gs, table[s].rep);
            if (PyList_GET_ITEM(creators, table[s].grp) != fn || id_is_one(PyTuple_GET_ITEM(r, 0)) != one) {
                continue;
            }
            int same = same_stack(g, r, state_i, frames_i);
            if (same < 0) {
                Py_DECREF(fn);
                goto fail;
            }
            if (same) {
                grp = table[s].grp;
                break;
            }
        }
        if (grp < 0) {
            grp = PyList_GET_SIZE(reps);
            table[s].hash = (Py_hash_t)h;
            table[s].rep = k;
            table[s].grp = grp;
            PyObject *kk = PyLong_FromSsize_t(k);
            int bad = kk == NULL || PyList_Append(reps, kk) < 0 || PyList_Append(creators, fn) < 0;
            Py_XDECREF(kk);
            if (bad) {
                Py_DECREF(fn);
                goto fail;
            }
        }
        Py_DECREF(fn);
        PyObject *gnum = PyLong_FromSsize_t(grp);
        if (gnum == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(group_of, k, gnum);
    }
    PyMem_Free(table);
    Py_DECREF(name);
    Py_DECREF(creators);
    PyObject *res = PyTuple_Pack(2, group_of, reps);
    Py_DECREF(group_of);
    Py_DECREF(reps);
    return res;
fail:
    PyMem_Free(table);
    Py_XDECREF(name);
    Py_XDECREF(group_of);
    Py_XDECREF(reps);
    Py_XDECREF(creators);
    return NULL;
}

/*   scan_refs(rows, interesting, locks, lo, hi, lock_addrs, word_refs, word_gids, overflow,
 *             lock_ev, max_sharers, cap, span) -> None
 *
 * The word loop of graph._Builder.scan_words (its Python twin, _scan_refs_py, is the
 * definition). rows holds, in goroutine order, (gid, words, own, site): words a list of
 * (word, frame index), own the goroutine's own lock address or None, site its call-site
 * index. Fills word_refs / word_gids (word -> [(gid, i)] / [gid], at most max_sharers, one
 * entry per goroutine), overflow (words seen in more goroutines than that) and lock_ev (lock
 * address -> [(gid, i, word, "exact" | "container")]) for the locks (sorted lock_addrs, dict
 * locks) between lo and hi; word_refs, word_gids and lock_ev must be empty. Every word and
 * lock address must fit in 64 bits (ValueError before anything is filled otherwise: the caller
 * then runs the Python loop). */

static int
u64_of(PyObject *o, unsigned long long *v)
{
    if (!PyLong_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "scan_refs: words must be int");
        return -1;
    }
    *v = PyLong_AsUnsignedLongLong(o);
    if (*v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "scan_refs: a word does not fit in 64 bits");
        return -1;
    }
    return 0;
}

/* lock_ev[addr].append((gid, i, word, how)); returns the list's new length or -1 */
static Py_ssize_t
add_evidence(PyObject *lock_ev, PyObject *addr, PyObject *gid, PyObject *i, PyObject *word, PyObject *how)
{
    PyObject *ev = PyDict_GetItemWithError(lock_ev, addr);
    if (ev == NULL) {
        if (PyErr_Occurred()) {
            return -1;
        }
        ev = PyList_New(0);
        if (ev == NULL || PyDict_SetItem(lock_ev, addr, ev) < 0) {
            Py_XDECREF(ev);
            return -1;
        }
        Py_DECREF(ev);
    }
    PyObject *t = PyTuple_Pack(4, gid, i, word, how);
    if (t == NULL || PyList_Append(ev, t) < 0) {
        Py_XDECREF(t);
        return -1;
    }
    Py_DECREF(t);
    return PyList_GET_SIZE(ev);
}

/* the first index of a[0:n] whose value is > v (right) or >= v (!right) */
static Py_ssize_t
bisect_u64(const unsigned long long *a, Py_ssize_t n, unsigned long long v, int right)
{
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (right ? a[mid] <= v : a[mid] < v) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

/* appends v to the growable array *a of *n values and room for *room; -1 (MemoryError) */
static int
push_u64(unsigned long long **a, Py_ssize_t *n, Py_ssize_t *room, unsigned long long v)
{
    if (*n == *room) {
        unsigned long long *grown = PyMem_Realloc(*a, sizeof(unsigned long long) * (size_t)(*room * 2));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *a = grown;
        *room *= 2;
    }
    (*a)[(*n)++] = v;
    return 0;
}

/* removes entry k of the open locks (their addresses and int objects, kept side by side) */
static void
drop_open(unsigned long long *open_v, PyObject **open_o, Py_ssize_t *nopen, Py_ssize_t k)
{
    memmove(open_v + k, open_v + k + 1, sizeof(unsigned long long) * (size_t)(*nopen - k - 1));
    memmove(open_o + k, open_o + k + 1, sizeof(PyObject *) * (size_t)(*nopen - k - 1));
    (*nopen)--;
}

static PyObject *
scan_refs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 13 || !PyList_Check(args[0]) || !PyAnySet_Check(args[1]) || !PyDict_Check(args[2]) ||
        !PyList_Check(args[5]) || !PyDict_Check(args[6]) || !PyDict_Check(args[7]) || !PySet_Check(args[8]) ||
        !PyDict_Check(args[9])) {
        PyErr_SetString(PyExc_TypeError, "scan_refs(rows: list, interesting: set, locks: dict, lo, hi, lock_addrs: list, "
                                         "word_refs: dict, word_gids: dict, overflow: set, lock_ev: dict, max_sharers, cap, span)");
        return NULL;
    }
    PyObject *rows = args[0], *interesting = args[1], *locks = args[2], *addrs = args[5], *word_refs = args[6],
             *word_gids = args[7], *overflow = args[8], *lock_ev = args[9];
    unsigned long long lo, hi, span;
    if (u64_of(args[3], &lo) < 0 || u64_of(args[4], &hi) < 0 || u64_of(args[12], &span) < 0) {
        return NULL;
    }
    Py_ssize_t max_sharers = PyLong_AsSsize_t(args[10]), cap = PyLong_AsSsize_t(args[11]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    /* the index is built from nothing: every list in word_refs, word_gids and lock_ev is then
     * one made here */
    if (PyDict_GET_SIZE(word_refs) || PyDict_GET_SIZE(word_gids) || PyDict_GET_SIZE(lock_ev)) {
        PyErr_SetString(PyExc_ValueError, "scan_refs: word_refs, word_gids and lock_ev must start empty");
        return NULL;
    }
    /* check every row before changing anything */
    Py_ssize_t nrows = PyList_GET_SIZE(rows), most = 0;
    for (Py_ssize_t r = 0; r < nrows; r++) {
        PyObject *row = PyList_GET_ITEM(rows, r);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 4 || !PyList_Check(PyTuple_GET_ITEM(row, 1)) ||
            !PyLong_Check(PyTuple_GET_ITEM(row, 3))) {
            PyErr_SetString(PyExc_TypeError, "scan_refs: rows are (gid, [(word, i)], own, site)");
            return NULL;
        }
        PyObject *ws = PyTuple_GET_ITEM(row, 1);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(ws); j++) {
            PyObject *wi = PyList_GET_ITEM(ws, j);
            unsigned long long v;
            if (!PyTuple_Check(wi) || PyTuple_GET_SIZE(wi) != 2 || !PyLong_Check(PyTuple_GET_ITEM(wi, 1))) {
                PyErr_SetString(PyExc_TypeError, "scan_refs: words are (word, frame index)");
                return NULL;
            }
            if (u64_of(PyTuple_GET_ITEM(wi, 0), &v) < 0) {
                return NULL;
            }
        }
        if (PyList_GET_SIZE(ws) > most) {
            most = PyList_GET_SIZE(ws);
        }
        if (PyTuple_GET_ITEM(row, 2) != Py_None) {
            unsigned long long v;
            if (u64_of(PyTuple_GET_ITEM(row, 2), &v) < 0) {
                return NULL;
            }
        }
    }
    Py_ssize_t nopen = PyList_GET_SIZE(addrs);
    unsigned long long *open_v = PyMem_Malloc(sizeof(unsigned long long) * (size_t)(nopen + 1));
    PyObject **open_o = PyMem_Malloc(sizeof(PyObject *) * (size_t)(nopen + 1));
    /* the locks a goroutine has given evidence to (it gives each at most once) */
    Py_ssize_t nseen = 0, seen_cap = 64;
    unsigned long long *seen = PyMem_Malloc(sizeof(unsigned long long) * (size_t)seen_cap);
    PyObject *done = PySet_New(NULL);
    PyObject *exact = PyUnicode_InternFromString("exact"), *container = PyUnicode_InternFromString("container");
    PyObject *result = NULL;
    if (open_v == NULL || open_o == NULL || seen == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    if (done == NULL || exact == NULL || container == NULL) {
        goto out;
    }
    for (Py_ssize_t k = 0; k < nopen; k++) {
        open_o[k] = PyList_GET_ITEM(addrs, k);
        if (u64_of(open_o[k], &open_v[k]) < 0) {
            goto out;
        }
        if (k && open_v[k] <= open_v[k - 1]) {
            PyErr_SetString(PyExc_ValueError, "scan_refs: lock_addrs must be sorted and distinct");
            goto out;
        }
    }
    for (Py_ssize_t r = 0; r < nrows; r++) {
        PyObject *row = PyList_GET_ITEM(rows, r);
        PyObject *gid = PyTuple_GET_ITEM(row, 0), *ws = PyTuple_GET_ITEM(row, 1), *own_o = PyTuple_GET_ITEM(row, 2);
        long long site = PyLong_AsLongLong(PyTuple_GET_ITEM(row, 3));
        if (site == -1 && PyErr_Occurred()) {
            goto out;
        }
        int has_own = own_o != Py_None;
        unsigned long long own = 0;
        if (has_own) {
            u64_of(own_o, &own);
        }
        nseen = 0;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(ws); j++) {
            PyObject *wi = PyList_GET_ITEM(ws, j);
            PyObject *w = PyTuple_GET_ITEM(wi, 0), *io = PyTuple_GET_ITEM(wi, 1);
            long long i = PyLong_AsLongLong(io);
            if (i == -1 && PyErr_Occurred()) {
                goto out;
            }
            unsigned long long wv;
            u64_of(w, &wv);
            int c = PySet_GET_SIZE(done) ? PySet_Contains(done, w) : 0;
            if (c < 0) {
                goto out;
            }
            if (c) {
                continue;
            }
            c = PySet_Contains(interesting, w);
            if (c < 0) {
                goto out;
            }
            if (c) {
                PyObject *refs = PyDict_GetItemWithError(word_refs, w);
                if (refs == NULL) {
                    if (PyErr_Occurred()) {
                        goto out;
                    }
                    PyObject *pair = PyTuple_Pack(2, gid, io);
                    PyObject *l1 = pair ? PyList_New(1) : NULL;
                    PyObject *l2 = l1 ? PyList_New(1) : NULL;
                    if (l2 == NULL) {
                        Py_XDECREF(pair);
                        Py_XDECREF(l1);
                        goto out;
                    }
                    PyList_SET_ITEM(l1, 0, pair);
                    Py_INCREF(gid);
                    PyList_SET_ITEM(l2, 0, gid);
                    int bad = PyDict_SetItem(word_refs, w, l1) < 0 || PyDict_SetItem(word_gids, w, l2) < 0;
                    Py_DECREF(l1);
                    Py_DECREF(l2);
                    if (bad) {
                        goto out;
                    }
                }
                else if (PyList_GET_SIZE(refs) < max_sharers) {
                    PyObject *last = PyList_GET_ITEM(refs, PyList_GET_SIZE(refs) - 1);
                    int same = PyObject_RichCompareBool(PyTuple_GET_ITEM(last, 0), gid, Py_EQ);
                    if (same < 0) {
                        goto out;
                    }
                    if (!same) {
                        PyObject *pair = PyTuple_Pack(2, gid, io);
                        PyObject *gl = PyDict_GetItemWithError(word_gids, w);
                        if (pair == NULL || gl == NULL || PyList_Append(refs, pair) < 0 || PyList_Append(gl, gid) < 0) {
                            Py_XDECREF(pair);
                            if (!PyErr_Occurred()) {
                                PyErr_SetString(PyExc_KeyError, "scan_refs: word_gids lacks a word of word_refs");
                            }
                            goto out;
                        }
                        Py_DECREF(pair);
                    }
                }
                else {
                    if (PySet_Add(overflow, w) < 0) {
                        goto out;
                    }
                    if (nopen == 0) {
                        c = PyDict_Contains(locks, w);
                        if (c < 0) {
                            goto out;
                        }
                        if (!c) {
                            /* overflowed, every lock's evidence full, no lock's own address */
                            if (PySet_Add(done, w) < 0) {
                                goto out;
                            }
                            continue;
                        }
                    }
                }
            }
            if (wv < lo || wv > hi) {
                continue;
            }
            c = PyDict_Contains(locks, w);
            if (c < 0) {
                goto out;
            }
            if (c && !(has_own && wv == own && i <= site)) {
                Py_ssize_t len = add_evidence(lock_ev, w, gid, io, w, exact);
                if (len < 0) {
                    goto out;
                }
                if (push_u64(&seen, &nseen, &seen_cap, wv) < 0) {
                    goto out;
                }
                if (len >= cap) {
                    Py_ssize_t k = bisect_u64(open_v, nopen, wv, 0);
                    if (k < nopen && open_v[k] == wv) {
                        drop_open(open_v, open_o, &nopen, k);
                    }
                }
            }
            if (nopen == 0) {
                continue;
            }
            Py_ssize_t k = bisect_u64(open_v, nopen, wv, 1);
            while (k < nopen && open_v[k] - wv <= span) {
                unsigned long long a = open_v[k];
                int was = 0;
                for (Py_ssize_t q = 0; q < nseen; q++) {
                    if (seen[q] == a) {
                        was = 1;
                        break;
                    }
                }
                if (was || (has_own && a == own && i <= site)) {
                    k++;
                    continue;
                }
                Py_ssize_t len = add_evidence(lock_ev, open_o[k], gid, io, w, container);
                if (len < 0) {
                    goto out;
                }
                if (push_u64(&seen, &nseen, &seen_cap, a) < 0) {
                    goto out;
                }
                if (len >= cap) {
                    drop_open(open_v, open_o, &nopen, k);
                }
                else {
                    k++;
                }
            }
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
out:
    PyMem_Free(open_v);
    PyMem_Free(open_o);
    PyMem_Free(seen);
    Py_XDECREF(done);
    Py_XDECREF(exact);
    Py_XDECREF(container);
    return result;
}


/* ======================================================================================
 *   classify_rows(gs, group_of, g_plan, g_shape, out, shape_of, stack_kind, fields, slots,
 *                 blocking_type, word, object_address, site_handles) -> None
 *
 * The per-goroutine loop of blocking.classify_all; its Python twin, _classify_rows_py, is the
 * definition. For every goroutine g = gs[k] but goroutine 0: shape_of[id] = g_shape[group],
 * out[id] = a Blocking (blocking_type, its 16 slots set through their descriptors, slots) from
 * the group's plan g_plan[group] (the 11-tuple of _compile_plan) and g's own argument texts.
 * fields: the indexes of id, state, frames, wait_minutes, leaked in a Goroutine.
 * The object's address: the plan's sources read here when the word is argument 0 of a text
 * with no braces, "0x" and 1 to 16 hex digits (optionally "?"), as word(text, 0) reads it;
 * any other word is read by word(text, ai). The handles: the call site's text read by
 * flat_scan when it is flat, else by site_handles(text).
 * ====================================================================================== */

/* word(text, 0) for the texts read here: 1 and *v, *exact set; 0: no word or no value (the
 * caller skips the source, as the Python loop does for None and (None, False)); 2: ask word() */
static int
first_word(PyObject *text, unsigned long long *v, int *exact)
{
    if (!PyUnicode_IS_COMPACT_ASCII(text)) {
        return 2;
    }
    const char *s = (const char *)PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n == 0 || (n == 3 && s[0] == '.' && s[1] == '.' && s[2] == '.')) {
        return 0;
    }
    Py_ssize_t end = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] == '{' || s[i] == '}') {
            return 2;
        }
        if (s[i] == ',' && end == n) {
            end = i;
        }
    }
    if (end < 2 || s[0] != '0' || s[1] != 'x') {
        /* "0x" not at the very start: a word with no value, or one with spaces around it */
        for (Py_ssize_t i = 0; i < end; i++) {
            if (s[i] == ' ' || s[i] == '\t' || (s[i] >= '\n' && s[i] <= '\r') || (s[i] >= 0x1c && s[i] <= 0x1f)) {
                return 2;
            }
        }
        return 0;
    }
    Py_ssize_t q = 2, e = end;
    *exact = 1;
    if (s[e - 1] == '?') {
        *exact = 0;
        e--;
    }
    if (e == q) {
        return 2;
    }
    while (q < e - 1 && s[q] == '0') {
        q++;
    }
    if (e - q > 16) {
        return 2;
    }
    unsigned long long x = 0;
    for (Py_ssize_t k = q; k < e; k++) {
        int d = hex_value((unsigned char)s[k]);
        if (d < 0) {
            return 2;
        }
        x = (x << 4) | (unsigned long long)d;
    }
    *v = x;
    return 1;
}

/* _object_address(frames, sources, word): a new (address, source, hint) 3-tuple, or NULL */
static PyObject *
object_address_of(PyObject *frames, PyObject *sources, PyObject *word, PyObject *fallback, PyObject *min_pointer)
{
    if (!PyTuple_Check(sources) && !PyList_Check(sources)) {
        return PyObject_CallFunctionObjArgs(fallback, frames, sources, word, NULL);
    }
    PyObject *hint = Py_None;
    Py_INCREF(hint);
    Py_ssize_t nf = PyTuple_GET_SIZE(frames);
    Py_ssize_t ns = PySequence_Fast_GET_SIZE(sources);
    for (Py_ssize_t k = 0; k < ns; k++) {
        PyObject *src = PySequence_Fast_GET_ITEM(sources, k);
        if (!PyTuple_Check(src) || PyTuple_GET_SIZE(src) != 4) {
            Py_DECREF(hint);
            return PyObject_CallFunctionObjArgs(fallback, frames, sources, word, NULL);
        }
        PyObject *fi_o = PyTuple_GET_ITEM(src, 0), *ai = PyTuple_GET_ITEM(src, 1);
        PyObject *delta = PyTuple_GET_ITEM(src, 2), *desc = PyTuple_GET_ITEM(src, 3);
        Py_ssize_t fi = PyLong_AsSsize_t(fi_o);
        if (fi == -1 && PyErr_Occurred()) {
            Py_DECREF(hint);
            return NULL;
        }
        if (fi >= nf) {
            continue;
        }
        PyObject *frame = fi < 0 ? NULL : PyTuple_GET_ITEM(frames, fi);
        if (frame == NULL || !PyTuple_Check(frame) || PyTuple_GET_SIZE(frame) < 2) {
            Py_DECREF(hint);
            return PyObject_CallFunctionObjArgs(fallback, frames, sources, word, NULL);
        }
        PyObject *text = PyTuple_GET_ITEM(frame, 1);
        PyObject *v = NULL;
        int exact = 0;
        long ai_v = PyLong_Check(ai) ? PyLong_AsLong(ai) : -1;
        if (ai_v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
        }
        int got = 2;
        unsigned long long x = 0;
        if (ai_v == 0 && PyUnicode_Check(text)) {
            got = first_word(text, &x, &exact);
        }
        if (got == 0) {
            continue;
        }
        if (got == 1) {
            v = PyLong_FromUnsignedLongLong(x);
            if (v == NULL) {
                Py_DECREF(hint);
                return NULL;
            }
        }
        else {
            PyObject *w = PyObject_CallFunctionObjArgs(word, text, ai, NULL);
            if (w == NULL) {
                Py_DECREF(hint);
                return NULL;
            }
            if (w == Py_None) {
                Py_DECREF(w);
                continue;
            }
            if (!PyTuple_Check(w) || PyTuple_GET_SIZE(w) != 2) {
                Py_DECREF(w);
                Py_DECREF(hint);
                PyErr_SetString(PyExc_TypeError, "classify_rows: word() must return None or (value, exact)");
                return NULL;
            }
            v = PyTuple_GET_ITEM(w, 0);
            exact = PyObject_IsTrue(PyTuple_GET_ITEM(w, 1));
            Py_INCREF(v);
            Py_DECREF(w);
            if (exact < 0) {
                Py_DECREF(v);
                Py_DECREF(hint);
                return NULL;
            }
            if (v == Py_None) {
                Py_DECREF(v);
                continue;
            }
        }
        int big = PyObject_RichCompareBool(v, min_pointer, Py_GE);
        if (big < 0) {
            Py_DECREF(v);
            Py_DECREF(hint);
            return NULL;
        }
        if (exact && big) {
            PyObject *addr = PyNumber_Subtract(v, delta);
            PyObject *hex = PyNumber_ToBase(v, 16);
            int has_delta = PyObject_IsTrue(delta);
            PyObject *source = NULL;
            if (addr != NULL && hex != NULL && has_delta >= 0) {
                source = has_delta ? PyUnicode_FromFormat("%S: argument %S = %S - %S", desc, ai, hex, delta)
                                   : PyUnicode_FromFormat("%S: argument %S = %S", desc, ai, hex);
            }
            Py_DECREF(v);
            Py_XDECREF(hex);
            if (source == NULL) {
                Py_XDECREF(addr);
                Py_DECREF(hint);
                return NULL;
            }
            PyObject *r = PyTuple_Pack(3, addr, source, hint);
            Py_DECREF(addr);
            Py_DECREF(source);
            Py_DECREF(hint);
            return r;
        }
        if (hint == Py_None && big) {
            PyObject *h = PyNumber_Subtract(v, delta);
            if (h == NULL) {
                Py_DECREF(v);
                Py_DECREF(hint);
                return NULL;
            }
            Py_DECREF(hint);
            hint = h;
        }
        Py_DECREF(v);
    }
    PyObject *empty = PyUnicode_New(0, 0);
    PyObject *r = empty == NULL ? NULL : PyTuple_Pack(3, Py_None, empty, hint);
    Py_XDECREF(empty);
    Py_DECREF(hint);
    return r;
}

/* _site_handles(text): a new tuple of ints, or NULL */
static PyObject *
site_handles_of(PyObject *text, PyObject *fallback)
{
    if (!PyUnicode_IS_COMPACT_ASCII(text)) {
        return PyObject_CallOneArg(fallback, text);
    }
    unsigned long long ws[FLAT_MAX_WORDS];
    int nw = flat_scan((const unsigned char *)PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), ws);
    if (nw < 0) {
        return PyObject_CallOneArg(fallback, text);
    }
    /* each word once, in order of first appearance */
    int keep = 0;
    for (int k = 0; k < nw; k++) {
        int dup = 0;
        for (int j = 0; j < keep; j++) {
            if (ws[j] == ws[k]) {
                dup = 1;
                break;
            }
        }
        if (!dup) {
            ws[keep++] = ws[k];
        }
    }
    PyObject *t = PyTuple_New(keep);
    if (t == NULL) {
        return NULL;
    }
    for (int k = 0; k < keep; k++) {
        PyObject *w = PyLong_FromUnsignedLongLong(ws[k]);
        if (w == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, w);
    }
    return t;
}

#define BLOCKING_SLOTS 16

static PyObject *
classify_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 13 || !PyTuple_Check(args[0]) || !PyList_Check(args[1]) || !PyList_Check(args[2]) ||
        !PyList_Check(args[3]) || !PyDict_Check(args[4]) || !PyDict_Check(args[5]) || !PyTuple_Check(args[7]) ||
        PyTuple_GET_SIZE(args[7]) != 5 || !PyTuple_Check(args[8]) || PyTuple_GET_SIZE(args[8]) != BLOCKING_SLOTS ||
        !PyType_Check(args[9]) || !PyCallable_Check(args[10]) || !PyCallable_Check(args[11]) ||
        !PyCallable_Check(args[12])) {
        PyErr_SetString(PyExc_TypeError, "classify_rows(gs: tuple, group_of: list, g_plan: list, g_shape: list, out: dict, "
                                         "shape_of: dict, stack_kind, fields: 5-tuple, slots: 16-tuple, blocking_type, "
                                         "word, object_address, site_handles)");
        return NULL;
    }
    PyObject *gs = args[0], *group_of = args[1], *g_plan = args[2], *g_shape = args[3];
    PyObject *out = args[4], *shape_of = args[5];
    int stack_kind = PyObject_IsTrue(args[6]);
    PyTypeObject *btype = (PyTypeObject *)args[9];
    PyObject *word = args[10], *object_address = args[11], *site_handles = args[12];
    if (stack_kind < 0) {
        return NULL;
    }
    Py_ssize_t fld[5];
    for (int k = 0; k < 5; k++) {
        fld[k] = PyLong_AsSsize_t(PyTuple_GET_ITEM(args[7], k));
        if (fld[k] < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "classify_rows: bad field index");
            }
            return NULL;
        }
    }
    PyObject *slots[BLOCKING_SLOTS];
    for (int k = 0; k < BLOCKING_SLOTS; k++) {
        slots[k] = PyTuple_GET_ITEM(args[8], k);
        if (Py_TYPE(slots[k])->tp_descr_set == NULL) {
            PyErr_SetString(PyExc_TypeError, "classify_rows: slots must be data descriptors");
            return NULL;
        }
    }
    Py_ssize_t n = PyTuple_GET_SIZE(gs);
    if (PyList_GET_SIZE(group_of) != n) {
        PyErr_SetString(PyExc_ValueError, "classify_rows: group_of must be as long as gs");
        return NULL;
    }
    PyObject *min_pointer = PyLong_FromUnsignedLongLong(MIN_POINTER);
    PyObject *empty = PyUnicode_New(0, 0);
    PyObject *no_handles = PyTuple_New(0);
    if (min_pointer == NULL || empty == NULL || no_handles == NULL) {
        goto fail;
    }
    for (Py_ssize_t index = 0; index < n; index++) {
        PyObject *g = PyTuple_GET_ITEM(gs, index);
        if (!PyTuple_Check(g) || PyTuple_GET_SIZE(g) <= fld[0] || PyTuple_GET_SIZE(g) <= fld[1] ||
            PyTuple_GET_SIZE(g) <= fld[2] || PyTuple_GET_SIZE(g) <= fld[3] || PyTuple_GET_SIZE(g) <= fld[4]) {
            PyErr_SetString(PyExc_TypeError, "classify_rows: goroutines must be Goroutine tuples");
            goto fail;
        }
        PyObject *gid = PyTuple_GET_ITEM(g, fld[0]);
        int zero = PyObject_Not(gid);
        if (zero < 0) {
            goto fail;
        }
        if (zero) {
            continue;
        }
        PyObject *state = PyTuple_GET_ITEM(g, fld[1]);
        PyObject *frames = PyTuple_GET_ITEM(g, fld[2]);
        Py_ssize_t grp = PyLong_AsSsize_t(PyList_GET_ITEM(group_of, index));
        if (grp == -1 && PyErr_Occurred()) {
            goto fail;
        }
        if (grp < 0 || grp >= PyList_GET_SIZE(g_plan) || grp >= PyList_GET_SIZE(g_shape) || !PyTuple_Check(frames)) {
            PyErr_SetString(PyExc_ValueError, "classify_rows: group out of range");
            goto fail;
        }
        PyObject *c = PyList_GET_ITEM(g_plan, grp);
        if (!PyTuple_Check(c) || PyTuple_GET_SIZE(c) != 11) {
            PyErr_SetString(PyExc_TypeError, "classify_rows: a plan must be an 11-tuple");
            goto fail;
        }
        if (PyDict_SetItem(shape_of, gid, PyList_GET_ITEM(g_shape, grp)) < 0) {
            goto fail;
        }
        PyObject *sources = PyTuple_GET_ITEM(c, 0), *hsite = PyTuple_GET_ITEM(c, 1);
        PyObject *found; /* (address, source, hint) */
        int has_sources = PyObject_IsTrue(sources);
        if (has_sources < 0) {
            goto fail;
        }
        if (has_sources) {
            found = object_address_of(frames, sources, word, object_address, min_pointer);
            if (found != NULL && (!PyTuple_Check(found) || PyTuple_GET_SIZE(found) != 3)) {
                Py_DECREF(found);
                PyErr_SetString(PyExc_TypeError, "classify_rows: object_address() must return a 3-tuple");
                found = NULL;
            }
        }
        else {
            found = PyTuple_Pack(3, Py_None, empty, Py_None);
        }
        if (found == NULL) {
            goto fail;
        }
        PyObject *handles;
        if (hsite == Py_None) {
            handles = no_handles;
            Py_INCREF(handles);
        }
        else {
            Py_ssize_t hs = PyLong_AsSsize_t(hsite);
            if (hs == -1 && PyErr_Occurred()) {
                Py_DECREF(found);
                goto fail;
            }
            PyObject *frame = (hs >= 0 && hs < PyTuple_GET_SIZE(frames)) ? PyTuple_GET_ITEM(frames, hs) : NULL;
            if (frame == NULL || !PyTuple_Check(frame) || !PyUnicode_Check(PyTuple_GET_ITEM(frame, 1))) {
                Py_DECREF(found);
                PyErr_SetString(PyExc_ValueError, "classify_rows: call site out of range");
                goto fail;
            }
            handles = site_handles_of(PyTuple_GET_ITEM(frame, 1), site_handles);
            if (handles == NULL) {
                Py_DECREF(found);
                goto fail;
            }
        }
        int same = PyObject_IsTrue(PyTuple_GET_ITEM(c, 4));
        PyObject *dumper = Py_False;
        int running = PyUnicode_Check(state) && PyUnicode_CompareWithASCIIString(state, "running") == 0;
        if (running) {
            PyObject *df = PyTuple_GET_ITEM(c, 8);
            int t = PyObject_IsTrue(df);
            if (t < 0) {
                same = -1;
            }
            dumper = t ? df : (stack_kind ? (index == 0 ? Py_True : Py_False) : Py_False);
        }
        PyObject *b = same < 0 ? NULL : btype->tp_alloc(btype, 0);
        if (b == NULL) {
            Py_DECREF(found);
            Py_DECREF(handles);
            goto fail;
        }
        PyObject *values[BLOCKING_SLOTS] = {
            gid,
            state,
            PyTuple_GET_ITEM(c, 2),
            PyTuple_GET_ITEM(c, 3),
            same ? PyTuple_GET_ITEM(found, 0) : Py_None,
            PyTuple_GET_ITEM(found, 1),
            PyTuple_GET_ITEM(found, 2),
            PyTuple_GET_ITEM(c, 5),
            handles,
            PyTuple_GET_ITEM(c, 6),
            PyTuple_GET_ITEM(g, fld[3]),
            PyTuple_GET_ITEM(g, fld[4]),
            PyTuple_GET_ITEM(c, 7),
            dumper,
            PyTuple_GET_ITEM(c, 9),
            PyTuple_GET_ITEM(c, 10),
        };
        int bad = 0;
        for (int k = 0; k < BLOCKING_SLOTS && !bad; k++) {
            bad = Py_TYPE(slots[k])->tp_descr_set(slots[k], b, values[k]) < 0;
        }
        Py_DECREF(found);
        Py_DECREF(handles);
        if (bad || PyDict_SetItem(out, gid, b) < 0) {
            Py_DECREF(b);
            goto fail;
        }
        Py_DECREF(b);
    }
    Py_DECREF(min_pointer);
    Py_DECREF(empty);
    Py_DECREF(no_handles);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(min_pointer);
    Py_XDECREF(empty);
    Py_XDECREF(no_handles);
    return NULL;
}


/* ======================================================================================
 *   fill_graph(succ, pred, attrs, nodes, edges) -> None
 *
 * graph._add_nodes then graph._add_edges on a plain networkx DiGraph's three dicts (their
 * Python twins are the definition): for each (node, a) of nodes, a new node gets empty succ and
 * pred dicts and a as its attribute dict, a known node's attributes are updated with a; then
 * for each (u, v, d) of edges, u and v are added as bare nodes when new, and d becomes the
 * edge's attribute dict (in succ[u][v] and pred[v][u]) or updates the one already there.
 * ====================================================================================== */

/* a new node n (empty succ and pred dicts, attribute dict a: a new empty one when NULL) */
static int
new_node(PyObject *succ, PyObject *pred, PyObject *attrs, PyObject *n, PyObject *a)
{
    PyObject *s = PyDict_New(), *p = PyDict_New();
    PyObject *na = a != NULL ? (Py_INCREF(a), a) : PyDict_New();
    int r = -1;
    if (s != NULL && p != NULL && na != NULL && PyDict_SetItem(succ, n, s) == 0 && PyDict_SetItem(pred, n, p) == 0 &&
        PyDict_SetItem(attrs, n, na) == 0) {
        r = 0;
    }
    Py_XDECREF(s);
    Py_XDECREF(p);
    Py_XDECREF(na);
    return r;
}

static PyObject *
fill_graph(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 5 || !PyDict_CheckExact(args[0]) || !PyDict_CheckExact(args[1]) || !PyDict_CheckExact(args[2]) ||
        !PyList_Check(args[3]) || !PyList_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "fill_graph(succ: dict, pred: dict, attrs: dict, nodes: list, edges: list)");
        return NULL;
    }
    PyObject *succ = args[0], *pred = args[1], *attrs = args[2], *nodes = args[3], *edges = args[4];
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(nodes); k++) {
        PyObject *t = PyList_GET_ITEM(nodes, k);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2 || !PyDict_CheckExact(PyTuple_GET_ITEM(t, 1))) {
            PyErr_SetString(PyExc_TypeError, "fill_graph: nodes must be (node, dict) pairs");
            return NULL;
        }
        PyObject *n = PyTuple_GET_ITEM(t, 0), *a = PyTuple_GET_ITEM(t, 1);
        PyObject *old = PyDict_GetItemWithError(attrs, n);
        if (old == NULL) {
            if (PyErr_Occurred() || new_node(succ, pred, attrs, n, a) < 0) {
                return NULL;
            }
        }
        else if (!PyDict_Check(old)) {
            PyErr_SetString(PyExc_TypeError, "fill_graph: node attributes must be dicts");
            return NULL;
        }
        else if (PyDict_Update(old, a) < 0) {
            return NULL;
        }
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(edges); k++) {
        PyObject *t = PyList_GET_ITEM(edges, k);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3 || !PyDict_CheckExact(PyTuple_GET_ITEM(t, 2))) {
            PyErr_SetString(PyExc_TypeError, "fill_graph: edges must be (u, v, dict) triples");
            return NULL;
        }
        PyObject *u = PyTuple_GET_ITEM(t, 0), *v = PyTuple_GET_ITEM(t, 1), *d = PyTuple_GET_ITEM(t, 2);
        PyObject *su = PyDict_GetItemWithError(succ, u);
        if (su == NULL) {
            if (PyErr_Occurred() || new_node(succ, pred, attrs, u, NULL) < 0) {
                return NULL;
            }
            su = PyDict_GetItemWithError(succ, u);
            if (su == NULL) {
                return NULL;
            }
        }
        int has_v = PyDict_Contains(succ, v);
        if (has_v < 0 || (!has_v && new_node(succ, pred, attrs, v, NULL) < 0)) {
            return NULL;
        }
        if (!PyDict_Check(su)) {
            PyErr_SetString(PyExc_TypeError, "fill_graph: adjacency entries must be dicts");
            return NULL;
        }
        PyObject *old = PyDict_GetItemWithError(su, v);
        if (old != NULL) {
            if (!PyDict_Check(old)) {
                PyErr_SetString(PyExc_TypeError, "fill_graph: edge attributes must be dicts");
                return NULL;
            }
            if (PyDict_Update(old, d) < 0) {
                return NULL;
            }
            continue;
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
        PyObject *pv = PyDict_GetItemWithError(pred, v);
        if (pv == NULL || !PyDict_Check(pv)) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "fill_graph: adjacency entries must be dicts");
            }
            return NULL;
        }
        if (PyDict_SetItem(su, v, d) < 0 || PyDict_SetItem(pv, u, d) < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"run_frames", (PyCFunction)(void (*)(void))run_frames, METH_FASTCALL,
     "run_frames(lines, first, count, cache, sites, verdicts, regs_shapes, frame_type, max_line) -> list\n\n"
     "The frames of the call/file line pairs of a run (see stackparse/_speedups.c)."},
    {"scan_blocks", (PyCFunction)(void (*)(void))scan_blocks, METH_FASTCALL,
     "scan_blocks(lines, h, i, window, hfast, headers, ids, ends, heads, skips, max_line) -> (h, more)\n\n"
     "The blocks of a run whose headers are known (see stackparse/_speedups.c)."},
    {"build_goroutines", (PyCFunction)(void (*)(void))build_goroutines, METH_FASTCALL,
     "build_goroutines(lines, i, h, k, ends, heads, frames, cb, ids, goroutine_type, base, skip, got)"
     " -> (h, k)\n\nThe goroutines of a run's blocks (see stackparse/_speedups.c)."},
    {"flat_words", (PyCFunction)(void (*)(void))flat_words, METH_FASTCALL,
     "flat_words(rows, idxs, slow) -> list\n\n"
     "The exact pointer words of the given frames of each row (blocking.rows_words; see stackparse/_speedups.c)."},
    {"stack_groups", (PyCFunction)(void (*)(void))stack_groups, METH_FASTCALL,
     "stack_groups(goroutines, state_i, frames_i, cb_i) -> (group_of, reps)\n\n"
     "Goroutines grouped by the identity of their stacks (blocking.classify_all; see stackparse/_speedups.c)."},
    {"scan_refs", (PyCFunction)(void (*)(void))scan_refs, METH_FASTCALL,
     "scan_refs(rows, interesting, locks, lo, hi, lock_addrs, word_refs, word_gids, overflow, lock_ev,"
     " max_sharers, cap, span) -> None\n\n"
     "The word loop of graph._Builder.scan_words (see stackparse/_speedups.c)."},
    {"classify_rows", (PyCFunction)(void (*)(void))classify_rows, METH_FASTCALL,
     "classify_rows(gs, group_of, g_plan, g_shape, out, shape_of, stack_kind, fields, slots, blocking_type,"
     " word, object_address, site_handles) -> None\n\n"
     "The per-goroutine loop of blocking.classify_all (see stackparse/_speedups.c)."},
    {"fill_graph", (PyCFunction)(void (*)(void))fill_graph, METH_FASTCALL,
     "fill_graph(succ, pred, attrs, nodes, edges) -> None\n\n"
     "graph._add_nodes and graph._add_edges on a plain DiGraph's dicts (see stackparse/_speedups.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "stackparse._speedups",
    "Compiled frame lookup for stackparse.parse (optional; parse.py falls back to Python).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
