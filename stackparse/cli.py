"""The ``stackparse`` command: a thin shell over the library.

    stackparse parse   [FILE|-] [--format json|text] [--all]
    stackparse analyze [FILE|-|DIR|URL ...] [--format text|json|jsonl|dot|mermaid|markdown|html]
                       [--fail-on low|medium|high|certain|never] [--all] [--color auto|always|never]
                       [--timeout S] [--max-bytes N] [--watch S [--count N]] [--source DIR]
    stackparse diff    OLD NEW [--format text|json] [--fail-on LEVEL] [--fail-on-growth N]

Reading the input (files, gzip, directories, stdin, URLs through :mod:`stackparse.capture`) and
choosing an exit status is all this module does: parsing is :func:`stackparse.parsing.parse_all`,
analysis :func:`stackparse.detect.analyze`, output :mod:`stackparse.render`, comparison
:func:`stackparse.diff.diff`, source lines :class:`stackparse.source.SourceMap`.

Exit status: 0 nothing at or above ``--fail-on`` was found; 1 something was; 2 the input could
not be read or the command line is wrong; 130 interrupted. Errors are one line on stderr,
``stackparse: error: ...``, never a traceback.
"""

from __future__ import annotations

import atexit
import gc
import gzip
import json
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from . import render

__all__ = ["cli", "main"]

ANALYZE_FORMATS = ("text", "json", "jsonl", "dot", "mermaid", "markdown", "html")
FAIL_ON = ("low", "medium", "high", "certain", "never")
#: Directory inputs expand to these files (sorted, not recursive).
DIR_PATTERNS = ("*.txt", "*.txt.gz", "*.log")
#: detect.CONFIDENCE_ORDER, weakest first, until the detect stage exports it.
DEFAULT_ORDER = ("low", "medium", "high", "certain")
#: Formats that show source lines with --source.
SOURCE_FORMATS = ("text", "markdown", "html")
#: Inputs larger than this get a progress bar when stderr is a terminal.
PROGRESS_BYTES = 4 << 20
#: Dumps with at least this many goroutines get a status line on stderr while they are analysed,
#: when stderr is a terminal (100k goroutines take a few seconds, a million half a minute).
STATUS_GOROUTINES = 20_000
#: Exit status after a closed pipe (``stackparse ... | head``): 128 + SIGPIPE, as a shell does.
EXIT_PIPE = 141


class InputError(click.ClickException):
    """Unreadable input: exit 2 with ``stackparse: error: MESSAGE`` on stderr."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"stackparse: error: {_one_line(self.format_message())}", err=True)


def _one_line(text: str) -> str:
    return " ".join(str(text).split()) or "unknown error"


def _note(text: str) -> None:
    click.echo(f"stackparse: {text}", err=True)


def _quiet_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class _Group(click.Group):
    """Turns every failure into an exit status and one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(EXIT_PIPE) from None
        except Exception as e:  # the CLI's promise: no traceback, exit 2
            click.echo(f"stackparse: error: {_one_line(f'{type(e).__name__}: {e}')}", err=True)
            raise click.exceptions.Exit(2) from None


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("stackparse")
    except (ImportError, PackageNotFoundError):
        import stackparse

        return str(getattr(stackparse, "__version__", "0+unknown"))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, param, value: _print_version(ctx, value),
    help="Show the version and exit.",
)
def cli() -> None:
    """Read Go goroutine dumps and say what is stuck and why.

    \b
    Shell completion (bash; use zsh_source or fish_source for those shells):
      eval "$(_STACKPARSE_COMPLETE=bash_source stackparse)"
    """


def _print_version(ctx: click.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"stackparse {_version()}")
    ctx.exit(0)


# --------------------------------------------------------------------------- reading input


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _expand(sources: tuple[str, ...]) -> list[str]:
    """``-`` for no input; directories become their dump files, sorted."""
    if not sources:
        return ["-"]
    out: list[str] = []
    for s in sources:
        if s != "-" and not _is_url(s) and Path(s).is_dir():
            found = sorted({str(p) for pat in DIR_PATTERNS for p in Path(s).glob(pat) if p.is_file()})
            if not found:
                raise InputError(f"{s}: no *.txt, *.txt.gz or *.log files in this directory")
            out.extend(found)
        else:
            out.append(s)
    return out


