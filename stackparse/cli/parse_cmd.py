"""``stackparse parse``: print the records of a dump."""

from __future__ import annotations

import click

from .. import render
from .inputs import _display, _parse_source
from .output import _write


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
@click.option("--all", "all_", is_flag=True, hidden=True, help="(Every dump is printed; kept for old scripts.)")
def parse_cmd(source: str, fmt: str, all_: bool) -> None:
    """Parse a dump (FILE, .gz, or - for stdin) and print its records.

    An input holding several dumps (a log of several crashes, go test output of several
    packages) prints every one: in JSON as {"dumps": [...]}, in text a section per dump."""
    dumps = _parse_source(source, None, progress=fmt == "text")
    if fmt == "json":
        out = render.render_dumps_json(dumps) if len(dumps) > 1 else render.render_dump_json(dumps[0])
    elif len(dumps) == 1:
        out = render.render_dump_text(dumps[0])
    else:
        n = len(dumps)
        out = "\n".join(
            f"==> {_display(source)} (dump {k + 1} of {n}, lines {d.start_line}-{d.end_line}) <==\n"
            + render.render_dump_text(d)
            for k, d in enumerate(dumps)
        )
    _write(out)
