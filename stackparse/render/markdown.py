"""Compact findings for chat and issue trackers (GitHub comments, Slack): under
:data:`LIMIT` characters, cut with a "... N more" line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..model import Dump, Frame
from ._common import (
    EDGE_WORDS,
    View,
    contention_texts,
    contention_total,
    goroutine_id,
    holder_frame,
    ids_text,
    location,
    site_location,
    unexplained_contention,
    user_frame,
)
from .picture import ordered_edges
from .plan import Crash, LowGroup, make_plan
from .words import plural, readable

if TYPE_CHECKING:
    from ..source import SourceMap

#: Slack truncates messages around 4000 characters; GitHub comments allow more.
LIMIT = 3900

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(text: str) -> str:
    """Escape Markdown in free text taken from the dump: ``& < >`` as entities (GitHub and
    Slack both decode them; Slack has no backslash escapes), the rest with backslashes."""
    text = text.replace("\n", " ").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    text = text.replace("\n", " ")
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if run or text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(
    analysis: Any,
    limit: int = LIMIT,
    dump: Dump | None = None,
    source: SourceMap | None = None,
    min_confidence: str | None = None,
    top: int | None = None,
) -> str:
    """Findings for a chat message or an issue comment, at most ``limit`` characters, in the
    order of every report (:func:`stackparse.render.plan.make_plan`): verdict, what the input
    cannot show, the goroutine that panicked, the findings most certain first, weak leads.

    The budget is shared: each finding gets its share (its title always), the lines past its
    share are cut, so that the tenth finding is not dropped for the first one's details.
    With ``source`` (a checkout of the service), blocking sites get their source line."""
    view = View(analysis, dump, source)
    plan = make_plan(view, min_confidence, top)
    head = [f"**stackparse**: {md_text(plan.verdict)}"]
    head.extend(f"> ⚠ {md_text(x)}" for x in plan.limits)
    if plan.crash is not None:
        head.append(_crash(view, plan.crash))
    out = "\n".join(head) + "\n\n"
    blocks = [_finding(view, n, f) for n, f in plan.findings]
    low = _low(plan.low)
    if not blocks and not low:
        blocks = [_no_findings(view)]
    tail = ""
    if plan.omitted:
        tail = f"_{plural(plan.omitted, 'more finding')} left out by --min-confidence / --top_\n"
    room = limit - len(out) - len(tail) - (min(len(low), 600) if low else 0)
    out += _share(blocks, room)
    if low and len(out) + len(low) + len(tail) <= limit:
        out += low + "\n"
    elif low:
        out += _share([low], limit - len(out) - len(tail))
    out += tail
    extra = _contention(analysis)
    if extra and len(out) + len(extra) + 1 <= limit:
        out += "\n" + extra
    return out


def _share(blocks: list[str], room: int) -> str:
    """``blocks`` in ``room`` characters: each cut to an equal share (the room the shorter ones
    leave goes to the longer ones); whole blocks dropped from the end when even their first line
    does not fit."""
    out = ""
    left = list(blocks)
    while left:
        share = max(room - len(out), 0) // len(left)
        b = left.pop(0)
        if len(b) + 1 > share:
            lines = b.rstrip("\n").split("\n")
            kept = lines[:1]
            for line in lines[1:]:
                if len("\n".join(kept)) + len(line) + 12 > share:
                    break
                kept.append(line)
            cut = len(lines) - len(kept)
            b = "\n".join(kept) + ("\n- … (cut: see the full report)" if cut else "") + "\n"
            if len(out) + len(b) > room:
                more = 1 + len(left)
                return out + f"… {plural(more, 'more finding')} (see the full report)\n"
        out += b + "\n"
    return out


def _crash(view: View, c: Crash) -> str:
    text = f"**{md_text(c.message)}**"
    if c.goroutine is not None:
        text += f" in goroutine {c.goroutine}"
    if c.frame is not None:
        text += f" at {md_code(c.frame.function.full)} ({md_code(location(c.frame))})"
        src = view.source_line(c.frame)
        if src is not None:
            text += f": {md_code(src)}"
    if c.caller is not None:
        text += f", called from {md_code(c.caller.function.full)} ({md_code(location(c.caller))})"
    return text


def _low(groups: list[LowGroup]) -> str:
    if not groups:
        return ""
    n = sum(len(g.findings) for g in groups)
    lines = [f"**Weak leads** (low confidence): {plural(n, 'finding')} at {plural(len(groups), 'site')}"]
    for g in groups:
        where = ""
        if g.frame is not None:
            where = f" in {md_code(g.frame.function.full)} ({md_code(location(g.frame))})"
        lines.append(f"- {g.number}. {plural(g.count, 'goroutine')} \\[{md_text(g.state or '?')}\\]{where}")
    return "\n".join(lines) + "\n"


def _no_findings(view: View) -> str:
    lines = ["Largest groups of goroutines:"]
    for b in view.buckets[:5]:
        fr = user_frame(b.frames)
        where = "" if fr is None else f" in {md_code(fr.function.full)} ({md_code(location(fr))})"
        lines.append(f"- {b.count} × {md_text(b.state or '?')}{where}")
    return "\n".join(lines) + "\n"


def _contention(analysis: Any) -> str:
    """Lock contention no finding reports, the three largest groups (after the findings, when
    there is room)."""
    groups = unexplained_contention(analysis)
    if not groups:
        return ""
    lines = [f"**Lock contention**: {contention_total(groups)}"]
    for c in groups[:3]:
        head, held = contention_texts(c)
        at = f" ({md_code(site_location(c.waiting_at))})" if c.waiting_at is not None else ""
        by = f" ({md_code(site_location(c.held_at))})" if c.held_at is not None else ""
        lines.append(f"- {md_text(readable(head))}{at}; {md_text(readable(held))}{by}")
    if len(groups) > 3:
        lines.append(f"- … {len(groups) - 3} more (see the full report)")
    return "\n".join(lines) + "\n"


def _finding(view: View, index: int, f: Any) -> str:
    lines = [f"**{index}. {f.kind.upper()}** ({f.confidence}): {md_text(readable(f.title))}"]
    seen: set[tuple[str, int]] = set()  # source lines already quoted in this finding
    fans: dict[tuple[str, str], list[int]] = {}
    for e in f.edges:
        gid = goroutine_id(e.target)
        if gid is not None and e.kind != "held-by":
            fans.setdefault((e.source, e.kind), []).append(gid)
    fanned = {k for k, v in fans.items() if len(set(v)) >= 3}
    done: set[Any] = set()
    skip = {f"g:{g}" for k in fanned for g in fans[k]}
    # goroutines alike (same state and wait site) waiting for the same kind of object: one line
    alike: dict[tuple[Any, ...], list[int]] = {}
    for e in f.edges:
        gid = goroutine_id(e.source)
        if gid is not None and e.kind == "waits-for" and e.source not in skip:
            fr, g = view.site_frame(gid), view.goroutine(gid)
            sig: tuple[Any, ...] = (
                None if g is None else g.state,
                None if fr is None else (fr.function.full, fr.file, fr.line),
                view.node_title(e.target),
            )
            alike.setdefault(sig, []).append(gid)
    folded: dict[int, tuple[Any, ...]] = {g: k for k, ids in alike.items() if len(set(ids)) > 1 for g in ids}
    for e in ordered_edges(f):
        word = EDGE_WORDS.get(e.kind, e.kind)
        gid = goroutine_id(e.source)
        if e.kind == "waits-for" and gid in folded:
            key = folded[gid]
            if key not in done:
                done.add(key)
                ids = list(dict.fromkeys(alike[key]))
                fr = view.site_frame(ids[0])
                where = "" if fr is None else f" in {md_code(fr.function.full)} ({md_code(location(fr))})"
                lines.append(
                    f"- {len(ids)} goroutines \\[{md_text(key[0] or '?')}\\]{where} wait for {md_code(key[2])}"
                    f" ({ids_text(ids, 6)})"
                )
                lines.extend(_source(view, fr, seen))
            continue
        if (e.source, e.kind) in fanned:
            if (e.source, e.kind) not in done:
                done.add((e.source, e.kind))
                ids = list(dict.fromkeys(fans[(e.source, e.kind)]))
                sites = "; ".join(
                    f"{c} × \\[{md_text(state)}\\]" + ("" if fr is None else f" in {md_code(fr.function.full)}")
                    for c, state, fr in view.common_sites(ids, 2)
                )
                who = plural(len(ids), "goroutine")
                lines.append(f"- {_node(view, e.source)} {word} {who} _({e.confidence})_: {sites}")
            continue
        if e.source in skip:
            continue
        conf = "" if e.kind == "waits-for" else f" _({e.confidence})_"
        lines.append(f"- {_node(view, e.source)} {word} {_node(view, e.target)}{conf}")
        gid = goroutine_id(e.source)
        if gid is not None:
            lines.extend(_source(view, view.site_frame(gid), seen))
        gid = goroutine_id(e.target)
        if e.kind == "held-by" and gid is not None:
            fr = holder_frame(view, e)
            site = view.site_frame(gid)
            if fr is None or fr is site:
                lines.extend(_source(view, site, seen))
            else:
                lines.extend(_source(view, fr, seen, where=True))
    if not f.edges:
        for count, state, fr in view.common_sites(f.goroutines, 3):
            where = "" if fr is None else f" in {md_code(fr.function.full)} ({md_code(location(fr))})"
            lines.append(f"- {count} × \\[{md_text(state)}\\]{where}")
            lines.extend(_source(view, fr, seen))
    if f.blocked_behind:
        lines.append(
            f"- blocked behind it: {plural(len(f.blocked_behind), 'goroutine')} ({ids_text(f.blocked_behind, 8)})"
        )
    return "\n".join(lines) + "\n"


def _node(view: View, key: str) -> str:
    gid = goroutine_id(key)
    if gid is None:
        return md_code(view.node_title(key))
    fr = view.site_frame(gid)
    where = "" if fr is None else f" in {md_code(fr.function.full)} ({md_code(location(fr))})"
    return f"goroutine {gid}{where}"


def _source(view: View, fr: Frame | None, seen: set[tuple[str, int]], where: bool = False) -> list[str]:
    """A nested bullet quoting ``fr``'s source line, unless already quoted in the finding."""
    text = view.source_line(fr)
    if text is None or fr is None or (fr.file, fr.line) in seen:
        return []
    seen.add((fr.file, fr.line))
    at = f"in {md_code(fr.function.full)} ({md_code(location(fr))}): " if where else ""
    return [f"  - {at}{md_code(text)}"]
