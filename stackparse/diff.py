"""Compare two analysed dumps of the same service: what grew, what is new, what resolved.

    d = diff(analyze(parse(old_text)), analyze(parse(new_text)))
    print(render_diff_text(d))

This is how a leak is caught before it becomes an outage: the bucket of goroutines parked at
the same place grows from one dump to the next, and the goroutines that were already there
are still waiting, for more minutes.

* **Buckets** (same state and stack, argument values ignored: :func:`stackparse.buckets.bucketize`)
  are matched by that key and counted in both dumps (pprof ``debug=1`` counts included).
  When one side is a ``debug=1`` profile (no states, leading runtime frames hidden) and the
  other a full dump, both are matched on the stack without leading runtime frames.
* **Goroutines present in both** (same id and same stack: goroutine ids are never reused
  inside one process) whose ``wait_minutes`` grew are listed, longest wait first.
* **Findings** (:func:`stackparse.analysis.analyze`) are matched by ``(kind, sorted set of the
  top user frame locations of their goroutines)``, never by goroutine ids: a leak that
  gains members is the same leak.
* **Lock contention** (:class:`stackparse.analysis.Contention`) is matched by kind, where the
  waiters wait and the function the holders stand in; a holder present in both dumps held its
  lock the whole time between them.

The result is a frozen :class:`DumpDiff`; ``to_dict()`` is plain JSON under the schema
``stackparse/diff/1``.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .buckets import bucketize
from .model import Dump
from .render.words import readable
from .source import _STD_TOP

__all__ = [
    "SCHEMA",
    "BucketChange",
    "ContentionChange",
    "DumpDiff",
    "FindingChange",
    "GoroutineChange",
    "diff",
    "finding_key",
    "render_diff_json",
    "render_diff_text",
]

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


# --------------------------------------------------------------------------- diff


def diff(
    old: Any,
    new: Any,
    *,
    old_label: str = "old",
    new_label: str = "new",
    elapsed: float | None = None,
) -> DumpDiff:
    """Compare two dumps of the same process.

    ``old``/``new`` are :class:`stackparse.analysis.Analysis` objects (``.dump``, ``.findings``
    and ``.blocking`` are read) or :class:`stackparse.model.Dump` objects, which are analysed
    here with :func:`stackparse.analysis.analyze`. Buckets are always
    :func:`stackparse.buckets.bucketize` of the dump. ``old_label``/``new_label`` name the
    sides in the output (file names, URLs, times); ``elapsed`` is the time between the dumps
    in seconds, when known.
    """
    old, new = _side(old), _side(new)
    old_dump, new_dump = old.dump, new.dump
    old_b, new_b = old.buckets, new.buckets
    old_kind, new_kind = old_dump.kind, new_dump.kind
    notes: list[str] = []
    mixed = (old_kind == "profile") != (new_kind == "profile")
    if mixed:
        notes.append(
            "one side is a pprof debug=1 profile and the other a full dump: buckets are matched "
            "on their stacks without states or leading runtime frames"
        )

    def key(b: Any) -> Any:
        frames = tuple((f.function.full, f.file, f.line) for f in b.frames)
        if mixed:
            return ("", _drop_runtime(frames))
        return (b.state, frames)

    sides: dict[Any, list[Any]] = {}
    for b in old_b:
        sides.setdefault(key(b), [[], []])[0].append(b)
    for b in new_b:
        sides.setdefault(key(b), [[], []])[1].append(b)

    # a restarted process numbers its goroutines afresh: ids that coincide are other goroutines,
    # so the comparison is by stack only (buckets), never by id
    restart = _restart_note(old_dump, new_dump)
    changes: list[BucketChange] = []
    for ob, nb in sides.values():
        first = (nb or ob)[0]
        frames = tuple((f.function.full, f.file, f.line) for f in first.frames)
        top = _top_user(first.frames)
        old_ids = {i for b in ob for i in b.goroutine_ids}
        new_ids = {i for b in nb for i in b.goroutine_ids}
        have_ids = _has_ids(old_dump) and _has_ids(new_dump) and not restart
        changes.append(
            BucketChange(
                state=first.state,
                frames=frames,
                function=top[0],
                location=top[1],
                old_count=sum(_count(b) for b in ob),
                new_count=sum(_count(b) for b in nb),
                still_there=len(old_ids & new_ids) if have_ids else None,
                old_wait_minutes=_minutes(ob),
                new_wait_minutes=_minutes(nb),
            )
        )
    changes.sort(key=lambda c: (-c.delta, -c.new_count, c.location, c.function))

    waiting = () if restart else _waiting_longer(old_dump, new_dump, old, new)
    findings = _findings(old, new)
    old_total = sum(_count(b) for b in old_b)
    new_total = sum(_count(b) for b in new_b)
    return DumpDiff(
        old_label=old_label,
        new_label=new_label,
        old_total=old_total,
        new_total=new_total,
        old_kind=old_kind,
        new_kind=new_kind,
        buckets=tuple(changes),
        waiting_longer=waiting,
        findings=findings,
        elapsed=elapsed,
        notes=tuple(restart) + tuple(notes),
        contention=_contention(old, new, _has_ids(old_dump) and _has_ids(new_dump) and not restart),
    )


@dataclass(frozen=True, slots=True)
class _Side:
    dump: Any
    buckets: list[Any]
    findings: list[Any]
    blocking: dict[int, Any]
    contention: tuple[Any, ...] = ()


def _side(x: Any) -> _Side:
    dump: Dump | None
    if isinstance(x, Dump):
        from .analysis import analyze  # a later stage's entry point; imported only when needed

        dump, analysis = x, analyze(x)
    else:
        dump, analysis = getattr(x, "dump", None), x
        if dump is None:
            raise TypeError(
                "diff() needs the dumps: pass Analysis objects that carry .dump, or the Dump objects"
            )
    blocking = getattr(analysis, "blocking", None)
    if blocking is None:
        blocking = getattr(analysis, "blockings", None)
    return _Side(
        dump=dump,
        buckets=bucketize(dump),
        findings=list(getattr(analysis, "findings", None) or ()),
        blocking=dict(blocking or {}),
        contention=tuple(getattr(analysis, "contention", None) or ()),
    )


def _contention(old: _Side, new: _Side, have_ids: bool) -> tuple[ContentionChange, ...]:
    """The two sides' contention records matched by (kind, waiting site, holders' function)."""

    def index(side: _Side) -> dict[tuple[Any, ...], list[Any]]:
        out: dict[tuple[Any, ...], list[Any]] = {}
        for c in side.contention:
            at = c.waiting_at
            where = ("?", "?") if at is None else (at.function, f"{at.file}:{at.line}")
            key = (c.kind, *where, None if c.held_at is None else c.held_at.function)
            out.setdefault(key, []).append(c)
        return out

    o, n = index(old), index(new)
    changes = []
    for key in list(n) + [k for k in o if k not in n]:
        oc, nc = o.get(key, []), n.get(key, [])
        same = None
        if have_ids:
            same = len({h for c in oc for h in c.holders} & {h for c in nc for h in c.holders})
        changes.append(
            ContentionChange(
                kind=key[0],
                function=key[1],
                location=key[2],
                held_in=key[3],
                old_waiters=sum(c.waiters for c in oc),
                new_waiters=sum(c.waiters for c in nc),
                old_locks=sum(len(c.locks) for c in oc),
                new_locks=sum(len(c.locks) for c in nc),
                same_holders=same,
            )
        )
    changes.sort(key=lambda c: (-c.delta, -c.new_waiters, c.location, c.function))
    return tuple(changes)


def _count(b: Any) -> int:
    c = getattr(b, "count", None)
    return c if isinstance(c, int) else len(b.goroutine_ids)


def _has_ids(dump: Any) -> bool:
    return bool(dump.goroutines)


def _minutes(bs: list[Any]) -> tuple[int | None, int | None]:
    lo = [b.wait_minutes_min for b in bs if b.wait_minutes_min is not None]
    hi = [b.wait_minutes_max for b in bs if b.wait_minutes_max is not None]
    return (min(lo) if lo else None, max(hi) if hi else None)


def _drop_runtime(frames: tuple[FrameKey, ...]) -> tuple[FrameKey, ...]:
    i = 0
    while i < len(frames) - 1 and frames[i][0].startswith(("runtime.", "internal/runtime/")):
        i += 1
    return frames[i:]


def _is_std_frame(f: Any) -> bool:
    """A frame of the Go standard library (or an unsymbolised one): not a "user" frame."""
    fn = f.function
    pkg = getattr(fn, "package", None)
    if pkg is None:  # package = the name up to the first "." after the last "/"
        head, _, tail = fn.full.rpartition("/")
        pkg = (head + "/" if head else "") + tail.split(".", 1)[0]
    if not pkg or fn.full == "?":
        return True
    first = pkg.split("/", 1)[0]
    return "." not in first and first in _STD_TOP


def _top_user(frames: Iterable[Any], site: int | None = None) -> tuple[str, str]:
    frames = tuple(frames)
    if not frames:
        return ("?", "?")
    if site is not None and 0 <= site < len(frames):
        f = frames[site]
        return (f.function.full, f"{f.file}:{f.line}")
    for f in frames:
        if not _is_std_frame(f):
            return (f.function.full, f"{f.file}:{f.line}")
    f = frames[0]
    return (f.function.full, f"{f.file}:{f.line}")


def _goroutine_top(analysis: Any, g: Any) -> tuple[str, str]:
    blocking = getattr(analysis, "blocking", None) or {}
    b = blocking.get(g.id)
    return _top_user(g.frames, getattr(b, "site", None))


def _stack_key(g: Any) -> tuple[str, tuple[FrameKey, ...]]:
    return (g.state, tuple((f.function.full, f.file, f.line) for f in g.frames))


def _waiting_longer(old_dump: Any, new_dump: Any, old: Any, new: Any) -> tuple[GoroutineChange, ...]:
    before = {g.id: g for g in old_dump.goroutines}
    out = []
    for g in new_dump.goroutines:
        o = before.get(g.id)
        if o is None or g.wait_minutes is None or _stack_key(o) != _stack_key(g):
            continue
        if o.wait_minutes is None or g.wait_minutes > o.wait_minutes:
            fn, loc = _goroutine_top(new, g)
            out.append(GoroutineChange(g.id, g.state, fn, loc, o.wait_minutes, g.wait_minutes))
    out.sort(key=lambda c: (-(c.new_wait_minutes or 0), c.id))
    return tuple(out)


def _restart_note(old_dump: Any, new_dump: Any) -> list[str]:
    """Goroutine ids only grow inside a process: a new dump whose highest id is lower than the
    old one's comes from a restarted process, and per-goroutine matches mean nothing."""
    old_ids = [g.id for g in old_dump.goroutines]
    new_ids = [g.id for g in new_dump.goroutines]
    if old_ids and new_ids and max(new_ids) < max(old_ids):
        msg = (
            "the process was probably restarted between the dumps (the new dump's goroutine ids are "
            "lower than the old one's): goroutines are compared by stack, not by id"
        )
        return [msg]
    return []


