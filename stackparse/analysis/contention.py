"""Lock contention: the locks goroutines wait on, grouped into :class:`~.findings.Contention` records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .blocking import is_waiting_library
from .confidence import conf_rank
from .findings import Contention, Finding, Site
from .graph import WaitGraph
from .nodes import gid_of

__all__ = ["MAX_SITES_READ", "lock_contention"]

#: A lock's waiters call Lock from this many sites at most that count (the first ones read).
MAX_SITES_READ = 16
#: how the node of a lock is spelled (:mod:`.nodes`)
_LOCK_PREFIXES = ("mutex@", "mutex?", "rwmutex@", "rwmutex?")


def lock_contention(
    wg: WaitGraph, doomed: Iterable[int] = (), findings: Iterable[Finding] = ()
) -> tuple[Contention, ...]:
    """The locks goroutines wait on, grouped into :class:`Contention` records: by kind, the site
    most of a lock's waiters call Lock from, and the site its single inferred holder stands at
    (None when it has none, or several candidates). Most waiters first. An RWMutex's waiters
    include the readers queued behind a pending writer (its ``#writer`` node). ``doomed`` and
    ``findings`` (from :func:`detect`) give ``stuck_holders`` and ``in_findings``."""
    g = wg.graph
    gs, bl = wg.goroutines, wg.blockings
    doomed = doomed if isinstance(doomed, (set, frozenset)) else set(doomed)
    reported: set[int] = set()
    for f in findings:
        if f.at_least("medium"):  # a low finding is a suspicion, not an explanation
            reported.update(f.goroutines)
            reported.update(f.blocked_behind)

    def site(gid: int) -> tuple[str, str, int] | None:
        """Where in its own code a goroutine stands: its call site, or the first frame from
        there that is not how it waits (a holder asleep stands in its caller, not in
        time.Sleep)."""
        gr = gs.get(gid)
        b = bl.get(gid)
        if gr is None or b is None or not gr.frames:
            return None
        frames = gr.frames
        start = min(b.site or 0, len(frames) - 1)
        f = next((f for f in frames[start:] if not is_waiting_library(f.function.package)), frames[start])
        return (f.function.full, f.file, f.line)

    # (kind, waiters' site, holder's site, holder's state)
    #   -> [(waiters, node, holder, its confidence, minutes, waiters in findings, candidates)]
    groups: dict[tuple[Any, ...], list[tuple[int, str, int | None, str | None, int, int, int]]] = {}
    nodes = g.nodes
    for node in _lock_nodes(wg):
        attrs = nodes[node]
        if attrs.get("kind") not in ("mutex", "rwmutex"):  # goroutine nodes have no kind
            continue
        ws = _waiting_on(wg, node)
        gate = f"{node}#writer"  # an RWMutex's readers queued behind a pending writer wait on it too
        if gate in g:
            ws += _waiting_on(wg, gate)
        if not ws:
            continue
        # the site most waiters call from: they are alike, so a few of them tell
        at = site(ws[0]) if len(ws) == 1 else Counter(map(site, ws[:MAX_SITES_READ])).most_common(1)[0][0]
        held = [(v, d["confidence"]) for v, d in g.succ[node].items() if d["kind"] == "held-by"]
        holder = gid_of(held[0][0]) if len(held) == 1 else None
        hsite = hstate = None
        if holder is not None and holder in gs:
            hsite, hstate = site(holder), gs[holder].state
        minutes = max([m for x in ws if x in gs and (m := gs[x].wait_minutes)], default=0)
        groups.setdefault((attrs["kind"], at, hsite, hstate), []).append(
            (
                len(ws),
                node,
                holder,
                held[0][1] if holder is not None else None,
                minutes,
                len(reported.intersection(ws)),
                len(held),
            )
        )
    out = []
    for (kind, at, hsite, hstate), locks in groups.items():
        locks.sort(key=lambda x: (-x[0], x[1]))
        holders = tuple(x[2] for x in locks if x[2] is not None)
        confs = [x[3] for x in locks if x[3] is not None]
        out.append(
            Contention(
                kind=kind,
                locks=tuple(x[1] for x in locks),
                waiters=sum(x[0] for x in locks),
                waiting_at=None if at is None else Site(*at),
                longest_wait=max(x[4] for x in locks) or None,
                holders=holders,
                held_at=None if hsite is None else Site(*hsite),
                held_state=hstate,
                holder_confidence=min(confs, key=conf_rank) if confs else None,
                unheld=len(locks) - len(holders),
                ambiguous=sum(1 for x in locks if x[6] > 1),
                stuck_holders=sum(1 for h in holders if h in doomed),
                in_findings=sum(x[5] for x in locks),
            )
        )
    out.sort(key=lambda c: (-c.waiters, c.locks[0]))
    return tuple(out)


def _lock_nodes(wg: WaitGraph) -> Iterable[str]:
    """The nodes that may be locks with waiters: with the graph's index, the nodes goroutines wait
    on whose names are spelled as a lock's (:mod:`.nodes`: ``KIND@0x…``, ``KIND?g…``), and the
    RWMutex of each ``#writer`` gate: a few hundred, instead of every node of the graph
    (one per goroutine). The records do not depend on this order (they are sorted)."""
    ix = wg.index
    if ix is None:
        return list(wg.graph)
    g = wg.graph
    out: dict[str, None] = {}
    for node in ix.waiters:
        if not node.startswith(_LOCK_PREFIXES):
            continue
        if node.endswith("#writer"):
            node = node[: -len("#writer")]
        if node in g:
            out[node] = None
    return out


def _waiting_on(wg: WaitGraph, node: str) -> list[int]:
    """The goroutines with a ``waits-for`` edge to ``node``, in edge order. The graph's index lists
    them per node as add_waits made the edges (the only edges into a resource node are those), so
    its list is used when it has as many as the node has in-edges."""
    pred = wg.graph.pred[node]
    ix = wg.index
    if ix is not None:
        ws = ix.waiters.get(node)
        if ws is not None and len(ws) == len(pred):
            return list(ws)
    return [x for u, d in pred.items() if d["kind"] == "waits-for" and (x := gid_of(u)) is not None]
