"""The library as an incident bot uses it (issue 17), on real corpus dumps."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

import stackparse

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SCHEMA = Path(stackparse.__file__).parent / "schema" / "analysis-1.json"


def _analysis(name: str) -> stackparse.Analysis:
    return stackparse.analyze(stackparse.parse_file(str(CORPUS / "go1.27" / name)))


def test_graph_is_the_digraph_and_summary_is_data() -> None:
    a = _analysis("bug_abba_mutex.stack.txt")
    assert isinstance(a.graph, nx.DiGraph)
    assert isinstance(a.summary, dict) and a.summary == a.to_dict()["summary"]
    assert a.summary["findings_by_kind"] == {"deadlock": 1}


def test_findings_carry_enums_sites_and_one_node_spelling() -> None:
    a = _analysis("bug_abba_mutex.stack.txt")
    [f] = a.findings
    assert f.kind is stackparse.Kind.DEADLOCK and f.kind == "deadlock"
    assert isinstance(f.confidence, stackparse.Confidence) and f.confidence >= stackparse.Confidence.MEDIUM
    # where each goroutine of the cycle waits: its call site, file and line
    assert {s.function for s in f.sites} == {"main.lockOrderWorkerA", "main.lockOrderWorkerB"}
    assert all(s.file.endswith("bug_abba_mutex/main.go") and s.line > 0 for s in f.sites)
    # node ids: the library's graph and the JSON spell them alike
    doc = a.to_dict()["findings"][0]
    assert {e["source"] for e in doc["edges"]} | {e["target"] for e in doc["edges"]} <= set(a.graph.nodes)
    assert all(f"g:{g}" in a.graph for g in f.goroutines)
    assert doc["sites"] == [s.to_dict() for s in f.sites]


def test_confidence_is_ordered_by_rank_not_spelling() -> None:
    c = stackparse.Confidence
    assert c.LOW < c.MEDIUM < c.HIGH < c.CERTAIN
    assert sorted([c.CERTAIN, c.LOW, c.HIGH, c.MEDIUM]) == [c.LOW, c.MEDIUM, c.HIGH, c.CERTAIN]
    assert c.HIGH >= "medium" and json.dumps(c.HIGH) == '"high"'


@pytest.mark.parametrize("name", ["bug_abba_mutex.stack.txt", "bug_leak_unbuffered.sigquit.txt", "bug_nil_chan.pprof2.txt"])
def test_findings_most_certain_first_and_every_returned_type_exported(name: str) -> None:
    a = _analysis(name)
    ranks = [f.confidence for f in a.findings]
    assert ranks == sorted(ranks, reverse=True)
    for obj, cls in (
        (a, stackparse.Analysis),
        (a.wait_graph, stackparse.WaitGraph),
        (a.buckets[0], stackparse.Bucket),
        (next(iter(a.blockings.values())), stackparse.Blocking),
    ):
        assert isinstance(obj, cls)
    for f in a.findings:
        assert isinstance(f, stackparse.Finding)
        assert all(isinstance(e, stackparse.Edge) for e in f.edges)
        assert all(isinstance(s, stackparse.Site) for s in f.sites)


def test_json_keys_are_documented_by_the_schema() -> None:
    """Every key the document carries is in analysis-1.json; a select resource is not exact."""
    schema = json.loads(SCHEMA.read_text())
    a = _analysis("bug_leak_unbuffered.sigquit.txt")
    doc = a.to_dict()
    assert set(doc) <= set(schema["properties"])
    finding_keys = set(schema["$defs"]["finding"]["properties"])
    for f in doc["findings"]:
        assert set(f) <= finding_keys
        for r in f["resources"]:
            assert r["exact"] == (r["address"] is not None)
    sel = _analysis("bug_leak_unbuffered.stack.txt").to_dict()
    for f in sel["findings"]:
        for r in f["resources"]:
            if r["kind"] == "select":
                assert r["address"] is None and r["exact"] is False
