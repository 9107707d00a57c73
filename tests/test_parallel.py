"""parse_file with two processes gives the same records as with one.

A big file is split at a goroutine header near its middle; a forked child reads the plain blocks
from there and this process takes them only when they are what it would have read itself
(stackparse/parsing/parallel.py). These tests force the split on real dumps and on
variants made from them (named as such), and check both that the records are equal and, where
the child's part must be taken or must be refused, that it was.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from corpusutil import corpus_dumps, dump_id

import stackparse.parsing.parallel as P  # noqa: N812
from stackparse import parse_file_all

if P._workers(2, 1) < 2:  # one CPU, or not Linux: parse_file never forks here
    pytest.skip("two processes are not used on this machine", allow_module_level=True)

ALL = corpus_dumps()
SAMPLE = ALL[::23]
BIG = [p for p in ALL if p.name.endswith(".stack.txt") and p.parent.name in ("go1.19", "go1.27")]


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Goroutines taken from the child, per parse."""
    got: list[int] = []
    merge = P._Half.merge

    def spy(self, seg):  # type: ignore[no-untyped-def]
        out = merge(self, seg)
        got.append(self.taken)
        return out

    monkeypatch.setattr(P._Half, "merge", spy)
    return got


def _both(path: Path) -> tuple[list, list]:  # type: ignore[type-arg]
    return parse_file_all(path, workers=2), parse_file_all(path, workers=1)


@pytest.mark.parametrize("path", SAMPLE, ids=dump_id)
def test_corpus_two_processes_equal_one(path: Path) -> None:
    if not path.read_bytes().strip():
        pytest.skip("empty capture")
    two, one = _both(path)
    assert two == one


def _blocks(text: str) -> list[str]:
    return [b for b in text.split("\n\n") if b.startswith("goroutine ")]


def _many(tmp_path: Path, name: str, copies: int = 40) -> tuple[Path, str]:
    """A synthetic variant: the goroutine blocks of real stack dumps repeated with fresh ids,
    as one runtime.Stack(all) text."""
    out = []
    gid = 1
    for _ in range(copies):
        for p in BIG:
            for b in _blocks(p.read_text()):
                out.append(re.sub(r"^goroutine [0-9]+", f"goroutine {gid}", b, count=1))
                gid += 1
    text = "\n\n".join(out) + "\n"
    path = tmp_path / f"synthetic-repeated-{name}.txt"
    path.write_text(text)
    return path, text


def test_plain_big_dump_is_split_and_equal(tmp_path: Path, taken: list[int]) -> None:
    path, text = _many(tmp_path, "plain")
    two, one = _both(path)
    assert two == one
    assert len(one) == 1 and len(one[0].goroutines) == len(re.findall(r"(?m)^goroutine [0-9]+ \[", text))
    assert taken and taken[0] > len(one[0].goroutines) // 4  # the child read a good part


def test_repeated_id_after_split_refused(tmp_path: Path, taken: list[int]) -> None:
    """Two dumps back to back with no preamble, the second one short: the ids start again after
    the split point (in the first dump), so the child's part holds a second dump and must not be
    appended to the first."""
    path, text = _many(tmp_path, "twice", copies=20)
    path.write_text(text + "\n" + "\n\n".join(_blocks(text)[:50]) + "\n")
    two, one = _both(path)
    assert two == one
    assert len(one) == 2
    assert taken == [0]


def test_log_prefixed_dump_refused(tmp_path: Path, taken: list[int]) -> None:
    path, text = _many(tmp_path, "prefixed", copies=20)
    prefixed = "".join(f"2026-11-23T10:00:{i % 60:02d}.000Z stdout F {line}\n"
                       for i, line in enumerate(text.split("\n")[:-1]))
    path.write_text("service starting\n" + prefixed)
    two, one = _both(path)
    assert two == one
    assert len(one[0].goroutines) == len(re.findall(r"(?m)^goroutine [0-9]+ \[", text))
    assert not any(taken)  # (no split point at all: every line has the prefix)


@pytest.mark.parametrize("tail", ["cut", "trailer", "noise", "crlf", "latin1"])
def test_child_stops_where_plain_blocks_end(tmp_path: Path, tail: str) -> None:
    """The child stops at the first line that is not a plain block (or before a cut last line);
    this process reads on from exactly there."""
    path, text = _many(tmp_path, tail, copies=20)
    data = text.encode()
    if tail == "cut":
        data = data[: len(data) - 37]
    elif tail == "trailer":
        data += b"\nexit status 2\n"
    elif tail == "noise":
        data += b"level=info msg=\"dump done\"\n" + data[: len(data) // 3]
    elif tail == "crlf":
        half = len(data) // 2
        data = data[:half] + data[half:].replace(b"\n", b"\r\n")
    elif tail == "latin1":
        k = data.rfind(b"\ngoroutine ")
        data = data[:k] + b"\n\xe9\xff not utf-8\n" + data[k:]
    path.write_bytes(data)
    two, one = _both(path)
    assert two == one


def test_forked_child_does_not_outlive_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child that fails (here: killed) costs nothing but time: this process reads its part."""
    path, _ = _many(tmp_path, "killed", copies=10)

    def boom(path, start):  # type: ignore[no-untyped-def]
        os._exit(3)

    monkeypatch.setattr(P, "_read_half", boom)
    two, one = _both(path)
    assert two == one
