"""The false-alarm classes of issue 15, each on real dumps: what the rules of evidence say.

Healthy real servers (``corpus/servers/``: etcd, prometheus, influxdb, dockerd) and the
healthy_* programs of the corpus. Each test names the class it holds to:

* (A) sibling background loops of one object, in ``select``, are no deadlock at medium or above;
* (B) goroutines parked in ``select`` at one site are a lead, never a medium leak;
* (C) consumers parked in ``chan receive`` at one site with no sender are a lead;
* (D) Cond waiters whose notify-list ticket has advanced have a signaller;
* waiters that would all "re-lock" from one place cannot all hold the lock (influxdb, dockerd).

The server dumps are read from ``corpus/servers/`` (or ``$STACKPARSE_SERVERS``); a test whose
dump is not there skips and says so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import stackparse

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def _servers() -> Path | None:
    for d in (os.environ.get("STACKPARSE_SERVERS"), ROOT / "corpus" / "servers"):
        if d and Path(d).is_dir():
            return Path(d)
    return None


def _server_dump(rel: str) -> Path:
    root = _servers()
    if root is None or not (root / rel).exists():
        pytest.skip(f"server dump {rel} is not in corpus/servers (set STACKPARSE_SERVERS)")
    return root / rel


def _analyze(path: Path):  # type: ignore[no-untyped-def]
    return stackparse.analyze(stackparse.parse_file(str(path)))


@pytest.mark.parametrize("mode", ["idle.pprof2", "idle.sigquit", "load.pprof2", "load.sigquit"])
def test_etcd_sibling_loops_and_select_sites_are_leads(mode: str) -> None:
    """(A) watchableStore.syncWatchersLoop / syncVictimsLoop carry one receiver and wait in
    select: before, a deadlock (medium) through two select nodes. (B) rafthttp pipelines and
    probers parked in select at one site: before, leaks (medium). (C) MergeLogger.outputLoop,
    three receivers at one site: before, a leak (medium). Now nothing at medium or above, and each
    lead says why it is only a lead."""
    a = _analyze(_server_dump(f"etcd/etcd.{mode}.txt"))
    assert a.at_least("medium") == []
    loops = [f for f in a.findings if "syncWatchersLoop" in f.title or "syncVictimsLoop" in f.title]
    assert loops and all(f.confidence == "low" for f in loops)
    assert any("select" in n and "not printed" in n for f in loops for n in f.notes)
    merge = [f for f in a.findings if "MergeLogger" in f.title]
    assert merge and merge[0].confidence == "low" and merge[0].count == 3
    assert any("not by themselves a leak" in n for n in merge[0].notes)


@pytest.mark.parametrize("mode", ["idle.pprof2", "load.sigquit"])
def test_prometheus_scrape_loops_in_select_are_leads(mode: str) -> None:
    """(B) per-target scrape loops and per-group rule timers wait in select at one site."""
    a = _analyze(_server_dump(f"prometheus/prometheus.{mode}.txt"))
    assert a.at_least("medium") == []
    scrape = [f for f in a.findings if "scrapeLoop" in f.title]
    assert scrape and all(f.confidence == "low" and f.rule == "leakprof-site" for f in scrape)


def test_influxdb_wal_writers_are_not_three_relockers() -> None:
    """Three WAL writers wait for one RWMutex, each from a method of the WAL above the locking
    one: a lock has one holder, so the three standing at one place are no re-lock evidence.
    Before: a deadlock (medium) of three goroutines through the WAL's lock."""
    a = _analyze(_server_dump("influxdb/influxdb.load.sigquit.txt"))
    assert [f for f in a.findings if f.kind == "deadlock" and f.at_least("medium")] == []


@pytest.mark.parametrize("mode", ["idle.sigquit", "load.sigquit"])
def test_dockerd_lone_cond_waits_and_volume_lock_are_leads(mode: str) -> None:
    """(D) dockerd's stats collector and buildkit scheduler wait on a Cond nobody carries yet
    (the signaller is a request still to come); the volume store's lock is waited on from a
    method of the store while other request handlers are alive. Before: leaks (medium) and a
    self-deadlock (high)."""
    a = _analyze(_server_dump(f"dockerd/dockerd.{mode}.txt"))
    assert a.at_least("medium") == []
    cond = [f for f in a.findings if f.rule == "cond-no-signaller"]
    assert cond and all(f.confidence == "low" for f in cond)


@pytest.mark.parametrize("version", ["go1.21", "go1.24", "go1.27"])
def test_cond_queue_ticket_shows_a_signaller(version: str) -> None:
    """(D) healthy_cond_queue: five consumers in Cond.Wait on a queue a ticker-driven producer
    fills. In the SIGQUIT dump the producer waits on its ticker's channel, so it is stuck in sight
    of the dump; but the consumers' notify-list tickets are far above 0: earlier waits were
    signalled. Before: "nobody can signal" (medium) and the producer a leak (medium)."""
    path = CORPUS / version / "healthy_cond_queue.sigquit.txt"
    if not path.exists():
        pytest.skip(f"{path.name} not captured for {version}")
    a = _analyze(path)
    assert a.at_least("medium") == []
    [cond] = [f for f in a.findings if f.rule == "cond-no-signaller"]
    assert any("ticket(s) before these waits" in n for n in cond.notes), cond.notes


