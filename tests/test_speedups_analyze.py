"""The compiled analysis loops (stackparse/_speedups.c) give what their Python twins give.

blocking.py and graph.py use five of the extension's functions when it is built:
``flat_words`` (the exact pointer words of a shape's frames, :func:`blocking.rows_words`, or of
stacks of any shapes in dump order, :func:`blocking.stacks_words`),
``stack_groups`` (:func:`blocking.classify_all`'s groups of goroutines with the same stack
objects), ``classify_rows`` (its per-goroutine loop, ``blocking._classify_rows_py``),
``scan_refs`` (the word loop of ``graph._Builder.scan_words``) and ``fill_graph`` (the loops of
``graph._add_nodes`` / ``graph._add_edges``). Each test feeds the
compiled function and its Python twin the same input and asserts equal output, on corpus dumps
and on generated input built to reach the places where the compiled code hands back to Python
(text outside the flat argument language, words beyond 64 bits), and checks that the whole
analysis is the same with and without them.
"""

from __future__ import annotations

import importlib
import os
from collections import defaultdict

import pytest
from conftest import DUMP_EXAMPLES
from corpusutil import corpus_dumps, dump_id, goroutine_dumps
from gotext import args_texts, dumps, write_dump
from hypothesis import given, settings
from hypothesis import strategies as st

from stackparse import analyze, parse_all
from stackparse.model import Frame, Function, Goroutine

B = importlib.import_module("stackparse.blocking")
GR = importlib.import_module("stackparse.graph")
SPEEDUPS = importlib.import_module("stackparse._compiled").module

needs_speedups = pytest.mark.skipif(SPEEDUPS is None, reason="stackparse._speedups is not built")

ALL = corpus_dumps()
SAMPLE = ALL if os.environ.get("STACKPARSE_FULL") == "1" else ALL[1::3]


