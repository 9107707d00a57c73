"""detect: findings, their confidence and the double-reporting rule, on hand-built dumps; and
the findings on a large dump (speed is measured by bench/, not here)."""

from __future__ import annotations

import random
from collections import deque
from pathlib import Path

import networkx as nx
import pytest
from conftest import DUMP_EXAMPLES
from gotext import dumps as gen_dumps
from gotext import write_dump
from hypothesis import given, settings
from test_blocking import G, fn

from stackparse.analysis import analyze
from stackparse.analysis import deadlocks as dl_mod
from stackparse.analysis import doomed as doomed_mod
from stackparse.analysis.graph import build_graph
from stackparse.analysis.nodes import gnode
from stackparse.model import Dump, Preamble, ProfileFrame, ProfileRecord
from stackparse.parsing import parse

MAIN = G(1, "running", "main.main()", created_by=None)


def D(*gs, kind="stack", fatal=None):
    return Dump(kind=kind, goroutines=tuple(gs), preamble=Preamble(fatal_error=fatal))


def lock(gid, addr, *user, state="sync.Mutex.Lock", parent=1, created_by="main.setup"):
    return G(gid, state, "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)", f"sync.(*Mutex).lockSlow({addr})", "sync.(*Mutex).Lock(...)", *user, parent=parent, created_by=created_by)


A, B = "0xc0000120b0", "0xc0000120b8"


def abba():
    return [
        lock(6, B, f"main.lockOrderWorkerA({A}, {B})"),
        lock(7, A, f"main.lockOrderWorkerB({A}, {B})"),
        lock(8, A, f"main.waitsBehindDeadlock({A}, 0x0)"),
        lock(9, A, f"main.waitsBehindDeadlock({A}, 0x1)"),
    ]


def test_abba_deadlock_with_blocked_behind():
    a = analyze(D(MAIN, *abba()))
    [f] = a.findings
    assert f.kind == "deadlock" and f.confidence == "high"
    assert f.goroutines == (6, 7) and f.blocked_behind == (8, 9)
    assert {e.kind for e in f.edges} == {"waits-for", "held-by"}
    assert all(e.evidence for e in f.edges)
    assert "deadlock" in f.title


def test_three_cycle():
    m = ["0xc000092010", "0xc000092018", "0xc000092020"]
    gs = [lock(18 + i, m[(i + 1) % 3], f"main.lockCycleStage{i}({m[i]}, {m[(i + 1) % 3]})") for i in range(3)]
    [f] = analyze(D(MAIN, *gs)).findings
    assert f.goroutines == (18, 19, 20) and f.kind == "deadlock" and f.at_least("high")


def test_two_sccs_are_two_findings():
    C, E = "0xc0000130b0", "0xc0000130b8"
    more = [lock(16, E, f"main.x({C}, {E})"), lock(17, C, f"main.y({C}, {E})")]
    a = analyze(D(MAIN, *abba(), *more))
    dl = [f for f in a.findings if f.kind == "deadlock"]
    assert sorted(f.goroutines for f in dl) == [(6, 7), (16, 17)]


def test_self_deadlock_via_receiver():
    refresh = lock(19, "0xc0000a0020", "main.(*sessionCache).lookup(0x0?, {0x4d5a39?, 0x4?})", "main.(*sessionCache).Refresh(0xc0000a0018)", "main.runSessionCacheRefresh(0x0?)")
    reader = lock(20, "0xc0000a0020", "main.(*sessionCache).lookup(0x5f5e100?, {0x4d5a39?, 0x4?})", "main.sessionCacheReader(0xc0000a0018)")
    [f] = analyze(D(MAIN, refresh, reader)).findings
    assert f.goroutines == (19,) and f.blocked_behind == (20,) and "self-deadlock" in f.title


def test_lock_held_across_channel_send():
    sender = G(6, "chan send", "main.lockHeldWhileSending(0x0?, 0x0?)", parent=1)
    recv = lock(7, "0xc0000120b0", "main.receiverNeedsLock(0xc0000120b0, 0xc0000700c0)")
    [f] = analyze(D(MAIN, sender, recv)).findings
    assert f.kind == "deadlock" and f.goroutines == (6, 7) and f.confidence == "medium"
    assert any("closed world" in n for n in f.notes)


