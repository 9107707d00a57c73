"""Differential tests of the call-line fast path (``stackparse.parsing.args._call_fast``) against the grammar.

The fast path reads a call line ``FUNC(ARGS)`` without a regular expression over the arguments:
it splits at the last ``(``, turns every ``0x`` into ``X`` and every hex digit into ``h`` (the
argument's *skeleton*) and asks a cache whether that skeleton is an argument list (the cache is
filled by ``args_ok``, itself checked against the grammar). Whatever it accepts must be exactly
what the grammar's ``call`` rule gives; what it declines goes to the exact path. Checked here:

1. on generated call lines (valid ones, and ones with adversarial characters), over many
   examples: accepted -> the grammar accepts with the same function and argument text;
2. the fast path is not vacuous: realistic argument lists are accepted by it;
3. whole dumps parse to the same records with every cache and shortcut on and with the grammar
   alone (``memo=False``): generated dumps and real corpus dumps.
"""

from __future__ import annotations

import os

import pytest
from corpusutil import CORPUS
from gotext import args_texts, dumps, function_names, write_dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackparse.parsing.args as P  # noqa: N812
from stackparse import ParseError, parse_all
from stackparse.parsing.grammar import GrammarError, parse_line, split_function

settings.register_profile(
    "fastpath", max_examples=int(os.environ.get("STACKPARSE_HYPOTHESIS_EXAMPLES", "300")), deadline=None,
    derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_TRICKY = st.text(alphabet="0x1f9aX?{}, ._()\t-g", max_size=24)


def _grammar(line: str):  # type: ignore[no-untyped-def]
    try:
        name, _ = parse_line("call", line)
    except GrammarError:
        return None
    return split_function(name), line[len(name) + 1 : -1]


def _check(line: str) -> None:
    got = P._call_fast(line)
    if got is not None:
        assert got == _grammar(line), line


@settings(settings.get_profile("fastpath"))
@given(function_names(), st.one_of(args_texts, _TRICKY))
def test_fast_call_agrees_with_grammar(name: str, args: str) -> None:
    _check(f"{name}({args})")


@settings(settings.get_profile("fastpath"))
@given(st.one_of(function_names(), _TRICKY), _TRICKY, st.sampled_from(["", ")", "(", " ", "\t"]))
def test_fast_call_adversarial(name: str, args: str, tail: str) -> None:
    _check(f"{name}({args}){tail}")
    _check(f"{name}({args}")
    _check(f"{name}{args}")


@settings(settings.get_profile("fastpath"))
@given(function_names(), args_texts)
def test_fast_call_is_used(name: str, args: str) -> None:
    line = f"{name}({args})"
    assert P._call_fast(line) == _grammar(line) != None  # noqa: E711


@pytest.mark.parametrize("line", [
    "main.f(0x1, 0xc000123456?, {0x0, 0x5}, ...)",
    "main.(*T).M(0X1)",          # capital X is not a hex prefix
    "main.f(00x1)",
    "main.f(0x1x)",
    "main.f(0x)",
    "main.f(x1)",
    "main.f(1f)",                # decimal words hold no hex letters
    "main.f(12, 0x1?)",
    "main.f({{}}, {0x1}})",
    "main.f({{0x1}, {}})",
    "main.f(0x1,0x2)",
    "main.f(0x1 , 0x2)",
    "main.f(...?)",
    "main.f(_?)",
    "main.f(0x1??)",
    "main f(0x1)",
    "(main.f(0x1)",
    "main.f()",
    "main.f(0xg)",
    "main.f(0xA)",
    "main.f(0x1})",              # a closing brace with no opening one
    "main.f(0})",
    "main.f({0x1}})",
])
def test_fast_call_examples(line: str) -> None:
    _check(line)


@settings(settings.get_profile("fastpath"), max_examples=60)
@given(dumps())
def test_memo_equals_grammar_on_generated_dumps(gs) -> None:  # type: ignore[no-untyped-def]
    text = write_dump(gs)
    assert parse_all(text) == parse_all(text, memo=False)


_SAMPLE = sorted(CORPUS.glob("go1.27/*.txt"))[::7] + sorted(CORPUS.glob("go1.2[1-4]/*.stack.txt"))[::9]


@pytest.mark.parametrize("path", _SAMPLE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_memo_equals_grammar_on_corpus(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_bytes()
    try:
        fast = parse_all(text)
    except ParseError:
        with pytest.raises(ParseError):
            parse_all(text, memo=False)
        return
    assert fast == parse_all(text, memo=False)


# ---------------------------------------------------------------------- argument skeletons
#
# lines.fill_frames reads the argument lists of new call lines by skeleton classes
# (args.arg_classes, or the same function compiled: stackparse/parsing/_argskel.c): a skeleton
# whose verdict is not BAD must stand only for argument lists the grammar accepts, and the
# compiled function must give exactly what the Python one gives.

try:
    from stackparse.parsing import _argskel
except ImportError:  # (a pure-Python install)
    _argskel = None  # type: ignore[assignment]

_SKEL_EXAMPLES = [line[line.index("(") + 1 : -1] for line in [
    "main.f(0x1, 0xc000123456?, {0x0, 0x5}, ...)", "main.f(0X1)", "main.f(00x1)", "main.f(0x1x)", "main.f(0x)",
    "main.f(x1)", "main.f(1f)", "main.f(12, 0x1?)", "main.f({{}}, {0x1}})", "main.f(0x1,0x2)", "main.f(0xA)",
    "main.f(0x0x1)", "main.f(0xé)", "main.f(é)", "main.f(0x1\n0x2)", "main.f()", "main.f(_?)",
]]


def _check_classes(texts: list[str]) -> None:
    classes, which = P.arg_classes(texts)
    assert len(which) == len(texts) and len(set(classes)) == len(classes)
    if _argskel is not None:
        assert _argskel.arg_classes(texts) == (classes, which)
    for text, k in zip(texts, which):
        if P.skeleton_verdict(classes[k]) != P.BAD:
            assert _grammar(f"main.f({text})") == (split_function("main.f"), text), text


@settings(settings.get_profile("fastpath"))
@given(st.lists(st.one_of(args_texts, _TRICKY, st.text(max_size=12)), max_size=8))
def test_arg_classes_agree_with_grammar(texts: list[str]) -> None:
    _check_classes(texts)


def test_arg_classes_examples() -> None:
    _check_classes(_SKEL_EXAMPLES)
    _check_classes([])
    classes, which = P.arg_classes(["0x1f?, {0x0}", "0x2a?, {0x5}", "é"])
    assert classes == ["Xhh?, {Xh}", "!"] and which == [0, 0, 1]
    assert [P.skeleton_verdict(c) for c in classes] == [P.SHARED, P.BAD]
    assert P.skeleton_verdict(P.arg_classes(["0xc000123456"])[0][0]) == P.ONCE


def test_arg_classes_compiled_takes_a_list_of_str() -> None:
    if _argskel is None:
        pytest.skip("stackparse.parsing._argskel is not built")
    for bad in (("0x1",), ["0x1", b"0x2"], None):
        with pytest.raises(TypeError):
            _argskel.arg_classes(bad)  # type: ignore[arg-type]
