"""A fuzz target over parse + to_dict + analyze, with a fixed budget (runs in the normal suite).

Inputs are made from real corpus dumps (cut, spliced, lines dropped, duplicated or mutated) and
from the hostile shapes of tests/test_parse_hostile.py. The promise checked: parse_all raises
nothing but ParseError; once a Dump is returned, to_dict() and analyze() answer."""

from __future__ import annotations

import json
import os

from corpusutil import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parse_hostile import BAD_INPUTS, HOSTILE_SHAPES

from stackparse import ParseError, analyze, parse_all

SEEDS = [CORPUS / "go1.27" / n for n in ("bug_abba_mutex.sigquit.txt", "fmt_states.sigquit-crash.txt",
                                          "bug_abba_mutex.pprof1.txt", "fmt_panic_autogen.natural.txt",
                                          "bug_abba_mutex.stack.txt")] + [
    CORPUS / "go1.19" / "bug_abba_mutex.sigquit.txt", CORPUS / "go1.21" / "bug_cond_leak.leak.txt"]
SEED_LINES = [p.read_text().split("\n")[:400] for p in SEEDS if p.exists()]
HOSTILE = [make(20) for make in HOSTILE_SHAPES.values()] + list(BAD_INPUTS.values())

_MUTANTS = st.sampled_from(["", " ", "\t", "goroutine ", "0x", "{", "}", "(", ")", "...", "?", ":", "\r",
                            "9" * 30, "created by ", "[", "]", ", ", "\\n", "panic: ", "-----"])


@st.composite
def fuzz_input(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        base = list(draw(st.sampled_from(SEED_LINES)))
    else:
        base = draw(st.sampled_from(HOSTILE)).split("\n")
    for _ in range(draw(st.integers(0, 8))):
        if not base:
            break
        k = draw(st.integers(0, len(base) - 1))
        op = draw(st.integers(0, 4))
        if op == 0:
            del base[k]
        elif op == 1:
            base.insert(k, base[draw(st.integers(0, len(base) - 1))])
        elif op == 2:
            line = base[k]
            at = draw(st.integers(0, len(line)))
            base[k] = line[:at] + draw(_MUTANTS) + line[at:]
        elif op == 3:
            base[k] = base[k][: draw(st.integers(0, len(base[k])))]
        else:
            other = draw(st.sampled_from(SEED_LINES))
            j = draw(st.integers(0, len(other) - 1))
            base[k:k] = other[j : j + draw(st.integers(1, 30))]
    return "\n".join(base)


@settings(max_examples=int(os.environ.get("STACKPARSE_FUZZ_EXAMPLES", "400")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fuzz_input())
def test_parse_to_dict_analyze_never_raise_anything_else(text: str) -> None:
    try:
        dumps = parse_all(text)
    except ParseError as e:
        assert str(e)
        return
    for d in dumps:
        json.dumps(d.to_dict())
        a = analyze(d)
        assert a is not None
