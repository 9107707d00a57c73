"""Renderers on hand-built analyses (AB-BA deadlock, leak, hostile text) and on the corpus.

The analysis records are built the documented way (detect.Finding/Edge, blocking.Resource);
while those stages are not importable, minimal stand-ins with the same fields are used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from stackparse.buckets import bucketize
from stackparse.model import CreatedBy, Dump, Frame, Function, Goroutine, Panic, Preamble
from stackparse.render import (
    dot_quote,
    mermaid_escape,
    render_dot,
    render_dump_json,
    render_dump_text,
    render_html,
    render_json,
    render_markdown,
    render_mermaid,
    render_text,
    render_text_summary,
)
from stackparse.render.layout import layered_layout

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


def test_validator_rejects_what_it_should() -> None:
    schema = load_schema("analysis-1.json")
    good = abba_analysis().to_dict()
    validate(good, schema)
    bad = json.loads(json.dumps(good))
    bad["findings"][0]["confidence"] = "sure"
    with pytest.raises(AssertionError):
        validate(bad, schema)
    bad = json.loads(json.dumps(good))
    del bad["findings"][0]["goroutines"]
    with pytest.raises(AssertionError):
        validate(bad, schema)
    bad = json.loads(json.dumps(good))
    bad["findings"][0]["goroutines"] = ["6"]
    with pytest.raises(AssertionError):
        validate(bad, schema)


# --------------------------------------------------------------------------- text


def test_text_report_draws_the_cycle_with_evidence_and_fits_80_columns() -> None:
    out = render_text(abba_analysis())
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert "DEADLOCK (high): AB-BA lock-order deadlock" in out
    # the chain: g6 -> mutex B -> g7 -> mutex A -> back to g6, in that order
    i6 = out.index("goroutine 6 [sync.Mutex.Lock, 2 min]")
    ib = out.index("waits for mutex 0xc000010010")
    i7 = out.index("held by goroutine 7 (high)")
    ia = out.index("waits for mutex 0xc000010000")
    assert i6 < ib < i7 < ia
    assert "held by goroutine 6 (high)  <- cycle" in out
    assert "because goroutine 7 passed 0xc000010010 to main.lockOrderWorkerB" in out
    assert "main.lockOrderWorkerA  svc/main.go:29" in out
    assert "blocked behind it: 3 goroutines (8, 9, 10)" in out
    assert "3 x [sync.Mutex.Lock] in main.waitsBehindDeadlock" in out
    # findings come before the buckets, and the buckets are largest first
    assert out.index("DEADLOCK") < out.index("Goroutines: 6 in 4 buckets")
    tail = out[out.index("Goroutines:") :]
    assert tail.index("goroutines 8, 9, 10") < tail.index("goroutine 6")
    assert "\x1b[" not in out


def test_text_color_only_when_asked() -> None:
    assert "\x1b[" in render_text(abba_analysis(), color=True)
    assert "\x1b[" not in render_text(abba_analysis(), color=False)


def test_text_no_findings_and_bucket_cut() -> None:
    frames = [(fr(f"main.handler{i}", MAIN, i),) for i in range(60)]
    gs = tuple(g(i + 1, "chan receive", frames[i % 60]) for i in range(600))
    dump = Dump(kind="stack", goroutines=gs)
    a = Analysis(dump=dump, blocking={}, graph=nx.DiGraph(), findings=[], buckets=bucketize(dump), notes=[])
    out = render_text(a)
    assert out.splitlines()[0] == "Goroutine dump, 600 goroutines: no deadlock or leak found"
    assert "... 20 more buckets (200 goroutines): --all shows them" in out
    full = render_text(a, all=True)
    assert "more buckets" not in full
    assert all(f"main.handler{i} " in full for i in range(60))


def test_text_summary_of_several_dumps() -> None:
    out = render_text_summary([("a.txt", abba_analysis()), ("b.txt", empty_analysis())])
    lines = out.splitlines()
    assert lines[0].split() == ["source", "goroutines", "findings", "worst"]
    assert lines[1].split() == ["a.txt", "6", "1", "deadlock", "high"]
    assert lines[2].split() == ["b.txt", "1", "-", "-"]


def test_dump_text_lists_every_goroutine() -> None:
    out = render_dump_text(abba_dump("boom"))
    assert "panic: boom" in out
    for gid in (1, 6, 7, 8, 9, 10):
        assert f"goroutine {gid} [" in out
    assert "sync.(*Mutex).lockSlow(0xc000010010)  sync/mutex.go:171" in out


# --------------------------------------------------------------------------- json


def test_json_validates_against_schema() -> None:
    d = json.loads(render_json(abba_analysis()))
    assert d["schema"] == "stackparse/analysis/1"
    validate(d, load_schema("analysis-1.json"))
    assert d["findings"][0]["goroutines"] == [6, 7]


def test_dump_json_validates_against_schema() -> None:
    pytest.importorskip("stackparse.parsing")  # Frame.args parses lazily
    d = json.loads(render_dump_json(abba_dump("boom")))
    assert d["schema"] == "stackparse/dump/1"
    validate(d, load_schema("dump-1.json"))


def test_schemas_are_valid_json_schema_when_jsonschema_is_installed() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("stackparse.parsing")
    for name in ("analysis-1.json", "dump-1.json"):
        jsonschema.Draft202012Validator.check_schema(load_schema(name))
    jsonschema.validate(abba_analysis().to_dict(), load_schema("analysis-1.json"))
    jsonschema.validate(abba_dump("x").to_dict(), load_schema("dump-1.json"))


# --------------------------------------------------------------------------- dot / mermaid


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


def test_dot_structure_and_cycle_highlight() -> None:
    nodes, edges = check_dot(render_dot(abba_analysis()))
    assert '"g:6"' in nodes and '"mutex:0xc000010000"' in nodes
    cyc = [e for e in edges if "penwidth=2.5" in e[2]]
    assert len(cyc) == 4  # the four edges of the AB-BA cycle, not the blocked-behind one
    assert any("held-by (high)" in e[2] for e in edges)


def test_dot_all_includes_every_blocked_goroutine() -> None:
    a = abba_analysis()

    @dataclass
    class B:
        blocked: bool
        op: str = "mutex.lock"
        site: int | None = 4

    a.blocking = {gid: B(gid != 1) for gid in (1, 6, 7, 8, 9, 10)}
    nodes, _ = check_dot(render_dot(a, all=True))
    assert {'"g:8"', '"g:9"', '"g:10"'} <= nodes
    assert '"g:1"' not in nodes


def test_dot_and_mermaid_escape_hostile_labels() -> None:
    evil = 'x"; evil -> pwn [label="\\\n]} %% click n0 call alert() <b>'
    a = abba_analysis(title=evil)
    _nodes, _ = check_dot(render_dot(a))  # still parses: the quote cannot end the string
    assert dot_quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    m = render_mermaid(a)
    title_line = next(line for line in m.splitlines() if line.strip().startswith("subgraph"))
    assert '"' not in title_line.split('["', 1)[1][:-2]
    assert "<b>" not in m and "%%" not in m and "\n]}" not in m
    assert mermaid_escape('a"b<c>#') == "a#34;b#60;c#62;#35;"


def test_mermaid_structure() -> None:
    m = render_mermaid(abba_analysis())
    lines = m.splitlines()
    assert lines[0] == "flowchart LR"
    node_ids = set(re.findall(r"^\s+(n\d+)[\[(]", m, re.MULTILINE))
    links = re.findall(r"^\s+(n\d+) (?:-->|-\.->|==>)\|\"[^\"]*\"\| (n\d+)$", m, re.MULTILINE)
    assert len(links) == 5
    assert all(s in node_ids and t in node_ids for s, t in links)
    assert m.count("==>") == 4 and "linkStyle" in m
    assert m.count("subgraph") == m.count("\n  end")


# --------------------------------------------------------------------------- markdown


def test_markdown_compact_and_cut() -> None:
    md = render_markdown(abba_analysis())
    assert "**1. DEADLOCK** (high)" in md
    assert "held by goroutine 7" in md
    a = abba_analysis()
    a.findings = a.findings * 60
    md = render_markdown(a)
    assert len(md) <= 4000
    assert re.search(r"… \d+ more findings", md)


def test_markdown_escapes_dump_text() -> None:
    md = render_markdown(abba_analysis(title="[click](http://evil) <img src=x> `x`"))
    assert "[click](" not in md and "<img" not in md


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


def test_html_is_balanced_self_contained_and_has_the_parts() -> None:
    out = render_html(abba_analysis())
    c = check_html(out)
    assert c.remote == [] and c.handlers == []
    assert "<svg" in out and out.count("<details") >= 6 + 4  # every goroutine and every bucket
    assert 'id="g-6"' in out and 'href="#g-6"' in out
    assert out.count(" AB-BA lock-order deadlock</h3>") == 1
    assert "#d62728" in out  # cycle highlighted


def test_html_escapes_script_in_panic_and_labels() -> None:
    evil = "<script>alert(1)</script>"
    a = abba_analysis(panic=evil, title=f"deadlock {evil}")
    out = render_html(a)
    c = check_html(out)
    assert len(c.scripts) == 1 and "alert" not in c.scripts[0]
    assert evil not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert c.handlers == []


def test_html_escapes_function_names_and_attributes() -> None:
    a = abba_analysis()
    g6 = a.dump.goroutines[1]
    hostile = fr('main.x"onmouseover="alert(1)', MAIN, 3, "<img src=x onerror=alert(1)>")
    dump = Dump(
        kind="stack",
        goroutines=(g(6, g6.state, (hostile, *g6.frames), 2),),
    )
    a2 = Analysis(
        dump=dump, blocking={}, graph=a.graph, findings=a.findings, buckets=bucketize(dump), notes=[]
    )
    out = render_html(a2)
    c = check_html(out)
    assert c.handlers == [] and c.remote == []
    assert "<img" not in out


# --------------------------------------------------------------------------- layout


def test_layered_layout_breaks_cycles_and_orders_chain() -> None:
    lay = layered_layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")])
    assert [lay.layer[n] for n in "abcd"] == [0, 1, 2, 3]
    assert lay.reversed_edges == frozenset({("d", "a")})
    lay = layered_layout(["x", "y", "z"], [("x", "z"), ("y", "z")])
    assert lay.layer["z"] == 1 and {lay.order["x"], lay.order["y"]} == {0, 1}


# --------------------------------------------------------------------------- corpus (real pipeline)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("go1.*/*.txt"))


@pytest.mark.parametrize("path", corpus_files()[:80], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_format_on_corpus(path: Path) -> None:
    parse = pytest.importorskip("stackparse.parsing")
    detect = pytest.importorskip("stackparse.analysis")
    dumps = parse.parse_all(path.read_text(errors="replace"))
    if not dumps:
        pytest.skip("no dump")
    a = detect.analyze(dumps[0])
    text = render_text(a)
    assert all(len(line) <= 100 for line in text.splitlines())
    validate(json.loads(render_json(a)), load_schema("analysis-1.json"))
    validate(dumps[0].to_dict(), load_schema("dump-1.json"))
    check_dot(render_dot(a))
    check_dot(render_dot(a, all=True))
    assert render_mermaid(a).startswith("flowchart LR")
    assert len(render_markdown(a)) <= 4000
    c = check_html(render_html(a))
    assert len(c.scripts) == 1 and c.handlers == [] and c.remote == []


# --------------------------------------------------------------------------- fast JSON, summed-up weak findings


def _json_cases() -> list[Any]:
    class Str(str):
        pass

    class Dct(dict):  # type: ignore[type-arg]
        pass

    return [
        {}, [], (), "", 0, -1, 10**40, 1.5, -0.0, 1e300, float("nan"), [float("inf")], {"x": -float("inf")},
        None, True, False, {"a": [], "b": {}, "c": [[]], "d": [{}]},
        [1, 2.5, True, False, None, "é\n\"\\\x00\u2028", {"k": [1, [2, [3, []]]]}],
        {"t": (1, "x", None)}, {1: "int key"}, {None: 1, True: 2, 1.5: 3}, {(1,): "tuple key"},
        {"s": Str("sub")}, {Str("k"): 1}, [Dct(a=1)], {"x": {"y": Dct()}}, {"o": object()}, [set()],
        {"\x00\x01": ["\x02"], "emoji 🙂": "🙂"},
        {str(i): {"id": i, "handles": [hex(i)] * (i % 3), "x": None} for i in range(100)},
        {**{str(i): i for i in range(70)}, 5: "int key in a big map"},
    ]


def _finite(v: Any) -> Any:
    """``v`` with NaN and the infinities as None (strict JSON has no word for them)."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


