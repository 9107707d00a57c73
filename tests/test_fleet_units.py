"""stackparse.fleet without a cluster: targets, the worker-side summary of real corpus dumps,
aggregation and ranking, the SQLite history (growth, since when, retention), rendering and the
fleet-1 schema. The cluster, the live services and the killed worker are in test_fleet_cluster.py.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from goserver import closed_port

import stackparse
from stackparse.fleet import Target, TargetError, blocking_site, expand, render_html, render_json, render_text
from stackparse.fleet.report import Aggregator
from stackparse.fleet.store import History
from stackparse.fleet.tasks import FindingSummary, TargetSummary, summarize

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SCHEMA = ROOT / "stackparse" / "schema" / "fleet-1.json"
ABBA = CORPUS / "go1.27" / "bug_abba_mutex.stack.txt"
ABBA_LEAKPROF1 = CORPUS / "go1.27" / "bug_abba_mutex.leakprof1.txt"


# --------------------------------------------------------------------------- targets


def test_expand_dirs_globs_lists_urls_each_key_once(tmp_path):
    d = tmp_path / "dumps"
    d.mkdir()
    for name in ("a.txt", "b.txt.gz", "c.log", "skip.json"):
        (d / name).write_bytes(b"goroutine 1 [running]:\n")
    lst = tmp_path / "hosts.txt"
    lst.write_text(f"# fleet\nhttp://10.0.0.7:6060\n\n{d / 'a.txt'}\ndumps/c.log\n")
    got = expand([str(d), str(tmp_path / "dumps" / "*.txt"), f"@{lst}", "http://10.0.0.8:6060/debug/pprof/goroutine?debug=1"])
    assert [(t.kind, t.key) for t in got] == [
        ("file", str(d / "a.txt")),
        ("file", str(d / "b.txt.gz")),
        ("file", str(d / "c.log")),
        ("url", "http://10.0.0.7:6060/debug/pprof/goroutine?debug=2"),
        ("url", "http://10.0.0.8:6060/debug/pprof/goroutine?debug=1"),
    ]
    # a list file is also recognised without the @ when every line names a target
    assert expand([str(lst)])[0].key == "http://10.0.0.7:6060/debug/pprof/goroutine?debug=2"
    # but a dump is a dump
    assert expand([str(ABBA)]) == [Target("file", str(ABBA))]


@pytest.mark.parametrize("arg", ["/nonexistent/dump.txt", "/nonexistent/*.txt"])
def test_expand_names_what_is_missing(arg):
    with pytest.raises(TargetError, match="nonexistent"):
        expand([arg])


def test_expand_empty_directory(tmp_path):
    with pytest.raises(TargetError, match=r"no \*\.txt"):
        expand([str(tmp_path)])


# --------------------------------------------------------------------------- the worker's summary


def test_blocking_site_skips_runtime_sync_time_frames():
    a = stackparse.analyze(stackparse.parse_file(str(ABBA)))
    locked = [b for b in a.buckets if b.state == "sync.Mutex.Lock"]
    assert locked
    for b in locked:
        site = blocking_site(b.frames)
        assert site.startswith("main."), site
        fn, _, loc = site.partition(" ")
        first_user = next(f for f in b.frames if f.function.package == "main")
        assert (fn, loc) == (first_user.function.full, f"{first_user.file}:{first_user.line}")
    assert blocking_site([]) == "(no frames)"


def test_summarize_abba_deadlock_dump():
    s = summarize(Target("file", str(ABBA)))
    assert s.ok and s.dumps == 1 and s.bytes == ABBA.stat().st_size
    dump = stackparse.parse_file(str(ABBA))
    assert s.goroutines == len(dump.goroutines)
    assert s.blocked == sum(1 for g in dump.goroutines if g.state not in ("running", "runnable"))
    sites = {site: n for site, n, _ in s.sites}
    assert any(k.startswith("main.lockOrderWorkerA ") for k in sites)
    assert any(k.startswith("main.lockOrderWorkerB ") for k in sites)
    (deadlock,) = [f for f in s.findings if f.kind == "deadlock"]
    assert deadlock.site.split(" ")[0] in ("main.lockOrderWorkerA", "main.lockOrderWorkerB")
    assert deadlock.site in sites
    assert deadlock.confidence in ("high", "certain")


def test_summarize_pprof_debug1_finds_sites_from_titles():
    # the goroutineleak profile at debug=1: no goroutine ids, one certain leak per record
    s = summarize(Target("file", str(ABBA_LEAKPROF1)))
    assert s.ok
    got = sorted((f.site.split(" ")[0], f.goroutines, f.confidence) for f in s.findings)
    assert got == [
        ("main.lockOrderWorkerA", 1, "certain"),
        ("main.lockOrderWorkerB", 1, "certain"),
        ("main.waitsBehindDeadlock", 3, "certain"),
    ]
    assert {f.site for f in s.findings} <= {site for site, _, _ in s.sites}


def test_summarize_failures_are_reasons_not_exceptions(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a goroutine dump\n")
    binary = tmp_path / "profile.txt"
    binary.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    port = closed_port()
    got = {
        s.key: s
        for s in (
            summarize(Target("file", str(text))),
            summarize(Target("file", str(binary))),
            summarize(Target("file", str(tmp_path / "gone.txt"))),
            summarize(Target("url", f"http://127.0.0.1:{port}/debug/pprof/goroutine?debug=2"), timeout=5),
        )
    }
    kinds = {k: (s.ok, s.error_kind) for k, s in got.items()}
    assert kinds == {
        str(text): (False, "not a dump"),
        str(binary): (False, "not a dump"),
        str(tmp_path / "gone.txt"): (False, "unreadable"),
        f"http://127.0.0.1:{port}/debug/pprof/goroutine?debug=2": (False, "refused"),
    }
    assert "line 1" in got[str(text)].error


# --------------------------------------------------------------------------- aggregation


def _summary(key, sites, findings=()):
    return TargetSummary(key, True, bytes=100, dumps=1, goroutines=sum(n for _, n in sites) + 1,
                         sites=tuple((s, n, "chan send") for s, n in sites), findings=tuple(findings))


def test_aggregator_counts_each_target_once_and_ranks_large_and_widespread():
    agg = Aggregator()
    leak = FindingSummary("leak", "low", "main.f a.go:1", 3, "3 goroutines ...")
    assert agg.add(_summary("i1", [("main.f a.go:1", 3), ("main.big b.go:2", 100)], [leak]))
    assert agg.add(_summary("i2", [("main.f a.go:1", 5)], [FindingSummary("leak", "high", "main.f a.go:1", 5, "t")]))
    assert agg.add(_summary("i3", [("main.f a.go:1", 4)]))
    assert not agg.add(_summary("i1", [("main.f a.go:1", 1000)]))  # the same target again: ignored
    assert agg.add(TargetSummary("i4", False, "refused", "connection refused by ..."))
    r = agg.report()
    assert (r.targets, r.ok, r.failed) == (4, 3, 1)
    by = {s.site: s for s in r.sites}
    assert (by["main.f a.go:1"].goroutines, by["main.f a.go:1"].instances, by["main.f a.go:1"].max_per_instance) == (12, 3, 5)
    assert by["main.f a.go:1"].max_instance == "i2"
    # 100 goroutines on 1 of 3 instances (score 33.3) rank after 12 on 3 of 3? no: 33.3 > 12
    assert [s.site for s in r.sites] == ["main.big b.go:2", "main.f a.go:1"]
    (f,) = r.findings
    assert (f.kind, f.instances, f.goroutines, f.confidence, f.example) == ("leak", 2, 8, "high", "i2")
    assert r.failures == [("i4", "refused", "connection refused by ...")]


# --------------------------------------------------------------------------- history


def _scan_into(db, summaries, started):
    agg = Aggregator()
    with History(db) as h:
        h.begin(started)
        for s in summaries:
            agg.add(s)
            h.add(s)
        h.finish(agg.ok + agg.failed, agg.ok, agg.failed, started + 1)
        return agg.report(growth=h.growth(), previous=h.previous(), scan_id=h.scan_id)


def test_history_growth_since_when_and_ranking(tmp_path):
    db = tmp_path / "scans.sqlite"
    t0 = time.time() - 3000
    big = [("main.pool p.go:9", 500)]
    r1 = _scan_into(db, [_summary("a", big + [("main.leak l.go:5", 10)]), _summary("b", [("main.leak l.go:5", 10), ("main.conn c.go:1", 1)])], t0)
    assert r1.previous is None and all(s.growth is None for s in r1.sites)
    assert r1.sites[0].site == "main.pool p.go:9"
    r2 = _scan_into(db, [_summary("a", big + [("main.leak l.go:5", 30)]), _summary("b", [("main.leak l.go:5", 20), ("main.conn c.go:1", 3)])], t0 + 1000)
    # instance c is new: not compared; the leak grew on both common instances
    r3 = _scan_into(
        db,
        [_summary("a", big + [("main.leak l.go:5", 50)]), _summary("b", [("main.leak l.go:5", 20)]),
         _summary("c", [("main.leak l.go:5", 999)])],
        t0 + 2000,
    )
    assert r2.previous.id == 1 and r3.previous.id == 2 and r3.previous.instances_in_common == 2
    g2 = {s.site: s.growth for s in r2.sites}
    assert (g2["main.leak l.go:5"].instances, g2["main.leak l.go:5"].added, g2["main.leak l.go:5"].net) == (2, 30, 30)
    assert g2["main.leak l.go:5"].since == t0
    assert g2["main.pool p.go:9"].added == 0
    # the growing site ranks first although the pool is larger; a site that added fewer
    # goroutines than min_growth (10) ranks by its size
    assert [s.site for s in r2.sites] == ["main.leak l.go:5", "main.pool p.go:9", "main.conn c.go:1"]
    assert [s.growing for s in r2.sites] == [True, False, False]
    assert g2["main.conn c.go:1"].added == 2
    g3 = r3.sites[0].growth
    assert r3.sites[0].site == "main.leak l.go:5"
    assert (g3.instances, g3.added, g3.previous) == (1, 20, 50)
    assert g3.since == t0  # totals rose 20 -> 50 -> 1069: growing since the first scan


def test_history_site_gone_counts_as_fall(tmp_path):
    db = tmp_path / "h.sqlite"
    _scan_into(db, [_summary("a", [("main.x x.go:1", 7)])], 1000.0)
    r = _scan_into(db, [_summary("a", [("main.y y.go:1", 1)])], 2000.0)
    with History(db) as h:
        h.scan_id = r.scan_id
        g = h.growth()
    assert (g["main.x x.go:1"].net, g["main.x x.go:1"].added) == (-7, 0)
    assert (g["main.y y.go:1"].net, g["main.y y.go:1"].added, g["main.y y.go:1"].instances) == (1, 1, 1)


def test_history_retention_keeps_file_bounded(tmp_path):
    db = tmp_path / "r.sqlite"
    now = time.time()
    for i in range(6):
        _scan_into(db, [_summary(f"i{j}", [(f"main.s{i} s.go:{j}", j + 1)]) for j in range(50)], now - (6 - i) * 86400)
    with History(db) as h:
        assert len(h.scans()) == 6
        assert h.prune(keep_scans=3) == 3
        assert [s[0] for s in h.scans()] == [4, 5, 6]
        assert h.prune(retention_days=1.5) == 2  # scans 4 and 5 are older; the newest always stays
        assert [s[0] for s in h.scans()] == [6]
        sites = h.db.execute("SELECT COUNT(*) FROM sites").fetchone()[0]
        counts = h.db.execute("SELECT COUNT(*) FROM counts").fetchone()[0]
    assert (sites, counts) == (50, 50)  # only what scan 6 references is left


def test_history_rejects_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_text("not sqlite " * 100)
    from stackparse.fleet import FleetError, scan

    with pytest.raises(FleetError, match="history file"):
        scan([str(ABBA)], db=bad)


# --------------------------------------------------------------------------- rendering and schema


def _check_against_schema(doc, schema, defs):
    """additionalProperties false and required keys, recursively (jsonschema does more when installed)."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].split("/")[-1]]
    if "oneOf" in schema:
        if doc is None:
            return
        schema = next(s for s in schema["oneOf"] if s.get("type") == "object")
    if schema.get("type") == "object" and isinstance(doc, dict):
        props = schema.get("properties", {})
        assert set(schema.get("required", [])) <= set(doc), (schema.get("required"), list(doc))
        if schema.get("additionalProperties") is False:
            assert set(doc) <= set(props), set(doc) - set(props)
        for k, v in doc.items():
            if k in props:
                _check_against_schema(v, props[k], defs)
    if schema.get("type") == "array" and isinstance(doc, list):
        for v in doc:
            _check_against_schema(v, schema["items"], defs)


