"""The compiled frame lookup (stackparse/_speedups.c) gives what the Python steps give.

parse.py uses the extension when it is built and does the same steps in Python otherwise. Each
test here reads the same text both ways, and (where it is cheap enough) with the grammar alone
(``memo=False``), and asserts equal records: on corpus dumps, on generated dumps, and on runs of
blocks built to hit every place where the compiled code stops and hands a line back (unknown
header texts, repeated and zero ids, ids too long for it, created-by pairs not seen yet, "X" and
"0x0x" in arguments, non-ASCII call lines, lines over MAX_LINE), and GOTRACEBACK=crash blocks
(gp=/m= headers, registers on file lines, and text that only looks like them).
"""

from __future__ import annotations

import importlib
import os

import pytest
from conftest import DUMP_EXAMPLES
from corpusutil import corpus_dumps, dump_id
from gotext import args_texts, dumps, function_names, write_dump
from hypothesis import given, settings
from hypothesis import strategies as st

from stackparse import parse_all

P = importlib.import_module("stackparse.parse")
try:
    SPEEDUPS = importlib.import_module("stackparse._speedups")
except ImportError:
    SPEEDUPS = None

needs_speedups = pytest.mark.skipif(SPEEDUPS is None, reason="stackparse._speedups is not built")


def test_built_where_required() -> None:
    """CI builds the extension (STACKPARSE_REQUIRE_SPEEDUPS=1): the tests must run against it,
    not silently against the Python fallback alone."""
    if not os.environ.get("STACKPARSE_REQUIRE_SPEEDUPS"):
        pytest.skip("STACKPARSE_REQUIRE_SPEEDUPS not set")
    assert SPEEDUPS is not None
    assert P._speedups is SPEEDUPS


def _outcome(text: str | bytes, memo: bool = True) -> object:
    """The records, or the error (a text with no dump in it is an error, the same both ways)."""
    try:
        return parse_all(text, memo=memo)
    except P.ParseError as e:
        return ("ParseError", str(e))