def _display(source: str) -> str:
    return "<stdin>" if source == "-" else source


def _capture_kwargs(timeout: float | None, max_bytes: int | None) -> dict[str, Any]:
    return {k: v for k, v in (("timeout", timeout), ("max_bytes", max_bytes)) if v is not None}


def _read_bytes(source: str, timeout: float | None, max_bytes: int | None = None) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    if _is_url(source):
        try:
            import stackparse.capture as capture  # (through sys.modules: it may be missing)
        except ImportError:
            raise InputError(f"{source}: URL input not available (stackparse.capture is missing)") from None
        try:
            return capture.fetch(source, **_capture_kwargs(timeout, max_bytes))
        except Exception as e:  # CaptureError and whatever the network throws
            raise InputError(f"{source}: {e}") from None
    try:
        with open(source, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise InputError(f"{source}: {e.strerror or e}") from None


def _decode(source: str, data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"{_display(source)}: line 1: corrupt gzip data ({e})") from None
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{_display(source)}: line 1: binary data, expected the text of a goroutine dump "
            "(for pprof, ask for ?debug=1 or ?debug=2, not the protobuf profile)"
        )
    return data.decode("utf-8", errors="replace")


@contextmanager
def _progress(label: str, size: int, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for big inputs when stderr is a terminal, else None."""
    if not enabled or size < PROGRESS_BYTES or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=size, label=label, file=sys.stderr, show_eta=True) as bar:

        def update(done: int, total: int) -> None:
            if total and total != bar.length:
                bar.length = total
            bar.update(max(0, done - bar.pos))

        yield update


@contextmanager
def _status_line(text: str, enabled: bool) -> Iterator[None]:
    """``text`` on stderr while a long step runs, when stderr is a terminal; erased after."""
    if not enabled or not sys.stderr.isatty():
        yield
        return
    sys.stderr.write(text)
    sys.stderr.flush()
    try:
        yield
    finally:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _parse_source(
    source: str, timeout: float | None, progress: bool, max_bytes: int | None = None
) -> list[Any]:
    """Every dump in ``source`` (a file, ``-`` or a URL); InputError when there is none."""
    from . import parsing
    name = _display(source)
    # A one-shot process: no cyclic garbage collection while parsing (the records are acyclic),
    # and afterwards the records are moved out of the collector's reach (gc.freeze below), so
    # that no collection ever scans the millions of them.
    gc_was = gc.isenabled()
    gc.disable()
    try:
        by_file = parsing.parse_file_all
        size = _file_size(source)
        if size > 0:
            # A file: the parser reads it in pieces of a few MB (bounded memory), with a
            # progress bar for big ones on a terminal.
            _decode(source, _head(source))  # binary / corrupt gzip -> one clear error first
            with _progress(f"parsing {name}", size, progress and size >= PROGRESS_BYTES) as cb:
                dumps = list(by_file(source, progress=cb) if cb is not None else by_file(source))
            text = ""
        else:
            text = _decode(source, _read_bytes(source, timeout, max_bytes))
            dumps = list(parsing.parse_all(text))
    except parsing.ParseError as e:
        raise InputError(f"{name}: {_parse_error_text(e)}") from None
    finally:
        gc.freeze()
        if gc_was:
            gc.enable()
    dumps = [d for d in dumps if _has_content(d)]
    if not dumps:
        raise InputError(f"{name}: {_nothing_found(text)}")
    return dumps


def _file_size(source: str) -> int:
    if source == "-" or _is_url(source):
        return 0
    try:
        return os.stat(source).st_size
    except OSError:
        return 0


def _head(source: str, n: int = 1 << 16) -> bytes:
    """The first ``n`` bytes of a file, gunzipped when it is gzip."""
    try:
        with open(source, "rb") as fh:
            data = fh.read(n)
            if data[:2] == b"\x1f\x8b":
                fh.seek(0)
                with gzip.open(fh) as gz:
                    return gz.read(n)
            return data
    except OSError as e:
        raise InputError(f"{source}: {e.strerror or e}") from None
    except (EOFError, zlib.error) as e:
        raise InputError(f"{source}: line 1: corrupt gzip data ({e})") from None


def _parse_error_text(e: Exception) -> str:
    line = getattr(e, "line", None)
    expected = getattr(e, "expected", None)
    msg = str(e)
    if line is not None and f"line {line}" not in msg:
        msg = f"line {line}: {msg}"
    if expected and "expected" not in msg:
        msg += f" (expected {expected})"
    return msg


def _has_content(dump: Any) -> bool:
    p = dump.preamble
    return bool(
        dump.goroutines
        or dump.records
        or dump.threads
        or dump.runtime_stack
        or p.panics
        or p.fatal_error
        or p.signal is not None
    )


def _nothing_found(text: str) -> str:
    if not text.strip():
        return "line 1: empty input, expected a goroutine dump ('goroutine 1 [running]:' ...)"
    return (
        "line 1: no goroutine dump found, expected a header such as 'goroutine 1 [running]:' "
        "or 'goroutine profile: total N'"
    )


# --------------------------------------------------------------------------- parse


@cli.command("parse")
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
        out = "\n".join(f"==> {_display(source)} (dump {k + 1} of {n}, lines {d.start_line}-{d.end_line}) <==\n"
                        + render.render_dump_text(d) for k, d in enumerate(dumps))
    _write(out)


def _write(text: str, color: bool = False) -> None:
    click.echo(text, nl=False, color=color)
    sys.stdout.flush()


# --------------------------------------------------------------------------- analyze


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()



def _url_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--timeout and --max-bytes, for every command that reads URLs."""
    f = click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Largest dump accepted from a URL, in bytes (default 512 MiB).",
    )(f)
    return click.option("--timeout", type=float, default=None, help="Seconds to wait for a URL input.")(f)


