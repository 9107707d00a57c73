"""GitHub Actions workflow commands and a job summary (``stackparse analyze --format github``).

Every finding becomes one annotation command, located at its blocking site in the repository
(:func:`._ci.ci_items`; the same place as the SARIF result)::

    ::error file=pkg/x.go,line=30,title=stackparse%3A deadlock (high) in TestX::deadlock: 2 goroutines ...%0A...

The command is ``error`` for a ``certain`` or ``high`` finding, ``warning`` for ``medium`` and
``notice`` for ``low``. As GitHub documents the syntax (``::COMMAND k=v,k=v::MESSAGE``), the
message escapes ``%`` ``\\r`` ``\\n`` as ``%25`` ``%0D`` ``%0A``, and the property values
escape ``:`` and ``,`` as ``%3A`` and ``%2C`` as well (:func:`escape_data`,
:func:`escape_property`).

The job summary (:func:`render_github_summary`) is markdown for ``$GITHUB_STEP_SUMMARY``: a
table of the findings with their tests and locations, then each finding's evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._ci import CIItem, RepoPaths, Row, ci_items

__all__ = [
    "COMMANDS",
    "escape_data",
    "escape_property",
    "render_github",
    "render_github_summary",
    "workflow_command",
]

#: Workflow command of each confidence.
COMMANDS = {"certain": "error", "high": "error", "medium": "warning", "low": "notice"}
#: A message longer than this is cut (GitHub shows an annotation's first few lines anyway).
MAX_MESSAGE = 4000


def escape_data(text: str) -> str:
    """A command's message as the documented syntax wants it: ``%``, CR, LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as :func:`escape_data`, and ``:`` and ``,`` escaped too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, properties: dict[str, Any], message: str) -> str:
    """``::command k=v,k=v::message`` with every part escaped (properties with a None value
    are left out)."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def _title(item: CIItem) -> str:
    ctx = item.context
    where = ""
    if ctx is not None and ctx.tests:
        where = f" in {', '.join(ctx.tests)}"
    elif ctx is not None and ctx.package:
        where = f" in {ctx.package}"
    return f"stackparse: {item.kind} ({item.confidence}){where}"


def _command(item: CIItem) -> str:
    props: dict[str, Any] = {}
    if item.site is not None and item.site.in_repo:
        props["file"] = item.site.path
        props["line"] = item.site.line
    props["title"] = _title(item)
    message = item.message
    if item.site is not None and not item.site.in_repo:
        message += f"\n(at {item.site.path}:{item.site.line}, not found in the repository)"
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return workflow_command(COMMANDS.get(item.confidence, "warning"), props, message)


def render_github(results: Sequence[Row], repo: RepoPaths | None = None) -> str:
    """One workflow command per finding of ``results`` (``(label, dump, analysis[, input path])`` per dump),
    a line each."""
    items = ci_items(results, repo if repo is not None else RepoPaths())
    return "".join(_command(i) + "\n" for i in items)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_github_summary(results: Sequence[Row], repo: RepoPaths | None = None) -> str:
    """The markdown job summary: a table of the findings, then each one's details."""
    items = ci_items(results, repo if repo is not None else RepoPaths())
    n = len(items)
    dumps = len(results)
    out = [f"## stackparse: {n} finding{'s' if n != 1 else ''} in {dumps} dump{'s' if dumps != 1 else ''}", ""]
    if not items:
        out.append("No deadlock or leak found.")
        return "\n".join(out) + "\n"
    out += ["| level | finding | test | where |", "|---|---|---|---|"]
    for i in items:
        ctx = i.context
        test = "" if ctx is None else ", ".join(ctx.tests) or (ctx.package or "")
        if ctx is not None and ctx.package and ctx.tests:
            test += f" ({ctx.package})"
        where = "" if i.site is None else f"`{i.site.path}:{i.site.line}`"
        first = i.finding.title.splitlines()[0] if i.finding.title else i.rule
        out.append(f"| {i.confidence} | {_cell(first)} | {_cell(test)} | {where} |")
    for k, i in enumerate(items, 1):
        out += ["", f"<details><summary>{k}. {i.kind} ({i.confidence}), rule <code>{i.rule}</code></summary>", ""]
        out += ["```", i.message.replace("```", "'''"), "```", "", "</details>"]
    return "\n".join(out) + "\n"
