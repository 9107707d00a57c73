"""Doomed goroutines: those nothing in the dump can wake, and how sure we are of each.

Start from everything that can make progress on its own (running, runnable, syscall, IO wait,
sleep; not ``select``: its cases may all be dead) and walk the graph backwards: a goroutine whose
resource has a releaser that may progress may progress too. Every other blocked goroutine is
*doomed*. When the runtime itself reports ``all goroutines are asleep - deadlock!`` every
goroutine is doomed. :class:`Detection` is the state the detection rules share: the graph's
adjacency (read through networkx's public ``adjacency()``), the findings so far, and which
goroutines an inferred finding already claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import filterfalse
from typing import Any

from ..model import Dump, Goroutine
from .blocking import Blocking
from .confidence import Confidence, Kind
from .findings import Finding
from .graph import Edge, WaitGraph
from .nodes import gid_of, gnode

__all__ = ["LEAK_COUNT_HIGH", "LEAK_COUNT_MEDIUM", "Detection", "compute_doomed"]

#: Cond waiters with an exactly printed Cond nobody carries: this many make it ``high``.
LEAK_COUNT_MEDIUM = 2
#: debug=1 profile records of at least this many goroutines parked in user code are a lead.
LEAK_COUNT_HIGH = 10

_NO_ADJ: dict[str, dict[str, Any]] = {}


def site(g: Goroutine, b: Blocking) -> tuple[str, str]:
    """(function, file:line) of a goroutine's blocking call site."""
    fr = g.frames
    if not fr:
        return ("?", "?")
    i = b.site if b.site is not None and b.site < len(fr) else 0
    return (fr[i].function.full, fr[i].location)


def is_global_deadlock(dump: Dump) -> bool:
    fe = dump.preamble.fatal_error or ""
    return fe.startswith("all goroutines are asleep")


class Detection:
    """What the detection rules share while they run over one graph."""

    def __init__(self, dump: Dump, wg: WaitGraph):
        self.dump = dump
        self.wg = wg
        self.G = wg.graph
        self.b = wg.blockings
        self.gs = wg.goroutines
        self.notes: list[str] = list(wg.notes)
        self.findings: list[Finding] = []
        self.claimed: set[int] = set()  # goroutines in an inferred finding
        self.global_dl = is_global_deadlock(dump)
        self.deferred: list[Finding] = []
        # The graph's adjacency dicts (node -> {neighbour: edge attributes}), from networkx's
        # public adjacency() iterators (no copy): the passes below visit every goroutine of a
        # 100k dump. Iteration order is the same as successors/predecessors.
        self._succ: dict[str, dict[str, dict[str, Any]]] = dict(self.G.adjacency())
        self._pred: dict[str, dict[str, dict[str, Any]]] = dict(self.G.reverse(copy=False).adjacency())
        self._node: dict[str, dict[str, Any]] = dict(self.G.nodes(data=True))
        self._res_cache: dict[int, str | None] = {}
        self._inferred: list[tuple[int, str, set[int]]] | None = None
        #: nodes that may progress (compute_doomed), and the others in graph order
        self.progress_nodes: set[str] = set()
        self.outside: list[str] = []
        self.doomed: set[int] = set()
        self.sc: dict[int, str] | None = None
        self._sc_basis: list[Finding] = []

    def res_of(self, gid: int) -> str | None:
        """:meth:`WaitGraph.resource_of` (the node a goroutine waits on), memoised."""
        try:
            return self._res_cache[gid]
        except KeyError:
            pass
        r = None
        for v, d in self._succ.get(gnode(gid), _NO_ADJ).items():
            if d["kind"] == "waits-for":
                r = v
                break
        self._res_cache[gid] = r
        return r

    def waits_edges(self, gids: Iterable[int]) -> list[Edge]:
        """The waits-for edges of (up to 32 of) the goroutines and their resources' out-edges."""
        out = []
        seen_res: set[str] = set()
        succ = self._succ
        for gid in list(gids)[:32]:
            n = gnode(gid)
            if n not in succ:
                continue
            for r, d in succ[n].items():
                out.append(Edge(n, r, d["kind"], d["confidence"], d["evidence"]))
                if r in seen_res:
                    continue
                seen_res.add(r)
                for v, d2 in list(succ[r].items())[:32]:
                    out.append(Edge(r, v, d2["kind"], d2["confidence"], d2["evidence"]))
        # de-duplicate, keep order
        seen = set()
        res = []
        for e in out:
            k = (e.src, e.dst)
            if k not in seen:
                seen.add(k)
                res.append(e)
        return res[:256]

    def add_leak(self, gids, conf, title, rule, resources=(), edges=(), notes=()) -> None:
        gids = [g for g in gids if g not in self.claimed]
        if not gids:
            return
        if not resources:
            # the distinct resources, in order of first appearance, the first 64
            rs: dict[str, None] = {}
            for g in gids:
                r = self.res_of(g)
                if r is not None:
                    rs[r] = None
                    if len(rs) >= 64:
                        break
            resources = tuple(rs)
        self.claimed.update(gids)
        self.findings.append(
            Finding(
                kind=Kind.LEAK,
                confidence=Confidence(conf),
                title=title,
                goroutines=tuple(gids),
                resources=tuple(resources),
                edges=tuple(edges),
                count=len(gids),
                rule=rule,
                notes=tuple(notes),
            )
        )


def compute_doomed(det: Detection) -> None:
    """Fill ``det.doomed``: the waiting user goroutines nothing that may progress can reach."""
    graph = det.G
    b = det.b
    if det.global_dl:
        user = [gid for gid, bl in b.items() if not bl.system and gnode(gid) in graph]
        det.doomed = {gid for gid in user if not b[gid].dumper}
        det.progress_nodes = set()
        det.outside = list(det._node)
        return
    # Everything that can reach a goroutine that may progress (walking the edges backwards:
    # a waiter on a resource whose releaser may progress, the resource itself...) may
    # progress too. One breadth-first walk, a frontier at a time, with set operations.
    pred = det._pred
    frontier: set[str] = set()
    for gid in det.wg.alive:
        if b[gid].op == "select":
            # a select is not progress by itself: its cases may all be dead channels. A
            # select with a live counterpart (a sibling, a pointer sharer) is reached below.
            continue
        n = gnode(gid)
        if n in pred:
            frontier.add(n)
    progress = set(frontier)
    while frontier:
        nxt = set().union(*map(pred.__getitem__, frontier))
        nxt -= progress
        progress |= nxt
        frontier = nxt
    det.progress_nodes = progress
    # the nodes outside the closure, in graph order (closed under successors)
    det.outside = list(filterfalse(progress.__contains__, det._node))
    # The doomed: user goroutines outside that closure that wait (or wait forever). Only the
    # nodes outside it are looked at; the set is filled in blockings order (its iteration
    # order is what it was when every goroutine was visited).
    cand: set[int] = set()
    for n in det.outside:
        num = gid_of(n)
        if num is None:
            continue
        bl = b.get(num)
        if bl is not None and not bl.system and (bl.waiting or bl.forever):
            cand.add(num)
    det.doomed = set(filter(cand.__contains__, b)) if cand else set()