@cli.command("analyze")
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
    help="A checkout of the service: show the source line at every blocking site (text, markdown, html).",
)
def analyze_cmd(
    sources: tuple[str, ...],
    fmt: str,
    fail_on: str,
    all_: bool,
    color: str,
    timeout: float | None,
    max_bytes: int | None,
    watch_s: float | None,
    count: int | None,
    source_dir: str | None,
) -> None:
    """Say what is stuck and why: FILE, .gz, DIR (its *.txt, *.txt.gz, *.log), URL, or - for stdin.

    \b
    With --watch SECONDS and one URL: a dump every SECONDS, each compared with the first
    (what grew, new findings); Ctrl-C stops, the exit status is that of the last dump.

    Exit status: 0 nothing at or above --fail-on, 1 something, 2 unreadable input.
    """
    from . import detect
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
    smap = None
    if source_dir is not None:
        if fmt in SOURCE_FORMATS:
            from .source import SourceMap

            smap = SourceMap(source_dir)
        else:
            _note(f"note: --source is shown by --format text, markdown and html, not {fmt}")
    inputs = _expand(sources)
    single_doc = fmt in ("json", "dot", "mermaid", "markdown", "html")  # (json: {"dumps": [...]} for several)
    if single_doc and len(inputs) > 1:
        raise click.UsageError(f"--format {fmt} renders one input; use --format jsonl or text for several")
    progress = fmt not in ("json", "jsonl")
    results: list[
        tuple[str, int | None, Any, Any]
    ] = []  # (source, index in the file or None, dump, analysis)
    for src in inputs:
        dumps = _parse_source(src, timeout, progress, max_bytes)
        if single_doc and fmt != "json" and len(dumps) > 1:
            _note(f"note: {_display(src)} holds {len(dumps)} dumps; --format {fmt} shows the first")
            dumps = dumps[:1]
        for i, d in enumerate(dumps):
            n = len(d.goroutines)
            with _status_line(f"analysing {n:,} goroutines...", progress and n >= STATUS_GOROUTINES):
                a = detect.analyze(d)
            results.append((_display(src), i if len(dumps) > 1 else None, d, a))
        if fmt == "jsonl":  # stream: one line per dump as soon as it is analysed
            for s, di, d, a in results[-len(dumps) :]:
                extra = {} if di is None else {"dump_index": di}
                _write(render.render_jsonl_record(a, s, dump=d, **extra))
    if fmt != "jsonl":
        _write(_render(results, fmt, all_, _use_color(color), smap), color=_use_color(color))
    ctx = click.get_current_context()
    ctx.exit(_status([a for *_, a in results], fail_on, order))


def _order(detect: Any) -> tuple[str, ...]:
    return tuple(getattr(detect, "CONFIDENCE_ORDER", None) or DEFAULT_ORDER)


def _clock(when: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when))


