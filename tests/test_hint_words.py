"""Corroborated hint words (``0x…?``) as evidence for a WaitGroup's releasers, on real corpus dumps
(bug_wg_wait_before_close: shardCloser waits on s.wg before closing s.stop; the shardRun workers
wait on <-s.stop and print s only as ``s?`` or ``0x0?``), and variants made by code that must not
be raised."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackparse
from stackparse.analysis.hints import HINT_MARK

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PROG = "bug_wg_wait_before_close"


def _text(version: str, mode: str) -> str:
    p = CORPUS / version / f"{PROG}.{mode}.txt"
    if not p.exists():
        pytest.skip(f"{p} is not in the corpus")
    return p.read_text()


def _fn_gids(a: stackparse.Analysis, fn: str) -> set[int]:
    assert a.dump is not None
    return {g.id for g in a.dump.goroutines if any(f.function.full == fn for f in g.frames)}


def _hint_cycles(a: stackparse.Analysis) -> list[stackparse.Finding]:
    return [f for f in a.findings if f.rule == "waitgroup-hint-cycle"]


@pytest.mark.parametrize(
    ("version", "mode"), [("go1.21", "stack"), ("go1.25", "stack"), ("go1.26", "leak"), ("go1.27", "stack")]
)
def test_wait_before_close_is_a_deadlock_tied_by_hint_words(version: str, mode: str) -> None:
    """Two workers print the closer's struct as ``s?`` in shardRun's first parameter; the third
    stands at the same place with ``0x0?``. Before: a low "WaitGroup wait that cannot return"
    lead (or nothing, on 1.21) and a low "no counterpart in sight" leak."""
    a = stackparse.analyze(stackparse.parse(_text(version, mode)))
    [f] = _hint_cycles(a)
    assert f.kind == "deadlock" and f.confidence == "medium"
    assert set(f.goroutines) == _fn_gids(a, "main.shardCloser") | _fn_gids(a, "main.shardRun")
    assert any(HINT_MARK in n for n in f.notes), f.notes
    assert any(n.startswith("evidence: goroutine(s)") and "0x0?" in n for n in f.notes), f.notes


@pytest.mark.parametrize(("version", "mode"), [("go1.21", "stack"), ("go1.27", "stack")])
def test_neighbours_below_the_waiters_struct_are_not_its_releasers(version: str, mode: str) -> None:
    """The event-bus goroutines carry a busQueue 96 (1.21) or 112 (1.27) bytes below the
    WaitGroup, below the shardSet the closer reaches it through, which the workers carry: a
    neighbour in the heap, not the WaitGroup's container. Before: medium "container" releasers
    (on 1.21 one of them alive, so the closer was not even doomed)."""
    a = stackparse.analyze(stackparse.parse(_text(version, mode)))
    bus = _fn_gids(a, "main.busConsumer") | _fn_gids(a, "main.busProducer")
    G = a.graph
    [wg] = [n for n, d in G.nodes(data=True) if d.get("kind") == "waitgroup"]
    rel = {int(v[2:]) for v in G.successors(wg)}
    assert rel == _fn_gids(a, "main.shardRun")
    assert not rel & bus


def test_one_hint_alone_is_no_evidence() -> None:
    """Variant made by code: the second worker's ``s?`` set to ``0x0?``. One stale-looking slot
    is not corroborated: no link, no deadlock at medium or above."""
    text = _text("go1.27", "stack")
    old = "main.shardRun(0x358412b86270?, 0x0?, 0x0?)"
    assert text.count(old) == 1
    a = stackparse.analyze(stackparse.parse(text.replace(old, "main.shardRun(0x0?, 0x0?, 0x0?)")))
    assert not _hint_cycles(a)
    assert not [f for f in a.at_least("medium") if f.kind == "deadlock"]
    assert not any(HINT_MARK in d["evidence"] for _, _, d in a.graph.edges(data=True))


def test_hints_equal_to_no_word_the_waiter_carries_are_no_evidence() -> None:
    """Variant made by code: both workers print another address with ``?`` (one the closer does
    not carry): nothing ties them to its WaitGroup."""
    text = _text("go1.27", "stack").replace("main.shardRun(0x358412b86270?", "main.shardRun(0x358412b97270?")
    a = stackparse.analyze(stackparse.parse(text))
    assert not _hint_cycles(a)
    assert not any(HINT_MARK in d["evidence"] for _, _, d in a.graph.edges(data=True))


def test_an_outsider_carrying_the_struct_spoils_the_cycle() -> None:
    """Variant made by code: the producer carries the closer's struct exactly. It might close
    stop: the workers are no longer served only by the closer."""
    text = _text("go1.27", "stack")
    old = "main.busProducer(0x358412b86210)"
    assert text.count(old) == 1
    a = stackparse.analyze(stackparse.parse(text.replace(old, "main.busProducer(0x358412b86270)")))
    assert not _hint_cycles(a)


def test_a_worker_printing_another_struct_is_not_alike() -> None:
    """Variant made by code: the worker with ``0x0?`` prints another shardSet exactly: it waits on
    another struct's channel, so it is not one of the closer's workers standing at that place."""
    text = _text("go1.27", "stack")
    old = "main.shardRun(0x0?, 0x0?, 0x0?)"
    assert text.count(old) == 1
    a = stackparse.analyze(stackparse.parse(text.replace(old, "main.shardRun(0x358412b99000, 0x0?, 0x0?)")))
    assert not _hint_cycles(a)


@pytest.mark.parametrize("many", [False, True])
def test_hint_index_reads_what_a_frame_by_frame_read_finds(many: bool) -> None:
    """The column read of hints.hint_index (one find per word, or a first read of the column's
    hint words when more than 16 are looked for) against a plain read of every user frame, on a
    real server dump full of hint words."""
    from stackparse.analysis.blocking.words import top_words
    from stackparse.analysis.graph import build_graph
    from stackparse.analysis.hints import hint_index

    p = CORPUS / "servers" / "etcd" / "etcd.load.pprof2.txt"
    if not p.exists():
        pytest.skip(f"{p} is not in the corpus")
    d = stackparse.parse(p.read_text())
    ix = build_graph(d).index
    assert ix is not None
    naive: dict[int, list[tuple[int, int, int]]] = {}
    for gid, g in ix.gs.items():
        bl = ix.b.get(gid)
        if bl is None or bl.system or bl.dumper:
            continue
        for fi in bl.user_frames:
            for pos, (v, exact) in enumerate(top_words(g.frames[fi].args_text)):
                if v is not None and not exact and v >= 1 << 32:
                    naive.setdefault(v, []).append((gid, fi, pos))
    shared = sorted(naive, key=lambda v: -len(naive[v]))
    assert len(shared) > 40 and len(naive[shared[0]]) > 1
    targets = set(shared[:40] if many else shared[:3]) | {0xC000DEAD00}
    got = hint_index(ix, targets)
    assert {v: sorted(h) for v, h in got.items() if h} == {v: sorted(naive[v]) for v in targets if v in naive}
