"""Rule family: deadlocks, the cycles of the wait-for graph whose goroutines are all doomed.

Each strongly connected component whose goroutines are all doomed is one ``deadlock`` finding.
Its confidence is the best level at which a cycle survives when weaker edges are dropped, raised
one level (at most to ``medium``) when the cycle goes through a lock or WaitGroup and no live
goroutine related to its members is in sight (closed world). The doomed goroutines that wait on
it transitively are its ``blocked_behind``. A cycle below ``medium`` is deferred: a leak reading
of the same goroutines may explain them better (:func:`late_deadlocks`).

Components are searched only among the nodes that cannot progress and reach a cycle, in the
order ``networkx.strongly_connected_components`` would report them.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from .confidence import CONFIDENCE, Confidence, Kind, conf_rank, up
from .doomed import Detection, site
from .evidence import creator_gone, min_ticket
from .findings import Finding
from .graph import Edge
from .holders import top_word0
from .nodes import gid_of, gnode, is_gnode

__all__ = ["MAX_CYCLES", "behind", "deadlocks", "late_deadlocks"]

#: Cycle enumeration budget per strongly connected component.
MAX_CYCLES = 32


def _sccs(succ: dict[str, dict[str, Any]], sources: Iterable[str]) -> Iterator[set[str]]:
    """The strongly connected components reachable from ``sources``, over the adjacency dict
    ``succ`` (``DiGraph._succ``).

    The algorithm and walk order of ``nx.strongly_connected_components`` (Tarjan with Nuutila's
    changes, iterative): with every node of the graph as ``sources``, in graph order, it yields
    the same components in the same order (a differential test holds it to that). Neighbour
    iterators are made when a node is first entered rather than for every node up front."""
    preorder: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    scc_found: set[str] = set()
    scc_queue: list[str] = []
    neighbors: dict[str, Iterator[str]] = {}
    i = 0
    for source in sources:
        if source in scc_found:
            continue
        queue = [source]
        while queue:
            v = queue[-1]
            it = neighbors.get(v)
            if it is None:
                i += 1
                preorder[v] = i
                it = neighbors[v] = iter(succ[v])
            done = True
            for w in it:
                if w not in preorder:
                    queue.append(w)
                    done = False
                    break
            if done:
                low = pv = preorder[v]
                for w in succ[v]:
                    if w not in scc_found:
                        pw = preorder[w]
                        if pw > pv:
                            lw = lowlink[w]
                            if lw < low:
                                low = lw
                        elif pw < low:
                            low = pw
                lowlink[v] = low
                queue.pop()
                if low == pv:
                    scc = {v}
                    while scc_queue and preorder[scc_queue[-1]] > pv:
                        scc.add(scc_queue.pop())
                    scc_found.update(scc)
                    yield scc
                else:
                    scc_queue.append(v)


def _cycle_reachers(succ: dict[str, dict[str, Any]], pred: dict[str, dict[str, Any]], nodes: list[str]) -> list[str]:
    """The nodes of ``nodes`` (a set closed under successors, in graph order) from which a cycle
    can be reached, in the same order: what is left when nodes whose successors are all gone
    are removed, repeatedly (sinks first)."""
    outdeg = dict(zip(nodes, map(len, map(succ.__getitem__, nodes))))
    stack = [n for n, k in outdeg.items() if not k]
    while stack:
        n = stack.pop()
        for p in pred[n]:
            k = outdeg.get(p)
            if k:
                outdeg[p] = k - 1
                if k == 1:
                    stack.append(p)
    return [n for n in nodes if outdeg[n]]


def _reaches_from(pred: dict[str, dict[str, Any]], targets: set[str], sources: set[str]) -> bool:
    """Whether a node of ``sources`` reaches a node of ``targets`` (a backward walk over the
    predecessor dict ``pred`` from ``targets``)."""
    if not targets.isdisjoint(sources):
        return True
    seen = set(targets)
    frontier = seen
    while frontier:
        nxt = set().union(*[pred[n] for n in frontier])
        nxt -= seen
        if not nxt.isdisjoint(sources):
            return True
        seen |= nxt
        frontier = nxt
    return False


def deadlocks(det: Detection) -> None:
    for comp in deadlock_components(det):
        one_deadlock(det, comp)


def deadlock_components(det: Detection) -> list[set[str]]:
    """The strongly connected components (2+ nodes) whose goroutines are all doomed, in the
    order ``nx.strongly_connected_components(graph)`` yields them.

    A component that holds a node that may progress lies wholly inside the progress closure
    (each of its nodes reaches that node), and the nodes outside the closure are closed
    under successors. So the components outside it are those of a walk that starts only
    from the nodes outside it (in graph order), over the same adjacency: a few thousand
    nodes on a 100k dump, instead of all of them. That walk yields them in the same order
    unless a node that may progress reaches one of them (then an earlier walk of the full
    graph may have entered it first): only then, and only with two or more of them, the
    whole graph is walked."""
    progress = det.progress_nodes
    doomed = det.doomed

    def qualifies(comp: set[str]) -> bool:
        if len(comp) < 2:
            return False
        gids = [gid_of(n) for n in comp if is_gnode(n)]
        gids = [x for x in gids if x is not None]
        return bool(gids) and all(x in doomed for x in gids)

    # Nodes that reach no cycle are in no component of 2+ nodes and do not change the order
    # in which the walk meets the others: only the nodes that reach a cycle are walked.
    core = _cycle_reachers(det._succ, det._pred, det.outside)
    comps = [c for c in _sccs(det._succ, core) if qualifies(c)]
    if len(comps) > 1 and progress and _reaches_from(det._pred, set().union(*comps), progress):
        comps = [c for c in nx.strongly_connected_components(det.G) if qualifies(c)]
    return comps


def late_deadlocks(det: Detection) -> None:
    """Low-confidence cycles, reported only for goroutines no leak finding explained."""
    for f in det.deferred:
        left = tuple(g for g in f.goroutines if g not in det.claimed)
        if len(left) != len(f.goroutines):
            continue
        det.claimed.update(left)
        det.findings.append(f)


def one_deadlock(det: Detection, comp: set[str]) -> None:
    graph = det.G
    sub = graph.subgraph(comp)
    best = None
    for level in reversed(CONFIDENCE):  # certain first
        keep = [(u, v) for u, v, d in sub.edges(data=True) if conf_rank(d["confidence"]) >= conf_rank(level)]
        if not keep:
            continue
        kept = nx.DiGraph(keep)
        subs = [c for c in nx.strongly_connected_components(kept) if len(c) > 1 and any(is_gnode(n) for n in c)]
        if subs:
            best = (level, set().union(*subs))
            break
    if best is None:
        return
    level, core = best
    gids = sorted(x for x in (gid_of(n) for n in core) if x is not None)
    res = sorted(n for n in core if not is_gnode(n))
    kinds = {graph.nodes[r]["kind"] for r in res}
    # closed world: no live goroutine related to the members, and the cycle needs a lock/WG. A
    # goleak report lists only the goroutines that outlived their test: the rest of the process
    # is not in sight, so nothing can be said of a closed world there.
    related_alive = set(det.wg.related.alive(gids)) if det.wg.related is not None else set()
    partial = det.wg.index is not None and det.wg.index.partial
    conf = level
    notes: list[str] = []
    strong = any(
        conf_rank(d["confidence"]) >= conf_rank("medium")
        for _, _, d in graph.subgraph(core).edges(data=True)
        if d["kind"] != "waits-for"
    )
    if (
        not related_alive
        and not partial
        and strong
        and kinds & {"mutex", "rwmutex", "rwmutex-writer", "waitgroup", "sema"}
        and conf_rank(conf) < conf_rank("medium")
    ):
        conf = up(conf, cap="medium")
        notes.append("closed world: no live goroutine related to the cycle is in sight, so nothing can break it")
    if not related_alive and not partial and conf_rank(conf) < conf_rank("medium") and _holders_inside(det, gids, core):
        conf = Confidence.MEDIUM
        notes.append(
            "evidence: each of these goroutines waits for a lock whose every possible holder is another of "
            "them (no other goroutine carries it, nothing alive is related): whichever holds which, some of "
            "them wait on each other"
        )
    if not related_alive and not partial and conf_rank(conf) < conf_rank("medium") and not selects_in(det, res):
        sealed = _sealed(det, gids, core)
        if sealed:
            conf = Confidence.MEDIUM
            notes.append(sealed)
    # ambiguous lock holders outside the cycle lower the confidence
    for r in res:
        if graph.nodes[r].get("semantics") == "one":
            outside = [v for v in graph.successors(r) if v not in core]
            if outside:
                conf = CONFIDENCE[max(0, conf_rank(conf) - 1)]
                notes.append(f"{r}: other possible holders outside the cycle: {', '.join(outside[:5])}")
    # a select whose cases are not printed is never a definite wait: a cycle through one is a lead
    selects = [r for r in res if kinds_of(graph, r) == "select"]
    if selects and not det.global_dl and conf_rank(conf) > conf_rank("low"):
        conf = Confidence.LOW
        notes.append(
            "the cycle goes through a select whose cases are not printed: "
            "a timer, context or other case may end it"
        )
    if det.global_dl and conf_rank(conf) >= conf_rank("medium"):
        conf = Confidence(max(conf, "high", key=conf_rank))
        notes.append("the runtime reported all goroutines asleep: these goroutines are certainly stuck")
    # sorted: a subgraph iterates its node set, whose order changes with PYTHONHASHSEED
    edges = tuple(
        Edge(u, v, d["kind"], d["confidence"], d["evidence"])
        for u, v, d in sorted(graph.subgraph(core).edges(data=True), key=lambda t: (t[0], t[1]))
    )
    title = deadlock_title(det, gids, res, edges)
    cycles_note = cycle_note(det, core)
    if cycles_note:
        notes.append(cycles_note)
    f = Finding(
        kind=Kind.DEADLOCK,
        confidence=Confidence(conf),
        title=title,
        goroutines=tuple(gids),
        resources=tuple(res),
        edges=edges,
        count=len(gids),
        rule="cycle",
        notes=tuple(notes),
    )
    if conf_rank(conf) < conf_rank("medium"):
        # a weak cycle: a leak reading of the same goroutines may be better
        det.deferred.append(f)
        return
    det.claimed.update(gids)
    det.findings.append(f)


def selects_in(det: Detection, res: list[str]) -> bool:
    return any(kinds_of(det.G, r) == "select" for r in res)


#: Definite waits a sealed cycle may go through (never a select: its cases are not printed).
_SEALED_OPS = frozenset({"chan-send", "chan-recv", "cond-wait"})


def _sealed(det: Detection, gids: list[int], core: set[str]) -> str | None:
    """A cycle of goroutines in definite channel or Cond waits whose only possible counterparts
    are each other (a receive only with its channel's address printed and carried; a Cond wait
    only at notify-list ticket 0), sealed off from everything else: the function that started each has
    returned, and every pointer argument they carry (at least one each, heap words, method
    receivers included only if others are there too) is carried by nobody outside the cycle.
    The evidence, or None."""
    ix = det.wg.index
    if ix is None or ix.partial or len(gids) < 2:
        return None
    members = set(gids)
    gone = []
    for g in gids:
        bl = det.b[g]
        if bl.op not in _SEALED_OPS:
            return None
        # a receive may be woken by the runtime (a timer's channel) or a closure no stack shows:
        # a printed channel must be carried by the goroutine itself; an unprinted one is read as
        # the receive leak rule reads it (evidence._alone_carries): every pointer the goroutine
        # carries, one at least not a method receiver, carried by nobody outside the cycle (below)
        if bl.op == "chan-recv" and bl.address is not None and bl.address not in {w for w, _ in ix.gwords.get(g, ())}:
            return None
        # a Cond whose notify list handed out tickets before this wait has a signaller somewhere
        if bl.op == "cond-wait" and min_ticket(det, [g]):
            return None
        r = det.res_of(g)
        if r is None or r not in core or not {gid_of(v) for v in det._succ[r]} <= members:
            return None
        why = creator_gone(det, g)
        if why is None:
            return None
        gone.append(why)
        frames = det.gs[g].frames
        words = [w for w, _ in ix.gwords.get(g, ()) if w >= ix.static_limit]
        plain = any(
            not frames[fi].function.receiver or top_word0(frames[fi].args_text) != w
            for w, fi in ix.gwords.get(g, ())
            if w >= ix.static_limit
        )
        if not words or not plain:
            return None
        for w in words:
            if w in ix.word_overflow or not members.issuperset(ix.word_gids.get(w, ())):
                return None
    unprinted = [g for g in gids if det.b[g].op == "chan-recv" and det.b[g].address is None]
    return (
        f"evidence: sealed cycle: each waits in a channel or Cond operation only another of them can end; "
        f"{gone[0]}; no goroutine outside them carries any pointer they carry, and nothing alive is related"
        + (
            f" (goroutine {unprinted[0]} receives on a channel the dump does not print: read from the pointers "
            "it carries, as a lone receiver's leak is)"
            if unprinted
            else ""
        )
    )


def _holders_inside(det: Detection, gids: list[int], core: set[str]) -> bool:
    """Every goroutine of ``gids`` waits on a mutex (one holder) whose every ``held-by``
    candidate is another goroutine of ``core``, and there is at least one. Then each goroutine
    waits for another of the set, whoever the real holders are, so the set holds a cycle."""
    succ = det._succ
    if len(gids) < 2:
        return False
    for g in gids:
        r = det.res_of(g)
        if r is None or r not in core or det._node[r].get("kind") not in ("mutex", "rwmutex"):
            return False
        if det._node[r].get("semantics") != "one":
            return False
        hs = [(v, d) for v, d in succ[r].items()]
        if not hs or any(d["kind"] != "held-by" or v not in core or v == gnode(g) for v, d in hs):
            return False
    return True


def cycle_note(det: Detection, core: set[str]) -> str:
    sub = det.G.subgraph(core)
    cycles = []
    try:
        for c in nx.simple_cycles(sub):
            cycles.append(c)
            if len(cycles) >= MAX_CYCLES:
                det.notes.append(f"cycle enumeration cut at {MAX_CYCLES} cycles in a component of {len(core)} nodes")
                break
    except Exception:  # pragma: no cover - networkx edge cases
        return ""
    if len(cycles) <= 1:
        return ""
    return f"{len(cycles)}{'+' if len(cycles) >= MAX_CYCLES else ''} cycles in this component"


def kinds_of(graph: nx.DiGraph, node: str) -> str | None:
    """The ``kind`` attribute of a resource node."""
    k = graph.nodes[node].get("kind")
    return None if k is None else str(k)


def deadlock_title(det: Detection, gids: list[int], res: list[str], edges: tuple[Edge, ...]) -> str:
    graph = det.G
    names = []
    for gid in gids[:4]:
        g = det.gs[gid]
        fn, _ = site(g, det.b[gid])
        names.append(f"{gid} ({fn})")
    more = f" +{len(gids) - 4}" if len(gids) > 4 else ""
    kinds = [graph.nodes[r]["kind"] for r in res]
    if len(gids) == 1:
        r = res[0] if res else "?"
        if any(e.kind == "held-by" and e.evidence.startswith("copied while locked") for e in edges):
            return f"self-deadlock: goroutine {names[0]} waits for {r}, a copy of a mutex taken while it was locked"
        return f"self-deadlock: goroutine {names[0]} waits for {r}, which it already holds (re-lock)"
    if any(k == "rwmutex-writer" for k in kinds) and any(det.b[g].op == "rwmutex-lock" for g in gids):
        return f"RWMutex deadlock: recursive RLock behind a pending writer: goroutines {', '.join(names)}{more}"
    through = ", ".join(res[:4]) + ("..." if len(res) > 4 else "")
    who = ", ".join(names) + more
    return f"deadlock: {len(gids)} goroutines wait on each other through {through}: {who}"


def behind(det: Detection) -> None:
    """Doomed goroutines waiting (transitively) on a deadlock: its blocked_behind."""
    pred = det._pred
    owner: dict[int, int] = {}
    new = []
    for idx, f in enumerate(det.findings):
        if f.kind != "deadlock":
            continue
        start = {gnode(g) for g in f.goroutines}
        seen: set[str] = set(start)
        q = deque(start)
        got: list[int] = []
        while q:
            n = q.popleft()
            for p in pred[n]:
                if p in seen:
                    continue
                if is_gnode(p):
                    gid = gid_of(p)
                    if gid is None or gid not in det.doomed or gid in det.claimed or gid in owner:
                        continue
                    owner[gid] = idx
                    got.append(gid)
                seen.add(p)
                q.append(p)
        new.append((idx, got))
    for idx, got in new:
        if got:
            f = det.findings[idx]
            det.findings[idx] = dataclasses.replace(f, blocked_behind=tuple(sorted(got)))
            det.claimed.update(got)
