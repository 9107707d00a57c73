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
    dump_title,
    goroutine_count,
    goroutine_id,
    holder_frame,
    ids_text,
    location,
    ordered_edges,
    site_location,
    unexplained_contention,
)

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
    analysis: Any, limit: int = LIMIT, dump: Dump | None = None, source: SourceMap | None = None
) -> str:
    """Findings for a chat message or an issue comment, at most ``limit`` characters.

    With ``source`` (a checkout of the service), each blocking site and each frame an inferred
    lock holder was found in gets its source line (once per finding)."""
    view = View(analysis, dump, source)
    dump = view.dump
    n = goroutine_count(dump)
    findings = view.findings
    head = [
        (
            f"**stackparse**: {md_text(dump_title(dump))}: {n} goroutines, "
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
        ),
        "",
        "",
    ]
    blocks = [_finding(view, i, f) for i, f in enumerate(findings, 1)]
    if not blocks:
        blocks = ["No deadlock or leak found.\n"]
        big = view.buckets[:5]
        if big:
            lines = ["Largest groups of goroutines:"]
            for b in big:
                from ._common import user_frame

                fr = user_frame(b.frames)
                where = "" if fr is None else f" in {md_code(fr.function.full)} ({md_code(location(fr))})"
                lines.append(f"- {b.count} × {md_text(b.state or '?')}{where}")
            blocks.append("\n".join(lines) + "\n")
    out = "\n".join(head)
    extra = _contention(analysis)
    for i, b in enumerate(blocks):
        more = len(blocks) - i
        cut = f"\n… {more} more finding{'s' if more != 1 else ''} (see the full report)\n"
        if len(out) + len(b) + len(cut) > limit and i > 0:
            return out + cut
        if len(out) + len(b) > limit:  # a single huge finding: cut it by lines
            lines = b.split("\n")
            while lines and len(out) + len("\n".join(lines)) + len(cut) > limit:
                lines.pop()
            return out + "\n".join(lines) + "\n… (cut)" + (cut if more > 1 else "\n")
        out += b + "\n"
    if extra and len(out) + len(extra) + 1 <= limit:
        out += extra + "\n"
    return out


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
        lines.append(f"- {md_text(head)}{at}; {md_text(held)}{by}")
    if len(groups) > 3:
        lines.append(f"- … {len(groups) - 3} more (see the full report)")
    return "\n".join(lines) + "\n"


def _finding(view: View, index: int, f: Any) -> str:
    lines = [f"**{index}. {f.kind.upper()}** ({f.confidence}): {md_text(f.title)}"]
    seen: set[tuple[str, int]] = set()  # source lines already quoted in this finding
    for e in ordered_edges(f):
        src = _node(view, e.source)
        tgt = _node(view, e.target)
        word = EDGE_WORDS.get(e.kind, e.kind)
        conf = "" if e.confidence == "certain" else f" _({e.confidence})_"
        lines.append(f"- {src} {word} {tgt}{conf}")
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
        for gid in f.goroutines[:10]:
            lines.append(f"- {_node(view, f'g:{gid}')} [{md_text(view.goroutine_status(gid))}]")
            lines.extend(_source(view, view.site_frame(gid), seen))
        if len(f.goroutines) > 10:
            lines.append(f"- … {len(f.goroutines) - 10} more goroutines")
    if f.blocked_behind:
        lines.append(
            f"- blocked behind it: {len(f.blocked_behind)} goroutines ({ids_text(f.blocked_behind, 8)})"
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
