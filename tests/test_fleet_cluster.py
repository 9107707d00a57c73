"""stackparse.fleet against real parts: a dask.distributed LocalCluster of 2 worker processes, a
directory of 1,000 real corpus dumps, real Go services (tests/pprofserver, several instances
with different leak rates) on loopback, a worker killed with SIGKILL mid-scan, and two scans
into one SQLite file.

The cluster is started once for the module; the killed-worker test runs last.
"""

from __future__ import annotations

import http.server
import json
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from goserver import closed_port, start_pprofserver

distributed = pytest.importorskip("distributed", reason="dask[distributed] is a test dependency: pip install -e '.[test]'")

from stackparse.fleet import Target, render_text, scan
from stackparse.fleet.report import Aggregator
from stackparse.fleet.scan import task_key
from stackparse.fleet.tasks import summarize

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "stackparse" / "schema" / "fleet-1.json"
N_DUMPS = 1000
LEAK_SITE_FN = "main.compute"  # tests/pprofserver/main.go: `ch <- 42` nobody receives


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
    )
    cl = distributed.Client(cluster)
    try:
        yield cl
    finally:
        cl.close()
        cluster.close()


@pytest.fixture(scope="module")
def thousand(tmp_path_factory):
    """1,000 distinct real dumps of the corpus (the smallest, to keep the suite fast), as
    symlinks named after their Go version and file: each is one instance."""
    files = sorted(ROOT.glob("corpus/go1.*/*.txt"), key=lambda p: (p.stat().st_size, str(p)))
    assert len(files) >= N_DUMPS
    # bug_abba_mutex's go1.27 dumps always among them (the deadlock row checked below), then the
    # smallest others: the corpus grows, and which dumps are smallest changes with it
    abba = [p for p in files if p.parent.name == "go1.27" and p.name.startswith("bug_abba_mutex.")]
    chosen = abba + [p for p in files if p not in abba][: N_DUMPS - len(abba)]
    d = tmp_path_factory.mktemp("fleet-1000")
    for i, p in enumerate(chosen):
        (d / f"{i:04d}-{p.parent.name}-{p.name}").symlink_to(p)
    return d


@pytest.fixture(scope="module")
def expected(thousand):
    """The same 1,000 dumps summarised in this process, one by one, and aggregated."""
    agg = Aggregator()
    for p in sorted(thousand.iterdir()):
        agg.add(summarize(Target("file", os.path.abspath(p))))
    return agg.report(top=None)


@pytest.fixture(scope="module")
def thousand_report(client, thousand):
    return scan([str(thousand)], client=client, top=None)


def _shape(report):
    sites = {s.site: (s.goroutines, s.instances, s.max_per_instance) for s in report.sites}
    findings = {(f.kind, f.site): (f.instances, f.goroutines, f.confidence) for f in report.findings}
    totals = (report.targets, report.ok, report.failed, report.dumps, report.bytes, report.goroutines, report.blocked)
    return totals, sites, findings


def test_thousand_corpus_dumps_on_two_workers(thousand_report, expected):
    r = thousand_report
    assert r.workers == 2
    assert (r.targets, r.ok, r.failed) == (N_DUMPS, N_DUMPS, 0)
    # the cluster's report is the single-process one: every target folded once, same numbers
    assert _shape(r) == _shape(expected)
    assert sum(s.goroutines for s in r.sites) == r.blocked > 0
    # one row per finding shape across instances: the AB-BA deadlock of bug_abba_mutex's
    # go1.27 dumps is one row whose instances are those dumps
    abba = [f for f in r.findings if f.kind == "deadlock" and "go1.27.3/bug_abba_mutex/" in f.site]
    assert abba and all(f.instances >= 2 for f in abba)


@pytest.fixture(scope="module")
def services(pprofserver_bin):
    """Three instances of the same service, leaking one goroutine every 20, 40 and 80 ms."""
    procs = []
    try:
        for every in ("20ms", "40ms", "80ms"):
            procs.append(start_pprofserver(pprofserver_bin.path, "-leak-every", every))
        yield [f"http://127.0.0.1:{port}" for _, port in procs]
    finally:
        for proc, _ in procs:
            proc.kill()
            proc.wait(timeout=30)
            proc.stdout.close()
            proc.stderr.close()


