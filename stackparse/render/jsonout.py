"""JSON renderers: the analysis (``stackparse/analysis/1``) and the parsed dump
(``stackparse/dump/1``), both described by the JSON Schemas in ``stackparse/schema/``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..model import SCHEMA as DUMP_SCHEMA
from ..model import Dump
from ._common import View, confidence_rank, goroutine_count

ANALYSIS_SCHEMA = "stackparse/analysis/1"


def summary(view: View) -> dict[str, Any]:
    """Counts a reader wants before the details."""
    kinds = Counter(f.kind for f in view.findings)
    worst = max((f.confidence for f in view.findings), key=confidence_rank, default=None)
    return {
        "dump_kind": view.dump.kind,
        "goroutines": goroutine_count(view.dump),
        "buckets": len(view.buckets),
        "findings": len(view.findings),
        "findings_by_kind": dict(sorted(kinds.items())),
        "worst_confidence": worst,
    }


def analysis_dict(analysis: Any, dump: Dump | None = None) -> dict[str, Any]:
    """``Analysis.to_dict()`` when it is a ``stackparse/analysis/1`` document; otherwise the
    same content converted to that shape (findings with ``source``/``target`` edges and
    resource objects, :class:`~stackparse.buckets.Bucket` buckets, a ``summary``), keeping
    every other key of ``to_dict()`` as it is."""
    d = analysis.to_dict()
    if d.get("schema") == ANALYSIS_SCHEMA:
        return d
    view = View(analysis, dump)
    raw_findings = d.get("findings") or [None] * len(view.findings)
    findings = []
    for f, raw in zip(view.findings, raw_findings):
        fd = {
            "kind": f.kind,
            "confidence": f.confidence,
            "title": f.title,
            "goroutines": list(f.goroutines),
            "resources": [view.resource_dict(k) for k in f.resources],
            "edges": [
                {
                    "source": e.source,
                    "target": e.target,
                    "kind": e.kind,
                    "confidence": e.confidence,
                    "evidence": e.evidence,
                }
                for e in f.edges
            ],
            "blocked_behind": list(f.blocked_behind),
            "notes": list(f.notes),
            "count": f.count,
        }
        if isinstance(raw, dict):
            fd.update({k: v for k, v in raw.items() if k not in fd})
        findings.append(fd)
    out: dict[str, Any] = {
        "schema": ANALYSIS_SCHEMA,
        "summary": summary(view),
        "findings": findings,
        "buckets": [b.to_dict() for b in view.buckets],
    }
    out.update({k: v for k, v in d.items() if k not in out})
    return out


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
