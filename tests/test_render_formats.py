"""The other renderers (JSON, DOT, Mermaid, Markdown, HTML), the layered layout and the renderers'
shared view on hand-built analyses (AB-BA deadlock, hostile text), every format on corpus dumps,
and the fast JSON writer against json.dumps. The builders and checkers are in renderutil.py; the
text report is tested in test_render_text.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from renderutil import (
    MAIN,
    Analysis,
    abba_analysis,
    abba_dump,
    check_dot,
    check_html,
    corpus_files,
    fr,
    g,
    load_schema,
    validate,
)

from stackparse.buckets import bucketize
from stackparse.model import Dump
from stackparse.render import (
    dot_quote,
    mermaid_escape,
    render_dot,
    render_dump_json,
    render_html,
    render_json,
    render_markdown,
    render_mermaid,
    render_text,
)
from stackparse.render.layout import layered_layout

# --------------------------------------------------------------------------- tiny JSON Schema validator


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


# --------------------------------------------------------------------------- the view the renderers share


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


# --------------------------------------------------------------------------- corpus (real pipeline)


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


# --------------------------------------------------------------------------- fast JSON


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
