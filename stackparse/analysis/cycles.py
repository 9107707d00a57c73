"""Deadlocks read from what one function started: a WaitGroup wait whose only possible releasers
are the goroutines it started, each stuck on what only they and the waiter carry
(``waitgroup_cycles``, rule ``waitgroup-cycle``), and goroutines alone at their sites sending on
channels only they carry after their creators returned (``sender_cycles``, rule
``sender-cycle``). Both run after :mod:`.deadlocks`. Both are closed-world arguments, so neither
runs on a goleak report, which lists only some goroutines.
"""

from __future__ import annotations

from .confidence import Confidence, Kind
from .doomed import Detection, site
from .evidence import creator_gone
from .findings import Finding
from .graph import Edge
from .holders import top_word0
from .nodes import gid_of, gnode

__all__ = ["sender_cycles", "waitgroup_cycles"]


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
    if det.global_dl:
        return
    ix = det.wg.index
    if ix is None or ix.partial:
        return
    succ = det._succ
    for w in sorted(det.doomed):
        if w in det.claimed:
            continue
        bl = det.b[w]
        if bl.op != "waitgroup-wait":
            continue
        r = det.res_of(w)
        if r is None:
            continue
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
        fn = site(det.gs[w], bl)[0]
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
