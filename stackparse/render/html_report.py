"""One self-contained HTML report: findings, their wait-for graphs as inline SVG (laid out
here, no graphviz, nothing fetched at view time), the buckets table and every stack one
click away in ``<details>``.

Every string taken from the dump goes through :func:`esc` (``html.escape`` with quotes); the
only script is the constant :data:`_SCRIPT`, which never embeds dump text, and no element
carries an inline event handler.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model import Dump, Frame, Goroutine
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
    minutes_text,
    note_groups,
    site_location,
    unexplained_contention,
    user_frame,
    visible_frames,
)
from .layout import layered_layout
from .picture import Cluster, Picture, finding_picture, ordered_edges
from .plan import Crash, LowGroup, labels_text, make_plan
from .sitegraph import dropped, site_picture
from .words import plural, readable

if TYPE_CHECKING:
    from ..source import SourceMap

#: Above this many goroutines, only the findings' goroutines get their own stack (the others
#: are reached through their bucket) unless ``all`` is set.
INDIVIDUAL_STACKS = 5000
#: A finding's waits listed one by one up to this many (past it: sites with counts first).
LISTED_EDGES = 12
#: A finding's own graph is drawn up to this many nodes.
FINDING_NODES = 30


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;
padding:1em 2em;color:#222;background:#fff}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .4em}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f6f8fa;padding:.6em .8em;overflow-x:auto;margin:.3em 0}
.finding{border:1px solid #ddd;border-left:6px solid #999;border-radius:4px;padding:.5em 1em;margin:1em 0}
.finding.deadlock{border-left-color:#d62728}.finding.leak{border-left-color:#e8a317}
.badge{display:inline-block;padding:0 .5em;border-radius:3px;font-size:12px;font-weight:600;color:#fff}
.certain,.high{background:#d62728}.medium{background:#e8a317}.low{background:#1f77b4}
.kind{text-transform:uppercase;font-weight:700}
ul.chain{list-style:none;padding-left:.5em}ul.chain li{margin:.2em 0}
.evidence{color:#555;font-size:13px;margin-left:1.5em}
.note{color:#555;font-style:italic}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eee;padding:.25em .5em;
text-align:left;vertical-align:top}th{background:#fafafa}td.n{text-align:right;font-weight:600}
summary{cursor:pointer}.graph{width:100%;border:1px solid #eee;background:#fcfcfc;overflow:hidden;
resize:vertical}.graph svg{width:100%;height:100%;cursor:grab;display:block}
.limit{background:#fff4d6;border-left:4px solid #e8a317;padding:.3em .6em}.crash{border-left:4px solid #d62728}
svg text{font:11px ui-monospace,Menlo,Consolas,monospace}
.muted{color:#777}#filter{margin:.3em 0 .6em;padding:.2em .4em;width:20em}
.src{margin:.1em 0 .1em 1.5em}.src code{background:#f6f8fa;padding:0 .4em;white-space:pre-wrap}
"""

