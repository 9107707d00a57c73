"""Files and streams: parse_file, parse_file_all and iter_goroutines.

A file (plain or gzip) is read in pieces of 1 MiB (:mod:`.chunks`) and fed to one segmenter,
so memory holds the records, not the text. ``iter_goroutines`` keeps nothing it has read and
bounds its caches, for dumps too large to hold. A big plain file may be read by two processes
(:mod:`.parallel`).
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, cast

from ..model import (
    Dump,
    Goroutine,
)
from .api import _gc_paused, _is_binary, _looks_json, _no_dump_error, _partial_line, _primary, parse_all
from .chunks import _chunks
from .errors import ParseError
from .parallel import _Half, _Limited, _workers
from .segmenter import _Segmenter
from .unwrap import _ESCAPED_DUMP, decode

Progress = Callable[[int, int], None]
STREAM_CACHE_LIMIT = 100_000


def _open_binary(path: str | os.PathLike[str]) -> IO[bytes]:
    p = Path(path)
    with open(p, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(p, "rb")  # type: ignore[return-value]
    return open(p, "rb")


def _feed_stream(stream: IO[bytes], seg: _Segmenter, progress: Progress | None = None,
                 total: int = 0, base: int = 0, done: int = 0, last: bool = True) -> Iterator[str]:
    """Feed a binary stream to a segmenter piece by piece; yields after each piece the first
    4 KiB of the input's text (for error messages). ``base``: lines before the stream's start;
    ``done``: bytes before it. ``seg.next_base`` is the line count at the end."""
    head: str | None = None
    for piece, final in _chunks(stream, progress, total, done, last):
        if head is None and _is_binary(piece[:8192]):
            raise ParseError("input is binary data, not a goroutine dump", 1,
                             "text starting with a line such as 'goroutine 1 [running]:'")
        text = decode(piece)
        if head is None:
            head = text[:4096]
        lines = text.split("\n")
        partial = lines.pop()  # "" unless the input ends in the middle of a line
        with _gc_paused():
            seg.feed(lines, base, final=final)
        base += len(lines)
        seg.next_base = base
        if final:
            _partial_line(seg, seg.dumps, partial, base + 1)
        yield head


def parse_file_all(path: str | os.PathLike[str], *, strict: bool = False,
                   progress: Progress | None = None, workers: int | None = None) -> list[Dump]:
    """Every dump in a file (plain or gzip-compressed), read in pieces of 1 MiB.

    ``workers``: processes reading the file (1 or 2). By default a plain file of at least
    ``PARALLEL_MIN_BYTES`` is read by two on Linux when a second CPU is there and the parser is
    not compiled (:mod:`stackparse.native`). ``$STACKPARSE_WORKERS`` overrides. The result is the
    same either way (see ``_Half``)."""
    total = 0
    try:
        total = os.path.getsize(path)
    except OSError:
        pass
    with _open_binary(path) as f:
        head = f.read(1 << 20)
        text_head = head.decode("utf-8", "replace")
        if _looks_json(text_head) or "\r" in text_head or _ESCAPED_DUMP.search(text_head):
            rest = f.read()
            return parse_all(head + rest, strict=strict)
        seg = _Segmenter()
        stream: IO[bytes] = _Prepend(head, f)  # type: ignore[assignment]
        head_text = ""
        half = _Half.spawn(path, f, total) if _workers(workers, total) > 1 else None
        try:
            with _gc_paused():
                if half is not None:
                    # this process reads up to half.start; a child process reads from there on
                    limited = cast(IO[bytes], _Limited(stream, half.start))  # a readable binary stream
                    for piece_head in _feed_stream(limited, seg, progress, total, last=False):
                        head_text = piece_head
                    base, resume = half.merge(seg)
                    f.seek(resume)
                    stream, done = f, resume  # type: ignore[assignment]
                else:
                    base = done = 0
                for piece_head in _feed_stream(stream, seg, progress, total, base, done):
                    head_text = head_text or piece_head
        finally:
            if half is not None:
                half.close()
    dumps = seg.dumps
    if not dumps:
        raise _no_dump_error(head_text, seg.stray)
    if strict:
        for d in [*seg.stray, *(x for dump in dumps for x in dump.diagnostics)]:
            if d.severity == "error":
                raise ParseError(d.message, d.line, d.expected, d.text)
    if seg.stray:
        dumps[0] = replace(dumps[0], diagnostics=tuple(seg.stray) + dumps[0].diagnostics)
    return dumps


def parse_file(path: str | os.PathLike[str], *, strict: bool = False,
               progress: Progress | None = None, workers: int | None = None) -> Dump:
    """Parse a dump file (plain or ``.gz``). ``progress(bytes_read, total_bytes)`` is called
    after each piece read; ``workers`` as for :func:`parse_file_all`."""
    return _primary(parse_file_all(path, strict=strict, progress=progress, workers=workers))


class _Prepend(io.RawIOBase):
    """A binary stream with some bytes already read put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if self.head:
            if n < 0 or n >= len(self.head):
                out, self.head = self.head, b""
                more = self.rest.read(-1 if n < 0 else n - len(out))
                return out + (more or b"")
            out, self.head = self.head[:n], self.head[n:]
            return out
        return self.rest.read(n)


def iter_goroutines(source: str | os.PathLike[str] | IO[bytes] | IO[str] | Iterable[str]) -> Iterator[Goroutine]:
    """Yield goroutines one at a time from a path, a binary or text stream, or an iterable of
    lines, without keeping the dump in memory: for inputs too large to hold.

    Goroutines of every dump in the input are yielded in order; memory stays flat because line
    caches are bounded and nothing read is retained.
    """
    out: list[Goroutine] = []
    seg = _Segmenter(sink=out.append, keep=False)
    seg.lines.limit = STREAM_CACHE_LIMIT
    if isinstance(source, str | os.PathLike):
        with _open_binary(source) as f:
            yield from _drain(f, seg, out)
        return
    if hasattr(source, "read"):
        stream: Any = source
        probe = stream.read(0)
        if isinstance(probe, str):
            stream = _TextToBytes(stream)
        yield from _drain(stream, seg, out)
        return
    base = 0
    batch: list[str] = []
    for line in source:  # type: ignore[union-attr]
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= 50_000 and batch[-1] == "":
            with _gc_paused():
                seg.feed(batch, base, final=False)
            base += len(batch)
            batch = []
            yield from out
            out.clear()
    with _gc_paused():
        seg.feed(batch, base, final=True)
    yield from out


def _drain(stream: IO[bytes], seg: _Segmenter, out: list[Goroutine]) -> Iterator[Goroutine]:
    for _ in _feed_stream(stream, seg):
        yield from out
        out.clear()


class _TextToBytes(io.RawIOBase):
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        return self.stream.read(n if n > 0 else -1).encode("utf-8", "replace")

