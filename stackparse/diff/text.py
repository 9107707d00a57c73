"""The diff report for a terminal (:func:`render_diff_text`) and as JSON (:func:`render_diff_json`)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from ..render.words import readable
from .records import BucketChange, DumpDiff

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