def test_reports_render_and_match_the_schema(tmp_path):
    db = tmp_path / "s.sqlite"
    _scan_into(db, [_summary("http://h1:6060/x", [("main.leak l.go:5", 1)])], time.time() - 60)
    agg = Aggregator()
    summaries = [
        _summary("http://h1:6060/x", [("main.leak l.go:5", 9)], [FindingSummary("leak", "low", "main.leak l.go:5", 9, "9 <leak>")]),
        TargetSummary("http://h2:6060/x", False, "not a dump", "not a goroutine dump (got text/html, page 'Sign in')"),
    ]
    with History(db) as h:
        h.begin()
        for s in summaries:
            agg.add(s)
            if s.ok:
                h.add(s)
        h.finish(2, 1, 1)
        r = agg.report(growth=h.growth(), previous=h.previous(), scan_id=h.scan_id, db=str(db))
    doc = json.loads(render_json(r))
    schema = json.loads(SCHEMA.read_text())
    _check_against_schema(doc, schema, schema["$defs"])
    assert doc["sites"][0]["growth"] == {"instances": 1, "added": 8, "net": 8, "previous": 1,
                                         "since": doc["scan"]["previous"]["started"], "growing": False}
    assert doc["scan"]["min_growth"] == 10
    assert doc["failures"][0]["error_kind"] == "not a dump"
    try:
        import jsonschema
    except ImportError:
        pass
    else:
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(doc, schema)
    text = render_text(r)
    assert "grew: +8 goroutines on 1 instance" in text  # below --min-growth 10
    assert "http://h2:6060/x: not a dump: not a goroutine dump" in text
    page = render_html(r)
    assert "9 &lt;leak&gt;" in page and "<leak>" not in page


