"""The fast paths of the blocking and graph stages agree with the general ones.

``classify_all`` works per stack shape (one plan per shape, only the argument words read per
goroutine) and keeps the shapes and argument texts for the graph stage; the graph stage reads the
exact pointer words a column of frames at a time (``rows_words``), fills networkx's adjacency
dicts directly and gathers releaser candidates with set operations. Each is checked here against
its definition: ``classify`` goroutine by goroutine, ``frame_words`` goroutine by goroutine,
``build_graph`` on a plain dict of blockings (which computes the shapes and texts itself),
``networkx``'s own ``add_*_from``; on the real corpus dumps and on generated argument lists.
Behaviour, not speed: there are no timing assertions here (bench/ measures speed).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from corpusutil import corpus_dumps, dump_id, goroutine_dumps
from hypothesis import given
from hypothesis import strategies as st
from test_blocking import G
from test_graph import MAIN, D

from stackparse.analysis.blocking import (
    Blockings,
    classify,
    classify_all,
    exact_words,
    frame_words,
    rows_words,
    shape_words,
    stacks_words,
    top_words,
)
from stackparse.analysis.blocking.sitewords import arg_word as _word
from stackparse.analysis.blocking.words import _exact_words, _exact_words_split
from stackparse.analysis.graph import build_graph
from stackparse.analysis.index import MAX_CANDIDATES
from stackparse.model import Frame, Function

ALL = corpus_dumps()


def _snapshot(wg):  # type: ignore[no-untyped-def]
    g = wg.graph
    return (
        list(g.nodes(data=True)),
        [(n, list(g.succ[n].items())) for n in g],
        [(n, list(g.pred[n])) for n in g],
        list(wg.notes),
        sorted(wg.alive),
    )


@pytest.mark.parametrize("path", ALL, ids=dump_id)
def test_corpus_fast_paths_equal_definitions(path) -> None:  # type: ignore[no-untyped-def]
    for d in goroutine_dumps(path):
        # classify_all == classify, goroutine by goroutine, in dump order
        fast = classify_all(d)
        assert isinstance(fast, Blockings)
        slow = {g.id: classify(g, d, i) for i, g in enumerate(d.goroutines) if g.id != 0}
        assert fast == slow and list(fast) == list(slow)
        # the word scan of a shape's columns == frame_words goroutine by goroutine
        groups = defaultdict(list)
        for g in d.goroutines:
            b = fast.get(g.id)
            if b is not None and not b.system:
                groups[(tuple(f.function.full for f in g.frames), b.user_frames)].append(g)
        for (_, uf), members in groups.items():
            want = [frame_words(g.frames, uf) for g in members]
            assert shape_words([g.frames for g in members], uf) == want
            assert rows_words([tuple(f.args_text for f in g.frames) for g in members], uf) == want
        # ... and in dump order, every shape in one call, as the graph stage reads them
        users = [g for g in d.goroutines if (b := fast.get(g.id)) is not None and not b.system]
        want = [frame_words(g.frames, fast[g.id].user_frames) for g in users]
        assert stacks_words([g.frames for g in users], [fast[g.id].user_frames for g in users]) == want
        # the graph from classify_all's shapes and texts == the graph from a plain dict
        assert _snapshot(build_graph(d, fast)) == _snapshot(build_graph(d, dict(slow)))


_ARG_CHARS = st.text(st.sampled_from(list("0x1f?{}, ._9aXA \t")), max_size=40)
_ARG_WORDS = st.lists(
    st.sampled_from(
        ["0xc000012345", "0xc000054321?", "0x0?", "0x1", "0x10000", "0xffff", "0x1_0000", "0xABCDE1", "...", "_", "12345",
         "{", "}", ", ", ",", " ", "0x2de96836b0c8?"]
    ),
    max_size=12,
).map("".join)  # fmt: skip
_ARGS = st.one_of(_ARG_CHARS, _ARG_WORDS)


@given(_ARGS)
def test_exact_words_fast_equals_split(text: str) -> None:
    assert _exact_words(text) == _exact_words_split(text)
    ws = top_words(text)
    for ai in range(3):
        assert _word(text, ai) == (ws[ai] if ai < len(ws) else None)


_FN = Function("main.f", "main", None, "f")


@given(
    st.lists(st.lists(_ARGS, min_size=3, max_size=3), min_size=1, max_size=5),
    st.sampled_from([(0,), (1, 2), (0, 1, 2)]),
)
def test_shape_words_equals_frame_words(texts: list[list[str]], idxs: tuple[int, ...]) -> None:
    stacks = [tuple(Frame(_FN, t, "/app/main.go", 1) for t in row) for row in texts]
    assert shape_words(stacks, idxs) == [frame_words(s, idxs) for s in stacks]
    for s in stacks:
        assert [w for w, _ in frame_words(s, idxs)] == [w for i in idxs for w in exact_words(s[i].args_text)]


def test_releasers_capped_keep_an_alive_one():
    # 20 stuck workers and one sleeping (alive) worker, the highest id, carry the struct that
    # holds the WaitGroup: the MAX_CANDIDATES lowest ids are kept, plus the alive one, so that the
    # WaitGroup is not mistaken for stuck; the count is noted. (The waiter has a creator of its own:
    # no sibling candidates.)
    waiter = G(
        10,
        "sync.WaitGroup.Wait",
        "sync.runtime_SemacquireWaitGroup(0x0?)",
        "sync.(*WaitGroup).Wait(0xc000082070)",
        "main.coordinator(0x0?)",
        created_by="main.run",
        parent=1,
    )
    workers = [G(100 + i, "chan receive", "main.worker(0xc000082000)", parent=1) for i in range(20)]
    sleeper = G(500, "sleep", "time.Sleep(0x3b9aca00)", "main.worker(0xc000082000)", parent=1)
    wg = build_graph(D(MAIN, waiter, *workers, sleeper))
    node = "waitgroup@0xc000082070"
    out = list(wg.graph.successors(node))
    assert out == [f"g:{100 + i}" for i in range(MAX_CANDIDATES)] + ["g:500"]
    assert wg.edge(node, "g:500").evidence == "main.worker (frame 1) carries 0xc000082000, 112 bytes below it"
    assert f"{node}: 21 possible releasers, kept {MAX_CANDIDATES}" in wg.notes
    assert wg.graph.nodes[node]["more_releasers"] == 21 - MAX_CANDIDATES