def _off(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(B, "_flat_words", None)
    mp.setattr(B, "_stack_groups", None)
    mp.setattr(B, "_CLASSIFY_ROWS", None)
    mp.setattr(GR, "_scan_refs", None)
    mp.setattr(GR, "_fill_graph", None)


def _on(mp: pytest.MonkeyPatch) -> None:
    assert SPEEDUPS is not None
    mp.setattr(B, "_flat_words", SPEEDUPS.flat_words)
    mp.setattr(B, "_stack_groups", SPEEDUPS.stack_groups)
    mp.setattr(B, "_CLASSIFY_ROWS", SPEEDUPS.classify_rows)
    mp.setattr(GR, "_scan_refs", SPEEDUPS.scan_refs)
    mp.setattr(GR, "_fill_graph", SPEEDUPS.fill_graph)


def _graph_state(d):  # type: ignore[no-untyped-def]
    """Everything the word scan and the graph leave, and the analysis."""
    bl = B.classify_all(d)
    b = GR._Builder(d, bl)
    wg = b.build()
    g = wg.graph
    return (
        sorted((k, repr(v)) for k, v in bl.items()),
        bl.bucket_of,
        bl.shape_of,
        b.word_refs,
        b.word_gids,
        b.word_overflow,
        dict(b.lock_ev),
        list(g.nodes(data=True)),
        sorted(g.edges(data=True)),
        wg.notes,
        analyze(d).findings,
    )


def _both(dumps_: list) -> tuple[list, list]:
    with pytest.MonkeyPatch.context() as mp:
        _on(mp)
        fast = [_graph_state(d) for d in dumps_]
        _off(mp)
        slow = [_graph_state(d) for d in dumps_]
    return fast, slow


@needs_speedups
@pytest.mark.parametrize("path", SAMPLE, ids=dump_id)
def test_corpus_analysis_compiled_equals_python(path) -> None:  # type: ignore[no-untyped-def]
    fast, slow = _both(goroutine_dumps(path))
    assert fast == slow


@needs_speedups
@settings(max_examples=DUMP_EXAMPLES)
@given(dumps(), st.sampled_from(["1.26", "1.27"]))
def test_generated_analysis_compiled_equals_python(gs, labels) -> None:  # type: ignore[no-untyped-def]
    fast, slow = _both([d for d in parse_all(write_dump(gs, labels=labels)) if d.goroutines])
    assert fast == slow


# ---------------------------------------------------------------- flat_words

_NOISE = st.text(st.sampled_from(list("0x1f?{}, ._9aXAé")), max_size=30)
_WORDS = st.lists(
    st.sampled_from(
        ["0xc000012345", "0xc000054321?", "0x0?", "0x1", "0x10000", "0xffff", "0x0000010000", "0x1_0000", "0xABCDE1",
         "0x" + "f" * 16, "0x" + "1" * 17, "0x000000000000000000c000012345", "...", "_", "12345", "7?", "{", "}", "{}",
         ", ", ",", " ", "0x2de96836b0c8?", "0x", "0xg"]
    ),
    max_size=14,
).map("".join)  # fmt: skip
_TEXTS = st.one_of(args_texts, _WORDS, _NOISE)


@needs_speedups
@given(st.lists(st.lists(_TEXTS, min_size=3, max_size=3), max_size=6), st.sampled_from([(0,), (2, 1), (0, 1, 2), ()]))
def test_flat_words_equals_python(rows: list[list[str]], idxs: tuple[int, ...]) -> None:
    assert SPEEDUPS is not None
    want = B._rows_words([tuple(r) for r in rows], idxs)
    assert SPEEDUPS.flat_words([tuple(r) for r in rows], idxs, B.exact_words) == want
    fn = Function("main.f", "main", None, "f")
    stacks = [tuple(Frame(fn, t, "/app/main.go", 1) for t in r) for r in rows]
    assert SPEEDUPS.flat_words(stacks, idxs, B.exact_words) == want
    assert want == [[(w, i) for i in idxs for w in B.exact_words(r[i])] for r in rows]


@needs_speedups
@given(
    st.lists(
        st.tuples(st.lists(_TEXTS, min_size=1, max_size=4), st.sampled_from([(0,), (2, 1), (0, 1, 2), (), (3, 0)])),
        max_size=8,
    )
)
def test_flat_words_per_row_equals_python(rows: list[tuple[list[str], tuple[int, ...]]]) -> None:
    """flat_words with one idxs tuple per row (blocking.stacks_words: rows of any shapes, each
    with its frame indexes): what the Python twin gives, what each row alone gives, or the same
    IndexError when an index is beyond a row."""
    assert SPEEDUPS is not None
    fn = Function("main.f", "main", None, "f")
    stacks = [tuple(Frame(fn, t, "/app/main.go", 1) for t in texts) for texts, _ in rows]
    idxs = [ix for _, ix in rows]
    if any(i >= len(s) for s, ix in zip(stacks, idxs) for i in ix):
        with pytest.raises(IndexError):
            SPEEDUPS.flat_words(stacks, idxs, B.exact_words)
        return
    want = [B.frame_words(s, ix) for s, ix in zip(stacks, idxs)]
    assert SPEEDUPS.flat_words(stacks, idxs, B.exact_words) == want
    assert [SPEEDUPS.flat_words([s], ix, B.exact_words)[0] for s, ix in zip(stacks, idxs)] == want
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(B, "_flat_words", None)
        assert B.stacks_words(stacks, idxs) == want
    assert B.stacks_words(stacks, idxs) == want


_FLAT_ITEM = st.tuples(
    st.sampled_from(["", "{", "{{"]),
    st.sampled_from(["0x10000", "0xffff", "0x0000010000", "0x10000?", "0xc000012345", "0x" + "f" * 16, "0", "17?",
                     "...", "_", "0x" + "0" * 20 + "c000012345"]),
    st.sampled_from(["", "}", "}}"]),
).map("".join)  # fmt: skip
_FLAT_TEXT = st.lists(st.one_of(_FLAT_ITEM, st.just("{}")), max_size=8).map(", ".join)


@needs_speedups
@given(st.lists(st.lists(_FLAT_TEXT, min_size=2, max_size=2), max_size=4))
def test_flat_words_reads_flat_text_itself(rows: list[list[str]]) -> None:
    """Text in the flat language is read by the compiled code alone (its words at the edges:
    0x10000 and 0xffff, leading zeros, 16 digits), and gives what Python gives."""
    assert SPEEDUPS is not None

    def slow(text: str) -> tuple[int, ...]:
        raise AssertionError(f"handed back: {text!r}")

    rows_ = [tuple(r) for r in rows]
    assert SPEEDUPS.flat_words(rows_, (0, 1), slow) == B._rows_words(rows_, (0, 1))


@needs_speedups
def test_flat_words_hands_unread_text_to_python() -> None:
    """Text outside the flat language, or a word beyond 64 bits, goes to the slow function."""
    assert SPEEDUPS is not None
    asked: list[str] = []

    def slow(text: str) -> tuple[int, ...]:
        asked.append(text)
        return (0x12345,)

    rows = [("0xc000012345, 0x1?", "0x" + "1" * 17, "0x1_0000", "{0xc000054321}, ...")]
    got = SPEEDUPS.flat_words(rows, (0, 1, 2, 3), slow)
    assert asked == ["0x" + "1" * 17, "0x1_0000"]
    assert got == [[(0xC000012345, 0), (0x12345, 1), (0x12345, 2), (0xC000054321, 3)]]


@needs_speedups
def test_flat_words_bad_input_raises_not_crash() -> None:
    assert SPEEDUPS is not None
    ew = B.exact_words
    with pytest.raises(TypeError):
        SPEEDUPS.flat_words((("0x1",),), (0,), ew)  # rows must be a list
    with pytest.raises(TypeError):
        SPEEDUPS.flat_words([["0xc000012345"]], (0,), ew)  # a row must be a tuple
    with pytest.raises(TypeError):
        SPEEDUPS.flat_words([(5,)], (0,), ew)  # texts must be str
    with pytest.raises(IndexError):
        SPEEDUPS.flat_words([("0x1",)], (1,), ew)
    with pytest.raises(ValueError):
        SPEEDUPS.flat_words([("0x1",)], (-1,), ew)
    with pytest.raises(TypeError):
        SPEEDUPS.flat_words([("0x1_0000",)], (0,), lambda t: 5)  # slow() must give a sequence
    with pytest.raises(ValueError):
        SPEEDUPS.flat_words([("0x1",), ("0x2",)], [(0,)], ew)  # one idxs tuple per row
    with pytest.raises(TypeError):
        SPEEDUPS.flat_words([("0x1",)], [[0]], ew)  # each row's idxs a tuple
    with pytest.raises(ValueError):
        SPEEDUPS.flat_words([("0x1",), ("0x2",)], [(0,), (-1,)], ew)
    with pytest.raises(TypeError):
        SPEEDUPS.flat_words([("0x1",)], {0}, ew)  # idxs: a tuple or a list of tuples


# ---------------------------------------------------------------- classify_rows

_PLAN_SOURCES = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from([0, 0, 0, 1, 2]),
        st.sampled_from([0, 0, 8, 24]),
        st.sampled_from(["sync.(*Mutex).Lock", "runtime.chanrecv1"]),
    ),
    max_size=3,
).map(tuple)


