"""Plain-text reports for a terminal (80 columns), optionally coloured with ANSI codes.

Scale: past :data:`LISTED_LOW_FINDINGS` low-confidence findings (a production dump can have
thousands: one per lock whose holder is not in sight) the report draws the other findings first
and sums the low ones up, one entry per wait site; ``--all`` draws every one, and the JSON always
lists every one. Notes that differ only in their numbers (one per lock or channel) are printed
once with how many more are like it, and past :data:`LISTED_NOTES` such groups the rest are
counted, not printed (``--all`` prints every note).

Colour goes through ``click.style`` (click is already the CLI's dependency); the caller decides
whether to colour (the CLI checks for a terminal and ``NO_COLOR``).
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from ..model import Dump, Frame, Goroutine
from ._common import (
    EDGE_WORDS,
    View,
    confidence_rank,
    contention_texts,
    contention_total,
    dump_title,
    goroutine_count,
    goroutine_id,
    holder_frame,
    ids_text,
    location,
    minutes_text,
    note_groups,
    short_path,
    site_location,
    unexplained_contention,
    visible_frames,
)

if TYPE_CHECKING:
    from ..source import SourceMap

WIDTH = 80
#: Buckets shown with their whole stack (without --all); the next ONE_LINE_BUCKETS get a line.
FULL_BUCKETS = 10
ONE_LINE_BUCKETS = 30
#: Goroutines of a finding listed one by one (after grouping those of the same shape).
LISTED_GOROUTINES = 10
#: Frames shown per bucket stack (without --all).
BUCKET_FRAMES = 12
#: With more low-confidence findings than this, the report (without --all) draws the others in
#: full and sums the low ones up, one entry per wait site; JSON lists every one.
LISTED_LOW_FINDINGS = 10
#: Notes printed (without --all).
LISTED_NOTES = 20
#: Lock contention records shown without --all.
LISTED_CONTENTION = 5

_CONF_COLOR = {"certain": "red", "high": "red", "medium": "yellow", "low": "blue"}
_KIND_COLOR = {"deadlock": "red", "leak": "yellow"}


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **kw: Any) -> str:
        return click.style(text, **kw) if self.color and text else text

    def conf(self, confidence: str) -> str:
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


def _wrap(text: str, indent: str, first: str | None = None, width: int = WIDTH) -> list[str]:
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent if first is None else first]


def _source_lines(view: View, frame: Frame | None, indent: str, st: _Style) -> list[str]:
    """``| the source line`` under a frame, when a checkout was given and has the file."""
    text = view.source_line(frame)
    if text is None:
        return []
    line = f"{indent}| {text}"
    if len(line) > WIDTH:
        line = line[: WIDTH - 3] + "..."
    return [indent + st(line[len(indent) :], fg="green")]


def _frame_lines(frame: Frame, indent: str, st: _Style, args: bool = False) -> list[str]:
    """``function  file:line`` on one line when it fits in 80 columns, else on two."""
    func = frame.function.full + (f"({frame.args_text})" if args else "")
    loc = location(frame)
    if len(indent) + len(func) + 2 + len(loc) <= WIDTH:
        return [f"{indent}{func}  {st.loc(loc)}"]
    return [f"{indent}{func}", f"{indent}    {st.loc(loc)}"]


# --------------------------------------------------------------------------- analysis


def render_text(
    analysis: Any,
    color: bool = False,
    all: bool = False,
    dump: Dump | None = None,
    source: SourceMap | None = None,
) -> str:
    """The on-call report: headline, findings (most certain first, each drawn as its chain of
    waits with the evidence of every inferred edge), then the dump summarised as buckets.

    With ``source`` (a checkout of the service), the source line is quoted under the
    blocking-site frame of every goroutine of a finding and under the frame an inferred lock
    holder was found in."""
    st = _Style(color)
    view = View(analysis, dump, source)
    out: list[str] = []
    out.extend(_headline(view, st))
    out.append("")
    findings = view.findings
    if findings:
        # Dozens of weak suspicions (a lock whose holder is not in sight, per lock) would bury the
        # real findings: past LISTED_LOW_FINDINGS they are summed up by site after the others.
        low = [] if all else [i for i, f in enumerate(findings, 1) if f.confidence == "low"]
        if len(low) <= LISTED_LOW_FINDINGS:
            low = []
        skip = set(low)
        for i, f in enumerate(findings, 1):
            if i in skip:
                continue
            out.extend(_finding(view, f, i, st))
            out.append("")
        if low:
            out.extend(_low_findings(view, [(i, findings[i - 1]) for i in low], st))
            out.append("")
    else:
        out.append("No deadlock or leak found.")
        out.append("")
    out.extend(_contention(analysis, st, all))
    if all:
        for n in view.notes:
            out.extend(_wrap(n, "      ", "note: "))
    else:
        shown = 0
        for n, alike in note_groups(view.notes)[:LISTED_NOTES]:
            out.extend(_wrap(n, "      ", "note: "))
            if alike:
                out.append(f"      (and {len(alike)} more like it)")
            shown += 1 + len(alike)
        if shown < len(view.notes):
            out.append(f"... {len(view.notes) - shown} more notes (--all shows them)")
    if view.notes:
        out.append("")
    out.extend(_buckets(view.dump, view.buckets, st, all=all))
    if view.dump.diagnostics:
        out.append("")
        out.extend(_diagnostics(view.dump, st, all=all))
    return "\n".join(line.rstrip() for line in out).rstrip() + "\n"


def _headline(view: View, st: _Style) -> list[str]:
    dump = view.dump
    n = goroutine_count(dump)
    kinds = Counter(f.kind for f in view.findings)
    if kinds:
        found = ", ".join(f"{c} {k}{'s' if c != 1 else ''}" for k, c in kinds.most_common())
    else:
        found = "no findings"
    lines = _wrap(f"{dump_title(dump)}: {n} goroutine{'s' if n != 1 else ''}, {found}", "  ", "")
    lines[0] = st(lines[0], bold=True)
    states = Counter(g.state for g in dump.goroutines)
    if states:
        top = ", ".join(f"{c} {s}" for s, c in states.most_common(5))
        if len(states) > 5:
            top += f", {sum(c for _, c in states.most_common()[5:])} other"
        lines.extend(_wrap(f"states: {top}", "  ", ""))
    return lines


def _finding(view: View, f: Any, index: int, st: _Style) -> list[str]:
    out: list[str] = []
    k, c = f.kind.upper(), f"({f.confidence})"
    wrapped = _wrap(f"{index}. {k} {c}: {f.title}", "   ", "")
    lead = f"{index}. {k} {c}"
    # Colour the kind and confidence words of the first line only.
    out.append(f"{index}. {st.kind(f.kind)} ({st.conf(f.confidence)}){wrapped[0][len(lead) :]}")
    out.extend(wrapped[1:])
    out.extend(_topology(view, f, st))
    if f.blocked_behind:
        out.extend(_behind(view, f.blocked_behind, st))
    for n in f.notes:
        out.extend(_wrap(str(n), "         ", "   note: "))
    return out


def _low_findings(view: View, numbered: list[tuple[int, Any]], st: _Style) -> list[str]:
    """The low-confidence findings summed up: one entry per (kind, rule, state, wait site) with
    how many findings and goroutines, their ids and one example."""
    groups: dict[tuple[Any, ...], list[tuple[int, Any]]] = {}
    for i, f in numbered:
        g0 = f.goroutines[0] if f.goroutines else None
        g = None if g0 is None else view.goroutine(g0)
        fr = None if g0 is None else view.site_frame(g0)
        where = (fr.function.full, fr.file, fr.line) if fr is not None else (f.title,)
        key = (f.kind, f.rule, None if g is None else g.state, where)
        groups.setdefault(key, []).append((i, f))
    n = len(numbered)
    out = _wrap(f"{n} low-confidence findings, by wait site (--all shows each one):", "  ", "")
    out[0] = st(out[0], bold=True)
    for (kind, rule, state, _), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        i0, f0 = members[0]
        ids = [g for _, f in members for g in f.goroutines]
        count = sum(f.count or len(f.goroutines) for _, f in members)
        lead = f"{len(members)} x {kind.upper()} (low)"
        head = lead + (f" {rule}" if rule else "")
        if ids:
            head += f": {_plural(count, 'goroutine')} [{state or '?'}] {ids_text(ids, 6)}"
        wrapped = _wrap(head, "       ", "   ")
        # Colour the kind and confidence words of the first line only (as _finding does).
        wrapped[0] = f"   {len(members)} x {st.kind(kind)} ({st.conf('low')}){wrapped[0][3 + len(lead) :]}"
        out.append("")
        out.extend(wrapped)
        fr = view.site_frame(f0.goroutines[0]) if f0.goroutines else None
        if fr is not None:
            out.extend(_frame_lines(fr, "       ", st))
        out.extend(_wrap(f"e.g. #{i0}: {f0.title}", "         ", "       "))
    return out


def _contention(analysis: Any, st: _Style, all: bool) -> list[str]:
    """Lock contention no finding reports: locks alike (same waiting site, same holder site)
    summed up, most waiters first (:class:`stackparse.analysis.Contention`)."""
    groups = unexplained_contention(analysis)
    if not groups:
        return []
    shown = groups if all else groups[:LISTED_CONTENTION]
    out = _wrap(f"Lock contention: {contention_total(groups)}", "  ", "")
    out[0] = st(out[0], bold=True)
    for c in shown:
        head, held = contention_texts(c)
        out.extend(_wrap(head, "      ", "  "))
        if c.waiting_at is not None:
            out.append(f"      {st.loc(site_location(c.waiting_at))}")
        out.extend(_wrap(held, "        ", "    "))
        if c.held_at is not None:
            out.append(f"        {st.loc(site_location(c.held_at))}")
            if len(c.locks) > 1:
                out.extend(_wrap(f"e.g. {c.locks[0]} is held by goroutine {c.holders[0]}", "        ", "    "))
    if len(shown) < len(groups):
        out.append(f"  ... {len(groups) - len(shown)} more (--all shows them)")
    out.append("")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _goroutine_lines(view: View, gid: int, indent: str, st: _Style, suffix: str = "") -> list[str]:
    lines = [f"{indent}{st.g(f'goroutine {gid}')} [{view.goroutine_status(gid)}]{suffix}"]
    f = view.site_frame(gid)
    if f is not None:
        lines.extend(_frame_lines(f, indent + "    ", st))
        lines.extend(_source_lines(view, f, indent + "      ", st))
    return lines


def _node_text(view: View, key: str, st: _Style) -> str:
    title = view.node_title(key)
    return st.g(title) if goroutine_id(key) is not None else st.res(title)


def _topology(view: View, f: Any, st: _Style) -> list[str]:
    """The finding's edges drawn as a chain of waits from its first goroutine."""
    out: list[str] = []
    edges = list(f.edges)
    by_source: dict[str, list[int]] = defaultdict(list)
    targets = set()
    for i, e in enumerate(edges):
        by_source[e.source].append(i)
        targets.add(e.target)
    used: set[int] = set()
    shown: set[str] = set()

    def walk(start: str) -> None:
        cur = start
        shown.add(cur)
        gid = goroutine_id(cur)
        if gid is not None:
            out.extend(_goroutine_lines(view, gid, "   ", st))
        else:
            out.append(f"   {_node_text(view, cur, st)}")
        while True:
            nxt = next((i for i in by_source.get(cur, []) if i not in used), None)
            if nxt is None:
                return
            used.add(nxt)
            e = edges[nxt]
            closes = e.target in shown
            word = EDGE_WORDS.get(e.kind, e.kind)
            tail = f"  {st('<- cycle', fg='red', bold=True)}" if closes else ""
            out.append(f"     -> {word} {_node_text(view, e.target, st)} ({st.conf(e.confidence)}){tail}")
            if e.evidence and (e.kind != "waits-for" or e.confidence != "certain"):
                out.extend(_wrap(e.evidence, "          ", "        because "))
            out.extend(_holder_lines(view, e, st))
            if closes:
                return
            shown.add(e.target)
            cur = e.target
            gid = goroutine_id(cur)
            if gid is not None:
                out.extend(_goroutine_lines(view, gid, "   ", st))

    # Goroutines of the same shape (leaks: dozens parked at one line) are drawn once.
    for members in _alike(view, f.goroutines, edges, by_source, targets):
        g0 = members[0]
        n = len(members)
        lo = min((m for m in (view.minutes(g) for g in members) if m is not None), default=None)
        hi = max((m for m in (view.minutes(g) for g in members) if m is not None), default=None)
        gr0 = view.goroutine(g0)
        state = gr0.state if gr0 else "?"
        m = minutes_text(lo, hi)
        head = f"{st.g(f'{n} goroutines')} [{state}{', ' + m if m else ''}]: {ids_text(members, 6)}"
        out.extend(_wrap(head, "       ", "   "))
        fr = view.site_frame(g0)
        if fr is not None:
            out.extend(_frame_lines(fr, "       ", st))
            out.extend(_source_lines(view, fr, "         ", st))
        for i in by_source.get(f"g:{g0}", ()):
            e = edges[i]
            tgts = {
                edges[j].target
                for g in members
                for j in by_source.get(f"g:{g}", ())
                if edges[j].kind == e.kind
            }
            what = _node_text(view, e.target, st)
            if len(tgts) > 1:
                titles = {view.node_title(t) for t in tgts}
                kind = view.node_title(e.target).split(" ")[0]
                what = st.res(
                    f"{kind} (address unknown)" if len(titles) == 1 else f"{len(tgts)} different {kind}s"
                )
            out.append(f"     -> {EDGE_WORDS.get(e.kind, e.kind)} {what} ({st.conf(e.confidence)})")
            if e.evidence and (e.kind != "waits-for" or e.confidence != "certain"):
                out.extend(_wrap(e.evidence, "          ", "        because "))
        for g in members:
            used.update(by_source.get(f"g:{g}", ()))
            shown.add(f"g:{g}")

    starts = [f"g:{g}" for g in f.goroutines if f"g:{g}" in by_source]
    starts += [e.source for e in edges if e.source not in targets]
    starts += [e.source for e in edges]
    for s in starts:
        if any(i not in used for i in by_source.get(s, [])):
            walk(s)
    rest = [gid for gid in f.goroutines if f"g:{gid}" not in shown]
    for gid in rest[:LISTED_GOROUTINES]:
        out.extend(_goroutine_lines(view, gid, "   ", st))
    if len(rest) > LISTED_GOROUTINES:
        out.append(
            f"   ... {len(rest) - LISTED_GOROUTINES} more goroutines: {ids_text(rest[LISTED_GOROUTINES:], 8)}"
        )
    return out


