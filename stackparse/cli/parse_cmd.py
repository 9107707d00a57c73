"""``stackparse parse``: print the records of a dump."""

from __future__ import annotations

import click

from .. import render
from .inputs import _display, _parse_source
from .output import _note, _write


@click.command("parse")
@click.argument("source", required=False, default="-", type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="Output format.",
)
@click.option("--all", "all_", is_flag=True, help="Print every dump of the input, not only the first.")
def parse_cmd(source: str, fmt: str, all_: bool) -> None:
    """Parse a dump (FILE, .gz, or - for stdin) and print its records."""
    dumps = _parse_source(source, None, progress=fmt == "text")
    if len(dumps) > 1 and not all_:
        _note(
            f"note: {_display(source)} holds {len(dumps)} dumps; printing the first (--all prints every one)"
        )
    if fmt == "json":
        out = (
            render.render_dumps_json(dumps) if all_ and len(dumps) > 1 else render.render_dump_json(dumps[0])
        )
    else:
        out = "\n".join(render.render_dump_text(d) for d in (dumps if all_ else dumps[:1]))
    _write(out)
