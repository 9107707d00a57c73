"""graph: wait-for edges, holder inference and its evidence, on hand-built dumps."""

from __future__ import annotations

from test_blocking import G

from stackparse.analysis.graph import build_graph
from stackparse.model import Dump


def D(*gs, kind="stack", fatal=None):
    from stackparse.model import Preamble

    return Dump(kind=kind, goroutines=tuple(gs), preamble=Preamble(fatal_error=fatal))


MAIN = G(1, "running", "main.main()", created_by=None)


def lock(gid, addr, *user, state="sync.Mutex.Lock"):
    return G(gid, state, "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)", f"sync.(*Mutex).lockSlow({addr})", "sync.(*Mutex).Lock(...)", *user, parent=1)


def test_abba_held_by_from_exact_arguments():
    a, b = "0xc0000120b0", "0xc0000120b8"
    d = D(MAIN, lock(6, b, f"main.lockOrderWorkerA({a}, {b})"), lock(7, a, f"main.lockOrderWorkerB({a}, {b})"), lock(8, a, f"main.waitsBehindDeadlock({a}, 0x0)"))
    wg = build_graph(d)
    e = wg.edge(f"mutex@{a}", "g:6")
    assert e.kind == "held-by" and e.confidence == "high" and "lockOrderWorkerA" in e.evidence
    assert wg.edge(f"mutex@{b}", "g:7").confidence == "high"
    # goroutine 8 waits on A and carries A only at its own blocking frame: not a holder
    assert not wg.graph.has_edge(f"mutex@{a}", "g:8")
    assert wg.edge("g:8", f"mutex@{a}").kind == "waits-for"


def test_relock_through_method_receiver_container():
    # Refresh holds c.mu (c+8) and calls c.lookup which locks it again; the reader passes c to lookup.
    refresh = lock(19, "0xc0000a0020", "main.(*sessionCache).lookup(0x0?, {0x4d5a39?, 0x4?})", "main.(*sessionCache).Refresh(0xc0000a0018)", "main.runSessionCacheRefresh(0x0?)")
    reader = lock(20, "0xc0000a0020", "main.(*sessionCache).lookup(0x5f5e100?, {0x4d5a39?, 0x4?})", "main.sessionCacheReader(0xc0000a0018)")
    wg = build_graph(D(MAIN, refresh, reader))
    e = wg.edge("mutex@0xc0000a0020", "g:19")
    assert e.confidence == "high" and "re-lock" in e.evidence and "Refresh" in e.evidence
    # the plain function passing the container down is a weaker candidate, not an edge
    assert not wg.graph.has_edge("mutex@0xc0000a0020", "g:20")


def test_container_pointer_below_lock_is_medium():
    holder = G(5, "chan receive", "main.(*server).loop(0xc000100000)", parent=1)
    waiter = lock(6, "0xc000100040", "main.(*server).get(0x0?)")
    wg = build_graph(D(MAIN, holder, waiter))
    e = wg.edge("mutex@0xc000100040", "g:5")
    assert e.confidence == "medium" and "64 bytes below" in e.evidence


def test_elimination_prefers_stuck_sibling_when_no_callers():
    sender = G(6, "chan send", "main.lockHeldWhileSending(0x0?, 0x0?)", parent=1)
    recv = lock(7, "0xc0000120b0", "main.receiverNeedsLock(0xc0000120b0, 0xc0000700c0)")
    wg = build_graph(D(MAIN, sender, recv))
    e = wg.edge("mutex@0xc0000120b0", "g:6")
    assert e.confidence == "medium" and "elimination" in e.evidence
    assert wg.edge("chan?g6", "g:7").kind == "can-release"


