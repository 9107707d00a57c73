"""Deadlocks read from what one function started: a WaitGroup wait whose only possible releasers
are the goroutines it started, each stuck on what only they and the waiter carry
(``waitgroup_cycles``, rule ``waitgroup-cycle``), and goroutines alone at their sites sending on
channels only they carry after their creators returned (``sender_cycles``, rule
``sender-cycle``). Both run after :mod:`.deadlocks`. Both are closed-world arguments, so neither
runs on a goleak report, which lists only some goroutines.
"""

from __future__ import annotations

from collections.abc import Iterator

from .blocking.words import top_words
from .confidence import Confidence, Kind
from .doomed import Detection, site
from .evidence import creator_gone
from .findings import Finding
from .graph import Edge
from .hints import HINT_MARK, hint_index
from .holders import top_word0
from .nodes import gid_of, gnode

__all__ = ["sender_cycles", "waitgroup_cycles", "waitgroup_hint_cycles"]


def _doomed_wg_waiters(det: Detection) -> Iterator[tuple[int, str]]:
    """(W, its WaitGroup's node) for each doomed goroutine W in ``WaitGroup.Wait`` not claimed by a
    finding yet (checked as the caller's loop reaches W), in id order; none when the runtime
    reported a global deadlock or the dump is partial (a missing goroutine may be a releaser)."""
    ix = det.wg.index
    if det.global_dl or ix is None or ix.partial:
        return
    for w in sorted(det.doomed):
        if w in det.claimed or det.b[w].op != "waitgroup-wait":
            continue
        r = det.res_of(w)
        if r is not None:
            yield w, r


def waitgroup_cycles(det: Detection) -> None:
    """A WaitGroup wait and the goroutines it started, waiting on each other (``medium``).

    Evidence needed, all read in the dump (each written into the finding):

    * goroutine W waits in ``WaitGroup.Wait`` and the WaitGroup's only possible releasers (the
      graph's ``can-release`` edges) are goroutines W started from the function it waits in
      (creator goroutine id printed, creator function on W's stack);
    * every goroutine W started is doomed (none is alive to drain or close anything), and each
      waits definitely: on the same WaitGroup (a Wait inside a worker), or in a plain channel
      send or receive (never a ``select``: its cases are not printed);
    * for a channel wait: its possible counterparts in the graph are W or W's children, and the
      channel (its address when printed, else every non-receiver pointer argument the worker
      carries, at least one) is carried by nobody outside W and its children: only W's frame
      could serve it, and W is in Wait;
    * no live goroutine related to W or its children is in sight (creator group, children,
      pointer sharers).

    Counts play no part: one worker is enough, and many workers alone prove nothing.
    """
    ix = det.wg.index
    succ = det._succ
    for w, r in _doomed_wg_waiters(det):
        assert ix is not None
        kids = [k for k in ix.children.get(w, ()) if k in det.gs]
        if not kids or any(k in det.claimed or k not in det.doomed for k in kids):
            continue
        wg_frames = {f.function.full for f in det.gs[w].frames}
        if any((cb := det.gs[k].created_by) is None or cb.function.full not in wg_frames for k in kids):
            continue
        members = {w, *kids}
        releasers = {gid_of(v) for v in succ[r]}
        if None in releasers or not releasers <= members:
            continue
        if not releasers and not _kept_inside(det, w, r, kids, members):
            continue
        reasons = _worker_waits(det, w, r, kids, members)
        if reasons is None:
            continue
        if det.wg.related is not None and det.wg.related.alive(sorted(members)):
            continue
        if not releasers:
            reasons.append(
                f"evidence: nobody outside these goroutines carries the WaitGroup ({r}), and nothing else in "
                "sight can call Done"
            )
        gids = sorted(members)
        nodes = {gnode(g) for g in gids}
        res = sorted({x for x in (det.res_of(g) for g in gids) if x is not None})
        edges = tuple(
            Edge(u, v, d["kind"], d["confidence"], d["evidence"])
            for u in sorted(nodes | set(res))
            for v, d in sorted(succ[u].items())
            if v in nodes or v in res
        )
        fn = site(det.gs[w], det.b[w])[0]
        notes = (
            f"evidence: goroutine {w} waits in WaitGroup.Wait in {fn}; only the "
            f"{len(kids)} goroutine(s) it started there can call Done, and each of them waits itself",
            *reasons,
            "evidence: none of these goroutines' relatives (creator group, children, pointer sharers) is alive",
        )
        det.claimed.update(gids)
        det.findings.append(
            Finding(
                kind=Kind.DEADLOCK,
                confidence=Confidence.MEDIUM,
                title=f"deadlock: goroutine {w} ({fn}) waits for a WaitGroup the {len(kids)} goroutine(s) "
                "it started cannot release: they wait for it in turn",
                goroutines=tuple(gids),
                resources=tuple(res),
                edges=edges,
                count=len(gids),
                rule="waitgroup-cycle",
                notes=notes,
            )
        )