@pytest.mark.parametrize("case", range(len(_json_cases())))
def test_dumps_indented_is_json_dumps_on_odd_values(case: int) -> None:
    """orjson writes the text, json.dumps what orjson refuses: the text reads back as what
    json.dumps wrote (NaN and infinities as null: strict JSON), and is the same text wherever
    no float needs an exponent or is not finite."""
    from stackparse.render.jsonout import dumps_compact, dumps_indented

    value = _json_cases()[case]
    try:
        want = json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        with pytest.raises(type(e)):
            dumps_indented(value)
        return
    got = dumps_indented(value)
    odd_floats = re.search(r"\d[eE]|NaN|Infinity", want) is not None
    assert got == want or odd_floats
    assert json.loads(got) == _finite(json.loads(want))
    assert json.loads(dumps_compact(value)) == json.loads(got) and "\n" not in dumps_compact(value)


@pytest.mark.parametrize("path", corpus_files()[::7], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_json_renderers_write_what_json_dumps_writes_on_corpus(path: Path) -> None:
    """render_json / render_dump_json write with orjson: the text is byte for byte what
    json.dumps(indent=2) writes for the same document."""
    from stackparse.render.jsonout import analysis_dict

    parse = pytest.importorskip("stackparse.parsing")
    detect = pytest.importorskip("stackparse.analysis")
    for dump in parse.parse_all(path.read_bytes()):
        a = detect.analyze(dump)
        assert render_json(a) == json.dumps(analysis_dict(a), indent=2, ensure_ascii=False) + "\n"
        assert render_dump_json(dump) == json.dumps(dump.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _many_low_analysis(n_low: int, n_notes: int = 0) -> Any:
    site = (fr("sync.runtime_SemacquireMutex", GOROOT + "/runtime/sema.go", 77), fr("main.reader", MAIN, 42))
    gs = [g(1, "running", (fr("main.main", MAIN, 10),))]
    gs += [g(100 + i, "semacquire", site) for i in range(n_low)]
    gs.append(g(99, "chan receive (nil chan)", (fr("main.block", MAIN, 7),)))
    dump = Dump(kind="stack", goroutines=tuple(gs))
    findings = [Finding("leak", "certain", "1 goroutine blocked forever", (99,), (), (), ())]
    findings += [
        Finding("leak", "low", f"1 goroutine wait for sema?g{100 + i}: no holder in sight", (100 + i,), (), (), ())
        for i in range(n_low)
    ]
    # each note its own text (notes that differ only in numbers are folded: see the test below)
    notes = [f"note {'abcdefghijklmnopqrstuvwxyz'[i % 26] * (1 + i // 26)} number {i}" for i in range(n_notes)]
    return Analysis(dump=dump, blocking={}, graph=nx.DiGraph(), findings=findings, buckets=bucketize(dump), notes=notes)


def test_text_sums_up_many_low_findings_by_site() -> None:
    a = _many_low_analysis(25)
    out = render_text(a)
    assert "1. LEAK (certain): 1 goroutine blocked forever" in out
    assert "LEAK (low): 1 goroutine waits for" not in out  # not drawn one by one...
    assert "Weak leads (low confidence): 25 findings at 1 site" in out  # ...but summed up
    assert "2. LEAK (low): 25 leads, 25 goroutines [semacquire] in main.reader" in out
    assert "goroutines 100, 101, 102" in out and "      svc/main.go:42" in out
    assert "e.g. 1 goroutine waits for a semaphore (address not in the dump)" in out
    assert "sema?g" not in out  # no graph key in the reader's text
    assert out.index("1. LEAK (certain)") < out.index("Weak leads")
    assert all(len(line) <= 80 for line in out.splitlines())
    # numbers run on without a gap: the weak leads after the findings
    assert "3. " not in out
    full = render_text(a, all=True)  # --all lists every goroutine of the site
    assert "124" in full and "... (" not in full.split("Weak leads")[1].split("\n\n")[0]


def test_text_cuts_long_note_lists() -> None:
    out = render_text(_many_low_analysis(1, n_notes=25))
    assert "note: note t number 19" in out and "number 20" not in out
    assert "... 5 more notes (--all shows them)" in out
    assert "note: note y number 24" in render_text(_many_low_analysis(1, n_notes=25), all=True)


def test_view_finds_graph_nodes_in_either_goroutine_spelling() -> None:
    from stackparse.render._common import View

    for spell in ("g{}", "g:{}"):
        graph = nx.DiGraph()
        graph.add_edge(spell.format(7), "mutex@0x10", kind="waits-for", confidence="certain", evidence="")
        graph.add_edge("mutex@0x10", spell.format(8), kind="held-by", confidence="high", evidence="")
        a = Analysis(dump=Dump(kind="stack"), blocking={}, graph=graph, findings=[], buckets=[], notes=[])
        view = View(a)
        assert view.successors("g:7") == ["mutex@0x10"]
        assert view.successors("mutex@0x10") == ["g:8"]
        assert view.successors("g:9") == [] and view.resource("mutex@0x99") is None


def test_text_report_sums_up_lock_contention_no_finding_explains() -> None:
    from stackparse.analysis import analyze
    from stackparse.parsing import parse_file

    a = analyze(parse_file(CORPUS / "go1.27" / "healthy_tenant_contention.stack.txt"))
    text = render_text(a)
    lines = text.splitlines()
    i = lines.index("Lock contention: 24 goroutines wait on 8 locks")
    assert lines[i + 1].strip() == "24 goroutines wait on 8 mutexes in main.(*tenant).get"
    assert lines[i + 2].strip().startswith("healthy_tenant_contention/main.go:")
    assert lines[i + 3].strip() == "each held by a goroutine in main.(*tenant).flush [chan receive] (medium)"
    holder = a.contention[0].holders[0]
    addr = a.contention[0].locks[0].partition("@")[2]
    assert lines[i + 5].strip() == f"e.g. mutex {addr} is held by goroutine {holder}"
    hidden = render_text(analyze(parse_file(CORPUS / "go1.27" / "healthy_tenant_hidden_holder.stack.txt")))
    assert "holder not inferred: no goroutine in sight holds them" in hidden
    # one waiter: every renderer says it the same way
    one = analyze(parse_file(CORPUS / "go1.27" / "healthy_lock_order.stack.txt"))
    assert "Lock contention: 1 goroutine waits on 1 lock" in render_text(one).splitlines()
    assert "**Lock contention**: 1 goroutine waits on 1 lock" in render_markdown(one)
    assert "<h2>Lock contention (1 goroutine waits on 1 lock)</h2>" in render_html(one)
    # a deadlock explains its waiters: no contention section
    abba = render_text(analyze(parse_file(CORPUS / "go1.27" / "bug_abba_mutex.stack.txt")))
    assert "DEADLOCK" in abba and "Lock contention" not in abba
    # markdown and HTML say the same
    md = render_markdown(a)
    assert "**Lock contention**: 24 goroutines wait on 8 locks" in md
    assert "- 24 goroutines wait on 8 mutexes in main.(\\*tenant).get (`healthy_tenant_contention/main.go:" in md
    page = render_html(a)
    assert "<h2>Lock contention (24 goroutines wait on 8 locks)</h2>" in page
    assert "each held by a goroutine in main.(*tenant).flush [chan receive] (medium)" in page
    # the JSON document carries it, valid against the schema
    doc = json.loads(render_json(a))
    assert doc["contention"][0]["waiters"] == 24 and doc["contention"][0]["held_at"]["function"] == "main.(*tenant).flush"
    schema = load_schema("analysis-1.json")
    validate(doc, schema)
    doc["contention"][0]["kind"] = "chan"
    with pytest.raises(AssertionError, match="contention"):
        validate(doc, schema)


def test_text_notes_alike_are_folded() -> None:
    from stackparse.analysis import analyze
    from stackparse.parsing import parse_file

    a = analyze(parse_file(CORPUS / "go1.27" / "healthy_tenant_contention.stack.txt"))
    alike = [n for n in a.notes if n.endswith("possible releasers, kept 16")]
    assert len(alike) >= 3
    text = render_text(a)
    assert text.count("possible releasers, kept 16") == 1
    assert f"      (and {len(alike) - 1} more like it)" in text.splitlines()
    full = render_text(a, all=True)
    assert full.count("possible releasers, kept 16") == len(alike) and "more like it" not in full
    # the HTML page keeps every note, the alike ones folded under the first
    page = render_html(a)
    assert page.count("possible releasers, kept 16</p>") == len(alike)
    assert f"<summary>{len(alike) - 1} more like it</summary>" in page
