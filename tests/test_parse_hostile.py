"""Hostile and odd input: the parser raises only ParseError, returns records of the right types,
and does work linear in the input (counted, not timed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stackparse import ParseError, analyze, iter_goroutines, parse_all
from stackparse.model import Frame
from stackparse.parsing.grammar import Work


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


# ---------------------------------------------------------------------------------------------
# only ParseError, and records that always serialise and analyse

BIG = "9" * 5000  # beyond Python's 4,300-digit limit on int()
FRAME = "main.f()\n\t/a.go:1 +0x1\n"
BAD_INPUTS = {
    "empty created-by": "goroutine 1 [running]:\n" + FRAME + "created by \n\t/a.go:2 +0x1\n",
    "empty created-by with parent": "goroutine 1 [running]:\n" + FRAME + "created by  in goroutine 2\n\t/a.go:2\n",
    "huge id": f"goroutine {BIG} [running]:\n" + FRAME,
    "huge m": f"goroutine 1 gp=0x1 m={BIG} mp=0x2 [running]:\n" + FRAME,
    "huge line number": f"goroutine 1 [running]:\nmain.f()\n\t/a.go:{BIG} +0x1\n",
    "huge parent": "goroutine 1 [running]:\n" + FRAME + f"created by main.g in goroutine {BIG}\n\t/a.go:2\n",
    "huge minutes": f"goroutine 1 [chan receive, {BIG} minutes]:\n" + FRAME,
    "huge profile total": f"goroutine profile: total {BIG}\n{BIG} @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:{BIG}\n",
    "huge PC m": f"SIGQUIT: quit\nPC=0x1 m={BIG} sigcode=0\n\ngoroutine 1 [running]:\n" + FRAME,
    "huge elided count": "goroutine 1 [running]:\n" + FRAME + f"...{BIG} frames elided...\n",
    "huge ancestor": "goroutine 1 [running]:\n" + FRAME + f"[originating from goroutine {BIG}]:\nmain.g(...)\n\t/a.go:3\n",
    "huge synctest bubble": f"goroutine 1 [running, synctest bubble {BIG}]:\n" + FRAME,
    "arguments 1,000 braces deep": "goroutine 1 [running]:\nmain.f(" + "{" * 1000 + "0x1" + "}" * 1000 + ")\n\t/a.go:1\n",
    "arguments 100,000 braces deep": "goroutine 1 [running]:\nmain.f(" + "{" * 100_000 + "}" * 100_000 + ")\n\t/a.go:1\n",
}


@pytest.mark.parametrize("memo", [True, False], ids=["memo", "grammar-only"])
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_raises_only_parse_error(name: str, memo: bool) -> None:
    try:
        dumps = parse_all(BAD_INPUTS[name], memo=memo)
    except ParseError as e:
        assert e.line >= 1 and "expected" in str(e)
        return
    for d in dumps:
        assert isinstance(d.to_dict(), dict)
        analyze(d)
        for g in d.all_goroutines:
            assert all(a is None or len(str(a)) < 10_000 for a in (g.id, g.wait_minutes, g.m))
    # what could not be read is said
    assert any(d.diagnostics for d in dumps)


def test_huge_number_is_named_in_the_error() -> None:
    with pytest.raises(ParseError) as e:
        parse_all(BAD_INPUTS["huge id"])
    assert "goroutine header" in str(e.value) and e.value.line == 1


def test_deep_arguments_are_capped_alike_by_both_readers() -> None:
    deep = "goroutine 1 [running]:\nmain.f(" + "{" * 33 + "0x1" + "}" * 33 + ")\n\t/a.go:1\n"
    ok = "goroutine 1 [running]:\nmain.f(" + "{" * 32 + "0x1" + "}" * 32 + ")\n\t/a.go:1\n"
    for memo in (True, False):
        assert [len(g.frames) for g in parse_all(deep, memo=memo)[0].goroutines] == [0]
        g = parse_all(ok, memo=memo)[0].goroutines[0]
        assert len(g.frames) == 1
        d = g.frames[0].to_dict()["args"]
        for _ in range(32):
            (d,) = d
        assert d == ["0x1"]


def test_bytes_warning_free(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """python -bb -W error: no cache mixes str and bytes keys (that raised BytesWarning)."""
    from corpusutil import CORPUS

    r = subprocess.run([sys.executable, "-bb", "-W", "error", "-m", "stackparse", "parse",
                        str(CORPUS / "go1.27" / "bug_abba_mutex.stack.txt")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert '"goroutines"' in r.stdout


# ---------------------------------------------------------------------------------------------
# linear work: counted (grammar runs weighted by length, lines visited), never timed

HOSTILE_SHAPES = {
    "rejected frame lines": lambda n: "goroutine 1 [running]:\n" + "main.f()\n\tjunk\n" * n,
    "register line pairs in a block": lambda n: "goroutine 1 [running]:\n" + "rax    0x0\n\tjunk\n" * n,
    "register dumps": lambda n: "goroutine 1 [running]:\n" + FRAME + "rax    0x0\nrbx    0x1\n\n" * n,
    "crash frames with bad registers": lambda n: "goroutine 1 [running]:\n" + "".join(
        f"main.f()\n\t/a.go:1 +0x1 fp=0x{i:x} sp=0x{i:x} pc=0xz\n" for i in range(n)),
    "one header repeated": lambda n: "goroutine 1 [running]:\n" * n,
    "headers without empty lines": lambda n: "".join(f"goroutine {i} [running]:\n" for i in range(n)),
    "headers and frames without empty lines": lambda n: "".join(f"goroutine {i} [running]:\n" + FRAME for i in range(n)),
    "prefixes that change": lambda n: "".join(f"{i} x goroutine {i} [running]:\nmain.f()\n" for i in range(n)),
    "panics": lambda n: ("panic: x\n" + "text\n" * 10 + "\n") * n,
    "created-by junk": lambda n: "goroutine 1 [running]:\n" + "created by main.f\n\tjunk\n" * n,
    "ancestors": lambda n: "goroutine 1 [running]:\n" + FRAME + "[originating from goroutine 2]:\nmain.g(...)\n\tjunk\n" * n,
    "cgo": lambda n: "goroutine 1 [running]:\n" + "cfunc\n\tpc=0x1\ncfunc\n\tjunk\n" * n,
    "a prefix of its own on every line": lambda n: "".join(f"{_letters(i)}: goroutine {i} [running]:\n" for i in range(n)),
    "profile junk": lambda n: "goroutine profile: total 1\n" + "1 @ 0x1\n# junk\n" * n,
    # found by the atheris job (fuzz/regressions/): a header quoted on a line the segmenter
    # reads as no header once looped forever
    "headers quoted after panic:": lambda n: "".join(
        f"goroutine {i} [running]:\n" + FRAME + f"\npanic: goroutine {i} [running]:\n" for i in range(n)),
    "prefixed headers after a register separator": lambda n: "goroutine 1 [running]:\n" + FRAME
    + "rax    0x0\n-----\n" + "".join(f"> goroutine {i + 2} [running]:\n" + FRAME for i in range(n)),
}


def test_header_quoted_after_panic_starts_the_next_dump() -> None:
    text = "goroutine 1 [running]:\n" + FRAME + "\npanic: goroutine 2 [running]:\n"
    dumps = parse_all(text)
    assert [g.id for g in dumps[0].goroutines] == [1]
    assert [p.value for d in dumps[1:] for p in d.preamble.panics] == ["goroutine 2 [running]:"]


def test_prefixed_header_after_registers_is_read_as_unprefixed() -> None:
    body = "goroutine 1 [running]:\n" + FRAME + "rax    0x0\n-----\n{}goroutine 2 [running]:\nmain.g()\n\t/a.go:2 +0x1\n"
    plain, prefixed = parse_all(body.format("")), parse_all(body.format("> "))
    def ids(ds: list) -> list[list[int]]:  # type: ignore[type-arg]
        return [[g.id for g in d.goroutines] + [g.id for t in d.threads for g in t.goroutines] for d in ds]
    assert ids(prefixed) == ids(plain) == [[1, 2]]


def test_expected_names_are_the_grammar_literals() -> None:
    with pytest.raises(ParseError) as e:
        parse_all("goroutine 9\n", strict=True)
    assert "__ANON" not in str(e.value)
    assert "' ['" in str(e.value), str(e.value)


def _letters(i: int) -> str:
    s = ""
    while True:
        s += chr(97 + i % 26)
        i //= 26
        if not i:
            return s


def _work(text: str) -> int:
    Work.reset()
    try:
        parse_all(text)
    except ParseError:
        pass
    return Work.total()


@pytest.mark.parametrize("shape", sorted(HOSTILE_SHAPES))
def test_work_is_linear(shape: str) -> None:
    make = HOSTILE_SHAPES[shape]
    small, big = _work(make(500)), _work(make(2000))
    assert big <= 4 * small * 1.1 + 500, (small, big)


@pytest.mark.parametrize("version", ["go1.21", "go1.27"])
def test_real_panic_quoting_a_header_after_a_logged_dump(version: str) -> None:
    """A real program (corpus/programs/fmt_panic_quoted_header) logs a dump, then panics with a
    worker's header line for a goroutine that dump does not have: the shape that once looped the
    segmenter forever. The logged dump and the crash are two dumps; the quoted line is the
    panic's value, not a goroutine."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "corpus" / version / "fmt_panic_quoted_header.natural.txt"
    logged, crash = parse_all(path.read_text())
    assert crash.preamble is not None
    (quoted,) = [p.value for p in crash.preamble.panics]
    qid = int(quoted.split()[1])
    assert quoted == f"goroutine {qid} [running]:"
    assert qid not in {g.id for g in logged.goroutines} | {g.id for g in crash.goroutines}
    assert [g.frames[0].function.full for g in crash.goroutines] == ["main.debugDump"]
    assert "main.waiter" in {g.frames[-1].function.full for g in logged.goroutines}
