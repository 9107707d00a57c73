"""Reading the input: files, gzip, directories (sniffed), stdin and URLs (through
:mod:`stackparse.capture`), parsed into dumps by :func:`_parse_source`; the errors that exit 2."""

from __future__ import annotations

import dataclasses
import gc
import gzip
import importlib
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .output import _note, _one_line

#: Inputs larger than this get a progress bar when stderr is a terminal.
PROGRESS_BYTES = 4 << 20


class InputError(click.ClickException):
    """Unreadable input: exit 2 with ``stackparse: error: MESSAGE`` on stderr."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"stackparse: error: {_one_line(self.format_message())}", err=True)


class NoDumpError(InputError):
    """The input holds no goroutine dump (a passing ``go test`` log): --format sarif and github
    report nothing found instead of failing."""



def _parsing() -> Any:
    """The parser's public functions (``parse``, ``parse_all``, ``parse_file_all``,
    ``ParseError``), as the package re-exports them wherever the parser lives."""
    return importlib.import_module("stackparse")


def _analysis() -> Any:
    """The analysis stage (``analyze``, ``CONFIDENCE_ORDER``), imported on first use so that
    ``stackparse parse`` does not pay for networkx."""
    from .. import analysis

    return analysis


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def _expand(sources: tuple[str, ...]) -> list[str]:
    """``-`` for no input; a directory becomes the files in it that hold a goroutine dump,
    sorted, whatever their names (``goroutines``, ``dump.out``, ``dump.gz``): their content is
    sniffed (:func:`_sniff`). A file that cannot be read, or holds no dump, is skipped with a
    note on stderr."""
    if not sources:
        return ["-"]
    out: list[str] = []
    for s in sources:
        if s != "-" and not _is_url(s) and Path(s).is_dir():
            found = []
            for p in sorted(Path(s).iterdir()):
                if p.name.startswith(".") or not p.is_file():
                    continue
                why = _sniff(p)
                if why is None:
                    found.append(str(p))
                elif why:
                    _note(f"note: skipped {p}: {why}")
            if not found:
                raise InputError(f"{s}: no goroutine dump in this directory")
            out.extend(found)
        else:
            out.append(s)
    return out


#: What the first bytes of a goroutine dump hold (any of the formats stackparse reads).
_DUMP_MARKS = (b"goroutine ", b"goroutine profile:", b"panic: ", b"fatal error: ", b"SIGQUIT", b"\"goroutines\"")


def _sniff(path: Path) -> str | None:
    """None when ``path`` looks like a goroutine dump (plain or gzip); else why not ("" for a
    file not worth a note: not a dump at all)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 16)
            if data[:2] == b"\x1f\x8b":
                fh.seek(0)
                with gzip.open(fh) as gz:
                    data = gz.read(1 << 16)
    except OSError as e:
        return f"cannot read it ({e.strerror or e})"
    except (EOFError, zlib.error) as e:
        return f"corrupt gzip data ({e})"
    if b"\x00" in data[:8192]:
        return "binary data, not the text of a goroutine dump"
    if any(m in data for m in _DUMP_MARKS):
        return None
    return "no goroutine dump in its first 64 KiB"


def _display(source: str) -> str:
    return "<stdin>" if source == "-" else source


def _capture_kwargs(timeout: float | None, max_bytes: int | None) -> dict[str, Any]:
    return {k: v for k, v in (("timeout", timeout), ("max_bytes", max_bytes)) if v is not None}


def _read_bytes(source: str, timeout: float | None, max_bytes: int | None = None) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    if _is_url(source):
        try:
            capture = importlib.import_module("stackparse.capture")
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


def _parse_source(
    source: str, timeout: float | None, progress: bool, max_bytes: int | None = None
) -> list[Any]:
    """Every dump in ``source`` (a file, ``-`` or a URL); InputError when there is none."""
    from .. import parsing as parse

    name = _display(source)
    # A one-shot process: no cyclic garbage collection while parsing (the records are acyclic),
    # and afterwards the records are moved out of the collector's reach (gc.freeze below), so
    # that no collection ever scans the millions of them.
    gc_was = gc.isenabled()
    gc.disable()
    try:
        by_file = parse.parse_file_all
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
            dumps = list(parse.parse_all(text))
    except parse.ParseError as e:
        # "no goroutine dump found" / "empty input: no goroutine dump": the parser's words for
        # input that is text but holds no dump (a passing go test log)
        cls = NoDumpError if "no goroutine dump" in str(e) else InputError
        raise cls(f"{name}: {_parse_error_text(e)}") from None
    finally:
        gc.freeze()
        if gc_was:
            gc.enable()
    dumps = [d for d in _join_split_preambles(dumps) if _has_content(d)]
    if not dumps:
        raise NoDumpError(f"{name}: {_nothing_found(text)}")
    return dumps


def _join_split_preambles(dumps: list[Any]) -> list[Any]:
    """A panic's or fatal error's preamble read as a dump of its own, followed by the goroutines
    it introduces as another (``parse_file_all`` reading in pieces does that for the runtime's
    crash output: ``panic: ...``, a blank line, ``goroutine 1 [running]:``), joined back into one
    dump: the crash with its goroutines."""
    out: list[Any] = []
    for d in dumps:
        prev = out[-1] if out else None
        if (
            prev is not None
            and not (prev.goroutines or prev.records or prev.threads)
            and (prev.preamble.panics or prev.preamble.fatal_error)
            and d.goroutines
            and not (d.preamble.panics or d.preamble.fatal_error or d.preamble.signal)
            and 0 <= d.start_line - prev.end_line <= 3
        ):
            out[-1] = dataclasses.replace(
                d,
                kind=prev.kind,
                preamble=prev.preamble,
                start_line=prev.start_line,
                diagnostics=prev.diagnostics + d.diagnostics,
            )
        else:
            out.append(d)
    return out


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
