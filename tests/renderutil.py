"""Shared by the renderer tests (test_render_text.py, test_render_formats.py) and the CLI tests.

Hand-built analyses (an AB-BA deadlock, an empty dump) for the renderers, and the checkers of
their output: a tiny JSON Schema validator, a structural DOT check, an HTML balance/escaping
check. The analysis records are built the documented way (detect.Finding/Edge,
blocking.Resource); while those stages are not importable, minimal stand-ins with the same
fields are used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx

from stackparse.buckets import bucketize
from stackparse.model import CreatedBy, Dump, Frame, Function, Goroutine, Panic, Preamble

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "stackparse" / "schema"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


# Records shaped exactly as docs/architecture.md fixes them (blocking.Resource, detect.Edge,
# detect.Finding, detect.Analysis): the renderers are written against that contract, and the
# corpus tests at the end run them on whatever the real pipeline produces.


@dataclass(frozen=True, slots=True)
class Resource:
    kind: str
    address: int | None
    exact: bool

    @property
    def key(self) -> str:
        return f"{self.kind}:{hex(self.address) if self.address is not None else '?'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "address": None if self.address is None else hex(self.address),
            "exact": self.exact,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str
    confidence: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind,
            "confidence": self.confidence,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    confidence: str
    title: str
    goroutines: tuple[int, ...]
    resources: tuple[Any, ...]
    edges: tuple[Any, ...]
    blocked_behind: tuple[int, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "confidence": self.confidence,
            "title": self.title,
            "goroutines": list(self.goroutines),
            "resources": [r.to_dict() for r in self.resources],
            "edges": [e.to_dict() for e in self.edges],
            "blocked_behind": list(self.blocked_behind),
            "notes": list(self.notes),
        }


@dataclass
class Analysis:
    dump: Any
    blocking: dict[int, Any]
    graph: Any
    findings: list[Any]
    buckets: list[Any]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "stackparse/analysis/1",
            "summary": {"goroutines": len(self.dump.goroutines), "findings": len(self.findings)},
            "findings": [f.to_dict() for f in self.findings],
            "buckets": [b.to_dict() for b in self.buckets],
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- builders

MAIN = "/home/ci/src/svc/main.go"
GOROOT = "/usr/local/go/src"


def fn(full: str) -> Function:
    pkg, _, name = full.partition(".")
    recv = name.split(")")[0][2:] if name.startswith("(*") else None
    return Function(full=full, package=pkg, receiver=recv, name=name.split(").")[-1])


def fr(full: str, file: str, line: int, args: str = "") -> Frame:
    return Frame(function=fn(full), args_text=args, file=file, line=line)


def lock_stack(addr: str, user: str, line: int, args: str) -> tuple[Frame, ...]:
    return (
        fr("runtime.gopark", f"{GOROOT}/runtime/proc.go", 435, "0x0?"),
        fr("sync.runtime_SemacquireMutex", f"{GOROOT}/runtime/sema.go", 77, "0x0?, 0x0?, 0x0?"),
        fr("sync.(*Mutex).lockSlow", f"{GOROOT}/sync/mutex.go", 171, addr),
        fr("sync.(*Mutex).Lock", f"{GOROOT}/sync/mutex.go", 90, "..."),
        fr(user, MAIN, line, args),
        fr("runtime.goexit", f"{GOROOT}/runtime/asm_amd64.s", 1700, "{}"),
    )


def g(gid: int, state: str, frames: tuple[Frame, ...], minutes: int | None = None) -> Goroutine:
    return Goroutine(
        id=gid,
        state=state,
        frames=frames,
        wait_minutes=minutes,
        created_by=CreatedBy(function=fn("main.setup"), parent_id=1, file=MAIN, line=60),
    )


A, B = 0xC000010000, 0xC000010010


def abba_dump(panic: str | None = None) -> Dump:
    gs = [
        Goroutine(
            id=1,
            state="sleep",
            frames=(
                fr("time.Sleep", f"{GOROOT}/runtime/time.go", 195, "0x3b9aca00"),
                fr("main.main", MAIN, 70),
            ),
        ),
        g(6, "sync.Mutex.Lock", lock_stack(hex(B), "main.lockOrderWorkerA", 29, f"{hex(A)}, {hex(B)}"), 2),
        g(7, "sync.Mutex.Lock", lock_stack(hex(A), "main.lockOrderWorkerB", 38, f"{hex(A)}, {hex(B)}"), 2),
    ]
    for i, gid in enumerate((8, 9, 10)):
        gs.append(
            g(
                gid,
                "sync.Mutex.Lock",
                lock_stack(hex(A), "main.waitsBehindDeadlock", 47, f"{hex(A)}, 0x{i}"),
                1 + i,
            )
        )
    pre = Preamble(panics=(Panic(panic),)) if panic else Preamble()
    return Dump(
        kind="panic" if panic else "stack", goroutines=tuple(gs), preamble=pre, start_line=1, end_line=80
    )


def abba_analysis(panic: str | None = None, title: str = "AB-BA lock-order deadlock") -> Any:
    dump = abba_dump(panic)
    ma, mb = Resource("mutex", A, True), Resource("mutex", B, True)
    edges = (
        Edge("g:6", mb.key, "waits-for", "certain", "sync.(*Mutex).lockSlow(0xc000010010)"),
        Edge(mb.key, "g:7", "held-by", "high", "goroutine 7 passed 0xc000010010 to main.lockOrderWorkerB"),
        Edge("g:7", ma.key, "waits-for", "certain", "sync.(*Mutex).lockSlow(0xc000010000)"),
        Edge(ma.key, "g:6", "held-by", "high", "goroutine 6 passed 0xc000010000 to main.lockOrderWorkerA"),
    )
    f = Finding(
        kind="deadlock",
        confidence="high",
        title=title,
        goroutines=(6, 7),
        resources=(ma, mb),
        edges=edges,
        blocked_behind=(8, 9, 10),
        notes=("the holders were inferred from arguments",),
    )
    graph = nx.DiGraph()
    for gr in dump.goroutines:
        graph.add_node(f"g:{gr.id}", kind="goroutine", id=gr.id)
    for r in (ma, mb):
        graph.add_node(r.key, kind="resource", resource=r)
    for e in edges:
        graph.add_edge(e.source, e.target, kind=e.kind, confidence=e.confidence, evidence=e.evidence)
    for gid in (8, 9, 10):
        graph.add_edge(f"g:{gid}", ma.key, kind="waits-for", confidence="certain", evidence="")
    return Analysis(dump=dump, blocking={}, graph=graph, findings=[f], buckets=bucketize(dump), notes=[])


def empty_analysis() -> Any:
    dump = Dump(kind="stack", goroutines=(g(1, "running", (fr("main.main", MAIN, 10),)),))
    return Analysis(
        dump=dump, blocking={}, graph=nx.DiGraph(), findings=[], buckets=bucketize(dump), notes=[]
    )


# --------------------------------------------------------------------------- tiny JSON Schema validator


def validate(
    instance: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, path: str = "$"
) -> None:
    """The subset of JSON Schema used by stackparse/schema/*.json: type (incl. lists), required,
    properties, additionalProperties (bool), items, enum, const, $ref to #/$defs, anyOf/oneOf."""
    root = root or schema
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        validate(instance, root["$defs"][ref[len("#/$defs/") :]], root, path)
        return
    for key in ("anyOf", "oneOf"):
        if key in schema:
            errors = []
            for sub in schema[key]:
                try:
                    validate(instance, sub, root, path)
                except AssertionError as e:
                    errors.append(str(e))
            ok = len(schema[key]) - len(errors)
            assert ok >= 1 if key == "anyOf" else ok == 1, f"{path}: {key} failed: {errors}"
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        py = {
            "object": dict,
            "array": list,
            "string": str,
            "boolean": bool,
            "null": type(None),
            "integer": int,
            "number": (int, float),
        }
        ok = any(
            isinstance(instance, py[t]) and not (t in ("integer", "number") and isinstance(instance, bool))
            for t in names
        )
        assert ok, f"{path}: {instance!r:.80} is not {types}"
    if "enum" in schema:
        assert instance in schema["enum"], f"{path}: {instance!r} not in {schema['enum']}"
    if "const" in schema:
        assert instance == schema["const"], f"{path}: {instance!r} != {schema['const']!r}"
    if isinstance(instance, dict):
        for k in schema.get("required", []):
            assert k in instance, f"{path}: missing {k!r}"
        props = schema.get("properties", {})
        for k, v in instance.items():
            if k in props:
                validate(v, props[k], root, f"{path}.{k}")
            elif schema.get("additionalProperties") is False:
                raise AssertionError(f"{path}: unexpected key {k!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(v, schema["additionalProperties"], root, f"{path}.{k}")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            validate(item, schema["items"], root, f"{path}[{i}]")


def load_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text())


# --------------------------------------------------------------------------- dot


def check_dot(text: str) -> tuple[set[str], list[tuple[str, str, str]]]:
    """Structural check of our DOT: balanced braces outside strings, every statement a node
    or an edge, every edge between declared nodes. Returns (nodes, edges with attrs)."""
    assert text.startswith("digraph stackparse {")
    depth, in_str, esc = 0, False, False
    for c in text:
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            assert depth >= 0
    assert depth == 0 and not in_str
    q = r'"(?:[^"\\]|\\.)*"'
    nodes: set[str] = set()
    edges = []
    for line in text.splitlines()[1:-1]:
        s = line.strip()
        if m := re.fullmatch(rf"({q}) -> ({q}) \[(.*)\];", s):
            edges.append((m.group(1), m.group(2), m.group(3)))
        elif m := re.fullmatch(rf"({q}) \[(.*)\];", s):
            nodes.add(m.group(1))
        else:
            assert re.fullmatch(
                rf"(subgraph cluster_\d+ \{{|\}}|label={q};|style={q};|rankdir=LR;|(node|edge) \[.*\];)", s
            ), s
    for s, t, _ in edges:
        assert s in nodes and t in nodes, (s, t)
    return nodes, edges


# --------------------------------------------------------------------------- html


class _Checker(HTMLParser):
    VOID = frozenset({"meta", "br", "input", "img", "hr", "link", "path", "ellipse", "rect", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.scripts: list[str] = []
        self.in_script = False
        self.handlers: list[str] = []
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k.startswith("on"):
                self.handlers.append(k)
            if k in ("src", "href") and v and not v.startswith("#"):
                self.remote.append(v)
        if tag == "script":
            self.in_script = True
            self.scripts.append("")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.remote.append(v)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, (self.stack[-5:], tag)
        self.stack.pop()
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.scripts[-1] += data


def check_html(text: str) -> _Checker:
    c = _Checker()
    c.feed(text)
    c.close()
    assert c.stack == [], c.stack
    return c


# --------------------------------------------------------------------------- corpus


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("go1.*/*.txt"))