def test_nil_channel_and_empty_select_are_certain_leaks():
    gs = [
        G(5, "chan send (nil chan)", "main.nilChanSender(0x0?, 0x0)", parent=1),
        G(8, "chan send (nil chan)", "main.nilChanSender(0x0?, 0x1)", parent=1),
        G(6, "chan receive (nil chan)", "main.nilChanReceiver(0x0?)", parent=1),
        G(7, "select (no cases)", "main.emptySelectBlocker(0x0?)", parent=1),
    ]
    fs = analyze(D(MAIN, *gs)).findings
    assert sorted((f.goroutines, f.confidence) for f in fs) == [((5, 8), "certain"), ((6,), "certain"), ((7,), "certain")]


def test_main_select_forever_is_not_a_leak():
    m = G(1, "select (no cases)", "main.main()", created_by=None)
    a = analyze(D(m, kind="fatal", fatal=None))
    assert not a.findings and any("block-forever" in n for n in a.notes)


def test_leakprof_site_sender_whose_receiver_is_gone():
    """Senders whose creator has exited (the caller that would receive returned early) earn
    medium, one alone as well as twelve; the count itself raises nothing."""
    many = [G(100 + i, "chan send", f"main.computeResultLeaky({i:#x}, 0xc0000{i:03x}00)", created_by="main.handleWithTimeout", parent=50 + i) for i in range(12)]
    for n in (12, 2, 1):
        [f] = analyze(D(MAIN, *many[:n])).findings
        assert f.kind == "leak" and f.confidence == "medium" and f.count == n and f.rule == "leakprof-site"
        assert any("receiver is gone" in x and "has exited" in x for x in f.notes), f.notes


def test_leakprof_site_count_alone_is_a_lead():
    """Twelve senders started by main.main, which is still running: nothing says their receiver
    is gone, and twelve alike at one site is no evidence: a lead (low), which says why."""
    many = [G(100 + i, "chan send", f"main.produce({i:#x}, 0xc0000{i:03x}00)", created_by="main.main", parent=1) for i in range(12)]
    [f] = analyze(D(MAIN, *many)).findings
    assert f.confidence == "low" and f.count == 12
    assert any("not by themselves a leak" in x for x in f.notes), f.notes


def test_wait_minutes_are_noted_not_evidence():
    g = [G(100, "chan receive", "main.subscriber(0xc000010000)", minutes=42, created_by="main.main", parent=1), G(101, "chan receive", "main.subscriber(0xc000010000)", minutes=40, created_by="main.main", parent=1)]
    [f] = analyze(D(MAIN, *g)).findings
    assert f.confidence == "low" and any("42 minutes" in n for n in f.notes)


def test_healthy_pool_has_no_finding():
    workers = [G(19 + i, "chan receive", "main.worker(0xc000094108)", parent=1) for i in range(8)]
    producer = G(27, "sleep", "time.Sleep(0x3b9aca00)", "main.producer(0xc000094108)", parent=1)
    ticker = [G(28 + i, "select", "main.tickerLoop(0xc000080120)", parent=1) for i in range(3)]
    accept = G(32, "IO wait", "internal/poll.runtime_pollWait(0x7fe0d7494e60, 0x72)", "internal/poll.(*FD).Accept(0xc0000e8080)", "net/http.(*Server).Serve(0xc0000f6000, {0x776e50, 0xc0000b40c0})", parent=1)
    wgw = G(38, "semacquire", "sync.runtime_Semacquire(0x0?)", "sync.(*WaitGroup).Wait(0x0?)", "main.setup.func4()", parent=1)
    sleepers = [G(36 + i, "sleep", "time.Sleep(0x2540be400)", "main.setup.func3()", parent=1) for i in range(2)]
    a = analyze(D(MAIN, *workers, producer, *ticker, accept, wgw, *sleepers))
    assert not a.at_least("medium"), [f.title for f in a.findings]


