"""The exact pointer words of a frame's argument list.

Only exact words are facts: a word printed with ``?`` is a hint, inlined frames (``(...)``)
print nothing, and words below :data:`MIN_POINTER` are counts and flags. The graph stage reads
the exact pointer words of every user goroutine (:func:`.columns.stacks_words`, a column of
frames at a time) to find who carries the object another goroutine waits on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ...model import Frame
from .ops import is_machinery


def _split_top(text: str) -> list[str]:
    """Split an argument list at top-level ``, `` (braces nest)."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    last = text[start:].strip()
    if last or out:
        out.append(last)
    return out


@lru_cache(maxsize=1 << 17)
def top_words(args_text: str) -> tuple[tuple[int | None, bool], ...]:
    """Top-level argument words of a frame as ``(value, exact)``.

    ``value`` is None for aggregates (``{...}``), ``...`` and ``_``; ``exact`` is False for a
    word printed with ``?``. ``(...)`` (inlined) gives ``()``.
    """
    if not args_text or args_text == "...":
        return ()
    out: list[tuple[int | None, bool]] = []
    for item in _split_top(args_text):
        if item.startswith("0x"):
            inexact = item.endswith("?")
            try:
                out.append((int(item.rstrip("?"), 16), not inexact))
            except ValueError:
                out.append((None, False))
        else:
            out.append((None, False))
    return tuple(out)


#: Words below this are counts, flags and small integers, never heap or global addresses.
MIN_POINTER = 0x10000


#: An exact hex word of at least MIN_POINTER (five digits or more), not followed by ``?``. Most
#: frames of a production dump print only inexact or small words (``0x0?, {0x62d858?, 0x1}``): one
#: C-level search rules them out before the exact split below (a superset: the split decides).
#: The possessive ``{5,}+`` never backtracks into a word, which keeps the scan linear and fast.
_EXACT_PTR = re.compile(r"0x[0-9a-fA-F_]{5,}+(?!\?)")


#: The argument-list language of the grammar (``args``), read flat: comma-separated items, each
#: opening braces, a word, closing braces (or an empty group). In such a text every ``0x`` starts
#: a word, words end at ``?``, ``,``, ``}`` or the end, and there is no ``_`` or upper-case digit
#: inside a word: the exact words of :func:`_exact_words_split` are exactly the matches of
#: :data:`_EXACT_HEX` (then >= MIN_POINTER). Anything else is split the slow way.
_ARG_WORD = r"(?:0x[0-9a-f]+\??|[0-9]+\??|\.\.\.|_)"
_ARG_ATOM = rf"(?:\{{*{_ARG_WORD}\}}*|\{{+\}}+)"
_FLAT_ARGS = rf"(?:{_ARG_ATOM}(?:, {_ARG_ATOM})*)?"
_FLAT = re.compile(_FLAT_ARGS)
_EXACT_HEX = re.compile(r"0x([0-9a-f]{5,}+)(?!\?)")


def _hex_words(found: list[str]) -> tuple[int, ...]:
    return tuple([v for v in [int(x, 16) for x in found] if v >= MIN_POINTER])


@lru_cache(maxsize=1 << 18)
def _exact_words(args_text: str) -> tuple[int, ...]:
    if _FLAT.fullmatch(args_text) is not None:
        return _hex_words(_EXACT_HEX.findall(args_text))
    return _exact_words_split(args_text)


def _exact_words_split(args_text: str) -> tuple[int, ...]:
    """The definition: every comma-separated item (braces read as blanks) that is ``0x`` and
    hex digits, with no ``?``, and at least MIN_POINTER."""
    out = []
    for tok in args_text.replace("{", " ").replace("}", " ").split(","):
        tok = tok.strip()
        if tok.startswith("0x") and not tok.endswith("?"):
            try:
                v = int(tok, 16)
            except ValueError:
                continue
            if v >= MIN_POINTER:
                out.append(v)
    return tuple(out)


def exact_words(args_text: str) -> tuple[int, ...]:
    """Every exact (no ``?``) pointer-sized word of a frame, aggregates included."""
    if not args_text or "0x" not in args_text or _EXACT_PTR.search(args_text) is None:
        return ()
    return _exact_words(args_text)


def frame_words(frames: tuple[Frame, ...], idxs: tuple[int, ...]) -> list[tuple[int, int]]:
    """``(word, frame index)`` for every :func:`exact_words` word of ``frames[i]``, ``i`` in ``idxs``
    (in that order). One regex search over the frames' joined argument lists finds the few frames
    that carry an exact pointer at all; only those are split."""
    if not idxs:
        return []
    texts = [frames[i].args_text for i in idxs]
    joined = "\n".join(texts)
    search = _EXACT_PTR.search
    m = search(joined)
    if m is None:
        return []
    out: list[tuple[int, int]] = []
    k = 0  # index in idxs of the frame that starts at base
    base = 0
    while m is not None:
        p = m.start()
        k += joined.count("\n", base, p)
        i = idxs[k]
        for w in _exact_words(texts[k]):
            out.append((w, i))
        nl = joined.find("\n", p)
        if nl < 0:
            break
        base = nl + 1
        k += 1
        m = search(joined, base)
    return out


def pointer_words(frames: Iterable[Frame], start: int = 0) -> list[tuple[int, int, int]]:
    """``(word, frame index, position)`` for every exact pointer word of non-machinery frames
    from ``start`` outwards."""
    out = []
    for i, f in enumerate(frames):
        if i < start or is_machinery(f.function.package):
            continue
        for j, w in enumerate(exact_words(f.args_text)):
            out.append((w, i, j))
    return out
