"""analyze's buckets come from classify_all's bucket numbers (``Blockings.bucket_of``, made while
it reads the frames) through ``buckets.bucketize_by``: they must be exactly ``bucketize(dump)``,
its definition, on every corpus dump and on generated dumps (duplicate ids, goroutine 0, empty
stacks, one function name in two Function objects, equal lines in other files). The shapes
classify_all finds the same way must be the goroutines' function names. Behaviour, not speed:
bench/ measures speed."""

from __future__ import annotations

import pytest
from corpusutil import corpus_dumps, dump_id
from hypothesis import given, settings
from hypothesis import strategies as st

from stackparse import parse_all
from stackparse.analysis import analyze
from stackparse.analysis.blocking import classify_all
from stackparse.buckets import bucket_key, bucketize, bucketize_by
from stackparse.model import CreatedBy, Dump, Frame, Function, Goroutine

ALL = corpus_dumps()


@pytest.mark.parametrize("path", ALL, ids=dump_id)
def test_corpus_buckets_from_classify_equal_bucketize(path) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    if not data.strip():
        pytest.skip("empty capture")
    for d in parse_all(data):
        want = bucketize(d)
        if d.goroutines:
            b = classify_all(d)
            assert bucketize_by(d, b.bucket_of) == want
            for g in {g.id: g for g in d.goroutines}.values():
                if g.id != 0:
                    assert b.shapes[b.shape_of[g.id]] == tuple(f.function.full for f in g.frames)
        assert list(analyze(d).buckets) == want


def _fn(full: str) -> Function:
    pkg, _, name = full.partition(".")
    return Function(full=full, package=pkg, receiver=None, name=name)


_NAMES = ["main.a", "main.b", "sync.runtime_SemacquireMutex", "runtime.gopark", "time.Sleep"]
# two equal Function objects per name: the parser shares one, a hand-built dump may not
_FUNCS = [[_fn(n), _fn(n)] for n in _NAMES]

_frame = st.builds(
    lambda f, copy, file, line, arg: Frame(_FUNCS[f][copy], arg, file, line),
    st.integers(0, len(_NAMES) - 1),
    st.integers(0, 1),
    st.sampled_from(["/app/main.go", "/app/other.go"]),
    st.integers(1, 3),
    st.sampled_from(["", "0xc000012345", "0x0?", "..."]),
)
_goroutine = st.builds(
    lambda gid, state, frames, minutes, creator: Goroutine(
        id=gid,
        state=state,
        frames=tuple(frames),
        wait_minutes=minutes,
        created_by=None if creator is None else CreatedBy(_FUNCS[0][0], creator, "/app/main.go", 9),
    ),
    st.integers(0, 6),
    st.sampled_from(["chan receive", "sleep", "running", "GC worker (idle)"]),
    st.lists(_frame, max_size=4),
    st.one_of(st.none(), st.integers(0, 30)),
    st.one_of(st.none(), st.integers(1, 3)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_goroutine, max_size=12))
def test_generated_buckets_from_classify_equal_bucketize(gs: list[Goroutine]) -> None:
    d = Dump(kind="stack", goroutines=tuple(gs))
    b = classify_all(d)
    # the numbers are a labelling of bucket_key, numbered in order of first appearance
    keys = [bucket_key(g) for g in gs]
    for i in range(len(gs)):
        for j in range(len(gs)):
            assert (b.bucket_of[i] == b.bucket_of[j]) == (keys[i] == keys[j])
    firsts = list(dict.fromkeys(b.bucket_of))
    assert firsts == list(range(len(firsts)))
    # the shapes found through (state, files, lines) and the Function objects are the names
    # (a goroutine id seen twice: its last goroutine, as classify_all's dict keeps it)
    for g in {g.id: g for g in gs}.values():
        if g.id != 0:
            assert b.shapes[b.shape_of[g.id]] == tuple(f.function.full for f in g.frames)
    assert len(set(b.shapes)) == len(b.shapes)
    assert bucketize_by(d, b.bucket_of) == bucketize(d)
    assert list(analyze(d).buckets) == bucketize(d)
    # any other labelling of the same partition gives the same buckets
    relabel = [97 - x for x in b.bucket_of]
    assert bucketize_by(d, relabel) == bucketize(d)
