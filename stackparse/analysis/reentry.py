"""Re-entry: a goroutine that blocks on a lock it may already hold, read from its own stack
(part of the holders family, :mod:`.holders`, which offers what this module finds as holder
candidates).

* :func:`recursion_evidence`: the blocking function is on the stack again below the blocking
  frame (recursion), or a method of the same type is, when the blocking method's receiver is the
  lock's struct (a callback re-entering its object); the goroutine carries the lock and nobody
  else does.
* :func:`copied_lock`: a value receiver printed with a locked mutex inside, blocking on a lock
  nobody carries and no pointer in it reaches: the copy's own mutex, taken locked.
* :func:`once_holder`: a lock taken in ``sync.(*Once).doSlow`` is a Once's own mutex, held only
  while the Once's function runs: the one goroutine of the dump inside such a function holds it.
* :func:`unprinted_gate`: with one pending writer and no RWMutex printed at all, the readers
  queue behind that writer.
* :func:`match_unprinted_readers`: an inlined RLock prints no RWMutex address; a reader blocked
  in a method whose receiver is the very struct a pending writer carries, and whose RWMutex
  that writer waits to Lock lies inside it, waits behind that writer.
"""

from __future__ import annotations

from typing import Any

from ..model import ArgGroup, ArgWord
from .blocking import top_words
from .index import CONTAINER_SPAN, MAX_CANDIDATES, GraphIndex
from .nodes import gnode

__all__ = [
    "copied_lock",
    "held_write_lock",
    "match_unprinted_readers",
    "once_holder",
    "recursion_evidence",
    "top_word0",
    "unprinted_gate",
]

def top_word0(args_text: str) -> int | None:
    """The first argument word of a frame when it is printed exactly (a method's receiver)."""
    ws = top_words(args_text)
    if ws and ws[0][1]:
        return ws[0][0]
    return None


def recursion_evidence(ix: GraphIndex, gid: int, lock: int, site: int) -> tuple[int, int] | None:
    """A waiter whose blocking function is on its own stack again below the blocking frame (a
    recursive call, direct or through other frames; or, when the blocking method's receiver is
    the lock's struct, another method of the same type: a callback re-entering it), which
    carries the lock (its address or a pointer at most CONTAINER_SPAN bytes below it) in a
    frame below the blocking one: the outer call, past the lock call its inner one blocks at,
    may hold the lock it locks again. (frame index of the outer call, word carried), or None."""
    frames = ix.gs[gid].frames
    sf = frames[site]
    fn = sf.function.full
    outer = next((i for i in range(site + 1, len(frames)) if frames[i].function.full == fn), None)
    if outer is None and sf.function.receiver:
        # a caller that is a method of the same type, when the blocking method's receiver is
        # the lock's struct (a callback that re-enters the object: Notify -> hook -> Watch)
        r = top_word0(sf.args_text)
        if r is not None and r >= ix.static_limit and 0 <= lock - r <= CONTAINER_SPAN:
            outer = next(
                (
                    i
                    for i in range(site + 1, len(frames))
                    if frames[i].function.receiver == sf.function.receiver
                    and frames[i].function.package == sf.function.package
                ),
                None,
            )
    if outer is None:
        return None
    for w, fi in ix.gwords.get(gid, ()):
        if fi > site and w >= ix.static_limit and 0 <= lock - w <= CONTAINER_SPAN:
            return (outer, w)
    return None


#: the one function that locks a sync.Once's (unexported) mutex, and the frames it calls it through
_ONCE_SLOW = "sync.(*Once).doSlow"
_LOCK_FRAMES = frozenset({"sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow"})


def _lock_caller(frames: Any) -> int | None:
    """The index of the frame that calls the blocking Mutex.Lock (the first one below it)."""
    for i, f in enumerate(frames):
        if f.function.full in _LOCK_FRAMES:
            j = i + 1
            while j < len(frames) and frames[j].function.full in _LOCK_FRAMES:
                j += 1
            return j if j < len(frames) else None
    return None


