"""``stackparse diff``: compare two dumps of the same process (:func:`stackparse.diff.diff`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..render._common import conf_value
from .analyze import FAIL_ON, _order
from .inputs import InputError, _analysis, _display, _is_url, _parse_source, _url_options
from .output import _note, _write


@click.command("diff")
@click.argument("old", type=click.Path(allow_dash=True))
@click.argument("new", type=click.Path(allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format (json: schema stackparse/diff/1).",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="medium",
    show_default=True,
    help="Exit 1 when a NEW finding at or above this confidence appears, or a persisting one grows.",
)
@click.option(
    "--fail-on-growth",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Also exit 1 when any bucket grew by N goroutines or more.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Buckets and goroutines listed per section (text).",
)
@_url_options
def diff_cmd(
    old: str,
    new: str,
    fmt: str,
    fail_on: str,
    fail_on_growth: int | None,
    limit: int,
    timeout: float | None,
    max_bytes: int | None,
) -> None:
    """Compare two dumps of the same process (files, .gz, URLs, - for stdin): which stacks
    grew, which goroutines wait longer, which findings are new, resolved or persisting.

    Exit status: 0 nothing alarming, 1 a new (or growing) finding at or above --fail-on, or a
    bucket grew by --fail-on-growth or more; 2 unreadable input.
    """
    detect = _analysis()
    from .. import diff as diff_mod

    if old == "-" and new == "-":
        raise click.UsageError("only one of OLD and NEW can be -")
    sides = []
    for src in (old, new):
        if src != "-" and not _is_url(src) and Path(src).is_dir():
            raise InputError(f"{src}: is a directory; diff compares two dumps")
        dumps = _parse_source(src, timeout, progress=False, max_bytes=max_bytes)
        if len(dumps) > 1:
            _note(f"note: {_display(src)} holds {len(dumps)} dumps; diff uses the first")
        sides.append(dumps[0])
    d = diff_mod.diff(sides[0], sides[1], old_label=_display(old), new_label=_display(new))
    _write(diff_mod.render_diff_json(d) if fmt == "json" else diff_mod.render_diff_text(d, limit=limit))
    click.get_current_context().exit(_diff_status(d, fail_on, fail_on_growth, _order(detect)))


def _diff_status(d: Any, fail_on: str, fail_on_growth: int | None, order: tuple[str, ...]) -> int:
    """1 when a new finding (or a persisting one that grew) is at or above ``fail_on``, or a
    bucket grew by ``fail_on_growth`` or more; else 0."""
    bad = fail_on != "never" and any(
        (f.status == "new" or (f.status == "persisting" and f.delta > 0))
        and conf_value(f.confidence) in order
        and order.index(conf_value(f.confidence)) >= order.index(fail_on)
        for f in d.findings
    )
    grew = fail_on_growth is not None and any(c.delta >= fail_on_growth for c in d.buckets)
    return 1 if bad or grew else 0