def _rows_of(texts: list[list[str]], states: list[str], sources: tuple, hsite: int | None, dumper: bool) -> tuple:  # type: ignore[type-arg]
    fn = Function("main.f", "main", None, "f")
    gs = tuple(
        Goroutine(
            k,
            state,
            tuple(Frame(fn, t, "/app/main.go", 10 + i) for i, t in enumerate(row)),
            wait_minutes=k % 3 or None,
            leaked=k % 5 == 4,
        )
        for k, (row, state) in enumerate(zip(texts, states))
    )
    plan = (sources, hsite, "mutex-lock", "mutex", bool(len(texts) % 2), hsite, None, False, dumper, "", (0, 1, 2))
    return gs, [0] * len(gs), [plan], [7]


@needs_speedups
@settings(max_examples=300)
@given(
    st.lists(st.lists(_TEXTS, min_size=3, max_size=3), min_size=2, max_size=6),
    st.lists(st.sampled_from(["running", "sync.Mutex.Lock"]), min_size=6, max_size=6),
    _PLAN_SOURCES,
    st.sampled_from([None, 0, 2]),
    st.booleans(),
    st.booleans(),
)
def test_classify_rows_equals_python(texts, states, sources, hsite, dumper, stack_kind) -> None:  # type: ignore[no-untyped-def]
    """The compiled loop reads the plain first words (and flat call sites) itself and hands the
    rest to the Python readers: the records are the same, field by field and type by type."""
    assert SPEEDUPS is not None
    gs, group_of, plans, shapes = _rows_of(texts, states, sources, hsite, dumper)
    want: dict = {}  # type: ignore[type-arg]
    want_shapes: dict = {}  # type: ignore[type-arg]
    B._classify_rows_py(gs, group_of, plans, shapes, want, want_shapes, stack_kind)
    got: dict = {}  # type: ignore[type-arg]
    got_shapes: dict = {}  # type: ignore[type-arg]
    SPEEDUPS.classify_rows(gs, group_of, plans, shapes, got, got_shapes, stack_kind, B._G_FIELDS, B._B_SLOTS,
                           B.Blocking, B._word, B._object_address, B._site_handles)  # fmt: skip
    assert got == want and list(got) == list(want) and got_shapes == want_shapes
    assert len(got) == len(gs) - 1
    for gid, b in got.items():
        assert [type(getattr(b, f)) for f in b.__slots__] == [type(getattr(want[gid], f)) for f in b.__slots__]
    assert 0 not in got  # goroutine 0 (an M's g0) has no record