def test_waitgroup_on_stuck_workers_is_one_leak():
    workers = [G(18 + i, "chan receive", "main.wgWorkerStuckOnChan(0x0?, 0x0?)", parent=1) for i in range(3)]
    waiter = G(21, "semacquire", "sync.runtime_Semacquire(0x0?)", "sync.(*WaitGroup).Wait(0x0?)", "main.wgWaiterForever(0x0?)", parent=1)
    [f] = analyze(D(MAIN, *workers, waiter)).findings
    # the wait is as sure as its workers' waits: three receivers alike at one site are a lead
    assert f.kind == "leak" and f.goroutines == (18, 19, 20, 21) and f.rule == "waitgroup-stuck-workers"
    assert f.confidence == "low"


def test_cond_nobody_can_signal():
    gs = [G(18 + i, "sync.Cond.Wait", f"sync.runtime_notifyListWait(0xc00009a050, {i:#x})", "sync.(*Cond).Wait(0x0?)", "main.condWaitForever(0xc000090180)", parent=1) for i in range(5)]
    [f] = analyze(D(MAIN, *gs)).findings
    assert f.kind == "leak" and f.confidence == "medium" and f.resources == ("cond@0xc00009a040",)


def test_cond_ticket_advanced_is_a_lead():
    """Tickets 30..34: thirty earlier waits were woken, so something signals this Cond."""
    gs = [G(18 + i, "sync.Cond.Wait", f"sync.runtime_notifyListWait(0xc00009a050, {30 + i:#x})", "sync.(*Cond).Wait(0x0?)", "main.condWaitForever(0xc000090180)", parent=1) for i in range(5)]
    [f] = analyze(D(MAIN, *gs)).findings
    assert f.confidence == "low" and any("30 ticket(s)" in n for n in f.notes), f.notes


def test_cond_with_live_signaller_is_healthy():
    gs = [G(18 + i, "sync.Cond.Wait", "sync.runtime_notifyListWait(0xc00009a050, 0x1)", "sync.(*Cond).Wait(0x0?)", "main.consumer(0xc000090180)", parent=1) for i in range(5)]
    prod = G(30, "sleep", "time.Sleep(0x989680)", "main.producer(0xc000090180)", parent=1)
    assert not analyze(D(MAIN, *gs, prod)).findings


def test_global_deadlock_rule():
    """The runtime's report is one certain finding listing every blocked goroutine; the cycle
    inside it stays its own finding (inferred findings never share goroutines; a goroutine may
    appear in one inferred and one runtime-proven finding)."""
    m = G(1, "select (no cases)", "main.main()", created_by=None)
    a = analyze(D(m, *abba(), kind="fatal", fatal="all goroutines are asleep - deadlock!"))
    cyc = [f for f in a.findings if f.rule == "cycle"]
    glob = [f for f in a.findings if f.rule == "runtime-global-deadlock"]
    assert len(cyc) == 1 and cyc[0].goroutines == (6, 7) and cyc[0].blocked_behind == (8, 9)
    assert len(glob) == 1 and glob[0].confidence == "certain" and glob[0].goroutines == (1, 6, 7, 8, 9)
    assert any("contains finding" in n for n in glob[0].notes)


def test_leaked_marks_are_certain():
    gs = [G(19, "chan send", "main.leak.func1()", leaked=True, parent=1), G(20, "chan send", "main.leak.func1()", leaked=True, parent=1)]
    a = analyze(D(MAIN, *gs))
    certain = [f for f in a.findings if f.rule == "leaked-mark"]
    assert certain and certain[0].goroutines == (19, 20) and certain[0].confidence == "certain"


def test_debug1_profile_never_crashes():
    rec = ProfileRecord(count=50, pcs=(1, 2), frames=(ProfileFrame(0x4E55A7, fn("main.rangeOverNeverClosed"), 0x27, "/app/main.go", 41),))
    idle = ProfileRecord(count=64, pcs=(3,), frames=(ProfileFrame(0x1, fn("internal/poll.runtime_pollWait"), 0, "/x.go", 1), ProfileFrame(0x2, fn("net.(*conn).Read"), 0, "/x.go", 2)))
    a = analyze(Dump(kind="profile", profile="goroutine", records=(rec, idle)))
    assert len(a.buckets) == 2 and [f.confidence for f in a.findings] == ["low"]
    lp = analyze(Dump(kind="profile", profile="goroutineleak", records=(rec,)))
    assert lp.findings[0].confidence == "certain" and lp.findings[0].count == 50
    assert analyze(Dump(kind="profile", profile="goroutine")).findings == ()


