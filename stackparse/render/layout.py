"""A small layered (Sugiyama-style) layout for drawing wait-for graphs without graphviz.

Cycles are broken by reversing the DFS back edges, nodes are put in layers by longest path,
and each layer is ordered by a few barycentre sweeps. Good enough for the few dozen nodes of
a finding; it is linear-ish, so a few thousand nodes are fine too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import networkx as nx


@dataclass(frozen=True, slots=True)
class Layout:
    layer: dict[str, int]  # node -> column
    order: dict[str, int]  # node -> row within its column
    reversed_edges: frozenset[tuple[str, str]]  # edges that point backwards (drawn as loops)
    layers: tuple[tuple[str, ...], ...]


def layered_layout(
    nodes: list[str],
    edges: list[tuple[str, str]],
    sweeps: int = 4,
    weights: dict[tuple[str, str], float] | None = None,
) -> Layout:
    """Columns and rows for ``nodes``: an edge points right unless it closes a cycle. With
    ``weights``, the edges reversed to break cycles are the lightest of each cycle (so the
    strong waits point right); nodes with no edge at all fill the shortest columns."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, t in edges:
        if s in succ and t in succ and t not in succ[s]:
            succ[s].append(t)
    # 1. Break cycles: DFS (iterative), back edges are reversed; or, weighted, the lightest edge
    # of each cycle networkx finds, until none is left.
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    if weights is not None:
        back = _lightest_cuts(succ, weights)
        state = {n: 2 for n in nodes}
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if state.get(w) == 1:
                    back.add((v, w))
                elif w not in state:
                    state[w] = 1
                    stack.append((w, iter(succ[w])))
                    break
            else:
                state[v] = 2
                stack.pop()
    dag: dict[str, list[str]] = {n: [] for n in nodes}
    indeg = {n: 0 for n in nodes}
    for s in nodes:
        for t in succ[s]:
            if s == t:
                continue
            a, b = (t, s) if (s, t) in back else (s, t)
            if b not in dag[a]:
                dag[a].append(b)
                indeg[b] += 1
    # 2. Longest-path layering: networkx's topological generations (a node one column right of
    # its furthest predecessor).
    dg = nx.DiGraph()
    dg.add_nodes_from(nodes)
    dg.add_edges_from((a, b) for a in nodes for b in dag[a])
    layer = {n: c for c, gen in enumerate(nx.topological_generations(dg)) for n in gen}
    # Pull each source with a single successor next to it (a group of waiters drawn beside the
    # resource they queue on, not in the first column with a long edge across the picture).
    has_pred = {b for a in nodes for b in dag[a]}
    for n in nodes:
        if n not in has_pred and len(dag[n]) == 1:
            layer[n] = max(layer[n], layer[dag[n][0]] - 1)
    depth = max(layer.values(), default=-1) + 1
    cols: list[list[str]] = [[] for _ in range(depth)]
    lone = [n for n in nodes if weights is not None and not dag[n] and n not in has_pred]
    for n in nodes:
        if n not in lone:
            cols[layer[n]].append(n)
    if lone and not any(cols):
        cols = [[]]
    for n in lone:  # a site nobody waits on and that waits on nothing drawn: where there is room
        c = min(range(len(cols)), key=lambda i: (len(cols[i]), i))
        cols[c].append(n)
        layer[n] = c
    # 3. Barycentre ordering, sweeping right then left.
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for a in nodes:
        for b in dag[a]:
            preds[b].append(a)
    pos = {n: i for col in cols for i, n in enumerate(col)}
    for sweep in range(sweeps):
        rng = range(1, depth) if sweep % 2 == 0 else range(depth - 2, -1, -1)
        for c in rng:
            nbr = preds if sweep % 2 == 0 else dag
            cols[c].sort(key=partial(_barycentre, nbr=nbr, pos=pos))
            for i, n in enumerate(cols[c]):
                pos[n] = i
    return Layout(layer, pos, frozenset(back), tuple(tuple(c) for c in cols))


def _lightest_cuts(succ: dict[str, list[str]], weights: dict[tuple[str, str], float]) -> set[tuple[str, str]]:
    g = nx.DiGraph((s, t) for s, ts in succ.items() for t in ts if s != t)
    cut: set[tuple[str, str]] = set()
    while True:
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            return cut
        s, t = min(((a, b) for a, b in cycle), key=lambda e: (weights.get(e, 0.0), e))
        g.remove_edge(s, t)
        cut.add((s, t))


def _barycentre(n: str, nbr: dict[str, list[str]], pos: dict[str, int]) -> float:
    ns = nbr[n]
    return sum(pos[m] for m in ns) / len(ns) if ns else pos[n]
