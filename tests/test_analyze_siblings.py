"""Sibling candidates ("started by the same function as the waiter") at scale, and the graph
stage's one-waiter path.

A creator group larger than ``graph.MAX_SIBLING_GROUP`` is no evidence: a wait among its members
gets one sibling candidate, the group's lowest-id live member of another shape (a select only when
no other is alive), noted once per group, instead of up to MAX_CANDIDATES. Small groups keep the
heuristic as it was. The one-waiter path of ``chan_counterparts`` must build exactly the graph of
the general path, on the corpus and on generated dumps (with a small MAX_SIBLING_GROUP, so that
large groups are generated too). Behaviour, not speed.
"""

from __future__ import annotations

import re

import pytest
from corpusutil import corpus_dumps, dump_id, goroutine_dumps
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analyze_scale import _snapshot
from test_blocking import G
from test_graph import MAIN, D

from stackparse.analysis import analyze
from stackparse.analysis import index as index_mod
from stackparse.analysis import releasers as releasers_mod
from stackparse.analysis.blocking import LIVE_OPS, classify_all
from stackparse.analysis.graph import build_graph
from stackparse.analysis.index import MAX_SIBLING_GROUP

ALL = corpus_dumps()


def _both(d):  # type: ignore[no-untyped-def]
    """The graph with the one-waiter path, and with the general path only."""
    b = classify_all(d)
    fast = _snapshot(build_graph(d, b))
    try:
        releasers_mod.Releasers.one_waiter_fast_path = False
        slow = _snapshot(build_graph(d, b))
    finally:
        releasers_mod.Releasers.one_waiter_fast_path = True
    return fast, slow


@pytest.mark.parametrize("path", ALL, ids=dump_id)
def test_corpus_one_waiter_path_equals_general_path(path) -> None:  # type: ignore[no-untyped-def]
    for d in goroutine_dumps(path):
        fast, slow = _both(d)
        assert fast == slow


def _sibling_edges(wg, node):  # type: ignore[no-untyped-def]
    return [e for e in wg.edges() if e.src == node and "started by the same function" in e.evidence]


def _crowd(n: int, *extra):  # type: ignore[no-untyped-def]
    """n goroutines started by main.main in goroutine 1, parked on channels whose address is not
    printed (each with its own pointer argument: one resource node each)."""
    gs = [
        G(100 + i, "chan receive", f"main.recvChan({0xC000100000 + 0x100 * i:#x}, 0x0?)", created_by="main.main", parent=1)
        for i in range(n)
    ]
    return D(MAIN, *gs, *extra)


def test_large_group_waiter_gets_one_live_sibling() -> None:
    sleepers = [
        G(9000 + i, "sleep", "time.Sleep(0x3b9aca00)", "main.tick(0x0?)", created_by="main.main", parent=1)
        for i in range(3)
    ]
    sel = G(8000, "select", "runtime.selectgo(0x0?)", "main.pick(0x0?)", created_by="main.main", parent=1)
    d = _crowd(MAX_SIBLING_GROUP + 10, sel, *sleepers)
    wg = build_graph(d)
    node = wg.resource_of(100)
    got = _sibling_edges(wg, node)
    # the lowest-id member of another shape that makes progress on its own: not the select
    assert [e.dst for e in got] == ["g:9000"]
    assert got[0].confidence == "low"
    assert f"one of {MAX_SIBLING_GROUP + 14}" in got[0].evidence
    # one note for the group, none per resource
    notes = [n for n in wg.notes if "started" in n and "creator group" in n]
    assert len(notes) == 1 and "main.main in goroutine 1" in notes[0]
    assert not any("possible releasers" in n for n in wg.notes)
    # every waiter can still progress (through the live sibling): no finding
    a = analyze(d)
    assert not a.findings
    assert not a.doomed


def test_large_group_select_only_when_nothing_else_is_alive() -> None:
    sel = G(8000, "select", "runtime.selectgo(0x0?)", "main.pick(0x0?)", created_by="main.main", parent=1)
    d = _crowd(MAX_SIBLING_GROUP + 1, sel)
    wg = build_graph(d)
    assert [e.dst for e in _sibling_edges(wg, wg.resource_of(100))] == ["g:8000"]


