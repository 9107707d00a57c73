"""A new line shape is added by editing the grammar alone.

The real example: Go 1.24 (GOEXPERIMENT=synctest) prints ``, synctest group N`` in a goroutine
header (corpus/go1.24/fmt_synctest124.test.txt, written by a real 1.24 runtime). Without that
alternative of ``header_item`` in grammars/lines.lark the header is not a header; adding the
one line ``| ", synctest group " INT -> synctest_group`` makes it one, and the number reaches
``Goroutine.synctest_group``: the alias names the field, no code is involved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from corpusutil import CORPUS

from stackparse import parse_all
from stackparse.parsing import grammar

REAL = CORPUS / "go1.24" / "fmt_synctest124.test.txt"
ALTERNATIVE = '           | ", synctest group " INT         -> synctest_group\n'


@pytest.fixture
def edited_grammar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = grammar._grammar_text
    text = real("lines.lark")
    assert text.count(ALTERNATIVE) == 1
    monkeypatch.setattr(grammar, "_grammar_text",
                        lambda name: text.replace(ALTERNATIVE, "") if name == "lines.lark" else real(name))
    grammar.line_parser.cache_clear()
    yield
    monkeypatch.undo()
    grammar.line_parser.cache_clear()


def _grouped(path=REAL) -> dict[int, int | None]:  # type: ignore[no-untyped-def]
    return {g.id: g.synctest_group for d in parse_all(path.read_text()) for g in d.goroutines}


def test_without_the_grammar_line_the_header_is_refused(edited_grammar: None) -> None:
    text = REAL.read_text()
    header = next(ln for ln in text.splitlines() if "synctest group" in ln)
    with pytest.raises(grammar.GrammarError):
        grammar.parse_line("header", header)
    dumps = parse_all(text)
    assert not any(g.synctest_group for d in dumps for g in d.goroutines)
    assert any("header" in x.message for d in dumps for x in d.diagnostics)


def test_with_the_grammar_line_the_header_is_read() -> None:
    text = REAL.read_text()
    header = next(ln for ln in text.splitlines() if "synctest group" in ln)
    h = grammar.parse_line("header", header)
    assert h.synctest_group is not None and h.synctest_group > 0
    groups = _grouped()
    assert sum(1 for v in groups.values() if v) == sum(1 for ln in text.splitlines()
                                                       if ln.startswith("goroutine ") and "synctest group" in ln)


def test_profile_rule_of_dump_lark_runs_on_every_profile() -> None:
    """dump.lark's ``profile`` rule reads each pprof debug=1 profile's lines: a real one passes;
    a variant made by code with a record line in the middle of another record's frames (no
    empty line between) is reported at that line."""
    real = (CORPUS / "go1.27" / "bug_abba_mutex.pprof1.txt").read_text()
    assert [x for d in parse_all(real) for x in d.diagnostics] == []
    lines = real.split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("#\t") and lines[i - 1].startswith("#\t"))
    variant = "\n".join([*lines[:k], "1 @ 0x1", *lines[k:]])
    notes = [x for d in parse_all(variant) for x in d.diagnostics]
    assert len(notes) == 1 and notes[0].line == k + 1 and "profile" in notes[0].message
    assert "BLANK" in notes[0].expected


def test_dump_rule_of_dump_lark_runs_on_every_dump() -> None:
    """dump.lark's ``dump`` rule (preamble, blocks, registers, relay sections) reads every dump as
    the segmenter found it: no real corpus dump is refused; a variant made by code of a
    GOTRACEBACK=crash dump whose first thread section lost its ``PC=`` line is refused there."""
    for path in sorted(CORPUS.glob("go1.2[37]/*.txt")):
        for d in parse_all(path.read_bytes()):
            assert not [x for x in d.diagnostics if x.message.startswith("dump:")], path
    lines = (CORPUS / "go1.27" / "fmt_states.sigquit-crash.txt").read_text().split("\n")
    k = lines.index("-----")
    pc = next(j for j in range(k, k + 5) if lines[j].startswith("PC="))
    variant = "\n".join(lines[:pc] + lines[pc + 1 :])
    notes = [x for d in parse_all(variant) for x in d.diagnostics if x.message.startswith("dump:")]
    assert len(notes) == 1 and notes[0].line == pc + 1 and "PC" in notes[0].expected
