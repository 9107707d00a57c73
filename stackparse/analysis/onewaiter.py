"""The one-waiter paths of :meth:`.releasers.Releasers.chan_counterparts`.

Most channel and select waits of a big dump have one waiter, no address, no child and no
orphan creator. Their candidates are then the waiter's siblings and, for some, a few goroutines
of another shape sharing a pointer with it. These functions write the same edges as the general
path (``_siblings_of`` and ``_emit_groups``) without its groups, closures and set unions; what
does not depend on the waiter (its siblings, their node names and the start of their evidence)
is made once per (creator group, shape). They hand a resource back to the general path when it
has more than MAX_CANDIDATES candidates (its note and ``more_releasers``) or already has
out-edges (``GraphIndex.add_edge``'s keep-the-strongest rule).
"""

from __future__ import annotations

from typing import Any, Protocol

from .index import MAX_CANDIDATES, GraphIndex
from .nodes import gnode

#: (the waiter's siblings as _siblings_of takes them, those kept (not blocked forever) sorted,
#: their node names, the start of their evidence, the "large group" words)
Plan = tuple[list[int], list[int], list[str], list[str], str]

_NO_PLAN: Plan = ([], [], [], [], "")


class Releasers(Protocol):
    """What these functions use of :class:`.releasers.Releasers` (not imported: no cycle)."""

    ix: GraphIndex
    _one_waiter: dict[tuple[Any, ...], Plan]
    _rel_edges: list[tuple[str, list[str], list[dict[str, str]]]]

    def _creator_of(self, w: int) -> tuple[str, str]: ...

    def _emit_siblings(self, node: str, sib: dict[int, int]) -> None: ...

    def _shared_evidence(self, words: set[int], gids: list[int]) -> dict[int, str]: ...


def sibling_plan(rel: Releasers, w: int) -> Plan | None:
    """The siblings of the waiter ``w`` (None when w has no creator), cached per (creator, shape)."""
    ix = rel.ix
    cb = ix.gs[w].created_by
    if cb is None:
        return None
    ck = ((cb.function.full, cb.parent_id), ix.shape(w))
    plan = rel._one_waiter.get(ck)
    if plan is None:
        got = ix._sib_cache.get(ck)
        if got is None:
            got = ix._siblings_cached(ck)
        # got holds no member of w's shape (so not w) and no id twice
        part = got[: 2 * MAX_CANDIDATES]
        forever = ix.forever
        kept = sorted([x for x in part if x not in forever]) if forever else sorted(part)
        f, large = rel._creator_of(w)
        gname = ix._gname
        plan = rel._one_waiter[ck] = (
            part,
            kept,
            [gname.get(g) or gnode(g) for g in kept],
            [f"goroutine {x} was started by the same function ({f}) as goroutine " for x in kept],
            large,
        )
    return plan


def emit_siblings(rel: Releasers, node: str, w: int) -> None:
    """``_emit_siblings(node, _siblings_of([w], {w}))``, for a resource with the one waiter w and
    no other candidate."""
    plan = sibling_plan(rel, w)
    if plan is None:
        return
    part, _, vs, heads, large = plan
    if len(part) > MAX_CANDIDATES or rel.ix.G.out_degree(node):
        rel._emit_siblings(node, dict.fromkeys(part, w))
        return
    if vs:
        tail = f"{w}{large}"
        rel._rel_edges.append(
            (node, vs, [{"kind": "can-release", "confidence": "low", "evidence": h + tail} for h in heads])
        )


def emit_shared(rel: Releasers, node: str, w: int, words: set[int], rest: set[int]) -> bool:
    """The general path's edges for the one waiter w whose sharers of another shape are ``rest``
    (``words``: the words it carries); False, having done nothing, when that path is needed."""
    ix = rel.ix
    plan = sibling_plan(rel, w) or _NO_PLAN
    part, kept, vs, heads, large = plan
    if len(part) > MAX_CANDIDATES or ix.G.out_degree(node):
        return False
    forever = ix.forever
    med = rest.intersection(ix.alive)
    low = rest.difference(med) if med else set(rest)
    if forever:
        med.difference_update(forever)
        low.difference_update(forever)
    # a sibling sharing a word is a sharer (the stronger reason, found first)
    sib = {g: i for i, g in enumerate(kept) if g not in rest}
    if len(med) + len(low) + len(sib) > MAX_CANDIDATES:
        return False
    text = rel._shared_evidence(words, [*med, *low])
    gname = ix._gname
    out_v: list[str] = []
    out_d: list[dict[str, str]] = []
    for g in sorted(med):
        v = gname.get(g)
        out_v.append(gnode(g) if v is None else v)
        out_d.append({"kind": "can-release", "confidence": "medium", "evidence": text[g]})
    if sib:
        low.update(sib)
    tail = f"{w}{large}"
    for g in sorted(low):
        i = sib.get(g)
        if i is None:
            v = gname.get(g)
            out_v.append(gnode(g) if v is None else v)
            out_d.append({"kind": "can-release", "confidence": "low", "evidence": text[g]})
        else:
            out_v.append(vs[i])
            out_d.append({"kind": "can-release", "confidence": "low", "evidence": heads[i] + tail})
    rel._rel_edges.append((node, out_v, out_d))
    return True