@needs_speedups
def test_classify_rows_reads_words_as_word_does() -> None:
    """Texts at the edges of the compiled reader: spaces, "?", upper case, leading zeros, more
    than 16 digits, no digits."""
    assert SPEEDUPS is not None
    texts = ["0xc000012345", "0XC000012345", " 0xc000012345", "0xc000012345 ", "0xC00001234F, 0x1", "0x00000c000012345",
             "0x" + "f" * 16, "0x" + "1" * 17, "0x", "0x?", "0xc000012345??", "0xc0000_12345", "0x1234567?", "0x12,",
             "...", "", "_", "12", "é0xc000012345", "\x1c0xc000012345"]  # fmt: skip
    sources = ((0, 0, 8, "sync.(*Mutex).Lock"), (1, 0, 0, "runtime.chanrecv1"))
    for a in texts:
        for b in ("0xc000099999", "0x1?"):
            # goroutine 0 (left out) and goroutine 1
            gs, group_of, plans, shapes = _rows_of([[a, b, a]] * 2, ["sync.Mutex.Lock"] * 2, sources, 0, False)
            want: dict = {}  # type: ignore[type-arg]
            B._classify_rows_py(gs, group_of, plans, shapes, want, {}, False)
            got: dict = {}  # type: ignore[type-arg]
            SPEEDUPS.classify_rows(gs, group_of, plans, shapes, got, {}, False, B._G_FIELDS, B._B_SLOTS, B.Blocking,
                                   B._word, B._object_address, B._site_handles)  # fmt: skip
            assert got == want and len(got) == 1, (a, b)


@needs_speedups
def test_classify_rows_bad_input_raises_not_crash() -> None:
    assert SPEEDUPS is not None
    gs, group_of, plans, shapes = _rows_of([["0xc000012345"] * 3] * 2, ["x", "y"], (), 5, False)
    args = [gs, group_of, plans, shapes, {}, {}, False, B._G_FIELDS, B._B_SLOTS, B.Blocking, B._word,
            B._object_address, B._site_handles]  # fmt: skip
    with pytest.raises(ValueError, match="call site"):
        SPEEDUPS.classify_rows(*args)
    for k, bad in ((2, [None]), (1, [0]), (7, (0, 1)), (8, (1,) * 16), (0, [1])):
        wrong = list(args)
        wrong[k] = bad
        with pytest.raises((TypeError, ValueError)):
            SPEEDUPS.classify_rows(*wrong)


# ---------------------------------------------------------------- stack_groups


