"""A byte stream cut into pieces of 1 MiB that end at an empty line, so that a goroutine block
is rarely cut between two pieces (the segmenter keeps a cut block pending)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

Progress = Callable[[int, int], None]

#: Bytes read at a time by parse_file / iter_goroutines: small enough that the lines of one piece stay
#: in the CPU caches while the segmenter reads them (bench/README.md).
CHUNK = 1 << 20


def _chunks(stream: IO[bytes], progress: Progress | None = None, total: int = 0, done: int = 0,
            last: bool = True) -> Iterator[tuple[bytes, bool]]:
    """Read a binary stream in pieces that end at an empty line when one is in reach. The last
    piece is flagged final when ``last`` (the stream's end is the input's end)."""
    buf = b""
    while True:
        data = stream.read(CHUNK)
        if not data:
            if buf:
                yield buf, last
            else:
                yield b"", last
            return
        done += len(data)
        if progress is not None:
            progress(done, total)
        cut = data.rfind(b"\n\n")
        if cut >= 0:
            # the last empty line of buf + data is in data: one copy makes the piece (an empty
            # line across the two, if any, comes before this one)
            cut += 2
            piece = b"".join((buf, memoryview(data)[:cut])) if buf or cut < len(data) else data
            buf = data[cut:]
            yield piece, False
            continue
        buf += data
        cut = buf.rfind(b"\n\n")
        if cut < 0:
            cut = buf.rfind(b"\n")
            if cut < 0:
                continue
            cut += 1
        else:
            cut += 2
        piece, buf = buf[:cut], buf[cut:]
        yield piece, False
