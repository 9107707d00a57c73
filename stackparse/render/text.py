"""The on-call report for a terminal (80 columns), optionally coloured with ANSI codes.

The first screen answers (:mod:`stackparse.render.plan` decides what, for every format): the
verdict in one line; what the input cannot show (a dump cut off, a debug=1 profile); for a panic
or fatal error the goroutine that crashed, its message and the frame at fault; then the findings,
most certain first, each in a few lines: goroutines alike are one line with a count
(``16 x [sync.Mutex.Lock] in pkg.worker  file.go:12``), never listed one by one. Weak leads
(``low``) come after the findings, one entry per wait site. Then lock contention, notes, pprof
labels and the dump summarised as buckets.

Past :data:`FINDING_LINES` lines a finding is cut (``--all`` draws it whole); notes that differ
only in their numbers are printed once with how many more are like it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model import Dump
from ._common import (
    EDGE_WORDS,
    View,
    contention_texts,
    contention_total,
    goroutine_id,
    holder_frame,
    ids_text,
    location,
    minutes_text,
    note_groups,
    site_location,
    unexplained_contention,
)
from .plan import Crash, LowGroup, labels_text, make_plan
from .textbase import (
    LISTED_CONTENTION,
    LISTED_NOTES,
    WIDTH,
    Style,
    buckets_text,
    diagnostics_text,
    frame_lines,
    render_dump_text,
    render_text_summary,
    source_lines,
    wrap,
)
from .words import plural, readable

if TYPE_CHECKING:
    from ..source import SourceMap

__all__ = ["render_dump_text", "render_text", "render_text_summary"]

#: Lines of one finding's drawing (without --all); past them, the rest is counted.
FINDING_LINES = 20
#: Sites listed under a group of goroutines (the most common first).
LISTED_SITES = 3
#: Label sets listed (without --all).
LISTED_LABELS = 10


def render_text(
    analysis: Any,
    color: bool = False,
    all: bool = False,
    dump: Dump | None = None,
    source: SourceMap | None = None,
    min_confidence: str | None = None,
    top: int | None = None,
) -> str:
    """The on-call report (see the module docstring). ``min_confidence`` and ``top`` limit the
    findings printed; ``source`` (a checkout of the service) quotes the source line of each
    blocking site, of the frame at fault of a panic, and of the frame an inferred lock holder
    was found in."""
    st = Style(color)
    view = View(analysis, dump, source)
    plan = make_plan(view, min_confidence, top)
    out = [st(line, bold=True) for line in wrap(plan.verdict, "  ", "")]
    for lim in plan.limits:
        out.extend(st(x, fg="yellow") for x in wrap(lim, "  ", "! "))
    if plan.crash is not None:
        out.extend(_crash(view, plan.crash, st))
    out.extend(_states(view))
    out.append("")
    for number, f in plan.findings:
        out.extend(_finding(view, f, number, st, all))
        out.append("")
    if plan.low:
        out.extend(_low(view, plan.low, st, all))
        out.append("")
    if plan.omitted:
        out.append(f"({plural(plan.omitted, 'more finding')} left out by --min-confidence / --top)")
        out.append("")
    out.extend(_contention(analysis, st, all))
    out.extend(_notes(view, all))
    out.extend(_labels(plan.labels, st, all))
    out.extend(buckets_text(view.dump, view.buckets, st, all=all))
    if view.dump.diagnostics:
        out.append("")
        out.extend(diagnostics_text(view.dump, st, all=all))
    return "\n".join(line.rstrip() for line in out).rstrip() + "\n"


def _states(view: View) -> list[str]:
    states = Counter(g.state for g in view.dump.goroutines)
    if not states:
        return []
    top = ", ".join(f"{c} {s}" for s, c in states.most_common(4))
    if len(states) > 4:
        top += f", {sum(c for _, c in states.most_common()[4:])} other"
    return wrap(f"states: {top}", "  ", "")


def _crash(view: View, c: Crash, st: Style) -> list[str]:
    out = [st(x, fg="red", bold=True) for x in wrap(c.message, "  ", "")]
    if c.signal:
        out.append(f"[signal {c.signal}]")
    if c.goroutine is None:
        return out
    head = f"  in {st.g(f'goroutine {c.goroutine}')} [{c.state}]"
    if c.frame is None:
        return [*out, head]
    out.append(head + " at")
    out.extend(frame_lines(c.frame, "    ", st))
    out.extend(source_lines(view, c.frame, "      ", st))
    if c.caller is not None:
        out.extend(frame_lines(c.caller, "    called from ", st))
        out.extend(source_lines(view, c.caller, "      ", st))
    return out


def _finding(view: View, f: Any, number: int, st: Style, all: bool) -> list[str]:
    lead = f"{number}. {f.kind.upper()} ({f.confidence})"
    wrapped = wrap(f"{lead}: {readable(f.title)}", "   ", "")
    # Colour the kind and confidence words of the first line only.
    out = [f"{number}. {st.kind(f.kind)} ({st.conf(f.confidence)}){wrapped[0][len(lead):]}", *wrapped[1:]]
    body = _topology(view, f, st)
    if f.blocked_behind:
        body.extend(_behind(view, f.blocked_behind, st))
    for n in f.notes:
        body.extend(wrap(readable(str(n)), "         ", "   note: "))
    if not all and len(body) > FINDING_LINES:
        cut = len(body) - (FINDING_LINES - 1)
        body = body[: FINDING_LINES - 1] + [f"   ... {plural(cut, 'more line')} (--all draws the finding whole)"]
    return out + body


def _low(view: View, groups: list[LowGroup], st: Style, all: bool) -> list[str]:
    """Weak leads, one entry per (kind, state, wait site)."""
    n = sum(len(g.findings) for g in groups)
    out = [st(f"Weak leads (low confidence): {plural(n, 'finding')} at {plural(len(groups), 'site')}", bold=True)]
    for g in groups if all else groups[:10]:
        lead = f"{g.number}. {g.kind.upper()} (low)"
        loc = "" if g.frame is None else location(g.frame)
        if len(g.findings) == 1:
            head = f"{lead}: {g.example}"
        else:
            head = f"{lead}: {plural(len(g.findings), 'lead')}, {plural(g.count, 'goroutine')} [{g.state or '?'}]"
            if g.frame is not None:
                head += f" in {g.frame.function.full}"
        wrapped = wrap(head, "      ", "")
        out.append(f"{g.number}. {st.kind(g.kind)} ({st.conf('low')}){wrapped[0][len(lead):]}")
        out.extend(wrapped[1:])
        if loc and loc not in head:
            out.append(f"      {st.loc(loc)}")
        if len(g.goroutines) > 1:
            ids = ids_text(g.goroutines, len(g.goroutines) if all else 8)
            out.extend(wrap(f"goroutines {ids}", "        ", "      "))
        if len(g.findings) > 1:
            out.extend(wrap(g.example, "        ", "      e.g. "))
    if not all and len(groups) > 10:
        out.append(f"   ... {plural(len(groups) - 10, 'more site')} (--all shows them)")
    return out


def _contention(analysis: Any, st: Style, all: bool) -> list[str]:
    """Lock contention no finding reports: locks alike summed up, most waiters first."""
    groups = unexplained_contention(analysis)
    if not groups:
        return []
    shown = groups if all else groups[:LISTED_CONTENTION]
    out = [st(x, bold=True) for x in wrap(f"Lock contention: {contention_total(groups)}", "  ", "")]
    for c in shown:
        head, held = contention_texts(c)
        out.extend(wrap(readable(head), "      ", "  "))
        if c.waiting_at is not None:
            out.append(f"      {st.loc(site_location(c.waiting_at))}")
        out.extend(wrap(readable(held), "        ", "    "))
        if c.held_at is not None:
            out.append(f"        {st.loc(site_location(c.held_at))}")
            if len(c.locks) > 1:
                out.extend(
                    wrap(readable(f"e.g. {c.locks[0]} is held by goroutine {c.holders[0]}"), "        ", "    ")
                )
    if len(shown) < len(groups):
        out.append(f"  ... {len(groups) - len(shown)} more (--all shows them)")
    out.append("")
    return out


def _notes(view: View, all: bool) -> list[str]:
    out: list[str] = []
    if all:
        for n in view.notes:
            out.extend(wrap(readable(n), "      ", "note: "))
    else:
        shown = 0
        for n, alike in note_groups(view.notes)[:LISTED_NOTES]:
            out.extend(wrap(readable(n), "      ", "note: "))
            if alike:
                out.append(f"      (and {len(alike)} more like it)")
            shown += 1 + len(alike)
        if shown < len(view.notes):
            out.append(f"... {plural(len(view.notes) - shown, 'more note')} (--all shows them)")
    if out:
        out.append("")
    return out


def _labels(groups: Sequence[Any], st: Style, all: bool) -> list[str]:
    if not groups:
        return []
    n = sum(g.count for g in groups)
    out = [st(f"pprof labels: {plural(n, 'goroutine')} carry {plural(len(groups), 'label set')}", bold=True)]
    for g in groups if all else groups[:LISTED_LABELS]:
        text = f"{g.count} x {labels_text(g.labels)}"
        if g.frame is not None:
            text += f" in {g.frame.function.full}"
        if g.goroutines:
            text += f" (goroutine{'s' if len(g.goroutines) != 1 else ''} {ids_text(g.goroutines, 6)})"
        out.extend(wrap(text, "      ", "  "))
    if not all and len(groups) > LISTED_LABELS:
        out.append(f"  ... {len(groups) - LISTED_LABELS} more (--all shows them)")
    out.append("")
    return out


# --------------------------------------------------------------------------- a finding's drawing


def _goroutine_lines(view: View, gid: int, indent: str, st: Style) -> list[str]:
    lines = [f"{indent}{st.g(f'goroutine {gid}')} [{view.goroutine_status(gid)}]"]
    f = view.site_frame(gid)
    if f is not None:
        lines.extend(frame_lines(f, indent + "    ", st))
        lines.extend(source_lines(view, f, indent + "      ", st))
    return lines


def _node_text(view: View, key: str, st: Style) -> str:
    title = view.node_title(key)
    return st.g(title) if goroutine_id(key) is not None else st.res(title)


def _edge_word(e: Any, target: str, st: Style) -> str:
    """``-> waits on mutex 0x..`` (a goroutine's own wait is a fact: no confidence printed),
    ``-> held by goroutine 7 (high)``."""
    if e.kind == "waits-for":
        word = "waits in" if "a select" in target else "waits for"
        return f"     -> {word} {target}"
    return f"     -> {EDGE_WORDS.get(e.kind, e.kind)} {target} ({st.conf(e.confidence)})"


def _evidence(e: Any) -> list[str]:
    if e.evidence and e.kind != "waits-for":
        return wrap(readable(e.evidence), "          ", "        because ")
    return []


def _sites(view: View, ids: Sequence[int], st: Style, indent: str) -> list[str]:
    """``16 x [sync.Mutex.Lock] in pkg.worker  file.go:12`` for the most common sites of ``ids``."""
    out = []
    sites = view.common_sites(ids, LISTED_SITES + 1)
    if len(sites) > LISTED_SITES and sum(c for c, _, _ in sites) < len(ids):
        sites = sites[:LISTED_SITES]  # the last line says how many more, rather than one of them
    for count, state, frame in sites:
        text = f"{count} x [{state}]" + ("" if frame is None else f" in {frame.function.full}")
        loc = "" if frame is None else location(frame)
        if len(indent) + len(text) + 2 + len(loc) <= WIDTH:
            out.append(f"{indent}{text}  {st.loc(loc)}".rstrip())
        else:
            out.extend(wrap(text, indent + "    ", indent))
            if loc:
                out.append(f"{indent}    {st.loc(loc)}")
    rest = len(ids) - sum(c for c, _, _ in sites)
    if rest > 0:
        out.append(f"{indent}... {plural(rest, 'more goroutine')} elsewhere")
    return out


def _topology(view: View, f: Any, st: Style) -> list[str]:
    """The finding's edges as a chain of waits from its first goroutine; the edges of one kind
    from one node to several goroutines (their possible releasers) are one line with their
    sites, and goroutines alike are one line with a count."""
    out: list[str] = []
    edges = list(f.edges)
    by_source: dict[str, list[int]] = defaultdict(list)
    targets = set()
    for i, e in enumerate(edges):
        by_source[e.source].append(i)
        targets.add(e.target)
    used: set[int] = set()
    shown: set[str] = set()

    def fan_out(cur: str) -> bool:
        """Collapse 3+ unused edges of one kind from ``cur`` to goroutines; True if it did."""
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i in by_source.get(cur, ()):
            if i not in used and goroutine_id(edges[i].target) is not None:
                groups[(edges[i].kind, edges[i].confidence)].append(i)
        done = False
        for idx in groups.values():
            if len(idx) < 3:
                continue
            done = True
            used.update(idx)
            gids = list(dict.fromkeys(goroutine_id(edges[i].target) or 0 for i in idx))
            e0 = edges[idx[0]]
            out.append(_edge_word(e0, st.g(plural(len(gids), "goroutine")), st))
            evid = {readable(edges[i].evidence) for i in idx}
            if len(evid) == 1:
                out.extend(_evidence(e0))
            out.extend(_sites(view, gids, st, "          "))
            # what those goroutines wait on, in one line
            theirs = [j for g in gids for j in by_source.get(f"g:{g}", ()) if j not in used]
            used.update(theirs)
            tgts = {edges[j].target for j in theirs}
            if tgts:
                titles = {view.node_title(t) for t in tgts}
                what = next(iter(titles)) if len(titles) == 1 else plural(len(tgts), "different object")
                out.extend(wrap(f"(they wait for {what})", "           ", "          "))
            shown.update(f"g:{g}" for g in gids)
        return done

    def walk(start: str) -> None:
        cur = start
        shown.add(cur)
        gid = goroutine_id(cur)
        if gid is not None:
            out.extend(_goroutine_lines(view, gid, "   ", st))
        else:
            out.append(f"   {_node_text(view, cur, st)}")
        while True:
            fan_out(cur)
            nxt = next((i for i in by_source.get(cur, []) if i not in used), None)
            if nxt is None:
                return
            used.add(nxt)
            e = edges[nxt]
            closes = e.target in shown
            tail = f"  {st('<- cycle', fg='red', bold=True)}" if closes else ""
            out.append(_edge_word(e, _node_text(view, e.target, st), st) + tail)
            out.extend(_evidence(e))
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
        mins = [m for m in (view.minutes(g) for g in members) if m is not None]
        gr0 = view.goroutine(g0)
        m = minutes_text(min(mins, default=None), max(mins, default=None))
        fr = view.site_frame(g0)
        head = f"{len(members)} x [{gr0.state if gr0 else '?'}{', ' + m if m else ''}]"
        if fr is not None:
            head += f" in {fr.function.full}"
        loc = "" if fr is None else location(fr)
        if loc and 3 + len(head) + 2 + len(loc) <= WIDTH:  # one line when it fits
            out.append(f"   {head}  {st.loc(loc)}")
        else:
            out.extend(wrap(head, "       ", "   "))
            if loc:
                out.append(f"       {st.loc(loc)}")
        if fr is not None:
            out.extend(source_lines(view, fr, "         ", st))
        out.extend(wrap(f"goroutines {ids_text(members, 8)}", "         ", "       "))
        for i in by_source.get(f"g:{g0}", ()):
            e = edges[i]
            tgts = {edges[j].target for g in members for j in by_source.get(f"g:{g}", ()) if edges[j].kind == e.kind}
            what = _node_text(view, e.target, st)
            if len(tgts) > 1:
                titles = {view.node_title(t) for t in tgts}
                what = st.res(next(iter(titles)) if len(titles) == 1 else f"{len(tgts)} different objects")
            out.append(_edge_word(e, what, st))
            out.extend(_evidence(e))
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
    if len(rest) == 1:
        out.extend(_goroutine_lines(view, rest[0], "   ", st))
    elif rest:
        out.extend(_sites(view, rest, st, "   "))
    return out


def _holder_lines(view: View, e: Any, st: Style) -> list[str]:
    """Under a ``held-by`` edge: the holder's frame the evidence names, with its source line,
    when a checkout was given and that frame is not the holder's blocking site."""
    if view.source is None:
        return []
    fr = holder_frame(view, e)
    gid = goroutine_id(e.target)
    if fr is None or gid is None or fr is view.site_frame(gid):
        return []
    src = source_lines(view, fr, "            ", st)
    if not src:
        return []
    head = frame_lines(fr, "             ", st)
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


def _behind(view: View, ids: Sequence[int], st: Style) -> list[str]:
    out = wrap(f"({ids_text(ids)})", "     ", f"   blocked behind it: {plural(len(ids), 'goroutine')} ")
    out.extend(_sites(view, ids, st, "     "))
    return out