def test_sender_whose_receiver_is_gone_is_medium_with_its_evidence() -> None:
    """bug_leak_unbuffered (Go 1.27): 50 senders whose handler returned on its timeout. The
    evidence that raises them is written down: the goroutine that started each has exited."""
    a = _analyze(CORPUS / "go1.27" / "bug_leak_unbuffered.stack.txt")
    [f] = [f for f in a.findings if "computeResultLeaky" in f.title]
    assert f.confidence == "medium" and f.count == 50
    assert any(n.startswith("evidence: a send whose receiver is gone") and "has exited" in n for n in f.notes)


def test_static_words_are_not_shared_objects() -> None:
    """In a 64-bit dump, words below 4 GiB (globals, types, durations) never index goroutines
    together: bug_hidden_deadlock's workers all carry the same five small words (0x4c4b40 =
    5,000,000 and its like), which relate nothing."""
    d = stackparse.parse_file(str(CORPUS / "go1.27" / "bug_hidden_deadlock.stack.txt"))
    a = stackparse.analyze(d)
    ix = a.wait_graph.index
    assert ix.static_limit == 1 << 32
    assert all(w >= ix.static_limit for w in ix.word_refs if w not in {b.address for b in a.blockings.values()})
    assert 0x4C4B40 not in ix.word_refs


def _goleak_dump(path: Path):  # type: ignore[no-untyped-def]
    """The dump of goleak's report in a real ``go test`` log, with its ``test_report``."""
    dumps = [d for d in stackparse.parse_file_all(str(path)) if d.goroutines]
    d = max(dumps, key=lambda x: len(x.goroutines))
    assert d.test_report is not None and d.test_report.tool == "goleak"
    return d


def test_goleak_verdict_raises_what_it_listed() -> None:
    """A real `go test` log (the ci helper's leaky packages, Go 1.27): goleak listed a pool worker
    stuck in Mutex.Lock and one in chan send after TestPool ended. goleak's report lists only
    some goroutines, so "no other goroutine carries the lock" proves nothing (no self-deadlock
    is read into the Mutex wait); its verdict is evidence that each outlived its test: medium,
    and every finding about them says so."""
    d = _goleak_dump(ROOT / "corpus" / "gotest" / "go1.27" / "leaky.gotest.txt")
    a = stackparse.analyze(d)
    assert not any("self-deadlock in one frame" in e.evidence for f in a.findings for e in f.edges)
    listed = set(d.test_report.goroutine_ids)
    named = set().union(*(set(f.goroutines) for f in a.at_least("medium")))
    assert listed <= named
    assert all(any("goleak listed it" in n for n in f.notes) for f in a.findings if listed & set(f.goroutines))


def _bug_dump(name: str) -> Path:
    p = CORPUS / "go1.27" / name
    assert p.exists(), p
    return p


def test_abba_over_package_level_mutexes_ranks_the_candidates() -> None:
    """bug_abba_global: postEntry holds ledgerMu and waits for auditMu, rotateAudit the reverse;
    two ledgerQuery goroutines queue on ledgerMu. No goroutine carries either (package-level)
    lock's address. Before: the two ledgerQuery goroutines were holder candidates too, and the
    deadlock named all four. Now the two standing at one place are ruled out (a mutex has one
    holder), the cycle is the two lockers, and the queued ones are blocked behind it."""
    a = _analyze(_bug_dump("bug_abba_global.stack.txt"))
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    names = {a.dump.goroutines[[g.id for g in a.dump.goroutines].index(x)].frames[-1].function.full for x in f.goroutines}
    assert len(f.goroutines) == 2 and len(f.blocked_behind) == 2, (f.goroutines, f.blocked_behind, names)
    held = [e for e in f.edges if e.kind == "held-by"]
    assert any("a package-level lock?" in e.evidence and "ruled out" in e.evidence for e in held), held


def test_self_deadlock_in_one_frame_is_found() -> None:
    """bug_dl_inline_self: chargeTwice locks q.mu, then locks it again where it meant Unlock;
    two readers queue behind. No other goroutine carries the lock; the waiter blocks in a method
    whose receiver holds the lock 16 bytes in. Before: a low lock-no-holder leak."""
    a = _analyze(_bug_dump("bug_dl_inline_self.stack.txt"))
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium") and len(f.goroutines) == 1 and len(f.blocked_behind) == 2
    assert any("self-deadlock in one frame?" in e.evidence for e in f.edges if e.kind == "held-by")


def test_rwr_without_printed_addresses_is_found() -> None:
    """bug_rwr_global in a runtime.Stack dump: topoPath holds topoMu.RLock and takes it again in
    topoNeighbors while topoRebuild waits in Lock; two probes queue behind. RLock and Lock are
    inlined, so no RWMutex address is printed. Before: four separate low "no holder" leaks. Now
    the readers queue behind the only pending writer in sight, and the cycle is reported."""
    a = _analyze(_bug_dump("bug_rwr_global.stack.txt"))
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium") and "recursive RLock behind a pending writer" in f.title
    assert any("only pending writer in sight" in e.evidence for e in f.edges)


@pytest.mark.parametrize("mode", ["stack", "leak"])
def test_static_addresses_do_not_tie_unrelated_resumers(mode: str) -> None:
    """healthy_static_resumers (the CockroachDB job-resumer shape): four unrelated resumers wait
    in select and share only package-level state (a global registry and wake-up channel: static
    addresses). Nothing at medium or above; where the dump shows it is 64-bit (a word above
    4 GiB), no word below 4 GiB is indexed as a shared object."""
    a = _analyze(_bug_dump(f"healthy_static_resumers.{mode}.txt"))
    assert a.at_least("medium") == []
    ix = a.wait_graph.index
    assert not ix.static_limit or not [w for w in ix.word_refs if w < ix.static_limit and w not in {b.address for b in a.blockings.values()}]