def once_holder(ix: GraphIndex, ws: list[int]) -> tuple[int, int] | None:
    """The holder of a sync.Once's mutex its waiters block on, by the Once's code: the waiters'
    Lock is called from ``sync.(*Once).doSlow``, so the lock is that Once's unexported mutex,
    which only doSlow locks, and holds while it runs ``f``. A doSlow frame that is not itself
    in that Lock call holds its Once's mutex. When exactly one goroutine in the whole dump (not
    a partial one) has such a frame, it holds this one: (goroutine id, frame index), else None."""
    if ix.partial or not ws:
        return None
    for x in ws[:MAX_CANDIDATES]:  # (all of them wait on one lock)
        frames = ix.gs[x].frames
        i = _lock_caller(frames)
        if i is None or frames[i].function.full != _ONCE_SLOW:
            return None
    runners: list[tuple[int, int]] | None = ix.rule_memo.get("once_runners")
    if runners is None:
        # one pass over the dump, whatever the number of Once locks waited on (at most two
        # runners are looked for)
        runners = []
        for gid, g in ix.gs.items():
            frames = g.frames
            for i, f in enumerate(frames):
                if f.function.full == _ONCE_SLOW and not (i and frames[i - 1].function.full in _LOCK_FRAMES):
                    runners.append((gid, i))  # its first such frame is enough
                    break
            if len(runners) > 1:
                break
        ix.rule_memo["once_runners"] = runners
    return runners[0] if len(runners) == 1 else None


def _locked_mutex(group: ArgGroup, new_layout: bool) -> int | None:
    """The state word of a locked sync.Mutex printed inside a value: ``{{}, {state, sema}}``
    (Go 1.24+: noCopy, then internal/sync.Mutex) or, in older layouts, ``{state, sema}``, both
    words exact and the state's locked bit (1) set. None when there is none."""
    todo = [group]
    while todo:
        g = todo.pop()
        items = g.items
        inner = items
        if new_layout:
            ok = len(items) == 2 and isinstance(items[0], ArgGroup) and not items[0].items
            inner = items[1].items if ok and isinstance(items[1], ArgGroup) else ()
        if len(inner) == 2 and all(isinstance(a, ArgWord) and not a.inaccurate for a in inner):
            state = inner[0].value if isinstance(inner[0], ArgWord) else None
            if state is not None and state & 1:
                return state
        todo.extend(a for a in items if isinstance(a, ArgGroup))
    return None


def _group_words(group: ArgGroup) -> list[int]:
    """The exact words printed inside a value, at any depth."""
    out: list[int] = []
    todo = [group]
    while todo:
        for a in todo.pop().items:
            if isinstance(a, ArgGroup):
                todo.append(a)
            elif not a.inaccurate and a.value is not None:
                out.append(a.value)
    return out


def copied_lock(ix: GraphIndex, gid: int, lock: int) -> tuple[int, int] | None:
    """A lock copied while it was held (a value receiver that carries a mutex): the frame that
    calls the blocking Lock is a method with a value receiver, printed by value with a locked
    sync.Mutex inside (:func:`_locked_mutex`); the lock is a heap address no other goroutine
    carries, and no word of that receiver points to it or up to CONTAINER_SPAN bytes below it
    (no pointer field reaches it). Then the lock is the copy's own mutex, copied locked: nobody
    holds the copy, and nobody will unlock it. (frame index of the method, state word), or None."""
    if lock < ix.static_limit or lock in ix.word_overflow:
        return None
    if any(g != gid for g in ix.word_gids.get(lock, ())):
        return None
    frames = ix.gs[gid].frames
    i = _lock_caller(frames)
    if i is None:
        return None
    f = frames[i]
    rcv = f.function.receiver
    args = f.args
    if not rcv or rcv.startswith("*") or not args or not isinstance(args[0], ArgGroup):
        return None
    new_layout = any(fr.function.full.startswith("internal/sync.") for fr in frames[:i])
    state = _locked_mutex(args[0], new_layout)
    if state is None or any(0 <= lock - w <= CONTAINER_SPAN for w in _group_words(args[0])):
        return None
    return (i, state)


