"""Shared helpers for the corpus-driven tests: where the dumps are, and the golden projection."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from stackparse import parse_all
from stackparse.model import Dump, Frame, Goroutine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

#: Every `goroutine N [` header the runtime can print (with the 1.22+ gp=/m=/mp= words).
HEADER_RE = re.compile(r"goroutine [0-9]+ (?:gp=0x[0-9a-f]+ m=(?:[0-9]+|nil)(?: mp=0x[0-9a-f]+)? )?\[")

UPDATE = os.environ.get("STACKPARSE_UPDATE_GOLDENS") == "1"


def corpus_dumps() -> list[Path]:
    return sorted(CORPUS.glob("go1.*/*.txt"))


def dump_id(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


def goroutine_dumps(p: Path) -> list[Dump]:
    """The dumps of a corpus file that hold goroutines (the test is skipped for an empty capture)."""
    data = p.read_bytes()
    if not data.strip():
        pytest.skip("empty capture")
    return [d for d in parse_all(data) if d.goroutines]


def meta_of(p: Path) -> dict[str, Any]:
    side = p.with_name(p.name[: -len(".txt")] + ".meta.json")
    if side.exists():
        return json.loads(side.read_text())
    return {}


def golden_path(p: Path) -> Path:
    return p.with_name(p.name[: -len(".txt")] + ".golden.json")


def header_count(data: bytes) -> int:
    return len(HEADER_RE.findall(data.decode("utf-8", "replace")))


def frame_text(f: Frame) -> str:
    fn = f.function
    s = f"{fn.package}|{fn.receiver or ''}|{fn.name}({f.args_text}) {f.file}:{f.line}"
    if f.offset is not None:
        s += f" +{f.offset:#x}"
    if f.fp is not None:
        s += f" fp={f.fp:#x} sp={f.sp:#x}" + (f" pc={f.pc:#x}" if f.pc is not None else "")
    if f.cgo:
        s += f" cgo pc={f.pc:#x}" if f.pc is not None else " cgo"
    return s


_DEFAULTS = Goroutine(0, "")._asdict()


def goroutine_golden(g: Goroutine) -> dict[str, Any]:
    d: dict[str, Any] = {"id": g.id, "state": g.state, "line": g.line}
    for k, v in g._asdict().items():
        if k in ("id", "state", "line", "frames", "created_by", "ancestors", "elision", "labels"):
            continue
        if v != _DEFAULTS[k]:
            d[k] = v
    if g.labels:
        d["labels"] = [list(p) for p in g.labels]
    d["frames"] = [frame_text(f) for f in g.frames]
    if g.elision is not None:
        d["elision"] = [g.elision.index, g.elision.count]
    if g.created_by is not None:
        c = g.created_by
        d["created_by"] = f"{c.function.full} in {c.parent_id} {c.file}:{c.line} +{c.offset}"
    if g.ancestors:
        d["ancestors"] = [
            {"id": a.id, "frames": [frame_text(f) for f in a.frames], "elided": a.elided,
             "created_by": None if a.created_by is None else a.created_by.function.full}
            for a in g.ancestors
        ]
    return d


def dump_golden(d: Dump) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": d.kind,
        "lines": [d.start_line, d.end_line],
        "preamble": d.preamble.to_dict(),
        "goroutines": [goroutine_golden(g) for g in d.goroutines],
    }
    if d.runtime_stack is not None:
        out["runtime_stack"] = [frame_text(f) for f in d.runtime_stack]
    if d.threads:
        out["threads"] = [
            {"signal": None if t.signal is None else t.signal.to_dict(),
             "goroutines": [goroutine_golden(g) for g in t.goroutines],
             "registers": len(t.registers)}
            for t in d.threads
        ]
    if d.registers:
        out["registers"] = {k: hex(v) for k, v in d.registers}
    if d.profile is not None:
        out["profile"] = [d.profile, d.total]
        out["records"] = [
            {"count": r.count, "pcs": len(r.pcs), "labels": [list(p) for p in r.labels],
             "frames": [f"{pf.pc:#x} {pf.function.full if pf.function else ''}+{pf.offset} {pf.file}:{pf.line}"
                        for pf in r.frames]}
            for r in d.records
        ]
    if d.trailer:
        out["trailer"] = list(d.trailer)
    if d.truncated:
        out["truncated"] = True
    out["diagnostics"] = [str(x) for x in d.diagnostics]
    return out


def goroutine_signature(g: Goroutine) -> tuple[Any, ...]:
    """What must survive any wrapping of a dump (prefixes, CRLF, spaces, JSON): everything but
    line numbers."""
    return g._replace(line=0)
