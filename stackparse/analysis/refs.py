"""Who carries which pointer word: the word loop of the graph index (:meth:`.index.GraphIndex.scan_words`).

:func:`scan_refs` reads every exact pointer word of every user goroutine once, in goroutine
order, and returns:

* ``word_refs`` / ``word_gids``: for each *interesting* word (carried by a waiting goroutine,
  at or above the static limit, or the address of an object some goroutine waits on), the
  first ``max_sharers`` goroutines carrying it ``(gid, frame index)``, each once;
* ``overflow``: the interesting words carried by more;
* ``lock_ev``: per lock address, the first ``cap`` goroutines carrying it (``"exact"``) or a
  word at most ``span`` bytes below it (``"container"``: the start of a struct holding it).

One dict look-up per word: the carriers of every word are recorded as they come, and the words
nobody waits on are dropped at the end (a word read before any waiter carries it still needs its
earlier carriers), rather than a set of interesting words built in a pass of its own and looked
up word by word. Plain typed Python; mypyc compiles it (``stackparse/native.py: MODULES``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

__all__ = ["Refs", "Row", "scan_refs"]

#: A user goroutine's words: ``(gid, [(word, frame index)], own lock address or None, call-site
#: index, waiting)``. A waiting goroutine's words are those from its call site outwards.
Row = tuple[int, list[tuple[int, int]], "int | None", int, bool]
#: What :func:`scan_refs` returns: ``(word_refs, word_gids, overflow, lock_ev)``.
Refs = tuple[
    dict[int, list[tuple[int, int]]], dict[int, list[int]], set[int], dict[int, list[tuple[int, int, int, str]]]
]


def scan_refs(
    rows: list[Row], addresses: set[int], locks: dict[int, str], static_limit: int,
    max_sharers: int, cap: int, span: int,
) -> Refs:  # fmt: skip
    """The word index of ``rows`` (see the module docstring): ``addresses`` are the objects
    waited on, ``locks`` the lock addresses (their evidence is collected), ``static_limit`` the
    address below which a word is static (a global, a type, an integer: no shared object)."""
    lock_addrs = sorted(locks)
    lo = (lock_addrs[0] - span) if lock_addrs else 1
    hi = lock_addrs[-1] if lock_addrs else 0
    # Locks whose evidence list is not full yet: only they can take a container entry (an
    # exact one is always kept), so a word near a few hundred dense locks looks at the few
    # still open instead of every lock within span.
    open_addrs = list(lock_addrs)
    lock_ev: dict[int, list[tuple[int, int, int, str]]] = {}
    # every word -> its first carriers; the words carried by more; those a waiting goroutine
    # carries after their carriers' list was full; those whose further occurrences change nothing
    refs_of: dict[int, list[tuple[int, int]]] = {}
    over: set[int] = set()
    late: set[int] = set()
    done: set[int] = set()
    waiters: set[int] = {row[0] for row in rows if row[4]}
    for gid, ws, own, site, waiting in rows:
        seen_locks: set[int] = set()
        for w, i in ws:
            refs = refs_of.get(w)
            if refs is None:
                refs_of[w] = [(gid, i)]
            elif len(refs) < max_sharers:
                if refs[-1][0] != gid:
                    refs.append((gid, i))
            else:
                if w in done:
                    continue
                over.add(w)
                if waiting:
                    late.add(w)
                if not open_addrs and w not in locks and (w in late or w in addresses or _any_in(refs, waiters)):
                    # nothing more to do with this word: it overflowed, it is interesting (no
                    # later carrier can make it so), every lock's evidence is full, and it is
                    # no lock's own address
                    done.add(w)
                    continue
            if w < lo or w > hi:
                continue
            if w in locks and not (w == own and i <= site):
                # its own lock, at or below its blocking call, is no evidence
                ev = lock_ev.setdefault(w, [])
                ev.append((gid, i, w, "exact"))
                seen_locks.add(w)
                if len(ev) >= cap:
                    k = bisect_left(open_addrs, w)
                    if k < len(open_addrs) and open_addrs[k] == w:
                        del open_addrs[k]
            if not open_addrs or w < static_limit:
                continue  # a static word is no container evidence (see GraphIndex.scan_words)
            k = bisect_right(open_addrs, w)
            while k < len(open_addrs) and open_addrs[k] - w <= span:
                a = open_addrs[k]
                if a in seen_locks or (a == own and i <= site):
                    k += 1
                    continue
                ev = lock_ev.setdefault(a, [])
                ev.append((gid, i, w, "container"))
                seen_locks.add(a)
                if len(ev) >= cap:
                    del open_addrs[k]
                else:
                    k += 1
    # the interesting words: carried by a waiting goroutine (one is among the recorded carriers,
    # or came late), not static; or waited on
    word_refs: dict[int, list[tuple[int, int]]] = {}
    word_gids: dict[int, list[int]] = {}
    for w, refs in refs_of.items():
        if w in addresses or (w >= static_limit and (w in late or _any_in(refs, waiters))):
            word_refs[w] = refs
            word_gids[w] = [g for g, _ in refs]
    overflow = {w for w in over if w in word_refs}
    return word_refs, word_gids, overflow, lock_ev


def _any_in(refs: list[tuple[int, int]], gids: set[int]) -> bool:
    """Whether a goroutine of ``gids`` is among ``refs``."""
    return any(g in gids for g, _ in refs)