# Constant: never formatted with dump text.
_SCRIPT = """
(function(){
  // pan (drag) and zoom (wheel) every graph; at first 1:1 from its left edge, or whole if it fits
  var svgs=document.querySelectorAll('svg.pz');
  for(var k=0;k<svgs.length;k++){(function(s){
    var W=+s.getAttribute('data-w'),H=+s.getAttribute('data-h');
    var r=s.getBoundingClientRect();
    var v=[0,0,W,H];
    if(W>r.width||H>r.height){v=[0,0,Math.min(W,r.width),Math.min(H,r.height)];}
    function set(){s.setAttribute('viewBox',v.join(' '));}
    set();
    s.addEventListener('wheel',function(e){e.preventDefault();
      var b=s.getBoundingClientRect(),f=e.deltaY>0?1.15:1/1.15;
      var px=v[0]+(e.clientX-b.left)/b.width*v[2],py=v[1]+(e.clientY-b.top)/b.height*v[3];
      v[2]*=f;v[3]*=f;v[0]=px-(e.clientX-b.left)/b.width*v[2];v[1]=py-(e.clientY-b.top)/b.height*v[3];set();
    },{passive:false});
    var drag=null;
    s.addEventListener('mousedown',function(e){drag=[e.clientX,e.clientY,v[0],v[1]];});
    window.addEventListener('mouseup',function(){drag=null;});
    window.addEventListener('mousemove',function(e){if(!drag){return;}
      var b=s.getBoundingClientRect();
      v[0]=drag[2]-(e.clientX-drag[0])/b.width*v[2];v[1]=drag[3]-(e.clientY-drag[1])/b.height*v[3];set();});
  })(svgs[k]);}
  var box=document.getElementById('filter');
  if(!box){return;}
  box.addEventListener('input',function(){
    var q=box.value.toLowerCase();
    var rows=document.querySelectorAll('#buckets tbody tr');
    for(var i=0;i<rows.length;i++){
      rows[i].style.display=rows[i].textContent.toLowerCase().indexOf(q)>=0?'':'none';
    }
  });
})();
"""


