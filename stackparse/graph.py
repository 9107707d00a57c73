"""Graph stage: the wait-for graph of a dump, with its inferred edges explained.

:func:`build_graph` turns the :class:`~stackparse.blocking.Blocking` of every goroutine into a
``networkx.DiGraph`` with two kinds of node:

* goroutine nodes ``g<id>`` (attributes ``type="goroutine"``, ``gid``, ``op``, ``state``);
* resource nodes: ``mutex@0x..``, ``rwmutex@0x..``, ``rwmutex@0x..#writer`` (the pending writer
  that RLock waiters queue behind), ``chan@0x..``, ``waitgroup@0x..``, ``cond@0x..``, and
  ``KIND?g<id>`` when the object's address is not in the dump (attributes ``type="resource"``,
  ``kind``, ``address``, ``semantics``).

and three kinds of edge (attribute ``kind``):

* ``waits-for``: goroutine -> resource it is blocked on;
* ``held-by``: lock -> goroutine that (probably) holds it;
* ``can-release``: channel / WaitGroup / Cond / pending writer -> goroutine that could end the wait
  (a channel counterpart, a worker that would call ``Done``, a signaller, the pending writer).

Every edge carries ``confidence`` (``certain`` / ``high`` / ``medium`` / ``low``) and
``evidence`` (which goroutine, frame and argument, or which rule). Resource ``semantics`` says how
its out-edges combine: ``one`` (a lock: exactly one of the held-by candidates is the holder),
``any`` (a channel, a Cond: any releaser ends the wait) or ``all`` (a WaitGroup: every releaser
must finish).

Holder inference, strongest first:

1. a goroutine not waiting on lock L whose frames (at or above its own blocking call) carry L's
   address exactly (``high``) or the address of a struct that contains it, a pointer at most
   :data:`CONTAINER_SPAN` bytes below L (``medium``);
2. a goroutine waiting on L whose frames *above* the blocking call carry L or its container: a
   re-lock (self-deadlock). A method of the same receiver type on the same receiver above the
   locking method is ``high``; the lock's own address ``medium``; a container pointer passed to a
   plain function only ``low`` (passing a pointer down is how most code reaches a Lock);
3. by elimination, only when no live goroutine related to the waiters is in sight (related: same
   creator, or sharing an exact pointer): the single waiter whose callers could have taken the lock
   (``medium``), else the single stuck sibling that is not waiting on L (``medium``); several
   candidates get ``low`` edges each.

Scale: addresses are matched through dicts and one sorted list of lock addresses (bisect), never
pair by pair; per-lock candidate lists are capped (:data:`MAX_CANDIDATES`) and the cut is noted in
``WaitGraph.notes``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .blocking import Blocking, classify_all, frame_words, is_machinery
from .model import Dump, Goroutine

__all__ = [
    "CONFIDENCE",
    "CONTAINER_SPAN",
    "MAX_CANDIDATES",
    "Edge",
    "WaitGraph",
    "build_graph",
    "conf_rank",
    "min_conf",
]

#: Confidence levels, weakest first.
CONFIDENCE = ("low", "medium", "high", "certain")
_RANK = {c: i for i, c in enumerate(CONFIDENCE)}

#: A pointer at most this many bytes below a lock may be the struct that contains it.
CONTAINER_SPAN = 4096
#: At most this many candidate holders / releasers per resource get an edge.
MAX_CANDIDATES = 16
#: Pointer words shared by more goroutines than this are not used as "related" evidence.
MAX_SHARERS = 64


def conf_rank(c: str) -> int:
    return _RANK.get(c, 0)


def min_conf(*cs: str) -> str:
    return min(cs, key=conf_rank) if cs else "certain"


def _down(c: str, n: int = 1) -> str:
    return CONFIDENCE[max(0, conf_rank(c) - n)]


def _up(c: str, n: int = 1) -> str:
    return CONFIDENCE[min(len(CONFIDENCE) - 1, conf_rank(c) + n)]


@dataclass(frozen=True, slots=True)
class Edge:
    """One edge of the wait-for graph, with why we believe it."""

    src: str
    dst: str
    kind: str  # "waits-for" | "held-by" | "can-release"
    confidence: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "kind": self.kind,
            "confidence": self.confidence,
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class WaitGraph:
    """The wait-for graph of one dump and what was needed to build it."""

    graph: nx.DiGraph
    blockings: dict[int, Blocking]
    goroutines: dict[int, Goroutine]
    notes: list[str] = field(default_factory=list)
    #: goroutines that are alive (running, runnable, syscall, IO wait, sleep) or may be (select)
    alive: frozenset[int] = frozenset()
    #: goroutine id -> ids related to it (same creator, children, shared pointers), on demand
    related: Any = None

    def edge(self, src: str, dst: str) -> Edge:
        d = self.graph.edges[src, dst]
        return Edge(src, dst, d["kind"], d["confidence"], d["evidence"])

    def edges(self, nodes: Iterable[str] | None = None) -> list[Edge]:
        g = self.graph if nodes is None else self.graph.subgraph(nodes)
        return [Edge(u, v, d["kind"], d["confidence"], d["evidence"]) for u, v, d in g.edges(data=True)]

    def resource_of(self, gid: int) -> str | None:
        """The node a goroutine waits on, if any."""
        for _, r, d in self.graph.out_edges(gnode(gid), data=True):
            if d["kind"] == "waits-for":
                return r
        return None


def gnode(gid: int) -> str:
    return f"g{gid}"


def _evidence(ev: Any) -> str:
    """A candidate's evidence: a str, or (function, *args) that writes it (see _emit_releasers)."""
    return ev if type(ev) is str else ev[0](*ev[1:])


