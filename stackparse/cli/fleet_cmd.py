"""``stackparse fleet``: scan many instances on a Dask cluster (:mod:`stackparse.fleet`)."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from .inputs import InputError, _url_options
from .output import _note, _write


@click.command("fleet")
@click.argument("targets", nargs=-1, required=True)
@click.option("--scheduler", metavar="URL", default=None, help="An existing Dask scheduler (tcp://HOST:8786).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Worker processes of the local cluster (default: one per CPU; ignored with --scheduler).",
)
@click.option(
    "--db", type=click.Path(dir_okay=False), default=None, help="SQLite history file: growth since the last scan."
)
@click.option(
    "--retention-days", type=click.FloatRange(min=0), default=None, metavar="N", help="Drop scans older than N days."
)
@click.option(
    "--keep-scans", type=click.IntRange(min=1), default=None, metavar="N", help="Keep only the newest N scans."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="Report format (json: schema stackparse/fleet/1).",
)
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True, help="Blocking sites in the report.")
@click.option(
    "--min-growth",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    metavar="N",
    help="Goroutines a site must add since the last scan (--db) to rank as growing.",
)
@_url_options
def fleet_cmd(
    targets: tuple[str, ...],
    scheduler: str | None,
    workers: int | None,
    db: str | None,
    retention_days: float | None,
    keep_scans: int | None,
    fmt: str,
    top: int,
    min_growth: int,
    timeout: float | None,
    max_bytes: int | None,
) -> None:
    """Scan many instances on a Dask cluster and rank the sites where goroutines pile up.

    TARGETS are pprof URLs (http://HOST:PORT means its /debug/pprof/goroutine?debug=2), dump
    files, directories, globs, or @FILE listing targets one per line. A target that cannot be
    read is listed with its reason; the scan goes on.

    Exit status: 0 the scan ran and read at least one target; 2 it could not run or read none.
    """
    import logging

    from .. import fleet

    if retention_days is not None and keep_scans is not None:
        raise click.UsageError("give --retention-days or --keep-scans, not both")
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    last = [0.0]

    def progress(s: Any, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done == total:
            last[0] = now
            click.echo(f"\rstackparse: fleet: {done:,}/{total:,} targets", err=True, nl=done == total)

    try:
        report = fleet.scan(
            targets,
            scheduler=scheduler,
            workers=workers,
            db=db,
            retention_days=retention_days,
            keep_scans=keep_scans,
            top=top,
            min_growth=min_growth,
            max_bytes=max_bytes,
            on_result=progress if sys.stderr.isatty() else None,
            timeout=fleet.DEFAULT_TIMEOUT if timeout is None else timeout,
        )
    except fleet.FleetError as e:
        raise InputError(str(e)) from None
    renderers = {"text": fleet.render_text, "json": fleet.render_json, "html": fleet.render_html}
    _write(renderers[fmt](report))
    if report.ok == 0:
        _note(f"error: none of the {report.targets:,} targets could be read")
        click.get_current_context().exit(2)
