"""The fleet report: per-target summaries folded into blocking sites across instances, ranked.

:class:`Aggregator` folds :class:`~stackparse.fleet.tasks.TargetSummary` objects one at a time,
as the workers return them; it keeps one row per blocking site and per finding shape, never a
row per target (except the failed ones, up to :data:`MAX_FAILURES`), so the client's memory
depends on how varied the fleet is, not on how large.

Ranking, after Uber's LeakProf (large, widespread, growing):

1. **growing**: sites whose goroutines rose by at least ``min_growth`` (default
   :data:`MIN_GROWTH`) since the previous scan of the same history file, summed over the
   instances where they rose, come first, most goroutines added first (a pool that is large
   but stable is a design choice; one that keeps growing runs the service out of memory). The
   threshold keeps the one connection handler that happened to be alive during one scan and
   not the other from outranking everything;
2. then by **score** = goroutines at the site over all instances x the share of the instances
   read that have the site (large and widespread: 40 goroutines on each of 400 instances
   before 10,000 on one).

Findings of one shape (same kind, same site) across instances are one row: "leak at
main.compute main.go:47 in 5 of 1,005 instances".
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .store import Growth, PreviousScan
from .tasks import OTHER_SITES, TargetSummary

__all__ = [
    "CONFIDENCE_ORDER",
    "MAX_FAILURES",
    "MIN_GROWTH",
    "SCHEMA",
    "Aggregator",
    "FindingRow",
    "FleetReport",
    "SiteRow",
]

SCHEMA = "stackparse/fleet/1"
#: Goroutines a site must add (over the instances where it rose) to rank as growing.
MIN_GROWTH = 10
#: Failed targets listed one by one; beyond this only their number per kind is kept.
MAX_FAILURES = 1000
#: Weakest first, for picking a group's strongest finding. The analysis owns the order
#: (``stackparse.analysis`` Confidence); this only ranks the four words it prints.
CONFIDENCE_ORDER = ("low", "medium", "high", "certain")


@dataclass(slots=True)
class SiteRow:
    """One blocking site across the fleet."""

    site: str
    goroutines: int = 0
    instances: int = 0
    max_per_instance: int = 0
    max_instance: str = ""
    states: Counter[str] = field(default_factory=Counter)
    score: float = 0.0
    growth: Growth | None = None
    growing: bool = False

    @property
    def state(self) -> str:
        return self.states.most_common(1)[0][0] if self.states else ""

    def to_dict(self, rank: int, ok: int) -> dict[str, Any]:
        fn, _, loc = self.site.partition(" ")
        return {
            "rank": rank,
            "site": self.site,
            "function": fn,
            "location": loc,
            "state": self.state,
            "goroutines": self.goroutines,
            "instances": self.instances,
            "share": round(self.instances / ok, 6) if ok else 0.0,
            "max_per_instance": self.max_per_instance,
            "max_instance": self.max_instance,
            "score": round(self.score, 3),
            "growth": None if self.growth is None else {**self.growth.to_dict(), "growing": self.growing},
        }


@dataclass(slots=True)
class FindingRow:
    """Findings of one kind at one site, across instances."""

    kind: str
    site: str
    confidence: str = "low"
    instances: int = 0
    goroutines: int = 0
    title: str = ""
    example: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "site": self.site,
            "confidence": self.confidence,
            "instances": self.instances,
            "goroutines": self.goroutines,
            "title": self.title,
            "example": self.example,
        }


@dataclass(slots=True)
class FleetReport:
    """What :func:`stackparse.fleet.scan` returns. ``sites`` and ``findings`` are ranked;
    ``failures`` lists ``(target, error_kind, reason)``; ``to_dict()`` is the
    ``stackparse/fleet/1`` document (``stackparse/schema/fleet-1.json``)."""

    started: float
    finished: float
    workers: int
    scheduler: str
    targets: int
    ok: int
    failed: int
    dumps: int
    bytes: int
    goroutines: int
    blocked: int
    sites: list[SiteRow]
    sites_total: int
    findings: list[FindingRow]
    failures: list[tuple[str, str, str]]
    failures_by_kind: dict[str, int]
    db: str | None = None
    scan_id: int | None = None
    previous: PreviousScan | None = None
    min_growth: int = MIN_GROWTH

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "scan": {
                "id": self.scan_id,
                "started": _iso(self.started),
                "seconds": round(self.seconds, 3),
                "workers": self.workers,
                "scheduler": self.scheduler,
                "db": self.db,
                "previous": None
                if self.previous is None
                else {
                    "id": self.previous.id,
                    "started": _iso(self.previous.started),
                    "instances_in_common": self.previous.instances_in_common,
                },
                "min_growth": self.min_growth,
            },
            "totals": {
                "targets": self.targets,
                "ok": self.ok,
                "failed": self.failed,
                "dumps": self.dumps,
                "bytes": self.bytes,
                "goroutines": self.goroutines,
                "blocked": self.blocked,
                "sites": self.sites_total,
            },
            "sites": [s.to_dict(i, self.ok) for i, s in enumerate(self.sites, 1)],
            "findings": [f.to_dict() for f in self.findings],
            "failures": [{"target": t, "error_kind": k, "error": r} for t, k, r in self.failures],
            "failures_by_kind": dict(sorted(self.failures_by_kind.items())),
        }


class Aggregator:
    """Folds target summaries into fleet-wide rows; each target key counts once."""

    def __init__(self) -> None:
        self.started = time.time()
        self.seen: set[str] = set()
        self.ok = 0
        self.failed = 0
        self.dumps = 0
        self.bytes = 0
        self.goroutines = 0
        self.blocked = 0
        self.duplicates = 0
        self.sites: dict[str, SiteRow] = {}
        self.findings: dict[tuple[str, str], FindingRow] = {}
        self.failures: list[tuple[str, str, str]] = []
        self.failures_by_kind: Counter[str] = Counter()

    def add(self, s: TargetSummary) -> bool:
        """Fold ``s``; False (and nothing counted) when its target was already folded."""
        if s.key in self.seen:
            self.duplicates += 1
            return False
        self.seen.add(s.key)
        if not s.ok:
            self.failed += 1
            kind = s.error_kind or "error"
            self.failures_by_kind[kind] += 1
            if len(self.failures) < MAX_FAILURES:
                self.failures.append((s.key, kind, s.error or ""))
            return True
        self.ok += 1
        self.dumps += s.dumps
        self.bytes += s.bytes
        self.goroutines += s.goroutines
        for site, n, state in s.sites:
            row = self.sites.get(site)
            if row is None:
                row = self.sites[site] = SiteRow(site)
            row.goroutines += n
            row.instances += 1
            row.states[state] += n
            self.blocked += n
            if n > row.max_per_instance or (n == row.max_per_instance and s.key < row.max_instance):
                row.max_per_instance, row.max_instance = n, s.key
        seen_shapes: set[tuple[str, str]] = set()
        for f in s.findings:
            shape = (f.kind, f.site)
            row_f = self.findings.get(shape)
            if row_f is None:
                row_f = self.findings[shape] = FindingRow(f.kind, f.site, f.confidence, title=f.title, example=s.key)
            if shape not in seen_shapes:
                row_f.instances += 1
                seen_shapes.add(shape)
            row_f.goroutines += f.goroutines
            if _conf(f.confidence) > _conf(row_f.confidence):
                row_f.confidence, row_f.title, row_f.example = f.confidence, f.title, s.key
        return True

    def report(
        self,
        *,
        growth: dict[str, Growth] | None = None,
        min_growth: int = MIN_GROWTH,
        top: int | None = 50,
        workers: int = 0,
        scheduler: str = "",
        db: str | None = None,
        scan_id: int | None = None,
        previous: PreviousScan | None = None,
        finished: float | None = None,
    ) -> FleetReport:
        """Rank the sites (see the module docstring) and return the report with the first ``top``."""
        growth = growth or {}
        for row in self.sites.values():
            row.score = row.goroutines * (row.instances / self.ok) if self.ok else 0.0
            row.growth = growth.get(row.site)
            row.growing = row.growth is not None and row.growth.added >= max(1, min_growth)
        ranked = sorted(self.sites.values(), key=_site_rank)
        findings = sorted(
            self.findings.values(), key=lambda f: (-_conf(f.confidence), -f.instances, -f.goroutines, f.kind, f.site)
        )
        return FleetReport(
            started=self.started,
            finished=time.time() if finished is None else finished,
            workers=workers,
            scheduler=scheduler,
            targets=self.ok + self.failed,
            ok=self.ok,
            failed=self.failed,
            dumps=self.dumps,
            bytes=self.bytes,
            goroutines=self.goroutines,
            blocked=self.blocked,
            sites=ranked if top is None else ranked[:top],
            sites_total=len(ranked),
            findings=findings,
            failures=list(self.failures),
            failures_by_kind=dict(self.failures_by_kind),
            db=db,
            scan_id=scan_id,
            previous=previous,
            min_growth=min_growth,
        )


def _site_rank(row: SiteRow) -> tuple[bool, int, float, int, str]:
    added = row.growth.added if row.growth is not None and row.growing else 0
    # the sum of the sites a summary had no room for is not a site: it goes last
    return (row.site == OTHER_SITES, -added, -row.score, -row.instances, row.site)


def _conf(c: str) -> int:
    return CONFIDENCE_ORDER.index(c) if c in CONFIDENCE_ORDER else -1


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