def test_elimination_refused_when_a_related_goroutine_is_alive():
    sleeper = G(5, "sleep", "time.Sleep(0x3b9aca00)", "main.holdsAndSleeps(0x0?)", parent=1)
    recv = lock(7, "0xc0000120b0", "main.needsLock(0xc0000120b0)")
    wg = build_graph(D(MAIN, sender := G(6, "chan send", "main.other()", parent=1), sleeper, recv))
    assert not any(d["kind"] == "held-by" for _, _, d in wg.graph.out_edges("mutex@0xc0000120b0", data=True))
    assert wg.graph.nodes["mutex@0xc0000120b0"].get("alive_related") == [5]
    assert sender.id == 6


def test_relock_by_elimination_needs_a_caller():
    g = lock(18, "0xc0000a2010", "main.relockHelper(0x0?)", "main.relockSelfDeadlock(0x0?)")
    wg = build_graph(D(MAIN, g))
    e = wg.edge("mutex@0xc0000a2010", "g:18")
    assert e.confidence == "medium" and "re-lock" in e.evidence


def test_go_wrapper_is_not_a_caller():
    g = lock(7, "0xc0000120a0", "main.receiverNeedsLock(0xc0000120a0, 0x0?)", "main.setup.func2()")
    wg = build_graph(D(MAIN, g, kind="signal"))
    assert not wg.graph.has_edge("mutex@0xc0000120a0", "g:7")


def test_rwmutex_readers_wait_for_the_pending_writer():
    rw = "0xc0000b2000"
    r1 = G(18, "sync.RWMutex.RLock", "runtime.semacquire1(0xc0000b200c, 0x0?, 0x0, 0x0)", "sync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)", "sync.(*RWMutex).RLock(...)", f"main.reader({rw})", parent=1)
    w = G(19, "sync.RWMutex.Lock", "runtime.semacquire1(0xc0000b2008, 0x0?, 0x0, 0x0)", "sync.runtime_SemacquireRWMutex(0x0?, 0x0?, 0x0?)", "sync.(*RWMutex).Lock(0x0?)", "main.writer(0x0?)", parent=1)
    wg = build_graph(D(MAIN, r1, w))
    assert wg.edge("g:18", f"rwmutex@{rw}#writer").kind == "waits-for"
    assert wg.edge(f"rwmutex@{rw}#writer", "g:19").confidence == "high"
    assert wg.edge("g:19", f"rwmutex@{rw}").kind == "waits-for"
    # the reader carries the RWMutex and is not waiting on the lock node itself: a read holder
    assert wg.edge(f"rwmutex@{rw}", "g:18").kind == "held-by"


def test_waitgroup_workers_children_and_address():
    waiter = G(10, "sync.WaitGroup.Wait", "sync.runtime_SemacquireWaitGroup(0x0?)", "sync.(*WaitGroup).Wait(0xc000082070)", "main.coordinator(0x0?)", parent=1)
    child = G(11, "sleep", "time.Sleep(0x989680)", "main.work(0x0?)", created_by="main.coordinator", parent=10)
    other = G(12, "chan receive", "main.helper(0xc000082070)", parent=1)
    wg = build_graph(D(MAIN, waiter, child, other))
    assert wg.edge("waitgroup@0xc000082070", "g:11").confidence == "medium"
    assert wg.edge("waitgroup@0xc000082070", "g:12").confidence == "high"
    assert wg.graph.nodes["waitgroup@0xc000082070"]["semantics"] == "all"


def test_channel_counterpart_by_shared_pointer():
    workers = [G(i, "chan receive", "main.worker(0xc000094108)", parent=1) for i in (19, 20, 21)]
    producer = G(27, "sleep", "time.Sleep(0x3b9aca00)", "main.producer(0xc000094108)", parent=1)
    wg = build_graph(D(MAIN, *workers, producer))
    e = wg.edge("chan?g19", "g:27")
    assert e.confidence == "medium" and "0xc000094108" in e.evidence
    # peers parked at the same operation are not each other's counterparts
    assert not wg.graph.has_edge("chan?g19", "g:20")


