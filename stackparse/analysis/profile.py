"""pprof ``debug=1`` profiles: no goroutine ids, states or arguments, so no wait-for graph.

They get buckets, a ``certain`` leak finding per record of a ``goroutineleak`` profile, and a
``low`` leak suspicion per large record parked in user code.
"""

from __future__ import annotations

from ..buckets import bucketize
from ..model import Dump, ProfileRecord
from .blocking import is_machinery
from .confidence import Confidence, Kind
from .doomed import LEAK_COUNT_HIGH
from .findings import Analysis, Finding, Site
from .nodes import plural

__all__ = ["analyze_records"]

_RECORD_IDLE_PREFIXES = (
    "internal/poll.",
    "net.",
    "net/http.",
    "os/signal.",
    "time.",
    "runtime/pprof.",
    "syscall.",
    "crypto/tls.",
    "bufio.",
    "io.",
)


def _record_op(r: ProfileRecord) -> str:
    names = [f.function.full for f in r.frames if f.function]
    for n in names:
        if "lockSlow" in n or "SemacquireMutex" in n:
            return "mutex-lock"
        if "SemacquireRWMutexR" in n or "RWMutex).RLock" in n:
            return "rwmutex-rlock"
        if "SemacquireRWMutex" in n or "RWMutex).Lock" in n:
            return "rwmutex-lock"
        if "WaitGroup).Wait" in n:
            return "waitgroup-wait"
        if "Cond).Wait" in n or "notifyListWait" in n:
            return "cond-wait"
        if n == "runtime.selectgo":
            return "select"
        if n.startswith("runtime.chanrecv"):
            return "chan-recv"
        if n.startswith("runtime.chansend"):
            return "chan-send"
        if n == "time.Sleep":
            return "sleep"
        if n.startswith("internal/poll.") or n.startswith("net."):
            return "io-wait"
        if n.startswith("runtime/pprof."):
            return "running"
    return "other"


def analyze_records(dump: Dump) -> Analysis:
    findings: list[Finding] = []
    leakprof = (dump.profile or "") == "goroutineleak"
    for r in dump.records:
        user = [f for f in r.frames if f.function and not is_machinery(f.function.package)]
        if user:
            fn = user[0].function
            assert fn is not None  # user keeps only frames whose function is set
            top = fn.full
        elif r.frames:
            f0 = r.frames[0]
            top = f0.function.full if f0.function else hex(f0.pc)
        else:
            top = "?"
        where = f"{user[0].file}:{user[0].line}" if user else "?"
        sites = (Site(top, user[0].file or "?", user[0].line or 0),) if user else ()
        if leakprof:
            findings.append(
                Finding(
                    kind=Kind.LEAK,
                    confidence=Confidence.CERTAIN,
                    title=f"{plural(r.count, 'goroutine')} leaked in {top} ({where}): "
                    "proven by the goroutineleak profile",
                    goroutines=(),
                    count=r.count,
                    rule="leaked-mark",
                    sites=sites,
                )
            )
            continue
        if r.count < LEAK_COUNT_HIGH or _record_op(r) in ("running", "sleep", "io-wait") or not user:
            continue
        if any(top.startswith(p) for p in _RECORD_IDLE_PREFIXES):
            continue
        findings.append(
            Finding(
                kind=Kind.LEAK,
                confidence=Confidence.LOW,
                title=f"{r.count} goroutines parked in {top} ({where}) (debug=1 profile: no states, ids or arguments)",
                goroutines=(),
                count=r.count,
                rule="leakprof-record",
                sites=sites,
                notes=("a debug=1 profile does not say what the goroutines wait for; take a debug=2 dump to confirm",),
            )
        )
    return Analysis(
        findings=tuple(findings),
        buckets=tuple(bucketize(dump)),
        blockings={},
        graph=None,
        notes=("pprof debug=1 profile: aggregated records only, no wait-for graph",),
        dump=dump,
    )