def test_to_dict_is_json():
    import json

    a = analyze(D(MAIN, *abba()))
    json.dumps(a.to_dict())


def test_many_goroutines_on_300_locks():
    """20,000 goroutines queued on 300 locks, each lock held by a live goroutine carrying its
    container, plus one AB-BA pair: only the AB-BA pair is a deadlock, and the queued waiters
    are not reported as (medium or higher) leaks."""
    from stackparse.model import CreatedBy, Frame, Goroutine

    cb = CreatedBy(fn("net/http.(*Server).Serve"), 4, "/x/server.go", 3000)
    f_sema = Frame(fn("sync.runtime_SemacquireMutex"), "0x0?, 0x0?, 0x0?", "/go/sema.go", 77)
    f_lockinl = Frame(fn("sync.(*Mutex).Lock"), "...", "/go/mutex.go", 90)
    f_h = [Frame(fn(f"net/http.handler{i}"), "0x0?, {0x0?, 0x0?}", "/x/h.go", i) for i in range(6)]
    gs = [G(1, "running", "main.main()", created_by=None)]
    base = 0xC000100000
    nlocks = 300
    slow = [Frame(fn("sync.(*Mutex).lockSlow"), hex(base + 0x1000 * k + 8), "/go/mutex.go", 171) for k in range(nlocks)]
    getf = [Frame(fn("main.(*store).get"), f"{hex(base + 0x1000 * k)}, 0x0?", "/app/s.go", 20) for k in range(nlocks)]
    for k in range(nlocks):
        gs.append(Goroutine(id=10 + k, state="IO wait", frames=(Frame(fn("internal/poll.runtime_pollWait"), "0x7f00, 0x72", "/go/p.go", 1), Frame(fn("main.(*store).refresh"), hex(base + 0x1000 * k), "/app/s.go", 40)) + tuple(f_h), created_by=cb))
    n = 20_000
    for i in range(n):
        k = i % nlocks
        gs.append(Goroutine(id=1000 + i, state="sync.Mutex.Lock", frames=(f_sema, slow[k], f_lockinl, getf[k]) + tuple(f_h), created_by=cb))
    gs += abba()
    d = Dump(kind="stack", goroutines=tuple(gs))
    a = analyze(d)
    dl = [f for f in a.findings if f.kind == "deadlock"]
    assert [f.goroutines for f in dl] == [(6, 7)]
    assert not [f for f in a.findings if f.kind == "leak" and f.at_least("medium")]


# --------------------------------------------------------------------------- fast paths vs the plain ones
#
# detect walks the wait-for graph with its own loops (a frontier walk for the doomed, a
# strongly-connected-components walk restricted to the nodes that cannot progress). These tests
# hold them to the plain networkx formulation they replace: same sets, same order.


def _reference_doomed(wg, global_dl: bool) -> tuple[list[int], set[str]]:
    """compute_doomed as a plain breadth-first walk (the original formulation): the doomed in
    their set's iteration order, and the progress closure."""
    graph, b = wg.graph, wg.blockings
    user = [gid for gid, bl in b.items() if not bl.system and gnode(gid) in graph]
    if global_dl:
        return list({gid for gid in user if not b[gid].dumper}), set()
    progress: set[str] = set()
    q: deque[str] = deque()
    for gid in wg.alive:
        if b[gid].op == "select":
            continue
        n = gnode(gid)
        if n in graph:
            progress.add(n)
            q.append(n)
    while q:
        n = q.popleft()
        for p in graph.predecessors(n):
            if p not in progress:
                progress.add(p)
                q.append(p)
    pg = {int(n[2:]) for n in progress if n.startswith("g:") and n[2:].isdigit()}
    return list({gid for gid in user if gid not in pg and (b[gid].waiting or b[gid].forever)}), progress


