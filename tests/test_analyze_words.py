"""The graph stage's word index (``word_refs``, ``word_gids``, ``word_overflow``) and lock evidence
(``lock_ev``) against their definition: one plain loop over every word of every user goroutine,
in dump order (the loop scan_words ran before it learnt to skip the words that can change nothing
more). On the corpus and on generated dumps where more than MAX_SHARERS goroutines share a word
and every lock's evidence list fills up. Behaviour, not speed."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

import pytest
from corpusutil import corpus_dumps, dump_id, goroutine_dumps
from hypothesis import given, settings
from hypothesis import strategies as st
from test_blocking import G
from test_graph import MAIN, D

from stackparse.analysis.blocking import classify_all
from stackparse.analysis.index import CONTAINER_SPAN, MAX_CANDIDATES, MAX_SHARERS, STATIC_LIMIT, GraphIndex

ALL = corpus_dumps()


def _reference(bl: GraphIndex):  # type: ignore[no-untyped-def]
    """word_refs, word_gids, word_overflow, lock_ev: the plain loop."""
    b, gs, gwords, all_words = bl.b, bl.gs, bl.gwords, bl._all_words
    interesting = {w for ws in gwords.values() for w, _ in ws}
    addresses = {x.address for x in b.values() if x.address is not None and not x.system}
    # static words (below 4 GiB in a 64-bit dump) are no shared objects
    static = STATIC_LIMIT if any(w >= STATIC_LIMIT for ws in all_words.values() for w, _ in ws) or any(
        w >= STATIC_LIMIT for w in interesting | addresses
    ) else 0
    interesting = {w for w in interesting if w >= static} | addresses
    locks = bl.lock_kinds
    lock_addrs = sorted(locks)
    lo = (lock_addrs[0] - CONTAINER_SPAN) if lock_addrs else 1
    hi = lock_addrs[-1] if lock_addrs else 0
    word_refs: dict = {}
    word_gids: dict = {}
    overflow: set = set()
    lock_ev: dict = defaultdict(list)
    cap = 4 * MAX_CANDIDATES
    open_addrs = list(lock_addrs)
    for gid in gs:
        x = b.get(gid)
        if x is None or x.system:
            continue
        ws = gwords.get(gid)
        if ws is None:
            ws = all_words[gid]
        seen: set = set()
        own = x.address if x.kind in ("mutex", "rwmutex") else None
        site = x.site or 0
        for w, i in ws:
            if w in interesting:
                refs = word_refs.get(w)
                if refs is None:
                    word_refs[w] = [(gid, i)]
                    word_gids[w] = [gid]
                elif len(refs) < MAX_SHARERS:
                    if refs[-1][0] != gid:
                        refs.append((gid, i))
                        word_gids[w].append(gid)
                else:
                    overflow.add(w)
            if w < lo or w > hi:
                continue
            if w in locks and not (w == own and i <= site):
                ev = lock_ev[w]
                ev.append((gid, i, w, "exact"))
                seen.add(w)
                if len(ev) >= cap:
                    k = bisect_left(open_addrs, w)
                    if k < len(open_addrs) and open_addrs[k] == w:
                        del open_addrs[k]
            if w < static:
                continue
            k = bisect_right(open_addrs, w)
            while k < len(open_addrs) and open_addrs[k] - w <= CONTAINER_SPAN:
                a = open_addrs[k]
                if a in seen or (a == own and i <= site):
                    k += 1
                    continue
                ev = lock_ev[a]
                ev.append((gid, i, w, "container"))
                seen.add(a)
                if len(ev) >= cap:
                    del open_addrs[k]
                else:
                    k += 1
    return word_refs, word_gids, overflow, dict(lock_ev)


def _check(d) -> None:  # type: ignore[no-untyped-def]
    bl = GraphIndex(d, classify_all(d))
    bl.add_goroutines()
    bl.scan_words()
    want = _reference(bl)
    assert (bl.word_refs, bl.word_gids, bl.word_overflow, dict(bl.lock_ev)) == want


@pytest.mark.parametrize("path", ALL, ids=dump_id)
def test_corpus_word_index_equals_plain_loop(path) -> None:  # type: ignore[no-untyped-def]
    for d in goroutine_dumps(path):
        _check(d)


# Pointers near a few locks: 0xc000100000 + 0x40 * k. A lock waiter names its lock exactly
# (lockSlow); every goroutine carries some of the pointers in its frames, so that locks fill up
# and words overflow.
_BASE = 0xC000100000
_ptr = st.integers(0, 4).map(lambda k: f"{_BASE + 0x40 * k:#x}")
_goroutine = st.tuples(
    st.sampled_from(["lock", "chan", "sleep"]),
    st.integers(0, 1),  # which lock
    st.lists(_ptr, min_size=1, max_size=3),
    st.booleans(),  # the pointers also below the blocking call
)


def _make(i: int, spec) -> object:  # type: ignore[no-untyped-def]
    kind, lk, ptrs, below = spec
    args = ", ".join(ptrs)
    lock = f"{_BASE + 0x48 + 0x100 * lk:#x}"
    if kind == "lock":
        head = ["sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)", f"sync.(*Mutex).lockSlow({lock})", "sync.(*Mutex).Lock(...)"]
        user = [f"main.get({args if below else '0x0?'})", f"main.handle({args})"]
        return G(10 + i, "sync.Mutex.Lock", *head, *user, parent=1)
    if kind == "chan":
        return G(10 + i, "chan receive", f"main.recv({args})", f"main.loop({lock})", parent=1)
    return G(10 + i, "sleep", "time.Sleep(0x3b9aca00)", f"main.tick({args})", parent=1)


@settings(max_examples=40, deadline=None)
@given(st.lists(_goroutine, min_size=100, max_size=200))
def test_generated_word_index_equals_plain_loop(specs) -> None:  # type: ignore[no-untyped-def]
    _check(D(MAIN, *[_make(i, s) for i, s in enumerate(specs)]))


def test_overflowed_word_still_counts_for_an_open_lock() -> None:
    # 70 waiters of lock L carry P (in L's struct) only at their blocking call: no evidence for
    # their own lock, but P overflows; L's evidence list is still open, so a later goroutine
    # carrying P is a container candidate for L.
    lock = f"{_BASE + 0x48:#x}"
    ptr = f"{_BASE:#x}"
    waiters = [
        G(10 + i, "sync.Mutex.Lock", "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)", f"sync.(*Mutex).lockSlow({lock})",
          "sync.(*Mutex).Lock(...)", f"main.get({ptr})", parent=1)
        for i in range(MAX_SHARERS + 6)
    ]  # fmt: skip
    holder = G(500, "chan receive", f"main.hold({ptr})", parent=1)
    d = D(MAIN, *waiters, holder)
    _check(d)
    bl = GraphIndex(d, classify_all(d))
    bl.add_goroutines()
    bl.scan_words()
    assert int(ptr, 16) in bl.word_overflow
    assert [(gid, how) for gid, _, _, how in bl.lock_ev[int(lock, 16)]] == [(500, "container")]
