"""Rule family: who an RWMutex's blocked readers wait for (``can-release`` edges from a
``#writer`` gate) and, when a writer waits too, which reader holds the read lock (``held-by``).

RLock waits while a writer is pending: a goroutine blocked in ``RWMutex.Lock`` on the same
address can release the gate (``high``). When the address is not printed, the one pending writer
in sight is matched to it (``medium``; several: ``low`` each), and with no writer waiting the
writer holding the lock may be read from the struct the readers reach it through
(:func:`~.reentry.held_write_lock`). With a writer waiting and no holder found, the readers
themselves are the candidates by elimination (recursive RLock), singled out by a reader that
re-enters RLock from its callers (:func:`~.reentry.recursion_evidence`).
"""

from __future__ import annotations

from collections import defaultdict

from .holders import holder_evidence
from .index import MAX_CANDIDATES, GraphIndex
from .nodes import gnode
from .reentry import held_write_lock, match_unprinted_readers, recursion_evidence, unprinted_gate

__all__ = ["infer_rw_writers"]


def infer_rw_writers(ix: GraphIndex) -> None:
    """RLock waiters queue behind a pending writer: the gate node -> writer goroutines."""
    writers: dict[int, list[int]] = defaultdict(list)
    unknown_writers: list[int] = []
    for gid, bl in ix.b.items():
        if bl.system or bl.op != "rwmutex-lock":
            continue
        node = ix.res_node.get(gid)
        addr = ix.G.nodes[node]["address"] if node else None
        if addr is None:
            unknown_writers.append(gid)
        else:
            writers[addr].append(gid)
    if not writers and len(unknown_writers) == 1:
        unprinted_gate(ix, unknown_writers[0])
    match_unprinted_readers(ix, writers)
    gates = [n for n in ix.waiters if n.endswith("#writer")]
    orphan_gates = []
    for gate in gates:
        addr = ix.G.nodes[gate]["address"]
        ws = writers.get(addr, [])
        if ws:
            for w in ws:
                ix.add_edge(
                    gate,
                    gnode(w),
                    "can-release",
                    "high",
                    f"goroutine {w} is blocked in RWMutex.Lock on {addr:#x}: RLock waits until it has locked and unlocked",
                )
        else:
            orphan_gates.append(gate)
    if not unknown_writers:
        for gate in orphan_gates:
            held_write_lock(ix, gate)
    if orphan_gates and unknown_writers:
        conf = "medium" if len(orphan_gates) == 1 and len(unknown_writers) == 1 else "low"
        for gate in orphan_gates:
            for w in unknown_writers[:MAX_CANDIDATES]:
                ix.add_edge(
                    gate,
                    gnode(w),
                    "can-release",
                    conf,
                    f"goroutine {w} is blocked in RWMutex.Lock on an RWMutex whose address is not printed; it is the only pending writer in sight"
                    if conf == "medium"
                    else f"goroutine {w} is one of {len(unknown_writers)} pending writers whose RWMutex is not printed",
                )
                # the writer waits for the readers of this RWMutex to leave
                wn = ix.res_node.get(w)
                if wn is not None and wn.startswith("rwmutex?") and ix.G.out_degree(wn) == 0:
                    base = gate[: -len("#writer")]
                    ix.G.add_edge(
                        gnode(w),
                        base,
                        kind="waits-for",
                        confidence=conf,
                        evidence="the pending writer's RWMutex, matched to the one its readers wait on",
                    )
                    ix.add_res(base, "rwmutex", ix.G.nodes[gate]["address"], "one")
                    ix.waiters[base].append(w)
    # Readers holding the lock: for each RWMutex with a pending writer and no holder found
    for gate in gates:
        base = gate[: -len("#writer")]
        if base not in ix.G:
            continue
        held = [(v, d) for _, v, d in ix.G.out_edges(base, data=True) if d["kind"] == "held-by"]
        waiting_writers = [w for w in ix.waiters.get(base, [])]
        if not waiting_writers:
            continue
        readers = ix.waiters.get(gate, [])
        # low candidates by elimination that are all blocked readers: a reader re-entering RLock
        # (recursion_evidence) may still single one out below
        weak = held and all(d["confidence"] == "low" and v in {gnode(r) for r in readers} for v, d in held)
        if held and not weak:
            continue
        # holder candidates among goroutines carrying the address were added already; here by
        # elimination: the blocked readers themselves (recursive RLock) when nothing alive is near
        if ix.alive_related(readers + waiting_writers):
            continue
        conf = "medium" if len(readers) == 1 else "low"
        addr = ix.G.nodes[base]["address"]
        reentrant = []
        if addr is not None:
            for r in readers:
                rev = recursion_evidence(ix, r, addr, ix.b[r].site or 0)
                if rev is not None:
                    reentrant.append((r, rev))
        if len(readers) > 1 and len(reentrant) == 1:
            # one reader re-enters RLock from a caller (recursion, or a method of the same type
            # below it): it holds the read lock; the others arrived after the writer
            r, rev = reentrant[0]
            for v, _ in held:
                ix.G.remove_edge(base, v)
            ix.add_edge(
                base,
                gnode(r),
                "held-by",
                "medium",
                f"by elimination: the writer waits for active readers, nothing alive is related, and of the "
                f"{len(readers)} blocked readers only goroutine {r} re-enters RLock: "
                + holder_evidence(ix, r, ("recursion", *rev), addr),
            )
            continue
        if held:
            continue
        for r in readers[:MAX_CANDIDATES]:
            ix.add_edge(
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
