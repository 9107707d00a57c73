"""Argument lists of call lines (``main.f(0x1, {0x2, 0x3?}, ...)``).

:func:`parse_args` is public: the arguments of a call line as typed values. The rest reads the
call lines of a dump without running the grammar on each one: a production dump has hundreds of
thousands of call lines that differ only in their pointer words, so an argument list is reduced
to a *skeleton* (every ``0x`` becomes ``X``, every hex digit ``h``) and the grammar's verdict is
taken once per skeleton (a few hundred per dump). ``tests/test_fastpath_calls.py`` checks this
reader against the grammar line by line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from ..model import (
    Arg,
    ArgGroup,
    ArgWord,
    Function,
)
from .grammar import MAX_ARG_DEPTH, MAX_LINE, GrammarError, parse_line, split_function

# ====================================================================== arguments

_WORD = r"(?:0x[0-9a-f]+\??|[0-9]+\??|\.\.\.|_)"
#: One comma-separated item of an argument list seen flat: opening braces, a word, closing
#: braces — or an empty group.
_ATOM = rf"(?:\{{*{_WORD}\}}*|\{{+\}}+)"
_FLAT_ARGS = re.compile(rf"(?:{_ATOM}(?:, {_ATOM})*)?")


def args_ok(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` is an argument list that the grammar's ``args`` rule accepts.

    A flat regex over the comma-separated items plus a brace-depth check: the same language as
    the recursive rule (``tests/test_fastpath.py`` checks the two agree), without recursion.
    """
    if end is None:
        end = len(text)
    if not _FLAT_ARGS.fullmatch(text, start, end):
        return False
    if text.find("{", start, end) < 0 and text.find("}", start, end) < 0:
        return True
    depth = 0
    for atom in text[start:end].split(", "):
        opens = atom.count("{")
        if depth + opens > MAX_ARG_DEPTH:  # (an atom's opening braces come first)
            return False
        depth += opens - atom.count("}")
        if depth < 0:
            return False
    return depth == 0


#: A call line whose arguments are flat-valid (see args_ok for the brace check).
_CALL_RE = re.compile(rf"([^\s(]\S*?)\(((?:{_ATOM}(?:, {_ATOM})*)?)\)")
_ARG_TOKENS = re.compile(r"\{|\}|[^{}, ]+")


def parse_args(text: str) -> tuple[Arg, ...] | None:
    """Parse an argument list (the text between a call's parentheses).

    ``None`` for ``...`` (inlined and ancestor frames print no arguments). Raises
    :class:`GrammarError` for text the grammar's ``args`` rule does not accept.
    """
    if text == "...":
        return None
    if text == "":
        return ()
    if not args_ok(text):
        return _args_by_grammar(text)
    if "{" not in text:
        return tuple(ArgWord(w[:-1], True) if w[-1] == "?" else ArgWord(w, False) for w in text.split(", "))
    stack: list[list[Arg]] = [[]]
    for tok in _ARG_TOKENS.findall(text):
        if tok == "{":
            stack.append([])
        elif tok == "}":
            items = stack.pop()
            stack[-1].append(ArgGroup(tuple(items)))
        elif tok[-1] == "?":
            stack[-1].append(ArgWord(tok[:-1], True))
        else:
            stack[-1].append(ArgWord(tok, False))
    return tuple(stack[0])


# ---------------------------------------------------------------------- call lines, fast path
#
# A production dump holds hundreds of thousands of distinct call lines that differ only in their
# argument words (pointers). Reading each with a regular expression over its arguments costs more
# than everything else; instead an argument list is reduced to its *skeleton* with two C-level
# string operations: every "0x" becomes "X", then every hex digit becomes "h" ("0x1f?, {0x0}"
# -> "Xhh?, {Xh}"). Skeletons repeat (a few hundred per dump), so their verdict is cached; it is
# decided by args_ok (the grammar's ``args`` rule, see above) on the skeleton with every "Xh+"
# replaced by the word "0x1". That verdict holds for the original text when the original holds
# no "X" (else "X" would be ambiguous) and the skeleton has no "h" outside an "Xh+" run (decimal
# words, or a hex run straight before "0x"): then every "0x1" of the canonical text stands for
# exactly one "0x[0-9a-f]+" word of the original, bounded on both sides by the same non-hex
# characters, and the two texts tokenise alike. Anything else goes to the exact path.
# lines.fill_frames takes the skeletons of a whole run's new argument lists at once
# (arg_classes: an "X" or a stray "x" of the original becomes "!", which no verdict accepts).
# tests/test_fastpath_calls.py checks these readers against the grammar.

_SKELETON = str.maketrans(dict.fromkeys("0123456789abcdef", "h"))
_XRUN = re.compile(r"Xh+")
_NAME_SHAPE = re.compile(r"[^\s(]\S*")
_skeleton_verdicts: dict[str, bool] = {}  # (skeletons as text, from _call_fast)
#: skeletons of arg_classes -> their verdict (skeleton_verdict)
_class_verdicts: dict[str, int] = {}
_call_names: dict[str, Function | None] = {}
_FAST_CACHE_LIMIT = 65536