def _watch(
    detect: Any, url: str, interval: float, count: int | None, fmt: str, kw: dict[str, Any]
) -> Any | None:
    """Fetch ``url`` every ``interval`` s; report each dump against the first. Returns the last
    analysis (None when Ctrl-C came before the first dump)."""
    from . import capture, parsing
    from . import diff as diff_mod
    first: tuple[float, Any] | None = None
    last = None
    try:
        for when, body in capture.watch(url, interval, count, **kw):
            try:
                dump = parsing.parse(_decode(url, body))
            except parsing.ParseError as e:
                raise InputError(f"{url}: {_parse_error_text(e)}") from None
            a = last = detect.analyze(dump)
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
    return f"{n} goroutines in {nb} buckets, {nf} finding{'s' if nf != 1 else ''}{what}"


def _render(
    results: list[tuple[str, int | None, Any, Any]], fmt: str, all_: bool, color: bool, smap: Any = None
) -> str:
    if fmt == "text":
        if len(results) == 1:
            return render.render_text(results[0][3], color=color, all=all_, dump=results[0][2], source=smap)
        rows = [(_label(s, i), a, d) for s, i, d, a in results]
        parts = [render.render_text_summary(rows, color=color)]
        for label, a, d in rows:
            parts.append(
                f"\n==> {label} <==\n" + render.render_text(a, color=color, all=all_, dump=d, source=smap)
            )
        return "".join(parts)
    _, _, d, a = results[0]
    if fmt == "json":
        if len(results) > 1:  # several dumps in the one input: every analysis
            from .render.jsonout import analysis_dict, dumps_indented

            return dumps_indented({"dumps": [analysis_dict(ra, rd) for _, _, rd, ra in results]}) + "\n"
        return render.render_json(a, dump=d)
    if fmt == "dot":
        return render.render_dot(a, all=all_, dump=d)
    if fmt == "mermaid":
        return render.render_mermaid(a, all=all_, dump=d)
    if fmt == "markdown":
        return render.render_markdown(a, dump=d, source=smap)
    return render.render_html(a, all=all_, dump=d, source=smap)


def _label(source: str, index: int | None) -> str:
    return source if index is None else f"{source} (dump {index + 1})"


def _status(analyses: list[Any], fail_on: str, order: tuple[str, ...]) -> int:
    """1 when some finding is at or above ``fail_on`` in ``order`` (weakest first), else 0."""
    if fail_on == "never":
        return 0
    floor = order.index(fail_on)
    for a in analyses:
        for f in a.findings:
            if f.confidence in order and order.index(f.confidence) >= floor:
                return 1
    return 0


# --------------------------------------------------------------------------- diff


@cli.command("diff")
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
    from . import detect
    from . import diff as diff_mod

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
        and f.confidence in order
        and order.index(f.confidence) >= order.index(fail_on)
        for f in d.findings
    )
    grew = fail_on_growth is not None and any(c.delta >= fail_on_growth for c in d.buckets)
    return 1 if bad or grew else 0


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``stackparse``) and ``python -m stackparse``.

    The process ends without the interpreter's teardown (:func:`_end`): freeing the records of a
    100,000-goroutine dump one by one took 0.8 s after the report was written.
    """
    try:
        cli.main(args=argv, prog_name="stackparse")
    except SystemExit as e:
        _end(e.code)
    _end(0)


def _end(code: int | str | None) -> NoReturn:
    """Run the exit handlers, flush stdout and stderr, then leave the process with ``code`` at
    once (``os._exit``): what the interpreter does at exit, but for freeing every object.

    The handlers others registered (``coverage run -m stackparse``, logging) run as at a normal
    exit; nothing written is left in a buffer; a reader that went away (EPIPE at the flush) gives
    the status of a broken pipe, as elsewhere."""
    if isinstance(code, str):  # sys.exit("message"): print it, status 1, as the interpreter does
        sys.stderr.write(code + "\n")
        code = 1
    status = code or 0
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's own, called at exit
    if run_exit_handlers is not None:
        run_exit_handlers()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        status = EXIT_PIPE
    except OSError as e:  # the output is lost (a full disk...): say so, with the interpreter's status
        sys.stderr.write(f"stackparse: error: writing the report: {e}\n")
        status = 120
    except ValueError:  # stdout closed by the command itself
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)
