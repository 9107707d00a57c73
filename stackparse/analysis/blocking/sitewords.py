"""The argument words :func:`~.classify.classify_all` reads per goroutine: the object's word and the
call site's handles.

Everything else of a :class:`~.classify.Blocking` is read once per stack shape; these two read
the goroutine's own argument text (every text of a dump is unique: nothing to cache). Typed for
mypyc (``stackparse/native.py: MODULES``): string methods only, no regular expression, on the
common flat argument lists; anything else goes the exact way of :mod:`.words`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ...model import Frame
from .words import _EXACT_PTR, MIN_POINTER, _exact_words, top_words

#: the digits of a hex word as :mod:`.words`' flat argument language spells them
_HEX = "0123456789abcdef"


def site_handles(text: str) -> tuple[int, ...]:
    """The exact pointer words of the call site's arguments, each once (``Blocking.handles``):
    :func:`.words.exact_words` without its cache, duplicates dropped."""
    if "0x" not in text or _EXACT_PTR.search(text) is None:  # (most frames: no exact pointer)
        return ()
    handles = _flat_exact_words(text)
    if handles is None:  # not a flat argument list: the exact way
        handles = _exact_words.__wrapped__(text)
    return tuple(dict.fromkeys(handles)) if len(handles) > 1 else handles


def _flat_exact_words(text: str) -> tuple[int, ...] | None:
    """The exact words (``0x`` and five or more hex digits, no ``?``, at least MIN_POINTER) of an
    argument list in :mod:`.words`' flat language (``_FLAT``: items joined by ``", "``, each
    opening braces, one word, closing braces, or an empty group), in order; None when ``text``
    is not in that language. Read with string methods: the same words as ``_EXACT_HEX`` finds
    in such a text (there every ``0x`` starts a word and a word ends at ``?``, ``}``, ``,`` or the
    end)."""
    out: list[int] = []
    for item in text.split(", "):
        core = item.lstrip("{").rstrip("}")
        if not core:
            # an empty group: one or more "{" then one or more "}"
            if not (item.startswith("{") and item.endswith("}")):
                return None
            continue
        if core.startswith("0x"):
            digits = core[2:]
            exact = True
            if digits.endswith("?"):
                digits = digits[:-1]
                exact = False
            if not digits or digits.strip(_HEX):
                return None
            if exact and len(digits) >= 5:
                v = int(digits, 16)
                if v >= MIN_POINTER:
                    out.append(v)
        elif core != "..." and core != "_":
            num = core[:-1] if core.endswith("?") else core
            if not (num.isascii() and num.isdigit()):
                return None
    return tuple(out)


def object_address(
    frames: tuple[Frame, ...],
    sources: Iterable[tuple[int, int, int, str]],
    word: Callable[[str, int], tuple[int | None, bool] | None],
) -> tuple[int | None, str, int | None]:
    """(address, how it was found, hint) of the object waited on, from a plan's sources (frame,
    argument, offset, description) in order: the first exact pointer-sized word gives the
    address; an inexact one (``0x…?``) only a hint."""
    hint = None
    for fi, ai, delta, desc in sources:
        if fi >= len(frames):
            continue
        w = word(frames[fi].args_text, ai)
        if w is None:
            continue
        v, exact = w
        if v is None:
            continue
        if exact and v >= MIN_POINTER:
            return v - delta, f"{desc}: argument {ai} = {v:#x}" + (f" - {delta}" if delta else ""), hint
        if hint is None and v >= MIN_POINTER:
            hint = v - delta
    return None, "", hint


def arg_word(args_text: str, ai: int) -> tuple[int | None, bool] | None:
    """``top_words(args_text)[ai]``, or None when there is no such word. The first word is read
    without splitting the whole list (the texts of a dump are unique: nothing to cache)."""
    if ai or "{" in args_text or "}" in args_text:
        ws = top_words(args_text)
        return ws[ai] if ai < len(ws) else None
    if not args_text or args_text == "...":
        return None
    c = args_text.find(",")
    item = (args_text if c < 0 else args_text[:c]).strip()
    if not item.startswith("0x"):
        return None if not item and c < 0 else (None, False)
    if item.endswith("?"):
        try:
            return (int(item.rstrip("?"), 16), False)
        except ValueError:
            return (None, False)
    try:
        return (int(item, 16), True)
    except ValueError:
        return (None, False)
