"""Hostile and odd input: the parser raises only ParseError, returns records of the right types,
and does work linear in the input (counted, not timed)."""

from __future__ import annotations

from stackparse import iter_goroutines
from stackparse.model import Frame


def test_run_starting_at_line_zero_keeps_frames_frames() -> None:
    """A run of blocks read from the first line of a piece (here: the second batch of an iterable
    of lines) whose first block is a header alone: the piece's last line is a ``created by``
    line, which once made a bare placeholder object land in the next goroutine's frames."""
    first: list[str] = []
    n = 0
    while len(first) < 50_000:  # iter_goroutines feeds an iterable in batches of 50,000 lines
        n += 1
        first += [f"goroutine {n} [chan receive]:", "main.f()", "\t/a.go:1 +0x1", ""]
    second = ["goroutine 900001 [running]:", "",
              "goroutine 900002 [chan receive]:", "main.f()", "\t/a.go:1 +0x1", "",
              "goroutine 900003 [select]:", "main.g()", "\t/a.go:2 +0x2", "created by main.main"]
    gs = {g.id: g for g in iter_goroutines(first + second)}
    assert len(gs) == n + 3
    assert all(isinstance(f, Frame) for g in gs.values() for f in g.frames)
    assert [f.function.full for f in gs[900002].frames] == ["main.f"]
    assert gs[900001].frames == ()
