"""The parts of the plain-text reports that are not findings: styles, wrapping, frames, the
buckets of the dump, parser diagnostics, the one-line-per-dump summary and the ``parse --format
text`` listing. Colour goes through ``click.style``; the caller decides whether to colour."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import click

from ..model import Dump, Frame, Goroutine
from ._common import (
    View,
    conf_value,
    confidence_rank,
    dump_title,
    goroutine_count,
    ids_text,
    location,
    minutes_text,
    short_path,
    user_frame,
    visible_frames,
)

WIDTH = 80
#: Buckets shown with their whole stack (without --all); the next ONE_LINE_BUCKETS get a line.
FULL_BUCKETS = 10
ONE_LINE_BUCKETS = 30
#: Goroutines of a finding listed one by one (after grouping those of the same shape).
LISTED_GOROUTINES = 10
#: Frames shown per bucket stack (without --all).
BUCKET_FRAMES = 12
#: Notes printed (without --all).
LISTED_NOTES = 20
#: Lock contention records shown without --all.
LISTED_CONTENTION = 5

_CONF_COLOR = {"certain": "red", "high": "red", "medium": "yellow", "low": "blue"}
_KIND_COLOR = {"deadlock": "red", "leak": "yellow"}


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **kw: Any) -> str:
        return click.style(text, **kw) if self.color and text else text

    def conf(self, confidence: Any) -> str:
        confidence = conf_value(confidence)
        return self(confidence, fg=_CONF_COLOR.get(confidence), bold=confidence in ("certain", "high"))

    def kind(self, kind: str) -> str:
        return self(kind.upper(), fg=_KIND_COLOR.get(kind, "magenta"), bold=True)

    def g(self, text: str) -> str:
        return self(text, fg="cyan", bold=True)

    def res(self, text: str) -> str:
        return self(text, fg="magenta")

    def loc(self, text: str) -> str:
        return self(text, dim=True)

    def head(self, text: str) -> str:
        return self(text, bold=True, underline=True)


def wrap(text: str, indent: str, first: str | None = None, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent if first is None else first]


def source_lines(view: View, frame: Frame | None, indent: str, st: Style) -> list[str]:
    """``| the source line`` under a frame, when a checkout was given and has the file."""
    text = view.source_line(frame)
    if text is None:
        return []
    line = f"{indent}| {text}"
    if len(line) > WIDTH:
        line = line[: WIDTH - 3] + "..."
    return [indent + st(line[len(indent) :], fg="green")]


def frame_lines(frame: Frame, indent: str, st: Style, args: bool = False) -> list[str]:
    """``function  file:line`` on one line when it fits in 80 columns, else on two."""
    func = frame.function.full + (f"({frame.args_text})" if args else "")
    loc = location(frame)
    if len(indent) + len(func) + 2 + len(loc) <= WIDTH:
        return [f"{indent}{func}  {st.loc(loc)}"]
    return [f"{indent}{func}", f"{indent}    {st.loc(loc)}"]


# --------------------------------------------------------------------------- analysis


def buckets_text(dump: Dump, buckets: Sequence[Any], st: Style, all: bool) -> list[str]:
    total = sum(b.count for b in buckets)
    out = [st.head(f"Goroutines: {total} in {len(buckets)} bucket{'s' if len(buckets) != 1 else ''}")]
    full = len(buckets) if all else FULL_BUCKETS
    one = len(buckets) if all else FULL_BUCKETS + ONE_LINE_BUCKETS
    width = len(str(buckets[0].count)) if buckets else 1
    for i, b in enumerate(buckets):
        if i < full:
            out.extend(_bucket_full(b, st, width, all))
        elif i < one:
            if i == full:
                out.append("")
            out.append(_bucket_line(b, st, width))
        else:
            rest = buckets[i:]
            n = sum(b.count for b in rest)
            out.append(
                f"... {len(rest)} more bucket{_s(len(rest))} ({n} goroutine{_s(n)}): --all shows them"
            )
            break
    return out


def _bucket_state(b: Any) -> str:
    """``[chan receive, 3 min]``; nothing for a debug=1 profile's record, which has no state."""
    if not b.state:
        return ""
    m = minutes_text(b.wait_minutes_min, b.wait_minutes_max)
    return f"[{b.state}, {m}]" if m else f"[{b.state}]"


def _bucket_full(b: Any, st: Style, width: int, all: bool) -> list[str]:
    pad = " " * (width + 2)
    head = f"{st(str(b.count).rjust(width), bold=True)}  {_bucket_state(b)}".rstrip()
    label = "goroutine" if b.count == 1 else "goroutines"
    if b.goroutine_ids:
        head += f" {label} {ids_text(b.goroutine_ids, 8)}"
    elif not b.state:  # a debug=1 record: a count, no state, no ids
        head += f"  {label}"
    out = ["", *wrap(head, pad + "  ", "")]
    frames = visible_frames(b.frames)
    skipped = 0
    if not all:  # the runtime's own frames on top of a user stack say little: count them
        while skipped < len(frames) - 1 and frames[skipped].function.package == "runtime":
            skipped += 1
        if skipped == len(frames) - 1 and frames[-1].function.package == "runtime":
            skipped = 0
        frames = frames[skipped:]
    shown = frames if all else frames[:BUCKET_FRAMES]
    if skipped:
        out.append(f"{pad}  {st.loc(f'({skipped} runtime frame{_s(skipped)})')}")
    for f in shown:
        out.extend(frame_lines(f, pad + "  ", st))
    if len(shown) < len(frames):
        out.append(f"{pad}  ... {len(frames) - len(shown)} more frames")
    if b.created_by:
        out.extend(wrap(f"created by {b.created_by}", pad + "    ", pad + "  "))
    return out


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _bucket_line(b: Any, st: Style, width: int) -> str:
    f = user_frame(b.frames)
    where = "" if f is None else f"{f.function.full} {location(f)}"
    line = f"{str(b.count).rjust(width)}  {_bucket_state(b)} {where}".replace("   ", "  ")
    if len(line) > WIDTH:
        line = line[: WIDTH - 3] + "..."
    return line


