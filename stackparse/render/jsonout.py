"""JSON renderers: the analysis (``stackparse/analysis/1``) and the parsed dump
(``stackparse/dump/1``), both described by the JSON Schemas in ``stackparse/schema/``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring
from typing import Any, cast

from ..detect import ANALYSIS_SCHEMA
from ..model import SCHEMA as DUMP_SCHEMA
from ..model import Dump

__all__ = [
    "ANALYSIS_SCHEMA",
    "analysis_dict",
    "dumps_indented",
    "render_dump_json",
    "render_dumps_json",
    "render_json",
    "render_jsonl_record",
]


def analysis_dict(analysis: Any, dump: Dump | None = None) -> dict[str, Any]:
    """``analysis.to_dict()``: the ``stackparse/analysis/1`` document built by
    :meth:`stackparse.detect.Analysis.to_dict`. ``dump`` is accepted for compatibility; it is
    used only when the analysis does not carry its dump."""
    if dump is not None and getattr(analysis, "dump", dump) is None and dataclasses.is_dataclass(analysis):
        analysis = dataclasses.replace(cast(Any, analysis), dump=dump)  # is_dataclass() types it as instance or class
    return analysis.to_dict()


def render_json(analysis: Any, dump: Dump | None = None) -> str:
    """The analysis as indented JSON (``stackparse/analysis/1``)."""
    return dumps_indented(analysis_dict(analysis, dump)) + "\n"


def render_jsonl_record(analysis: Any, source: str, dump: Dump | None = None, **extra: Any) -> str:
    """One line of ``--format jsonl``: the analysis document plus ``"source"``."""
    d = analysis_dict(analysis, dump)
    d["source"] = source
    d.update(extra)
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_dump_json(dump: Dump) -> str:
    """``Dump.to_dict()`` as indented JSON."""
    return dumps_indented(dump.to_dict()) + "\n"


def render_dumps_json(dumps: Sequence[Dump]) -> str:
    """Several dumps of one input: ``{"schema": ..., "dumps": [...]}``."""
    doc = {"schema": DUMP_SCHEMA, "dumps": [d.to_dict() for d in dumps]}
    return dumps_indented(doc) + "\n"


# --------------------------------------------------------------------------- indented JSON

# ``json.dumps(..., indent=2)`` cannot use the C encoder (it has no indentation), and the pure
# Python one runs a generator per container and several calls per value: on a 100k-goroutine
# analysis (a ``blocking`` record of 16 values per goroutine) it takes seconds. ``dumps_indented``
# writes the same text with one plain loop per container: scalars of the exact built-in types
# are written inline (strings by the C ``encode_basestring``), each key's ``"key": `` once.
# Anything else (subclasses, non-string keys, NaN and infinities...) falls back to
# ``json.dumps``: the text is always exactly what ``json.dumps(obj, indent=2,
# ensure_ascii=False)`` writes (a differential test holds it to that).


class _FallbackError(Exception):
    """A value the fast writer leaves to ``json.dumps``."""


class _KeyText(dict[Any, str]):
    """``"key": `` for each key met, written once."""

    def __missing__(self, key: Any) -> str:
        if type(key) is not str:
            raise _FallbackError
        text = self[key] = encode_basestring(key) + ": "
        return text


_int_repr: Callable[[int], str] = int.__repr__
_float_repr: Callable[[float], str] = float.__repr__
_INF = float("inf")
#: Dicts with more keys than this (the goroutine id -> record map) have their keys written in
#: place rather than remembered.
_CACHED_KEYS = 64


def dumps_indented(obj: Any) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``: the same text, faster."""
    keys = _KeyText()
    esc = encode_basestring

    def write(o: Any, ind: str) -> str:
        t = type(o)
        if t is str:
            return esc(o)
        if t is int:
            return _int_repr(o)
        if o is None:
            return "null"
        if t is bool:
            return "true" if o else "false"
        if t is float:
            if o != o or o == _INF or o == -_INF:
                raise _FallbackError
            return _float_repr(o)
        if t is dict:
            if not o:
                return "{}"
            inner = ind + "  "
            parts: list[str] = []
            append = parts.append
            if len(o) > _CACHED_KEYS:  # a map keyed by ids: its keys are not met again
                for k, v in o.items():
                    if type(k) is not str:
                        raise _FallbackError
                    append(esc(k) + ": " + write(v, inner))
                return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + ind + "}"
            for k, v in o.items():
                tv = type(v)
                if tv is str:
                    append(keys[k] + esc(v))
                elif tv is int:
                    append(keys[k] + _int_repr(v))
                elif v is None:
                    append(keys[k] + "null")
                elif tv is bool:
                    append(keys[k] + ("true" if v else "false"))
                else:
                    append(keys[k] + write(v, inner))
            return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + ind + "}"
        if t is list or t is tuple:
            if not o:
                return "[]"
            inner = ind + "  "
            return "[\n" + inner + (",\n" + inner).join([write(v, inner) for v in o]) + "\n" + ind + "]"
        raise _FallbackError

    try:
        return write(obj, "")
    except (_FallbackError, RecursionError):
        return json.dumps(obj, indent=2, ensure_ascii=False)
