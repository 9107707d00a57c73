"""``analyze(dump) -> Analysis``: blocking -> graph -> doomed -> deadlocks -> leaks -> contention."""

from __future__ import annotations

import gc

from ..buckets import bucketize_by
from ..model import Dump
from .blocking import classify_all
from .contention import lock_contention
from .deadlocks import behind, deadlocks, late_deadlocks
from .doomed import Detection, compute_doomed
from .findings import Analysis, Finding
from .graph import WaitGraph, build_graph
from .leaks import goleak_verdict, leaks, proven
from .profile import analyze_records

__all__ = ["analyze", "detect"]


def detect(dump: Dump, wg: WaitGraph) -> tuple[list[Finding], frozenset[int], list[str]]:
    """Findings from an already built graph: (findings, doomed goroutine ids, notes)."""
    det = Detection(dump, wg)
    compute_doomed(det)
    deadlocks(det)
    behind(det)
    leaks(det)
    late_deadlocks(det)
    goleak_verdict(det)
    proven(det)
    return det.findings, frozenset(det.doomed), det.notes


def analyze(dump: Dump) -> Analysis:
    """Run blocking -> graph -> detect on a parsed dump."""
    if dump.records and not dump.goroutines:
        return analyze_records(dump)
    if not gc.isenabled():
        return _analyze(dump)
    # No cyclic collection while analysing (as while parsing): the stages allocate a few small
    # objects per goroutine and make no garbage cycles, and each collection the allocations
    # trigger would rescan the whole parsed dump (millions of frames) again.
    gc.disable()
    try:
        return _analyze(dump)
    finally:
        gc.enable()


def _analyze(dump: Dump) -> Analysis:
    blockings = classify_all(dump)
    wg = build_graph(dump, blockings)
    findings, doomed, notes = detect(dump, wg)
    contention = lock_contention(wg, doomed, findings)
    # classify_all numbered the buckets while it read the frames: bucketize(dump) without reading
    # them again (tests/test_analyze_buckets.py holds the two equal)
    buckets = bucketize_by(dump, blockings.bucket_of)
    return Analysis(
        findings=tuple(findings),
        buckets=tuple(buckets),
        blockings=blockings,
        graph=wg,
        doomed=doomed,
        notes=tuple(notes),
        dump=dump,
        contention=contention,
    )
