"""Rule family: who could end a wait on a channel, WaitGroup or Cond (``can-release`` edges).

Candidates, strongest first: goroutines carrying the object's own address (``high``); for a
WaitGroup, the waiter's children and goroutines carrying the struct that holds it (``medium``);
goroutines sharing an exact pointer with the waiters (``medium`` when alive, else ``low``; a
pointer carried by more than :data:`~.index.MAX_SHARERS` goroutines is no evidence); and
*siblings*, goroutines of another stack shape started by the same function as a waiter (``low``);
for a WaitGroup, goroutines tied to the struct its waiter reaches it through only by corroborated
hint words (``low``, see :mod:`.hints`). When others carry that struct, a word below its start is
a neighbour's in the heap, not the WaitGroup's container.
Siblings are evidence only in a small creator group: in a group of more than
:data:`~.index.MAX_SIBLING_GROUP` goroutines a wait gets one live sibling, standing for the group.

Candidates are gathered as disjoint groups with set operations, and only the kept ones (at most
:data:`~.index.MAX_CANDIDATES` per resource) get their evidence written.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import filterfalse, repeat
from operator import itemgetter
from typing import Any

from . import onewaiter
from .hints import HintHit, corroborated_hints, hint_evidence, own_words, waitgroup_hints
from .index import CONTAINER_SPAN, MAX_CANDIDATES, MAX_SIBLING_GROUP, GraphIndex
from .nodes import gnode

__all__ = ["Releasers", "infer_releasers"]

_FIRST = itemgetter(0)


def infer_releasers(ix: GraphIndex) -> None:
    """Add the ``can-release`` edges of every channel, select, WaitGroup and Cond node."""
    Releasers(ix).infer_releasers()


class Releasers:
    """One pass over the waited-on objects of a graph, with the caches it fills on the way."""

    #: chan_counterparts' path for one waiter with nothing but siblings (tests turn it off to
    #: compare it with the general path)
    one_waiter_fast_path = True

    def __init__(self, ix: GraphIndex) -> None:
        self.ix = ix
        self._shape_members: defaultdict[int, set[int]] | None = None
        self._sorted_words: list[int] | None = None
        self._shared_texts: dict[tuple[int, int, int], str] = {}

    def infer_releasers(self) -> None:
        # candidates read the word / creator indexes, never the graph's edges: the can-release
        # edges of every resource are added at the end, in one call
        self._rel_edges: list[tuple[str, list[str], list[dict[str, str]]]] = []
        # word_refs holds no system goroutine (scan_words skips them); a dumper is no releaser
        self._dumpers = {gid for gid, bl in self.ix.b.items() if bl.dumper}
        # words no other goroutine shares as evidence: carried by one goroutine, or by too many
        self._unshared = self.ix.word_overflow.union([w for w, gl in self.ix.word_gids.items() if len(gl) == 1])
        # word -> {goroutine id: frame index} of word_refs[word], made on first use (_first_carried)
        self._word_pos: dict[int, dict[int, int]] = {}
        self._one_waiter: dict[tuple[Any, ...], onewaiter.Plan] = {}
        nodes = self.ix.G.nodes
        for node, ws in list(self.ix.waiters.items()):
            attrs = nodes[node]
            kind = attrs["kind"]
            if attrs["semantics"] == "none":
                continue
            if kind == "chan":
                self.chan_counterparts(node, ws, attrs)
            elif kind == "waitgroup":
                self.wg_workers(node, ws)
            elif kind == "cond":
                self.cond_signallers(node, ws)
            elif kind == "select":
                self.chan_counterparts(node, ws, attrs)
        # in the order found, as one add_edges_from would (the edges are new: a resource that had
        # out-edges got its releaser edges through add_edge)
        self.ix.G.add_edges_from([(node, v, d) for node, vs, ds in self._rel_edges for v, d in zip(vs, ds)])
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
        gwords = self.ix.gwords
        for w in ws:
            got = gwords.get(w)
            if got:
                words.update(map(_FIRST, got))
        return words

    def _sharers(self, words: set[int], wss: set[int]) -> set[int]:
        """Goroutines (not waiters, not the dumper) carrying one of ``words`` (overflowing words,
        carried by more than MAX_SHARERS goroutines, are no evidence)."""
        overflow = self.ix.word_overflow
        if overflow and not words.isdisjoint(overflow):
            words = words.difference(overflow)
        out: set[int] = set().union(*map(self.ix.word_gids.get, words, repeat(())))
        out.difference_update(wss)
        if self._dumpers:
            out.difference_update(self._dumpers)
        return out

    def _shared_evidence(self, words: set[int], gids: list[int]) -> dict[int, str]:
        """Evidence of sharers: the first of ``words`` (in set order) each carries, and where."""
        overflow = self.ix.word_overflow
        return self._first_carried(filterfalse(overflow.__contains__, words), gids, self._ev_shared)

    def _first_carried(
        self, words: Iterable[int], gids: Iterable[int], ev: Callable[[int, int, int], str]
    ) -> dict[int, str]:
        """For each of ``gids``: ``ev(gid, frame index, word)`` of the first of ``words`` it carries
        (by word_refs), if any."""
        need = set(gids)
        found: dict[int, str] = {}
        word_gids = self.ix.word_gids
        word_refs = self.ix.word_refs
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
        got = self._shape_members
        if got is None:
            got = defaultdict(set)
            self._shape_members = got
            shape_of = self.ix._shape_of
            shape = self.ix.shape
            for gid in self.ix.gs:
                x = shape_of.get(gid)
                got[shape(gid) if x is None else x].add(gid)
        return got.get(sid, set())

    def _ev_shared(self, gid: int, fi: int, word: int) -> str:
        """The evidence of a sharer, written once per (goroutine, frame, word): a goroutine sharing
        a word with many waits is the candidate of each of them."""
        key = (gid, fi, word)
        got = self._shared_texts.get(key)
        if got is None:
            fn = self.ix.gs[gid].frames[fi].function.full
            got = self._shared_texts[key] = f"{fn} (frame {fi}) carries {word:#x}, which the waiter carries too"
        return got

    def _ev_container(self, gid: int, fi: int, word: int, addr: int) -> str:
        fn = self.ix.gs[gid].frames[fi].function.full
        return f"{fn} (frame {fi}) carries {word:#x}, {addr - word} bytes below it"

    def _emit_groups(self, node: str, groups: list[tuple[str, Any, Any]]) -> None:
        """Edges to the strongest candidates, then by id, at most MAX_CANDIDATES (noted when more).

        ``groups``: disjoint ``(confidence, ids, evidence)``, strongest first, with ``ids`` a set
        or dict of goroutine ids and ``evidence(ids)`` -> {id: text} for the kept ones.
        """
        # a goroutine blocked forever (nil channel, select {}) never releases anything
        forever = self.ix.forever
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
            self.ix.notes.append(f"{node}: {total} possible releasers, kept {MAX_CANDIDATES}")
            self.ix.G.nodes[node]["more_releasers"] = total - MAX_CANDIDATES
            # keep any alive one so that the resource is not mistaken for stuck
            alive = self.ix.alive
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
        if self.ix.G.out_degree(node):
            # out-edges already there: keep the strongest of each (not the case for releasers)
            for conf, take, _ in kept:
                for gid in take:
                    self.ix.add_edge(node, gnode(gid), "can-release", conf, text[gid])
            return
        gname = self.ix._gname
        vs: list[str] = []
        ds: list[dict[str, str]] = []
        for conf, take, _ in kept:
            for gid in take:
                v = gname.get(gid)
                vs.append(gnode(gid) if v is None else v)
                ds.append({"kind": "can-release", "confidence": conf, "evidence": text[gid]})
        self._rel_edges.append((node, vs, ds))

    def _emit_siblings(self, node: str, sib: dict[int, int]) -> None:
        """:meth:`_emit_groups` for the one group ``("low", sib, sibling evidence)`` of a channel."""
        if not sib:
            return
        forever = self.ix.forever
        ids = sorted([s for s in sib if s not in forever]) if forever else sorted(sib)
        total = len(ids)
        kept = ids[:MAX_CANDIDATES]
        if total > MAX_CANDIDATES:
            self.ix.notes.append(f"{node}: {total} possible releasers, kept {MAX_CANDIDATES}")
            self.ix.G.nodes[node]["more_releasers"] = total - MAX_CANDIDATES
            # keep any alive one so that the resource is not mistaken for stuck
            alive = self.ix.alive
            if alive.isdisjoint(kept):
                a = alive.intersection(ids)
                if a:
                    kept.append(min(a))
        text = self._ev_siblings(sib, kept, "goroutine ")
        if self.ix.G.out_degree(node):
            for gid in kept:
                self.ix.add_edge(node, gnode(gid), "can-release", "low", text[gid])
            return
        gname = self.ix._gname
        self._rel_edges.append(
            (
                node,
                [gname.get(g) or gnode(g) for g in kept],
                [{"kind": "can-release", "confidence": "low", "evidence": text[g]} for g in kept],
            )
        )

    def _exact_refs(self, addr: int | None, wss: set[int]) -> dict[int, int]:
        """Goroutines (not waiters) carrying the object's own address -> frame index."""
        out: dict[int, int] = {}
        if addr is not None:
            for gid, fi in self.ix.word_refs.get(addr, ()):
                if gid not in wss:
                    out[gid] = fi
        return out

    def _ev_exact(self, high: dict[int, int], what: str) -> Any:
        gs = self.ix.gs

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
        gs = self.ix.gs
        shape = self.ix.shape
        for w in ws[:MAX_CANDIDATES]:
            cb = gs[w].created_by
            if cb is None:
                continue
            ck = ((cb.function.full, cb.parent_id), shape(w))
            if ck in seen:
                continue
            seen.add(ck)
            got = self.ix._sib_cache.get(ck)
            if got is None:
                got = self.ix._siblings_cached(ck)
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
        cb = self.ix.gs[w].created_by
        assert cb is not None  # callers pass only waiters that have a creator (see _siblings_of)
        key = (cb.function.full, cb.parent_id)
        got = self.ix._creator_text.get(key)
        if got is None:
            n = len(self.ix.by_creator.get(key, ()))
            large = (
                f", one of {n}: it stands for the live ones, any of which may end the wait"
                if n > MAX_SIBLING_GROUP
                else ""
            )
            got = self.ix._creator_text[key] = (key[0], large)
        return got

    def chan_counterparts(self, node: str, ws: list[int], attrs: dict[str, Any] | None = None) -> None:
        """``attrs``: the node's attributes, when the caller has them."""
        addr = (self.ix.G.nodes[node] if attrs is None else attrs)["address"]
        if (
            self.one_waiter_fast_path
            and addr is None
            and len(ws) == 1
            and not self.ix._orphan_creators
            and not self.ix.children.get(ws[0])
        ):
            # Most channel and select waits of a big dump: one waiter, no address, no child; its
            # candidates are its siblings and the few goroutines of another shape sharing a
            # pointer with it: onewaiter.py writes the general path's edges without its groups.
            w = ws[0]
            words = self._shared_words(ws, [])
            if words.issubset(self._unshared):
                onewaiter.emit_siblings(self, node, w)
                return
            shared = self._sharers(words, {w})
            rest = shared.difference(self._members(self.ix.shape(w)))
            if not rest:
                onewaiter.emit_siblings(self, node, w)
                return
            if onewaiter.emit_shared(self, node, w, words, rest):
                return
            # (the general path's words and sharers: the same calls, made once)
            pre: tuple[set[int], set[int]] | None = (words, shared)
        else:
            pre = None
        wss = set(ws)
        high = self._exact_refs(addr, wss)
        shape = self.ix.shape
        shapes = {shape(w) for w in wss}
        if pre is None:
            words = self._shared_words(ws, [addr] if addr else [])
            shared = self._sharers(words, wss)
        else:
            words, shared = pre
        if shared:
            if high:
                shared.difference_update(high)
            for sid in shapes:
                shared.difference_update(shared.intersection(self._members(sid)))
        med = shared.intersection(self.ix.alive)
        low = shared.difference(med) if med else shared
        sib = self._siblings_of(ws, wss, high, shared)
        children = self.ix.children
        ch: dict[int, int] = {}
        cbf: dict[int, tuple[str, int]] = {}
        for w in ws[:MAX_CANDIDATES]:
            for c in children.get(w, ())[:MAX_CANDIDATES]:
                if c not in wss and c not in high and c not in shared and c not in sib and c not in ch:
                    ch[c] = w
            if self.ix._orphan_creators:
                for c, f in self.ix.created_by_frames(w):
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
        addr = self.ix.G.nodes[node]["address"]
        high = self._exact_refs(addr, wss)
        children = self.ix.children
        # medium: children of a waiter, goroutines created by a function on its stack (<=1.20
        # prints no parent id), then container pointers; the first reason wins
        made: dict[int, str] = {}
        for w in wss:
            for c in children.get(w, ()):
                if c not in made and c not in high and c not in wss:
                    made[c] = f"goroutine {c} was started by the waiter, goroutine {w}"
            if self.ix._orphan_creators:
                for c, f in self.ix.created_by_frames(w):
                    if c not in made and c not in high and c not in wss:
                        made[c] = f"goroutine {c} was created by {f}, which is on the waiter's stack (goroutine {w})"
        sib: dict[int, int] = {}
        if not high and not made:
            sib = self._siblings_of(ws, wss)
        cont: set[int] = set()
        window: list[int] = []
        hint: dict[int, tuple[HintHit, int]] = {}
        if addr is not None:
            # a container pointer: a worker holding the struct that holds the WaitGroup
            window = self._container_words(addr)
            word_gids = self.ix.word_gids
            own = own_words(self.ix, ws, addr)
            # only when no candidate is alive could hint words change what the dump says
            near: list[Iterable[int]] = [high, made, sib]
            if own:
                near += [word_gids[w] for w in window if w >= min(own)]
            if own and all(map(self.ix.alive.isdisjoint, near)):
                # goroutines printing, with ?, the struct the waiter reaches it through (hints.py)
                hx = waitgroup_hints(self.ix)
                for x in sorted(own, reverse=True):
                    for gid, got in corroborated_hints(self.ix, hx.get(x, ()), wss).items():
                        hint.setdefault(gid, got)
                if hint or any(g not in wss for x in own if x != addr for g in word_gids.get(x, ())):
                    # others carry that struct itself: a word below its start is a neighbour's
                    window = [x for x in window if x >= min(own)]
            for word in window:
                cont.update(word_gids[word])
            cont.difference_update(wss)
            for taken in (high, made, sib):
                if taken:
                    cont.difference_update(taken)
            for gid in [g for g in hint if g in high or g in made or g in sib or g in cont]:
                del hint[gid]

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
                ("low", hint, lambda gids: {g: hint_evidence(self.ix, g, *hint[g], addr) for g in gids}),
            ],
        )

    def _container_words(self, addr: int) -> list[int]:
        """The indexed words (carried by waiters) at most CONTAINER_SPAN bytes below addr, in order."""
        sw = self._sorted_words
        if sw is None:
            sw = self._sorted_words = sorted(self.ix.word_refs)
        return sw[bisect_left(sw, addr - CONTAINER_SPAN) : bisect_left(sw, addr)]

    def cond_signallers(self, node: str, ws: list[int]) -> None:
        wss = set(ws)
        addr = self.ix.G.nodes[node]["address"]
        high = self._exact_refs(addr, wss)
        words = self._shared_words(ws, [addr] if addr else [])
        shared = self._sharers(words, wss)
        if shared and high:
            shared.difference_update(high)
        med = shared.intersection(self.ix.alive)
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
