"""The fast path agrees with the grammar.

``parse(..., memo=False)`` reads every line with lark (grammars/lines.lark) and every block's
sequence of lines with grammars/dump.lark, with no cache and no shortcut; the default path
memoises the grammar's verdicts and reads the common block shape by slicing. Both must give
the same records, on real dumps and on generated ones; and the hand-written argument and call
line checks must accept exactly what the grammar accepts.
"""

from __future__ import annotations

import os

import pytest
from conftest import DUMP_EXAMPLES
from corpusutil import corpus_dumps, dump_id
from gotext import args_texts, dumps, function_names, write_dump
from hypothesis import given, settings
from hypothesis import strategies as st

import stackparse.parsing.lines as L  # noqa: N812
from stackparse import parse_all
from stackparse.parsing.args import args_ok, parse_args
from stackparse.parsing.grammar import GrammarError, parse_line
from stackparse.parsing.lines import _Lines

ALL = corpus_dumps()
# the pure-grammar path is slow: every 4th corpus dump in CI, all of them with STACKPARSE_FULL=1
SAMPLE = ALL if os.environ.get("STACKPARSE_FULL") == "1" else ALL[::4]


@pytest.mark.parametrize("path", SAMPLE, ids=dump_id)
def test_corpus_fast_equals_grammar(path) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    if not data.strip():
        pytest.skip("empty capture")
    assert parse_all(data) == parse_all(data, memo=False)


@given(dumps(), st.sampled_from(["1.26", "1.27"]))
@settings(max_examples=DUMP_EXAMPLES)
def test_generated_fast_equals_grammar(gs, labels) -> None:  # type: ignore[no-untyped-def]
    text = write_dump(gs, labels=labels)
    assert parse_all(text) == parse_all(text, memo=False)


def _grammar_args(text: str):  # type: ignore[no-untyped-def]
    try:
        _, args = parse_line("call", "f(" + text + ")")
    except GrammarError:
        return None
    return tuple(args)


_ARG_CHARS = st.text(st.sampled_from(list("0x1f?{}, ._9a")), max_size=30)


@given(st.one_of(args_texts, _ARG_CHARS))
def test_args_check_equals_grammar(text: str) -> None:
    want = _grammar_args(text)
    assert args_ok(text) == (want is not None)
    if want is not None and text != "...":
        assert parse_args(text) == want


_CALL_NOISE = st.text(st.sampled_from(list("ab.()*[]{}, 0x1?_-/\t")), max_size=40)


@given(st.one_of(st.tuples(function_names(), args_texts).map(lambda t: f"{t[0]}({t[1]})"), _CALL_NOISE))
def test_call_line_fast_equals_grammar(line: str) -> None:
    fast, slow = _Lines(memo=True), _Lines(memo=False)
    try:
        want = slow.call(line)
    except GrammarError:
        want = None
    try:
        got = fast.call(line)
    except GrammarError:
        got = None
    assert got == want


_HEADER_NOISE = st.text(st.sampled_from(list("goroutine 12[]:, mp=0xgpnil{}\"labels")), max_size=50)


@settings(max_examples=DUMP_EXAMPLES)
@given(st.one_of(dumps().map(lambda gs: write_dump(gs).split("\n", 1)[0]), _HEADER_NOISE))
def test_header_fast_equals_grammar(line: str) -> None:
    fast, slow = _Lines(memo=True), _Lines(memo=False)
    outs = []
    for lines in (fast, slow):
        try:
            outs.append(lines.header(line))
        except GrammarError:
            outs.append(None)
    assert outs[0] == outs[1]


_FILE_LINES = ["\t/src/app/main.go:10 +0x1d", "\t/src/app/main.go:11", "\t/usr/lib/go/src/runtime/proc.go:435 +0xce"]


@settings(max_examples=DUMP_EXAMPLES)
@given(st.lists(st.lists(st.tuples(st.one_of(function_names(), st.just("main.(*T).m")),
                                   st.one_of(args_texts, _ARG_CHARS), st.sampled_from(_FILE_LINES)),
                         min_size=1, max_size=4), min_size=2, max_size=12))
def test_shared_file_lines_fast_equals_grammar(blocks) -> None:  # type: ignore[no-untyped-def]
    """Runs of blocks whose call lines share a few file lines with different functions and any
    argument text: the shortcut that learns a file line's function once (``_Lines.sites``) must
    give what the grammar gives, line by line."""
    text = "\n\n".join(
        f"goroutine {gid} [select]:\n" + "\n".join(f"{fn}({args})\n{fl}" for fn, args, fl in frames)
        for gid, frames in enumerate(blocks, 1)
    ) + "\n"
    assert parse_all(text) == parse_all(text, memo=False)


CRASH = [p for p in ALL if p.name.endswith(".sigquit-crash.txt")]


@pytest.mark.parametrize("path", CRASH, ids=dump_id)
def test_register_lines_read_by_shape(path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """GOTRACEBACK=crash prints fp=/sp=/pc= on every file line, so each one is new: the grammar
    reads the register suffix once per shape, not once per line (a 149 MB crash dump took 200 s
    when it did), and the records stay those of the grammar alone."""
    data = path.read_bytes()
    calls: list[str] = []
    real = L.parse_line

    def counting(rule, text):  # type: ignore[no-untyped-def]
        if rule == "fileline":
            calls.append(text)
        return real(rule, text)

    monkeypatch.setattr(L, "parse_line", counting)
    fast = parse_all(data)
    with_regs = [line for line in data.decode().splitlines() if line.startswith("\t") and " fp=0x" in line]
    assert len(with_regs) > 10
    assert len([c for c in calls if " fp=" in c]) <= 2  # the two shapes, with and without pc=
    monkeypatch.undo()
    assert fast == parse_all(data, memo=False)