def test_forever_goroutines_release_nothing():
    nil_recv = G(5, "chan receive (nil chan)", "main.nilChanReceiver(0x0?)", parent=1)
    send = G(6, "chan send", "main.sender(0x0?)", parent=1)
    wg = build_graph(D(MAIN, nil_recv, send))
    assert not wg.graph.has_edge("chan?g6", "g:5")
    assert wg.graph.out_degree("chan?g5") == 0


def test_system_and_dumper_are_not_nodes_of_interest():
    gc = G(2, "GC worker (idle)", "runtime.gopark(0x0?)", "runtime.gcBgMarkWorker(0x0?)", created_by="runtime.gcBgMarkStartWorkers")
    wg = build_graph(D(MAIN, gc))
    assert "g:2" not in wg.graph


def test_waitgroup_container_candidates_are_capped_with_a_note():
    # 40 workers carry the struct that holds the WaitGroup (a container pointer below it): the
    # strongest MAX_CANDIDATES are kept, lowest ids first, and the cut is noted. (The first four
    # are also siblings of the waiter, a weaker reason found first: they come last.)
    from stackparse.analysis.index import MAX_CANDIDATES

    waiter = G(10, "sync.WaitGroup.Wait", "sync.runtime_SemacquireWaitGroup(0x0?)", "sync.(*WaitGroup).Wait(0xc000082070)", "main.coordinator(0xc000082000)", parent=1)
    workers = [G(100 + i, "chan receive", "main.worker(0xc000082000)", parent=1) for i in range(40)]
    wg = build_graph(D(MAIN, waiter, *workers))
    node = "waitgroup@0xc000082070"
    out = sorted(wg.graph.successors(node), key=lambda n: int(n[2:]))
    assert out == [f"g:{104 + i}" for i in range(MAX_CANDIDATES)]
    e = wg.edge(node, "g:104")
    assert e.kind == "can-release" and e.confidence == "medium"
    assert e.evidence == "main.worker (frame 0) carries 0xc000082000, 112 bytes below it"
    assert f"{node}: 40 possible releasers, kept {MAX_CANDIDATES}" in wg.notes
    assert wg.graph.nodes[node]["more_releasers"] == 40 - MAX_CANDIDATES


def test_many_lock_holders_do_not_scan_every_nearby_lock():
    # 200 locks 64 bytes apart and 300 goroutines carrying their containers: the evidence lists are
    # capped, exact matches are always kept.
    locks = [0xC000200000 + 64 * i for i in range(200)]
    waiters = [lock(1000 + i, f"{a:#x}", "main.get(0x0?)") for i, a in enumerate(locks)]
    carriers = [G(2000 + i, "chan receive", f"main.loop({locks[i % 200] - 16:#x})", parent=1) for i in range(300)]
    exact = G(3000, "chan receive", f"main.hold({locks[150]:#x})", parent=1)
    wg = build_graph(D(MAIN, *waiters, *carriers, exact))
    e = wg.edge(f"mutex@{locks[150]:#x}", "g:3000")
    assert e.kind == "held-by" and e.confidence == "high"


def _shared_conn_dumps():  # type: ignore[no-untyped-def]
    from corpusutil import corpus_dumps

    return [p for p in corpus_dumps() if p.name.startswith("healthy_shared_conn.")]


def test_fd_lock_waiters_are_held_by_the_io_wait_goroutine():
    """Real dumps (corpus/programs/healthy_shared_conn, every Go version): a second reader or
    writer of one connection waits in semacquire for the fd's lock (internal/poll.fdMutex); the
    goroutine holding it is the one in IO wait on that fd. Before, each such wait was a
    "lock-no-holder" leak (3801 of them in a 100k-goroutine server dump)."""
    import stackparse

    paths = _shared_conn_dumps()
    assert len(paths) >= 8 * 2
    for path in paths:
        dump = stackparse.parse_file(path)
        a = stackparse.analyze(dump)
        assert a.findings == (), path
        gs = {g.id: g for g in dump.goroutines}
        fd_waiters = [g for g in dump.goroutines
                      if any(f.function.full == "internal/poll.(*fdMutex).rwlock" for f in g.frames)]
        if not fd_waiters:
            continue  # (a pprof2 or sigquit capture taken before the waits formed)
        g_edges = a.graph
        for g in fd_waiters:
            (res,) = [v for _, v, k in g_edges.out_edges(f"g:{g.id}", data=True) if k["kind"] == "waits-for"]
            assert res.startswith("mutex@0x"), (path, g.id, res)
            holders = [v for _, v, k in g_edges.out_edges(res, data=True) if k["kind"] == "held-by"]
            assert len(holders) == 1, (path, g.id, holders)
            h = gs[int(holders[0][2:])]
            assert h.state == "IO wait", (path, h.id)
            side = "Read" if any(f.function.full == "internal/poll.(*FD).Read" for f in g.frames) else "Write"
            assert any(f.function.full == f"internal/poll.(*FD).{side}" for f in h.frames), (path, g.id, h.id)


