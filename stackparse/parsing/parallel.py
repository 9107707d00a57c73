"""Two processes reading one big file.

A big dump is mostly one long run of goroutine blocks. parse_file splits such a file at a
goroutine header a little past its middle: a forked child reads the blocks from there on while
this process reads the first part. The child's goroutines are taken only when this process,
arriving at the split point, is in exactly the state the child assumed; otherwise this process
reads the second part itself. The records are the same either way (tests/test_parallel.py).
"""

from __future__ import annotations

import gc
import io
import marshal
import os
import pickle
import sys
import threading
from itertools import chain, count, repeat
from typing import IO, Any

from ..model import (
    Frame,
    Goroutine,
)
from ..native import all_compiled
from .build import _PLACEHOLDER, _DumpBuilder
from .chunks import _chunks
from .lines import _after_first, _first, _third, _tnew
from .segmenter import _Segmenter
from .states import State
from .unwrap import decode

# ====================================================================== two processes
#
# A big dump is mostly one long run of goroutine blocks. parse_file splits such a file at a
# goroutine header near its middle: a forked child process reads the blocks from there on
# (only plain blocks, through the same _run/_fast_block code, so the same grammar verdicts)
# while this process reads the first part as usual. The child's goroutines are taken only when
# this process, arriving at the split point, is in exactly the state the child assumed
# (inside a dump's goroutine blocks, no log prefix, no pending block, the line count the child
# counted) and no goroutine id of the child's part was seen before it; the child stops at the
# first line that is not a plain block and this process reads on from there. Otherwise the
# child's work is dropped and this process reads the second part itself: the records are the
# same either way (tests/test_parallel.py).

_LINE = Goroutine._fields.index("line")  # (the child's line numbers are shifted by the parent)

#: Plain files at least this big are read by two processes when a second CPU is there
#: (see above and _workers); bench/README.md has the figures.
PARALLEL_MIN_BYTES = 48 << 20
_SPLIT_PERCENT = 57


def _workers(workers: int | None, size: int) -> int:
    """How many processes read a file of ``size`` bytes. By default one when the parser is
    compiled: taking over the child's part (unpacking and rebuilding its records) costs this
    process about as much as reading that part (bench/README.md)."""
    if workers is None:
        env = os.environ.get("STACKPARSE_WORKERS", "")
        if env.isdigit():
            workers = int(env)
        elif size < PARALLEL_MIN_BYTES or all_compiled():
            return 1
        else:
            workers = 2
    if workers < 2 or sys.platform != "linux" or not hasattr(os, "fork"):
        return 1
    if len(os.sched_getaffinity(0)) < 2 or threading.active_count() > 1:
        return 1  # (forking a process with other threads running is not safe)
    return 2


class _Limited(io.RawIOBase):
    """The first ``n`` bytes of a binary stream."""

    def __init__(self, stream: IO[bytes], n: int) -> None:
        self.stream = stream
        self.left = n

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if self.left <= 0:
            return b""
        want = self.left if n < 0 else min(n, self.left)
        data = self.stream.read(want) or b""
        self.left -= len(data)
        return data