def _holder_lines(view: View, e: Any, st: _Style) -> list[str]:
    """Under a ``held-by`` edge: the holder's frame the evidence names, with its source line,
    when a checkout was given and that frame is not the holder's blocking site (whose line is
    shown with the goroutine)."""
    if view.source is None:
        return []
    fr = holder_frame(view, e)
    gid = goroutine_id(e.target)
    if fr is None or gid is None or fr is view.site_frame(gid):
        return []
    src = _source_lines(view, fr, "            ", st)
    if not src:
        return []
    head = _frame_lines(fr, "             ", st)
    head[0] = "          in" + head[0][len("          in") :]
    return head + src


def _alike(
    view: View, gids: Sequence[int], edges: list[Any], by_source: dict[str, list[int]], targets: set[str]
) -> list[list[int]]:
    """Groups (2+) of the finding's goroutines that no edge points to, whose edges all lead to
    resources, and that share state, wait site and edge kinds."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for gid in gids:
        key = f"g:{gid}"
        if key in targets:
            continue
        out = [edges[i] for i in by_source.get(key, ())]
        if any(goroutine_id(e.target) is not None for e in out):
            continue
        g = view.goroutine(gid)
        fr = view.site_frame(gid)
        sig = (
            None if g is None else g.state,
            None if fr is None else (fr.function.full, fr.file, fr.line),
            tuple((e.kind, e.confidence, view.node_title(e.target).split(" ")[0]) for e in out),
        )
        groups.setdefault(sig, []).append(gid)
    return [m for m in groups.values() if len(m) > 1]


def _behind(view: View, ids: Sequence[int], st: _Style) -> list[str]:
    n = len(ids)
    out = _wrap(f"({ids_text(ids)})", "     ", f"   blocked behind it: {n} goroutine{'s' if n != 1 else ''} ")
    for count, state, frame in view.common_sites(ids):
        where = "" if frame is None else f" in {frame.function.full}"
        text = f"{count} x [{state}]{where}"
        if frame is not None and len(text) + 7 + len(location(frame)) <= WIDTH:
            out.append(f"     {text}  {st.loc(location(frame))}")
            continue
        out.extend(_wrap(text, "         ", "     "))
        if frame is not None:
            out.append(f"         {st.loc(location(frame))}")
    return out


# --------------------------------------------------------------------------- buckets


def _buckets(dump: Dump, buckets: Sequence[Any], st: _Style, all: bool) -> list[str]:
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
            out.append(f"... {len(rest)} more buckets ({n} goroutines): --all shows them")
            break
    return out


def _bucket_state(b: Any) -> str:
    m = minutes_text(b.wait_minutes_min, b.wait_minutes_max)
    state = b.state or "?"
    return f"{state}, {m}" if m else state


def _bucket_full(b: Any, st: _Style, width: int, all: bool) -> list[str]:
    pad = " " * (width + 2)
    head = f"{st(str(b.count).rjust(width), bold=True)}  [{_bucket_state(b)}]"
    if b.goroutine_ids:
        label = "goroutine" if b.count == 1 else "goroutines"
        head += f" {label} {ids_text(b.goroutine_ids, 8)}"
    out = ["", *_wrap(head, pad + "  ", "")]
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
        out.extend(_frame_lines(f, pad + "  ", st))
    if len(shown) < len(frames):
        out.append(f"{pad}  ... {len(frames) - len(shown)} more frames")
    if b.created_by:
        out.extend(_wrap(f"created by {b.created_by}", pad + "    ", pad + "  "))
    return out


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _bucket_line(b: Any, st: _Style, width: int) -> str:
    from ._common import user_frame

    f = user_frame(b.frames)
    where = "" if f is None else f"{f.function.full} {location(f)}"
    line = f"{str(b.count).rjust(width)}  [{_bucket_state(b)}] {where}"
    if len(line) > WIDTH:
        line = line[: WIDTH - 3] + "..."
    return line


def _diagnostics(dump: Dump, st: _Style, all: bool) -> list[str]:
    diags = dump.diagnostics
    out = [st.head(f"Parser diagnostics: {len(diags)}")]
    limit = len(diags) if all else 5
    for d in diags[:limit]:
        out.extend(_wrap(str(d), "    ", "  "))
    if len(diags) > limit:
        out.append(f"  ... {len(diags) - limit} more (--all shows them)")
    return out


# --------------------------------------------------------------------------- several dumps


def render_text_summary(rows: Iterable[tuple[str, Any] | tuple[str, Any, Dump]], color: bool = False) -> str:
    """One line per analysed dump: (source, analysis[, dump]) -> source, goroutines, findings
    by kind, worst confidence."""
    st = _Style(color)
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
        f"{dump_title(dump)}: {goroutine_count(dump)} goroutines (lines {dump.start_line}-{dump.end_line})"
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
