"""The indexes the graph rules read: who carries which pointer word, who started whom, stack shapes.

:class:`GraphIndex` is built once per dump (:meth:`GraphIndex.build_indexes`) and then only read
by the rule families (:mod:`.holders`, :mod:`.releasers`) and the wait edges (:mod:`.graph`):

* ``word_refs`` / ``word_gids``: an exact pointer word that a waiting goroutine carries (or an
  object a goroutine waits on) -> the first :data:`MAX_SHARERS` goroutines carrying it;
  ``word_overflow`` the words carried by more (no evidence);
* ``lock_ev``: lock address -> the goroutines carrying it exactly, or carrying a word at most
  :data:`CONTAINER_SPAN` bytes below it (the start of a struct that may hold it);
* ``by_creator`` / ``children``: creator groups (creator function, parent goroutine id);
* shapes: a goroutine's function names as a small int.

Addresses are matched through dicts and one sorted list of lock addresses (bisect), never pair by
pair; every candidate list is capped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

from ..model import Dump, Goroutine
from .blocking import FOREVER_OPS, LIVE_OPS, WAIT_OPS, Blocking, Blockings, classify_all, is_waiting_library
from .blocking.columns import stacks_words
from .confidence import conf_rank
from .nodes import NodeId, gnode
from .refs import Row, scan_refs

__all__ = ["CONTAINER_SPAN", "MAX_CANDIDATES", "MAX_SHARERS", "MAX_SIBLING_GROUP", "GraphIndex"]

#: In a 64-bit process no Go heap object lies below this: words under it are static (globals,
#: types, itabs) or plain integers, never evidence that two goroutines share an object.
STATIC_LIMIT = 1 << 32
#: A pointer at most this many bytes below a lock may be the struct that contains it.
CONTAINER_SPAN = 4096
#: At most this many candidate holders / releasers per resource get an edge.
MAX_CANDIDATES = 16
#: Pointer words shared by more goroutines than this are not used as "related" evidence.
MAX_SHARERS = 64
#: A creator group (goroutines started by one function in one goroutine) larger than this is no
#: evidence: its members are not "related", and a waiter among them gets one live sibling as a
#: possible releaser instead of up to MAX_CANDIDATES (see ``GraphIndex._siblings_cached``).
MAX_SIBLING_GROUP = 4 * MAX_SHARERS


class _Related:
    """goroutine id -> related goroutine ids, computed on first use (bounded)."""

    def __init__(self, ix: GraphIndex):
        self._ix = ix
        self._cache: dict[int, set[int]] = {}

    def get(self, gid: int, default: Any = None) -> set[int]:
        got = self._cache.get(gid)
        if got is None:
            got = self._cache[gid] = self._ix.related_of(gid)
        return got

    def alive(self, gids: Iterable[int]) -> list[int]:
        return self._ix.alive_related(gids)


class GraphIndex:
    """The goroutines, their blockings, the wait-for graph being built and the indexes over them."""

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
        #: the dump lists only some goroutines (a goleak report): "no other goroutine carries it"
        #: proves nothing there
        tr = getattr(dump, "test_report", None)
        self.partial = getattr(tr, "tool", None) == "goleak"
        # waiters per resource node; the node each goroutine waits on (graph.add_waits)
        self.waiters: dict[str, list[int]] = defaultdict(list)
        self.res_node: dict[int, str] = {}

    def build_indexes(self) -> None:
        self.add_goroutines()
        self.scan_words()
        self.compute_related()
        self.resolve_unknown()

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

    def node(self, gid: int) -> NodeId:
        """The graph node of a goroutine."""
        return self._gname.get(gid) or gnode(gid)

    def add_goroutines(self) -> None:
        """A node per user goroutine (``type``, ``gid``, ``op``, ``state``); alive, stuck, forever."""
        self.alive: set[int] = set()
        self.stuck: set[int] = set()
        self.forever: set[int] = set()
        gids: list[int] = []
        names: list[NodeId] = []
        blocks: list[Blocking] = []
        alive, stuck, forever = self.alive, self.stuck, self.forever
        # goroutine id -> its node name (the very string that keys the graph's dicts)
        self._gname: dict[int, NodeId] = {}
        gname = self._gname
        for gid, b in self.b.items():
            op = b.op
            if op in FOREVER_OPS:
                forever.add(gid)
            if b.system:
                continue
            name = gname[gid] = gnode(gid)
            gids.append(gid)
            names.append(name)
            blocks.append(b)
            # b.live (not system here), select, other: alive; b.waiting or b.forever: stuck
            if op in LIVE_OPS or op == "select" or op == "other":
                alive.add(gid)
            elif op in WAIT_OPS or op in FOREVER_OPS:
                stuck.add(gid)
        graph = self.G
        if len(graph):
            graph.add_nodes_from(
                (name, {"type": "goroutine", "gid": gid, "op": b.op, "state": b.state})
                for name, gid, b in zip(names, gids, blocks)
            )
            return
        # Into an empty graph: the nodes without attributes (networkx's fast path; a (node, dict)
        # pair costs it a caught TypeError), then each one's attribute dict filled in place, in
        # the order they were added.
        graph.add_nodes_from(names)
        for (_, attrs), gid, b in zip(graph.nodes(data=True), gids, blocks):
            attrs["type"] = "goroutine"
            attrs["gid"] = gid
            attrs["op"] = b.op
            attrs["state"] = b.state

    def scan_words(self) -> None:
        """One pass over every exact pointer word of every user goroutine's frames.

        Builds ``self.gwords`` (a waiting goroutine's words from its call site outwards),
        ``self.word_refs`` / ``word_gids`` (word -> its first carriers, capped) for the words that
        waiting goroutines carry or that are waited on, and ``self.lock_ev`` (lock address ->
        evidence list) with the sorted-address bisect for locks and their containers
        (:func:`.refs.scan_refs`).
        """
        b = self.b
        gs = self.gs
        # Lock addresses (exact, or guessed from a single handle: resolved later). In the same
        # pass: the user goroutines (their stacks, user frames, own lock and call site), the
        # objects waited on, which of them wait.
        locks: dict[int, str] = {}
        ids: list[int] = []
        stacks: list[tuple[Any, ...]] = []
        ufs: list[tuple[int, ...]] = []
        owns: list[int | None] = []
        sites: list[int] = []
        waits: list[bool] = []
        addresses: set[int] = set()
        for gid, bl in b.items():
            addr = bl.address
            kind = bl.kind
            if addr is not None and (kind == "mutex" or kind == "rwmutex"):
                locks[addr] = kind
            if bl.system:
                continue
            if addr is not None:
                addresses.add(addr)
            g = gs.get(gid)
            if g is not None:
                ids.append(gid)
                stacks.append(g.frames)
                ufs.append(bl.user_frames)
                owns.append(addr if kind == "mutex" or kind == "rwmutex" else None)
                sites.append(bl.site or 0)
                op = bl.op
                waits.append(op in WAIT_OPS or op in FOREVER_OPS)
        self.lock_addrs = sorted(locks)
        self.lock_kinds = locks
        # Every user goroutine's words, read in dump order (blocking.stacks_words); a waiting
        # goroutine's count from its call site outwards.
        words = stacks_words(stacks, ufs)
        del stacks, ufs
        self._all_words = dict(zip(ids, words))
        self.gwords: dict[int, list[tuple[int, int]]] = {}
        gwords = self.gwords
        for k, gid in enumerate(ids):
            if waits[k]:
                ws = words[k]
                start = sites[k]
                if start and ws and ws[0][1] < start:
                    ws = words[k] = [(w, i) for w, i in ws if i >= start]
                gwords[gid] = ws
        # Static words are no shared objects: in a 64-bit process nothing on the Go heap lies
        # below 4 GiB, so a word there is a global, a type or itab, or a plain integer (a
        # duration, a size). Carrying one says nothing about two goroutines (a waited-on object
        # at a static address, a package-level mutex or WaitGroup, is still matched exactly).
        wide = any(w >= STATIC_LIMIT for w in addresses) or any(w >= STATIC_LIMIT for ws in words for w, _ in ws)
        self.static_limit = STATIC_LIMIT if wide else 0
        rows: list[Row] = [row for row in zip(ids, words, owns, sites, waits) if row[1]]
        # in goroutine order (self.gs), which is the blockings' order when classify_all made them
        order = [gid for gid in gs if gid in self._all_words]
        if order != ids:
            at = {gid: k for k, gid in enumerate(order)}
            rows.sort(key=lambda row: at[row[0]])
        refs, gids, overflow, lock_ev = scan_refs(
            rows, addresses, locks, self.static_limit, MAX_SHARERS, 4 * MAX_CANDIDATES, CONTAINER_SPAN
        )
        #: word -> [(gid, frame index)] of its first carriers; word_gids the same goroutine ids
        self.word_refs: dict[int, list[tuple[int, int]]] = refs
        self.word_gids: dict[int, list[int]] = gids
        self.word_overflow: set[int] = overflow
        # lock address -> [(gid, frame idx, word, how)]; how: "exact" | "container"
        self.lock_ev: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list, lock_ev)

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
        # stack shape -> (goroutine, creator function) of every goroutine its functions started
        # with no parent id printed (created_by_frames)
        self._started_by_shape: dict[int, list[tuple[int, str]]] = {}
        # per creator group: shape -> members, alive ones first (bounded sibling candidates)
        self._groups: dict[tuple[str, int | None], dict[int, list[int]]] = {}
        self._sib_cache: dict[tuple, list[int]] = {}
        # a rule's per-dump result, computed once whatever the number of resources asking
        # (key: the rule's module name; see reentry.once_holder, hints.hint_index)
        self.rule_memo: dict[str, Any] = {}
        # large creator group -> its alive members (id, shape), those not in a select first
        self._group_live: dict[tuple[str, int | None], list[tuple[int, int]]] = {}
        # creator group -> (creator function, what the evidence of a sibling adds)
        self._creator_text: dict[tuple[str, int | None], tuple[str, str]] = {}
        # creator group -> its live members standing for it in alive_related, sorted
        self._alive_by_group: dict[tuple[str, int | None], list[int]] = {}
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
            ranked = sorted((b[x].op == "select", x) for x in alive.intersection(self.by_creator[key]) if x in self.gs)
            shape = self.shape
            live = self._group_live[key] = [(x, shape(x)) for _, x in ranked]
            n = len(self.by_creator[key])
            who = key[0] if key[1] is None else f"{key[0]} in goroutine {key[1]}"
            self.notes.append(
                f"{who} started {n} goroutines: in a creator group this large, being started by the same "
                f"function is no evidence; a wait among them gets one live sibling as a possible releaser "
                f"(not up to {MAX_CANDIDATES})" + ("" if live else ", and none of them is alive")
            )
        for x, sid in live:
            if sid != ck[1]:
                return [x]
        return []

    def alive_related(self, ws: Iterable[int], limit: int = MAX_CANDIDATES) -> list[int]:
        """The lowest-id ``limit`` live goroutines related to any of ``ws`` (same creator group:
        the first two members of each stack shape; children; pointer sharers), not among ``ws``
        and not the dumper. Empty exactly when none is in sight.

        Each creator group's candidates are listed once (sorted, :meth:`_group_alive`), and every
        source is read only as far as ``limit`` survivors: a call costs O(limit + |ws|), not the
        size of the group (a server's main.main starts thousands)."""
        wl = list(ws)
        wset = set(wl)
        out: set[int] = set()
        seen_keys = set()
        gs = self.gs
        alive = self.alive
        b = self.b
        need = limit + len(wset)
        for w in wl[: 4 * MAX_CANDIDATES]:
            cb = gs[w].created_by
            if cb is not None:
                key = (cb.function.full, cb.parent_id)
                if key not in seen_keys:
                    seen_keys.add(key)
                    for x in self._group_alive(key)[:need]:
                        if x not in wset:
                            out.add(x)
            for c in self.children.get(w, ())[: 4 * MAX_CANDIDATES]:
                if c in alive and c not in wset:
                    out.add(c)
            for word, _ in self.gwords.get(w, ()):
                if word in self.word_overflow:
                    continue
                for x, _ in self.word_refs.get(word, ()):
                    if x in alive and x not in wset and not b[x].dumper:
                        out.add(x)
        return sorted(out)[:limit]

    def _group_alive(self, key: tuple[str, int | None]) -> list[int]:
        """The live, non-dumper goroutines among the first two members of each stack shape of a
        creator group, sorted by id (cached per group)."""
        got = self._alive_by_group.get(key)
        if got is None:
            alive = self.alive
            b = self.b
            got = sorted(
                x
                for members in self.group_shapes(key).values()
                for x in members[:2]
                if x in alive and not b[x].dumper
            )
            self._alive_by_group[key] = got
        return got

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
        if not self._orphan_creators:  # 1.21+ prints every creator's goroutine id
            return []
        # what the stack's functions started, the same for every goroutine of its shape: read
        # once per shape (thousands of waiters of one shape ask), then gid itself left out
        sid = self.shape(gid)
        every = self._started_by_shape.get(sid)
        if every is None:
            every = self._started_by_shape[sid] = [
                (x, f.function.full)
                for f in self.gs[gid].frames
                for x in self.by_creator.get((f.function.full, None), ())[: 4 * MAX_CANDIDATES]
            ]
        return [p for p in every if p[0] != gid][: 4 * MAX_CANDIDATES]

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
        sync = ("mutex", "rwmutex", "waitgroup", "cond")
        known: dict[str, list[int]] = defaultdict(list)
        # (in the same pass) the sync waits with no address but a handle, in goroutine order
        unknown: list[tuple[int, str, Blocking]] = []
        for gid, bl in self.b.items():
            kind = bl.kind
            if kind not in sync:
                continue
            if bl.address is not None:
                known[kind].append(bl.address)
            elif bl.handles and not bl.system:
                unknown.append((gid, kind, bl))
        for k in known:
            known[k] = sorted(set(known[k]))
        self.resolved: dict[int, tuple[int, str, str]] = {}
        for gid, kind, bl in unknown:
            addrs = known.get(kind, [])
            hit = None
            for h in bl.handles:
                pos = bisect_left(addrs, h)  # (addrs is sorted: no scan of it per handle)
                if pos < len(addrs) and addrs[pos] == h:
                    hit = (h, "medium", f"calling frame argument {h:#x} is the {kind} other goroutines wait on")
                    break
            if hit is None:
                for h in bl.handles:
                    pos = bisect_left(addrs, h)
                    if pos < len(addrs) and addrs[pos] - h <= CONTAINER_SPAN:
                        hit = (
                            addrs[pos],
                            "low",
                            f"calling frame argument {h:#x} points {addrs[pos] - h} bytes below a known {kind}",
                        )
                        break
            if hit is None and len(bl.handles) == 1:
                h = bl.handles[0]
                hit = (
                    h,
                    "low",
                    f"{kind} call inlined: assumed to be the calling frame's only pointer argument {h:#x}",
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
