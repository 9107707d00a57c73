"""The exact pointer words of a frame's argument list.

Only exact words are facts: a word printed with ``?`` is a hint, inlined frames (``(...)``)
print nothing, and words below :data:`MIN_POINTER` are counts and flags. The graph stage reads
the exact pointer words of every user goroutine (:func:`stacks_words`) to find who carries the
object another goroutine waits on. A column of frames (frame ``i`` of every goroutine of one
stack shape) is read at once: most columns of a production dump carry no exact pointer at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any

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
#: Several flat argument lists joined by newlines (a column of frames, see :func:`shape_words`).
_FLAT_LINES = re.compile(rf"{_FLAT_ARGS}(?:\n{_FLAT_ARGS})*")
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


_ARGS_TEXT = attrgetter("args_text")


#: Hex-class characters (what _EXACT_PTR's run takes) -> "h", "?" -> "?", any other ASCII -> ".".
_RUNS = str.maketrans({chr(c): "h" if chr(c) in "0123456789abcdefABCDEF_" else "." for c in range(128)} | {"?": "?"})


def _column_clean(joined: str) -> bool:
    """No :data:`_EXACT_PTR` match in ``joined``, proven with two C-level passes: such a match is
    a run of five or more hex-class characters followed by neither another one nor ``?`` (the
    possessive run cannot stop early), i.e. ``hhhhh.`` or a final ``hhhhh`` once the text is
    mapped through :data:`_RUNS`. (A superset: a run with no ``0x`` before it counts too, and the
    column is then searched the exact way.)"""
    if not joined.isascii():
        return False
    t = joined.translate(_RUNS)
    return "hhhhh." not in t and not t.endswith("hhhhh")


def shape_words(stacks: list[tuple[Frame, ...]], idxs: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """:func:`frame_words` ``(frames, idxs)`` for every ``frames`` of ``stacks`` (stacks of one shape)."""
    return _rows_words(stacks, idxs, frames=True)


def stacks_words(stacks: list[tuple[Frame, ...]], idxs: list[tuple[int, ...]]) -> list[list[tuple[int, int]]]:
    """:func:`frame_words` ``(stacks[k], idxs[k])`` for every k: stacks of any shapes, each with its
    own frame indexes. Stacks with the same indexes are read together, a column of frames at a
    time (:func:`_columns_words`). The argument texts are taken out stack by stack in the given
    (dump) order, each group's row after row in one flat list, whose every ``len(ix)``-th item is
    a column: the frames are read in the order they lie in memory, not a column at a time across
    the whole heap (bench/README.md, "Memory order")."""
    out: list[list[tuple[int, int]]] = [[] for _ in stacks]
    groups: dict[tuple[int, ...], tuple[list[int], list[str], Any]] = {}
    for k, ix in enumerate(idxs):
        if not ix:
            continue
        grp = groups.get(ix)
        if grp is None:
            grp = groups[ix] = ([], [], itemgetter(*ix) if len(ix) > 1 else itemgetter(ix[0]))
        grp[0].append(k)
        if len(ix) > 1:
            grp[1].extend(map(_ARGS_TEXT, grp[2](stacks[k])))
        else:
            grp[1].append(grp[2](stacks[k]).args_text)
    for ix, (ks, flat, _) in groups.items():
        m = len(ix)
        cols = [flat[j::m] for j in range(m)] if m > 1 else [flat]
        for k, ws in zip(ks, _columns_words(cols, ix, len(ks))):
            out[k] = ws
    return out


def rows_words(rows: list[tuple[str, ...]], idxs: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """:func:`frame_words` for goroutines of one shape, given as rows: ``rows[k][i]`` is the
    argument text of frame ``i`` of goroutine ``k`` (every row as long as the shape).

    Frame ``i`` of every goroutine is a *column*, whose texts are joined and checked at once:
    most columns of a production dump carry no exact pointer in any goroutine (an argument is
    printed exact or with ``?`` depending on the call site, not on the goroutine), and cost a few
    C-level passes (:func:`_column_clean`). A column that may have one is read in one pass when
    the whole column is in the grammar's argument language, else text by text with
    :func:`exact_words`.
    """
    return _rows_words(rows, idxs)


def _rows_words(
    rows: list[tuple[str, ...]] | list[tuple[Frame, ...]], idxs: tuple[int, ...], frames: bool = False
) -> list[list[tuple[int, int]]]:
    """:func:`rows_words`; with ``frames=True`` the rows are stacks of Frames, whose argument texts are read."""
    # column i only (a full transpose would touch every frame of every stack)
    cols: Any = (
        list(map(_ARGS_TEXT, map(itemgetter(i), rows))) if frames else list(map(itemgetter(i), rows)) for i in idxs
    )
    return _columns_words(cols, idxs, len(rows))


def _columns_words(cols: Iterable[list[str]], idxs: tuple[int, ...], n: int) -> list[list[tuple[int, int]]]:
    """The words of :func:`rows_words` from its columns: ``cols[j][k]`` is the argument text of frame
    ``idxs[j]`` of row ``k`` (``n`` rows)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    if not n or not idxs:
        return out
    search = _EXACT_PTR.search
    last = n - 1
    for i, texts in zip(idxs, cols):
        joined = "\n".join(texts)
        if _column_clean(joined) or search(joined) is None:
            continue
        if _column_flat(joined):
            # one pass over the column: a word, or "" for the newline that ends a goroutine's text
            k = 0
            o = out[0]
            for x in _EXACT_HEX_NL.findall(joined):
                if x:
                    v = int(x, 16)
                    if v >= MIN_POINTER:
                        o.append((v, i))
                elif k < last:
                    k += 1
                    o = out[k]
        else:
            for o, ws in zip(out, map(exact_words, texts)):
                for v in ws:
                    o.append((v, i))
    return out


#: The argument language (see :data:`_FLAT`) on skeletons: "0x" -> "X", then every hex digit
#: -> "h" (the parser's skeletons). A skeleton in this language stands for a text in the
#: language (decimal words, or an "X" in the text, fail it: such a column is read the slow way),
#: and the skeletons of a column repeat: its words differ in their digits, rarely in length.
_SKEL_ITEM = r"(?:\{*(?:Xh+\??|\.\.\.|_)\}*|\{+\}+)"
_SKEL_FLAT = re.compile(rf"(?:{_SKEL_ITEM}(?:, {_SKEL_ITEM})*)?")
_SKEL = str.maketrans(dict.fromkeys("0123456789abcdef", "h"))
_EXACT_HEX_NL = re.compile(r"\n|0x([0-9a-f]{5,}+)(?!\?)")


def _column_flat(joined: str) -> bool:
    """Every newline-separated text of ``joined`` is in the grammar's argument language (or
    ``False``: not proven)."""
    if not joined.isascii() or "X" in joined:
        return False
    fm = _SKEL_FLAT.fullmatch
    return all(fm(sk) is not None for sk in set(joined.replace("0x", "X").translate(_SKEL).split("\n")))


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
