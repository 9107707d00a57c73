"""What can honestly raise a channel or select wait from a lead (``low``) to a leak (``medium``).

Two of a kind at one site is not a leak: servers park pools of workers, subscribers and
background loops at one line. A ``select`` whose cases are not printed is never a definite wait.
What does raise a channel wait, each written into the finding's notes when it holds:

* a sender whose receiver is gone: a goroutine blocked sending whose creator has exited (the
  result channel of a caller that returned early);
* a receiver whose creator has exited and which alone carries the channel it waits on (nobody
  outside its own site carries the channel's address, or any pointer it carries);
* a count far beyond any fixed pool size (:data:`FAR_BEYOND_POOL` goroutines at one site).

The runtime's ``(leaked)`` marks, goleak's verdict and a global deadlock are proofs of their own
(:mod:`.leaks`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .blocking import top_words
from .confidence import Confidence, min_conf
from .doomed import Detection, site
from .findings import Finding
from .holders import top_word0
from .nodes import gid_of, is_gnode

__all__ = [
    "FAR_BEYOND_POOL",
    "SiteEvidence",
    "channel_site_evidence",
    "creator_exited",
    "dep_conf",
    "min_ticket",
    "stuck_confidence",
]

#: Goroutines parked at one channel site: this many is far beyond any fixed pool size.
FAR_BEYOND_POOL = 1000


@dataclass(frozen=True, slots=True)
class SiteEvidence:
    """The level a channel or select site earns, and why (``reasons``) or why not (``doubts``)."""

    confidence: Confidence
    reasons: tuple[str, ...] = ()
    doubts: tuple[str, ...] = ()


def creator_exited(det: Detection, gid: int) -> int | None:
    """The id of the goroutine that started ``gid`` when the dump shows it has exited (its id is
    printed and it is not in the dump), else None."""
    g = det.gs.get(gid)
    cb = None if g is None else g.created_by
    if cb is None or cb.parent_id is None or cb.parent_id in det.gs or cb.parent_id == 0:
        return None
    return cb.parent_id


def creator_gone(det: Detection, gid: int) -> str | None:
    """How the dump shows that the function which started ``gid`` has returned: its goroutine
    has exited, or no longer has that function on its stack. None when it may still be running
    (or the dump does not print creator goroutine ids, before Go 1.21)."""
    g = det.gs.get(gid)
    cb = None if g is None else g.created_by
    if cb is None or cb.parent_id is None or cb.parent_id == 0:
        return None
    parent = det.gs.get(cb.parent_id)
    if parent is None:
        return f"goroutine {cb.parent_id}, which started it, has exited"
    fn = cb.function.full
    if any(f.function.full == fn for f in parent.frames):
        return None
    return f"{fn}, which started it, has returned (goroutine {cb.parent_id} is elsewhere)"


def _alone_carries(det: Detection, gids: Sequence[int], channel: bool = True) -> bool:
    """Nobody outside ``gids`` carries the channel the first of them waits on: its address when
    printed, else every exact pointer it carries, at least one of them an argument that is not a
    method's receiver (a receiver is a struct the heap may reference: its channel field too)."""
    ix = det.wg.index
    if ix is None:
        return False
    site = set(gids)
    b = det.b[gids[0]]
    words: list[int]
    if channel and b.address is not None:
        # the runtime printed the channel: the goroutine must carry it itself (a timer's channel,
        # held by the runtime, is carried by nobody)
        if b.address not in {w for w, _ in ix.gwords.get(gids[0], ())}:
            return False
        words = [b.address]
    else:
        frames = det.gs[gids[0]].frames
        words = []
        plain = False
        for w, fi in ix.gwords.get(gids[0], ()):
            words.append(w)
            f = frames[fi]
            if not f.function.receiver or top_word0(f.args_text) != w:
                plain = True
        if not plain:
            return False
    if not words:
        return False
    for w in words:
        if w in ix.word_overflow:
            return False
        if not site.issuperset(ix.word_gids.get(w, ())):
            return False
    return True