def _both(text: str | bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    monkeypatch.setattr(P, "_speedups", SPEEDUPS)
    fast = _outcome(text)
    monkeypatch.setattr(P, "_speedups", None)
    slow = _outcome(text)
    monkeypatch.undo()
    return fast, slow


ALL = corpus_dumps()
SAMPLE = ALL if os.environ.get("STACKPARSE_FULL") == "1" else ALL[::3]


@needs_speedups
@pytest.mark.parametrize("path", SAMPLE, ids=dump_id)
def test_corpus_compiled_equals_python(path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fast, slow = _both(path.read_bytes(), monkeypatch)
    assert fast == slow


@needs_speedups
@settings(max_examples=DUMP_EXAMPLES)
@given(dumps(), st.sampled_from(["1.26", "1.27"]))
def test_generated_compiled_equals_python_and_grammar(gs, labels) -> None:  # type: ignore[no-untyped-def]
    text = write_dump(gs, labels=labels)
    with pytest.MonkeyPatch.context() as mp:
        fast, slow = _both(text, mp)
    assert fast == slow == parse_all(text, memo=False)


# ---------------------------------------------------------------- runs built to stop the compiled loops

_ARG_NOISE = st.text(st.sampled_from(list("0x1f?{}, ._9aX")), max_size=24)
_IDS = st.one_of(st.integers(0, 40), st.integers(10**17, 10**20), st.sampled_from(["007", "1_0", "12x", "٣"]))
_FILES = ["\t/src/app/main.go:10 +0x1d", "\t/src/app/main.go:11", "\t/usr/lib/go/src/runtime/proc.go:435 +0xce",
          # GOTRACEBACK=crash registers, and suffixes that only look like them
          "\t/src/app/main.go:10 +0x1d fp=0xc000 sp=0xc0a0 pc=0x4", "\t/src/app/main.go:10 +0x1d fp=0x1 sp=0x2",
          "\t/src/app/main.go:11 fp=0xc000aa sp=0xc000bb pc=0x45", "\t/src/app/main.go:10 +0x1d fp=0x sp=0x2",
          "\t/src/app/main.go:10 +0x1d fp=0x1 sp=0x2 pc=0x3 x", "\t/src/app/main.go:10 +0x1d fp=0xG sp=0x2",
          "\t/src/a fp=0x1 sp=0x2.go:10 fp=0x1 sp=0x2"]
_GP = st.one_of(st.just(""), st.sampled_from([" gp=0xc000002380 m=nil", " gp=0x1f9ce16ba1e0 m=0 mp=0x63d7c0",
                                              " gp=0x1 m=12 mp=0x2", " gp=0x m=nil", " gp=0x1 m=x mp=0x2"]))
_STATES = ["select", "chan receive", "sync.Mutex.Lock, 3 minutes", "running", "IO wait, locked to thread"]


@st.composite
def _blocks(draw: st.DrawFn) -> str:
    out = []
    for _ in range(draw(st.integers(2, 10))):
        gid = draw(_IDS)
        lines = [f"goroutine {gid}{draw(_GP)} [{draw(st.sampled_from(_STATES))}]:"]
        for _ in range(draw(st.integers(0, 4))):
            fn = draw(st.one_of(function_names(), st.just("main.(*T).m"), st.just("main.ünï")))
            args = draw(st.one_of(args_texts, _ARG_NOISE, st.just("0x0x1, 0xc000123456"),
                                  st.just("0x" + "a" * (P.MAX_LINE + 1))))
            lines += [f"{fn}({args})", draw(st.sampled_from(_FILES))]
        if draw(st.booleans()):
            parent = draw(st.sampled_from(["", " in goroutine 1", " in goroutine 99999999999999999999"]))
            lines += [f"created by {draw(st.sampled_from(['main.main', 'main.run.func1']))}{parent}",
                      draw(st.sampled_from(_FILES))]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


@needs_speedups
@settings(max_examples=DUMP_EXAMPLES)
@given(st.lists(_blocks(), min_size=1, max_size=3))
def test_runs_compiled_equals_python_and_grammar(texts) -> None:  # type: ignore[no-untyped-def]
    """Within a text, the first block of each shape is read by the Python steps (which learn its
    header text, sites and verdicts) and the compiled loops take over after it; texts read one
    after another also meet the argument verdicts the earlier ones left (a module-level cache)."""
    for text in texts:
        with pytest.MonkeyPatch.context() as mp:
            fast, slow = _both(text, mp)
        assert fast == slow == _outcome(text, memo=False)


# ---------------------------------------------------------------- the skeleton rule itself


def _py_skeleton(args: str) -> str:
    return args.replace("0x", "X").translate(P._SKELETON)


@needs_speedups
@given(st.one_of(args_texts, _ARG_NOISE, st.text(st.sampled_from(list("0x0xab?{}, 5")), max_size=30)))
def test_skeleton_and_cache_rule_equal_python(args: str) -> None:
    """run_frames makes a frame from a learnt site exactly when the Python skeleton of its
    arguments has a True verdict (and holds no "X"), and caches it exactly when
    parse._skeleton_shared says it can come again."""
    assert SPEEDUPS is not None
    site_file = "\t/src/app/main.go:10 +0x1d"
    lines = [f"main.f({args})", site_file]
    fn = P.split_function("main.f")
    tail = ("/src/app/main.go", 10, 0x1d, None, None, None, False)
    sites = {site_file: ("main.f(", slice(7, -1), fn, tail)}
    skel = _py_skeleton(args)
    cache: dict = {}
    got = SPEEDUPS.run_frames(lines, 0, 1, cache, sites, {skel: True}, {}, P.Frame, P.MAX_LINE)
    if "X" in args:
        assert got == [None]
        return
    assert got == [P.Frame(fn, args, *tail)]
    shared = P._skeleton_shared(skel)
    assert (tuple(lines) in cache) == shared
    # any other skeleton's verdict does not make a frame
    other = SPEEDUPS.run_frames(lines, 0, 1, {}, sites, {skel + "h": True, skel.encode(): True}, {}, P.Frame,
                                P.MAX_LINE)
    assert other == [None]


@needs_speedups
def test_pointer_words_are_not_cached_but_small_words_are() -> None:
    assert SPEEDUPS is not None
    site_file = "\t/src/app/main.go:10 +0x1d"
    fn = P.split_function("main.f")
    tail = ("/src/app/main.go", 10, 0x1d, None, None, None, False)
    sites = {site_file: ("main.f(", slice(7, -1), fn, tail)}
    lines = ["main.f(0x0?, 0x1f)", site_file, "main.f(0xc000123456?, 0x1)", site_file]
    verdicts = {_py_skeleton("0x0?, 0x1f"): True, _py_skeleton("0xc000123456?, 0x1"): True}
    cache: dict = {}
    got = SPEEDUPS.run_frames(lines, 0, 2, cache, sites, verdicts, {}, P.Frame, P.MAX_LINE)
    assert [f.args_text for f in got] == ["0x0?, 0x1f", "0xc000123456?, 0x1"]
    assert list(cache) == [("main.f(0x0?, 0x1f)", site_file)]
    again = SPEEDUPS.run_frames(lines, 0, 2, cache, sites, verdicts, {}, P.Frame, P.MAX_LINE)
    assert again[0] is got[0]  # the shared frame is the cached object
    assert again[1] == got[1] and again[1] is not got[1]
    # inside one run, a repeated pair with a pointer word is one object (memory: a recursive
    # call repeats its frame in every goroutine that makes it)
    twice = SPEEDUPS.run_frames(lines + lines[2:], 0, 3, {}, sites, verdicts, {}, P.Frame, P.MAX_LINE)
    assert twice[1] == twice[2] and twice[1] is twice[2]


@needs_speedups
def test_bad_arguments_raise_not_crash() -> None:
    assert SPEEDUPS is not None
    with pytest.raises(ValueError, match="out of range"):
        SPEEDUPS.run_frames(["a"], 0, 1, {}, {}, {}, {}, P.Frame, 10)
    with pytest.raises(TypeError):
        SPEEDUPS.run_frames(("a", "b"), 0, 1, {}, {}, {}, {}, P.Frame, 10)
    with pytest.raises(TypeError):
        SPEEDUPS.scan_blocks([], 0, 0, 4, {}, {}, set(), [], [])
    with pytest.raises(TypeError, match="bad argument"):
        SPEEDUPS.build_goroutines([], 0, 0, 0, [1], [], [], {}, set(), P.Goroutine, 0, object(), [])


def test_no_speedups_env_turns_it_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """STACKPARSE_NO_SPEEDUPS=1 makes the parser run the Python steps alone (the analysis has no
    compiled steps)."""
    import subprocess
    import sys

    code = (
        "import importlib; P = importlib.import_module('stackparse.parse');"
        "print(P._speedups is None)"
    )
    env = dict(os.environ, STACKPARSE_NO_SPEEDUPS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"]


# ---------------------------------------------------------------- records out of the collector's reach

_IMMUTABLE_LEAVES = (str, int, bool, float, type(None), bytes)


def _acyclic_immutable(o: object, depth: int = 0) -> bool:
    """``o`` is an immutable record all the way down: strs, ints, None, tuples, and frozen
    slotted dataclasses (Function, CreatedBy, ...) of such. Nothing in it can point back at it."""
    if isinstance(o, _IMMUTABLE_LEAVES):
        return True
    if depth > 8:
        return False
    if isinstance(o, tuple):
        return all(_acyclic_immutable(x, depth + 1) for x in o)
    params = getattr(type(o), "__dataclass_params__", None)
    if params is None or not params.frozen or hasattr(o, "__dict__"):
        return False
    return all(_acyclic_immutable(getattr(o, f), depth + 1) for f in type(o).__slots__)


@needs_speedups
@pytest.mark.parametrize("path", SAMPLE[::4], ids=dump_id)
def test_compiled_records_are_untracked_and_acyclic(path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The compiled loops take the Frames and Goroutines they make out of the cyclic collector's
    reach (a walk over a big dump's millions of frames costs a sixth of the parse). That is
    sound only because no reference cycle can pass through them: every record of the corpus is
    immutable all the way down. And the records read the same either way."""
    import gc

    monkeypatch.setattr(P, "_speedups", SPEEDUPS)
    data = path.read_bytes()
    if not data.strip():
        pytest.skip("empty capture")
    for d in parse_all(data):
        for g in d.goroutines:
            assert _acyclic_immutable(g), g
    untracked = [g for d in parse_all(data) for g in d.goroutines if not gc.is_tracked(g)]
    for g in untracked:
        assert type(g) is P.Goroutine
        assert not gc.is_tracked(g.frames)


@needs_speedups
def test_big_run_leaves_little_for_the_collector() -> None:
    """A dump of many blocks of one shape: the compiled loops make most of its goroutines and
    frames, untracked; after parsing, the young generation holds few of them."""
    import gc

    block = ("goroutine {} [chan receive]:\nmain.worker(0xc000{:06x}, 0x1)\n\t/src/app/main.go:10 +0x1d\n"
             "created by main.main in goroutine 1\n\t/src/app/main.go:5 +0x2a\n")  # fmt: skip
    text = "\n".join(block.format(i, i) for i in range(1, 2001))
    d = parse_all(text)[0]
    assert len(d.goroutines) == 2000
    tracked = sum(gc.is_tracked(g) for g in d.goroutines)
    frames_tracked = sum(gc.is_tracked(f) for g in d.goroutines for f in g.frames)
    assert tracked < 100 and frames_tracked < 100, (tracked, frames_tracked)