# --- holders among many carriers: mutual exclusion and the struct the waiters lock through


def _held(wg, node):
    return sorted((v, d["confidence"]) for _, v, d in wg.graph.out_edges(node, data=True) if d["kind"] == "held-by")


def test_goroutines_crowded_at_one_point_are_not_the_mutex_holder():
    # Three requests asleep at one line carry the struct below the mutex: a mutex has one holder,
    # so none of them holds it; the flush, alone where it stands, does.
    t, mu = "0xc000100000", "0xc000100010"
    sleepers = [G(10 + i, "sleep", "time.Sleep(0x34630b8a000)", f"main.throttle({t}, {{0x4e1000, 0x1}})", parent=1) for i in range(3)]
    flush = G(5, "chan receive", f"main.(*tenant).flush({t})", parent=1)
    waiter = lock(6, mu, "main.(*tenant).get(0x0?)")
    wg = build_graph(D(MAIN, flush, waiter, *sleepers))
    assert _held(wg, f"mutex@{mu}") == [("g:5", "medium")]
    ev = wg.edge(f"mutex@{mu}", "g:5").evidence
    assert "3 other goroutines carry it too" in ev and "none of them is the one holder" in ev
    # with only two of them at one line and the third elsewhere, the two are still ruled out
    odd = G(13, "sleep", "time.Sleep(0x1)", f"main.idle({t})", parent=1)
    wg = build_graph(D(MAIN, flush, waiter, *sleepers[:2], odd))
    assert _held(wg, f"mutex@{mu}") == [("g:13", "low"), ("g:5", "low")]


def test_crowding_learnt_on_one_mutex_applies_to_another():
    # On the first tenant two sleepers stand at one line: that line holds nothing. On the second
    # tenant a single sleeper stands there, and the flush is still the only holder.
    t1, mu1, t2, mu2 = "0xc000100000", "0xc000100010", "0xc000200000", "0xc000200010"
    s = [G(10 + i, "sleep", "time.Sleep(0x1)", f"main.throttle({t}, {{0x4e1000, 0x1}})", parent=1) for i, t in enumerate((t1, t1, t2))]
    f1 = G(5, "chan receive", f"main.(*tenant).flush({t1})", parent=1)
    f2 = G(7, "chan receive", f"main.(*tenant).flush({t2})", parent=1)
    w1, w2 = lock(6, mu1, "main.(*tenant).get(0x0?)"), lock(8, mu2, "main.(*tenant).get(0x0?)")
    wg = build_graph(D(MAIN, f1, w1, f2, w2, *s))
    assert _held(wg, f"mutex@{mu1}") == [("g:5", "medium")]
    assert _held(wg, f"mutex@{mu2}") == [("g:7", "medium")]


