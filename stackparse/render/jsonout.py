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
from ..model import Dump, Frame
from ._common import View, at_least
from .plan import Crash, finding_order, make_plan

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


def analysis_dict(
    analysis: Any, dump: Dump | None = None, min_confidence: str | None = None, top: int | None = None
) -> dict[str, Any]:
    """The ``stackparse/analysis/1`` document: ``analysis.to_dict()`` with the findings in the
    order every report prints them (most certain first: :func:`stackparse.render.plan.finding_order`),
    cut by ``min_confidence`` / ``top`` as the reports are (``findings_omitted`` says how many
    were left out), each with its ``location``; plus what the report leads with: ``verdict``,
    ``limits`` (what the input cannot show), ``panic`` (the goroutine that crashed, its message
    and the frame at fault) and the pprof ``labels``. ``dump`` is used only when the analysis
    does not carry its dump."""
    if dump is not None and getattr(analysis, "dump", dump) is None and dataclasses.is_dataclass(analysis):
        analysis = dataclasses.replace(cast(Any, analysis), dump=dump)  # is_dataclass() types it as instance or class
    d = analysis.to_dict()
    view = View(analysis, dump)
    docs = d.get("findings", [])
    pairs = list(zip(docs, view.findings, strict=False))
    order = sorted(range(len(pairs)), key=lambda i: finding_order(pairs[i][1].confidence, pairs[i][1].kind, i))
    kept = [pairs[i] for i in order if at_least(pairs[i][1].confidence, min_confidence)]
    if top is not None:
        kept = kept[:top]
    for doc, f in kept:
        if "location" not in doc:
            doc["location"] = _site_doc(view.site_frame(f.goroutines[0]) if f.goroutines else None)
    d["findings"] = [doc for doc, _ in kept]
    d["findings_omitted"] = len(pairs) - len(kept)
    plan = make_plan(view, min_confidence, top)
    d["verdict"] = plan.verdict
    d["limits"] = list(plan.limits)
    d["panic"] = _crash_doc(plan.crash)
    d["labels"] = [
        {
            "labels": dict(g.labels),
            "count": g.count,
            "goroutines": list(g.goroutines),
            "location": _site_doc(g.frame),
        }
        for g in plan.labels
    ]
    return d


def _site_doc(frame: Frame | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"function": frame.function.full, "file": frame.file, "line": frame.line}


def _crash_doc(c: Crash | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "message": c.message,
        "goroutine": c.goroutine,
        "state": c.state or None,
        "frame": _site_doc(c.frame),
        "caller": _site_doc(c.caller),
        "signal": c.signal,
    }


def render_json(
    analysis: Any, dump: Dump | None = None, min_confidence: str | None = None, top: int | None = None
) -> str:
    """The analysis as indented JSON (``stackparse/analysis/1``)."""
    return dumps_indented(analysis_dict(analysis, dump, min_confidence, top)) + "\n"


def render_jsonl_record(
    analysis: Any,
    source: str,
    dump: Dump | None = None,
    min_confidence: str | None = None,
    top: int | None = None,
    **extra: Any,
) -> str:
    """One line of ``--format jsonl``: the analysis document plus ``"source"``."""
    d = analysis_dict(analysis, dump, min_confidence, top)
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
