"""The records of a dump comparison (:class:`DumpDiff` and what it holds) and their JSON form,
``to_dict()`` under the schema ``stackparse/diff/1``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "stackparse/diff/1"

FrameKey = tuple[str, str, int]  # function, file, line


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class BucketChange:
    """One bucket (same state and stack) counted in both dumps."""

    state: str
    frames: tuple[FrameKey, ...]  # (function, file, line) of every frame, innermost first
    function: str  # the top user frame (or the top frame when there is none)
    location: str  # its file:line
    old_count: int
    new_count: int
    #: how many of the new bucket's goroutines (by id) were already in it in the old dump;
    #: None when a side has no goroutine ids (pprof debug=1)
    still_there: int | None = None
    old_wait_minutes: tuple[int | None, int | None] = (None, None)  # min, max
    new_wait_minutes: tuple[int | None, int | None] = (None, None)

    @property
    def delta(self) -> int:
        return self.new_count - self.old_count

    @property
    def status(self) -> str:
        """``new`` | ``gone`` | ``grew`` | ``shrank`` | ``same``."""
        if self.old_count == 0:
            return "new"
        if self.new_count == 0:
            return "gone"
        return "grew" if self.delta > 0 else "shrank" if self.delta < 0 else "same"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "state": self.state,
            "function": self.function,
            "location": self.location,
            "old_count": self.old_count,
            "new_count": self.new_count,
            "delta": self.delta,
            "still_there": self.still_there,
            "old_wait_minutes": {"min": self.old_wait_minutes[0], "max": self.old_wait_minutes[1]},
            "new_wait_minutes": {"min": self.new_wait_minutes[0], "max": self.new_wait_minutes[1]},
            "frames": [{"function": f, "file": p, "line": n} for f, p, n in self.frames],
        }


@dataclass(frozen=True, slots=True)
class GoroutineChange:
    """A goroutine present in both dumps, same stack, that has been waiting longer."""

    id: int
    state: str
    function: str
    location: str
    old_wait_minutes: int | None
    new_wait_minutes: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "function": self.function,
            "location": self.location,
            "old_wait_minutes": self.old_wait_minutes,
            "new_wait_minutes": self.new_wait_minutes,
        }


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding matched across the two dumps: ``new``, ``resolved`` or ``persisting``."""

    status: str
    kind: str
    confidence: str
    title: str  # of the newest side that has it
    locations: tuple[str, ...]  # the top user frames of its goroutines (the match key)
    old_goroutines: int
    new_goroutines: int
    finding: dict[str, Any] = field(default_factory=dict)  # to_dict() of the newest side

    @property
    def delta(self) -> int:
        return self.new_goroutines - self.old_goroutines

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "kind": self.kind,
            "confidence": self.confidence,
            "title": self.title,
            "locations": list(self.locations),
            "old_goroutines": self.old_goroutines,
            "new_goroutines": self.new_goroutines,
            "delta": self.delta,
            "finding": self.finding,
        }


@dataclass(frozen=True, slots=True)
class ContentionChange:
    """Lock contention matched across the two dumps (:class:`stackparse.analysis.Contention`, by
    kind, where its waiters wait and where its holders stand). ``same_holders``: goroutines that
    hold a lock of the group in both dumps (ids are not reused inside a process), that is, locks
    held the whole time between the dumps; None when a side has no goroutine ids."""

    kind: str
    function: str  # where the waiters wait
    location: str
    held_in: str | None  # the function the holders stand in, None: no holder inferred
    old_waiters: int
    new_waiters: int
    old_locks: int
    new_locks: int
    same_holders: int | None

    @property
    def delta(self) -> int:
        return self.new_waiters - self.old_waiters

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "function": self.function,
            "location": self.location,
            "held_in": self.held_in,
            "old_waiters": self.old_waiters,
            "new_waiters": self.new_waiters,
            "delta": self.delta,
            "old_locks": self.old_locks,
            "new_locks": self.new_locks,
            "same_holders": self.same_holders,
        }


@dataclass(frozen=True, slots=True)
class DumpDiff:
    """What changed between two analysed dumps (see the module doc)."""

    old_label: str
    new_label: str
    old_total: int
    new_total: int
    old_kind: str
    new_kind: str
    buckets: tuple[BucketChange, ...]  # every bucket of either side, biggest growth first
    waiting_longer: tuple[GoroutineChange, ...]  # longest new wait first
    findings: tuple[FindingChange, ...]  # new, then persisting, then resolved
    elapsed: float | None = None  # seconds between the dumps, when known
    notes: tuple[str, ...] = ()
    contention: tuple[ContentionChange, ...] = ()  # biggest growth first

    @property
    def delta(self) -> int:
        return self.new_total - self.old_total

    @property
    def grown(self) -> tuple[BucketChange, ...]:
        """Buckets with more goroutines than before (new ones included), biggest growth first."""
        return tuple(b for b in self.buckets if b.delta > 0)

    @property
    def shrunk(self) -> tuple[BucketChange, ...]:
        return tuple(sorted((b for b in self.buckets if b.delta < 0), key=lambda b: b.delta))

    @property
    def new_findings(self) -> tuple[FindingChange, ...]:
        return tuple(f for f in self.findings if f.status == "new")

    @property
    def resolved_findings(self) -> tuple[FindingChange, ...]:
        return tuple(f for f in self.findings if f.status == "resolved")

    @property
    def persisting_findings(self) -> tuple[FindingChange, ...]:
        return tuple(f for f in self.findings if f.status == "persisting")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "old": {"label": self.old_label, "kind": self.old_kind, "goroutines": self.old_total},
            "new": {"label": self.new_label, "kind": self.new_kind, "goroutines": self.new_total},
            "elapsed_seconds": self.elapsed,
            "summary": {
                "goroutines_delta": self.delta,
                "buckets_grown": len(self.grown),
                "buckets_shrunk": len(self.shrunk),
                "goroutines_waiting_longer": len(self.waiting_longer),
                "findings_new": len(self.new_findings),
                "findings_resolved": len(self.resolved_findings),
                "findings_persisting": len(self.persisting_findings),
            },
            "buckets": [b.to_dict() for b in self.buckets if b.delta != 0],
            "unchanged_buckets": sum(1 for b in self.buckets if b.delta == 0),
            "waiting_longer": [g.to_dict() for g in self.waiting_longer],
            "findings": [f.to_dict() for f in self.findings],
            "contention": [c.to_dict() for c in self.contention],
            "notes": list(self.notes),
        }