def test_every_carrier_crowded_means_no_holder_and_a_note():
    # The holder's receiver is printed "0x0?": only the crowded sleepers carry the struct.
    t, mu = "0xc000100000", "0xc000100010"
    sleepers = [G(10 + i, "sleep", "time.Sleep(0x1)", f"main.throttle({t}, {{0x4e1000, 0x1}})", parent=1) for i in range(3)]
    flush = G(5, "chan receive", "main.(*tenant).flush(0x0?)", parent=1)
    waiter = lock(6, mu, "main.(*tenant).get(0x0?)")
    wg = build_graph(D(MAIN, flush, waiter, *sleepers))
    assert not any(v in ("g:10", "g:11", "g:12") for v, _ in _held(wg, f"mutex@{mu}"))
    assert any(f"mutex@{mu}" in n and "none is taken as the holder" in n for n in wg.notes)
    # a writer waiting for an RWMutex's readers to leave: readers share it, crowding is no evidence
    rw = G(6, "sync.RWMutex.Lock", "sync.runtime_SemacquireRWMutex(0x0?, 0x0?, 0x0?)", f"sync.(*RWMutex).Lock({mu})", "main.(*tenant).put(0x0?)", parent=1)
    wg = build_graph(D(MAIN, flush, rw, *sleepers))
    assert wg.blockings[6].role == "writer-readers"
    assert [v for v, _ in _held(wg, f"rwmutex@{mu}")] == ["g:10", "g:11", "g:12"]
    # a writer waiting for the writer lock: another writer holds it, alone
    rw = G(6, "sync.RWMutex.Lock", "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)", f"sync.(*Mutex).lockSlow({mu})", "sync.(*Mutex).Lock(...)", f"sync.(*RWMutex).Lock({mu})", "main.(*tenant).put(0x0?)", parent=1)
    wg = build_graph(D(MAIN, flush, rw, *sleepers))
    assert wg.blockings[6].role == "writer-lock"
    assert not _held(wg, f"rwmutex@{mu}")
    assert any(f"rwmutex@{mu}" in n and "none is taken as the holder" in n for n in wg.notes)


def test_container_at_the_waiters_offset_beats_a_neighbours_start():
    # Structs of one type side by side (0x100 apart, mutex at +16): the neighbour's flush carries
    # its own struct, 0x110 bytes below this mutex, with no known lock in between (nobody waits
    # on the neighbour's). The waiters reach the mutex through a pointer 16 bytes below it.
    t0, t1, mu1 = "0xc000100000", "0xc000100100", "0xc000100110"
    f0 = G(5, "chan receive", f"main.(*tenant).flush({t0})", parent=1)
    f1 = G(7, "chan receive", f"main.(*tenant).flush({t1})", parent=1)
    w = lock(8, mu1, "main.(*tenant).get(0x0?)", f"main.serve({t1}, {{0x4e1000, 0x1}})")
    wg = build_graph(D(MAIN, f0, f1, w))
    assert _held(wg, f"mutex@{mu1}") == [("g:7", "medium")]
    assert "not 16 bytes below" in wg.edge(f"mutex@{mu1}", "g:7").evidence
    # without the waiters' pointer nothing tells the two apart
    w = lock(8, mu1, "main.(*tenant).get(0x0?)")
    wg = build_graph(D(MAIN, f0, f1, w))
    assert _held(wg, f"mutex@{mu1}") == [("g:5", "low"), ("g:7", "low")]


def test_container_with_another_lock_between_is_another_objects():
    # Both neighbours are waited on: the lower one's start has its own mutex between it and this one.
    t0, mu0, t1, mu1 = "0xc000100000", "0xc000100010", "0xc000100100", "0xc000100110"
    f0 = G(5, "chan receive", f"main.(*tenant).flush({t0})", parent=1)
    f1 = G(7, "chan receive", f"main.(*tenant).flush({t1})", parent=1)
    w0, w1 = lock(6, mu0, "main.(*tenant).get(0x0?)"), lock(8, mu1, "main.(*tenant).get(0x0?)")
    wg = build_graph(D(MAIN, f0, w0, f1, w1))
    assert _held(wg, f"mutex@{mu0}") == [("g:5", "medium")]
    assert _held(wg, f"mutex@{mu1}") == [("g:7", "medium")]
    assert "another lock between" in wg.edge(f"mutex@{mu1}", "g:7").evidence
