"""Fleet scan: many instances' goroutine dumps on a Dask cluster, one ranked report, growth over time.

    from stackparse.fleet import scan
    report = scan(["http://10.0.0.7:6060", "http://10.0.0.8:6060", "dumps/"], db="scans.sqlite")
    print(render_text(report))

Modules: :mod:`.targets` (what to read), :mod:`.tasks` (the work of one task, on a worker),
:mod:`.report` (aggregation and ranking), :mod:`.store` (the SQLite history),
:mod:`.render` (text, JSON, HTML), :mod:`.scan` (the driver). ``dask.distributed`` is imported
only when a scan runs.
"""

from __future__ import annotations

from .render import render_html, render_json, render_text
from .report import FindingRow, FleetReport, SiteRow
from .scan import DEFAULT_TIMEOUT, FleetError, scan
from .targets import Target, TargetError, expand
from .tasks import TargetSummary, blocking_site, summarize

__all__ = [
    "DEFAULT_TIMEOUT",
    "FindingRow",
    "FleetError",
    "FleetReport",
    "SiteRow",
    "Target",
    "TargetError",
    "TargetSummary",
    "blocking_site",
    "expand",
    "render_html",
    "render_json",
    "render_text",
    "scan",
    "summarize",
]
