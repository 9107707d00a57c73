"""``stackparse analyze``: the report (every format, CI formats included), the exit status, the
goroutineleak profile merged into URL dumps, and ``--watch``."""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from typing import Any

import click

from .. import render
from ..render._common import conf_value
from .inputs import (
    InputError,
    NoDumpError,
    _analysis,
    _capture_kwargs,
    _decode,
    _display,
    _expand,
    _is_url,
    _parse_error_text,
    _parse_source,
    _parsing,
    _url_options,
)
from .output import _note, _one_line, _status_line, _use_color, _version, _write

ANALYZE_FORMATS = ("text", "json", "jsonl", "dot", "mermaid", "markdown", "html", "sarif", "github")
#: Formats for CI (every dump of every input in one report; paths relative to the repository).
CI_FORMATS = ("sarif", "github")
FAIL_ON = ("low", "medium", "high", "certain", "never")
#: detect.CONFIDENCE_ORDER, weakest first, until the detect stage exports it.
DEFAULT_ORDER = ("low", "medium", "high", "certain")
#: Formats that show source lines with --source.
SOURCE_FORMATS = ("text", "markdown", "html")
#: Dumps with at least this many goroutines get a status line on stderr while they are analysed,
#: when stderr is a terminal (100k goroutines take a few seconds, a million half a minute).
STATUS_GOROUTINES = 20_000


@click.command("analyze")
@click.argument("sources", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(ANALYZE_FORMATS),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="medium",
    show_default=True,
    help="Exit 1 when a finding at or above this confidence is found.",
)
@click.option(
    "--min-confidence",
    type=click.Choice(DEFAULT_ORDER),
    default=None,
    metavar="LEVEL",
    help="Print only the findings at LEVEL (low, medium, high, certain) or above (every format).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Print only the N most certain findings (every format).",
)
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="Show every bucket (text, html) or every blocked goroutine (dot, mermaid).",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text report (auto: when stdout is a terminal and NO_COLOR is unset).",
)
@_url_options
@click.option(
    "--watch",
    "watch_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="With a URL: take a dump every SECONDS and report what grew since the first one (Ctrl-C to stop).",
)
@click.option(
    "--count",
    type=click.IntRange(min=2),
    default=None,
    metavar="N",
    help="With --watch: stop after N dumps.",
)
@click.option(
    "--source",
    "source_dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    metavar="DIR",
    help="A checkout of the service: show the source line at every blocking site (text, markdown, html); "
    "for sarif and github, where the dump's file paths are looked up.",
)
@click.option(
    "--repo-root",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    metavar="DIR",
    help="sarif, github: the repository the reported paths are relative to "
    "(default: the git checkout holding --source or the current directory).",
)
@click.option(
    "--leak-profile/--no-leak-profile",
    default=True,
    show_default=True,
    help="With a pprof goroutine URL: also ask the service (Go 1.26+) for its goroutineleak profile "
    "right after the dump and merge the runtime's (leaked) marks (one 404 when it has none).",
)
def analyze_cmd(
    sources: tuple[str, ...],
    fmt: str,
    fail_on: str,
    min_confidence: str | None,
    top: int | None,
    all_: bool,
    color: str,
    timeout: float | None,
    max_bytes: int | None,
    watch_s: float | None,
    count: int | None,
    source_dir: str | None,
    repo_root: str | None,
    leak_profile: bool = True,
) -> None:
    """Say what is stuck and why: FILE, .gz, DIR (every dump file in it), URL, or - for stdin.

    \b
    With --watch SECONDS and one URL: a dump every SECONDS, each compared with the first
    (what grew, new findings); Ctrl-C stops, the exit status is that of the last dump.

    \b
    A directory's files are sniffed, whatever their names; one that cannot be read is skipped
    with a note on stderr, and the exit status says what the others hold.

    Exit status: 0 nothing at or above --fail-on, 1 something, 2 unreadable input.
    """
    if not sources and sys.stdin.isatty():  # nothing piped in: say how, do not wait on the terminal
        ctx = click.get_current_context()
        click.echo(ctx.get_help())
        ctx.exit(2)
    detect = _analysis()
    order = _order(detect)
    if count is not None and watch_s is None:
        raise click.UsageError("--count needs --watch")
    if watch_s is not None:
        if len(sources) != 1 or not _is_url(sources[0]):
            raise click.UsageError("--watch needs exactly one URL")
        if fmt not in ("text", "json", "jsonl"):
            raise click.UsageError("--watch reports in --format text, json or jsonl")
        if source_dir is not None:
            _note("note: --source is not used with --watch (the reports are diffs)")
        last = _watch(detect, sources[0], watch_s, count, fmt, _capture_kwargs(timeout, max_bytes))
        click.get_current_context().exit(_status([last] if last is not None else [], fail_on, order))
    smap: Any = None
    if fmt in CI_FORMATS:
        from ..render._ci import RepoPaths

        smap = RepoPaths(source_dir, repo_root)
    elif source_dir is not None:
        if fmt in SOURCE_FORMATS:
            from ..source import SourceMap

            smap = SourceMap(source_dir)
        else:
            _note(f"note: --source is shown by --format text, markdown and html, not {fmt}")
    inputs = _expand(sources)
    single_doc = fmt in ("json", "dot", "mermaid", "markdown", "html")
    if single_doc and len(inputs) > 1:
        raise click.UsageError(f"--format {fmt} renders one input; use --format jsonl or text for several")
    progress = fmt not in ("json", "jsonl", *CI_FORMATS)
    results: list[
        tuple[str, int | None, Any, Any]
    ] = []  # (source, index in the file or None, dump, analysis)
    skipped = 0
    for src in inputs:
        try:
            dumps = _parse_source(src, timeout, progress, max_bytes)
        except InputError as e:
            if isinstance(e, NoDumpError) and fmt in CI_FORMATS:
                _note(f"note: {_display(src)}: no goroutine dump in it (no test hung or leaked); nothing to report")
                continue
            if len(inputs) == 1:
                raise
            # one of several inputs (a directory...): say so, read the rest
            _note(f"note: skipped {_one_line(e.format_message())}")
            skipped += 1
            continue
        if leak_profile and _is_url(src):
            dumps = _with_leak_marks(src, dumps, timeout, max_bytes)
        if single_doc and fmt != "json" and len(dumps) > 1:  # json: {"dumps": [...]} for several
            _note(f"note: {_display(src)} holds {len(dumps)} dumps; --format {fmt} shows the first")
            dumps = dumps[:1]
        for i, d in enumerate(dumps):
            n = len(d.goroutines)
            # earlier inputs of the same process (the library keeps only those) feed growth
            earlier = [r[2] for r in results if r[2].goroutines][-4:]
            with _status_line(f"analysing {n:,} goroutines...", progress and n >= STATUS_GOROUTINES):
                a = _frozen(detect.analyze, d, earlier)
            results.append((_display(src), i if len(dumps) > 1 else None, d, a))
        if fmt == "jsonl":  # stream: one line per dump as soon as it is analysed
            for s, di, d, a in results[-len(dumps) :]:
                extra = {} if di is None else {"dump_index": di}
                _write(render.render_jsonl_record(a, s, dump=d, min_confidence=min_confidence, top=top, **extra))
    if not results and skipped:
        raise InputError(f"none of the {len(inputs)} inputs could be read")
    limits = {"min_confidence": min_confidence, "top": top}
    if fmt in CI_FORMATS:
        _write_ci(results, fmt, smap)
    elif fmt != "jsonl":
        _write(_render(results, fmt, all_, _use_color(color), smap, limits), color=_use_color(color))
    if skipped:
        _note(f"note: {skipped} of {len(inputs)} inputs skipped; the exit status is that of the others")
    ctx = click.get_current_context()
    ctx.exit(_status([a for *_, a in results], fail_on, order))