def test_cli_fleet_bad_target_exits_2_without_traceback():
    from click.testing import CliRunner

    from stackparse.cli import cli

    res = CliRunner().invoke(cli, ["fleet", "/nonexistent/dir/*.txt"])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "matches no file" in res.output


def test_cli_fleet_retention_options_exclusive(tmp_path):
    from click.testing import CliRunner

    from stackparse.cli import cli

    res = CliRunner().invoke(cli, ["fleet", str(ABBA), "--retention-days", "1", "--keep-scans", "2"])
    assert res.exit_code == 2 and "not both" in res.output


def test_sizes_of_modules():
    for p in (ROOT / "stackparse" / "fleet").glob("*.py"):
        assert len(p.read_text().splitlines()) <= 600, p
    assert os.path.exists(SCHEMA)


def test_scheduler_without_workers_is_an_error_not_a_hang(monkeypatch):
    distributed = pytest.importorskip("distributed")
    import logging
    import sys

    from stackparse.fleet import FleetError, scan

    # stackparse.fleet.scan is also the name of the function: set the module's constant
    monkeypatch.setattr(sys.modules["stackparse.fleet.scan"], "WORKER_WAIT", 1.0)
    cluster = distributed.LocalCluster(
        n_workers=0, processes=False, dashboard_address=None, silence_logs=logging.CRITICAL
    )
    try:
        with pytest.raises(FleetError, match="no Dask worker joined"):
            scan([str(ABBA)], scheduler=cluster.scheduler_address)
    finally:
        cluster.close()


def test_other_sites_row_ranks_last():
    from stackparse.fleet.tasks import OTHER_SITES

    agg = Aggregator()
    agg.add(_summary("i1", [(OTHER_SITES, 10_000), ("main.f a.go:1", 5)]))
    assert [s.site for s in agg.report().sites] == ["main.f a.go:1", OTHER_SITES]