def _skeleton_ok(skel: str) -> bool:
    ok = _skeleton_verdicts.get(skel)
    if ok is None:
        canon = _XRUN.sub("0x1", skel)
        ok = "h" not in canon and "X" not in canon and args_ok(canon)
        if len(_skeleton_verdicts) > _FAST_CACHE_LIMIT:
            _skeleton_verdicts.clear()
        _skeleton_verdicts[skel] = ok
    return ok


#: A pointer-sized word in a skeleton: "0x" and five or more hex digits, exact or not ("?").
_POINTER_SKELETON = re.compile(r"Xh{5}")


#: Skeleton verdicts: not an argument list the grammar accepts (the exact path decides),
#: accepted, accepted and likely to come again (no pointer-sized word: such a word is mostly a
#: heap address, one per goroutine, exact or not; caching the frames that hold one filled the
#: line cache with frames never seen again, see bench/README.md).
BAD: Final = 0
ONCE: Final = 1
SHARED: Final = 2


def skeleton_verdict(skel: str) -> int:
    """BAD, ONCE or SHARED for a skeleton of :func:`arg_classes` (cached, bounded)."""
    v = _class_verdicts.get(skel, -1)
    if v < 0:
        v = (SHARED if _POINTER_SKELETON.search(skel) is None else ONCE) if _skeleton_ok(skel) else BAD
        if len(_class_verdicts) > _FAST_CACHE_LIMIT:
            _class_verdicts.clear()
        _class_verdicts[skel] = v
    return v


#: arg_classes's second step: hex digits left after "0x" became "X" are "h", any other "x" "!"
_CLASS_TAIL = str.maketrans({**dict.fromkeys("0123456789abcdef", "h"), "x": "!"})


def arg_classes(texts: list[str]) -> tuple[list[str], list[int]]:
    """The skeletons of argument lists, and which is each one's: ``(classes, which)`` where
    ``classes[which[k]]`` is the skeleton of ``texts[k]`` and ``classes`` holds each distinct
    skeleton once, in the order first seen.

    The skeleton of a text is "!" when it holds a character outside ASCII; else the text with
    every "0x" (left to right) made "X", then every other hex digit made "h" and every other
    "x" or "X" made "!". A few hundred skeletons stand for the hundreds of thousands of
    argument lists of a dump, each decided once (:func:`skeleton_verdict`). The skeleton holds
    an "X" for each "0x" word, an "h" for each of its digits, and keeps every other character
    but hex digits and "x": the grammar's verdict on the canonical text (every "Xh+" made
    "0x1") holds for every text of that skeleton when it has no "h" or "X" left (see the
    comment above ``_SKELETON``).

    ``stackparse/parsing/_argskel.c`` is the same function compiled (lines.py imports that one
    when it is built); this one is the fallback and the reference (tests/test_fastpath_calls.py
    and the fuzz job compare the two)."""
    joined = "\n".join(texts)
    if texts and joined.isascii() and joined.count("\n") == len(texts) - 1:
        skels = joined.replace("X", "!").replace("0x", "X").translate(_CLASS_TAIL).split("\n")
    else:
        skels = [t.replace("X", "!").replace("0x", "X").translate(_CLASS_TAIL) if t.isascii() else "!"
                 for t in texts]
    index: dict[str, int] = {}
    classes: list[str] = []
    which: list[int] = []
    for skel in skels:
        k = index.get(skel, -1)
        if k < 0:
            k = index[skel] = len(classes)
            classes.append(skel)
        which.append(k)
    return classes, which


def _call_name(name: str) -> Function | None:
    """The function of a call line's name part, when the grammar's FUNC accepts it (cached)."""
    if name in _call_names:
        return _call_names[name]
    fn: Function | None = None
    if _NAME_SHAPE.fullmatch(name):
        try:
            parse_line("call", name + "()")
            fn = split_function(name)
        except GrammarError:
            fn = None
    if len(_call_names) > _FAST_CACHE_LIMIT:
        _call_names.clear()
    _call_names[name] = fn
    return fn


def _call_fast(line: str) -> tuple[Function, str] | None:
    """(function, argument text) of a call line, or None when the fast path cannot decide (the
    exact path then reads the line)."""
    k = line.rfind("(")
    if k <= 0 or line[-1:] != ")" or len(line) > MAX_LINE:
        return None
    args = line[k + 1 : -1]
    if "X" in args:
        return None
    ok = _skeleton_verdicts.get(args.replace("0x", "X").translate(_SKELETON))
    if ok is None:
        ok = _skeleton_ok(args.replace("0x", "X").translate(_SKELETON))
    if not ok:
        return None
    name = line[:k]
    fn = _call_names.get(name)
    if fn is None:
        fn = _call_name(name)
        if fn is None:
            return None
    return fn, args


@lru_cache(maxsize=4096)
def _args_by_grammar(text: str) -> tuple[Arg, ...]:
    _, args = parse_line("call", "f(" + text + ")")
    return tuple(args)