@needs_speedups
@pytest.mark.parametrize("path", SAMPLE[::2], ids=dump_id)
def test_stack_groups_equals_python(path) -> None:  # type: ignore[no-untyped-def]
    assert SPEEDUPS is not None
    for d in parse_all(path.read_bytes()) if path.stat().st_size else ():
        gs = d.goroutines
        want = B._stack_groups_py(gs)
        assert SPEEDUPS.stack_groups(gs, B._G_STATE, B._G_FRAMES, B._G_CREATED_BY) == want
        group_of, reps = want
        # a group is goroutines with equal stacks (by value), numbered by first appearance
        assert [group_of[r] for r in reps] == list(range(len(reps)))
        for k, g in enumerate(gs):
            r = gs[reps[group_of[k]]]
            assert (g.state, g.id == 1, [(f.function, f.file, f.line) for f in g.frames]) == (
                r.state, r.id == 1, [(f.function, f.file, f.line) for f in r.frames])  # fmt: skip


@needs_speedups
def test_stack_groups_are_by_identity() -> None:
    assert SPEEDUPS is not None
    fn = Function("main.f", "main", None, "f")
    other = Function("main.f", "main", None, "f")  # equal, another object
    line = 10
    a = Frame(fn, "0xc000012345", "/app/main.go", line)
    b = Frame(fn, "0xc000054321", "/app/main.go", line)
    c = Frame(other, "0xc000054321", "/app/main.go", line)
    gs = (
        Goroutine(5, "select", (a,)),
        Goroutine(6, "select", (b,)),
        Goroutine(1, "select", (b,)),  # goroutine 1 has a plan of its own
        Goroutine(7, "select", (c,)),
        Goroutine(8, "chan receive", (a,)),
        Goroutine(9, "select", ()),
        Goroutine(10, "select", (Frame(fn, "0xc000012345", "/app/main.go", 10**6),)),  # another line
        Goroutine(11, "select", (Frame(fn, "0xc000012345", "/app/other.go", line),)),  # another file
        # an equal state, file and line that are other objects: the same group as goroutine 5
        Goroutine(12, "".join(["sel", "ect"]), (Frame(fn, "0xc000099999", "".join(["/app/", "main.go"]), 10),)),
    )
    got = SPEEDUPS.stack_groups(gs, B._G_STATE, B._G_FRAMES, B._G_CREATED_BY)
    assert gs[8].state is not gs[0].state and gs[8].frames[0].file is not gs[0].frames[0].file  # (the premise)
    assert got == B._stack_groups_py(gs) == ([0, 0, 1, 2, 3, 4, 5, 6, 0], [0, 2, 3, 4, 5, 6, 7])
    with pytest.raises(TypeError):
        SPEEDUPS.stack_groups([gs[0]], B._G_STATE, B._G_FRAMES, B._G_CREATED_BY)
    with pytest.raises(TypeError):
        SPEEDUPS.stack_groups((("x",),), B._G_STATE, B._G_FRAMES, B._G_CREATED_BY)


# ---------------------------------------------------------------- scan_refs

_LOCKS = [0x10000, 0x10040, 0x10100, 0x20000]
# words at a lock, a little below one (a struct holding it), anywhere, and one beyond 64 bits
_NEAR = st.tuples(st.sampled_from(_LOCKS), st.integers(0, 300)).map(lambda t: t[0] - t[1])
_WORD = st.one_of(st.sampled_from(_LOCKS), _NEAR, _NEAR, st.integers(0xF000, 0x20100))


@st.composite
def _scan_input(draw: st.DrawFn, big: bool = False) -> tuple:
    rows = []
    for gid in draw(st.lists(st.integers(1, 12), max_size=16)):
        word = st.one_of(_WORD, st.just(2**64 + 5)) if big else _WORD
        ws = draw(st.lists(st.tuples(word, st.integers(0, 5)), min_size=1, max_size=6))
        own = draw(st.one_of(st.none(), st.sampled_from(_LOCKS)))
        rows.append((gid, ws, own, draw(st.integers(0, 4))))
    locks = {a: "mutex" for a in draw(st.lists(st.sampled_from(_LOCKS), unique=True))}
    lock_addrs = sorted(locks)
    every = [w for _, ws, _, _ in rows for w, _ in ws]
    interesting = set(draw(st.lists(st.sampled_from(every), max_size=8))) if every else set()
    span = draw(st.sampled_from([64, 256, 4096]))
    lo = lock_addrs[0] - span if lock_addrs else 1
    hi = lock_addrs[-1] if lock_addrs else 0
    return rows, interesting, locks, lo, hi, lock_addrs, draw(st.integers(1, 4)), draw(st.integers(1, 4)), span