def _kept_inside(det: Detection, w: int, r: str, kids: list[int], members: set[int]) -> bool:
    """A WaitGroup with no releaser in sight still closes the cycle when every child of W waits
    on it too, and its address is printed, on the heap, and carried by nobody outside W and its
    children."""
    ix = det.wg.index
    assert ix is not None
    addr = det.b[w].address
    if addr is None or addr < ix.static_limit or addr in ix.word_overflow:
        return False
    if any(det.b[k].op != "waitgroup-wait" or det.res_of(k) != r for k in kids):
        return False
    return members.issuperset(ix.word_gids.get(addr, ()))


def _worker_waits(det: Detection, w: int, r: str, kids: list[int], members: set[int]) -> list[str] | None:
    """Why each of W's children waits for W (or for the same WaitGroup), or None when one does
    not definitely (see :func:`waitgroup_cycles`)."""
    ix = det.wg.index
    assert ix is not None
    succ = det._succ
    out: dict[str, None] = {}
    for k in kids:
        bk = det.b[k]
        if bk.op == "waitgroup-wait" and det.res_of(k) == r:
            out["evidence: a goroutine it started waits on the same WaitGroup (Wait inside a worker)"] = None
            continue
        if bk.op not in ("chan-send", "chan-recv"):
            return None
        rk = det.res_of(k)
        if rk is not None and not {gid_of(v) for v in succ[rk]} <= members:
            return None
        if bk.address is not None:
            words = [bk.address] if bk.address in {x for x, _ in ix.gwords.get(k, ())} else []
        else:
            frames = det.gs[k].frames
            words = [
                x
                for x, fi in ix.gwords.get(k, ())
                if not frames[fi].function.receiver or top_word0(frames[fi].args_text) != x
            ]
        if not words:
            return None
        for x in words:
            if x in ix.word_overflow or not members.issuperset(ix.word_gids.get(x, ())):
                return None
        what = "send on" if bk.op == "chan-send" else "receive from"
        out[
            f"evidence: goroutine(s) it started {what} a channel nobody outside it and them carries "
            f"({', '.join(hex(x) for x in words[:3])}): only its own frame could serve them"
        ] = None
    return list(out)


