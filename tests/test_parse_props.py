"""Property tests of the parser (hypothesis, fixed budget: see the profile at the bottom).

1. records printed the way the runtime prints them parse back to the same records;
2. arbitrary text never raises anything but ParseError, and the grammar is consulted a number
   of times linear in the number of lines (no backtracking over the input);
3. a real dump behind arbitrary log prefixes parses to the same goroutines as without.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DUMP_EXAMPLES
from corpusutil import CORPUS, goroutine_signature
from gotext import dumps, write_dump
from hypothesis import given, settings
from hypothesis import strategies as st
from variants import prefixed_with

import stackparse.parsing.grammar as grammar
from stackparse import ParseError, parse, parse_all


@given(dumps(), st.sampled_from(["1.26", "1.27"]))
@settings(max_examples=DUMP_EXAMPLES)
def test_round_trip(gs, labels) -> None:  # type: ignore[no-untyped-def]
    text = write_dump(gs, labels=labels)
    d = parse(text)
    assert [g._replace(line=0) for g in d.goroutines] == gs
    assert d.diagnostics == ()


@given(dumps())
@settings(max_examples=DUMP_EXAMPLES)
def test_round_trip_with_preamble(gs) -> None:  # type: ignore[no-untyped-def]
    text = write_dump(gs, preamble=["panic: boom [recovered]", "\tpanic: again", "[signal SIGSEGV: segmentation "
                                    "violation code=0x1 addr=0x0 pc=0x4e52d8]"])
    d = parse(text)
    assert d.kind == "panic"
    assert [p.value for p in d.preamble.panics] == ["boom", "again"]
    assert d.preamble.panics[0].recovered
    assert d.preamble.signal is not None and d.preamble.signal.addr == 0
    assert [g._replace(line=0) for g in d.goroutines] == gs


_TEXTISH = st.text(st.sampled_from(list("goroutine 0123456789[]:(){}.,/\t\n xp?_-=+@#panic:fatalerrorSIGQUIT")),
                   max_size=400)


@given(st.one_of(st.text(max_size=400), _TEXTISH, st.binary(max_size=300)))
def test_arbitrary_input_only_parse_error(data) -> None:  # type: ignore[no-untyped-def]
    try:
        dumps_ = parse_all(data)
    except ParseError as e:
        assert e.line >= 0
        assert str(e)
        return
    assert dumps_


@given(st.lists(st.one_of(_TEXTISH, st.sampled_from(
    ["goroutine 1 [running]:", "main.main()", "\t/x.go:1 +0x1", "", "created by main.f", "panic: x",
     "goroutine profile: total 3", "1 @ 0x1 0x2", "#\t0x1\tmain.f+0x1\t/x.go:3"])), max_size=80))
def test_grammar_calls_linear_in_lines(lines) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(lines)
    grammar.Work.reset()
    try:
        parse_all(text, memo=False)
    except ParseError:
        pass
    calls = grammar.Work.lines + grammar.Work.sequences
    n = text.count("\n") + 1
    assert calls <= 6 * n + 6


REAL = [CORPUS / "go1.27" / "fmt_states.sigquit-crash.txt", CORPUS / "go1.19" / "fmt_frames.stack.txt",
        CORPUS / "go1.23" / "fmt_panic_chain.natural.txt", CORPUS / "go1.26" / "fmt_labels.sigquit.txt"]

_prefix_piece = st.one_of(
    st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{1,9}Z", fullmatch=True),
    st.from_regex(r"\[[a-z][a-z0-9-]{0,12}\]", fullmatch=True),
    st.sampled_from(["INFO", "stderr F", "|", "app:", "web-1", "->", "ERR"]),
)


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
@given(data=st.data())
@settings(max_examples=25)
def test_real_dump_behind_any_prefix(path: Path, data) -> None:  # type: ignore[no-untyped-def]
    pieces = data.draw(st.lists(_prefix_piece, min_size=1, max_size=4))
    sep = data.draw(st.sampled_from([" ", " | ", ": ", "\t"]))
    fixed = sep.join(pieces)

    def make(i: int) -> str:
        # digits change from line to line, as timestamps do
        return "".join(str((int(c) + i) % 10) if c.isdigit() else c for c in fixed) + sep

    text = path.read_text()
    want = [goroutine_signature(g) for d in parse_all(text) for g in d.all_goroutines]
    got = [goroutine_signature(g) for d in parse_all(prefixed_with(text, make)) for g in d.all_goroutines]
    assert got == want