def channel_site_evidence(det: Detection, op: str, gids: Sequence[int]) -> SiteEvidence:
    """The evidence that the doomed goroutines ``gids``, parked at one channel or select site
    (operation ``op``), are leaked."""
    n = len(gids)
    reasons: list[str] = []
    doubts: list[str] = []
    if op == "select":
        doubts.append("select cases are not printed: a timer or context case would make this healthy")
    gone = [x for x in (creator_gone(det, g) for g in gids) if x is not None]
    if op == "chan-send" and gone and len(gone) == n:
        more = f" (and alike for {n - 1} more)" if n > 1 else ""
        reasons.append(f"a send whose receiver is gone: {gone[0]}{more}")
    if op == "chan-recv" and gone and len(gone) == n and _alone_carries(det, gids):
        reasons.append(
            f"{gone[0]}, and no goroutine outside this site carries the channel (or any pointer) it waits with"
        )
    if n >= FAR_BEYOND_POOL:
        reasons.append(f"{n} goroutines at one site: far beyond any fixed pool size")
    if op == "select" or not reasons:
        if n > 1 and not reasons:
            doubts.append("goroutines parked alike at one site are not by themselves a leak (pools, subscribers)")
        return SiteEvidence(Confidence.LOW, tuple(reasons), tuple(doubts))
    return SiteEvidence(Confidence.MEDIUM, tuple(reasons), tuple(doubts))


def stuck_confidence(det: Detection, findings: list[Finding] | None = None) -> None:
    """How sure we are that each doomed goroutine is stuck for good.

    Proven (nil channel, select {}, ``(leaked)``, global deadlock): ``certain``; in a deadlock
    finding: its confidence; parked on a channel or in a select: what its site earns
    (:func:`channel_site_evidence`); otherwise the weakest of what it waits on (a few rounds). ``findings``: those
    made so far (default: ``det.findings``).
    """
    succ = det._succ
    sc: dict[int, str] = {}
    site_members: dict[tuple, list[int]] = defaultdict(list)
    site_conf: dict[tuple, str] = {}
    for gid in sorted(det.doomed):
        bl = det.b[gid]
        if bl.op in ("chan-send", "chan-recv", "select"):
            site_members[(bl.op, *site(det.gs[gid], bl))].append(gid)
    for f in det.findings if findings is None else findings:
        for g in f.goroutines + f.blocked_behind:
            sc[g] = f.confidence
    pending = []
    for gid in det.doomed:
        if gid in sc:
            continue
        bl = det.b[gid]
        if bl.forever or bl.leaked or det.global_dl:
            sc[gid] = "certain"
            continue
        r = det.res_of(gid)
        rel = list(succ[r]) if r is not None else []
        if bl.op in ("chan-send", "chan-recv", "select"):
            # as the leak rule reads the site (channel_site_evidence), once per site
            key = (bl.op, *site(det.gs[gid], bl))
            got = site_conf.get(key)
            if got is None:
                got = site_conf[key] = channel_site_evidence(det, bl.op, site_members[key]).confidence
            sc[gid] = got
        elif not rel:
            sc[gid] = "medium"
        else:
            pending.append((gid, rel))
    for gid, _ in pending:
        sc[gid] = "high"
    for _ in range(8):
        changed = False
        for gid, rel in pending:
            vals = [sc.get(gid_of(v) or -1, "medium") for v in rel if is_gnode(v)]
            new = min_conf("high", *vals) if vals else "medium"
            if new != sc[gid]:
                sc[gid] = new
                changed = True
        if not changed:
            break
    det.sc = sc


def dep_conf(det: Detection, releasers: Iterable[str]) -> str:
    if det.sc is None:
        # made on first need, from the findings there were when the leak rules started
        stuck_confidence(det, det._sc_basis)
    sc: dict[int, str] = det.sc or {}
    vals = [sc.get(gid_of(v) or -1, "medium") for v in releasers if is_gnode(v)]
    return min_conf(*vals) if vals else "certain"


def min_ticket(det: Detection, waiters: list[int]) -> int:
    """The lowest notify-list ticket the waiters hold, as ``sync.runtime_notifyListWait(l, t)``
    prints it exactly (0 when no waiter's ticket is printed exactly): tickets are handed out in
    order, one per Wait, so a lowest ticket above 0 means earlier waits were woken by a signal."""
    out: int | None = None
    for gid in waiters:
        for f in det.gs[gid].frames:
            if f.function.full == "sync.runtime_notifyListWait":
                ws = top_words(f.args_text)
                if len(ws) > 1 and ws[1][1] and ws[1][0] is not None:
                    out = ws[1][0] if out is None else min(out, ws[1][0])
                break
        else:
            return 0  # a waiter whose ticket is not shown: no claim
    return out or 0