def render_html(
    analysis: Any,
    all: bool = False,
    dump: Dump | None = None,
    source: SourceMap | None = None,
    name: str | None = None,
    min_confidence: str | None = None,
    top: int | None = None,
) -> str:
    """The whole report as one HTML page that needs nothing but itself, in the order of every
    report (:func:`stackparse.render.plan.make_plan`); ``name`` (the file analysed) goes into the
    page title. A graph of the blocking sites (goroutines grouped by where they wait, with
    counts) comes first; every graph pans (drag) and zooms (wheel).

    With ``source`` (a checkout of the service), each blocking site of a finding and each
    frame an inferred lock holder was found in gets its source line (escaped, once per
    finding)."""
    view = View(analysis, dump, source)
    dump = view.dump
    plan = make_plan(view, min_confidence, top)
    n = goroutine_count(dump)
    title = f"stackparse: {name} — {dump_title(dump)}" if name else f"stackparse: {dump_title(dump)}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head><body>",
        f"<h1>{esc(plan.verdict)}</h1>",
        (
            f'<p class="muted">{esc(name + ": ") if name else ""}{plural(n, "goroutine")}, '
            f"{plural(len(view.buckets), 'bucket')}</p>"
        ),
    ]
    out.extend(f'<p class="limit">⚠ {esc(x)}</p>' for x in plan.limits)
    if plan.crash is not None:
        out.extend(_crash(view, plan.crash))
    out.extend(site_graph(view))
    out.append("<h2>Findings</h2>")
    if not plan.findings and not plan.low:
        out.append("<p>No deadlock or leak found.</p>")
    for number, f in plan.findings:
        out.extend(_finding(view, f, number))
    out.extend(_low(plan.low))
    if plan.omitted:
        out.append(f'<p class="muted">{plural(plan.omitted, "more finding")} left out by --min-confidence / --top</p>')
    out.extend(_contention(analysis))
    for note, alike in note_groups(view.notes):
        out.append(f'<p class="note">{esc(readable(note))}</p>')
        if alike:  # one per lock or channel: folded
            out.append(f'<details class="note"><summary>{len(alike)} more like it</summary>')
            out.extend(f'<p class="note">{esc(readable(n))}</p>' for n in alike)
            out.append("</details>")
    out.extend(_labels(plan.labels))
    out.extend(_buckets(view.buckets, all))
    out.extend(_goroutines(view, [f for _, f in plan.findings], all))
    if dump.diagnostics:
        out.append("<h2>Parser diagnostics</h2><ul>")
        out.extend(f"<li><code>{esc(d)}</code></li>" for d in dump.diagnostics)
        out.append("</ul>")
    out.append(f"<script>{_SCRIPT}</script>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def site_graph(view: View) -> list[str]:
    """The blocking sites of the dump and who waits on whom between them
    (:func:`stackparse.render.sitegraph.site_picture`), drawn to pan and zoom."""
    pic = site_picture(view)
    if pic is None or not pic.nodes:
        return []
    left = dropped(view, pic)
    more = f"; {plural(left, 'more blocked goroutine')} at smaller sites" if left > 0 else ""
    return [
        "<h2>Where goroutines wait</h2>",
        f'<p class="muted">One box per blocking site with its goroutine count; an arrow when goroutines '
        f"of one site wait on a lock or channel a goroutine of the other can release (drag to pan, wheel to "
        f"zoom{more}). Each arrow is labelled, at its end, with how many goroutines wait that way.</p>",
        svg(pic, "sites"),
        *([f'<p class="muted caption">{esc(pic.caption)}</p>'] if pic.caption else []),
    ]


def _crash(view: View, c: Crash) -> list[str]:
    out = [f'<pre class="crash">{esc(c.message)}' + (f"\n[signal {esc(c.signal)}]" if c.signal else "") + "</pre>"]
    if c.goroutine is not None:
        at = ""
        if c.frame is not None:
            at = f" at <code>{esc(c.frame.function.full)}</code> <code>{esc(location(c.frame))}</code>"
        out.append(f"<p>in {_glink(c.goroutine)} [{esc(c.state)}]{at}</p>")
        if c.frame is not None:
            out.append(_source(view, c.frame, set()))
        if c.caller is not None:
            out.append(
                f"<p>called from <code>{esc(c.caller.function.full)}</code> <code>{esc(location(c.caller))}</code></p>"
            )
    return out


def _low(groups: list[LowGroup]) -> list[str]:
    if not groups:
        return []
    n = sum(len(g.findings) for g in groups)
    out = [f"<h2>Weak leads (low confidence): {plural(n, 'finding')} at {plural(len(groups), 'site')}</h2>", "<ul>"]
    for g in groups:
        where = ""
        if g.frame is not None:
            where = f" in <code>{esc(g.frame.function.full)}</code> <code>{esc(location(g.frame))}</code>"
        ids = ", ".join(_glink(x) for x in g.goroutines[:20])
        more = f" and {len(g.goroutines) - 20} more" if len(g.goroutines) > 20 else ""
        out.append(
            f"<li>{g.number}. {g.count} goroutine{'s' if g.count != 1 else ''} [{esc(g.state or '?')}]{where}"
            f'<div class="evidence">{esc(g.example)}</div><div class="evidence">{ids}{more}</div></li>'
        )
    out.append("</ul>")
    return out


def _labels(groups: list[Any]) -> list[str]:
    if not groups:
        return []
    out = ["<h2>pprof labels</h2>", "<table><thead><tr><th>count</th><th>labels</th><th>where</th></tr></thead><tbody>"]
    for g in groups:
        where = "" if g.frame is None else f"{g.frame.function.full}  {location(g.frame)}"
        out.append(
            f'<tr><td class="n">{g.count}</td><td><code>{esc(labels_text(g.labels))}</code></td>'
            f'<td class="mono">{esc(where)}</td></tr>'
        )
    out.append("</tbody></table>")
    return out


def _contention(analysis: Any) -> list[str]:
    """Lock contention no finding reports, every group of locks alike (most waiters first)."""
    groups = unexplained_contention(analysis)
    if not groups:
        return []
    out = [f"<h2>Lock contention ({esc(contention_total(groups))})</h2>", "<ul>"]
    for c in groups:
        head, held = contention_texts(c)
        at = f" <code>{esc(site_location(c.waiting_at))}</code>" if c.waiting_at is not None else ""
        by = f" <code>{esc(site_location(c.held_at))}</code>" if c.held_at is not None else ""
        eg = ""
        if c.holders:
            # (no link: the goroutine's block is on the page only when a finding or --all shows it)
            eg = f"; e.g. {esc(readable(c.locks[0]))} is held by goroutine {c.holders[0]}" if len(c.locks) > 1 else ""
        out.append(f"<li>{esc(readable(head))}{at};<br>{esc(readable(held))}{by}{eg}</li>")
    out.append("</ul>")
    return out


def _conf_class(confidence: str) -> str:
    return confidence if confidence in ("certain", "high", "medium", "low") else "low"


def _glink(gid: int) -> str:
    return f'<a href="#g-{gid}">goroutine {gid}</a>'


def _node_html(view: View, key: str) -> str:
    gid = goroutine_id(key)
    if gid is not None:
        fr = view.site_frame(gid)
        where = (
            "" if fr is None else f" in <code>{esc(fr.function.full)}</code> <code>{esc(location(fr))}</code>"
        )
        return f"{_glink(gid)} [{esc(view.goroutine_status(gid))}]{where}"
    return f"<code>{esc(view.node_title(key))}</code>"


def _source(view: View, fr: Frame | None, seen: set[tuple[str, int]], where: bool = False) -> str:
    """``fr``'s source line (escaped), unless already quoted in the finding."""
    text = view.source_line(fr)
    if text is None or fr is None or (fr.file, fr.line) in seen:
        return ""
    seen.add((fr.file, fr.line))
    at = f"in <code>{esc(fr.function.full)}</code> <code>{esc(location(fr))}</code>: " if where else ""
    return f'<div class="src">{at}<code>{esc(text)}</code></div>'


def _edge_source(view: View, e: Any, seen: set[tuple[str, int]]) -> str:
    """The source lines an edge's item quotes: the waiting goroutine's blocking site, and for a
    ``held-by`` edge the holder's frame named by the evidence (else its blocking site)."""
    out = ""
    gid = goroutine_id(e.source)
    if gid is not None:
        out += _source(view, view.site_frame(gid), seen)
    gid = goroutine_id(e.target)
    if e.kind == "held-by" and gid is not None:
        fr, site = holder_frame(view, e), view.site_frame(gid)
        out += _source(view, site, seen) if fr is None or fr is site else _source(view, fr, seen, where=True)
    return out


def _sites_html(view: View, ids: Any) -> list[str]:
    """``30 × [chan receive] in main.block main.go:149`` for the most common sites of ``ids``."""
    out = []
    for count, state, fr in view.common_sites(ids, 4):
        where = "" if fr is None else f" in <code>{esc(fr.function.full)}</code> <code>{esc(location(fr))}</code>"
        out.append(f"<li>{count} × [{esc(state)}]{where}</li>")
    return out


def _finding(view: View, f: Any, index: int) -> list[str]:
    """One finding, numbered ``index`` as in every report."""
    kind = f.kind if f.kind in ("deadlock", "leak") else "other"
    conf = f.confidence if f.confidence in ("certain", "high", "medium", "low") else "low"
    out = [
        f'<section class="finding {kind}">',
        (
            f'<h3>{index}. <span class="kind">{esc(f.kind)}</span> '
            f'<span class="badge {conf}">{esc(f.confidence)}</span> {esc(readable(f.title))}</h3>'
        ),
        '<ul class="chain">',
    ]
    seen: set[tuple[str, int]] = set()  # source lines already quoted in this finding
    items = []
    for e in ordered_edges(f):
        word = EDGE_WORDS.get(e.kind, e.kind)
        # a goroutine's own wait is a fact: the badge and evidence only for inferred edges
        badge = ""
        if e.kind != "waits-for":
            badge = f' <span class="badge {_conf_class(e.confidence)}">{esc(e.confidence)}</span>'
        evidence = e.evidence if e.kind != "waits-for" else ""
        items.append(
            f"<li>{_node_html(view, e.source)} <b>{esc(word)}</b> {_node_html(view, e.target)}{badge}"
            + (f'<div class="evidence">{esc(readable(evidence))}</div>' if evidence else "")
            + _edge_source(view, e, seen)
            + "</li>"
        )
    if len(items) > LISTED_EDGES:  # goroutines alike: their sites with counts, each wait one click away
        out.extend(_sites_html(view, f.goroutines))
        out.append(f"<li><details><summary>each of the {len(items)} waits</summary><ul class=\"chain\">")
        out.extend(items)
        out.append("</ul></details></li>")
    else:
        out.extend(items)
    if not f.edges:
        gs = [
            f"<li>{_node_html(view, f'g:{gid}')}{_source(view, view.site_frame(gid), seen)}</li>"
            for gid in f.goroutines
        ]
        if len(gs) > LISTED_EDGES:
            out.extend(_sites_html(view, f.goroutines))
            out.append(f'<li><details><summary>each of the {len(gs)} goroutines</summary><ul class="chain">')
            out.extend(gs)
            out.append("</ul></details></li>")
        else:
            out.extend(gs)
    out.append("</ul>")
    if f.blocked_behind:
        links = ", ".join(_glink(g) for g in f.blocked_behind[:50])
        more = f" and {len(f.blocked_behind) - 50} more" if len(f.blocked_behind) > 50 else ""
        out.append(f"<p>Blocked behind it: {plural(len(f.blocked_behind), 'goroutine')} ({links}{more})</p>")
        for count, state, fr in view.common_sites(f.blocked_behind):
            where = (
                ""
                if fr is None
                else f" in <code>{esc(fr.function.full)}</code> <code>{esc(location(fr))}</code>"
            )
            out.append(f'<p class="evidence">{count} × [{esc(state)}]{where}</p>')
    for note in f.notes:
        out.append(f'<p class="note">{esc(readable(note))}</p>')
    pic = Picture()
    finding_picture(view, f, pic, Cluster(""), str(index))
    pic.mark_cycles()
    if len(pic.nodes) <= FINDING_NODES:
        out.append(svg(pic, f"f{index}"))
    else:  # dozens of goroutines alike: the graph of blocking sites above draws them as one box
        out.append(f'<p class="muted">({len(pic.nodes)} nodes: drawn as sites in "Where goroutines wait")</p>')
    out.append("</section>")
    return out


# --------------------------------------------------------------------------- SVG

_NODE_W = 230
_LINE_H = 15
_COL_GAP = 90
_ROW_GAP = 26
_MAX_CHARS = 32
#: room for one arrow's end on a box's side, and the width of a character of an SVG label
_PORT_H = 16
_CHAR_W = 6.7
_CYCLE = "#d62728"
_BOLD = ' font-weight="bold"'


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_CHARS else "…" + text[-(_MAX_CHARS - 1) :]


def svg(pic: Picture, prefix: str) -> str:
    """Draw ``pic`` with :func:`layered_layout`: goroutines as rounded boxes, resources as
    ellipses, groups of goroutines as grey boxes; cycle edges and nodes in red."""
    keys = list(pic.nodes)
    if not keys:
        return ""
    lay = layered_layout(keys, [(e.source, e.target) for e in pic.edges], weights=pic.weights)
    # every arrow ends at a port of its own on the left side of its target, its label just above
    # the straight end of the arrow, in the gap left of the target: labels of one target are a port
    # apart, of two targets in one column lie beside their own boxes, of two columns in two gaps
    ins: dict[str, list[int]] = {k: [] for k in keys}
    for i, e in enumerate(pic.edges):
        ins[e.target].append(i)
    heights = {k: max(_LINE_H * len(pic.nodes[k].lines) + 12, _PORT_H * len(ins[k]) + 12) for k in keys}
    col_h = [sum(heights[k] for k in col) + _ROW_GAP * (len(col) - 1) for col in lay.layers]
    height = max(col_h) + 40
    lab = max((len(e.label) for e in pic.edges), default=0) * _CHAR_W
    gap = max(_COL_GAP, lab + 60)
    left = 20 + (gap - 20 if any(ins[k] for k in lay.layers[0]) else 0)
    box: dict[str, tuple[float, float, float, float]] = {}
    for c, col in enumerate(lay.layers):
        y = 20 + (height - 40 - col_h[c]) / 2
        x: float = left + c * (_NODE_W + gap)
        for k in col:
            box[k] = (x, y, _NODE_W, heights[k])
            y += heights[k] + _ROW_GAP
    port: dict[int, float] = {}
    for k, idx in ins.items():
        idx.sort(key=lambda i: box[pic.edges[i].source][1] + box[pic.edges[i].source][0] / 1e4)
        _, ty, _, th = box[k]
        top = ty + (th - _PORT_H * len(idx)) / 2
        for j, i in enumerate(idx):
            port[i] = top + _PORT_H * (j + 0.5)
    loops = any(lay.layer[e.target] <= lay.layer[e.source] for e in pic.edges)
    bottom = height + (50 if loops else 0)
    width = left + 20 + len(lay.layers) * _NODE_W + (len(lay.layers) - 1) * gap
    p = prefix
    out = [
        f'<div class="graph" style="height:{min(bottom, 640):.0f}px">',
        (
            f'<svg class="pz" xmlns="http://www.w3.org/2000/svg" data-w="{width:.0f}" data-h="{bottom:.0f}" '
            f'viewBox="0 0 {width:.0f} {bottom:.0f}" preserveAspectRatio="xMinYMin meet" role="img">'
        ),
        "<defs>",
        (
            f'<marker id="{p}-a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#555"/></marker>'
        ),
        (
            f'<marker id="{p}-c" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{_CYCLE}"/></marker>'
        ),
        "</defs>",
    ]
    labels: list[str] = []
    for i, e in enumerate(pic.edges):
        sx, sy, sw, sh = box[e.source]
        tx = box[e.target][0]
        color = _CYCLE if e.cycle else "#555"
        marker = f"{p}-c" if e.cycle else f"{p}-a"
        dash = "" if e.kind == "waits-for" else ' stroke-dasharray="5,3"'
        wdt = 2.5 if e.cycle else 1.3
        py = port[i]
        ex = tx - lab - 16  # the straight end of every arrow, as long as the longest label
        if lay.layer[e.target] > lay.layer[e.source] + 1:  # over the columns between, not through them
            x1, y1 = sx + sw / 2, sy
            arc = (64 - y1 - py) / 6  # the arc's top at y=8, above every box
            d = (
                f"M{x1:.1f},{y1:.1f} C{x1:.1f},{arc:.1f} {ex - 60:.1f},{arc:.1f} {ex - 30:.1f},{py:.1f} "
                f"L{tx:.1f},{py:.1f}"
            )
        elif lay.layer[e.target] > lay.layer[e.source]:
            x1, y1 = sx + sw, sy + sh / 2
            mx = (x1 + ex) / 2
            d = f"M{x1:.1f},{y1:.1f} C{mx:.1f},{y1:.1f} {mx:.1f},{py:.1f} {ex:.1f},{py:.1f} L{tx:.1f},{py:.1f}"
        else:  # backwards, same column or to itself: down under the drawing, in from the left
            x1, y1 = sx + sw / 2, sy + sh
            low = height + 30
            d = (
                f"M{x1:.1f},{y1:.1f} C{x1:.1f},{low:.1f} {ex - 60:.1f},{low:.1f} {ex - 30:.1f},{py:.1f} "
                f"L{tx:.1f},{py:.1f}"
            )
        tip = esc(e.evidence or e.label)
        out.append(
            f'<g><title>{tip}</title><path d="{d}" fill="none" stroke="{color}" stroke-width="{wdt}"{dash} '
            f'marker-end="url(#{marker})"/></g>'
        )
        labels.append(  # drawn over every arrow, on a halo of the background
            f'<text class="el" x="{tx - 10:.1f}" y="{py - 4:.1f}" text-anchor="end" fill="{color}" '
            f'stroke="#fcfcfc" stroke-width="7" stroke-linejoin="round" paint-order="stroke">'
            f"<title>{tip}</title>{esc(e.label)}</text>"
        )
    out.extend(labels)
    for k in keys:
        n = pic.nodes[k]
        x, y, w, h = box[k]
        stroke = _CYCLE if n.cycle else ("#999" if n.role == "behind" else "#444")
        fill = "#fde0e0" if n.cycle else ("#f0f0f0" if n.role == "behind" else "#fff")
        sw = 2.2 if n.cycle else 1.2
        if n.kind == "resource":
            shape = (
                f'<ellipse cx="{x + w / 2:.1f}" cy="{y + h / 2:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
            )
        else:
            rx = 8 if n.kind == "goroutine" else 2
            shape = (
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{sw}"/>'
            )
        texts = "".join(
            f'<text x="{x + w / 2:.1f}" y="{y + 18 + i * _LINE_H:.1f}" text-anchor="middle"'
            f"{_BOLD if i == 0 else ''}>{esc(_clip(line))}</text>"
            for i, line in enumerate(n.lines)
        )
        gid = goroutine_id(k)
        inner = f"<g><title>{esc(' / '.join(n.lines))}</title>{shape}{texts}</g>"
        if gid is not None:
            inner = f'<a href="#g-{gid}">{inner}</a>'
        out.append(inner)
    out.append("</svg></div>")
    return "\n".join(out)


# --------------------------------------------------------------------------- tables and stacks


def _stack_pre(frames: Sequence[Frame], created_by: str | None = None) -> str:
    lines = [f"{f.function.full}({f.args_text})\n    {f.file}:{f.line}" for f in frames]
    if created_by:
        lines.append(f"created by {created_by}")
    return f"<pre>{esc(chr(10).join(lines))}</pre>"


def _buckets(buckets: Sequence[Any], all: bool) -> list[str]:
    out = [
        f"<h2>Goroutines by stack ({sum(b.count for b in buckets)} in {plural(len(buckets), 'bucket')})</h2>",
        '<input id="filter" type="search" placeholder="filter buckets" aria-label="filter buckets">',
        (
            '<table id="buckets"><thead><tr><th>count</th><th>state</th><th>waiting</th>'
            "<th>stack (click to expand)</th></tr></thead><tbody>"
        ),
    ]
    for b in buckets:
        fr = user_frame(b.frames)
        summary = "(no frames)" if fr is None else f"{fr.function.full}  {location(fr)}"
        ids = ""
        if b.goroutine_ids:
            ids = f'<p class="muted">goroutines {esc(ids_text(b.goroutine_ids, 200))}</p>'
        out.append(
            f'<tr><td class="n">{b.count}</td><td>{esc(b.state or "?")}</td>'
            f"<td>{esc(minutes_text(b.wait_minutes_min, b.wait_minutes_max))}</td>"
            f'<td><details><summary class="mono">{esc(summary)}</summary>'
            f"{_stack_pre(visible_frames(b.frames), b.created_by)}{ids}</details></td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _goroutines(view: View, findings: list[Any], all: bool) -> list[str]:
    gs = list(view.dump.goroutines)
    if not gs:
        return []
    if all or len(gs) <= INDIVIDUAL_STACKS:
        chosen: list[Goroutine] = gs
        head = f"<h2>All goroutines ({len(gs)})</h2>"
    else:
        want: set[int] = set()
        for f in findings:
            want.update(f.goroutines)
            want.update(f.blocked_behind[:200])
        chosen = [g for g in gs if g.id in want]
        head = (
            f"<h2>Goroutines of the findings ({len(chosen)} of {len(gs)}; the others are in their "
            "bucket above)</h2>"
        )
    out = [head]
    for g in chosen:
        m = minutes_text(g.wait_minutes)
        state = f"{g.state}, {m}" if m else g.state
        fr = view.site_frame(g.id)
        where = "" if fr is None else f" {fr.function.full}"
        cb = None
        if g.created_by is not None:
            cb = f"{g.created_by.function.full} in goroutine {g.created_by.parent_id}"
        out.append(
            f'<details id="g-{g.id}"><summary class="mono">'
            f"goroutine {g.id} [{esc(state)}]{esc(where)}</summary>"
            f"{_stack_pre(g.frames, cb)}</details>"
        )
    return out
