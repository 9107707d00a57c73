"""Corroborated hint words: where a word printed with ``?`` may tie goroutines together.

Go prints a register argument with ``?`` (``0xc000012345?``) when the runtime cannot tell whether
the stack slot it read still holds that argument: the callee may not have spilled it, so the slot
holds what an earlier call, or an earlier goroutine on a reused stack, left there. Such a word is
never a fact here. It is used in one place only, the possible releasers of a WaitGroup
(:meth:`.releasers.Releasers.wg_workers`), and only *corroborated*:

* the word equals an exact, heap-sized word the WaitGroup's waiter itself carries at most
  :data:`~.index.CONTAINER_SPAN` bytes below (or at) the WaitGroup: the struct it reaches the
  WaitGroup through, a live object at that moment;
* two or more goroutines print that same word at the same parameter position of the same function
  (one stale slot is an accident; the same live address in the same slot of several goroutines
  is what passing that struct to that function leaves there).

Such a goroutine becomes a ``low`` candidate releaser, its evidence saying that the link rests on
printed-maybe-stale words. The index is built at most once per dump, and only when a WaitGroup
waiter carries such a word and no candidate releaser of its WaitGroup is alive (then the hint words
could change nothing): one pass over the user frames' argument texts, a column at a time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from .blocking.words import top_words
from .index import CONTAINER_SPAN, MAX_CANDIDATES, GraphIndex

__all__ = ["HINT_MARK", "HintHit", "corroborated_hints", "hint_evidence", "hint_index", "own_words", "waitgroup_hints"]

#: Words every evidence text of a link made of hint words contains (and only those).
HINT_MARK = "the link rests on printed-maybe-stale words"

#: A hex word of heap size printed with ``?`` (its digits).
_HINT = re.compile(r"0x([0-9a-f]{5,})\?")
#: Up to this many words are looked for one by one (a C-level find each); more, a column is first
#: read for its hint words at once.
_FIND_MAX = 16

#: (goroutine id, frame index, parameter position) of a hint word.
HintHit = tuple[int, int, int]


def hint_index(ix: GraphIndex, targets: set[int]) -> dict[int, list[HintHit]]:
    """word -> where it is printed with ``?``, for the words of ``targets``, in the user frames of
    every user goroutine (not system ones, not the dumper); positions are top-level argument
    positions. Read a column of frames at a time (goroutines with the same user frames, frame i of
    each: one text), as the exact words are; memoised per index (``ix.rule_memo``), so that a later call for words
    an earlier one covered costs nothing."""
    got: tuple[frozenset[int], dict[int, list[HintHit]]] | None = ix.rule_memo.get("hints")
    if got is not None and targets <= got[0]:
        return got[1]
    out: dict[int, list[HintHit]] = defaultdict(list)
    if targets:
        _scan(ix, targets, out)
    ix.rule_memo["hints"] = (frozenset(targets), out)
    return out


def _scan(ix: GraphIndex, targets: set[int], out: dict[int, list[HintHit]]) -> None:
    b = ix.b
    gs = ix.gs
    groups: dict[tuple[int, ...], list[int]] = {}
    for gid in gs:
        bl = b.get(gid)
        if bl is None or bl.system or bl.dumper or not bl.user_frames:
            continue
        got = groups.get(bl.user_frames)
        if got is None:
            groups[bl.user_frames] = [gid]
        else:
            got.append(gid)
    pats = [f"{t:#x}?" for t in sorted(targets)]
    hexes = {f"{t:x}" for t in targets}
    for idxs, gids in groups.items():
        stacks = [gs[g].frames for g in gids]
        for i in idxs:
            joined = "\n".join([fr[i].args_text for fr in stacks])
            if "?" not in joined:
                continue
            if len(pats) > _FIND_MAX and hexes.isdisjoint(_HINT.findall(joined)):
                continue
            at: list[int] = []
            for pat in pats:
                p = joined.find(pat)
                while p != -1:
                    at.append(p)
                    p = joined.find(pat, p + len(pat))
            rows: dict[int, None] = {}
            k = last = 0
            for p in sorted(at):
                k += joined.count("\n", last, p)
                last = p
                rows[k] = None
            for k in rows:
                for pos, (v, exact) in enumerate(top_words(stacks[k][i].args_text)):
                    if v is not None and not exact and v in targets:
                        out[v].append((gids[k], i, pos))


def corroborated_hints(ix: GraphIndex, hits: Iterable[HintHit], skip: set[int]) -> dict[int, tuple[HintHit, int]]:
    """goroutine -> (its hit, how many goroutines print the word there) for the hits that two or
    more goroutines (not in ``skip``) share at one (function, parameter position); the first such
    hit of each goroutine."""
    by_slot: dict[tuple[str, int], list[HintHit]] = defaultdict(list)
    for h in hits:
        gid, fi, pos = h
        if gid in skip:
            continue
        by_slot[(ix.gs[gid].frames[fi].function.full, pos)].append(h)
    out: dict[int, tuple[HintHit, int]] = {}
    for slot_hits in by_slot.values():
        n = len({h[0] for h in slot_hits})
        if n < 2:
            continue
        for h in slot_hits:
            if h[0] not in out:
                out[h[0]] = (h, n)
    return out


def own_words(ix: GraphIndex, ws: list[int], addr: int) -> set[int]:
    """The exact heap words the waiters ``ws`` carry at most CONTAINER_SPAN bytes below (or at)
    ``addr``: the struct they reach the WaitGroup through."""
    lo = max(addr - CONTAINER_SPAN, ix.static_limit)
    over = ix.word_overflow
    return {x for w in ws[:MAX_CANDIDATES] for x, _ in ix.gwords.get(w, ()) if lo <= x <= addr and x not in over}


def waitgroup_hints(ix: GraphIndex) -> dict[int, list[HintHit]]:
    """:func:`hint_index` of the words every WaitGroup's waiters reach it through (one pass)."""
    targets: set[int] = set()
    nodes = ix.G.nodes
    for node, ws in ix.waiters.items():
        a = nodes[node]
        if a["kind"] == "waitgroup" and a["address"] is not None:
            targets |= own_words(ix, ws, a["address"])
    return hint_index(ix, targets)


def hint_evidence(ix: GraphIndex, gid: int, h: HintHit, n: int, addr: int) -> str:
    """The evidence of a releaser tied to a WaitGroup at ``addr`` by the hint ``h`` that ``n``
    goroutines print alike."""
    _, fi, pos = h
    f = ix.gs[gid].frames[fi]
    word = top_words(f.args_text)[pos][0]
    assert word is not None
    return (
        f"{f.function.full} (frame {fi}) prints argument {pos} as {word:#x}?, as {n} goroutines do "
        f"there; the waiter carries {word:#x} exactly, {addr - word} bytes below the WaitGroup; "
        f"{HINT_MARK}: a ? word is a slot the callee may not have spilled, so it may hold an "
        "earlier value"
    )
