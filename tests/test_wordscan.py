"""The C kernel ``_wordscan.column_words`` equals its pure-Python definition
(``columns._column_words``, i.e. :func:`.words.exact_words` text by text).

The kernel may decline a text (``k, -1``: the caller reads it with exact_words); its answer,
with the declined texts read that way, must be the definition's. Skipped when the kernel is not
built, except under ``STACKPARSE_EXPECT_COMPILED=1`` (CI's compiled wheel), where a missing kernel
fails.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stackparse
from stackparse.analysis.blocking import columns
from stackparse.analysis.blocking.words import MIN_POINTER, exact_words

ROOT = Path(__file__).resolve().parent.parent
EXPECT = os.environ.get("STACKPARSE_EXPECT_COMPILED", "") not in ("", "0")

try:
    _wordscan = importlib.import_module("stackparse.analysis.blocking._wordscan")
except ImportError:
    _wordscan = None

pytestmark = pytest.mark.skipif(_wordscan is None and not EXPECT, reason="the C kernel _wordscan is not built")


def kernel():
    if _wordscan is None:
        pytest.fail("STACKPARSE_EXPECT_COMPILED is set but stackparse.analysis.blocking._wordscan is not built")
    return _wordscan.column_words


def resolved(texts: list[str]) -> list[tuple[int, int]]:
    """The kernel's answer as (row, word) pairs, declined rows read by the definition."""
    flat = kernel()(texts)
    assert len(flat) % 2 == 0
    out: list[tuple[int, int]] = []
    rows = [flat[p] for p in range(0, len(flat), 2)]
    assert rows == sorted(rows)
    for p in range(0, len(flat), 2):
        k, v = flat[p], flat[p + 1]
        if v == -1:
            out += [(k, w) for w in exact_words(texts[k])]
        else:
            assert v >= MIN_POINTER
            out.append((k, v))
    return out


def definition(texts: list[str]) -> list[tuple[int, int]]:
    flat = columns._column_words(texts)
    pairs = [(flat[p], flat[p + 1]) for p in range(0, len(flat), 2)]
    assert pairs == [(k, w) for k, t in enumerate(texts) for w in exact_words(t)]
    return pairs


def test_the_import_site_takes_the_kernel():
    kernel()
    assert columns.column_words is _wordscan.column_words
    assert _wordscan.MIN_POINTER == MIN_POINTER


@pytest.mark.parametrize("text", [
    "", "...", "0x", "0x?", "0x10000", "0xffff", "0x10000?", "0x10000 ?", "{0x10000}", "{{0x10000}}}",
    "0x10000}?", "0x100}00", "0x1_0000", "0x_10000", "0x10000_", "0X10000", "0x0x10000", "0xABCDEF",
    "0xffffffffffffffff", "0x10000000000000000", "0x00000000000000000001", "0x00000000000000010000",
    "0x10000, 0x20000, {0x30000, 0x1?}, _", " 0x10000 ,0x20000", "\t0x10000", "0x10000\t", "0x10000\x00",
    "0x1 0000", "é, 0x10000", "0x１００００", "0x10000\u00a0", "\u00a00x10000", "0x10000,", ",0x10000", ",,",
    "0x10000\n0x20000", "0xc000123456, 0x1, {0x2, 0x3}", "0x10000\x1c", "\x7f0x10000", "+0x10000", "-0x10000",
])
def test_texts(text):
    assert resolved([text]) == definition([text])


_atoms = st.one_of(
    st.integers(0, 2**70).map(hex),
    st.integers(0, 2**70).map(lambda v: hex(v) + "?"),
    st.integers(0, 2**40).map(lambda v: "0x" + format(v, "_x")),
    st.integers(0, 2**40).map(lambda v: "0x" + format(v, "X")),
    st.integers(0, 2**40).map(lambda v: "0x" + "0" * 12 + format(v, "x")),
    st.sampled_from(["...", "_", "{}", "0x", "0", "1", "x", "?", "é", "\u00a0", "１", "\x1c", "\t", "\n", "\x00"]),
    st.text(alphabet="0x123456789abcdefABCDEF_?{}, \t.", max_size=12),
    st.text(max_size=4),
)


@st.composite
def arg_texts(draw):
    items = []
    for _ in range(draw(st.integers(0, 6))):
        a = draw(_atoms)
        opens, closes = draw(st.integers(0, 2)), draw(st.integers(0, 2))
        items.append("{" * opens + a + "}" * closes)
    sep = draw(st.sampled_from([", ", ",", " , ", ", {", "}, "]))
    return sep.join(items)


@settings(max_examples=400, deadline=None)
@given(st.lists(arg_texts(), max_size=8))
def test_generated_columns(texts):
    assert resolved(texts) == definition(texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=5))
def test_any_text(texts):
    assert resolved(texts) == definition(texts)


def test_not_a_list_or_not_str():
    with pytest.raises(TypeError):
        kernel()(("0x10000",))
    with pytest.raises(TypeError):
        kernel()(["0x10000", b"0x10000"])


def test_str_subclass_is_declined():
    class S(str):
        pass

    assert kernel()([S("0x10000"), "0x20000"]) == [0, -1, 1, 0x20000]


def test_corpus_args_texts():
    dumps = sorted(ROOT.glob("corpus/go1.*/*.txt"))
    if not dumps:
        pytest.skip("no corpus beside the tests")
    n = 0
    for path in dumps:
        try:
            parsed = stackparse.parse_all(path.read_bytes())
        except stackparse.ParseError:
            continue
        texts = [f.args_text for d in parsed for g in d.goroutines for f in g.frames]
        assert resolved(texts) == definition(texts), path
        n += len(texts)
    assert n > 1000