def test_large_group_with_nothing_alive_has_no_sibling_edges() -> None:
    d = _crowd(MAX_SIBLING_GROUP + 1)
    wg = build_graph(d)
    assert not any("started by the same function" in e.evidence for e in wg.edges())
    assert any("none of them is alive" in n for n in wg.notes)
    # the waiters are doomed: one leak finding for the site, as with stuck siblings before
    a = analyze(d)
    # (257 alike at one site: a lead, since a count below FAR_BEYOND_POOL is no evidence)
    assert [(f.rule, f.confidence, f.count) for f in a.findings] == [("leakprof-site", "low", MAX_SIBLING_GROUP + 1)]


def test_small_group_keeps_sibling_candidates() -> None:
    # at most MAX_SIBLING_GROUP members: stuck siblings of other shapes are candidates, as before
    others = [
        G(500 + i, "chan send", f"main.sendOn{i}(0x0?)", created_by="main.main", parent=1) for i in range(5)
    ]
    d = _crowd(3, *others)
    wg = build_graph(d)
    got = _sibling_edges(wg, wg.resource_of(100))
    assert [e.dst for e in got] == [f"g:{500 + i}" for i in range(5)]
    assert all("one of" not in e.evidence for e in got)
    assert not any("creator group" in n for n in wg.notes)


# --------------------------------------------------------------------------- generated dumps

_WORDS = ["0xc000010000", "0xc000010040", "0xc000020000", "0x0?", "0x1"]
_SITES = [
    ("chan receive", "main.recv"),
    ("chan send", "main.send"),
    ("select", "main.pick"),
    ("sleep", "main.nap"),
    ("IO wait", "main.read"),
    ("sync.Cond.Wait", "main.waitCond"),
]
_goroutine = st.tuples(
    st.sampled_from(range(len(_SITES))),
    st.lists(st.sampled_from(_WORDS), min_size=1, max_size=2),
    st.sampled_from(["main.main", "main.serve", None]),
    st.sampled_from([1, 2]),
    st.booleans(),
)


def _make(i: int, spec) -> object:  # type: ignore[no-untyped-def]
    site, words, creator, parent, deep = spec
    state, fn = _SITES[site]
    lines = [f"{fn}({', '.join(words)})"]
    if state == "sync.Cond.Wait":
        lines = ["sync.runtime_notifyListWait(0x0?, 0x0?)", "sync.(*Cond).Wait(0x0?)", *lines]
    if deep:
        lines.append("main.handler(0x0?)")
    return G(10 + i, state, *lines, created_by=creator, parent=parent)


@settings(max_examples=150, deadline=None)
@given(st.lists(_goroutine, max_size=14), st.sampled_from([2, 3, MAX_SIBLING_GROUP]))
def test_generated_one_waiter_path_equals_general_path(specs, group_cap: int) -> None:  # type: ignore[no-untyped-def]
    d = D(MAIN, *[_make(i, s) for i, s in enumerate(specs)])
    old = index_mod.MAX_SIBLING_GROUP
    index_mod.MAX_SIBLING_GROUP = releasers_mod.MAX_SIBLING_GROUP = group_cap
    try:
        fast, slow = _both(d)
        assert fast == slow
        wg = build_graph(d)
        b = wg.blockings
        # the large-group rule, against its definition
        groups: dict = {}
        for g in d.goroutines:
            bl = b.get(g.id)
            if g.created_by is not None and bl is not None and not bl.system and not bl.dumper:
                groups.setdefault((g.created_by.function.full, g.created_by.parent_id), []).append(g)
        for e in wg.edges():
            if "started by the same function" not in e.evidence:
                continue
            sib = int(e.dst[2:])
            key = next(k for k, members in groups.items() if any(m.id == sib for m in members))
            members = groups[key]
            if len(members) <= group_cap:
                assert "one of" not in e.evidence
                continue
            assert f"one of {len(members)}" in e.evidence
            m = re.search(r"as goroutine (\d+)", e.evidence)
            if m is None:
                continue
            waiter = int(m.group(1))
            shape = {g.id: tuple(f.function.full for f in g.frames) for g in members}
            alive = [
                g.id
                for g in members
                if (b[g.id].op in LIVE_OPS or b[g.id].op in ("select", "other")) and shape[g.id] != shape[waiter]
            ]
            assert sib == min(alive, key=lambda x: (b[x].op == "select", x))
            if len(wg.graph.pred[e.src]) == 1:
                # a resource with one waiter: that one sibling only
                assert len([x for x in wg.edges() if x.src == e.src and "started by" in x.evidence]) == 1
    finally:
        index_mod.MAX_SIBLING_GROUP = releasers_mod.MAX_SIBLING_GROUP = old
