"""The exact pointer words of many stacks, read a column of frames at a time.

The graph stage reads the exact pointer words (:func:`.words.exact_words`) of every user frame of
every goroutine (:func:`stacks_words`). Goroutines with the same user frame indexes are read
together: frame ``i`` of each of them is a *column*, whose argument texts are read at once by
:func:`column_words`: the C kernel ``_wordscan.c`` (one pass per text) where it was built, else
its definition :func:`_column_words` (a few C-level string passes over the joined column).

Plain typed Python; mypyc compiles it (``stackparse/native.py: MODULES``): the loops that take
the argument texts out of the frames and turn the words into ``(word, frame index)`` pairs.
"""

from __future__ import annotations

import re

from ...model import Frame
from .words import _EXACT_PTR, MIN_POINTER, exact_words

__all__ = ["column_words", "rows_words", "shape_words", "stacks_words"]

#: The words of one goroutine: ``(word, frame index)``, frames in the order asked, words in
#: argument order.
Words = list[tuple[int, int]]


def stacks_words(stacks: list[tuple[Frame, ...]], idxs: list[tuple[int, ...]]) -> list[Words]:
    """:func:`.words.frame_words` ``(stacks[k], idxs[k])`` for every k: stacks of any shapes, each
    with its own frame indexes. Stacks with the same indexes are read together, a column of
    frames at a time (:func:`_columns_words`). The argument texts are taken out stack by stack in
    the given (dump) order, straight into their columns: the frames are read in the order they
    lie in memory, not a column at a time across the whole heap (bench/README.md, "Memory
    order")."""
    out: list[Words] = [[] for _ in stacks]
    # frame indexes -> (the stacks' positions k, one list of argument texts per index)
    groups: dict[tuple[int, ...], tuple[list[int], list[list[str]]]] = {}
    last: tuple[int, ...] = ()
    ks: list[int] = []
    cols: list[list[str]] = []
    for k in range(len(stacks)):
        ix = idxs[k]
        if not ix:
            continue
        if ix is not last:  # (consecutive goroutines of one shape share their index tuple)
            grp = groups.get(ix)
            if grp is None:
                grp = groups[ix] = ([], [[] for _ in ix])
            ks, cols = grp
            last = ix
        ks.append(k)
        frames = stacks[k]
        for j, i in enumerate(ix):
            cols[j].append(frames[i].args_text)
    for ix, (ks, cols) in groups.items():
        rows = [out[k] for k in ks]
        _columns_words(cols, ix, rows)
    return out


def shape_words(stacks: list[tuple[Frame, ...]], idxs: tuple[int, ...]) -> list[Words]:
    """:func:`.words.frame_words` ``(frames, idxs)`` for every ``frames`` of ``stacks`` (stacks of one shape)."""
    return stacks_words(stacks, [idxs] * len(stacks))


def rows_words(rows: list[tuple[str, ...]], idxs: tuple[int, ...]) -> list[Words]:
    """:func:`.words.frame_words` for goroutines of one shape, given as rows: ``rows[k][i]`` is the
    argument text of frame ``i`` of goroutine ``k`` (every row as long as the shape)."""
    out: list[Words] = [[] for _ in rows]
    if idxs:
        _columns_words([[row[i] for row in rows] for i in idxs], idxs, out)
    return out


def _columns_words(cols: list[list[str]], idxs: tuple[int, ...], out: list[Words]) -> None:
    """Append the words of the columns to the rows ``out``: ``cols[j][k]`` is the argument text of
    frame ``idxs[j]`` of row ``k``."""
    if not out:
        return
    for j in range(len(idxs)):
        i = idxs[j]
        texts = cols[j]
        flat = column_words(texts)
        for p in range(0, len(flat), 2):
            k: int = flat[p]
            v: int = flat[p + 1]
            o = out[k]
            if v >= 0:
                o.append((v, i))
            else:  # declined by the C kernel: the definition reads it
                for w in exact_words(texts[k]):
                    o.append((w, i))


def _column_words(texts: list[str]) -> list[int]:
    """The exact words (:func:`.words.exact_words`) of each text, flat: ``k, word, k, word, ...``
    in row order, then argument order. The definition of the C kernel's ``column_words`` (same
    signature; ``_wordscan.c``), which may also give ``k, -1``: "read ``texts[k]`` with
    exact_words" (this one never does). Most columns carry no exact word (:func:`_column_clean`);
    a column that may have one is read in one regex pass when it is in the grammar's argument
    language (:func:`_column_flat`), else text by text."""
    out: list[int] = []
    if not texts:
        return out
    joined = "\n".join(texts)
    if _column_clean(joined) or _EXACT_PTR.search(joined) is None:
        return out
    if joined.count("\n") == len(texts) - 1 and _column_flat(joined):
        # one pass over the column: a word, or "" for the newline that ends a text (the count:
        # no text has a newline of its own, which the parser never gives but a caller could)
        k = 0
        for x in _EXACT_HEX_NL.findall(joined):
            if x:
                v = int(x, 16)
                if v >= MIN_POINTER:
                    out.append(k)
                    out.append(v)
            else:
                k += 1
    else:
        for k in range(len(texts)):
            for v in exact_words(texts[k]):
                out.append(k)
                out.append(v)
    return out


#: Hex-class characters (what _EXACT_PTR's run takes) -> "h", "?" -> "?", any other ASCII -> ".".
_RUNS = str.maketrans({chr(c): "h" if chr(c) in "0123456789abcdefABCDEF_" else "." for c in range(128)} | {"?": "?"})


def _column_clean(joined: str) -> bool:
    """No :data:`.words._EXACT_PTR` match in ``joined``, proven with two C-level passes: such a
    match is a run of five or more hex-class characters followed by neither another one nor
    ``?`` (the possessive run cannot stop early), i.e. ``hhhhh.`` or a final ``hhhhh`` once the
    text is mapped through :data:`_RUNS`. (A superset: a run with no ``0x`` before it counts
    too, and the column is then searched the exact way.)"""
    if not joined.isascii():
        return False
    t = joined.translate(_RUNS)
    return "hhhhh." not in t and not t.endswith("hhhhh")


#: The argument language of the grammar (see :data:`.words._FLAT`) on skeletons: "0x" -> "X",
#: then every hex digit -> "h" (the parser's skeletons). A skeleton in this language stands for
#: a text in the language (decimal words, or an "X" in the text, fail it: such a column is read
#: the slow way), and the skeletons of a column repeat: its words differ in their digits, rarely
#: in length. In such a text every ``0x`` starts a word, words end at ``?``, ``,``, ``}`` or the
#: end, and there is no ``_`` or upper-case digit inside a word: the exact words of
#: :func:`.words.exact_words` are exactly the matches of :data:`_EXACT_HEX_NL` (then >=
#: MIN_POINTER).
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


# The one import site of the C kernel (_wordscan.c, built by tools/hatch_build.py where a C
# compiler works); without it, its definition.
try:
    from ._wordscan import column_words
except ImportError:
    column_words = _column_words
