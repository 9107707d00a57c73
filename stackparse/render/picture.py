"""The picture of a wait-for graph the renderers draw (DOT, Mermaid, the HTML report's SVG): nodes,
edges, clusters, and which nodes and edges of the analysis a picture shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ._common import NFinding, PEdge, View, at_least, goroutine_id
from .words import readable


@dataclass
class PNode:
    key: str
    kind: str  # "goroutine" | "resource" | "group"
    lines: list[str]
    cycle: bool = False
    role: str = "finding"  # "finding" | "behind" | "other"
    ids: tuple[int, ...] = ()


@dataclass
class Cluster:
    title: str
    keys: list[str] = field(default_factory=list)


@dataclass
class Picture:
    nodes: dict[str, PNode] = field(default_factory=dict)
    edges: list[PEdge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    #: a line said under the drawing (e.g. the arrows left out of it)
    caption: str = ""
    #: how heavy an edge (source, target) is, for the layout to keep the heavy ones pointing right
    weights: dict[tuple[str, str], float] | None = None

    def add_node(self, node: PNode, cluster: Cluster | None) -> None:
        if node.key in self.nodes:
            return
        self.nodes[node.key] = node
        if cluster is not None:
            cluster.keys.append(node.key)

    def mark_cycles(self) -> None:
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        g.add_edges_from((e.source, e.target) for e in self.edges)
        comp: dict[str, int] = {}
        for i, scc in enumerate(nx.strongly_connected_components(g)):
            if len(scc) > 1:
                for k in scc:
                    comp[k] = i
        for e in self.edges:
            if e.source == e.target or (e.source in comp and comp.get(e.source) == comp.get(e.target)):
                e.cycle = True
            if e.cycle:
                self.nodes[e.source].cycle = True
                self.nodes[e.target].cycle = True


def ordered_edges(f: NFinding) -> list[PEdge]:
    """A finding's edges in reading order: the chain of waits walked from its first goroutine
    (goroutine -> resource -> holder -> ...), then whatever is left."""
    by_source: dict[str, list[int]] = {}
    for i, e in enumerate(f.edges):
        by_source.setdefault(e.source, []).append(i)
    targets = {e.target for e in f.edges}
    starts = [f"g:{g}" for g in f.goroutines] + [e.source for e in f.edges if e.source not in targets]
    starts += [e.source for e in f.edges]
    used: list[int] = []
    seen: set[int] = set()
    for s in starts:
        cur = s
        while True:
            nxt = next((i for i in by_source.get(cur, []) if i not in seen), None)
            if nxt is None:
                break
            seen.add(nxt)
            used.append(nxt)
            cur = f.edges[nxt].target
    return [f.edges[i] for i in used]


def finding_picture(view: View, finding: Any, picture: Picture, cluster: Cluster | None, tag: str) -> None:
    """Add one finding's topology (and a node per group of goroutines behind it)."""

    def node(key: str) -> None:
        gid = goroutine_id(key)
        kind = "goroutine" if gid is not None else "resource"
        picture.add_node(PNode(key, kind, view.node_label_lines(key)), cluster)

    for gid in finding.goroutines:
        node(f"g:{gid}")
    for r in finding.resources:
        node(r)
    for e in finding.edges:
        node(e.source)
        node(e.target)
        picture.edges.append(PEdge(e.source, e.target, e.kind, e.confidence, e.evidence))
    if finding.blocked_behind:
        _behind_groups(view, finding, picture, cluster, tag)


def _behind_groups(view: View, finding: Any, picture: Picture, cluster: Cluster | None, tag: str) -> None:
    """Goroutines blocked behind a finding, one node per (what they wait on, where)."""
    members = {f"g:{g}" for g in finding.goroutines} | set(finding.resources)
    members |= {e.source for e in finding.edges} | {e.target for e in finding.edges}
    groups: dict[tuple[str, str], list[int]] = {}
    for gid in finding.blocked_behind:
        target = ""
        succ = view.successors(f"g:{gid}")
        if succ:
            inside = [t for t in succ if t in members]
            target = (inside or succ)[0]
        if not target or target not in members:
            target = f"g:{finding.goroutines[0]}" if finding.goroutines else ""
        f = view.site_frame(gid)
        groups.setdefault((target, "" if f is None else f.function.full), []).append(gid)
    for i, ((target, func), ids) in enumerate(groups.items()):
        key = f"behind:{tag}:{i}"
        g0 = view.goroutine(ids[0])
        lines = [f"{len(ids)} goroutine{'s' if len(ids) != 1 else ''} blocked behind"]
        if func:
            lines.append(func)
        if g0 is not None:
            lines.append(g0.state)
        picture.add_node(PNode(key, "group", lines, role="behind", ids=tuple(ids)), cluster)
        if target and target in picture.nodes:
            picture.edges.append(PEdge(key, target, "waits-for", "", "blocked behind the finding"))


def build_picture(view: View, all: bool = False, min_confidence: str | None = None, top: int | None = None) -> Picture:
    """The wait-for graph to draw: each finding's topology (one cluster per finding, in the
    order of every report, cut by ``min_confidence`` / ``top`` as they are) or, with ``all``,
    every blocked goroutine and what it waits on, transitively."""
    pic = Picture()
    from .plan import finding_order

    ordered = sorted(enumerate(view.findings), key=lambda p: finding_order(p[1].confidence, p[1].kind, p[0]))
    ordered = [p for p in ordered if at_least(p[1].confidence, min_confidence)][:top]
    for i, (_, f) in enumerate(ordered):
        cl = Cluster(f"{f.kind} ({f.confidence}): {readable(f.title)}")
        pic.clusters.append(cl)
        finding_picture(view, f, pic, cl, str(i))
    if all:
        seeds = [f"g:{gid}" for gid, b in sorted(view.blocking.items()) if is_blocked(b)]
        keep: set[str] = set(pic.nodes) | set(seeds)
        stack = list(seeds)
        while stack:
            k = stack.pop()
            for t in view.successors(k):
                if t not in keep:
                    keep.add(t)
                    stack.append(t)
        for k in sorted(keep - set(pic.nodes), key=_node_sort_key):
            gid = goroutine_id(k)
            kind = "goroutine" if gid is not None else "resource"
            pic.add_node(PNode(k, kind, view.node_label_lines(k), role="other"), None)
        have = {(e.source, e.target) for e in pic.edges}
        for e in view.graph_edges():
            if e.source in keep and e.target in keep and (e.source, e.target) not in have:
                pic.edges.append(e)
                have.add((e.source, e.target))
    pic.mark_cycles()
    return pic


def is_blocked(blocking: Any) -> bool:
    """``Blocking.blocked`` (architecture.md), or ``waiting`` as blocking.py spells it."""
    for attr in ("blocked", "waiting"):
        v = getattr(blocking, attr, None)
        if isinstance(v, bool):
            return v
    return False


def _node_sort_key(k: str) -> tuple[int, int, str]:
    gid = goroutine_id(k)
    return (0, gid, "") if gid is not None else (1, 0, k)