# --------------------------------------------------------------------------- builder


class _Related:
    """goroutine id -> related goroutine ids, computed on first use (bounded)."""

    def __init__(self, builder: _Builder):
        self._b = builder
        self._cache: dict[int, set[int]] = {}

    def get(self, gid: int, default: Any = None) -> set[int]:
        got = self._cache.get(gid)
        if got is None:
            got = self._cache[gid] = self._b.related_of(gid)
        return got

    def alive(self, gids: Iterable[int]) -> list[int]:
        return self._b.alive_related(gids)


class _Builder:
    def __init__(self, dump: Dump, blockings: dict[int, Blocking] | None):
        self.dump = dump
        self.gs: dict[int, Goroutine] = {g.id: g for g in dump.goroutines if g.id != 0}
        self.b = blockings if blockings is not None else classify_all(dump)
        self.G = nx.DiGraph()
        self.notes: list[str] = []
        # waiters per resource node
        self.waiters: dict[str, list[int]] = defaultdict(list)

    # ------------------------------------------------------------------ helpers

    def add_res(self, node: str, kind: str, address: int | None, semantics: str, **attrs: Any) -> None:
        if node not in self.G:
            self.G.add_node(node, type="resource", kind=kind, address=address, semantics=semantics, **attrs)

    def add_edge(self, src: str, dst: str, kind: str, confidence: str, evidence: str) -> None:
        if src == dst:
            return
        old = self.G.get_edge_data(src, dst)
        if old is not None and conf_rank(old["confidence"]) >= conf_rank(confidence):
            return
        self.G.add_edge(src, dst, kind=kind, confidence=confidence, evidence=evidence)

    def user_frames_from(self, g: Goroutine, start: int) -> Iterable[tuple[int, Any]]:
        for i in range(start, len(g.frames)):
            f = g.frames[i]
            p = f.function.package
            if is_machinery(p) or p == "time":
                continue
            yield i, f

    # ------------------------------------------------------------------ stages

    def build(self) -> WaitGraph:
        self.add_goroutines()
        self.scan_words()
        self.compute_related()
        self.resolve_unknown()
        self.add_waits()
        self.infer_lock_holders()
        self.infer_rw_writers()
        self.infer_releasers()
        return WaitGraph(
            graph=self.G,
            blockings=self.b,
            goroutines=self.gs,
            notes=self.notes,
            alive=frozenset(self.alive),
            related=self.related,
        )

    def add_goroutines(self) -> None:
        self.alive: set[int] = set()
        self.stuck: set[int] = set()
        self.forever: set[int] = set()
        nodes = []
        for gid, b in self.b.items():
            if b.forever:
                self.forever.add(gid)
            if b.system:
                continue
            nodes.append((gnode(gid), {"type": "goroutine", "gid": gid, "op": b.op, "state": b.state}))
            if b.live or b.op == "select" or b.op == "other":
                self.alive.add(gid)
            elif b.waiting or b.forever:
                self.stuck.add(gid)
        self.G.add_nodes_from(nodes)

    def scan_words(self) -> None:
        """One pass over every exact pointer word of every user goroutine's frames.

        Builds ``self.word_refs`` (word -> [(gid, frame index)], capped) for the words that
        waiting goroutines carry, and ``self.lock_ev`` (lock address -> evidence list) with the
        sorted-address bisect for locks and their containers.
        """
        b = self.b
        # Lock addresses (exact, or guessed from a single handle: resolved later), sorted.
        locks: dict[int, str] = {}
        for bl in b.values():
            if bl.kind in ("mutex", "rwmutex") and bl.address is not None:
                locks[bl.address] = bl.kind
        self.lock_addrs = sorted(locks)
        self.lock_kinds = locks
        lo = (self.lock_addrs[0] - CONTAINER_SPAN) if self.lock_addrs else 1
        hi = self.lock_addrs[-1] if self.lock_addrs else 0
        # Words the waiting goroutines carry: who else carries them?
        interesting: set[int] = set()
        self.gwords: dict[int, list[tuple[int, int]]] = {}
        for gid, bl in b.items():
            if bl.system or not (bl.waiting or bl.forever):
                continue
            g = self.gs.get(gid)
            if g is None:
                continue
            start = bl.site or 0
            uf = bl.user_frames
            ws = frame_words(g.frames, uf[bisect_left(uf, start) :] if start else uf)
            self.gwords[gid] = ws
            interesting.update(w for w, _ in ws)
        # the objects waited on (a channel's address, a WaitGroup's...) are looked up too
        for bl in b.values():
            if bl.address is not None and not bl.system:
                interesting.add(bl.address)
        self.word_refs: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.word_overflow: set[int] = set()
        # lock address -> [(gid, frame idx, word, how)]; how: "exact" | "container"
        self.lock_ev: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
        lock_ev = self.lock_ev
        word_refs = self.word_refs
        overflow = self.word_overflow
        cap = 4 * MAX_CANDIDATES
        # Locks whose evidence list is not full yet: only they can take a container entry (an
        # exact one is always kept), so a word near a few hundred dense locks looks at the few
        # still open instead of every lock within CONTAINER_SPAN.
        open_addrs = list(self.lock_addrs)
        for gid, g in self.gs.items():
            bl = b.get(gid)
            if bl is None or bl.system:
                continue
            ws = self.gwords.get(gid)
            if ws is None:
                ws = frame_words(g.frames, bl.user_frames)
            if not ws:
                continue
            seen_locks: set[int] = set()
            own = bl.address if bl.kind in ("mutex", "rwmutex") else None
            site = bl.site or 0
            for w, i in ws:
                if w in interesting:
                    refs = word_refs[w]
                    if len(refs) < MAX_SHARERS:
                        if not refs or refs[-1][0] != gid:
                            refs.append((gid, i))
                    else:
                        overflow.add(w)
                if not lo <= w <= hi:
                    continue
                if w in locks and not (w == own and i <= site):
                    # its own lock, at or below its blocking call, is no evidence
                    ev = lock_ev[w]
                    ev.append((gid, i, w, "exact"))
                    seen_locks.add(w)
                    if len(ev) >= cap:
                        k = bisect_left(open_addrs, w)
                        if k < len(open_addrs) and open_addrs[k] == w:
                            del open_addrs[k]
                k = bisect_right(open_addrs, w)
                while k < len(open_addrs) and open_addrs[k] - w <= CONTAINER_SPAN:
                    a = open_addrs[k]
                    if a in seen_locks or (a == own and i <= site):
                        k += 1
                        continue
                    ev = lock_ev[a]
                    ev.append((gid, i, w, "container"))
                    seen_locks.add(a)
                    if len(ev) >= cap:
                        del open_addrs[k]
                    else:
                        k += 1

    def compute_related(self) -> None:
        """Creator groups (siblings), children, shapes; relatedness is computed on demand."""
        by_creator: dict[tuple[str, int | None], list[int]] = defaultdict(list)
        children: dict[int, list[int]] = defaultdict(list)
        self._shape: dict[int, tuple[str, ...]] = {}
        for gid, g in self.gs.items():
            bl = self.b.get(gid)
            if bl is None or bl.system or bl.dumper:
                continue
            cb = g.created_by
            if cb is not None:
                by_creator[(cb.function.full, cb.parent_id)].append(gid)
                if cb.parent_id is not None:
                    children[cb.parent_id].append(gid)
        self.by_creator = by_creator
        self.children = children
        self._orphan_creators = any(p is None for _, p in by_creator)
        # per creator group: shape -> members, alive ones first (bounded sibling candidates)
        self._groups: dict[tuple[str, int | None], dict[tuple[str, ...], list[int]]] = {}
        self._sib_cache: dict[tuple, list[int]] = {}
        self.related = _Related(self)

    def group_shapes(self, key: tuple[str, int | None]) -> dict[tuple[str, ...], list[int]]:
        got = self._groups.get(key)
        if got is None:
            got = defaultdict(list)
            for x in self.by_creator.get(key, ()):
                got[self.shape(x)].append(x)
            for v in got.values():
                v.sort(key=lambda x: (x not in self.alive, x))
            self._groups[key] = got
        return got

    def sibling_candidates(self, ws: list[int]) -> list[tuple[int, int]]:
        """(sibling, waiter) pairs: goroutines of other stack shapes started by the same function as
        a waiter, live ones first, at most :data:`MAX_CANDIDATES`; cached per (creator, shape)."""
        out: list[tuple[int, int]] = []
        seen: set[tuple] = set()
        for w in ws[:MAX_CANDIDATES]:
            cb = self.gs[w].created_by
            if cb is None:
                continue
            key = (cb.function.full, cb.parent_id)
            ck = (key, self.shape(w))
            if ck in seen:
                continue
            seen.add(ck)
            got = self._sib_cache.get(ck)
            if got is None:
                alive: list[int] = []
                other: list[int] = []
                for shp, members in self.group_shapes(key).items():
                    if shp == ck[1]:
                        continue
                    for x in members[:4]:
                        (alive if x in self.alive else other).append(x)
                got = self._sib_cache[ck] = (alive + other)[:MAX_CANDIDATES]
            out.extend((x, w) for x in got)
        return out[: 2 * MAX_CANDIDATES]

    def alive_related(self, ws: Iterable[int]) -> list[int]:
        """Live goroutines related to any of ws: same creator, children, pointer sharers."""
        out: set[int] = set()
        wl = list(ws)
        wset = set(wl)
        seen_keys = set()
        for w in wl[: 4 * MAX_CANDIDATES]:
            cb = self.gs[w].created_by
            if cb is not None:
                key = (cb.function.full, cb.parent_id)
                if key not in seen_keys:
                    seen_keys.add(key)
                    for members in self.group_shapes(key).values():
                        for x in members[:2]:
                            if x in self.alive and x not in wset and not self.b[x].dumper:
                                out.add(x)
            for c in self.children.get(w, ())[: 4 * MAX_CANDIDATES]:
                if c in self.alive and c not in wset:
                    out.add(c)
            for word, _ in self.gwords.get(w, ()):
                if word in self.word_overflow:
                    continue
                for x, _ in self.word_refs.get(word, ()):
                    if x in self.alive and x not in wset and not self.b[x].dumper:
                        out.add(x)
        return sorted(out)

    def related_of(self, gid: int) -> set[int]:
        rel: set[int] = set()
        g = self.gs.get(gid)
        if g is None:
            return rel
        cb = g.created_by
        if cb is not None:
            sib = self.by_creator.get((cb.function.full, cb.parent_id), ())
            if len(sib) <= 4 * MAX_SHARERS:
                rel.update(sib)
        rel.update(self.children.get(gid, ())[: 4 * MAX_SHARERS])
        for w, _ in self.gwords.get(gid, ()):
            if w in self.word_overflow:
                continue
            rel.update(x for x, _ in self.word_refs.get(w, ()))
        rel.discard(gid)
        return rel

    def created_by_frames(self, gid: int) -> list[tuple[int, str]]:
        """Goroutines with no parent id whose creator function is on gid's stack (<=1.20)."""
        out: list[tuple[int, str]] = []
        if not self._orphan_creators:  # 1.21+ prints every creator's goroutine id
            return out
        for f in self.gs[gid].frames:
            for x in self.by_creator.get((f.function.full, None), ())[: 4 * MAX_CANDIDATES]:
                if x != gid:
                    out.append((x, f.function.full))
        return out[: 4 * MAX_CANDIDATES]

    def siblings(self, gid: int) -> list[int]:
        cb = self.gs[gid].created_by
        if cb is None:
            return []
        return [x for x in self.by_creator.get((cb.function.full, cb.parent_id), ()) if x != gid]

    def shape(self, gid: int) -> tuple[str, ...]:
        got = self._shape.get(gid)
        if got is None:
            got = self._shape[gid] = tuple([f.function.full for f in self.gs[gid].frames])
        return got

    # ------------------------------------------------------------------ resources

    def resolve_unknown(self) -> None:
        """Give an address to sync waits whose API frame was inlined or printed with ``?``.

        A handle (exact pointer of the calling frame) that equals, or is a container of, an
        object of the same kind that another goroutine identifies exactly -> that object
        (``medium``). Otherwise a single handle is taken as the object itself (``low``).
        """
        known: dict[str, list[int]] = defaultdict(list)
        for bl in self.b.values():
            if bl.address is not None and bl.kind in ("mutex", "rwmutex", "waitgroup", "cond"):
                known[bl.kind].append(bl.address)
        for k in known:
            known[k] = sorted(set(known[k]))
        self.resolved: dict[int, tuple[int, str, str]] = {}
        for gid, bl in self.b.items():
            if bl.system or bl.address is not None or bl.kind not in ("mutex", "rwmutex", "waitgroup", "cond"):
                continue
            if not bl.handles:
                continue
            addrs = known.get(bl.kind, [])
            hit = None
            for h in bl.handles:
                if h in addrs:
                    hit = (h, "medium", f"calling frame argument {h:#x} is the {bl.kind} other goroutines wait on")
                    break
            if hit is None:
                for h in bl.handles:
                    k = bisect_left(addrs, h)
                    if k < len(addrs) and addrs[k] - h <= CONTAINER_SPAN:
                        hit = (
                            addrs[k],
                            "low",
                            f"calling frame argument {h:#x} points {addrs[k] - h} bytes below a known {bl.kind}",
                        )
                        break
            if hit is None and len(bl.handles) == 1:
                h = bl.handles[0]
                hit = (
                    h,
                    "low",
                    f"{bl.kind} call inlined: assumed to be the calling frame's only pointer argument {h:#x}",
                )
            if hit is not None:
                self.resolved[gid] = hit

    def res_of(self, gid: int) -> tuple[str | None, int | None, str, str]:
        """(node, address, confidence of the identity, evidence) of a goroutine's wait."""
        bl = self.b[gid]
        if bl.kind is None:
            return None, None, "", ""
        if bl.address is not None:
            return f"{bl.kind}@{bl.address:#x}", bl.address, "certain", bl.source
        r = self.resolved.get(gid)
        if r is not None:
            return f"{bl.kind}@{r[0]:#x}", r[0], r[1], r[2]
        return f"{bl.kind}?g{gid}", None, "certain", "address not in the dump"

    def add_waits(self) -> None:
        self.res_node: dict[int, str] = {}
        res: dict[str, dict[str, Any]] = {}
        edges: list[tuple[str, str, dict[str, Any]]] = []
        # Channel and select waits whose object is not printed: goroutines with the same stack
        # shape, the same creator and the same pointer arguments share one node (they are peers:
        # every inference about their counterparts is the same), which keeps 100k parked
        # goroutines at a few hundred nodes.
        peer_node: dict[tuple, str] = {}
        for gid, bl in self.b.items():
            if bl.system or not (bl.waiting or bl.forever):
                continue
            if bl.op in ("select", "chan-send", "chan-recv") and bl.address is None:
                g = self.gs[gid]
                cb = g.created_by
                pk = (bl.op, self.shape(gid), None if cb is None else (cb.function.full, cb.parent_id), bl.handles)
                first = peer_node.get(pk)
                if first is None:
                    peer_node[pk] = first = f"{'select' if bl.op == 'select' else 'chan'}?g{gid}"
                if bl.op == "select":
                    node, addr, conf, ev = first, None, "certain", "select cases are not printed"
                    kind = "select"
                else:
                    node, addr, conf, ev = (
                        first,
                        None,
                        "certain",
                        "channel address not in the dump"
                        + (
                            ""
                            if first == f"chan?g{gid}"
                            else f" (a peer of {first[6:]}: same stack, creator and arguments)"
                        ),
                    )
                    kind = "chan"
            elif bl.op == "select-no-cases":
                node, addr, conf, ev = f"select?g{gid}", None, "certain", "select {} never returns"
                kind = "select"
            else:
                node, addr, conf, ev = self.res_of(gid)
                kind = bl.kind or "sema"
                if node is None:
                    node, kind = f"sema?g{gid}", "sema"
                if node.startswith("chan?") and not bl.forever:
                    ev = "channel address not in the dump"
            if bl.forever:
                sem = "none"
            elif kind in ("mutex", "rwmutex", "sema"):
                sem = "one"
            elif kind == "waitgroup":
                sem = "all"
            else:
                sem = "any"
            if node not in res:
                res[node] = {"type": "resource", "kind": kind, "address": addr, "semantics": sem}
            if bl.op == "rwmutex-rlock" and addr is not None:
                # An RLock waits only while a writer is pending: it waits for the writer gate.
                gate = f"{node}#writer"
                if gate not in res:
                    res[gate] = {"type": "resource", "kind": "rwmutex-writer", "address": addr, "semantics": "any"}
                edges.append(
                    (
                        gnode(gid),
                        gate,
                        {
                            "kind": "waits-for",
                            "confidence": conf,
                            "evidence": f"RLock blocks behind a pending writer; {ev}",
                        },
                    )
                )
                self.waiters[gate].append(gid)
                self.res_node[gid] = gate
                continue
            edges.append(
                (
                    gnode(gid),
                    node,
                    {"kind": "waits-for", "confidence": conf, "evidence": f"{bl.state}: {ev}" if ev else bl.state},
                )
            )
            self.waiters[node].append(gid)
            self.res_node[gid] = node
        self.G.add_nodes_from(res.items())
        self.G.add_edges_from(edges)

    # ------------------------------------------------------------------ lock holders

    def infer_lock_holders(self) -> None:
        frames_of = lambda gid: self.gs[gid].frames  # noqa: E731
        for node, ws in list(self.waiters.items()):
            attrs = self.G.nodes[node]
            if attrs["kind"] not in ("mutex", "rwmutex") or attrs["address"] is None:
                continue
            L = attrs["address"]  # noqa: N806
            wset = set(ws)
            cands: dict[int, tuple[int, str]] = {}  # gid -> (score, evidence)

            def offer(gid: int, score: int, ev: str) -> None:
                old = cands.get(gid)  # noqa: B023 - called within the iteration
                if old is None or old[0] < score:
                    cands[gid] = (score, ev)  # noqa: B023

            for gid, fi, w, how in self.lock_ev.get(L, ()):
                f = frames_of(gid)[fi]
                where = f"{f.function.full} (frame {fi}) argument {w:#x}"
                if gid not in wset:
                    if gid not in self.b or self.b[gid].dumper:
                        continue
                    if how == "exact":
                        offer(gid, 3, f"{where} is the lock's address")
                    else:
                        offer(gid, 2, f"{where} points {L - w} bytes below the lock (its containing struct)")
                    continue
                # A waiter: only frames above its blocking call count (a re-lock).
                site = self.b[gid].site or 0
                if fi <= site:
                    continue
                sf = frames_of(gid)[site]
                if (
                    sf.function.receiver
                    and sf.function.receiver == f.function.receiver
                    and sf.function.package == f.function.package
                    and top_word0(f.args_text) == w
                ):
                    offer(
                        gid,
                        3,
                        f"re-lock: {where} is the receiver of a {f.function.receiver} method above {sf.function.full}, which locks it again",
                    )
                elif how == "exact":
                    offer(gid, 2, f"re-lock: {where}, above the blocking call, is the lock's address")
                else:
                    offer(gid, 1, f"re-lock?: {where}, above the blocking call, points {L - w} bytes below the lock")
            if cands:
                self.emit_holders(node, cands)
                continue
            self.eliminate(node, ws)

    def emit_holders(self, node: str, cands: dict[int, tuple[int, str]]) -> None:
        best = max(s for s, _ in cands.values())
        top = [(gid, ev) for gid, (s, ev) in cands.items() if s == best]
        conf = {3: "high", 2: "medium", 1: "low"}.get(best, "low")
        if len(top) > 1:
            conf = _down(conf)
        if len(top) > MAX_CANDIDATES:
            self.notes.append(
                f"{node}: {len(top)} goroutines carry the lock's address; holder not inferred (kept {MAX_CANDIDATES})"
            )
            top = sorted(top)[:MAX_CANDIDATES]
            conf = "low"
        for gid, ev in top:
            amb = f" (one of {len(top)} candidates)" if len(top) > 1 else ""
            self.add_edge(node, gnode(gid), "held-by", conf, ev + amb)
        # weaker candidates are recorded on the node for the renderer
        rest = sorted((gid, s) for gid, (s, _) in cands.items() if s < best)
        if rest:
            self.G.nodes[node]["other_candidates"] = [gid for gid, _ in rest[:MAX_CANDIDATES]]

    def eliminate(self, node: str, ws: list[int]) -> None:
        """No goroutine carries the lock: reason by elimination when nothing alive is near."""
        wset = set(ws)
        alive_rel = self.alive_related(ws)
        if alive_rel:
            self.G.nodes[node]["orphan"] = False
            self.G.nodes[node]["alive_related"] = alive_rel[:MAX_CANDIDATES]
            return
        # 1. a waiter whose callers could have taken the lock (self re-lock)
        relockers = [w for w in ws if self.has_callers(w)]
        if relockers:
            conf = "medium" if len(relockers) == 1 else "low"
            for w in relockers[:MAX_CANDIDATES]:
                self.add_edge(
                    node,
                    gnode(w),
                    "held-by",
                    conf,
                    "by elimination: no other goroutine carries this lock and nothing alive is related; "
                    f"a caller of {self.site_func(w)} in goroutine {w} may hold it (re-lock)",
                )
            return
        # 2. a stuck sibling that does not wait on this lock
        related: set[int] = set()
        for w in ws[:MAX_CANDIDATES]:
            related |= self.related_of(w)
        related -= wset
        wshapes = {self.shape(w) for w in ws[:MAX_CANDIDATES]}
        stuck_sib = sorted(
            x for x in related if x in self.stuck and self.res_node.get(x) != node and self.shape(x) not in wshapes
        )
        if stuck_sib:
            conf = "medium" if len(stuck_sib) == 1 else "low"
            for x in stuck_sib[:MAX_CANDIDATES]:
                self.add_edge(
                    node,
                    gnode(x),
                    "held-by",
                    conf,
                    f"by elimination: goroutine {x} ({self.site_func(x)}, {self.b[x].state}) is the "
                    + ("only" if len(stuck_sib) == 1 else "one of the")
                    + " stuck goroutine(s) related to the waiters that does not wait on the lock",
                )
            return
        self.G.nodes[node]["orphan"] = True

    def has_callers(self, gid: int) -> bool:
        """Does the blocking call site have a user caller (a go-statement wrapper does not count)?"""
        bl = self.b[gid]
        if bl.site is None:
            return False
        g = self.gs[gid]
        return any(not is_go_wrapper(f, g) for _, f in self.user_frames_from(g, bl.site + 1))

    def site_func(self, gid: int) -> str:
        bl = self.b[gid]
        g = self.gs[gid]
        if bl.site is not None and bl.site < len(g.frames):
            return g.frames[bl.site].function.full
        return g.frames[0].function.full if g.frames else "?"

    # ------------------------------------------------------------------ RWMutex writers

    def infer_rw_writers(self) -> None:
        """RLock waiters queue behind a pending writer: the gate node -> writer goroutines."""
        writers: dict[int, list[int]] = defaultdict(list)
        unknown_writers: list[int] = []
        for gid, bl in self.b.items():
            if bl.system or bl.op != "rwmutex-lock":
                continue
            node = self.res_node.get(gid)
            addr = self.G.nodes[node]["address"] if node else None
            if addr is None:
                unknown_writers.append(gid)
            else:
                writers[addr].append(gid)
        gates = [n for n in self.waiters if n.endswith("#writer")]
        orphan_gates = []
        for gate in gates:
            addr = self.G.nodes[gate]["address"]
            ws = writers.get(addr, [])
            if ws:
                for w in ws:
                    self.add_edge(
                        gate,
                        gnode(w),
                        "can-release",
                        "high",
                        f"goroutine {w} is blocked in RWMutex.Lock on {addr:#x}: RLock waits until it has locked and unlocked",
                    )
            else:
                orphan_gates.append(gate)
        if orphan_gates and unknown_writers:
            conf = "medium" if len(orphan_gates) == 1 and len(unknown_writers) == 1 else "low"
            for gate in orphan_gates:
                for w in unknown_writers[:MAX_CANDIDATES]:
                    self.add_edge(
                        gate,
                        gnode(w),
                        "can-release",
                        conf,
                        f"goroutine {w} is blocked in RWMutex.Lock on an RWMutex whose address is not printed; it is the only pending writer in sight"
                        if conf == "medium"
                        else f"goroutine {w} is one of {len(unknown_writers)} pending writers whose RWMutex is not printed",
                    )
                    # the writer waits for the readers of this RWMutex to leave
                    wn = self.res_node.get(w)
                    if wn is not None and wn.startswith("rwmutex?") and self.G.out_degree(wn) == 0:
                        base = gate[: -len("#writer")]
                        self.G.add_edge(
                            gnode(w),
                            base,
                            kind="waits-for",
                            confidence=conf,
                            evidence="the pending writer's RWMutex, matched to the one its readers wait on",
                        )
                        self.add_res(base, "rwmutex", self.G.nodes[gate]["address"], "one")
                        self.waiters[base].append(w)
        # Readers holding the lock: for each RWMutex with a pending writer and no holder found
        for gate in gates:
            base = gate[: -len("#writer")]
            if base not in self.G:
                continue
            if any(d["kind"] == "held-by" for _, _, d in self.G.out_edges(base, data=True)):
                continue
            waiting_writers = [w for w in self.waiters.get(base, [])]
            if not waiting_writers:
                continue
            readers = self.waiters.get(gate, [])
            # holder candidates among goroutines carrying the address were added already; here by
            # elimination: the blocked readers themselves (recursive RLock) when nothing alive is near
            if self.alive_related(readers + waiting_writers):
                continue
            conf = "medium" if len(readers) == 1 else "low"
            for r in readers[:MAX_CANDIDATES]:
                self.add_edge(
                    base,
                    gnode(r),
                    "held-by",
                    conf,
                    f"by elimination: the writer waits for active readers, nothing alive is related, so reader goroutine {r} "
                    + (
                        "must hold a read lock and is re-entering RLock"
                        if len(readers) == 1
                        else f"is one of {len(readers)} blocked readers, one of which holds a read lock (recursive RLock)"
                    ),
                )

    # ------------------------------------------------------------------ releasers

    def infer_releasers(self) -> None:
        # candidates read the word / creator indexes, never the graph's edges: the can-release
        # edges of every resource are added at the end, in one call
        self._rel_edges: list[tuple[str, str, dict[str, str]]] = []
        for node, ws in list(self.waiters.items()):
            attrs = self.G.nodes[node]
            kind = attrs["kind"]
            if attrs["semantics"] == "none":
                continue
            if kind == "chan":
                self.chan_counterparts(node, ws)
            elif kind == "waitgroup":
                self.wg_workers(node, ws)
            elif kind == "cond":
                self.cond_signallers(node, ws)
            elif kind == "select":
                self.chan_counterparts(node, ws)
        self.G.add_edges_from(self._rel_edges)
        self._rel_edges = []

    def _refs_to(self, ws: list[int], extra: Iterable[int] = ()) -> dict[int, Any]:
        """Goroutines (not in ws) carrying an exact pointer the waiters carry -> evidence."""
        wset = set(ws)
        out: dict[int, str] = {}
        words = set(extra)
        for w in ws:
            words.update(x for x, _ in self.gwords.get(w, ()))
        for word in words:
            if word in self.word_overflow:
                continue
            for gid, fi in self.word_refs.get(word, ()):
                if gid in wset or gid in out:
                    continue
                bl = self.b.get(gid)
                if bl is None or bl.system or bl.dumper:
                    continue
                out[gid] = (self._ev_shared, gid, fi, word)
        return out

    # Evidence of a releaser candidate is written only for the candidates kept (a WaitGroup's
    # container may have thousands): a candidate's evidence is a str or (function, *args).

    def _ev_shared(self, gid: int, fi: int, word: int) -> str:
        fn = self.gs[gid].frames[fi].function.full
        return f"{fn} (frame {fi}) carries {word:#x}, which the waiter carries too"

    def _ev_container(self, gid: int, fi: int, word: int, addr: int) -> str:
        fn = self.gs[gid].frames[fi].function.full
        return f"{fn} (frame {fi}) carries {word:#x}, {addr - word} bytes below it"

    def _emit_releasers(self, node: str, cands: dict[int, tuple[str, Any]]) -> None:
        # a goroutine blocked forever (nil channel, select {}) never releases anything
        forever = self.forever
        # strongest first, then by id (ids are unique: the value is never compared)
        items = [(-_RANK[c[0]], g, c) for g, c in cands.items() if g not in forever]
        items.sort()
        if len(items) > MAX_CANDIDATES:
            self.notes.append(f"{node}: {len(items)} possible releasers, kept {MAX_CANDIDATES}")
            self.G.nodes[node]["more_releasers"] = len(items) - MAX_CANDIDATES
            # keep any alive one so that the resource is not mistaken for stuck
            alive = self.alive
            kept = items[:MAX_CANDIDATES]
            if not any(g in alive for _, g, _ in kept):
                first = next((it for it in items[MAX_CANDIDATES:] if it[1] in alive), None)
                if first is not None:
                    kept.append(first)
            items = kept
        succ = self.G._succ.get(node)
        if succ:  # out-edges already there: keep the strongest of each (not the case for releasers)
            for _, gid, (conf, ev) in items:
                self.add_edge(node, gnode(gid), "can-release", conf, _evidence(ev))
            return
        self._rel_edges.extend(
            (node, f"g{gid}", {"kind": "can-release", "confidence": conf, "evidence": _evidence(ev)})
            for _, gid, (conf, ev) in items
        )

    def chan_counterparts(self, node: str, ws: list[int]) -> None:
        wss = set(ws)
        attrs = self.G.nodes[node]
        addr = attrs["address"]
        cands: dict[int, tuple[str, str]] = {}
        if addr is not None:
            for gid, fi, _how in self.refs_exact(addr):
                if gid in wss:
                    continue
                cands[gid] = (
                    "high",
                    f"{self.gs[gid].frames[fi].function.full} (frame {fi}) holds a reference to the channel {addr:#x}",
                )
        shapes = {self.shape(w) for w in wss}
        for gid, ev in self._refs_to(ws, [addr] if addr else []).items():
            if gid not in cands and self.shape(gid) not in shapes:
                cands[gid] = ("medium" if gid in self.alive else "low", ev)
        for s, w in self.sibling_candidates(ws):
            if s in cands or s in wss or self.b[s].system:
                continue
            cands[s] = (
                "low",
                f"goroutine {s} was started by the same function ({self.gs[w].created_by.function.full}) as goroutine {w}",
            )
        for w in ws[:MAX_CANDIDATES]:
            for c in self.children.get(w, ())[:MAX_CANDIDATES]:
                if c not in cands and c not in wss:
                    cands[c] = ("low", f"goroutine {c} was started by goroutine {w}")
            for c, f in self.created_by_frames(w):
                if c not in cands and c not in wss and self.shape(c) not in shapes:
                    cands[c] = ("low", f"goroutine {c} was created by {f}, which is on goroutine {w}'s stack")
        self._emit_releasers(node, cands)

    def refs_exact(self, addr: int) -> list[tuple[int, int, str]]:
        return [(gid, fi, "exact") for gid, fi in self.word_refs.get(addr, ())]

    def wg_workers(self, node: str, ws: list[int]) -> None:
        wss = set(ws)
        addr = self.G.nodes[node]["address"]
        cands: dict[int, tuple[str, str]] = {}
        if addr is not None:
            for gid, fi, _ in self.refs_exact(addr):
                if gid not in wss:
                    cands[gid] = (
                        "high",
                        f"{self.gs[gid].frames[fi].function.full} (frame {fi}) carries the WaitGroup {addr:#x}: it would call Done",
                    )
        for w in wss:
            for c in self.children.get(w, ()):
                if c not in cands and c not in wss:
                    cands[c] = ("medium", f"goroutine {c} was started by the waiter, goroutine {w}")
            # <=1.20 prints no parent id: goroutines created by a function on the waiter's stack
            for c, f in self.created_by_frames(w):
                if c not in cands and c not in wss:
                    cands[c] = (
                        "medium",
                        f"goroutine {c} was created by {f}, which is on the waiter's stack (goroutine {w})",
                    )
        if not cands:
            for s, w in self.sibling_candidates(ws):
                if s in cands or s in wss or self.b[s].system:
                    continue
                cands[s] = (
                    "low",
                    f"goroutine {s} was started by the same function ({self.gs[w].created_by.function.full}) as the waiter",
                )
        if addr is not None:
            # a container pointer: a worker holding the struct that holds the WaitGroup
            for gid, ev in self._container_refs(addr, ws).items():
                if gid not in cands:
                    cands[gid] = ("medium", ev)
        self._emit_releasers(node, cands)

    def _container_refs(self, addr: int, ws: list[int]) -> dict[int, Any]:
        wss = set(ws)
        out: dict[int, Any] = {}
        # Only the words the waiters carry are indexed; check them as containers of addr.
        if not hasattr(self, "_sorted_words"):
            self._sorted_words = sorted(self.word_refs)
        sw = self._sorted_words
        k = bisect_left(sw, addr - CONTAINER_SPAN)
        for word in sw[k:]:
            if word >= addr:
                break
            refs = self.word_refs[word]
            if True:
                for gid, fi in refs:
                    if gid not in wss and gid not in out and not self.b[gid].system:
                        out[gid] = (self._ev_container, gid, fi, word, addr)
        return out

    def cond_signallers(self, node: str, ws: list[int]) -> None:
        wss = set(ws)
        addr = self.G.nodes[node]["address"]
        cands: dict[int, tuple[str, str]] = {}
        if addr is not None:
            for gid, fi, _ in self.refs_exact(addr):
                if gid not in wss:
                    cands[gid] = (
                        "high",
                        f"{self.gs[gid].frames[fi].function.full} (frame {fi}) carries the Cond {addr:#x}",
                    )
        for gid, ev in self._refs_to(ws, [addr] if addr else []).items():
            if gid not in cands:
                cands[gid] = ("medium" if gid in self.alive else "low", ev)
        for s, w in self.sibling_candidates(ws):
            if s in cands or s in wss or self.b[s].system:
                continue
            cands[s] = ("low", f"goroutine {s} was started by the same function as goroutine {w}")
        self._emit_releasers(node, cands)


_WRAPPER = re.compile(r"\.(?:func|gowrap)\d+$")


def is_go_wrapper(f: Any, g: Goroutine) -> bool:
    """The closure the compiler wraps a ``go f(args)`` statement in (``main.setup.func2`` in
    1.21, ``main.setup.gowrap1`` in 1.22+), shown at level 2 as the outermost user frame."""
    cb = g.created_by
    name = f.function.full
    if cb is None or not name.startswith(cb.function.full + "."):
        return False
    return (
        bool(_WRAPPER.search(name)) and name.count(".") == cb.function.full.count(".") + 1 and f.args_text in ("", "{}")
    )


def top_word0(args_text: str) -> int | None:
    from .blocking import top_words

    ws = top_words(args_text)
    if ws and ws[0][1]:
        return ws[0][0]
    return None


def build_graph(dump: Dump, blockings: dict[int, Blocking] | None = None) -> WaitGraph:
    """The wait-for graph of a dump (see the module docstring for nodes, edges and evidence)."""
    return _Builder(dump, blockings).build()