def _frozen(analyze: Any, dump: Any, earlier: list[Any]) -> Any:
    """``analyze(dump[, earlier])``, its objects then moved out of the cyclic collector's reach
    (``gc.freeze``), as the parsed records are (inputs._parse_source): the command keeps every
    analysis until the report is written, and the first collection after the analysis would
    otherwise scan the millions of objects it made (figures in bench/README.md)."""
    gc_was = gc.isenabled()
    gc.disable()
    try:
        return analyze(dump, earlier) if earlier and dump.goroutines else analyze(dump)
    finally:
        gc.freeze()
        if gc_was:
            gc.enable()


def _write_ci(results: list[tuple[str, int | None, Any, Any]], fmt: str, repo: Any) -> None:
    """--format sarif / github: one report over every dump read. github also appends its job
    summary to the file named by $GITHUB_STEP_SUMMARY when that is set."""
    rows = [(_label(s, i), d, a, s) for s, i, d, a in results]
    if fmt == "sarif":
        from ..render.sarif import render_sarif

        _write(render_sarif(rows, repo, version=_version()))
        return
    from ..render.github import render_github, render_github_summary

    _write(render_github(rows, repo))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(render_github_summary(rows, repo))
        except OSError as e:
            raise InputError(f"GITHUB_STEP_SUMMARY={summary}: {e.strerror or e}") from None


def _with_leak_marks(url: str, dumps: list[Any], timeout: float | None, max_bytes: int | None) -> list[Any]:
    """The dumps of ``url`` with the (leaked) marks of the service's goroutineleak profile, asked
    right after (Go 1.26+); unchanged, with a note, when the service does not serve it."""
    from .. import capture

    try:
        body = capture.fetch_leaked(url, **_capture_kwargs(timeout, max_bytes))
    except Exception as e:  # CaptureError and whatever the network throws: the dump still stands
        _note(f"note: {url}: no goroutineleak profile ({e})")
        return dumps
    if body is None:
        if capture.leak_profile_url(url) is not None:
            _note(f"note: {url}: the service serves no goroutineleak profile (Go 1.26+): no runtime proof of leaks")
        return dumps
    parse = _parsing()
    try:
        leak_dumps = [d for d in parse.parse_all(_decode(url, body)) if d.goroutines]
    except parse.ParseError:
        return dumps
    if not leak_dumps:
        return dumps
    return [capture.merge_leaked(d, leak_dumps[0]) if i == 0 else d for i, d in enumerate(dumps)]


