"""The wait-for graph of a dump: nodes, ``waits-for`` edges, and the rule families that explain them.

:func:`build_graph` turns the :class:`~.blocking.Blocking` of every goroutine into a
``networkx.DiGraph`` (public networkx API only) with two kinds of node (ids: :mod:`.nodes`):

* goroutine nodes ``g:<id>`` (attributes ``type="goroutine"``, ``gid``, ``op``, ``state``);
* resource nodes: ``mutex@0x..``, ``rwmutex@0x..``, ``rwmutex@0x..#writer``, ``chan@0x..``,
  ``waitgroup@0x..``, ``cond@0x..``, and ``KIND?g<id>`` when the object's address is not in the
  dump (attributes ``type="resource"``, ``kind``, ``address``, ``semantics``).

and three kinds of edge (attribute ``kind``):

* ``waits-for``: goroutine -> resource it is blocked on (:func:`add_waits`, here);
* ``held-by``: lock -> goroutine that (probably) holds it (:mod:`.holders`);
* ``can-release``: channel / WaitGroup / Cond / pending writer -> goroutine that could end the
  wait (:mod:`.releasers`).

Every edge carries ``confidence`` (:class:`~.confidence.Confidence`) and ``evidence`` (which
goroutine, frame and argument, or which rule). Resource ``semantics`` says how its out-edges
combine: ``one`` (a lock: exactly one of the held-by candidates is the holder), ``any`` (a
channel, a Cond: any releaser ends the wait), ``all`` (a WaitGroup: every releaser must finish)
or ``none`` (nothing can end it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..model import Dump, Goroutine
from .blocking import FOREVER_OPS, WAIT_OPS, Blocking
from .confidence import Confidence
from .holders import infer_lock_holders
from .index import GraphIndex
from .nodes import NodeId, gnode
from .releasers import infer_releasers
from .writers import infer_rw_writers

__all__ = ["Edge", "WaitGraph", "add_waits", "build_graph"]


@dataclass(frozen=True, slots=True)
class Edge:
    """One edge of the wait-for graph, with why we believe it."""

    src: NodeId
    dst: NodeId
    kind: str  # "waits-for" | "held-by" | "can-release"
    confidence: Confidence
    evidence: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "confidence", Confidence(self.confidence))

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "kind": self.kind,
            "confidence": str(self.confidence),
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class WaitGraph:
    """The wait-for graph of one dump (``graph``) and what was needed to build it."""

    graph: nx.DiGraph
    blockings: dict[int, Blocking]
    goroutines: dict[int, Goroutine]
    notes: list[str] = field(default_factory=list)
    #: goroutines that are alive (running, runnable, syscall, IO wait, sleep) or may be (select)
    alive: frozenset[int] = frozenset()
    #: goroutine id -> ids related to it (same creator, children, shared pointers), on demand
    related: Any = None
    #: the indexes the graph was built from (pointer words, creator groups)
    index: GraphIndex | None = None

    def edge(self, src: str, dst: str) -> Edge:
        d = self.graph.edges[src, dst]
        return Edge(NodeId(src), NodeId(dst), d["kind"], Confidence(d["confidence"]), d["evidence"])

    def edges(self, nodes: Iterable[str] | None = None) -> list[Edge]:
        g = self.graph if nodes is None else self.graph.subgraph(nodes)
        return [Edge(u, v, d["kind"], Confidence(d["confidence"]), d["evidence"]) for u, v, d in g.edges(data=True)]

    def resource_of(self, gid: int) -> str | None:
        """The node a goroutine waits on, if any."""
        n = gnode(gid)
        if n not in self.graph:
            return None
        for _, r, d in self.graph.out_edges(n, data=True):
            if d["kind"] == "waits-for":
                return str(r)
        return None


def build_graph(dump: Dump, blockings: dict[int, Blocking] | None = None) -> WaitGraph:
    """The wait-for graph of a dump (see the module docstring for nodes, edges and evidence)."""
    ix = GraphIndex(dump, blockings)
    ix.build_indexes()
    add_waits(ix)
    infer_lock_holders(ix)
    infer_rw_writers(ix)
    infer_releasers(ix)
    return WaitGraph(
        graph=ix.G,
        blockings=ix.b,
        goroutines=ix.gs,
        notes=ix.notes,
        alive=frozenset(ix.alive),
        related=ix.related,
        index=ix,
    )


def add_waits(ix: GraphIndex) -> None:
    """A ``waits-for`` edge from every waiting goroutine to the node of the object it waits on."""
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
    # the node of each exactly printed object, named once (thousands of goroutines wait on a lock)
    exact_nodes: dict[tuple[str, int], str] = {}
    gname = ix._gname
    gs = ix.gs
    shape = ix.shape
    shape_of = ix._shape_of
    waiters = ix.waiters
    res_node = ix.res_node
    for gid, bl in ix.b.items():
        op = bl.op
        forever = op in FOREVER_OPS
        if bl.system or not (op in WAIT_OPS or forever):
            continue
        address = bl.address
        if address is None and (op == "select" or op == "chan-send" or op == "chan-recv"):
            cb = gs[gid].created_by
            sid = shape_of.get(gid)
            if sid is None:
                sid = shape(gid)
            pk = (op, sid, None if cb is None else (cb.function.full, cb.parent_id), bl.handles)
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
            bkind = bl.kind
            if bkind is not None and address is not None:
                # ix.res_of's answer for an exact address, without the call
                nk = (bkind, address)
                node = exact_nodes.get(nk)
                if node is None:
                    node = exact_nodes[nk] = f"{bkind}@{address:#x}"
                addr, conf, ev = address, "certain", bl.source
            else:
                node, addr, conf, ev = ix.res_of(gid)
            kind = bkind or "sema"
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
    ix.G.add_nodes_from(res.items())
    ix.G.add_edges_from(edges)
