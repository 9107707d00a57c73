"""blocking: the operation and the object of each goroutine, from hand-built records whose frame
lines are copied from real dumps (corpus/go1.*), one layout per Go version."""

from __future__ import annotations

import re

import pytest

from stackparse.analysis.blocking import classify, exact_words, frame_words, is_system, top_words
from stackparse.model import CreatedBy, Dump, Frame, Function, Goroutine


def fn(full: str) -> Function:
    m = re.match(r"^(.*?/)?([^/.]+)\.(?:\((\*?[^)]+)\)\.)?(.*)$", full)
    assert m, full
    return Function(full, (m.group(1) or "") + m.group(2), m.group(3), m.group(4))


def G(gid: int, state: str, *lines: str, created_by: str | None = "main.setup", parent: int | None = None, leaked=False, minutes=None) -> Goroutine:
    """Goroutine from ``FUNC(ARGS)`` lines (innermost first)."""
    frames = []
    for i, ln in enumerate(lines):
        m = re.match(r"^(.+)\(([^()]*)\)$", ln)
        assert m, ln
        frames.append(Frame(fn(m.group(1)), m.group(2), "/app/main.go", 10 + i))
    cb = CreatedBy(fn(created_by), parent, "/app/main.go", 99) if created_by else None
    return Goroutine(id=gid, state=state, frames=tuple(frames), created_by=cb, leaked=leaked, wait_minutes=minutes)


# --------------------------------------------------------------------------- argument words


def test_top_words_exact_and_inaccurate():
    assert top_words("0xc0000140a0, 0x0?, {0x1, 0x2}") == ((0xC0000140A0, True), (0, False), (None, False))
    assert top_words("...") == ()
    assert top_words("") == ()


def test_exact_words_skips_small_and_inaccurate():
    assert exact_words("0xc0000a0018, {0x4d5a39?, 0x4}, 0x1, 0xc000012345") == (0xC0000A0018, 0xC000012345)


@pytest.mark.parametrize(
    "text, words",
    [
        # only inexact or small words: ruled out before splitting
        ("0x0?, 0x0?, {0x2de966cc6348?, 0x0?}, 0x0?", ()),
        ("{0x62d858?, 0x2de967bb8458?}, 0x41febb?, 0x0, 0xffff", ()),
        ("0x10000, 0xffff, 0x0000000000010000", (0x10000, 0x10000)),
        ("0xc000012345}, {0xc000054321 , 0x1}", (0xC000012345, 0xC000054321)),
        ("0x1_0000, 0xc000012345 ?", (0x10000,)),
        ("0xc000012345abc?, 0xc00001234g", ()),
        ("...", ()),
        ("", ()),
    ],
)
def test_exact_words_prefilter_keeps_the_split_semantics(text, words):
    assert exact_words(text) == words


def test_frame_words_maps_words_to_frame_indices_in_order():
    g = G(
        5,
        "chan receive",
        "main.a(0xc000012345, 0x0?)",
        "main.b(0x0?, 0x1)",
        "main.c(...)",
        "main.d({0xc000054321, 0xc000012345}, 0xc000099999?)",
        "main.e()",
        "main.f(0xc0000aaaaa)",
    )
    assert frame_words(g.frames, (0, 1, 2, 3, 4, 5)) == [
        (0xC000012345, 0),
        (0xC000054321, 3),
        (0xC000012345, 3),
        (0xC0000AAAAA, 5),
    ]
    assert frame_words(g.frames, (1, 3)) == [(0xC000054321, 3), (0xC000012345, 3)]
    assert frame_words(g.frames, (1, 2, 4)) == []
    assert frame_words(g.frames, ()) == []


# --------------------------------------------------------------------------- mutex


def test_mutex_go119_semacquire_lockslow():
    g = G(18, "semacquire",
          "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)",
          "sync.(*Mutex).lockSlow(0xc0000a2010)",
          "sync.(*Mutex).Lock(...)",
          "main.relockHelper(0x0?)",
          "main.relockSelfDeadlock(0x0?)")
    b = classify(g)
    assert (b.op, b.kind, b.address) == ("mutex-lock", "mutex", 0xC0000A2010)
    assert b.site == 3 and "lockSlow" in b.source