def _run_scan(f, inp) -> tuple:  # type: ignore[no-untyped-def]
    rows, interesting, locks, lo, hi, lock_addrs, sharers, cap, span = inp
    word_refs: dict = {}
    word_gids: dict = {}
    overflow: set = set()
    lock_ev: dict = defaultdict(list)
    f(rows, interesting, locks, lo, hi, lock_addrs, word_refs, word_gids, overflow, lock_ev, sharers, cap, span)
    return word_refs, word_gids, overflow, dict(lock_ev)


@needs_speedups
@settings(max_examples=300)
@given(_scan_input())
def test_scan_refs_equals_python(inp) -> None:  # type: ignore[no-untyped-def]
    assert SPEEDUPS is not None
    assert _run_scan(SPEEDUPS.scan_refs, inp) == _run_scan(GR._scan_refs_py, inp)


@needs_speedups
@given(_scan_input(big=True))
def test_scan_refs_refuses_words_beyond_64_bits(inp) -> None:  # type: ignore[no-untyped-def]
    """Refused before anything is filled (scan_words then runs the Python loop)."""
    assert SPEEDUPS is not None
    if not any(w >= 2**64 for _, ws, _, _ in inp[0] for w, _ in ws):
        assert _run_scan(SPEEDUPS.scan_refs, inp) == _run_scan(GR._scan_refs_py, inp)
        return
    with pytest.raises(ValueError, match="64 bits"):
        _run_scan(SPEEDUPS.scan_refs, inp)


@needs_speedups
def test_scan_refs_rejects_bad_input_before_filling() -> None:
    assert SPEEDUPS is not None
    refs: dict = {}
    args = ([(1, [(0x10000, 0)], None, 0), (2, [("x", 0)], None, 0)], {0x10000}, {}, 1, 0, [], refs, {}, set(), {},
            4, 4, 64)  # fmt: skip
    with pytest.raises(TypeError):
        SPEEDUPS.scan_refs(*args)
    assert refs == {}
    with pytest.raises(ValueError, match="start empty"):
        SPEEDUPS.scan_refs([], set(), {}, 1, 0, [], {5: []}, {}, set(), {}, 4, 4, 64)
    with pytest.raises(ValueError, match="sorted"):
        SPEEDUPS.scan_refs([], set(), {}, 1, 0, [0x20000, 0x10000], {}, {}, set(), {}, 4, 4, 64)


# ---------------------------------------------------------------- fill_graph


@needs_speedups
def test_fill_graph_bad_input_raises_not_crash() -> None:
    assert SPEEDUPS is not None
    for args in (({}, {}, {}, [("a",)], []), ({}, {}, {}, [], [("a", "b", 1)]), ({}, {}, {}, [("a", 1)], []),
                 ({}, {}, {}, (), []), ([], {}, {}, [], [])):  # fmt: skip
        with pytest.raises(TypeError):
            SPEEDUPS.fill_graph(*args)
    succ: dict = {"a": 1}  # type: ignore[type-arg]
    with pytest.raises(TypeError, match="adjacency"):
        SPEEDUPS.fill_graph(succ, {"a": {}}, {"a": {}}, [], [("a", "a", {})])
    with pytest.raises(TypeError, match="node attributes"):
        SPEEDUPS.fill_graph({"a": {}}, {"a": {}}, {"a": 1}, [("a", {})], [])
    with pytest.raises(TypeError, match="edge attributes"):
        SPEEDUPS.fill_graph({"a": {"a": 1}}, {"a": {"a": 1}}, {"a": {}}, [], [("a", "a", {})])
