"""Matching two analysed dumps: buckets by state and stack, goroutines by id and stack,
findings by :func:`finding_key`, lock contention by where it waits (see :mod:`stackparse.diff`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..buckets import bucketize
from ..model import Dump
from ..source import _STD_TOP
from .records import BucketChange, ContentionChange, DumpDiff, FindingChange, FrameKey, GoroutineChange

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
        from ..analysis import analyze  # a later stage's entry point; imported only when needed

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
