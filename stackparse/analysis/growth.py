"""Growth across snapshots of one process: evidence that raises a leak from a lead.

Goroutines parked alike at one site are not by themselves a leak; the same site holding more
goroutines in each later dump of one process, with the earlier ones still there, is: nothing
ended those waits while new ones kept arriving. :func:`with_growth` reads that from earlier dumps
of the process (``--watch``, or several inputs given together) and raises a ``low`` leak whose
site grew to ``medium``, saying so in its notes.

One process: the dumps share goroutine 1's stack (function names) and at least one goroutine of
the site by id and stack. A restarted process shares neither, and its growth says nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from itertools import pairwise

from ..model import Dump, Goroutine
from .confidence import Confidence, Kind, conf_rank
from .findings import Analysis, Finding, most_certain_first

__all__ = ["same_process", "with_growth"]


def _funcs(g: Goroutine) -> tuple[str, ...]:
    return tuple(f.function.full for f in g.frames)


def same_process(a: Dump, b: Dump) -> bool:
    """The two dumps look like snapshots of one process: goroutine 1 runs the same functions in
    both (outermost first: its entry point), and some other goroutine id has the same stack."""
    ga = {g.id: g for g in a.goroutines}
    gb = {g.id: g for g in b.goroutines}
    g1a, g1b = ga.get(1), gb.get(1)
    if g1a is None or g1b is None or _funcs(g1a)[-1:] != _funcs(g1b)[-1:]:
        return False
    return any(i != 1 and i in gb and _funcs(g) == _funcs(gb[i]) for i, g in ga.items())


def _site_key(g: Goroutine) -> tuple[str, ...]:
    return (g.state, *_funcs(g))


def with_growth(analysis: Analysis, earlier: Sequence[Dump]) -> Analysis:
    """``analysis`` (of the latest dump) with its ``low`` leak findings raised to ``medium`` where
    the earlier dumps of the same process show their site growing, the first goroutines still
    there (a ``medium`` one gets the note too). Other findings are left as they are."""
    dump = analysis.dump
    if dump is None or not earlier:
        return analysis
    past = [d for d in earlier if same_process(d, dump)]
    if not past:
        return analysis
    gs = {g.id: g for g in dump.goroutines}
    changed = False
    out: list[Finding] = []
    for f in analysis.findings:
        if f.kind != Kind.LEAK or conf_rank(f.confidence) >= conf_rank("high") or not f.goroutines:
            out.append(f)
            continue
        keys = {_site_key(gs[g]) for g in f.goroutines if g in gs}
        now = set(f.goroutines)
        counts: list[int] = []
        stayed: set[int] = set()
        for d in past:
            there = {g.id for g in d.goroutines if _site_key(g) in keys}
            counts.append(len(there))
            stayed |= there & now
        series = [*counts, len(now)]
        growing = all(x < y for x, y in pairwise(series))
        if growing and stayed:
            note = (
                f"evidence: growth across {len(series)} snapshots of one process: "
                f"{' -> '.join(map(str, series))} goroutines at this site, "
                f"{len(stayed)} of them there from an earlier snapshot"
            )
            conf = Confidence.MEDIUM if f.confidence == Confidence.LOW else f.confidence
            f = dataclasses.replace(f, confidence=conf, notes=(*f.notes, note))
            changed = True
        out.append(f)
    if not changed:
        return analysis

    return dataclasses.replace(analysis, findings=tuple(most_certain_first(out)), summary={})
