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

Among the candidates of rule 1, when a production dump has dozens per lock (every request of a
tenant carries the tenant's struct), two more rules pick the holder out (``_Builder.crowded``,
``_Builder.container_fit``):

* *mutual exclusion*: goroutines that stand two or more at one place (same operation, same frames
  from the top down to the one carrying the lock, same offset below it) carrying one mutex cannot
  all hold it, so that place holds nothing, for every mutex carried there (learnt across
  mutexes); such candidates are ruled out while another is left, and when none is left the lock
  gets no holder from rule 1 (a note says so);
* *the right object*: a container pointer at the offset below the lock at which its waiters carry
  one is preferred to one at another offset; when the waiters carry none, a pointer with fewer
  other locks between it and the lock (structs of one type allocated side by side put each
  neighbour's start below the lock too).

Releaser candidates (``can-release``), strongest first: goroutines carrying the object's own
address (``high``); for a WaitGroup, the waiter's children and goroutines carrying the struct that
holds it (``medium``); goroutines sharing an exact pointer with the waiters (``medium`` when alive,
else ``low``; a pointer carried by more than :data:`MAX_SHARERS` goroutines is no evidence); and
*siblings*, goroutines of another stack shape started by the same function as a waiter (``low``).
Siblings are evidence only in a small creator group: in a group of more than
:data:`MAX_SIBLING_GROUP` goroutines (a server's ``main.main`` or accept loop starting thousands),
"started by the same function" says nothing but that a counterpart may be among the live ones, so
a wait among them gets one sibling, standing for the group: its lowest-id member of another shape
that makes progress on its own (else its lowest-id ``select``, else none), with an evidence that
says so, and the group gets one note in ``WaitGraph.notes`` (instead of up to
:data:`MAX_CANDIDATES` edges and a "possible releasers" note per resource). The detect stage reads
a ``can-release`` edge to a goroutine that may progress as "the wait may end", whatever its
confidence: with the one live sibling, a wait in a large group that has a live member stays
able to progress, as it was with its sixteen siblings (the same doomed goroutines and findings
on the corpus and the prodgen dumps).

Scale: addresses are matched through dicts and one sorted list of lock addresses (bisect), never
pair by pair; per-lock candidate lists are capped (:data:`MAX_CANDIDATES`) and the cut is noted in
``WaitGraph.notes``. The pointer words are read in one compiled pass in dump order, the order
the parser allocated the frames in (:func:`~stackparse.blocking.stacks_words`); releaser
candidates are gathered with set operations and only the kept ones get their evidence written (a
lock's holder candidates too); a resource with one waiter and nothing but siblings (most channel
and select waits of a big dump) takes a path that makes the siblings' node names and evidence once
per (creator group, shape); nodes and edges go into networkx's adjacency dicts directly, in the
order ``add_nodes_from`` / ``add_edges_from`` would put them (tests/test_analyze_scale.py and
tests/test_analyze_siblings.py check these paths against their definitions).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import Any

import networkx as nx

from ._compiled import active as _compiled_active
from .blocking import (
    FOREVER_OPS,
    LIVE_OPS,
    WAIT_OPS,
    Blocking,
    Blockings,
    classify_all,
    is_waiting_library,
    stacks_words,
)
from .model import Dump, Goroutine

__all__ = [
    "CONFIDENCE",
    "CONTAINER_SPAN",
    "MAX_CANDIDATES",
    "MAX_SIBLING_GROUP",
    "Edge",
    "WaitGraph",
    "build_graph",
    "conf_rank",
    "min_conf",
]

_FIRST = itemgetter(0)
#: a frame's place in the code: (function, file, line)
_POINT = attrgetter("function.full", "file", "line")

#: Confidence levels, weakest first.
CONFIDENCE = ("low", "medium", "high", "certain")
_RANK = {c: i for i, c in enumerate(CONFIDENCE)}

#: A pointer at most this many bytes below a lock may be the struct that contains it.
CONTAINER_SPAN = 4096
#: At most this many candidate holders / releasers per resource get an edge.
MAX_CANDIDATES = 16
#: Pointer words shared by more goroutines than this are not used as "related" evidence.
MAX_SHARERS = 64
#: A creator group (goroutines started by one function in one goroutine) larger than this is no
#: evidence: its members are not "related", and a waiter among them gets one live sibling as a
#: possible releaser instead of up to MAX_CANDIDATES (see ``_Builder._siblings_cached``).
MAX_SIBLING_GROUP = 4 * MAX_SHARERS


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


def _plain(g: nx.DiGraph) -> bool:
    """A plain DiGraph whose adjacency dicts :func:`_add_nodes` / :func:`_add_edges` may fill
    directly (what networkx's own add_*_from do, without their per-item checks)."""
    return (
        type(g) is nx.DiGraph
        and getattr(g, "_succ", None) is getattr(g, "_adj", False)
        and g.adjlist_inner_dict_factory is dict
        and g.node_attr_dict_factory is dict
        and g.edge_attr_dict_factory is dict
    )


#: The compiled fill of a DiGraph's dicts (None: not built, or STACKPARSE_NO_SPEEDUPS); tests hold it
#: equal to the loops of _add_nodes and _add_edges.
_fill_graph: Callable[..., None] | None = getattr(_compiled_active, "fill_graph", None)


def _filled(g: nx.DiGraph, nodes: list[Any], edges: list[Any]) -> bool:
    """The nodes, then the edges, put in the plain DiGraph ``g`` by the compiled fill_graph; False
    when it is not built or refuses the input (an attribute entry that is not a dict: the caller's
    loop then does it all, again where fill_graph had begun, which changes nothing)."""
    if _fill_graph is None or type(nodes) is not list or type(edges) is not list:
        return False
    succ, pred, attrs = g._succ, g._pred, g._node
    if type(succ) is not dict or type(pred) is not dict or type(attrs) is not dict:
        return False
    try:
        _fill_graph(succ, pred, attrs, nodes, edges)
    except TypeError:
        return False
    _clear_cache(g)
    return True


def _clear_cache(g: nx.DiGraph) -> None:
    cache = getattr(g, "__networkx_cache__", None)
    if cache:
        cache.clear()


def _add_nodes(g: nx.DiGraph, nodes: list[tuple[str, dict[str, Any]]]) -> None:
    """``g.add_nodes_from(nodes)`` for ``(node, attrs)`` pairs; each attrs dict is fresh (the graph
    keeps it as the node's attribute dict)."""
    if not _plain(g):
        g.add_nodes_from(nodes)
        return
    if _filled(g, nodes, []):
        return
    succ, pred, attrs = g._succ, g._pred, g._node
    for n, a in nodes:
        old = attrs.get(n)
        if old is None:
            succ[n] = {}
            pred[n] = {}
            attrs[n] = a
        else:
            old.update(a)
    _clear_cache(g)


def _add_edges(g: nx.DiGraph, edges: list[tuple[str, str, dict[str, Any]]]) -> None:
    """``g.add_edges_from(edges)`` for ``(u, v, attrs)`` triples; each attrs dict is fresh (the
    graph keeps it as the edge's attribute dict). Same nodes, edges and orders as networkx."""
    if not _plain(g):
        g.add_edges_from(edges)
        return
    if _filled(g, [], edges):
        return
    succ, pred, attrs = g._succ, g._pred, g._node
    for u, v, d in edges:
        su = succ.get(u)
        if su is None:
            su = succ[u] = {}
            pred[u] = {}
            attrs[u] = {}
        if v not in succ:
            succ[v] = {}
            pred[v] = {}
            attrs[v] = {}
        old = su.get(v)
        if old is None:
            su[v] = d
            pred[v][u] = d
        else:
            old.update(d)
    _clear_cache(g)


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
    #: chan_counterparts' path for one waiter with nothing but siblings (tests turn it off to
    #: compare it with the general path)
    one_waiter_fast_path = True

    def __init__(self, dump: Dump, blockings: dict[int, Blocking] | None):
        self.dump = dump
        self.gs: dict[int, Goroutine] = {g.id: g for g in dump.goroutines if g.id != 0}
        self.b = blockings if blockings is not None else classify_all(dump)
        # goroutine id -> stack shape id (see shape); shape -> id, for goroutines classify_all did not see
        self._shape_ids: dict[tuple[str, ...], int] = {}
        self._shape_of: dict[int, int] = {}
        if isinstance(self.b, Blockings) and self.b.goroutines is dump.goroutines:
            self._shape_ids = {f: i for i, f in enumerate(self.b.shapes)}
            self._shape_of = self.b.shape_of
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
            if not is_waiting_library(f.function.package):
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
        alive, stuck, forever = self.alive, self.stuck, self.forever
        # goroutine id -> its node name (the very string that keys the graph's dicts)
        self._gname: dict[int, str] = {}
        gname = self._gname
        for gid, b in self.b.items():
            op = b.op
            if op in FOREVER_OPS:
                forever.add(gid)
            if b.system:
                continue
            name = gname[gid] = f"g{gid}"
            nodes.append((name, {"type": "goroutine", "gid": gid, "op": op, "state": b.state}))
            # b.live (not system here), select, other: alive; b.waiting or b.forever: stuck
            if op in LIVE_OPS or op == "select" or op == "other":
                alive.add(gid)
            elif op in WAIT_OPS or op in FOREVER_OPS:
                stuck.add(gid)
        _add_nodes(self.G, nodes)

    def scan_words(self) -> None:
        """One pass over every exact pointer word of every user goroutine's frames.

        Builds ``self.word_refs`` (word -> [(gid, frame index)], capped) for the words that
        waiting goroutines carry, and ``self.lock_ev`` (lock address -> evidence list) with the
        sorted-address bisect for locks and their containers.
        """
        b = self.b
        gs = self.gs
        # Lock addresses (exact, or guessed from a single handle: resolved later), sorted. In the
        # same pass: the user goroutines' stacks and user frames, the objects waited on, the waiters.
        locks: dict[int, str] = {}
        ids: list[int] = []
        stacks: list[tuple[Any, ...]] = []
        ufs: list[tuple[int, ...]] = []
        addresses: list[int] = []
        waiting: list[tuple[int, int]] = []
        for gid, bl in b.items():
            addr = bl.address
            if addr is not None and (bl.kind == "mutex" or bl.kind == "rwmutex"):
                locks[addr] = bl.kind
            if bl.system:
                continue
            if addr is not None:
                addresses.append(addr)
            g = gs.get(gid)
            if g is not None:
                ids.append(gid)
                stacks.append(g.frames)
                ufs.append(bl.user_frames)
            op = bl.op
            if op in WAIT_OPS or op in FOREVER_OPS:
                waiting.append((gid, bl.site or 0))
        self.lock_addrs = sorted(locks)
        self.lock_kinds = locks
        lo = (self.lock_addrs[0] - CONTAINER_SPAN) if self.lock_addrs else 1
        hi = self.lock_addrs[-1] if self.lock_addrs else 0
        # Words the waiting goroutines carry: who else carries them? Every user goroutine's words,
        # read in dump order (blocking.stacks_words).
        all_words = dict(zip(ids, stacks_words(stacks, ufs)))
        del stacks, ufs
        self._all_words = all_words
        self.gwords: dict[int, list[tuple[int, int]]] = {}
        gwords = self.gwords
        for gid, start in waiting:
            ws = all_words.get(gid)
            if ws is None:
                continue
            if start and ws and ws[0][1] < start:
                ws = [(w, i) for w, i in ws if i >= start]
            gwords[gid] = ws
        interesting: set[int] = set(map(_FIRST, chain.from_iterable(gwords.values())))
        # the objects waited on (a channel's address, a WaitGroup's...) are looked up too
        interesting.update(addresses)
        self.word_refs: dict[int, list[tuple[int, int]]] = {}
        # word -> the goroutine ids of word_refs[word], in the same order (for set operations)
        self.word_gids: dict[int, list[int]] = {}
        word_gids = self.word_gids
        self.word_overflow: set[int] = set()
        # lock address -> [(gid, frame idx, word, how)]; how: "exact" | "container"
        self.lock_ev: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
        lock_ev = self.lock_ev
        word_refs = self.word_refs
        overflow = self.word_overflow
        rows = []
        for gid in gs:
            blk = b.get(gid)
            if blk is None or blk.system:
                continue
            ws = gwords.get(gid)
            if ws is None:
                ws = all_words[gid]
            if ws:
                rows.append((gid, ws, blk.address if blk.kind in ("mutex", "rwmutex") else None, blk.site or 0))
        args = (rows, interesting, locks, lo, hi, self.lock_addrs, word_refs, word_gids, overflow, lock_ev,
                MAX_SHARERS, 4 * MAX_CANDIDATES, CONTAINER_SPAN)  # fmt: skip
        if _scan_refs is not None:
            try:
                _scan_refs(*args)
                return
            except ValueError:  # a word or address beyond 64 bits: nothing was filled yet
                pass
        _scan_refs_py(*args)

    def compute_related(self) -> None:
        """Creator groups (siblings), children, shapes; relatedness is computed on demand."""
        by_creator: dict[tuple[str, int | None], list[int]] = defaultdict(list)
        children: dict[int, list[int]] = defaultdict(list)
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
        self._groups: dict[tuple[str, int | None], dict[int, list[int]]] = {}
        self._sib_cache: dict[tuple, list[int]] = {}
        # large creator group -> its alive members (id, shape), those not in a select first
        self._group_live: dict[tuple[str, int | None], list[tuple[int, int]]] = {}
        # creator group -> (creator function, what the evidence of a sibling adds)
        self._creator_text: dict[tuple[str, int | None], tuple[str, str]] = {}
        self.related = _Related(self)

    def group_shapes(self, key: tuple[str, int | None]) -> dict[int, list[int]]:
        """Shape -> the members of a creator group with that shape, alive ones first, then by id."""
        got = self._groups.get(key)
        if got is None:
            got = defaultdict(list)
            shape_of = self._shape_of
            shape = self.shape
            for x in self.by_creator.get(key, ()):
                sid = shape_of.get(x)
                got[shape(x) if sid is None else sid].append(x)
            alive = self.alive
            for v in got.values():
                # sorted by (x not in alive, x), without a key function
                live = alive.intersection(v)
                if not live or len(live) == len(v):
                    v.sort()
                else:
                    v[:] = sorted(live) + sorted(set(v).difference(live))
            self._groups[key] = got
        return got

    def _siblings_cached(self, ck: tuple[Any, ...]) -> list[int]:
        if len(self.by_creator.get(ck[0], ())) > MAX_SIBLING_GROUP:
            got = self._sib_cache[ck] = self._live_sibling(ck)
            return got
        alive: list[int] = []
        other: list[int] = []
        for shp, members in self.group_shapes(ck[0]).items():
            if shp == ck[1]:
                continue
            for x in members[:4]:
                (alive if x in self.alive else other).append(x)
        got = self._sib_cache[ck] = (alive + other)[:MAX_CANDIDATES]
        return got

    def _live_sibling(self, ck: tuple[Any, ...]) -> list[int]:
        """The sibling candidates of a waiter of shape ``ck[1]`` in a creator group ``ck[0]`` larger
        than MAX_SIBLING_GROUP: "started by the same function" says nothing when that function
        started thousands of goroutines, except that a counterpart may be among the live ones. So
        one candidate stands for the group: its lowest-id member of another shape that can make
        progress on its own (alive, not in a select), else its lowest-id alive one (a select),
        else none. Noted once per group."""
        key = ck[0]
        live = self._group_live.get(key)
        if live is None:
            alive = self.alive
            b = self.b
            ranked = sorted(
                (b[x].op == "select", x) for x in alive.intersection(self.by_creator[key]) if x in self.gs
            )
            shape = self.shape
            live = self._group_live[key] = [(x, shape(x)) for _, x in ranked]
            n = len(self.by_creator[key])
            who = key[0] if key[1] is None else f"{key[0]} in goroutine {key[1]}"
            self.notes.append(
                f"{who} started {n} goroutines: in a creator group this large, being started by the same "
                f"function is no evidence; a wait among them gets one live sibling as a possible releaser "
                f"(not up to {MAX_CANDIDATES})"
                + ("" if live else ", and none of them is alive")
            )
        for x, sid in live:
            if sid != ck[1]:
                return [x]
        return []

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
            if len(sib) <= MAX_SIBLING_GROUP:
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

    def shape(self, gid: int) -> int:
        """The stack shape of a goroutine (its function names), as a small int: equal ids, equal
        shapes. From classify_all's Blockings when it has them, else computed once per goroutine."""
        got = self._shape_of.get(gid)
        if got is None:
            funcs = tuple([f.function.full for f in self.gs[gid].frames])
            got = self._shape_ids.get(funcs)
            if got is None:
                got = self._shape_ids[funcs] = len(self._shape_ids)
            self._shape_of[gid] = got
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
                    pos = bisect_left(addrs, h)
                    if pos < len(addrs) and addrs[pos] - h <= CONTAINER_SPAN:
                        hit = (
                            addrs[pos],
                            "low",
                            f"calling frame argument {h:#x} points {addrs[pos] - h} bytes below a known {bl.kind}",
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
        # evidence texts, written once per (wait reason, resource evidence)
        texts: dict[tuple[str, str], str] = {}
        peer_ev: dict[str, str] = {}
        ev: str | None  # evidence text of the current wait (None only right after a peer_ev miss)
        gname = self._gname
        gs = self.gs
        shape = self.shape
        waiters = self.waiters
        res_node = self.res_node
        for gid, bl in self.b.items():
            op = bl.op
            forever = op in FOREVER_OPS
            if bl.system or not (op in WAIT_OPS or forever):
                continue
            if (op == "select" or op == "chan-send" or op == "chan-recv") and bl.address is None:
                cb = gs[gid].created_by
                pk = (op, shape(gid), None if cb is None else (cb.function.full, cb.parent_id), bl.handles)
                node = peer_node.get(pk)
                addr, conf = None, "certain"
                if op == "select":
                    if node is None:
                        node = peer_node[pk] = f"select?g{gid}"
                    ev = "select cases are not printed"
                    kind = "select"
                else:
                    if node is None:
                        node = peer_node[pk] = f"chan?g{gid}"
                        ev = "channel address not in the dump"
                    else:
                        ev = peer_ev.get(node)
                        if ev is None:
                            ev = peer_ev[node] = (
                                f"channel address not in the dump (a peer of {node[6:]}: same stack, creator and arguments)"
                            )
                    kind = "chan"
            elif op == "select-no-cases":
                node, addr, conf, ev = f"select?g{gid}", None, "certain", "select {} never returns"
                kind = "select"
            else:
                node, addr, conf, ev = self.res_of(gid)
                kind = bl.kind or "sema"
                if node is None:
                    node, kind = f"sema?g{gid}", "sema"
                if not forever and node.startswith("chan?"):
                    ev = "channel address not in the dump"
            if node not in res:
                if forever:
                    sem = "none"
                elif kind in ("mutex", "rwmutex", "sema"):
                    sem = "one"
                elif kind == "waitgroup":
                    sem = "all"
                else:
                    sem = "any"
                res[node] = {"type": "resource", "kind": kind, "address": addr, "semantics": sem}
            src = gname.get(gid) or gnode(gid)
            if op == "rwmutex-rlock" and addr is not None:
                # An RLock waits only while a writer is pending: it waits for the writer gate.
                gate = f"{node}#writer"
                if gate not in res:
                    res[gate] = {"type": "resource", "kind": "rwmutex-writer", "address": addr, "semantics": "any"}
                edges.append(
                    (
                        src,
                        gate,
                        {
                            "kind": "waits-for",
                            "confidence": conf,
                            "evidence": f"RLock blocks behind a pending writer; {ev}",
                        },
                    )
                )
                waiters[gate].append(gid)
                res_node[gid] = gate
                continue
            state = bl.state
            if ev:
                tk = (state, ev)
                text = texts.get(tk)
                if text is None:
                    text = texts[tk] = f"{state}: {ev}"
            else:
                text = state
            edges.append((src, node, {"kind": "waits-for", "confidence": conf, "evidence": text}))
            waiters[node].append(gid)
            res_node[gid] = node
        _add_nodes(self.G, list(res.items()))
        _add_edges(self.G, edges)

    # ------------------------------------------------------------------ lock holders

    def crowded(self) -> dict[int, set[int]]:
        """Lock address -> the goroutines carrying it at a *crowded point*.

        A point is where a goroutine carries a lock: the offset of the word below the lock (0:
        its own address), the goroutine's operation and the stack from the top down to the frame
        carrying it (function, file and line of each frame). A mutex has one holder, so two
        goroutines standing at one point and carrying one mutex cannot both hold it: being at that
        point does not mean holding the lock, for that mutex and for every other mutex carried at
        the same point (another instance of the same struct): the point is crowded. Learnt from
        every mutex's evidence (a server's request goroutines carry their tenant's struct in twos
        and threes on their way to its lock); :meth:`infer_lock_holders` then prefers a candidate
        standing elsewhere. The same holds for an RWMutex a writer waits on for the writer lock
        (``role="writer-lock"``: another writer holds it); readers may share one, so an RWMutex
        whose waiters wait for readers to leave is left out.
        """
        gs = self.gs
        res_node = self.res_node
        kinds = self.lock_kinds
        b = self.b
        # RWMutexes a writer waits on for the writer lock: another writer holds it, alone
        exclusive = {
            self.G.nodes[node]["address"]
            for node, ws in self.waiters.items()
            if node.startswith("rwmutex@") and any(b[x].role == "writer-lock" for x in ws[:MAX_CANDIDATES])
        }
        # The frames from the top down to frame fi, as a small number: equal numbers, equal
        # (function, file, line) of every one of those frames. Goroutines of one bucket (the same
        # state and the same function, file and line in every frame) share it for every fi: it
        # is made once per (bucket, fi), which keeps deep stacks (GOTRACEBACK=crash) cheap.
        bucket: dict[int, int] = {}
        if isinstance(b, Blockings) and b.goroutines is self.dump.goroutines:
            bucket = {g.id: k for g, k in zip(b.goroutines, b.bucket_of)}
        prefix_ids: dict[tuple[Any, ...], int] = {}
        by_bucket: dict[tuple[int, int], int] = {}

        def prefix(gid: int, fi: int) -> int:
            bk = bucket.get(gid)
            if bk is not None:
                got = by_bucket.get((bk, fi))
                if got is not None:
                    return got
            got = prefix_ids.setdefault(tuple(map(_POINT, gs[gid].frames[: fi + 1])), len(prefix_ids))
            if bk is not None:
                by_bucket[(bk, fi)] = got
            return got

        entries: list[tuple[int, int, tuple[int, str, int]]] = []
        counts: dict[tuple[int, tuple[int, str, int]], int] = defaultdict(int)
        for L, evs in self.lock_ev.items():  # noqa: N806
            kind = kinds.get(L)
            if kind != "mutex" and not (kind == "rwmutex" and L in exclusive):
                continue
            node = f"{kind}@{L:#x}"
            for gid, fi, w, _ in evs:
                bl = b.get(gid)
                if bl is None or bl.dumper or res_node.get(gid) == node:
                    continue
                pt = (L - w, bl.op, prefix(gid, fi))
                entries.append((L, gid, pt))
                counts[(L, pt)] += 1
        crowded_pts = {pt for (_, pt), n in counts.items() if n > 1}
        out: dict[int, set[int]] = defaultdict(set)
        for L, gid, pt in entries:  # noqa: N806
            if pt in crowded_pts:
                out[L].add(gid)
        return out

    def infer_lock_holders(self) -> None:
        gs = self.gs
        bs = self.b
        crowded = self.crowded()
        for node, ws in list(self.waiters.items()):
            attrs = self.G.nodes[node]
            if attrs["kind"] not in ("mutex", "rwmutex") or attrs["address"] is None:
                continue
            L = attrs["address"]  # noqa: N806
            wset = set(ws)
            offsets = self.waiter_offsets(ws, L)
            crowd = crowded.get(L, ())
            # gid -> (free, score, fits, how its evidence reads: (form, frame index, word)). free
            # is 0 for a goroutine at a crowded point (see crowded): mutual exclusion rules it out
            # while any other candidate is left; fits is below 0 for a container pointer that is
            # more likely another object's (see container_fit), which only breaks ties between
            # equal scores. The first offer of a goroutine's best rank wins, and only the kept ones
            # get their evidence written.
            cands: dict[int, tuple[int, int, int, tuple[str, int, int]]] = {}
            for gid, fi, w, how in self.lock_ev.get(L, ()):
                fits, free = 0, 1
                if gid not in wset:
                    bl = bs.get(gid)
                    if bl is None or bl.dumper:
                        continue
                    score, ev = (3, ("exact", fi, w)) if how == "exact" else (2, ("container", fi, w))
                    if how != "exact":
                        fits = self.container_fit(L, w, offsets)
                    if gid in crowd:
                        free = 0
                else:
                    # A waiter: only frames above its blocking call count (a re-lock).
                    site = bs[gid].site or 0
                    if fi <= site:
                        continue
                    frames = gs[gid].frames
                    f = frames[fi]
                    sf = frames[site]
                    if (
                        sf.function.receiver
                        and sf.function.receiver == f.function.receiver
                        and sf.function.package == f.function.package
                        and top_word0(f.args_text) == w
                    ):
                        score, ev = 3, ("receiver", fi, w)
                    elif how == "exact":
                        score, ev = 2, ("relock", fi, w)
                    else:
                        score, ev = 1, ("relock?", fi, w)
                old = cands.get(gid)
                if old is None or old[:3] < (free, score, fits):
                    cands[gid] = (free, score, fits, ev)
            if cands and not any(c[0] for c in cands.values()):
                # every goroutine carrying it stands at a crowded point: none of them holds it
                self.notes.append(
                    f"{node}: the {len(cands)} goroutine(s) carrying the lock's address each stand where two or "
                    "more goroutines carry one same lock, which its single holder cannot: none is taken as the holder"
                )
                self.G.nodes[node]["other_candidates"] = sorted(cands)[:MAX_CANDIDATES]
                cands = {}
            if cands:
                self.emit_holders(node, cands, L, offsets)
                continue
            self.eliminate(node, ws)

    def waiter_offsets(self, ws: list[int], lock: int) -> set[int]:
        """How far below the lock the struct its waiters reach it through lies: the offsets (1 to
        :data:`CONTAINER_SPAN` bytes) of the pointer words every waiter that carries one carries
        (the first MAX_CANDIDATES waiters); empty when they carry none, or none in common. A
        goroutine that carries a word at another offset below the lock points into another
        object: structs of one type allocated side by side put every neighbour's start within
        the span."""
        common: set[int] | None = None
        gwords = self.gwords
        for x in ws[:MAX_CANDIDATES]:
            offs = {lock - w for w, _ in gwords.get(x, ()) if 0 < lock - w <= CONTAINER_SPAN}
            if offs:
                common = offs if common is None else common & offs
                if not common:
                    break
        return common or set()

    def container_fit(self, lock: int, w: int, offsets: set[int]) -> int:
        """How well a word ``w`` below ``lock`` fits as the start of the struct holding it: 0 at
        an offset its waiters reach it through (``offsets``, see :meth:`waiter_offsets`), -1
        at another; when the waiters carry none, minus the number of other locks lying between
        ``w`` and ``lock`` (structs of one type allocated side by side put each neighbour's start
        below the lock too, with the neighbour's own lock in between)."""
        if offsets:
            return 0 if lock - w in offsets else -1
        addrs = self.lock_addrs
        return bisect_right(addrs, w) - bisect_left(addrs, lock)

    def _holder_evidence(self, gid: int, ev: tuple[str, int, int], lock: int) -> str:
        form, fi, w = ev
        frames = self.gs[gid].frames
        f = frames[fi]
        where = f"{f.function.full} (frame {fi}) argument {w:#x}"
        if form == "exact":
            return f"{where} is the lock's address"
        if form == "container":
            return f"{where} points {lock - w} bytes below the lock (its containing struct)"
        if form == "receiver":
            sf = frames[self.b[gid].site or 0]
            return (
                f"re-lock: {where} is the receiver of a {f.function.receiver} method above {sf.function.full}, "
                "which locks it again"
            )
        if form == "relock":
            return f"re-lock: {where}, above the blocking call, is the lock's address"
        return f"re-lock?: {where}, above the blocking call, points {lock - w} bytes below the lock"

    def emit_holders(
        self, node: str, cands: dict[int, tuple[int, int, int, Any]], lock: int, offsets: set[int]
    ) -> None:
        best = max(c[:3] for c in cands.values())
        top = [(gid, c[3]) for gid, c in cands.items() if c[:3] == best]
        conf = {3: "high", 2: "medium", 1: "low"}.get(best[1], "low")
        # set aside for standing at a crowded point, or (same score) for pointing into another object
        crowd = sum(1 for c in cands.values() if c[0] < best[0])
        other = sum(1 for c in cands.values() if c[:2] == best[:2] and c[2] < best[2])
        if len(top) > 1:
            conf = _down(conf)
        if len(top) > MAX_CANDIDATES:
            self.notes.append(
                f"{node}: {len(top)} goroutines carry the lock's address; holder not inferred (kept {MAX_CANDIDATES})"
            )
            top = sorted(top, key=_FIRST)[:MAX_CANDIDATES]
            conf = "low"
        why = ""
        if other:
            why += f"; {other} other goroutine(s) carry a pointer below it that is more likely another object's"
            if offsets:
                why += f" (not {', '.join(map(str, sorted(offsets)))} bytes below, where its waiters reach it)"
            else:
                why += " (with another lock between it and this one)"
        if crowd:
            why += (
                f"; {crowd} other goroutine(s) carrying it stand where two or more goroutines carry one same lock, "
                "which its single holder cannot"
            )
        for gid, ev in top:
            amb = f" (one of {len(top)} candidates)" if len(top) > 1 else ""
            self.add_edge(node, gnode(gid), "held-by", conf, self._holder_evidence(gid, ev, lock) + amb + why)
        # weaker candidates are recorded on the node for the renderer
        rest = sorted((gid, c[1]) for gid, c in cands.items() if c[:3] < best)
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
        self._rel_edges: list[tuple[str, list[str], list[dict[str, str]]]] = []
        # word_refs holds no system goroutine (scan_words skips them); a dumper is no releaser
        self._dumpers = {gid for gid, bl in self.b.items() if bl.dumper}
        # words no other goroutine shares as evidence: carried by one goroutine, or by too many
        self._unshared = self.word_overflow.union([w for w, gl in self.word_gids.items() if len(gl) == 1])
        # word -> {goroutine id: frame index} of word_refs[word], made on first use (_first_carried)
        self._word_pos: dict[int, dict[int, int]] = {}
        self._one_waiter: dict[tuple[Any, ...], tuple[list[int], list[str], list[str], str]] = {}
        nodes = self.G._node
        for node, ws in list(self.waiters.items()):
            attrs = nodes[node]
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
        # in the order found, as one add_edges_from would (the edges are new: a resource that had
        # out-edges got its releaser edges through add_edge)
        _add_edges(self.G, [(node, v, d) for node, vs, ds in self._rel_edges for v, d in zip(vs, ds)])
        self._rel_edges = []

    # Candidates are gathered as disjoint groups, each a set (or dict) of goroutine ids with one
    # confidence and a function that writes the evidence of the few that are kept: a resource
    # may have thousands of candidates (every sharer of every pointer its waiters carry), of
    # which MAX_CANDIDATES get an edge, and the rest is only counted. The groups are what a
    # "first reason wins" dict of candidates would hold, built with set operations.

    def _shared_words(self, ws: list[int], extra: list[int]) -> set[int]:
        """The exact words the waiters carry (and ``extra``), in the set order that decides which
        word is named as the evidence of a sharer (see _shared_evidence)."""
        words = set(extra)
        gwords = self.gwords
        for w in ws:
            got = gwords.get(w)
            if got:
                words.update(map(_FIRST, got))
        return words

    def _sharers(self, words: set[int], wss: set[int]) -> set[int]:
        """Goroutines (not waiters, not the dumper) carrying one of ``words`` (overflowing words,
        carried by more than MAX_SHARERS goroutines, are no evidence)."""
        overflow = self.word_overflow
        if overflow and not words.isdisjoint(overflow):
            words = words.difference(overflow)
        out: set[int] = set().union(*map(self.word_gids.get, words, repeat(())))
        out.difference_update(wss)
        if self._dumpers:
            out.difference_update(self._dumpers)
        return out

    def _shared_evidence(self, words: set[int], gids: list[int]) -> dict[int, str]:
        """Evidence of sharers: the first of ``words`` (in set order) each carries, and where."""
        overflow = self.word_overflow
        return self._first_carried(filter(lambda w: w not in overflow, words), gids, self._ev_shared)

    def _first_carried(
        self, words: Iterable[int], gids: Iterable[int], ev: Callable[[int, int, int], str]
    ) -> dict[int, str]:
        """For each of ``gids``: ``ev(gid, frame index, word)`` of the first of ``words`` it carries
        (by word_refs), if any."""
        need = set(gids)
        found: dict[int, str] = {}
        word_gids = self.word_gids
        word_refs = self.word_refs
        pos = self._word_pos
        for word in words:
            gl = word_gids.get(word)
            if not gl or need.isdisjoint(gl):
                continue
            hit = need.intersection(gl)
            fis = pos.get(word)
            if fis is None:  # a shared word is read for every resource its sharers wait on
                fis = pos[word] = dict(word_refs[word])  # each goroutine is in word_refs[word] once
            for gid in hit:
                found[gid] = ev(gid, fis[gid], word)
            need -= hit
            if not need:
                break
        return found

    def _members(self, sid: int) -> set[int]:
        """Goroutines (of gs) with stack shape ``sid``."""
        got: defaultdict[int, set[int]] | None = getattr(self, "_shape_members", None)
        if got is None:
            got = defaultdict(set)
            self._shape_members = got
            shape_of = self._shape_of
            shape = self.shape
            for gid in self.gs:
                x = shape_of.get(gid)
                got[shape(gid) if x is None else x].add(gid)
        return got.get(sid, set())

    def _ev_shared(self, gid: int, fi: int, word: int) -> str:
        fn = self.gs[gid].frames[fi].function.full
        return f"{fn} (frame {fi}) carries {word:#x}, which the waiter carries too"

    def _ev_container(self, gid: int, fi: int, word: int, addr: int) -> str:
        fn = self.gs[gid].frames[fi].function.full
        return f"{fn} (frame {fi}) carries {word:#x}, {addr - word} bytes below it"

    def _emit_groups(self, node: str, groups: list[tuple[str, Any, Any]]) -> None:
        """Edges to the strongest candidates, then by id, at most MAX_CANDIDATES (noted when more).

        ``groups``: disjoint ``(confidence, ids, evidence)``, strongest first, with ``ids`` a set
        or dict of goroutine ids and ``evidence(ids)`` -> {id: text} for the kept ones.
        """
        # a goroutine blocked forever (nil channel, select {}) never releases anything
        forever = self.forever
        levels: dict[str, list[tuple[Any, Any]]] = {}
        for conf, gids, ev in groups:
            if gids:
                got = levels.get(conf)
                if got is None:
                    levels[conf] = [(gids, ev)]
                else:
                    got.append((gids, ev))
        order: list[tuple[str, list[int], list[tuple[Any, Any]]]] = []
        total = 0
        for conf in ("certain", "high", "medium", "low"):
            gl = levels.get(conf)
            if not gl:
                continue
            u = set(gl[0][0]) if len(gl) == 1 else set().union(*[g for g, _ in gl])
            if forever:
                u = u.difference(forever)
            if u:
                ids = sorted(u)
                total += len(ids)
                order.append((conf, ids, gl))
        # strongest first, then by id: at most MAX_CANDIDATES
        kept: list[tuple[str, list[int], list[tuple[Any, Any]]]] = []
        n = 0
        for conf, ids, gl in order:
            take = ids[: MAX_CANDIDATES - n]
            kept.append((conf, take, gl))
            n += len(take)
            if n >= MAX_CANDIDATES:
                break
        if total > MAX_CANDIDATES:
            self.notes.append(f"{node}: {total} possible releasers, kept {MAX_CANDIDATES}")
            self.G._node[node]["more_releasers"] = total - MAX_CANDIDATES
            # keep any alive one so that the resource is not mistaken for stuck
            alive = self.alive
            if all(alive.isdisjoint(take) for _, take, _ in kept):
                for conf, ids, gl in order:
                    a = alive.intersection(ids)
                    if a:
                        kept.append((conf, [min(a)], gl))
                        break
        # the evidence of the kept ones, group by group
        text: dict[int, str] = {}
        for _, take, gl in kept:
            if len(gl) == 1:
                text.update(gl[0][1](take))
            else:
                for gids, ev in gl:
                    sel = [g for g in take if g in gids]
                    if sel:
                        text.update(ev(sel))
        if self.G._succ.get(node):
            # out-edges already there: keep the strongest of each (not the case for releasers)
            for conf, take, _ in kept:
                for gid in take:
                    self.add_edge(node, gnode(gid), "can-release", conf, text[gid])
            return
        gname = self._gname
        vs: list[str] = []
        ds: list[dict[str, str]] = []
        for conf, take, _ in kept:
            for gid in take:
                v = gname.get(gid)
                vs.append(f"g{gid}" if v is None else v)
                ds.append({"kind": "can-release", "confidence": conf, "evidence": text[gid]})
        self._rel_edges.append((node, vs, ds))

    def _emit_one_waiter_siblings(self, node: str, w: int) -> None:
        """``_emit_siblings(node, _siblings_of([w], {w}))``, for a resource with the one waiter w and
        no other candidate. What does not depend on w (the candidates, their node names and the
        start of their evidence) is made once per (creator group, shape)."""
        cb = self.gs[w].created_by
        if cb is None:
            return
        ck = ((cb.function.full, cb.parent_id), self.shape(w))
        plan = self._one_waiter.get(ck)
        if plan is None:
            got = self._sib_cache.get(ck)
            if got is None:
                got = self._siblings_cached(ck)
            # got holds no member of w's shape (so not w) and no id twice; at most MAX_CANDIDATES
            part = got[: 2 * MAX_CANDIDATES]
            forever = self.forever
            kept = sorted([x for x in part if x not in forever]) if forever else sorted(part)
            f, large = self._creator_of(w)
            gname = self._gname
            plan = self._one_waiter[ck] = (
                part,
                [gname.get(g) or f"g{g}" for g in kept],
                [f"goroutine {x} was started by the same function ({f}) as goroutine " for x in kept],
                large,
            )
        part, vs, heads, large = plan
        if len(part) > MAX_CANDIDATES or self.G._succ.get(node):
            self._emit_siblings(node, dict.fromkeys(part, w))
            return
        if vs:
            tail = f"{w}{large}"
            self._rel_edges.append(
                (node, vs, [{"kind": "can-release", "confidence": "low", "evidence": h + tail} for h in heads])
            )

    def _emit_siblings(self, node: str, sib: dict[int, int]) -> None:
        """:meth:`_emit_groups` for the one group ``("low", sib, sibling evidence)`` of a channel."""
        if not sib:
            return
        forever = self.forever
        ids = sorted([s for s in sib if s not in forever]) if forever else sorted(sib)
        total = len(ids)
        kept = ids[:MAX_CANDIDATES]
        if total > MAX_CANDIDATES:
            self.notes.append(f"{node}: {total} possible releasers, kept {MAX_CANDIDATES}")
            self.G._node[node]["more_releasers"] = total - MAX_CANDIDATES
            # keep any alive one so that the resource is not mistaken for stuck
            alive = self.alive
            if alive.isdisjoint(kept):
                a = alive.intersection(ids)
                if a:
                    kept.append(min(a))
        text = self._ev_siblings(sib, kept, "goroutine ")
        if self.G._succ.get(node):
            for gid in kept:
                self.add_edge(node, gnode(gid), "can-release", "low", text[gid])
            return
        gname = self._gname
        self._rel_edges.append(
            (
                node,
                [gname.get(g) or f"g{g}" for g in kept],
                [{"kind": "can-release", "confidence": "low", "evidence": text[g]} for g in kept],
            )
        )

    def _exact_refs(self, addr: int | None, wss: set[int]) -> dict[int, int]:
        """Goroutines (not waiters) carrying the object's own address -> frame index."""
        out: dict[int, int] = {}
        if addr is not None:
            for gid, fi in self.word_refs.get(addr, ()):
                if gid not in wss:
                    out[gid] = fi
        return out

    def _ev_exact(self, high: dict[int, int], what: str) -> Any:
        gs = self.gs

        def ev(gids: list[int]) -> dict[int, str]:
            return {gid: f"{gs[gid].frames[high[gid]].function.full} (frame {high[gid]}) {what}" for gid in gids}

        return ev

    def _siblings_of(self, ws: list[int], wss: set[int], t1: Any = (), t2: Any = ()) -> dict[int, int]:
        """Siblings of the waiters ``ws`` (goroutines of other stack shapes started by the same
        function as a waiter, live ones first, cached per (creator, shape)) as sibling -> waiter
        (first pair wins), those not in wss nor taken by an earlier group (t1, t2). Siblings are
        never system goroutines: compute_related leaves those out."""
        sib: dict[int, int] = {}
        seen: set[tuple[Any, ...]] = set()
        left = 2 * MAX_CANDIDATES
        gs = self.gs
        shape = self.shape
        for w in ws[:MAX_CANDIDATES]:
            cb = gs[w].created_by
            if cb is None:
                continue
            ck = ((cb.function.full, cb.parent_id), shape(w))
            if ck in seen:
                continue
            seen.add(ck)
            got = self._sib_cache.get(ck)
            if got is None:
                got = self._siblings_cached(ck)
            part = got[:left]
            if not (
                any(map(wss.__contains__, part))
                or any(map(t1.__contains__, part))
                or any(map(t2.__contains__, part))
                or any(map(sib.__contains__, part))
            ):
                sib.update(dict.fromkeys(part, w))  # (got holds no id twice)
            else:
                for s in part:
                    if s in sib or s in wss or s in t1 or s in t2:
                        continue
                    sib[s] = w
            left -= min(left, len(got))
            if not left:
                break
        return sib

    def _ev_siblings(self, sib: dict[int, int], gids: list[int], what: str) -> dict[int, str]:
        """Sibling evidence: "... as goroutine W" (what="goroutine ") or "... as the waiter" (what="")."""
        creator: dict[int, tuple[str, str]] = {}
        out: dict[int, str] = {}
        for s in gids:
            w = sib[s]
            got = creator.get(w)
            if got is None:
                got = creator[w] = self._creator_of(w)
            f, large = got
            out[s] = (
                f"goroutine {s} was started by the same function ({f}) as {what}{w}{large}"
                if what
                else (f"goroutine {s} was started by the same function ({f}) as the waiter{large}")
            )
        return out

    def _creator_of(self, w: int) -> tuple[str, str]:
        """(creator function of w, "" or the words that say its group is large: see _live_sibling)."""
        cb = self.gs[w].created_by
        assert cb is not None  # callers pass only waiters that have a creator (see _siblings_of)
        key = (cb.function.full, cb.parent_id)
        got = self._creator_text.get(key)
        if got is None:
            n = len(self.by_creator.get(key, ()))
            large = (
                f", one of {n}: it stands for the live ones, any of which may end the wait"
                if n > MAX_SIBLING_GROUP
                else ""
            )
            got = self._creator_text[key] = (key[0], large)
        return got

    def chan_counterparts(self, node: str, ws: list[int]) -> None:
        addr = self.G._node[node]["address"]
        if (
            self.one_waiter_fast_path
            and addr is None
            and len(ws) == 1
            and not self._orphan_creators
            and not self.children.get(ws[0])
        ):
            # Most channel and select waits of a big dump: one waiter, no address, no child, and
            # no pointer it shares with a goroutine of another shape. Then the general path
            # below finds only its siblings: the same, without its sets and loops.
            w = ws[0]
            words = self._shared_words(ws, [])
            if words.issubset(self._unshared) or not self._sharers(words, {w}).difference(
                self._members(self.shape(w))
            ):
                self._emit_one_waiter_siblings(node, w)
                return
        wss = set(ws)
        high = self._exact_refs(addr, wss)
        shape = self.shape
        shapes = {shape(w) for w in wss}
        words = self._shared_words(ws, [addr] if addr else [])
        shared = self._sharers(words, wss)
        if shared:
            if high:
                shared.difference_update(high)
            for sid in shapes:
                shared.difference_update(shared.intersection(self._members(sid)))
        med = shared.intersection(self.alive)
        low = shared.difference(med) if med else shared
        sib = self._siblings_of(ws, wss, high, shared)
        children = self.children
        ch: dict[int, int] = {}
        cbf: dict[int, tuple[str, int]] = {}
        for w in ws[:MAX_CANDIDATES]:
            for c in children.get(w, ())[:MAX_CANDIDATES]:
                if c not in wss and c not in high and c not in shared and c not in sib and c not in ch:
                    ch[c] = w
            if self._orphan_creators:
                for c, f in self.created_by_frames(w):
                    if (
                        c not in wss
                        and c not in high
                        and c not in shared
                        and c not in sib
                        and c not in ch
                        and c not in cbf
                        and shape(c) not in shapes
                    ):
                        cbf[c] = (f, w)

        if not high and not shared and not ch and not cbf:
            # most channel waits: only siblings (the same as _emit_groups with that one group)
            self._emit_siblings(node, sib)
            return

        def ev_shared(gids: list[int]) -> dict[int, str]:
            return self._shared_evidence(words, gids)

        self._emit_groups(
            node,
            [
                ("high", high, self._ev_exact(high, f"holds a reference to the channel {addr:#x}" if addr else "")),
                ("medium", med, ev_shared),
                ("low", low, ev_shared),
                ("low", sib, lambda gids: self._ev_siblings(sib, gids, "goroutine ")),
                ("low", ch, lambda gids: {c: f"goroutine {c} was started by goroutine {ch[c]}" for c in gids}),
                (
                    "low",
                    cbf,
                    lambda gids: {
                        c: f"goroutine {c} was created by {cbf[c][0]}, which is on goroutine {cbf[c][1]}'s stack"
                        for c in gids
                    },
                ),
            ],
        )

    def wg_workers(self, node: str, ws: list[int]) -> None:
        wss = set(ws)
        addr = self.G._node[node]["address"]
        high = self._exact_refs(addr, wss)
        children = self.children
        # medium: children of a waiter, goroutines created by a function on its stack (<=1.20
        # prints no parent id), then container pointers; the first reason wins
        made: dict[int, str] = {}
        for w in wss:
            for c in children.get(w, ()):
                if c not in made and c not in high and c not in wss:
                    made[c] = f"goroutine {c} was started by the waiter, goroutine {w}"
            if self._orphan_creators:
                for c, f in self.created_by_frames(w):
                    if c not in made and c not in high and c not in wss:
                        made[c] = f"goroutine {c} was created by {f}, which is on the waiter's stack (goroutine {w})"
        sib: dict[int, int] = {}
        if not high and not made:
            sib = self._siblings_of(ws, wss)
        cont: set[int] = set()
        window: list[int] = []
        if addr is not None:
            # a container pointer: a worker holding the struct that holds the WaitGroup
            window = self._container_words(addr)
            word_gids = self.word_gids
            for word in window:
                cont.update(word_gids[word])
            cont.difference_update(wss)
            for taken in (high, made, sib):
                if taken:
                    cont.difference_update(taken)

        def ev_cont(gids: list[int]) -> dict[int, str]:
            return self._first_carried(window, gids, lambda gid, fi, word: self._ev_container(gid, fi, word, addr))

        self._emit_groups(
            node,
            [
                (
                    "high",
                    high,
                    self._ev_exact(high, f"carries the WaitGroup {addr:#x}: it would call Done" if addr else ""),
                ),
                ("medium", made, lambda gids: {c: made[c] for c in gids}),
                ("medium", cont, ev_cont),
                ("low", sib, lambda gids: self._ev_siblings(sib, gids, "")),
            ],
        )

    def _container_words(self, addr: int) -> list[int]:
        """The indexed words (carried by waiters) at most CONTAINER_SPAN bytes below addr, in order."""
        if not hasattr(self, "_sorted_words"):
            self._sorted_words = sorted(self.word_refs)
        sw = self._sorted_words
        return sw[bisect_left(sw, addr - CONTAINER_SPAN) : bisect_left(sw, addr)]

    def cond_signallers(self, node: str, ws: list[int]) -> None:
        wss = set(ws)
        addr = self.G._node[node]["address"]
        high = self._exact_refs(addr, wss)
        words = self._shared_words(ws, [addr] if addr else [])
        shared = self._sharers(words, wss)
        if shared and high:
            shared.difference_update(high)
        med = shared.intersection(self.alive)
        low = shared.difference(med) if med else shared
        sib = self._siblings_of(ws, wss, high, shared)

        def ev_shared(gids: list[int]) -> dict[int, str]:
            return self._shared_evidence(words, gids)

        self._emit_groups(
            node,
            [
                ("high", high, self._ev_exact(high, f"carries the Cond {addr:#x}" if addr else "")),
                ("medium", med, ev_shared),
                ("low", low, ev_shared),
                (
                    "low",
                    sib,
                    lambda gids: {
                        s: f"goroutine {s} was started by the same function as goroutine {sib[s]}"
                        + self._creator_of(sib[s])[1]
                        for s in gids
                    },
                ),
            ],
        )


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


def _scan_refs_py(
    rows: list[tuple[int, list[tuple[int, int]], int | None, int]], interesting: set[int], locks: dict[int, str],
    lo: int, hi: int, lock_addrs: list[int], word_refs: dict[int, list[tuple[int, int]]],
    word_gids: dict[int, list[int]], overflow: set[int], lock_ev: dict[int, list[tuple[int, int, int, str]]],
    max_sharers: int, cap: int, span: int,
) -> None:  # fmt: skip
    """The word loop of :meth:`_Builder.scan_words`, over ``rows``: ``(gid, words, own lock
    address or None, call-site index)`` of each user goroutine with words, in goroutine order.

    Fills ``word_refs``/``word_gids`` (the first ``max_sharers`` goroutines carrying each
    interesting word, once each), ``overflow`` (the words carried by more) and ``lock_ev`` (per
    lock: the goroutines carrying its address, "exact", or a word up to ``span`` bytes below it,
    "container": the start of a struct holding it). The compiled ``scan_refs``
    (stackparse/_speedups.c) does the same; tests/test_speedups.py holds the two equal.
    """
    # Locks whose evidence list is not full yet: only they can take a container entry (an
    # exact one is always kept), so a word near a few hundred dense locks looks at the few
    # still open instead of every lock within span.
    open_addrs = list(lock_addrs)
    # words whose further occurrences change nothing (see below)
    done: set[int] = set()
    for gid, ws, own, site in rows:
        seen_locks: set[int] = set()
        for w, i in ws:
            if w in done:
                continue
            if w in interesting:
                refs = word_refs.get(w)
                if refs is None:
                    word_refs[w] = [(gid, i)]
                    word_gids[w] = [gid]
                elif len(refs) < max_sharers:
                    if refs[-1][0] != gid:
                        refs.append((gid, i))
                        word_gids[w].append(gid)
                else:
                    overflow.add(w)
                    if not open_addrs and w not in locks:
                        # nothing more to do with this word: it overflowed, every lock's
                        # evidence is full, and it is no lock's own address
                        done.add(w)
                        continue
            if w < lo or w > hi:
                continue
            if w in locks and not (w == own and i <= site):
                # its own lock, at or below its blocking call, is no evidence
                ev = lock_ev.setdefault(w, [])
                ev.append((gid, i, w, "exact"))
                seen_locks.add(w)
                if len(ev) >= cap:
                    k = bisect_left(open_addrs, w)
                    if k < len(open_addrs) and open_addrs[k] == w:
                        del open_addrs[k]
            if not open_addrs:
                continue
            k = bisect_right(open_addrs, w)
            while k < len(open_addrs) and open_addrs[k] - w <= span:
                a = open_addrs[k]
                if a in seen_locks or (a == own and i <= site):
                    k += 1
                    continue
                ev = lock_ev.setdefault(a, [])
                ev.append((gid, i, w, "container"))
                seen_locks.add(a)
                if len(ev) >= cap:
                    del open_addrs[k]
                else:
                    k += 1


#: The compiled _scan_refs_py (None: not built, or STACKPARSE_NO_SPEEDUPS).
_scan_refs: Callable[..., None] | None = getattr(_compiled_active, "scan_refs", None)