def test_mutex_go124_internal_sync():
    g = G(19, "sync.Mutex.Lock",
          "internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)",
          "internal/sync.(*Mutex).lockSlow(0xc00008e218)",
          "internal/sync.(*Mutex).Lock(...)",
          "sync.(*Mutex).Lock(...)",
          "main.(*sessionCache).lookup(0x0?, {0x4fd30b, 0x4})",
          "main.(*sessionCache).Refresh(0xc00008e210)")
    b = classify(g)
    assert (b.op, b.address, b.site) == ("mutex-lock", 0xC00008E218, 4)


def test_mutex_level2_semacquire1_gives_sema_minus_4():
    g = G(6, "semacquire",
          "runtime.gopark(0x0?, 0x0?, 0x0?, 0xc0?, 0x0?)",
          "runtime.goparkunlock(...)",
          "runtime.semacquire1(0xc0000180ac, 0x0?, 0x3, 0x1)",
          "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)",
          "sync.(*Mutex).lockSlow(0x0?)",
          "sync.(*Mutex).Lock(...)",
          "main.relockHelper(0x0?)")
    b = classify(g)
    assert b.address == 0xC0000180A8 and "Mutex+4" in b.source


def test_inaccurate_address_is_only_a_hint():
    g = G(6, "sync.Mutex.Lock",
          "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)",
          "sync.(*Mutex).lockSlow(0xc0000a2010?)",
          "main.f()")
    b = classify(g)
    assert b.address is None and b.hint == 0xC0000A2010 and b.resource is None


# --------------------------------------------------------------------------- RWMutex


def test_rwmutex_rlock_inlined_go121_uses_handles():
    g = G(6, "sync.RWMutex.RLock",
          "sync.runtime_SemacquireRWMutexR(0x5f5e100?, 0x70?, 0x5824e0?)",
          "sync.(*RWMutex).RLock(...)",
          "main.rwReentrantReader(0xc00001a0f0)")
    b = classify(g)
    assert (b.op, b.kind, b.address, b.role) == ("rwmutex-rlock", "rwmutex", None, "reader")
    assert b.handles == (0xC00001A0F0,)


def test_rwmutex_go119_semacquire_reader_level2():
    g = G(18, "semacquire",
          "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)",
          "runtime.semacquire1(0xc0000b200c, 0x0?, 0x0, 0x0)",
          "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)",
          "sync.(*RWMutex).RLock(...)",
          "main.rwReentrantReader(0xc0000b2000)")
    b = classify(g)
    assert (b.op, b.address) == ("rwmutex-rlock", 0xC0000B2000)


def test_rwmutex_writer_waiting_for_readers():
    g = G(7, "sync.RWMutex.Lock",
          "runtime.semacquire1(0xc0000b2008, 0x0?, 0x0, 0x0)",
          "sync.runtime_SemacquireRWMutex(0x0?, 0x0?, 0xc00006e0f0?)",
          "sync.(*RWMutex).Lock(0x1c9c380?)",
          "main.rwPendingWriter(0x0?)")
    b = classify(g)
    assert (b.op, b.address, b.role) == ("rwmutex-lock", 0xC0000B2000, "writer-readers")


def test_rwmutex_writer_queued_on_w_mutex():
    g = G(7, "sync.Mutex.Lock",
          "sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)",
          "sync.(*Mutex).lockSlow(0xc0000b2000)",
          "sync.(*Mutex).Lock(...)",
          "sync.(*RWMutex).Lock(0xc0000b2000)",
          "main.writer(0x0?)")
    b = classify(g)
    assert (b.op, b.address, b.role) == ("rwmutex-lock", 0xC0000B2000, "writer-lock")


# --------------------------------------------------------------------------- WaitGroup, Cond


@pytest.mark.parametrize("state, sema", [("semacquire", "sync.runtime_Semacquire"), ("sync.WaitGroup.Wait", "sync.runtime_SemacquireWaitGroup")])
def test_waitgroup_across_versions(state, sema):
    g = G(19, state, f"{sema}(0x0?)", "sync.(*WaitGroup).Wait(0xc000082070)", "main.wgWaiterHoldsLock(0x0?, 0x0?)")
    b = classify(g)
    assert (b.op, b.kind, b.address) == ("waitgroup-wait", "waitgroup", 0xC000082070)