class _Half:
    """The child process reading a file from ``start`` (a goroutine header) on."""

    def __init__(self, start: int, pid: int, fd: int) -> None:
        self.start = start
        self.pid = pid
        self.fd = fd
        self.taken = 0  # goroutines taken from the child

    @classmethod
    def spawn(cls, path: str | os.PathLike[str], f: IO[bytes], size: int) -> _Half | None:
        if not isinstance(f, io.BufferedReader):
            return None  # (a compressed file: no seeking)
        start = _split_point(path, size)
        if start is None:
            return None
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(r)
                gc.disable()
                small, big = _read_half(path, start)
                with os.fdopen(w, "wb") as out:
                    pickle.dump((small, marshal.dumps(big)), out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        return cls(start, pid, r)

    def merge(self, seg: _Segmenter) -> tuple[int, int]:
        """Take the child's goroutines when they are what this process would have read;
        returns (lines before, byte offset) where this process reads on."""
        base = seg.next_base
        try:
            with os.fdopen(self.fd, "rb") as f:
                self.fd = -1
                small, big = pickle.load(f)
            n_lines, offset, end_line, functions, rows = small
            fidx, fields, idx = marshal.loads(big)
            del big
        except Exception:  # the child failed: read its part here
            return base, self.start
        finally:
            self.close()
        cur = seg.cur
        if (cur is None or seg.state != State.BLOCKS or seg.relay is not None
                or seg.prefix is not None or seg.pending or seg.record is not None or not seg.memo
                or cur.profile is not None or not rows):
            return base, self.start
        heads = zip(map(functions.__getitem__, fidx))
        frames = list(map(_tnew, repeat(Frame), map(tuple.__add__, heads, fields)))
        flat = list(map(frames.__getitem__, idx))
        gs = []
        k = 0
        for r in rows:
            n = r[2]
            row = (r[0], r[1], tuple(flat[k : k + n]), *r[3:_LINE], r[_LINE] + base, *r[_LINE + 1 :])
            gs.append(_tnew(Goroutine, row))
            k += n
        ids = set(map(_first, gs))
        ids.discard(0)
        if not cur.ids.isdisjoint(ids):
            return base, self.start  # an id seen twice: a second dump starts in there
        if seg.sink is not None:
            for g in gs:
                seg.sink(g)
        cur.goroutines.extend(gs if seg.keep else repeat(_PLACEHOLDER, len(gs)))
        cur.ids.update(ids)
        cur.end_line = max(cur.end_line, base + end_line)
        for _ in range(2):  # (dump.lark's `dump` rule reads them as two blocks)
            cur.mark("GOROUTINE_BLOCK", cur.end_line)
            cur.mark("BLANK", cur.end_line)
        self.taken = len(gs)
        return base + n_lines, self.start + offset

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = 0


def _split_point(path: str | os.PathLike[str], size: int) -> int | None:
    """The offset of a goroutine header after an empty line a little past the middle of the
    file: the child also packs what it read and this process unpacks it, so this process reads
    a bit more than half itself."""
    at = size * _SPLIT_PERCENT // 100
    with open(path, "rb") as f:
        f.seek(at)
        data = f.read(1 << 20)
    k = data.find(b"\n\ngoroutine ")
    if k < 0:
        return None
    return at + k + 2


def _read_half(path: str | os.PathLike[str], start: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """In the child: the plain goroutine blocks from ``start`` on, packed for the pipe. Line
    numbers count from ``start`` here: the parent adds the lines before it."""
    seg = _Segmenter()
    cur = seg.cur = _DumpBuilder(1)
    seg.state = State.BLOCKS
    n_lines = 0  # lines taken
    offset = 0  # bytes taken
    with open(path, "rb") as f:
        f.seek(start)
        for piece, _ in _chunks(f):
            lines = decode(piece).split("\n")
            lines.pop()  # "" or a cut last line: the parent reads that one
            plain = piece.isascii() and b"\r" not in piece
            lengths = list(map(len, lines)) if plain else []  # (before _slow_block re-indents a line)
            i = _read_blocks(seg, lines, n_lines)
            if i == len(lines) and piece.endswith(b"\n"):
                n_lines += i
                offset += len(piece)
                continue
            n_lines += i
            if plain:
                offset += sum(lengths[:i]) + i
            else:
                k = 0
                for _ in range(i):
                    k = piece.index(b"\n", k) + 1
                offset += k
            break
    return _pack(cur, n_lines, offset)


def _read_blocks(seg: _Segmenter, lines: list[str], base: int) -> int:
    """Read goroutine blocks of the child's dump from lines[0] on while they are plain (see
    above); returns the index of the first line not taken."""
    cur = seg.cur
    assert cur is not None
    n = len(lines)
    i = 0
    good = len(cur.goroutines)  # goroutines read so far, up to line good_i
    good_i = 0
    while i < n:
        line = lines[i]
        if not line:
            i = good_i = i + 1  # (empty lines between blocks: the segmenter skips them too)
            continue
        if line[:10] != "goroutine " or not line[10:11].isdigit():
            break
        k = seg._run(lines, i, base)
        if k > i:
            i = good_i = k
            good = len(cur.goroutines)
            continue
        try:
            j = lines.index("", i)
        except ValueError:
            break  # the last block: the parent reads it (as the end of its input)
        g = seg._fast_block(lines, i, j, base + i + 1)
        if g is not None:
            if g.id in cur.ids and g.id != 0:
                break
            cur.ids.add(g.id)
            cur.goroutines.append(g)
            cur.end_line = max(cur.end_line, base + j)
        else:
            # any other block shape, read as the segmenter reads it; taken only when it was
            # one goroutine of this dump with nothing to report
            end_line = cur.end_line
            k = seg._slow_block(lines, i, j, base)
            if (k != j or seg.cur is not cur or seg.state != State.BLOCKS or seg.relay is not None or seg.stray
                    or cur.diagnostics or cur.truncated or len(cur.goroutines) != good + 1):
                cur.end_line = end_line
                break
        i = good_i = j
        good += 1
    del cur.goroutines[good:]
    return good_i


def _pack(cur: _DumpBuilder, n_lines: int, offset: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    end_line = cur.end_line
    # frames once each (many are shared between goroutines) as plain tuples, which marshal
    # writes at C speed, with their functions by index; goroutines with a frame count in place
    # of their frames
    gs = cur.goroutines
    flat = list(chain.from_iterable(map(_third, gs)))
    uniq = dict(zip(map(id, flat), flat))
    objs = list(uniq.values())
    funcs = dict(zip(map(id, map(_first, objs)), map(_first, objs)))
    fpos = dict(zip(funcs, count()))
    fidx = list(map(fpos.__getitem__, map(id, map(_first, objs))))
    fields = list(map(_after_first, objs))
    where = dict(zip(uniq, count()))
    idx = list(map(where.__getitem__, map(id, flat)))
    rows = [(g[0], g[1], len(g[2]), *g[3:]) for g in gs]
    return (n_lines, offset, end_line, list(funcs.values()), rows), (fidx, fields, idx)