def _unprinted_readers(ix: GraphIndex) -> list[tuple[int, str, tuple[Any, ...], int]]:
    """The user goroutines waiting in RLock on an RWMutex whose address the dump does not print
    (node ``rwmutex?g<id>``), with that node, their frames and the index of the blocking call."""
    out = []
    for gid, bl in ix.b.items():
        if bl.system or bl.op != "rwmutex-rlock":
            continue
        old = ix.res_node.get(gid)
        if old is None or not str(old).startswith("rwmutex?"):
            continue
        frames = ix.gs[gid].frames
        site = bl.site
        if site is not None and site < len(frames):
            out.append((gid, str(old), frames, site))
    return out


def match_unprinted_readers(ix: GraphIndex, writers: dict[int, list[int]]) -> None:
    """Readers blocked in an inlined RLock (their node ``rwmutex?g<id>``: no address printed)
    whose blocking frame is a method whose receiver ``r`` is printed exactly, when exactly one
    RWMutex ``L`` with pending writers (``writers``: address -> writer ids) lies at most
    CONTAINER_SPAN bytes above ``r`` and one of its writers carries ``r`` itself: an RLock waits
    only while a writer is pending, and reader and writer work on the one struct, so the reader
    queues behind that writer's gate (``medium``; the evidence says so). Readers that match no
    writer, or several, are left as they were."""
    limit = ix.static_limit
    for gid, old, frames, site in _unprinted_readers(ix):
        if not frames[site].function.receiver:
            continue
        r = top_word0(frames[site].args_text)
        if r is None or r < limit:
            continue
        fits = []
        for addr, ws in writers.items():
            if not 0 <= addr - r <= CONTAINER_SPAN:
                continue
            carriers = [w for w in ws if any(x == r for x, _ in ix.gwords.get(w, ()))]
            if carriers:
                fits.append((addr, carriers))
        if len(fits) != 1:
            continue
        addr, carriers = fits[0]
        _move_reader(ix, gid, old, addr, (
            "RLock blocks behind a pending writer; the RWMutex's address is not printed, but "
            f"{frames[site].function.full}'s receiver {r:#x} is the struct goroutine {carriers[0]} "
            f"carries while it waits to Lock the RWMutex at {addr:#x}, {addr - r} bytes into it"
        ))
    _readers_of_known_gates(ix)


def _move_reader(ix: GraphIndex, gid: int, old: str, addr: int, evidence: str) -> None:
    """Move reader ``gid``'s wait from its own ``rwmutex?g<id>`` node to the gate of the RWMutex
    at ``addr`` (``medium``, with ``evidence``)."""
    gate = f"rwmutex@{addr:#x}#writer"
    ix.add_res(gate, "rwmutex-writer", addr, "any")
    _rewire(ix, gid, old, gate, evidence)


def _rewire(ix: GraphIndex, gid: int, old: str, gate: str, evidence: str) -> None:
    """Goroutine ``gid`` waits on ``gate`` (``medium``, with ``evidence``) instead of ``old``; ``old``
    goes when nothing else is attached to it."""
    src = gnode(gid)
    if ix.G.has_edge(src, old):
        ix.G.remove_edge(src, old)
    if old in ix.waiters:
        ix.waiters[old] = [x for x in ix.waiters[old] if x != gid]
        if not ix.waiters[old]:
            del ix.waiters[old]
            if ix.G.degree(old) == 0:
                ix.G.remove_node(old)
    ix.G.add_edge(src, gate, kind="waits-for", confidence="medium", evidence=evidence)
    ix.waiters[gate].append(gid)
    ix.res_node[gid] = gate


