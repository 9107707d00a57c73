"""The fleet report as text (a terminal, an incident channel), JSON (``stackparse/fleet/1``,
``stackparse/schema/fleet-1.json``) and one self-contained HTML page.

Every string from a dump or a target goes through ``html.escape`` in the HTML; the page has no
script and fetches nothing.
"""

from __future__ import annotations

import html
import json
import time

from .report import FindingRow, FleetReport, SiteRow

__all__ = ["render_html", "render_json", "render_text"]


def render_json(report: FleetReport) -> str:
    """The ``stackparse/fleet/1`` document, indented."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_text(report: FleetReport, *, sites: int = 20, findings: int = 15, failures: int = 20) -> str:
    """A plain-text report: the header, the ranked sites, the findings, the failed targets."""
    r = report
    out = [_headline(r)]
    if r.previous is not None:
        out.append(
            f"compared with scan {r.previous.id} of {_when(r.previous.started)} "
            f"({r.previous.instances_in_common:,} instances in both)"
        )
    elif r.db:
        out.append(f"first scan in {r.db}: growth shows from the next scan on")
    out.append("")
    shown = r.sites[:sites]
    if shown:
        out.append(f"Blocking sites, ranked (large, widespread, growing); {len(shown)} of {r.sites_total:,}:")
        for i, s in enumerate(shown, 1):
            out.extend(_site_lines(i, s, r.ok))
    else:
        out.append("No goroutine waits at any site.")
    if r.findings:
        out.append("")
        out.append(f"Findings across instances ({len(r.findings):,} shapes):")
        for f in r.findings[:findings]:
            out.append(f"  {_finding_line(f, r.ok)}")
        if len(r.findings) > findings:
            out.append(f"  ... {len(r.findings) - findings:,} more (see --format json)")
    if r.failed:
        out.append("")
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(r.failures_by_kind.items(), key=lambda kv: -kv[1]))
        out.append(f"Targets not read ({r.failed:,}: {kinds}):")
        for t, k, reason in r.failures[:failures]:
            out.append(f"  {t}: {k}: {reason}")
        if r.failed > failures:
            out.append(f"  ... {r.failed - min(failures, len(r.failures)):,} more (see --format json)")
    return "\n".join(out) + "\n"


def render_html(report: FleetReport) -> str:
    """One self-contained HTML page."""
    r = report
    e = _esc
    rows = []
    for i, s in enumerate(r.sites, 1):
        g = s.growth
        grow = "" if g is None or g.added <= 0 else f"+{g.added:,} on {g.instances:,} since {_when(g.since)}"
        rows.append(
            f"<tr{' class=grow' if s.growing else ''}><td>{i}</td><td><code>{e(s.site.partition(' ')[0])}</code><br>"
            f"<small>{e(s.site.partition(' ')[2])}</small></td><td>{e(s.state)}</td>"
            f"<td class=n>{s.goroutines:,}</td><td class=n>{s.instances:,} of {r.ok:,}</td>"
            f"<td class=n>{s.max_per_instance:,}</td><td>{e(grow)}</td></tr>"
        )
    frows = [
        f"<tr><td>{e(f.kind)}</td><td>{e(f.confidence)}</td><td><code>{e(f.site)}</code></td>"
        f"<td class=n>{f.instances:,} of {r.ok:,}</td><td class=n>{f.goroutines:,}</td>"
        f"<td>{e(f.title)}<br><small>e.g. {e(f.example)}</small></td></tr>"
        for f in r.findings
    ]
    xrows = [f"<tr><td>{e(t)}</td><td>{e(k)}</td><td>{e(reason)}</td></tr>" for t, k, reason in r.failures]
    prev = (
        f"<p>Compared with scan {r.previous.id} of {e(_when(r.previous.started))} "
        f"({r.previous.instances_in_common:,} instances in both).</p>"
        if r.previous is not None
        else ""
    )
    parts = [
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        "<title>stackparse fleet report</title><style>",
        "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}",
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;",
        "text-align:left;vertical-align:top}.n{text-align:right}tr.grow td{background:#fff4e0}",
        "code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}small{color:#666}",
        "</style></head><body>",
        "<h1>Fleet report</h1>",
        f"<p>{e(_headline(r))}</p>",
        prev,
        f"<h2>Blocking sites ({len(r.sites):,} of {r.sites_total:,})</h2>",
        "<table><tr><th>#</th><th>site</th><th>state</th><th class=n>goroutines</th>"
        "<th class=n>instances</th><th class=n>max per instance</th><th>growth</th></tr>",
        *rows,
        "</table>",
    ]
    if frows:
        parts += [
            f"<h2>Findings across instances ({len(frows):,})</h2>",
            "<table><tr><th>kind</th><th>confidence</th><th>site</th><th class=n>instances</th>"
            "<th class=n>goroutines</th><th>example</th></tr>",
            *frows,
            "</table>",
        ]
    if xrows:
        parts += [
            f"<h2>Targets not read ({r.failed:,})</h2>",
            "<table><tr><th>target</th><th>kind</th><th>reason</th></tr>",
            *xrows,
            "</table>",
        ]
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


# --------------------------------------------------------------------------- internals


def _headline(r: FleetReport) -> str:
    return (
        f"fleet scan of {r.targets:,} targets: {r.ok:,} read, {r.failed:,} failed; "
        f"{r.goroutines:,} goroutines, {r.blocked:,} waiting at {r.sites_total:,} sites; "
        f"{r.bytes / 2**20:,.1f} MiB in {r.seconds:,.1f}s on {r.workers} worker{'s' if r.workers != 1 else ''}"
        f" ({r.scheduler or 'client'})"
    )


def _site_lines(i: int, s: SiteRow, ok: int) -> list[str]:
    fn, _, loc = s.site.partition(" ")
    head = (
        f"{i:>3}. {s.goroutines:>8,} goroutines on {s.instances:,} of {ok:,} instances "
        f"(max {s.max_per_instance:,}){' [' + s.state + ']' if s.state else ''}"
    )
    lines = [head, f"       {fn}", f"       {loc}"]
    g = s.growth
    if g is not None and g.added > 0:
        word = "GROWING" if s.growing else "grew"
        on = f"{g.instances:,} instance{'s' if g.instances != 1 else ''}"
        lines.insert(
            1,
            f"       {word}: +{g.added:,} goroutines on {on} since {_when(g.since)} "
            f"(was {g.previous:,}, net {g.net:+,})",
        )
    return lines


def _finding_line(f: FindingRow, ok: int) -> str:
    return (
        f"{f.kind} ({f.confidence}) at {f.site} in {f.instances:,} of {ok:,} instances, "
        f"{f.goroutines:,} goroutines; e.g. {f.title}"
    )


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)