def _reference_components(graph: nx.DiGraph, doomed: set[int]) -> list[set[str]]:
    out = []
    for comp in nx.strongly_connected_components(graph):
        gids = [int(n[2:]) for n in comp if n.startswith("g:") and n[2:].isdigit()]
        if len(comp) >= 2 and gids and all(x in doomed for x in gids):
            out.append(comp)
    return out


def _corpus_sample() -> list[Path]:
    root = Path(__file__).resolve().parent.parent / "corpus"
    return sorted(p for p in root.glob("go1.2[26]/*.txt") if p.name.startswith("bug_"))


@pytest.mark.parametrize("path", _corpus_sample(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_walks_agree_with_plain_ones_on_corpus(path: Path) -> None:
    from stackparse.parsing import parse_all

    for dump in parse_all(path.read_bytes()):
        if not dump.goroutines:
            continue
        wg = build_graph(dump)
        d = doomed_mod.Detection(dump, wg)
        doomed_mod.compute_doomed(d)
        doomed, progress = _reference_doomed(wg, d.global_dl)
        assert list(d.doomed) == doomed  # same set, same iteration order
        assert d.progress_nodes == progress
        # the components walk: whole graph, in graph order, is networkx's, component by component
        assert list(dl_mod._sccs(dict(wg.graph.adjacency()), list(wg.graph))) == list(
            nx.strongly_connected_components(wg.graph)
        )
        assert dl_mod.deadlock_components(d) == _reference_components(wg.graph, d.doomed)


def _fake_detector(graph: nx.DiGraph, doomed: set[int], progress: set[str]) -> doomed_mod.Detection:
    d = doomed_mod.Detection.__new__(doomed_mod.Detection)
    d.G = graph
    d._succ = dict(graph.adjacency())
    d._pred = dict(graph.reverse(copy=False).adjacency())
    d._node = dict(graph.nodes(data=True))
    d.doomed = doomed
    d.progress_nodes = progress
    d.outside = [n for n in graph if n not in progress]
    return d


@pytest.mark.parametrize("seed", range(400))
def test_restricted_components_walk_keeps_networkx_order(seed: int) -> None:
    """Random wait-for-like graphs (goroutines g*, resources r*) and a random progress closure:
    the components found outside it come out in the order networkx gives them on the whole
    graph, including when a node that may progress reaches several of them."""
    rnd = random.Random(seed)
    n = rnd.randint(2, 40)
    nodes = [f"g:{i}" if rnd.random() < 0.6 else f"r{i}" for i in range(n)]
    rnd.shuffle(nodes)
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    if seed % 2:  # a few planted cycles, sparsely connected: several components to order
        for _ in range(rnd.randint(2, 5)):
            ring = rnd.sample(nodes, min(len(nodes), rnd.randint(2, 4)))
            graph.add_edges_from(zip(ring, ring[1:] + ring[:1]))
        extra = rnd.randint(0, n // 2)
    else:
        extra = rnd.randint(0, 3 * n)
    for _ in range(extra):
        u, v = rnd.choice(nodes), rnd.choice(nodes)
        if u != v:
            graph.add_edge(u, v)
    seeds = {x for x in nodes if rnd.random() < (0.05 if seed % 2 else 0.15)}
    progress = set(seeds)
    stack = list(seeds)
    while stack:
        for p in graph.predecessors(stack.pop()):
            if p not in progress:
                progress.add(p)
                stack.append(p)
    doomed = {
        int(x[2:])
        for x in nodes
        if x.startswith("g:") and x not in progress and (seed % 2 or rnd.random() < 0.9)
    }
    got = dl_mod.deadlock_components(_fake_detector(graph, doomed, progress))
    assert got == _reference_components(graph, doomed)
    # and without a progress closure (the runtime's global deadlock): the whole graph
    got = dl_mod.deadlock_components(_fake_detector(graph, doomed, set()))
    assert got == _reference_components(graph, doomed)


def test_add_leak_resources_are_the_first_64_distinct_in_order() -> None:
    """A nil-channel leak of 100 goroutines, each on its own node: the finding names the first
    64 of them, in goroutine order."""
    gs = [G(10 + i, "chan receive (nil chan)", "runtime.gopark(0x0?)", "main.block()") for i in range(100)]
    a = analyze(D(MAIN, *gs))
    [f] = [f for f in a.findings if f.rule == "nil-chan"]
    rs = [a.wait_graph.resource_of(g) for g in f.goroutines]
    assert f.resources == tuple(dict.fromkeys(r for r in rs if r is not None))[:64]


# --------------------------------------------------------------------------- lock contention


def _tenant(i, holder_state="chan receive", waiters=2, minutes=None):
    """Tenant i: its struct at 0xc0001i0000, mutex 16 bytes in; a flush holds it, ``waiters``
    requests queue on it through main.serve."""
    t = f"0xc000{i}00000"
    mu = f"0xc000{i}00010"
    gid = 10 * i
    flush = G(gid, holder_state, f"main.(*tenant).flush({t})", parent=1)
    ws = [lock(gid + 1 + k, mu, "main.(*tenant).get(0x0?)", f"main.serve({t}, {{0x4e1000, 0x1}})") for k in range(waiters)]
    if minutes:
        ws = [w._replace(wait_minutes=minutes + k) for k, w in enumerate(ws)]
    return [flush, *ws], mu


def test_contention_groups_locks_alike_most_waiters_first():
    gs1, mu1 = _tenant(1, waiters=3, minutes=7)
    gs2, mu2 = _tenant(2, waiters=2)
    # a third tenant whose holder stands elsewhere (asleep): another group
    gs3, _ = _tenant(3, holder_state="sleep", waiters=1)
    gs3[0] = G(30, "sleep", "time.Sleep(0x1)", "main.(*tenant).compact(0xc000300000)", parent=1)
    a = analyze(D(MAIN, *gs1, *gs2, *gs3))
    assert not a.findings  # a sleeping holder wakes, and with it everyone
    c = a.contention
    assert [(x.kind, len(x.locks), x.waiters) for x in c] == [("mutex", 2, 5), ("mutex", 1, 1)]
    first = c[0]
    assert first.locks == (f"mutex@{mu1}", f"mutex@{mu2}")  # most waiters first
    assert first.waiting_at is not None and first.waiting_at.function == "main.(*tenant).get"
    assert first.held_at is not None and first.held_at.function == "main.(*tenant).flush"
    assert first.holders == (10, 20) and first.held_state == "chan receive"
    assert first.holder_confidence == "medium" and first.unheld == 0 and first.in_findings == 0
    assert first.longest_wait == 9
    # a holder asleep stands in its own code, not in time.Sleep
    assert c[1].held_at is not None and c[1].held_at.function == "main.(*tenant).compact" and c[1].longest_wait is None
    doc = a.to_dict()["contention"]
    assert doc[0]["lock_count"] == 2 and doc[0]["holders"] == [10, 20]
    assert doc[0]["locks"][0] == {"kind": "mutex", "address": mu1, "exact": True, "key": f"mutex@{mu1}"}
    assert doc[0]["held_at"]["function"] == "main.(*tenant).flush"


def test_contention_counts_stuck_holders_and_waiters_in_findings():
    # the holder waits on a nil channel: it never wakes, so its waiters are stuck behind it
    gs1, _ = _tenant(1, holder_state="chan receive (nil chan)", waiters=2)
    a = analyze(D(MAIN, *gs1))
    (c,) = a.contention
    assert c.stuck_holders == 1 and c.holders == (10,)
    # the holder's leak is certain; its waiters' (stuck behind it) only a low suspicion, which
    # explains nothing: the contention stays to be read
    assert c.in_findings == 0
    assert any(set(f.goroutines) >= {11, 12} and f.confidence == "low" for f in a.findings)
    # a deadlock at high explains its waiters
    (c,) = [x for x in analyze(D(MAIN, *abba())).contention if x.locks == (f"mutex@{A}",)]
    assert c.in_findings == c.waiters == 3


def test_contention_without_a_holder_in_sight():
    mu = "0xc000100010"
    ws = [lock(11 + k, mu, "main.(*tenant).get(0x0?)") for k in range(2)]
    busy = G(20, "running", "main.spin()", parent=1)  # alive and related: no elimination
    a = analyze(D(MAIN, *ws, busy))
    (c,) = a.contention
    assert c.held_at is None and c.holders == () and c.unheld == 1 and c.ambiguous == 0


def test_contention_counts_readers_queued_behind_a_pending_writer():
    rw = "0xc0000b2000"
    readers = [
        G(18 + k, "sync.RWMutex.RLock", "runtime.semacquire1(0xc0000b200c, 0x0?, 0x0, 0x0)", "sync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)", "sync.(*RWMutex).RLock(...)", "main.reader(0x0?)", parent=1)
        for k in range(3)
    ]
    w = G(30, "sync.RWMutex.Lock", "runtime.semacquire1(0xc0000b2008, 0x0?, 0x0, 0x0)", "sync.runtime_SemacquireRWMutex(0x0?, 0x0?, 0x0?)", "sync.(*RWMutex).Lock(0x0?)", "main.writer(0x0?)", parent=1)
    a = analyze(D(MAIN, *readers, w))
    assert a.graph is not None and a.graph.has_edge("g:18", f"rwmutex@{rw}#writer")
    (c,) = a.contention
    assert c.kind == "rwmutex" and c.locks == (f"rwmutex@{rw}",) and c.waiters == 4
    assert c.waiting_at is not None and c.waiting_at.function == "main.reader"  # most of them


def _contention_invariants(a) -> None:  # type: ignore[no-untyped-def]
    """What every analysis's contention records must say of its graph."""
    g = a.graph
    waiting: dict[str, set[int]] = {}
    for node, attrs in g.nodes(data=True):
        if attrs.get("type") != "resource" or attrs.get("kind") not in ("mutex", "rwmutex"):
            continue
        ws = {int(u[2:]) for u, _, d in g.in_edges(node, data=True) if d["kind"] == "waits-for" and u.startswith("g:")}
        if f"{node}#writer" in g:
            ws |= {int(u[2:]) for u, _, d in g.in_edges(f"{node}#writer", data=True) if d["kind"] == "waits-for"}
        if ws:
            waiting[node] = ws
    listed = [lock for c in a.contention for lock in c.locks]
    assert sorted(listed) == sorted(waiting), "every lock with waiters in exactly one record"
    explained = set()
    for f in a.findings:
        if f.at_least("medium"):
            explained |= set(f.goroutines) | set(f.blocked_behind)
    for c in a.contention:
        assert c.waiters == sum(len(waiting[lock]) for lock in c.locks)
        single = [lock for lock in c.locks if sum(1 for _, _, d in g.out_edges(lock, data=True) if d["kind"] == "held-by") == 1]
        assert len(c.holders) == len(single) and c.unheld == len(c.locks) - len(single)
        assert 0 <= c.ambiguous <= c.unheld and 0 <= c.stuck_holders <= len(c.holders)
        assert c.in_findings == sum(len(waiting[lock] & explained) for lock in c.locks)
        assert (c.held_at is None) == (not c.holders)
    assert [c.waiters for c in a.contention] == sorted((c.waiters for c in a.contention), reverse=True)


@pytest.mark.parametrize("path", sorted(Path(__file__).resolve().parent.parent.glob("corpus/go1.2[67]/*.txt")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_contention_records_agree_with_the_graph_on_the_corpus(path: Path) -> None:
    from corpusutil import goroutine_dumps

    for d in goroutine_dumps(path):
        a = analyze(d)
        if a.graph is not None:
            _contention_invariants(a)


@settings(max_examples=DUMP_EXAMPLES)
@given(gen_dumps())
def test_contention_records_agree_with_the_graph_on_generated_dumps(gs) -> None:  # type: ignore[no-untyped-def]
    a = analyze(parse(write_dump(gs)))
    if a.graph is not None:
        _contention_invariants(a)
