"""Rule family: who holds a lock that goroutines wait on (``held-by`` edges).

Holder inference, strongest first:

1. a goroutine not waiting on lock L whose frames (at or above its own blocking call) carry L's
   address exactly (``high``) or the address of a struct that contains it, a pointer at most
   :data:`~.index.CONTAINER_SPAN` bytes below L (``medium``);
2. a goroutine waiting on L whose frames *above* the blocking call carry L or its container: a
   re-lock (self-deadlock). A method of the same receiver type on the same receiver above the
   locking method is ``high``; the lock's own address ``medium``; a container pointer passed to
   a plain function only ``low``;
3. by elimination, only when no live goroutine related to the waiters is in sight: the single
   waiter whose callers could have taken the lock (``medium``), else the single stuck sibling
   that is not waiting on L (``medium``); several candidates get ``low`` edges each.

Among the candidates of rule 1, two more rules pick the holder out: *mutual exclusion*
(:func:`crowded`: goroutines standing two or more at one place carrying one mutex cannot all hold
it) and *the right object* (:func:`container_fit`: the offset below the lock the waiters reach it
through). Who holds an RWMutex that readers queue behind is :mod:`.writers`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from operator import attrgetter, itemgetter
from typing import Any

from ..model import Goroutine
from .blocking import Blockings
from .confidence import down
from .index import CONTAINER_SPAN, MAX_CANDIDATES, GraphIndex
from .nodes import gnode, plural
from .reentry import (
    copied_lock,
    once_holder,
    recursion_evidence,
    top_word0,
)

__all__ = ["holder_evidence", "infer_lock_holders", "is_go_wrapper"]

_FIRST = itemgetter(0)
#: a frame's place in the code: (function, file, line)
_POINT = attrgetter("function.full", "file", "line")
_ID = attrgetter("id")
#: how the node of a lock is spelled (:mod:`.nodes`: ``KIND@0x…``, ``KIND?g…``)
_LOCK_PREFIXES = ("mutex@", "mutex?", "rwmutex@", "rwmutex?")


def crowded(ix: GraphIndex) -> dict[int, set[int]]:
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
    gs = ix.gs
    res_node = ix.res_node
    kinds = ix.lock_kinds
    b = ix.b
    # RWMutexes a writer waits on for the writer lock: another writer holds it, alone
    exclusive = {
        ix.G.nodes[node]["address"]
        for node, ws in ix.waiters.items()
        if node.startswith("rwmutex@") and any(b[x].role == "writer-lock" for x in ws[:MAX_CANDIDATES])
    }
    # The frames from the top down to frame fi, as a small number: equal numbers, equal
    # (function, file, line) of every one of those frames. Goroutines of one bucket (the same
    # state and the same function, file and line in every frame) share it for every fi: it
    # is made once per (bucket, fi), which keeps deep stacks (GOTRACEBACK=crash) cheap.
    bucket: dict[int, int] = {}
    if isinstance(b, Blockings) and b.goroutines is ix.dump.goroutines:
        bucket = dict(zip(map(_ID, b.goroutines), b.bucket_of))
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
    for L, evs in ix.lock_ev.items():  # noqa: N806
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


def infer_lock_holders(ix: GraphIndex) -> None:
    gs = ix.gs
    bs = ix.b
    crowd_of = crowded(ix)
    nodes = ix.G.nodes
    for node, ws in list(ix.waiters.items()):
        if not node.startswith(_LOCK_PREFIXES):  # (a lock's node is spelled as one)
            continue
        attrs = nodes[node]
        if attrs["kind"] not in ("mutex", "rwmutex") or attrs["address"] is None:
            continue
        L = attrs["address"]  # noqa: N806
        wset = set(ws)
        offsets = waiter_offsets(ix, ws, L)
        crowd = crowd_of.get(L, ())
        inside = main_struct(ix, ws, L, offsets)
        # gid -> (free, score, fits, how its evidence reads: (form, frame index, word)). free
        # is 0 for a goroutine at a crowded point (see crowded): mutual exclusion rules it out
        # while any other candidate is left; fits is below 0 for a container pointer that is
        # more likely another object's (see container_fit), which only breaks ties between
        # equal scores. The first offer of a goroutine's best rank wins, and only the kept ones
        # get their evidence written.
        cands: dict[int, tuple[int, int, int, tuple[str, int, int]]] = {}
        for gid, fi, w, how in ix.lock_ev.get(L, ()):
            fits, free = 0, 1
            if gid not in wset:
                bl = bs.get(gid)
                if bl is None or bl.dumper:
                    continue
                score, ev = (3, ("exact", fi, w)) if how == "exact" else (2, ("container", fi, w))
                if how != "exact":
                    if inside is not None and w < inside[0] and cannot_contain(ix, gid, fi, w):
                        ix.notes.append(
                            f"{node}: goroutine {gid} carries {w:#x}, {L - w} bytes below the lock, as the receiver "
                            f"of {gs[gid].frames[fi].function.full}, a type outside package main that cannot hold "
                            f"the struct the waiters reach the lock through ({inside[1]}): not its container"
                        )
                        continue
                    fits = container_fit(ix, L, w, offsets)
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
                if score > 1 and ix.alive_related([gid]):
                    # a re-lock is read from frames alone; with live goroutines related to the
                    # waiter in sight, one of them may hold the lock instead: a lead only
                    score, ev = 1, (ev[0] + "+open", fi, w)
            old = cands.get(gid)
            if old is None or old[:3] < (free, score, fits):
                cands[gid] = (free, score, fits, ev)
        if not ix.partial and not any(g not in wset for g in cands):
            _in_frame_holders(ix, ws, L, cands)
        if not ix.partial and not any(c[0] and c[1] >= 3 for c in cands.values()):
            # a lock copied while held: nobody but the copy's goroutine can have it
            copies = [(x, cp) for x in ws[:MAX_CANDIDATES] if (cp := copied_lock(ix, x, L)) is not None]
            if len(copies) == 1:
                x, (fi, state) = copies[0]
                score = 1 if ix.alive_related([x]) else 2
                cands = {x: (1, score, 0, ("copied" if score == 2 else "copied+open", fi, state))}
        if not any(c[0] and c[1] >= 2 for c in cands.values()):
            # no word says who holds it: for a sync.Once's mutex the Once's code does
            once = once_holder(ix, ws)
            if once is not None:
                cands = {once[0]: (1, 2, 0, ("once", once[1], L))}
        _crowded_relockers(ix, cands, wset)
        if cands and not any(c[0] for c in cands.values()):
            # every goroutine carrying it stands at a crowded point: none of them holds it
            ix.notes.append(
                f"{node}: the {plural(len(cands), 'goroutine')} carrying the lock's address "
                + ("stands" if len(cands) == 1 else "each stand")
                + " at a line where several goroutines carry the same lock, so none is taken as the holder"
            )
            ix.G.nodes[node]["other_candidates"] = sorted(cands)[:MAX_CANDIDATES]
            cands = {}
        if cands:
            emit_holders(ix, node, cands, L, offsets)
            continue
        eliminate(ix, node, ws)


def _in_frame_holders(ix: GraphIndex, ws: list[int], lock: int, cands: dict[int, tuple[int, int, int, Any]]) -> None:
    """Waiters blocked in a method of the lock's own struct (the blocking frame's receiver is the
    lock or lies at most CONTAINER_SPAN bytes below it), when no other goroutine carries it: the
    lock may have been taken earlier in that very frame (``mu.Lock(); ...; mu.Lock()``) or by its
    callers. Offered as ``in-frame`` candidates (medium); standing two or more at one place rules
    them out (:func:`_crowded_relockers`), and live related goroutines make it a lead."""
    limit = ix.static_limit
    for gid in ws[:MAX_CANDIDATES]:
        site = ix.b[gid].site
        frames = ix.gs[gid].frames
        if site is None or site >= len(frames):
            continue
        sf = frames[site]
        rec = recursion_evidence(ix, gid, lock, site)
        if rec is not None:
            score, rev = 2, ("recursion", *rec)
            if ix.alive_related([gid]):
                score, rev = 1, ("recursion+open", *rec)
            old = cands.get(gid)
            if old is None or old[:2] <= (1, score):
                cands[gid] = (1, score, 0, rev)
            continue
        r = top_word0(sf.args_text) if sf.function.receiver else None
        if r is None or r < limit or not 0 <= lock - r <= CONTAINER_SPAN:
            continue
        score, ev = 2, ("in-frame", site, r)
        if ix.alive_related([gid]):
            score, ev = 1, ("in-frame+open", site, r)
        old = cands.get(gid)
        if old is None or old[:2] < (1, score):
            cands[gid] = (1, score, 0, ev)


def _crowded_relockers(ix: GraphIndex, cands: dict[int, tuple[int, int, int, Any]], wset: set[int]) -> None:
    """Mutual exclusion among the waiters: two or more waiters that would re-lock the lock from
    the same place (the same function and line in every frame down to the one carrying it)
    cannot all hold it, so that place is no evidence of holding it: each is set aside (free = 0)
    as a crowded point is."""
    points: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for gid, c in cands.items():
        if gid in wset:
            fi = c[3][1]
            frames = ix.gs[gid].frames[: fi + 1]
            points[tuple((f.function.full, f.line) for f in frames)].append(gid)
    for gids in points.values():
        if len(gids) > 1:
            for gid in gids:
                c = cands[gid]
                cands[gid] = (0, c[1], c[2], c[3])


def waiter_offsets(ix: GraphIndex, ws: list[int], lock: int) -> set[int]:
    """How far below the lock the struct its waiters reach it through lies: the offsets (1 to
    :data:`CONTAINER_SPAN` bytes) of the pointer words every waiter that carries one carries
    (the first MAX_CANDIDATES waiters); empty when they carry none, or none in common. A
    goroutine that carries a word at another offset below the lock points into another
    object: structs of one type allocated side by side put every neighbour's start within
    the span."""
    common: set[int] | None = None
    gwords = ix.gwords
    low = lock - CONTAINER_SPAN  # (0 < lock - w <= CONTAINER_SPAN)
    for x in ws[:MAX_CANDIDATES]:
        offs = {lock - w for w, _ in gwords.get(x, ()) if low <= w < lock}
        if offs:
            common = offs if common is None else common & offs
            if not common:
                break
    return common or set()


def main_struct(ix: GraphIndex, ws: list[int], lock: int, offsets: set[int]) -> tuple[int, str] | None:
    """(s, method) when the waiters reach the lock through one struct start s (the common offset
    of :func:`waiter_offsets`) and a waiter carries s as the receiver of a method of a type of
    package ``main``: the lock lies in that struct, so any object that holds the lock holds it."""
    if len(offsets) != 1:
        return None
    s = lock - next(iter(offsets))
    for x in ws[:MAX_CANDIDATES]:
        frames = ix.gs[x].frames
        for w, fi in ix.gwords.get(x, ()):
            f = frames[fi]
            if w == s and f.function.receiver and f.function.package == "main" and top_word0(f.args_text) == w:
                return (s, f.function.full)
    return None


def cannot_contain(ix: GraphIndex, gid: int, fi: int, w: int) -> bool:
    """A word carried as the receiver of a method of a non-generic type outside package ``main``
    points to a value of that type, which cannot hold a struct of package ``main`` (nothing
    imports main): it is another object, not the container of a lock that lies in one."""
    f = ix.gs[gid].frames[fi]
    return (
        bool(f.function.receiver)
        and f.function.package != "main"
        and "[" not in f.function.full
        and top_word0(f.args_text) == w
    )


def container_fit(ix: GraphIndex, lock: int, w: int, offsets: set[int]) -> int:
    """How well a word ``w`` below ``lock`` fits as the start of the struct holding it: 0 at
    an offset its waiters reach it through (``offsets``, see :meth:`waiter_offsets`), -1
    at another; when the waiters carry none, minus the number of other locks lying between
    ``w`` and ``lock`` (structs of one type allocated side by side put each neighbour's start
    below the lock too, with the neighbour's own lock in between)."""
    if offsets:
        return 0 if lock - w in offsets else -1
    addrs = ix.lock_addrs
    return bisect_right(addrs, w) - bisect_left(addrs, lock)


def holder_evidence(ix: GraphIndex, gid: int, ev: tuple[str, int, int], lock: int) -> str:
    form, fi, w = ev
    if form.endswith("+open"):
        return (
            holder_evidence(ix, gid, (form[: -len("+open")], fi, w), lock)
            + "; but live goroutines related to it are in sight, and any of them may hold the lock instead"
        )
    frames = ix.gs[gid].frames
    f = frames[fi]
    where = f"{f.function.full} (frame {fi}) argument {w:#x}"
    if form == "exact":
        return f"{where} is the lock's address"
    if form == "container":
        return f"{where} points {lock - w} bytes below the lock (its containing struct)"
    if form == "receiver":
        sf = frames[ix.b[gid].site or 0]
        return (
            f"re-lock: {where} is the receiver of a {f.function.receiver} method above {sf.function.full}, "
            "which locks it again"
        )
    if form == "relock":
        return f"re-lock: {where}, above the blocking call, is the lock's address"
    if form == "copied":
        return (
            f"copied while locked: {f.function.full} (frame {fi}) has a value receiver, printed with a locked "
            f"sync.Mutex inside (state {w:#x}); the lock it blocks on ({lock:#x}) is carried by no other goroutine "
            "and no pointer in that receiver reaches it: it is the copy's own mutex, taken locked, which nobody "
            "will unlock"
        )
    if form == "once":
        return (
            f"goroutine {gid} runs the function of a sync.Once in {f.function.full} (frame {fi}, line {f.line}), "
            "and is the only goroutine that does: a Once's mutex is locked only there, and held while that "
            "function runs, so it holds the one its waiters block on"
            + (
                " (its own wait is a re-entry: that function calls Do on the same Once)"
                if ix.res_node.get(gid) == f"mutex@{lock:#x}"
                else ""
            )
        )
    if form == "in-frame":
        off = "is the lock" if w == lock else f"points {lock - w} bytes below the lock (its struct)"
        return (
            f"self-deadlock in one frame?: goroutine {gid} blocks in {f.function.full}, a method whose receiver "
            f"{w:#x} {off}, and no other goroutine carries it: the lock was taken earlier in this frame "
            "(a second Lock where an Unlock was meant) or by its callers"
        )
    if form == "recursion":
        sf = frames[ix.b[gid].site or 0]
        return (
            f"self-deadlock by recursion?: goroutine {gid} blocks in {sf.function.full} (line {sf.line}), and "
            + ("it is" if f.function.full == sf.function.full else f"{f.function.full}, a method of the same type, is")
            + f" on its stack below, at line {f.line} (frame {fi}): the outer call may hold the lock the "
            f"inner one takes again; the goroutine carries it ({w:#x}) and no other goroutine does"
        )
    return f"re-lock?: {where}, above the blocking call, points {lock - w} bytes below the lock"


def emit_holders(
    ix: GraphIndex, node: str, cands: dict[int, tuple[int, int, int, Any]], lock: int, offsets: set[int]
) -> None:
    best = max(c[:3] for c in cands.values())
    bfree, bscore, bfits = best
    # the best candidates (in offer order), the weaker ones (with their scores), and those set
    # aside for standing at a crowded point, or (same score) for pointing into another object
    top: list[tuple[int, Any]] = []
    weaker: list[tuple[int, int]] = []
    crowd = other = 0
    for gid, c in cands.items():
        free, score, fits, ev = c
        if free == bfree and score == bscore and fits == bfits:
            top.append((gid, ev))
            continue
        weaker.append((gid, score))
        if free < bfree:
            crowd += 1
        elif score == bscore and fits < bfits:
            other += 1
    conf = {3: "high", 2: "medium", 1: "low"}.get(bscore, "low")
    if len(top) > 1:
        conf = down(conf)
    if len(top) > MAX_CANDIDATES:
        ix.notes.append(
            f"{node}: {len(top)} goroutines carry the lock's address; holder not inferred (kept {MAX_CANDIDATES})"
        )
        top = sorted(top, key=_FIRST)[:MAX_CANDIDATES]
        conf = "low"
    why = ""
    if other:
        why += (
            f"; {plural(other, 'other goroutine')} "
            + ("carries" if other == 1 else "carry")
            + " a pointer below it that is more likely another object's"
        )
        if offsets:
            why += f" (not {', '.join(map(str, sorted(offsets)))} bytes below, where its waiters reach it)"
        else:
            why += " (with another lock between it and this one)"
    if crowd:
        why += (
            f"; {plural(crowd, 'other goroutine')} "
            + ("carries it too, but at a line" if crowd == 1 else "carry it too, but each at a line")
            + " where several goroutines carry the same lock, so "
            + ("it is not the one holder" if crowd == 1 else "none of them is the one holder")
        )
    for gid, ev in top:
        amb = f" (one of {len(top)} candidates)" if len(top) > 1 else ""
        ix.add_edge(node, gnode(gid), "held-by", conf, holder_evidence(ix, gid, ev, lock) + amb + why)
    # weaker candidates are recorded on the node for the renderer
    rest = sorted(weaker)
    if rest:
        ix.G.nodes[node]["other_candidates"] = [gid for gid, _ in rest[:MAX_CANDIDATES]]


def eliminate(ix: GraphIndex, node: str, ws: list[int]) -> None:
    """No goroutine carries the lock: reason by elimination when nothing alive is near."""
    wset = set(ws)
    alive_rel = ix.alive_related(ws)
    if alive_rel:
        ix.G.nodes[node]["orphan"] = False
        ix.G.nodes[node]["alive_related"] = alive_rel[:MAX_CANDIDATES]
        return
    # 1. a waiter whose callers could have taken the lock (self re-lock)
    relockers = [w for w in ws if has_callers(ix, w)]
    if relockers:
        # mutual exclusion: re-lockers standing two or more at one place (the same function and
        # line in every frame) cannot all hold the lock from there; ruled out while a lone one is left
        lone, set_aside = _lone(ix, relockers)
        if set_aside:
            relockers = lone
        conf = "medium" if len(relockers) == 1 else "low"
        why = (
            f"; {len(set_aside)} other waiter(s) (goroutine {', '.join(map(str, set_aside[:5]))}) stand two or more "
            "at one place, and a mutex has one holder: ruled out"
            if set_aside
            else ""
        )
        for w in relockers[:MAX_CANDIDATES]:
            ix.add_edge(
                node,
                gnode(w),
                "held-by",
                conf,
                "by elimination: no other goroutine carries this lock and nothing alive is related; "
                f"a caller of {site_func(ix, w)} in goroutine {w} may hold it (re-lock)" + why,
            )
        return
    # 2. a stuck sibling that does not wait on this lock
    related: set[int] = set()
    for w in ws[:MAX_CANDIDATES]:
        related |= ix.related_of(w)
    related -= wset
    wshapes = {ix.shape(w) for w in ws[:MAX_CANDIDATES]}
    stuck_sib = sorted(
        x for x in related if x in ix.stuck and ix.res_node.get(x) != node and ix.shape(x) not in wshapes
    )
    if stuck_sib:
        # mutual exclusion: candidates standing two or more at one place (the same function and
        # line in every frame) cannot all hold the lock; ruled out while a lone one is left
        alone, crowd = _lone(ix, stuck_sib)
        ranked = sorted(alone) if alone else stuck_sib
        why = ""
        if crowd:
            why = (
                f"; {plural(len(crowd), 'other candidate')} (goroutine {', '.join(map(str, crowd[:5]))}) stand two or more "
                "at one place, and a mutex has one holder: ruled out"
            )
        conf = "medium" if len(ranked) == 1 else "low"
        for x in ranked[:MAX_CANDIDATES]:
            ix.add_edge(
                node,
                gnode(x),
                "held-by",
                conf,
                f"by elimination: goroutine {x} ({site_func(ix, x)}, {ix.b[x].state}) is "
                + ("the only stuck goroutine" if len(ranked) == 1 else f"one of {len(ranked)} stuck goroutines")
                + " related to the waiters that do not wait on the lock, "
                "and no goroutine carries its address (a package-level lock?)"
                + why,
            )
        return
    ix.G.nodes[node]["orphan"] = True


def _lone(ix: GraphIndex, gids: list[int]) -> tuple[list[int], list[int]]:
    """(those of ``gids`` alone at their place, the others) when at least one is alone, else
    (``gids``' first ones, []): two or more at one place (the same function and line in every
    frame) cannot all hold one mutex from there."""
    points: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for x in gids[: 4 * MAX_CANDIDATES]:
        g = ix.gs[x]
        # the closure a go statement is wrapped in (one per go statement: gowrap1, gowrap2...)
        # and runtime.goexit below it only call: they hold nothing, so they make no other place
        points[
            tuple(
                (f.function.full, f.line)
                for f in g.frames
                if f.function.full != "runtime.goexit" and not is_go_wrapper(f, g)
            )
        ].append(x)
    alone = [x for xs in points.values() if len(xs) == 1 for x in xs]
    return (alone, sorted(set(gids) - set(alone))) if alone else (list(gids), [])


def has_callers(ix: GraphIndex, gid: int) -> bool:
    """Does the blocking call site have a user caller (a go-statement wrapper does not count)?"""
    bl = ix.b[gid]
    if bl.site is None:
        return False
    g = ix.gs[gid]
    return any(not is_go_wrapper(f, g) for _, f in ix.user_frames_from(g, bl.site + 1))


def site_func(ix: GraphIndex, gid: int) -> str:
    bl = ix.b[gid]
    g = ix.gs[gid]
    if bl.site is not None and bl.site < len(g.frames):
        return g.frames[bl.site].function.full
    return g.frames[0].function.full if g.frames else "?"


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