def test_waitgroup_level2_sema_minus_8():
    g = G(19, "sync.WaitGroup.Wait",
          "runtime.semacquire1(0xc000082078, 0x0, 0x1, 0x0, 0x19)",
          "sync.runtime_SemacquireWaitGroup(0x0?)",
          "sync.(*WaitGroup).Wait(0x0?)",
          "main.wgWaiterHoldsLock(0x0?, 0x0?)")
    assert classify(g).address == 0xC000082070


def test_cond_from_notify_list():
    g = G(18, "sync.Cond.Wait",
          "sync.runtime_notifyListWait(0xc00009a050, 0x1)",
          "sync.(*Cond).Wait(0x0?)",
          "main.condWaitForever(0xc000090180)")
    b = classify(g)
    assert (b.op, b.address) == ("cond-wait", 0xC00009A040)
    assert b.handles == (0xC000090180,)


# --------------------------------------------------------------------------- channels and the rest


def test_chan_level1_has_no_address():
    g = G(6, "chan send", "main.lockHeldWhileSending(0xc000040776?, 0xc0000407b8?)")
    b = classify(g)
    assert (b.op, b.kind, b.address, b.site) == ("chan-send", "chan", None, 0)


def test_chan_level2_runtime_chanrecv():
    g = G(19, "chan receive",
          "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)",
          "runtime.chanrecv(0x2c04bfe840e0, 0x0, 0x1)",
          "runtime.chanrecv1(0x0?, 0x0?)",
          "main.main.func4()")
    b = classify(g)
    assert (b.op, b.address, b.site) == ("chan-recv", 0x2C04BFE840E0, 3)


@pytest.mark.parametrize(
    "state, op",
    [
        ("chan send (nil chan)", "chan-send-nil"),
        ("chan receive (nil chan)", "chan-recv-nil"),
        ("select (no cases)", "select-no-cases"),
        ("select", "select"),
        ("select (durable)", "select"),
        ("chan receive (durable)", "chan-recv"),
        ("IO wait", "io-wait"),
        ("syscall", "syscall"),
        ("sleep", "sleep"),
        ("running", "running"),
        ("runnable", "runnable"),
        ("sync.WaitGroup.Wait (durable)", "waitgroup-wait"),
        ("coroutine", "other"),
        ("unknown wait reason", "other"),
    ],
)
def test_states(state, op):
    b = classify(G(5, state, "main.f(0x0?)"))
    assert b.op == op
    assert b.forever == (op in ("chan-send-nil", "chan-recv-nil", "select-no-cases"))


def test_system_goroutines():
    gc = G(2, "force gc (idle)", "runtime.gopark(0x0?)", "runtime.goparkunlock(...)", "runtime.forcegchelper()", "runtime.goexit({})", created_by="runtime.init.7")
    assert is_system(gc) and classify(gc).op == "runtime"
    uniq = G(6, "chan receive", "runtime.gopark(0x0?)", "runtime.chanrecv(0xc0000740e0, 0x0, 0x1)", "runtime.unique_runtime_registerUniqueMapCleanup.func1()", created_by="unique.runtime_registerUniqueMapCleanup")
    assert is_system(uniq)
    user = G(7, "chan receive", "main.worker(0x0?)")
    assert not is_system(user)


def test_dumper():
    d = G(1, "running", "runtime/pprof.writeGoroutineStacks({0x5f15b8, 0x20e1faf1a008})", "main.main()", created_by=None)
    assert classify(d).dumper
    m = G(1, "running", "main.main()", created_by=None)
    assert classify(m, Dump(kind="stack", goroutines=(m,)), 0).dumper
    assert not classify(m, Dump(kind="signal", goroutines=(m,)), 0).dumper


def test_leaked_flag_carried():
    b = classify(G(19, "chan send", "main.leak.func1()", leaked=True, minutes=3))
    assert b.leaked and b.wait_minutes == 3
