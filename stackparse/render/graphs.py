"""The wait-for graph as Graphviz DOT and as a Mermaid flowchart.

Every label comes from the dump (function names, state words, addresses), so it is escaped
for the target language: DOT double-quoted strings, Mermaid entity codes.
"""

from __future__ import annotations

from typing import Any

from ..model import Dump
from ._common import View
from .picture import Picture, build_picture

_CYCLE = "#d62728"


def dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslash and quote escaped, newlines as ``\\n``."""
    t = text.replace("\\", "\\\\").replace('"', '\\"')
    t = t.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{t}"'


def _dot_label(lines: list[str]) -> str:
    # Escape each line, then join with DOT's centred line break.
    return '"' + "\\n".join(dot_quote(line)[1:-1] for line in lines) + '"'


def render_dot(
    analysis: Any,
    all: bool = False,
    dump: Dump | None = None,
    min_confidence: str | None = None,
    top: int | None = None,
) -> str:
    """``digraph`` of the findings' topology (one cluster per finding), or with ``all`` of
    every blocked goroutine; edges on a cycle are drawn red and thick."""
    pic = build_picture(View(analysis, dump), all=all, min_confidence=min_confidence, top=top)
    out = [
        "digraph stackparse {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    clustered: set[str] = set()
    for i, cl in enumerate(pic.clusters):
        keys = [k for k in cl.keys if k not in clustered]
        if not keys:
            continue
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f"    label={dot_quote(cl.title)};")
        out.append('    style="rounded,dashed";')
        for k in keys:
            out.append("    " + _dot_node(pic, k))
            clustered.add(k)
        out.append("  }")
    for k in pic.nodes:
        if k not in clustered:
            out.append("  " + _dot_node(pic, k))
    for e in pic.edges:
        attrs = [f"label={dot_quote(e.label)}"]
        if e.cycle:
            attrs += [f'color="{_CYCLE}"', f'fontcolor="{_CYCLE}"', "penwidth=2.5"]
        elif e.kind != "waits-for":
            attrs.append("style=dashed")
        if e.evidence:
            attrs.append(f"tooltip={dot_quote(e.evidence)}")
        out.append(f"  {dot_quote(e.source)} -> {dot_quote(e.target)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_node(pic: Picture, key: str) -> str:
    n = pic.nodes[key]
    shape = {"goroutine": "box", "resource": "ellipse", "group": "folder"}.get(n.kind, "box")
    attrs = [f"shape={shape}", f"label={_dot_label(n.lines)}"]
    if n.kind == "goroutine":
        attrs.append('style="rounded"')
    if n.cycle:
        attrs += [f'color="{_CYCLE}"', "penwidth=2"]
    if n.role == "behind":
        attrs.append('color="gray50"')
    return f"{dot_quote(key)} [{', '.join(attrs)}];"


# --------------------------------------------------------------------------- mermaid

_MERMAID_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:/_-+*=@$?!()[]'")


def mermaid_escape(text: str) -> str:
    """Text for a Mermaid quoted label: anything outside a small safe set becomes an entity
    code (``#35;``), which Mermaid renders as the character and never parses as syntax."""
    return "".join(c if c in _MERMAID_SAFE else f"#{ord(c)};" for c in text)


def render_mermaid(
    analysis: Any,
    all: bool = False,
    dump: Dump | None = None,
    min_confidence: str | None = None,
    top: int | None = None,
) -> str:
    """A ``flowchart LR`` of the same graph as :func:`render_dot`; node ids are generated
    (``n0``, ``n1``...), labels escaped, cycle edges styled red."""
    pic = build_picture(View(analysis, dump), all=all, min_confidence=min_confidence, top=top)
    ids = {k: f"n{i}" for i, k in enumerate(pic.nodes)}
    out = ["flowchart LR"]
    clustered: set[str] = set()

    def node(k: str) -> str:
        n = pic.nodes[k]
        label = "<br/>".join(mermaid_escape(x) for x in n.lines)
        nid = ids[k]
        shape = {"goroutine": ('["', '"]'), "resource": ('(["', '"])'), "group": ('[["', '"]]')}[n.kind]
        cls = ":::cycle" if n.cycle else (":::behind" if n.role == "behind" else "")
        return f"{nid}{shape[0]}{label}{shape[1]}{cls}"

    for i, cl in enumerate(pic.clusters):
        keys = [k for k in cl.keys if k not in clustered]
        if not keys:
            continue
        out.append(f'  subgraph f{i}["{mermaid_escape(cl.title)}"]')
        for k in keys:
            out.append("    " + node(k))
            clustered.add(k)
        out.append("  end")
    for k in pic.nodes:
        if k not in clustered:
            out.append("  " + node(k))
    cycle_links = []
    for i, e in enumerate(pic.edges):
        arrow = "-->" if e.kind == "waits-for" else "-.->"
        if e.cycle:
            arrow = "==>"
            cycle_links.append(str(i))
        out.append(f'  {ids[e.source]} {arrow}|"{mermaid_escape(e.label)}"| {ids[e.target]}')
    out.append("  classDef cycle stroke:#d62728,stroke-width:3px,fill:#fde0e0")
    out.append("  classDef behind stroke:#888,fill:#f4f4f4")
    if cycle_links:
        out.append(f"  linkStyle {','.join(cycle_links)} stroke:#d62728,stroke-width:3px")
    return "\n".join(out) + "\n"