def diagnostics_text(dump: Dump, st: Style, all: bool) -> list[str]:
    diags = dump.diagnostics
    out = [st.head(f"Parser diagnostics: {len(diags)}")]
    limit = len(diags) if all else 5
    for d in diags[:limit]:
        out.extend(wrap(str(d), "    ", "  "))
    if len(diags) > limit:
        out.append(f"  ... {len(diags) - limit} more (--all shows them)")
    return out


# --------------------------------------------------------------------------- several dumps


def render_text_summary(rows: Iterable[tuple[str, Any] | tuple[str, Any, Dump]], color: bool = False) -> str:
    """One line per analysed dump: (source, analysis[, dump]) -> source, goroutines, findings
    by kind, worst confidence."""
    st = Style(color)
    table = [("source", "goroutines", "findings", "worst")]
    for row in rows:
        source, a = row[0], row[1]
        view = View(a, row[2] if len(row) > 2 else None)  # type: ignore[misc]
        kinds = Counter(f.kind for f in view.findings)
        found = ", ".join(f"{c} {k}" for k, c in sorted(kinds.items())) or "-"
        worst = max((f.confidence for f in view.findings), key=confidence_rank, default="-")
        table.append((source, str(goroutine_count(view.dump)), found, worst))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    src_w = min(widths[0], max(12, WIDTH - sum(widths[1:]) - 6))
    out = []
    for j, r in enumerate(table):
        src = r[0] if len(r[0]) <= src_w else "..." + r[0][-(src_w - 3) :]
        worst = r[3].ljust(widths[3])
        if j > 0 and r[3] != "-":
            worst = st.conf(r[3]) + " " * (widths[3] - len(r[3]))
        line = f"{src.ljust(src_w)}  {r[1].rjust(widths[1])}  {r[2].ljust(widths[2])}  {worst}"
        out.append(st(line, bold=True) if j == 0 else line)
    return "\n".join(x.rstrip() for x in out) + "\n"


# --------------------------------------------------------------------------- dump (parse)


def render_dump_text(dump: Dump) -> str:
    """The parsed dump, normalised: preamble, then each goroutine with its frames."""
    out = [
        f"{dump_title(dump)}: {goroutine_count(dump)} goroutine{_s(goroutine_count(dump))} "
        f"(lines {dump.start_line}-{dump.end_line})"
    ]
    p = dump.preamble
    for panic in p.panics:
        flags = " [recovered]" if panic.recovered else ""
        flags += " [repanicked]" if panic.repanicked else ""
        out.append(f"panic: {panic.value}{flags}")
    if p.signal is not None:
        out.append(f"signal: {p.signal.name}")
    for t in p.running_tests:
        out.append(f"running test: {t}")
    for g in dump.goroutines:
        out.append("")
        out.extend(_goroutine_block(g))
    for th in dump.threads:
        for g in th.goroutines:
            out.append("")
            out.extend(_goroutine_block(g, prefix="(thread) "))
    for r in dump.records:
        out.append("")
        out.append(f"{r.count} goroutine{'s' if r.count != 1 else ''}:")
        for pf in r.frames:
            fn = "?" if pf.function is None else pf.function.full
            out.append(f"    {fn}  {short_path(pf.file or '?')}:{pf.line}")
    if dump.diagnostics:
        out.append("")
        out.extend(f"diagnostic: {d}" for d in dump.diagnostics)
    return "\n".join(out) + "\n"


def _goroutine_block(g: Goroutine, prefix: str = "") -> list[str]:
    m = minutes_text(g.wait_minutes)
    state = f"{g.state}, {m}" if m else g.state
    head = f"{prefix}goroutine {g.id} [{state}]"
    if g.locked_to_thread:
        head += " locked to thread"
    if g.labels:
        head += " {" + ", ".join(f"{k}={v}" for k, v in g.labels) + "}"
    out = [head]
    for i, f in enumerate(g.frames):
        if g.elision is not None and g.elision.index == i:
            out.append(
                f"    ...{g.elision.count if g.elision.count is not None else 'more'} frames elided..."
            )
        out.append(f"    {f.function.full}({f.args_text})  {location(f)}")
    if g.elision is not None and g.elision.index >= len(g.frames):
        out.append("    ...additional frames elided...")
    if g.created_by is not None:
        cb = g.created_by
        parent = f" in goroutine {cb.parent_id}" if cb.parent_id is not None else ""
        out.append(f"    created by {cb.function.full}{parent}  {short_path(cb.file)}:{cb.line}")
    return out
