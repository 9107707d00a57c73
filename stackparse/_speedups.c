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
