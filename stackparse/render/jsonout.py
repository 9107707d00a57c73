"""JSON renderers: the analysis (``stackparse/analysis/1``) and the parsed dump
(``stackparse/dump/1``), both described by the JSON Schemas in ``stackparse/schema/``."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from ..detect import ANALYSIS_SCHEMA
from ..model import SCHEMA as DUMP_SCHEMA
from ..model import Dump

__all__ = [
    "ANALYSIS_SCHEMA",
    "analysis_dict",
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
        analysis = dataclasses.replace(analysis, dump=dump)
    return analysis.to_dict()


def render_json(analysis: Any, dump: Dump | None = None) -> str:
    """The analysis as indented JSON (``stackparse/analysis/1``)."""
    return json.dumps(analysis_dict(analysis, dump), indent=2, ensure_ascii=False) + "\n"


def render_jsonl_record(analysis: Any, source: str, dump: Dump | None = None, **extra: Any) -> str:
    """One line of ``--format jsonl``: the analysis document plus ``"source"``."""
    d = analysis_dict(analysis, dump)
    d["source"] = source
    d.update(extra)
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_dump_json(dump: Dump) -> str:
    """``Dump.to_dict()`` as indented JSON."""
    return json.dumps(dump.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_dumps_json(dumps: Sequence[Dump]) -> str:
    """Several dumps of one input: ``{"schema": ..., "dumps": [...]}``."""
    doc = {"schema": DUMP_SCHEMA, "dumps": [d.to_dict() for d in dumps]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