def sender_cycles(det: Detection) -> None:
    """Goroutines blocked sending on channels that only they carry (``medium``).

    Evidence needed, all read in the dump: a set of two or more doomed goroutines, each blocked
    in a plain channel send (never a ``select``) at a site of its own (senders alike at one site
    are an N-cast leak, not a cycle), each carrying at least one exact heap pointer
    argument that is not a method receiver, every such word carried by nobody outside the set
    (the channel's printed address among them when the runtime prints it); each member's
    possible counterparts in the graph are in the set; the function that started each has
    returned (nobody can still hold the channels in a local); nothing alive is related. Then
    every goroutine that could receive is itself blocked sending: they wait on each other.
    """
    if det.global_dl:
        return
    ix = det.wg.index
    if ix is None or ix.partial:
        return
    succ = det._succ
    words_of: dict[int, list[int]] = {}
    for g in sorted(det.doomed):
        if g in det.claimed or det.b[g].op != "chan-send":
            continue
        frames = det.gs[g].frames
        ws = [
            w
            for w, fi in ix.gwords.get(g, ())
            if w >= ix.static_limit
            and w not in ix.word_overflow
            and (not frames[fi].function.receiver or top_word0(frames[fi].args_text) != w)
        ]
        addr = det.b[g].address
        if ws and (addr is None or addr in ws):
            words_of[g] = ws
    # group the senders by the words they share; a word anyone else carries spoils its group
    parent = {g: g for g in words_of}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    spoiled: set[int] = set()
    for g, ws in words_of.items():
        for w in ws:
            for o in ix.word_gids.get(w, ()):
                if o not in words_of:
                    spoiled.add(g)
                elif find(o) != find(g):
                    parent[find(o)] = find(g)
    groups: dict[int, list[int]] = {}
    for g in words_of:
        groups.setdefault(find(g), []).append(g)
    bad_roots = {find(g) for g in spoiled}
    for root, gids in groups.items():
        if len(gids) < 2 or root in bad_roots:
            continue
        members = set(gids)
        # a cycle, not senders alike on one result channel (N-cast, first error): each member
        # stands alone at its own blocking site
        if len({site(det.gs[g], det.b[g]) for g in gids}) != len(gids):
            continue
        gone = [creator_gone(det, g) for g in gids]
        if not all(gone):
            continue
        ok = True
        for g in gids:
            r = det.res_of(g)
            if r is not None and not {gid_of(v) for v in succ[r]} <= members:
                ok = False
                break
        if not ok or (det.wg.related is not None and det.wg.related.alive(sorted(gids))):
            continue
        gids = sorted(gids)
        shared = sorted({w for g in gids for w in words_of[g]})
        names = ", ".join(f"{g} ({site(det.gs[g], det.b[g])[0]})" for g in gids[:4])
        det.claimed.update(gids)
        det.findings.append(
            Finding(
                kind=Kind.DEADLOCK,
                confidence=Confidence.MEDIUM,
                title=f"deadlock: {len(gids)} goroutines all blocked sending on channels only they carry: {names}",
                goroutines=tuple(gids),
                resources=tuple(sorted({x for x in map(det.res_of, gids) if x is not None})),
                edges=tuple(det.waits_edges(gids)),
                count=len(gids),
                rule="sender-cycle",
                notes=(
                    "evidence: every goroutine that carries these channels ("
                    + ", ".join(hex(w) for w in shared[:6])
                    + ") is itself blocked sending, so none can receive",
                    f"evidence: {gone[0]}; nothing alive related to them is in sight",
                ),
            )
        )


