"""Recall rules on real corpus dumps: each test fails without its rule (the goroutines were a
``low`` lead or unnamed before), and checks that the finding shows its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackparse

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _analyze(version: str, name: str) -> stackparse.Analysis:
    p = CORPUS / version / name
    if not p.exists():
        pytest.skip(f"{p} is not in the corpus")
    return stackparse.analyze(stackparse.parse(p.read_text()))


def _fn_gids(a: stackparse.Analysis, fn: str) -> set[int]:
    assert a.dump is not None
    return {g.id for g in a.dump.goroutines if any(f.function.full == fn for f in g.frames)}


@pytest.mark.parametrize(
    ("version", "name"),
    [("go1.27", "bug_wg_wait_before_drain.stack.txt"), ("go1.27", "bug_wg_errors_unbuffered.stack.txt")],
)
def test_waitgroup_wait_before_draining_is_a_deadlock(version: str, name: str) -> None:
    """The collector waits in wg.Wait for workers it started; they block sending on a channel
    nobody outside them carries (only the collector's frame could read it). Before: a low
    "WaitGroup wait that cannot return" lead."""
    a = _analyze(version, name)
    dl = [f for f in a.at_least("medium") if f.rule == "waitgroup-cycle"]
    assert len(dl) == 1, [(f.rule, f.confidence, f.title) for f in a.findings]
    f = dl[0]
    assert f.kind == "deadlock" and f.confidence == "medium"
    assert any("only its own frame could serve them" in n for n in f.notes), f.notes
    assert any(e.kind == "can-release" and "started by the waiter" in e.evidence for e in f.edges)


def test_wait_inside_a_worker_is_a_deadlock() -> None:
    """indexAll starts three indexSegment goroutines that each call wg.Wait on the group before
    their own Done: all four wait on one WaitGroup nobody else carries. Before: a low "WaitGroup
    wait with no worker in sight"."""
    a = _analyze("go1.27", "bug_wg_wait_in_worker.stack.txt")
    [f] = [f for f in a.at_least("medium") if f.rule == "waitgroup-cycle"]
    assert set(f.goroutines) == _fn_gids(a, "main.indexAll") | _fn_gids(a, "main.indexSegment")
    assert any("waits on the same WaitGroup" in n for n in f.notes), f.notes


@pytest.mark.parametrize("name", ["bug_dl_recursive.stack.txt", "bug_dl_once_recursive.stack.txt"])
def test_recursive_relock_is_a_self_deadlock(name: str) -> None:
    """runDuScan's (*dirNode).totalSize (and pluginBoot's (*pluginSet).load through sync.Once)
    blocks on a lock while the same function is on its stack again below it; the goroutine
    carries the lock's struct and nobody else does. Before: a low "lock with no holder" leak."""
    a = _analyze("go1.27", name)
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium") and len(f.goroutines) == 1 and len(f.blocked_behind) == 1
    assert any("self-deadlock by recursion?" in e.evidence for e in f.edges if e.kind == "held-by"), f.edges


def test_callback_reentering_its_object_is_a_self_deadlock() -> None:
    """bug_dl_callback: hubEventSource's (*watchHub).Notify calls a watcher that calls
    (*watchHub).Watch, which locks the hub again; two hubLateWatcher goroutines wait in Watch at
    one place (mutual exclusion sets them aside). Before: a low "lock with no holder" leak."""
    a = _analyze("go1.27", "bug_dl_callback.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    assert set(f.goroutines) == _fn_gids(a, "main.hubEventSource")
    assert set(f.blocked_behind) == _fn_gids(a, "main.hubLateWatcher")
    assert any("a method of the same type" in e.evidence for e in f.edges if e.kind == "held-by"), f.edges


def test_reentrant_reader_behind_a_writer_is_singled_out() -> None:
    """bug_rwr_recursive: enabledAll holds f.mu.RLock and calls enabled, which RLocks again
    behind flagUpdater's pending Lock; flagDashboard's RLock arrives later. The inlined RLock
    prints no RWMutex address. Before: three low "lock with no holder" leaks. Now both readers
    queue behind the writer (their receiver is the struct the writer carries), the one with
    (*featureFlags).enabledAll below is the read holder, and the late reader is behind."""
    a = _analyze("go1.27", "bug_rwr_recursive.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    assert set(f.goroutines) == _fn_gids(a, "main.flagEvaluator") | _fn_gids(a, "main.flagUpdater")
    assert set(f.blocked_behind) == _fn_gids(a, "main.flagDashboard")
    assert any("only goroutine" in e.evidence and "re-enters RLock" in e.evidence for e in f.edges), f.edges
    assert any("the struct goroutine" in e.evidence for e in f.edges if e.kind == "waits-for")


def test_rlock_behind_a_writer_that_holds_the_lock() -> None:
    """bug_abba_rw: restock holds the inventory's write lock and waits for the order book's
    mutex; placeOrder holds the order book and waits in an inlined RLock (no address printed).
    No writer waits in Lock, so a writer holds the RWMutex: restock is the only goroutine other
    than the blocked readers carrying its address. Before: three low leaks."""
    a = _analyze("go1.27", "bug_abba_rw.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium") and "recursive RLock" not in f.title
    members = set(f.goroutines) | set(f.blocked_behind)
    assert _fn_gids(a, "main.restock") | _fn_gids(a, "main.placeOrder") <= set(f.goroutines)
    assert _fn_gids(a, "main.stockViewer") <= members
    ev = [e.evidence for e in f.edges]
    assert any("so a writer holds it" in e for e in ev), ev
    assert any("as an argument, the RWMutex goroutine" in e for e in ev), ev


def test_write_lock_held_across_a_channel_wait() -> None:
    """bug_chanlock_rwmutex: schemaMigrator holds s.mu's write lock while it waits for done;
    migrationWorker must RLock s.mu before it closes done. The cycle runs through the RWMutex's
    reader side (its writer gate), which counts as a lock for the closed-world raise. Before: a
    low cycle, reported as leads."""
    a = _analyze("go1.27", "bug_chanlock_rwmutex.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    assert _fn_gids(a, "main.schemaMigrator") | _fn_gids(a, "main.migrationWorker") <= set(f.goroutines)
    assert any("closed world" in n for n in f.notes), f.notes


def test_lock_cycle_whose_holders_are_only_known_as_candidates() -> None:
    """bug_cycle3_global: three stages each hold one package-level mutex and want the next; no
    goroutine carries a lock address, so each lock's holder is "one of the two other stuck
    stages". Whoever holds which, each waits for another of the three: a cycle. Before: three
    low "no holder" leaks."""
    a = _analyze("go1.27", "bug_cycle3_global.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    stages = _fn_gids(a, "main.ingestStage") | _fn_gids(a, "main.indexStage") | _fn_gids(a, "main.storeStage")
    assert set(f.goroutines) == stages
    assert any("whichever holds which" in n for n in f.notes), f.notes


def test_relock_of_a_package_level_mutex_among_queued_waiters() -> None:
    """bug_dl_global_mutex: loadPlugins holds registryMu and calls registerPlugin, which locks it
    again; two pluginProbe goroutines queue in registerPlugin at one place. Nobody carries the
    (package-level) lock. The two probes stand at one place and cannot both hold it from there,
    so the lone re-locker is left. Before: three low candidates and a low leak."""
    a = _analyze("go1.27", "bug_dl_global_mutex.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    assert set(f.goroutines) == _fn_gids(a, "main.pluginLoader")
    assert set(f.blocked_behind) == _fn_gids(a, "main.pluginProbe")
    assert any("stand two or more at one place" in e.evidence for e in f.edges if e.kind == "held-by"), f.edges


def test_once_reentry_is_read_from_the_once_code() -> None:
    """bug_dl_once_recursive on Go 1.21: every argument word is printed 0x0?, so no frame carries
    the lock; but the lock is called from sync.(*Once).doSlow (a Once's own mutex), and goroutine
    pluginBoot is the only one with a doSlow frame past its Lock (running the Once's function):
    it holds the mutex it waits for again. Before: two low "one of the waiters" leads."""
    a = _analyze("go1.21", "bug_dl_once_recursive.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.confidence == "medium"
    assert set(f.goroutines) == _fn_gids(a, "main.pluginBoot")
    assert set(f.blocked_behind) == _fn_gids(a, "main.pluginUser")
    [held] = [e for e in f.edges if e.kind == "held-by"]
    assert "is the only goroutine that does" in held.evidence and "re-entry" in held.evidence, held


def test_go_wrappers_make_no_other_place() -> None:
    """bug_dl_global_mutex as SIGQUIT prints it: the two pluginProbe goroutines stand at the same
    line in every frame but their go-statement wrappers (main.setup.gowrap1 / gowrap2), which
    only call. Standing two at one place, neither holds the package-level lock: the loader's
    re-lock is left. Before: three low "one of the waiters" candidates."""
    a = _analyze("go1.27", "bug_dl_global_mutex.sigquit.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.confidence == "medium"
    assert set(f.goroutines) == _fn_gids(a, "main.pluginLoader")
    assert set(f.blocked_behind) == _fn_gids(a, "main.pluginProbe")
    assert any("stand two or more at one place" in e.evidence for e in f.edges if e.kind == "held-by"), f.edges


@pytest.mark.parametrize(("name", "writer"), [("bug_abba_rw", "main.restock"), ("bug_chanlock_rwmutex", "main.schemaMigrator")])
def test_writer_holding_an_rwmutex_carries_its_struct(name: str, writer: str) -> None:
    """SIGQUIT prints the RWMutex's exact address (semacquire1's readerSem), 16 bytes into the
    struct the blocked readers carry; the writer that holds it carries that struct, not the
    RWMutex itself. It is the only other goroutine that does: the readers wait for it. Before:
    no writer found, the cycle stayed a low lead."""
    a = _analyze("go1.27", f"{name}.sigquit.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.confidence == "medium"
    assert _fn_gids(a, writer) <= set(f.goroutines)
    assert any(
        e.kind == "can-release" and "the struct its readers reach it through" in e.evidence for e in f.edges
    ), f.edges


@pytest.mark.parametrize(
    ("version", "mode"), [("go1.21", "stack"), ("go1.25", "stack"), ("go1.27", "stack"), ("go1.27", "sigquit")]
)
def test_mutex_copied_while_locked_is_a_self_deadlock(version: str, mode: str) -> None:
    """bug_dl_copied_mutex: settings.lookup has a value receiver, printed by value with its
    mutex's state word 0x1 (locked: update holds the original while it calls lookup); it blocks
    on a lock nobody carries and no pointer in the receiver reaches: the copy's own. Before: two
    low "no holder" leaks (the original's struct, carried by the readers below the copy, blurred
    who holds it)."""
    a = _analyze(version, f"bug_dl_copied_mutex.{mode}.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.confidence == "medium"
    assert set(f.goroutines) == _fn_gids(a, "main.settingsWriter")
    assert set(f.blocked_behind) == _fn_gids(a, "main.settingsReader")
    assert "a copy of a mutex taken while it was locked" in f.title
    assert any(e.kind == "held-by" and e.evidence.startswith("copied while locked") for e in f.edges), f.edges


def test_a_value_receiver_with_an_unlocked_mutex_is_no_copy_evidence() -> None:
    """The same dump with the printed state word of the copy set to 0x0 (a variant made by code,
    for this test only): an unlocked copy does not explain the wait, so the rule says nothing."""
    p = CORPUS / "go1.27" / "bug_dl_copied_mutex.stack.txt"
    text = p.read_text()
    assert "main.settings.lookup({{{}, {0x1, 0x0}}," in text
    a = stackparse.analyze(stackparse.parse(text.replace("lookup({{{}, {0x1, 0x0}},", "lookup({{{}, {0x0, 0x0}},")))
    assert not any(
        e.evidence.startswith("copied while locked") for f in a.findings for e in f.edges if e.kind == "held-by"
    )


def test_two_peers_sending_to_each_other_are_a_deadlock() -> None:
    """bug_chan_pingpong: peerAlpha and peerBeta both send first on the two unbuffered channels
    only they carry. Before: two medium "send whose receiver is gone" leaks, not a deadlock."""
    a = _analyze("go1.27", "bug_chan_pingpong.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.confidence == "medium"
    assert set(f.goroutines) == _fn_gids(a, "main.peerAlpha") | _fn_gids(a, "main.peerBeta")
    assert any("is itself blocked sending, so none can receive" in n or "sealed cycle" in n for n in f.notes), f.notes


def test_senders_alike_on_one_result_channel_stay_a_leak() -> None:
    """bug_ncast_first_wins: several senders alike on one result channel after the caller took
    the first answer: a leak, not a sender cycle."""
    a = _analyze("go1.27", "bug_ncast_first_wins.stack.txt")
    assert not [f for f in a.findings if f.rule == "sender-cycle"]
    assert any(f.kind == "leak" and f.at_least("medium") for f in a.findings)


@pytest.mark.parametrize("version", ["go1.27", "go1.21"])
def test_broadcast_under_lock_then_send_is_a_sealed_cycle(version: str) -> None:
    """bug_cond_broadcast_under_lock: stageGate broadcasts and then, still holding the Cond's
    lock, sends to stageRunner, which must re-take that lock inside Cond.Wait before it can
    receive. Only the two carry the stage; the function that started them has returned. Before:
    two leaks (a deadlock below medium)."""
    a = _analyze(version, "bug_cond_broadcast_under_lock.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    assert set(f.goroutines) == _fn_gids(a, "main.stageRunner") | _fn_gids(a, "main.stageGate")
    assert any("sealed cycle" in n for n in f.notes), f.notes


@pytest.mark.parametrize("version", ["go1.27", "go1.21"])
def test_cond_wait_and_unprinted_receive_is_a_sealed_cycle(version: str) -> None:
    """bug_cond_chan_cycle: batchWaiter waits in Cond.Wait (ticket 0: never signalled) for
    batchSignaller, which waits to receive the ack batchWaiter sends only after the signal. The
    receive's channel is not printed; the batch pointer both carry is carried by nobody else and
    setup has returned. Before: two low leaks (the sealed rule wanted a printed channel)."""
    a = _analyze(version, "bug_cond_chan_cycle.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.confidence == "medium"
    assert set(f.goroutines) == _fn_gids(a, "main.batchWaiter") | _fn_gids(a, "main.batchSignaller")
    assert any("sealed cycle" in n and "does not print" in n for n in f.notes), f.notes


def test_a_listener_beside_the_store_is_not_the_lock_holder() -> None:
    """bug_dl_missing_unlock on Go 1.21: a net.(*TCPListener) allocated just below the
    blobStore carries a word 48 bytes below the lock, while every waiter reaches it 16 bytes
    below, through the main.(*blobStore) receiver. A net type cannot hold a main struct, so the
    listener (alive, in IO wait) is not the holder, and the uploader's re-lock is found. Before:
    no finding (the live listener was taken for the holder)."""
    a = _analyze("go1.21", "bug_dl_missing_unlock.stack.txt")
    [f] = [f for f in a.findings if f.kind == "deadlock"]
    assert f.at_least("medium")
    assert set(f.goroutines) == _fn_gids(a, "main.blobUploader")
    assert set(f.blocked_behind) == _fn_gids(a, "main.blobReader")
    assert any("cannot hold the struct the waiters reach the lock through" in n for n in a.notes), a.notes


def test_cond_queue_with_a_signalled_history_is_not_sealed() -> None:
    """healthy_cond_queue: consumers in Cond.Wait and a producer on its ticker carry the one
    queue nobody else carries; the consumers' notify-list tickets are above 0, so a signaller
    exists: no deadlock at medium."""
    a = _analyze("go1.27", "healthy_cond_queue.stack.txt")
    assert not a.at_least("medium")
