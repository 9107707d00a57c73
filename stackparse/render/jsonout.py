"""JSON renderers: the analysis (``stackparse/analysis/1``) and the parsed dump
(``stackparse/dump/1``), both described by the JSON Schemas in ``stackparse/schema/``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, cast

import orjson

from ..analysis import ANALYSIS_SCHEMA
from ..model import SCHEMA as DUMP_SCHEMA
from ..model import Dump

__all__ = [
    "ANALYSIS_SCHEMA",
    "analysis_dict",
    "dumps_compact",
    "dumps_indented",
    "render_dump_json",
    "render_dumps_json",
    "render_json",
    "render_jsonl_record",
]


def analysis_dict(analysis: Any, dump: Dump | None = None) -> dict[str, Any]:
    """``analysis.to_dict()``: the ``stackparse/analysis/1`` document built by
    :meth:`stackparse.analysis.Analysis.to_dict`. ``dump`` is accepted for compatibility; it is
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
    return dumps_compact(d) + "\n"


def render_dump_json(dump: Dump) -> str:
    """``Dump.to_dict()`` as indented JSON."""
    return dumps_indented(dump.to_dict()) + "\n"


def render_dumps_json(dumps: Sequence[Dump]) -> str:
    """Several dumps of one input: ``{"schema": ..., "dumps": [...]}``."""
    doc = {"schema": DUMP_SCHEMA, "dumps": [d.to_dict() for d in dumps]}
    return dumps_indented(doc) + "\n"


# --------------------------------------------------------------------------- indented JSON

# orjson writes the indented text (``OPT_INDENT_2``) in C: the 47 MB analysis of a
# 100,000-goroutine dump in 0.1 s, where ``json.dumps(indent=2)`` (which cannot use the C encoder
# for indented output) takes seconds. For every document stackparse makes the text is byte for
# byte what ``json.dumps(obj, indent=2, ensure_ascii=False)`` writes (a test holds the two equal
# on the corpus). What orjson refuses (integers beyond 64 bits, keys other than strings, lone
# surrogates) is left to ``json.dumps``.


def dumps_indented(obj: Any) -> str:
    """``obj`` as JSON indented by two spaces, UTF-8 characters as they are."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(obj, indent=2, ensure_ascii=False)


def dumps_compact(obj: Any) -> str:
    """``obj`` as JSON on one line, without spaces (JSON Lines records)."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