# --------------------------------------------------------------------------- findings


def finding_key(analysis: Any, finding: Any) -> tuple[str, tuple[str, ...]]:
    """``(kind, sorted top-user-frame locations of the finding's goroutines)``: how a
    finding is recognised in another dump of the same process. A finding with no goroutine
    in the dump (a debug=1 profile) falls back to its resources' kinds, then its title."""
    if not isinstance(analysis, _Side):
        analysis = _side(analysis)
    locs = set()
    for gid in finding.goroutines:
        g = analysis.dump.goroutine(gid)
        if g is not None:
            locs.add(_goroutine_top(analysis, g)[1])
    if not locs:
        locs = {f"resource:{getattr(r, 'kind', r)}" for r in getattr(finding, "resources", ())}
    if not locs:
        locs = {f"title:{finding.title}"}
    return (finding.kind, tuple(sorted(locs)))


def _findings(old: Any, new: Any) -> tuple[FindingChange, ...]:
    def index(a: Any) -> dict[tuple[str, tuple[str, ...]], list[Any]]:
        out: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
        for f in getattr(a, "findings", None) or ():
            out.setdefault(finding_key(a, f), []).append(f)
        return out

    before, after = index(old), index(new)
    result: list[FindingChange] = []
    for k in list(after) + [k for k in before if k not in after]:
        o, n = before.get(k, []), after.get(k, [])
        rep = (n or o)[0]
        status = "persisting" if o and n else "new" if n else "resolved"
        result.append(
            FindingChange(
                status=status,
                kind=rep.kind,
                confidence=rep.confidence,
                title=rep.title,
                locations=k[1],
                old_goroutines=sum(len(f.goroutines) for f in o),
                new_goroutines=sum(len(f.goroutines) for f in n),
                finding=rep.to_dict() if hasattr(rep, "to_dict") else {},
            )
        )
    order = {"new": 0, "persisting": 1, "resolved": 2}
    result.sort(key=lambda f: order[f.status])  # stable: detect's order (most certain first)
    return tuple(result)