def test_live_services_two_scans_rank_the_growing_leak_first(client, services, tmp_path):
    db = tmp_path / "scans.sqlite"
    refused = f"http://127.0.0.1:{closed_port()}"
    login = services[0] + "/login"
    targets = [*services, refused, login]
    r1 = scan(targets, client=client, db=db, timeout=10)
    assert (r1.targets, r1.ok, r1.failed) == (5, 3, 2)
    assert {(k, t) for t, k, _ in r1.failures} == {
        ("refused", refused + "/debug/pprof/goroutine?debug=2"),
        ("not a dump", login),
    }
    assert r1.previous is None
    # the AB-BA deadlock of every instance is one row: deadlock at main.transfer in 3 of 3
    (dl,) = [f for f in r1.findings if f.kind == "deadlock"]
    assert dl.site.startswith("main.transfer ") and dl.instances == 3

    time.sleep(1.5)  # the leaks grow: at least 1.5 s / 80 ms = 18 goroutines per instance
    r2 = scan(targets, client=client, db=db, timeout=10)
    assert r2.previous is not None and r2.previous.id == r1.scan_id and r2.previous.instances_in_common == 3
    top = r2.sites[0]
    assert top.site.startswith(LEAK_SITE_FN + " ") and top.site.endswith("/main.go:46"), render_text(r2)
    assert top.instances == 3 and top.state == "chan send"
    g = top.growth
    assert g is not None and g.instances == 3 and g.added >= 3 * 15 and top.growing
    assert g.since == r1.started
    before = {s.site: s for s in r1.sites}[top.site]
    assert g.previous == before.goroutines and top.goroutines == before.goroutines + g.net
    # the faster a service leaks, the more it holds
    per = {s: summarize(Target("url", s + "/debug/pprof/goroutine?debug=2")) for s in services}
    leaked = [dict((site, n) for site, n, _ in per[s].sites)[top.site] for s in services]
    assert leaked[0] > leaked[1] > leaked[2]

    # the command line against the same cluster as an existing scheduler, into the same file
    from click.testing import CliRunner

    from stackparse.cli import cli

    time.sleep(1.0)  # at least 1 s / 80 ms = 12 more goroutines per instance: above --min-growth 10
    res = CliRunner().invoke(
        cli,
        ["fleet", *targets, "--scheduler", client.scheduler.address, "--db", str(db), "--format", "json",
         "--keep-scans", "2"],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["scan"]["scheduler"] == client.scheduler.address and doc["scan"]["workers"] == 2
    assert doc["scan"]["previous"]["id"] == r2.scan_id
    assert doc["sites"][0]["site"] == top.site and doc["sites"][0]["growth"]["instances"] == 3
    assert doc["sites"][0]["growth"]["growing"] is True
    assert doc["totals"]["failed"] == 2
    from stackparse.fleet.store import History

    with History(db) as h:  # --keep-scans 2: the first scan is gone
        assert [sid for sid, *_ in h.scans()] == [r2.scan_id, doc["scan"]["id"]]
    try:
        import jsonschema
    except ImportError:
        pass
    else:
        jsonschema.validate(doc, json.loads(SCHEMA.read_text()))


@pytest.fixture
def slow_dumps():
    """A loopback HTTP server that answers each GET with a real corpus dump after 0.3 s, so a
    worker is surely busy with one when it is killed."""
    body = (ROOT / "corpus" / "go1.27" / "bug_abba_mutex.pprof2.txt").read_bytes()

    class Slow(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(0.3)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield [f"http://127.0.0.1:{srv.server_address[1]}/slow/{i}" for i in range(40)]
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=10)


def test_worker_killed_mid_scan_every_target_once(client, thousand, expected, slow_dumps):
    """SIGKILL one of the two worker processes while it runs a task, after 150 of 1,040
    targets: the scheduler reschedules what it held, the nanny starts a new worker, and every
    target is reported once, ok, with the same numbers as the single-process loop."""
    pids = client.run(os.getpid)
    assert len(pids) == 2
    victim_addr, victim = sorted(pids.items())[0]
    by_digest = {task_key("", t).rsplit("-", 1)[1]: t for t in slow_dumps}
    in_flight: list[str] = []
    seen = []

    def on_result(summary, done, total):
        seen.append(summary.key)
        if done >= 150 and not in_flight:  # kill once the victim holds one of the slow targets
            busy = client.processing().get(victim_addr, ())
            slow = [by_digest[k.rsplit("-", 1)[1]] for k in busy if k.rsplit("-", 1)[1] in by_digest]
            if slow:
                os.kill(victim, signal.SIGKILL)
                in_flight.extend(slow)

    # the slow targets are spread through the list, so that some are left when it dies
    files = sorted(str(p) for p in thousand.iterdir())
    targets = [x for i, f in enumerate(files) for x in ([f, slow_dumps[i // 25]] if i % 25 == 24 else [f])]
    r = scan(targets, client=client, top=None, on_result=on_result)
    assert in_flight, "nothing was killed mid-task"
    assert set(in_flight) <= set(seen)  # what the dead worker held was run again, and reported
    assert len(seen) == len(set(seen)) == N_DUMPS + len(slow_dumps)
    assert (r.targets, r.ok, r.failed) == (N_DUMPS + len(slow_dumps), N_DUMPS + len(slow_dumps), 0)
    # the 40 served dumps add the same dump 40 times; the 1,000 files are as in one process
    served = summarize(Target("file", str(ROOT / "corpus" / "go1.27" / "bug_abba_mutex.pprof2.txt")))
    (abba_site,) = {f.site for f in served.findings if f.kind == "deadlock"}
    totals, _, findings = _shape(r)
    assert totals[3] == expected.dumps + len(slow_dumps)
    assert findings[("deadlock", abba_site)][0] == expected_instances(expected, "deadlock", abba_site) + len(slow_dumps)
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()


def expected_instances(report, kind, site):
    return next((f.instances for f in report.findings if (f.kind, f.site) == (kind, site)), 0)
