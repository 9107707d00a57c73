"""Rule family: leaks, the doomed goroutines no deadlock explains, and the runtime's own proofs.

Among the doomed goroutines left after the deadlocks, in order (each rule takes what the earlier
ones left): nil channel and ``select {}`` (``certain``; ``select {}`` in ``main.main`` is the
block-forever idiom and is not reported); WaitGroup waits whose workers are stuck; Cond waits with
no signaller in sight; goroutines parked at one channel or select site with no counterpart in
sight; locks with no holder in sight.

Runtime-proven findings (:func:`proven`) list every goroutine they prove: the runtime's global
deadlock and the Go 1.26+ ``(leaked)`` marks of the goroutineleak profile. Inferred findings never
share a goroutine with each other; a goroutine may also appear in one runtime-proven finding,
which then points at the inferred findings inside it in its ``notes``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from ..model import Goroutine
from .confidence import Confidence, Kind, conf_rank, min_conf
from .doomed import Detection, site
from .evidence import _alone_carries, channel_site_evidence, creator_gone, dep_conf, min_ticket
from .findings import Finding
from .nodes import gid_of, gnode, plural

__all__ = ["goleak_verdict", "in_request", "leaks", "proven"]

#: Frames of an in-flight request handler: its waits end when the request's connection or
#: stream does (the request context is cancelled), so a parked handler is at most a low leak.
_REQUEST_FRAMES = frozenset(
    {
        "net/http.(*conn).serve",
        "golang.org/x/net/http2.(*serverConn).runHandler",
        "net/http.(*http2serverConn).runHandler",
        "google.golang.org/grpc.(*Server).handleStream",
        "google.golang.org/grpc.(*Server).processUnaryRPC",
        "google.golang.org/grpc.(*Server).processStreamingRPC",
    }
)


def in_request(g: Goroutine) -> bool:
    return any(f.function.full in _REQUEST_FRAMES for f in g.frames)


def leaks(det: Detection) -> None:
    """The leak rules, in order; each takes the doomed goroutines no earlier finding claimed."""
    # stuck_confidence() is only needed when a rule weighs what a leak depends on (dep_conf):
    # it is made then, from the findings made before the leak rules.
    det.sc = None
    det._sc_basis = list(det.findings)
    for rule in (forever_leaks, waitgroup_leaks, cond_leaks, site_leaks, lock_leaks):
        rest = sorted(g for g in det.doomed if g not in det.claimed)
        if rest:
            rule(det, rest)


def forever_leaks(det: Detection, rest: list[int]) -> None:
    """Nil channels and ``select {}`` (``certain``); ``select {}`` in ``main.main`` is the
    block-forever idiom, not reported."""
    forever: dict[tuple, list[int]] = defaultdict(list)
    for gid in rest:
        bl = det.b[gid]
        if not bl.forever:
            continue
        g = det.gs[gid]
        fn, _loc = site(g, bl)
        if bl.op == "select-no-cases" and (gid == 1 or fn == "main.main"):
            det.notes.append(
                f"goroutine {gid} blocks forever in select {{}} in {fn}: the block-forever idiom, not reported"
            )
            det.claimed.add(gid)
            continue
        forever[(bl.op, fn)].append(gid)
    for (op, fn), gids in forever.items():
        what = {
            "chan-send-nil": "send on a nil channel",
            "chan-recv-nil": "receive from a nil channel",
            "select-no-cases": "select with no cases",
        }[op]
        det.add_leak(
            gids,
            "certain",
            f"{plural(len(gids), 'goroutine')} blocked forever: {what} in {fn}",
            rule="nil-chan" if op != "select-no-cases" else "select-no-cases",
        )


def _waiting_on(det: Detection, gids: list[int], op: str) -> dict[str, list[int]]:
    """The goroutines of ``gids`` blocked in ``op``, by the resource node they wait on."""
    out: dict[str, list[int]] = defaultdict(list)
    for gid in gids:
        if det.b[gid].op == op:
            r = det.res_of(gid)
            if r is not None:
                out[r].append(gid)
    return out


def waitgroup_leaks(det: Detection, rest: list[int]) -> None:
    """WaitGroup waits whose workers are stuck (one finding: waiters and workers), or with no
    worker in sight (``low``)."""
    succ = det._succ
    for r, waiters in _waiting_on(det, rest, "waitgroup-wait").items():
        nums = [gid_of(v) for v in succ[r]]
        workers = [w for w in nums if w is not None and w not in waiters]
        evidence_edges = [det.wg.edge(r, gnode(w)) for w in workers]
        if workers and all(w in det.doomed for w in workers):
            stuck = [w for w in workers if w not in det.claimed]
            in_dl = [w for w in workers if w in det.claimed]
            conf = min_conf("high", *[e.confidence for e in evidence_edges])
            conf = Confidence(max(conf, "medium", key=conf_rank))
            conf = min_conf(conf, dep_conf(det, (gnode(w) for w in workers)))
            where = site(det.gs[waiters[0]], det.b[waiters[0]])[0]
            title = (
                f"WaitGroup wait that cannot return: {plural(len(waiters), 'goroutine')} in {where} "
                f"wait for {plural(len(workers), 'worker')} that are stuck themselves"
            )
            notes = []
            if in_dl:
                notes.append(f"workers {in_dl} are part of a deadlock finding")
            det.add_leak(
                sorted(waiters + stuck),
                conf,
                title,
                rule="waitgroup-stuck-workers",
                resources=(r,),
                edges=tuple(evidence_edges) + tuple(det.waits_edges(waiters)),
                notes=tuple(notes),
            )
        elif not workers:
            where = site(det.gs[waiters[0]], det.b[waiters[0]])[0]
            title = "WaitGroup wait with no worker in sight: " + f"{plural(len(waiters), 'goroutine')} in {where}"
            raised = () if det.wg.index is None or det.wg.index.partial else _orphan_evidence(det, waiters)
            det.add_leak(
                sorted(waiters),
                "medium" if raised else "low",
                title,
                rule="waitgroup-no-workers",
                resources=(r,),
                edges=tuple(det.waits_edges(waiters)),
                notes=("the goroutines that should call Done have exited, or are not recognisable", *raised),
            )


def cond_leaks(det: Detection, rest: list[int]) -> None:
    """Cond waits with no signaller in sight, or whose every signaller is stuck."""
    succ = det._succ
    nodes = det._node
    for r, waiters in _waiting_on(det, rest, "cond-wait").items():
        signallers = list(succ[r])
        exact = nodes[r]["address"] is not None
        notes: list[str] = []
        if not signallers:
            # nobody in sight can signal, but a signaller may be a call yet to come (a request,
            # an event): medium only when the function that started the waiters has returned
            # and nothing outside them carries what they wait with
            gone = [creator_gone(det, g) for g in waiters]
            conf = "medium" if all(gone) and _alone_carries(det, waiters, channel=False) else "low"
            why = (
                "no goroutine carries the Cond or its struct" if exact else "no goroutine that could signal is in sight"
            )
            if conf == "medium":
                notes.append(f"evidence: {gone[0]}, and no other goroutine carries what the waiters wait with")
        else:
            conf = min_conf("medium", dep_conf(det, signallers))
            why = "every goroutine that could signal is stuck itself"
        ticket = min_ticket(det, waiters)
        if ticket:
            conf = "low"
            notes.append(
                f"the Cond's notify list had handed out {ticket} ticket(s) before these waits "
                "(sync.runtime_notifyListWait): earlier waits were signalled, so a signaller exists, "
                "perhaps one that keeps its work in a structure no stack shows"
            )
        fn = site(det.gs[waiters[0]], det.b[waiters[0]])[0]
        det.add_leak(
            sorted(waiters),
            conf,
            f"{plural(len(waiters), 'goroutine')} in sync.Cond.Wait ({fn}) that nobody can signal: {why}",
            rule="cond-no-signaller",
            resources=(r,),
            edges=tuple(det.waits_edges(waiters)),
            notes=tuple(notes),
        )


def site_leaks(det: Detection, rest: list[int]) -> None:
    """Goroutines parked at one channel or select site with no counterpart in sight (LeakProf)."""
    succ = det._succ
    sites: dict[tuple, list[int]] = defaultdict(list)
    for gid in rest:
        bl = det.b[gid]
        if bl.op in ("chan-send", "chan-recv", "select"):
            fn, loc = site(det.gs[gid], bl)
            sites[(bl.op, fn, loc)].append(gid)
    for (op, fn, loc), gids in sites.items():
        n = len(gids)
        mins = max((det.b[g].wait_minutes or 0) for g in gids)
        releasers: set[str] = set()
        for gid in gids:
            r = det.res_of(gid)
            if r is not None:
                releasers.update(succ[r])
        releasers -= {gnode(g) for g in gids}
        ev = channel_site_evidence(det, op, gids)
        conf: str = ev.confidence
        if releasers:
            conf = min_conf(conf, dep_conf(det, releasers))
        what = {
            "chan-send": "sending on a channel",
            "chan-recv": "receiving from a channel",
            "select": "in select",
        }[op]
        why = "no counterpart in sight" if not releasers else "every possible counterpart is stuck itself"
        notes = [f"evidence: {r}" for r in ev.reasons] + list(ev.doubts)
        if mins:
            notes.append(f"waiting for up to {mins} minutes")
        if all(in_request(det.gs[g]) for g in gids) and conf_rank(conf) > conf_rank("low"):
            conf = "low"
            notes.append("in-flight request handlers: their request context ends with the connection")
        det.add_leak(
            sorted(gids),
            conf,
            f"{plural(n, 'goroutine')} {what} at {fn} ({loc}), {why}",
            rule="leakprof-site",
            edges=tuple(det.waits_edges(gids)),
            notes=tuple(notes),
        )


def lock_leaks(det: Detection, rest: list[int]) -> None:
    """Goroutines waiting on a lock nobody in sight holds, or whose holders are stuck."""
    succ = det._succ
    nodes = det._node
    lock_nodes: dict[str, list[int]] = defaultdict(list)
    other: list[int] = []
    for gid in rest:
        r = det.res_of(gid)
        if r is not None and nodes[r]["kind"] in ("mutex", "rwmutex", "rwmutex-writer", "sema"):
            lock_nodes[r].append(gid)
        else:
            other.append(gid)
    for r, gids in lock_nodes.items():
        holders = list(succ[r])
        if holders:
            why = "its possible holders are stuck: " + ", ".join(holders[:5])
            conf = "low"
        else:
            why = "no goroutine in sight can hold it (a goroutine exited without unlocking, or a waiter re-locked it)"
            conf = "low"
        # (a lock's holder may hold it without carrying it on any stack: healthy servers do, so
        # the creator/carrier evidence that raises a WaitGroup or Cond wait is no evidence here)
        det.add_leak(
            sorted(gids),
            conf,
            f"{plural(len(gids), 'goroutine')} wait for {r}: {why}",
            rule="lock-no-holder",
            resources=(r,),
            edges=tuple(det.waits_edges(gids)),
        )


def _orphan_evidence(det: Detection, gids: list[int]) -> tuple[str, ...]:
    """What raises a wait nobody in sight can end (a lock with no holder, a WaitGroup with no
    worker): the function that started the waiters has returned, and nothing outside them carries
    what they wait with. Empty when that does not hold."""
    gone = [creator_gone(det, g) for g in gids]
    if not gids or not all(gone) or not _alone_carries(det, gids, channel=False):
        return ()
    return (f"evidence: {gone[0]}, and no other goroutine carries what the waiters wait with",)


def proven(det: Detection) -> None:
    # (leaked) marks: goroutineleak profile, Go 1.26+
    leaked: dict[tuple, list[int]] = defaultdict(list)
    for gid, bl in det.b.items():
        if bl.leaked:
            g = det.gs.get(gid)
            if g is None:
                continue
            leaked[(bl.state, site(g, bl)[0])].append(gid)
    for (state, fn), gids in leaked.items():
        inside = inferred_refs(det, gids)
        det.findings.append(
            Finding(
                kind=Kind.LEAK,
                confidence=Confidence.CERTAIN,
                title=f"{plural(len(gids), 'goroutine')} leaked in {fn} [{state}]: "
                "proven by the goroutineleak profile (GC)",
                goroutines=tuple(sorted(gids)),
                resources=tuple(sorted({r for r in map(det.res_of, gids) if r})),
                count=len(gids),
                rule="leaked-mark",
                notes=tuple(inside),
            )
        )
    if det.global_dl:
        gids = sorted(det.doomed)
        inside = inferred_refs(det, gids)
        det.findings.append(
            Finding(
                kind=Kind.DEADLOCK,
                confidence=Confidence.CERTAIN,
                title="the runtime reports a global deadlock (all goroutines are asleep): "
                f"{plural(len(gids), 'goroutine')} blocked",
                goroutines=tuple(gids),
                resources=tuple(sorted({r for r in map(det.res_of, gids) if r})),
                count=len(gids),
                rule="runtime-global-deadlock",
                notes=tuple(inside),
            )
        )


def inferred_refs(det: Detection, gids: Iterable[int]) -> list[str]:
    # The inferred findings are all in place (and keep their index) when the runtime-proven
    # ones are added: their goroutine sets are made once.
    if det._inferred is None:
        det._inferred = [
            (i, f.title, set(f.goroutines) | set(f.blocked_behind))
            for i, f in enumerate(det.findings)
            if f.rule not in ("leaked-mark", "runtime-global-deadlock")
        ]
    s = set(gids)
    return [f"contains finding #{i}: {title}" for i, title, members in det._inferred if not s.isdisjoint(members)]


def goleak_verdict(det: Detection) -> None:
    """goleak's verdict (``dump.test_report.tool == "goleak"``): every goroutine it listed was still
    running when its test ended, so it outlived the test. A finding about listed goroutines is at
    least ``medium``; listed goroutines no finding names get a ``goleak`` leak finding per site.
    The evidence says so in the notes."""
    tr = getattr(det.dump, "test_report", None)
    if tr is None or getattr(tr, "tool", None) != "goleak":
        return
    ids = tuple(getattr(tr, "goroutine_ids", ()) or ())
    listed = set(ids) & det.gs.keys() if ids else set(det.gs)
    if not listed:
        return
    tests = ", ".join(getattr(tr, "tests", ()) or ()) or "its test"
    why = f"evidence: goleak listed it as still running after {tests} ended: it outlived the test"
    named: set[int] = set()
    for i, f in enumerate(det.findings):
        mine = listed.intersection(f.goroutines)
        if not mine:
            continue
        if f.kind == Kind.DEADLOCK and conf_rank(f.confidence) < conf_rank("medium"):
            # goleak proves that these goroutines outlived their test, not that they wait on each
            # other: the cycle stays a lead, and its goroutines are reported below by site
            continue
        named |= set(f.goroutines) | set(f.blocked_behind)
        if conf_rank(f.confidence) < conf_rank("medium"):
            det.findings[i] = dataclasses.replace(f, confidence=Confidence.MEDIUM, notes=(*f.notes, why))
        elif why not in f.notes:
            det.findings[i] = dataclasses.replace(f, notes=(*f.notes, why))
    sites: dict[tuple[str, str], list[int]] = defaultdict(list)
    for gid in sorted(listed - named):
        g = det.gs[gid]
        b = det.b.get(gid)
        if b is None or b.system or b.dumper:
            continue
        sites[(g.state, site(g, b)[0])].append(gid)
    for (state, fn), gids in sites.items():
        det.findings.append(
            Finding(
                kind=Kind.LEAK,
                confidence=Confidence.MEDIUM,
                title=f"{plural(len(gids), 'goroutine')} still running after {tests}: {fn} [{state}]",
                goroutines=tuple(gids),
                resources=tuple(sorted({r for r in map(det.res_of, gids) if r})),
                count=len(gids),
                rule="goleak",
                notes=(why,),
            )
        )