# --------------------------------------------------------------------------- rendering


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _minutes_text(m: tuple[int | None, int | None]) -> str:
    lo, hi = m
    if lo is None:
        return ""
    return f"{lo} min" if lo == hi else f"{lo}-{hi} min"


def _elapsed_text(s: float) -> str:
    if s < 120:
        return f"{s:.0f}s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def render_diff_text(d: DumpDiff, *, limit: int = 20) -> str:
    """A report for a terminal: totals, findings that appeared/resolved/persist, the buckets
    that grew and shrank (at most ``limit`` of each), goroutines waiting longer."""
    out: list[str] = []
    span = f" in {_elapsed_text(d.elapsed)}" if d.elapsed is not None else ""
    out.append(
        f"goroutines: {d.old_total} ({d.old_label}) -> {d.new_total} ({d.new_label}): {_signed(d.delta)}{span}"
    )
    for n in d.notes:  # what the comparison rests on (a restart, mixed formats) comes first
        out.append(f"note: {n}")
    if d.findings:
        out.append("")
        out.append(
            f"findings: {len(d.new_findings)} new, {len(d.resolved_findings)} resolved, "
            f"{len(d.persisting_findings)} persisting"
        )
        for f in d.findings:
            total = f.new_goroutines or f.old_goroutines
            word = "goroutine" if (f.new_goroutines if f.status == "persisting" else total) == 1 else "goroutines"
            count = (
                f"{f.old_goroutines} -> {f.new_goroutines} {word}" if f.status == "persisting" else f"{total} {word}"
            )
            out.append(f"  {f.status.upper():<10} {f.kind} ({f.confidence}): {readable(f.title)} [{count}]")
            for loc in f.locations[:3]:
                out.append(f"             at {loc}")
    grown, shrunk = d.grown, d.shrunk
    if grown:
        out.append("")
        out.append(f"grew ({len(grown)} bucket{'s' if len(grown) != 1 else ''}):")
        out.extend(_bucket_lines(grown[:limit]))
        if len(grown) > limit:
            out.append(f"  ... and {len(grown) - limit} more")
    if shrunk:
        out.append("")
        out.append(f"shrank ({len(shrunk)} bucket{'s' if len(shrunk) != 1 else ''}):")
        out.extend(_bucket_lines(shrunk[:limit]))
        if len(shrunk) > limit:
            out.append(f"  ... and {len(shrunk) - limit} more")
    if not grown and not shrunk:
        out.append("")
        out.append(f"no bucket changed ({len(d.buckets)} buckets)")
    moved = [c for c in d.contention if c.delta or c.same_holders]
    if moved:
        out.append("")
        out.append("lock contention (goroutines waiting on locks alike):")
        for c in moved[:limit]:
            held = f", held in {c.held_in}" if c.held_in else ", holder not inferred"
            same = ""
            if c.same_holders:
                same = (
                    f" ({c.same_holders} held by the same goroutine{'s' if c.same_holders != 1 else ''} "
                    "in both dumps)"
                )
            out.append(
                f"  {_signed(c.delta):>7}  {c.old_waiters:>6} -> {c.new_waiters:<6} on {c.new_locks or c.old_locks} "
                f"{c.kind}{'es' if (c.new_locks or c.old_locks) != 1 else ''} in {c.function}  {c.location}{held}{same}"
            )
        if len(moved) > limit:
            out.append(f"  ... and {len(moved) - limit} more")
    if d.waiting_longer:
        w = d.waiting_longer
        out.append("")
        out.append(f"waiting longer ({len(w)} goroutine{'s' if len(w) != 1 else ''} present in both dumps):")
        for g in w[:limit]:
            old = "<1" if g.old_wait_minutes is None else str(g.old_wait_minutes)
            out.append(
                f"  goroutine {g.id:<8} {old} -> {g.new_wait_minutes} min  [{g.state}] {g.function}  {g.location}"
            )
        if len(w) > limit:
            out.append(f"  ... and {len(w) - limit} more")
    # the first line names both inputs whole (paths are not cut); every other line wraps
    return "\n".join([out[0]] + [_wrap_line(line) for line in out[1:]]) + "\n"