def waitgroup_hint_cycles(det: Detection) -> None:
    """A WaitGroup wait whose only possible releasers wait, at one site, for what only the waiter
    can do, tied to it by corroborated hint words (``medium``, rule ``waitgroup-hint-cycle``).

    Evidence needed, all read in the dump (each written into the finding):

    * goroutine W waits in ``WaitGroup.Wait``; among the WaitGroup's possible releasers (its
      ``can-release`` edges) two or more are tied to it by hint words (see :mod:`.hints`: they
      print, with ``?``, the struct W carries exactly, at the same parameter of one function);
    * every possible releaser is doomed, waits in a plain channel send or receive (never a
      ``select``), and stands at the site of those tied ones; one tied only otherwise (a sibling
      of W) prints at that parameter no exact word and no other hint than that struct (``0x0?``:
      a slot never written);
    * their channels' possible counterparts are W and themselves; they carry no exact heap
      pointer anyone else carries; the struct is carried, exactly or with ``?``, by nobody else;
    * the functions that started W and them have returned (nobody can hold the channel in a
      local), and nothing alive related to them is in sight.

    Then the releasers can end only through W, which waits for them. The finding says that the
    link rests on printed-maybe-stale words.
    """
    ix = det.wg.index
    succ = det._succ
    for w, r in _doomed_wg_waiters(det):
        assert ix is not None
        edges = succ[r]
        tied = [(gid_of(v), d["evidence"]) for v, d in edges.items() if HINT_MARK in d["evidence"]]
        if len(tied) < 2:
            continue
        rel = [gid_of(v) for v in edges]
        if any(k is None or k == w or k in det.claimed or k not in det.doomed for k in rel):
            continue
        kids = sorted(k for k in rel if k is not None)
        members = {w, *kids}
        got = _tied_struct(det, w, [k for k, _ in tied if k is not None], kids)
        if got is None:
            continue
        word, fn, pos = got
        if not _served_only_inside(det, kids, members):
            continue
        if any(g not in members for g in ix.word_gids.get(word, ())):
            continue
        gone = [creator_gone(det, g) for g in sorted(members)]
        if not all(gone):
            continue
        if det.wg.related is not None and det.wg.related.alive(sorted(members)):
            continue
        if any(g not in members for g, _, _ in hint_index(ix, {word}).get(word, ())):
            continue
        bl = det.b[w]
        wfn = site(det.gs[w], bl)[0]
        op = "receive" if det.b[kids[0]].op == "chan-recv" else "send"
        loose = [k for k in kids if k not in {t for t, _ in tied}]
        gids = sorted(members)
        notes = [
            f"evidence: goroutine {w} waits in WaitGroup.Wait in {wfn}; its only possible releasers, "
            f"goroutines {', '.join(map(str, kids))}, all wait in a channel {op} in {fn}, which nobody but "
            f"goroutine {w} and they can serve (the channel is not printed: it is read from the struct they "
            "carry, which nobody else does)",
            f"evidence: {HINT_MARK}: goroutines {', '.join(str(t) for t, _ in tied)} print argument {pos} of "
            f"{fn} as {word:#x}? (maybe stale: a slot the callee may not have spilled), the struct goroutine {w} "
            "carries exactly; nobody else carries it, exactly or so",
        ]
        if loose:
            notes.append(
                f"evidence: goroutine(s) {', '.join(map(str, loose))} wait at the same place; their argument {pos} "
                "is not printed (0x0?: the slot was never written), and they are tied to the waiter only as "
                "possible releasers"
            )
        notes.append(f"evidence: {gone[0]}; nothing alive related to them is in sight")
        res = sorted({x for x in (det.res_of(g) for g in gids) if x is not None})
        det.claimed.update(gids)
        det.findings.append(
            Finding(
                kind=Kind.DEADLOCK,
                confidence=Confidence.MEDIUM,
                title=f"deadlock: goroutine {w} ({wfn}) waits for a WaitGroup whose only possible releasers, "
                f"{len(kids)} goroutine(s) in {fn}, wait for it in turn (tied by printed-maybe-stale words)",
                goroutines=tuple(gids),
                resources=tuple(res),
                edges=tuple(det.waits_edges(gids)),
                count=len(gids),
                rule="waitgroup-hint-cycle",
                notes=tuple(notes),
            )
        )


def _tied_struct(det: Detection, w: int, tied: list[int], kids: list[int]) -> tuple[int, str, int] | None:
    """(struct word, function, parameter position) when
    every releaser waits in a plain channel op at one site, the tied ones print the struct word W
    carries at one parameter of one function, and the others print there nothing exact and no
    other word."""
    b = det.b
    gs = det.gs
    if any(b[k].op not in ("chan-send", "chan-recv") for k in kids):
        return None
    if len({(b[k].op, site(gs[k], b[k])) for k in kids}) != 1:
        return None
    t0 = tied[0]
    slot = None
    wwords = {x for x, _ in det.wg.index.gwords.get(w, ())} if det.wg.index is not None else set()
    for f in gs[t0].frames:
        for pos, (v, exact) in enumerate(top_words(f.args_text)):
            if v is not None and not exact and v in wwords:
                slot = (v, f.function.full, pos)
                break
        if slot is not None:
            break
    if slot is None:
        return None
    word, fn, pos = slot
    for k in kids:
        fr = [f for f in gs[k].frames if f.function.full == fn]
        if not fr:
            return None
        tw = top_words(fr[0].args_text)
        if len(tw) <= pos:
            return None
        v, exact = tw[pos]
        if exact or v not in (0, word):
            return None
        if k in tied and v != word:
            return None
    return slot


def _served_only_inside(det: Detection, kids: list[int], members: set[int]) -> bool:
    """Every releaser's channel has no possible counterpart outside ``members``, and no exact heap
    pointer a releaser carries is carried outside them."""
    ix = det.wg.index
    assert ix is not None
    succ = det._succ
    for k in kids:
        rk = det.res_of(k)
        if rk is not None and not {gid_of(v) for v in succ[rk]} <= members:
            return False
        for x, _ in ix.gwords.get(k, ()):
            if x >= ix.static_limit and (x in ix.word_overflow or not members.issuperset(ix.word_gids.get(x, ()))):
                return False
    return True
