"""parse and parse_all: text or bytes in, Dump records out.

The input is decoded (UTF-8, CRLF), unwrapped when it is a JSON log, split into lines and fed
to one segmenter. ``ParseError`` is raised only when no dump at all is found (or, with
``strict=True``, on the first error).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from ..model import (
    Diagnostic,
    Dump,
)
from .errors import ParseError
from .segmenter import _Segmenter
from .unwrap import HEADER_ANYWHERE, decode, unescape_lines, unwrap_json


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while reading: the parser makes millions of small tuples and
    no reference cycles, and the collector, triggered by the allocations, would rescan the
    growing heap again and again (see bench/README.md).

    On the way out, everything the collector tracks is moved to its oldest generation
    (``gc.freeze`` then ``gc.unfreeze``: two list splices) before it is enabled again: the
    first young collection would otherwise walk every record just made (0.3 s at 100k
    goroutines) to find no garbage. Nothing is kept from the collector: a later full
    collection sees all of it. Skipped when the program froze objects itself."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()

# ====================================================================== public API


def _prepare(data: str | bytes) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if _is_binary(raw[:8192]):
            raise ParseError("input is binary data, not a goroutine dump", 1,
                             "text starting with a line such as 'goroutine 1 [running]:'")
        text = decode(raw)
    else:
        text = decode(data)
    if _looks_json(text):
        unwrapped = unwrap_json(text)
        if unwrapped is not None:
            return unwrapped
    return unescape_lines(text)


def _is_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return True
    if head[:2] == b"\x1f\x8b":
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl > len(head) // 20


def _looks_json(text: str) -> bool:
    m = HEADER_ANYWHERE.search(text, 0, 1 << 22)
    if m is None:
        return False
    start = text.rfind("\n", 0, m.start()) + 1
    before = text[start : m.start()]
    return '{"' in before or '":"' in before or '": "' in before


def _run(text: str, memo: bool, strict: bool) -> tuple[list[Dump], list[Diagnostic], int]:
    seg = _Segmenter(memo=memo)
    lines = text.split("\n")
    partial = lines.pop()  # "" when the text ends with a newline
    seg.feed(lines, 0, final=True)
    dumps = seg.dumps
    _partial_line(seg, dumps, partial, len(lines) + 1)
    if strict:
        for d in [*seg.stray, *(x for dump in dumps for x in dump.diagnostics)]:
            if d.severity == "error":
                raise ParseError(d.message, d.line, d.expected, d.text)
    return dumps, seg.stray, len(lines)


def _partial_line(seg: _Segmenter, dumps: list[Dump], partial: str, lineno: int) -> None:
    """The input ended in the middle of a line (a fixed runtime.Stack buffer, a log size limit).
    A cut line is never trusted: a cut number still reads as a (wrong) number. It is reported,
    and a cut goroutine header is accounted for as unreadable."""
    if not partial:
        return
    if HEADER_ANYWHERE.search(partial):
        msg = "unreadable goroutine header: cut off by the end of the input"
    elif not dumps or dumps[-1].end_line < lineno - 2:
        return
    else:
        msg = "input ends in the middle of a line (truncated dump)"
    note = Diagnostic(lineno, msg, partial[:200], "a complete line", "warning")
    if dumps:
        last = dumps[-1]
        dumps[-1] = replace(last, truncated=True, diagnostics=last.diagnostics + (note,))
    else:
        seg.stray.append(note)


def _no_dump_error(text: str, stray: list[Diagnostic]) -> ParseError:
    if stray:
        d = stray[0]
        return ParseError(d.message, d.line, d.expected, d.text)
    if not text.strip():
        return ParseError("empty input: no goroutine dump", 1, "a line such as 'goroutine 1 [running]:'")
    first = next((k for k, ln in enumerate(text.split("\n", 50)) if ln.strip()), 0)
    sample = text.split("\n", first + 1)[first] if first < 50 else ""
    return ParseError("no goroutine dump found", first + 1,
                      "'goroutine N [STATUS]:', 'panic: …', 'fatal error: …', 'SIGQUIT: quit' "
                      "or 'goroutine profile: total N'", sample)


def parse_all(data: str | bytes, *, strict: bool = False, memo: bool = True) -> list[Dump]:
    """Every dump in ``data`` (a log may hold several), in input order.

    Raises :class:`ParseError` when there is none. ``memo=False`` makes the grammar read every
    line with no cache or shortcut (slow; used to check the fast path).
    """
    text = _prepare(data)
    with _gc_paused():
        dumps, stray, _ = _run(text, memo, strict)
    if not dumps:
        raise _no_dump_error(text, stray)
    if stray:
        dumps[0] = replace(dumps[0], diagnostics=tuple(stray) + dumps[0].diagnostics)
    return dumps


def parse(data: str | bytes, *, strict: bool = False, memo: bool = True) -> Dump:
    """Parse a goroutine dump given as text or bytes.

    When the input holds several dumps, the first one that has goroutines (or profile records)
    is returned and a diagnostic says how many more there are; :func:`parse_all` returns all.
    """
    dumps = parse_all(data, strict=strict, memo=memo)
    return _primary(dumps)


def _primary(dumps: list[Dump]) -> Dump:
    best = next((d for d in dumps if d.goroutines or d.records), dumps[0])
    if len(dumps) > 1:
        note = Diagnostic(best.start_line, f"the input holds {len(dumps)} dumps; this is the one starting at "
                          f"line {best.start_line} (parse_all returns every one)", "", "", "info")
        best = replace(best, diagnostics=best.diagnostics + (note,))
    return best