def _wrap_line(line: str, width: int = 80) -> str:
    """A line of the report in ``width`` columns, continued under its own indent + 4."""
    if len(line) <= width:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return "\n".join(
        textwrap.wrap(line, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    )


def _bucket_lines(bs: Iterable[BucketChange]) -> list[str]:
    lines = []
    for b in bs:
        extra = []
        if b.still_there:
            extra.append(f"{b.still_there} still there")
        mins = _minutes_text(b.new_wait_minutes)
        if mins:
            extra.append(f"waiting {mins}")
        state = f"[{b.state}] " if b.state else ""
        tail = f"  ({', '.join(extra)})" if extra else ""
        head = f"  {_signed(b.delta):>7}  {b.old_count:>6} -> {b.new_count:<6} {state}{b.function}"
        if len(head) + 2 + len(b.location) + len(tail) <= 80:
            lines.append(f"{head}  {b.location}{tail}")
        else:  # the location (and what is known of the goroutines) on a line of its own
            lines.append(head)
            if 10 + len(b.location) + len(tail) <= 80:
                lines.append(f"{'':10}{b.location}{tail}")
            else:
                lines.append(f"{'':10}{b.location}")
                lines.extend([f"{'':10}{tail.strip()}"] if tail else [])
    return lines


def render_diff_json(d: DumpDiff) -> str:
    """``d.to_dict()`` as indented JSON (schema ``stackparse/diff/1``), newline-terminated."""
    return json.dumps(d.to_dict(), indent=2) + "\n"
