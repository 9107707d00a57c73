"""``analyze(dump) -> Analysis``: blocking -> graph -> doomed -> deadlocks -> leaks -> contention."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Sequence

from ..buckets import bucketize_by
from ..model import Dump
from .blocking import classify_all
from .contention import lock_contention
from .cycles import sender_cycles, waitgroup_cycles, waitgroup_hint_cycles
from .deadlocks import behind, deadlocks, late_deadlocks
from .doomed import Detection, compute_doomed
from .findings import MAX_SITES, Analysis, Finding, Site, most_certain_first
from .graph import WaitGraph, build_graph
from .leaks import goleak_verdict, leaks, proven
from .profile import analyze_records

__all__ = ["analyze", "detect"]


def detect(dump: Dump, wg: WaitGraph) -> tuple[list[Finding], frozenset[int], list[str]]:
    """Findings from an already built graph: (findings, doomed goroutine ids, notes)."""
    det = Detection(dump, wg)
    compute_doomed(det)
    deadlocks(det)
    waitgroup_cycles(det)
    waitgroup_hint_cycles(det)
    sender_cycles(det)
    behind(det)
    leaks(det)
    late_deadlocks(det)
    goleak_verdict(det)
    proven(det)
    return det.findings, frozenset(det.doomed), det.notes


def analyze(dump: Dump, earlier: Sequence[Dump] = ()) -> Analysis:
    """Run blocking -> graph -> detect on a parsed dump. ``earlier``: earlier dumps of the same
    process, oldest first (``--watch``, several inputs): a leak site that grew across them, its
    first goroutines still there, is raised from a lead to ``medium`` (:mod:`.growth`)."""
    if dump.records and not dump.goroutines:
        return analyze_records(dump)
    if earlier:
        from .growth import with_growth

        return with_growth(analyze(dump), earlier)
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
        findings=tuple(most_certain_first([_with_sites(f, wg) for f in findings])),
        buckets=tuple(buckets),
        blockings=blockings,
        graph=wg.graph,
        doomed=doomed,
        notes=tuple(notes),
        dump=dump,
        contention=contention,
        wait_graph=wg,
    )


def _with_sites(f: Finding, wg: WaitGraph) -> Finding:
    """The finding with its wait sites: the blocking call site (function, file, line) of each of
    its goroutines, distinct, in order, at most MAX_SITES."""
    out: dict[tuple[str, str, int], None] = {}
    for gid in f.goroutines:
        g = wg.goroutines.get(gid)
        b = wg.blockings.get(gid)
        if g is None or not g.frames:
            continue
        i = b.site if b is not None and b.site is not None and b.site < len(g.frames) else 0
        fr = g.frames[i]
        out.setdefault((fr.function.full, fr.file, fr.line), None)
        if len(out) >= MAX_SITES:
            break
    return dataclasses.replace(f, sites=tuple(Site(*k) for k in out))