def _order(detect: Any) -> tuple[str, ...]:
    return tuple(getattr(detect, "CONFIDENCE_ORDER", None) or DEFAULT_ORDER)


def _clock(when: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when))


def _watch(
    detect: Any, url: str, interval: float, count: int | None, fmt: str, kw: dict[str, Any]
) -> Any | None:
    """Fetch ``url`` every ``interval`` s; report each dump against the first. Returns the last
    analysis (None when Ctrl-C came before the first dump)."""
    from .. import capture
    from .. import diff as diff_mod

    parse = _parsing()
    first: tuple[float, Any] | None = None
    last = None
    earlier: list[Any] = []  # the dumps so far (the first and the last few): growth is evidence
    try:
        for when, body in capture.watch(url, interval, count, **kw):
            try:
                dump = parse.parse(_decode(url, body))
            except parse.ParseError as e:
                raise InputError(f"{url}: {_parse_error_text(e)}") from None
            a = last = detect.analyze(dump, earlier) if earlier else detect.analyze(dump)
            earlier = [*earlier[:1], *earlier[1:][-3:], dump]
            side = a if getattr(a, "dump", None) is not None else dump  # diff needs the dump
            if first is None:
                first = (when, side)
                if fmt == "text":
                    _write(f"{_clock(when)} {url}: {_summary(a, dump)}\n")
                else:
                    _write(render.render_jsonl_record(a, url, dump=dump))
            else:
                d = diff_mod.diff(
                    first[1],
                    side,
                    old_label=_clock(first[0]),
                    new_label=_clock(when),
                    elapsed=when - first[0],
                )
                if fmt == "text":
                    _write(f"\n== {_clock(when)} ==\n" + diff_mod.render_diff_text(d))
                else:
                    _write(json.dumps(d.to_dict(), separators=(",", ":")) + "\n")
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the watch normally
    except (capture.CaptureError, OSError) as e:  # OSError: whatever else the network throws
        raise InputError(f"{url}: {e}") from None
    return last


def _summary(a: Any, dump: Any) -> str:
    """``38 goroutines in 34 buckets, 2 findings (1 deadlock, 1 leak)``."""
    n = len(dump.goroutines) or sum(r.count for r in dump.records) or (dump.total or 0)
    kinds: dict[str, int] = {}
    for f in a.findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    nb, nf = len(getattr(a, "buckets", None) or ()), len(a.findings)
    what = " (" + ", ".join(f"{c} {k}" for k, c in kinds.items()) + ")" if kinds else ""
    return (
        f"{n} goroutine{'s' if n != 1 else ''} in {nb} bucket{'s' if nb != 1 else ''}, "
        f"{nf} finding{'s' if nf != 1 else ''}{what}"
    )


def _render(
    results: list[tuple[str, int | None, Any, Any]],
    fmt: str,
    all_: bool,
    color: bool,
    smap: Any = None,
    limits: dict[str, Any] | None = None,
) -> str:
    lim = limits or {}
    if fmt == "text":
        if len(results) == 1:
            s, _, d, a = results[0]
            return render.render_text(a, color=color, all=all_, dump=d, source=smap, **lim)
        rows = [(_label(s, i), a, d) for s, i, d, a in results]
        parts = [render.render_text_summary(rows, color=color)]
        for label, a, d in rows:
            parts.append(
                f"\n==> {label} <==\n"
                + render.render_text(a, color=color, all=all_, dump=d, source=smap, **lim)
            )
        return "".join(parts)
    s, _, d, a = results[0]
    if fmt == "json":
        if len(results) > 1:  # several dumps in the one input: every analysis
            from ..render.jsonout import analysis_dict, dumps_indented

            return dumps_indented({"dumps": [analysis_dict(ra, rd, **lim) for _, _, rd, ra in results]}) + "\n"
        return render.render_json(a, dump=d, **lim)
    if fmt == "dot":
        return render.render_dot(a, all=all_, dump=d, **lim)
    if fmt == "mermaid":
        return render.render_mermaid(a, all=all_, dump=d, **lim)
    if fmt == "markdown":
        return render.render_markdown(a, dump=d, source=smap, **lim)
    return render.render_html(a, all=all_, dump=d, source=smap, name=s, **lim)


def _label(source: str, index: int | None) -> str:
    return source if index is None else f"{source} (dump {index + 1})"


def _status(analyses: list[Any], fail_on: str, order: tuple[str, ...]) -> int:
    """1 when some finding is at or above ``fail_on`` in ``order`` (weakest first), else 0."""
    if fail_on == "never":
        return 0
    floor = order.index(fail_on)
    for a in analyses:
        for f in a.findings:
            c = conf_value(f.confidence)
            if c in order and order.index(c) >= floor:
                return 1
    return 0