def _readers_of_known_gates(ix: GraphIndex) -> None:
    """Readers blocked in an inlined RLock (no address printed) whose blocking frame carries,
    as exactly printed arguments, the address of exactly one RWMutex another reader already
    waits on (its gate node): they wait on that same RWMutex (``medium``)."""
    gates = {ix.G.nodes[n]["address"]: n for n in list(ix.waiters) if n.endswith("#writer")}
    gates.pop(None, None)
    if not gates:
        return
    for gid, old, frames, site in _unprinted_readers(ix):
        words = {w for w, exact in top_words(frames[site].args_text) if exact and w is not None}
        fits = sorted(w for w in words if w in gates and w >= ix.static_limit)
        if len(fits) != 1:
            continue
        addr = fits[0]
        others = [x for x in ix.waiters.get(gates[addr], ()) if x != gid]
        if not others:
            continue
        _move_reader(ix, gid, old, addr, (
            "RLock blocks behind a writer; the RWMutex's address is not printed, but "
            f"{frames[site].function.full} carries {addr:#x} as an argument, the RWMutex goroutine {others[0]} "
            "waits to read too"
        ))


def held_write_lock(ix: GraphIndex, gate: str) -> None:
    """An RLock waits only while a writer holds or waits for the RWMutex. With no writer waiting
    in sight (an orphan gate), a writer holds it: when exactly one goroutine other than its
    blocked readers carries the RWMutex's address exactly (a heap address), or, when none does,
    the struct every blocked reader reaches it through (the one offset below it their words
    share), it is taken as that writer (``can-release``, ``medium``: the readers wait until it
    unlocks). Nothing is added when none or several do."""
    addr = ix.G.nodes[gate]["address"]
    if addr is None or addr < ix.static_limit or addr in ix.word_overflow:
        return
    readers = set(ix.waiters.get(gate, ()))

    def carriers(word: int) -> list[int]:
        return [
            g for g in ix.word_gids.get(word, ()) if g not in readers and not ix.b[g].system and not ix.b[g].dumper
        ]

    cands = carriers(addr)
    what = "its address"
    if not cands:
        # the struct every reader reaches the RWMutex through (one offset below it, heap words)
        offs: set[int] | None = None
        for r in sorted(readers)[:MAX_CANDIDATES]:
            got = {addr - w for w, _ in ix.gwords.get(r, ()) if 0 < addr - w <= CONTAINER_SPAN}
            offs = got if offs is None else offs & got
            if not offs:
                return
        if not offs or len(offs) != 1:
            return
        off = next(iter(offs))
        struct = addr - off
        if struct < ix.static_limit or struct in ix.word_overflow:
            return
        cands = carriers(struct)
        what = f"the struct its readers reach it through ({struct:#x}, {off} bytes below it)"
    if len(cands) != 1:
        return
    c = cands[0]
    ix.add_edge(
        gate,
        gnode(c),
        "can-release",
        "medium",
        f"no writer waits for the RWMutex at {addr:#x} in sight, so a writer holds it: goroutine {c} is the "
        f"only goroutine other than its blocked readers that carries {what}",
    )


def unprinted_gate(ix: GraphIndex, writer: int) -> None:
    """runtime.Stack and pprof dumps print no RWMutex address when RLock and Lock are inlined
    (``sync.(*RWMutex).RLock(...)``): readers blocked in RLock then each wait on a node of their
    own. When the dump holds exactly one pending writer, also unprinted, and no RWMutex is
    printed at all, an RLock waits only while a writer is pending, so the readers queue behind
    that writer (medium, "the only pending writer in sight"): their waits move to its gate."""
    if ix.b[writer].role != "writer-readers":
        return
    base = ix.res_node.get(writer)
    readers = [
        gid
        for gid, bl in ix.b.items()
        if not bl.system and bl.op == "rwmutex-rlock" and str(ix.res_node.get(gid, "")).startswith("rwmutex?")
    ]
    if base is None or not readers:
        return
    gate = f"{base}#writer"
    ix.G.add_node(gate, type="resource", kind="rwmutex-writer", address=None, semantics="any")
    evidence = (
        f"RLock blocks behind a pending writer; the RWMutex's address is not printed: goroutine {writer} "
        "is the only pending writer in sight"
    )
    for r in readers:
        _rewire(ix, r, ix.res_node[r], gate, evidence)
