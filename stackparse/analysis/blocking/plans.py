"""Per stack shape, where the goroutines of that shape keep the object they wait on.

A plan says, for one stack shape (wait reason + function names), which operation it is, the kind
of object, and where the object's address is printed: a list of (frame index, argument position,
offset to subtract, description), best first. The exported sync frames stay visible at the
default traceback level: ``sync.(*Mutex).lockSlow(0xc0000140a0)``, ``sync.(*WaitGroup).Wait``,
``sync.(*Cond).Wait``, ``sync.runtime_notifyListWait`` (the Cond's notify list, at Cond+16),
``sync.runtime_SemacquireMutex(sema)`` (Mutex.sema at Mutex+4; RWMutex.writerSem at +8, readerSem
at +12), ``sync.runtime_Semacquire`` (WaitGroup.sema at +8). At level 2 ``runtime.semacquire1``,
``runtime.chansend`` and ``runtime.chanrecv`` print the address exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...model import Frame
from .ops import _DUMPER_FUNCS, _RUNTIME_REASONS, _STATE_OPS, OP_KIND, is_machinery


@dataclass(frozen=True, slots=True)
class _Plan:
    op: str
    kind: str | None
    sources: tuple[tuple[int, int, int, str], ...]
    site: int | None
    role: str | None
    detail: str
    user: tuple[int, ...] = ()  # indices of frames outside runtime/sync/time: where pointers are read
    system: bool = False
    dumper_frames: bool = False


_MUTEX_SLOW = frozenset(
    {
        "sync.(*Mutex).lockSlow",
        "internal/sync.(*Mutex).lockSlow",
        "sync.(*Mutex).Lock",
        "internal/sync.(*Mutex).Lock",
        "sync.(*Mutex).TryLock",
    }
)
_MUTEX_SEMA = frozenset({"sync.runtime_SemacquireMutex", "internal/sync.runtime_SemacquireMutex"})
#: internal/poll's lock of one file descriptor (read/write lock, and the full lock of Close)
_FD_MUTEX = frozenset({"internal/poll.(*fdMutex).rwlock", "internal/poll.(*fdMutex).lock"})
_WG_SEMA = frozenset({"sync.runtime_Semacquire", "sync.runtime_SemacquireWaitGroup"})
_CHAN_FUNCS = {
    "runtime.chansend": "chan-send",
    "runtime.chansend1": "chan-send",
    "runtime.selectnbsend": "chan-send",
    "runtime.chanrecv": "chan-recv",
    "runtime.chanrecv1": "chan-recv",
    "runtime.chanrecv2": "chan-recv",
    "runtime.selectnbrecv": "chan-recv",
}


def _site_index(funcs: tuple[str, ...], pkgs: tuple[str, ...]) -> int | None:
    for i, p in enumerate(pkgs):
        if not is_machinery(p):
            return i
    return None


_SHAPES: dict[tuple, _Plan] = {}


def _shape_plan(state: str, frames: tuple[Frame, ...], funcs: tuple[str, ...], cb_pkg: str | None, gid1: bool) -> _Plan:
    """The plan of one stack shape, cached on (state, function names, creator package, is g1)."""
    key = (state, funcs, cb_pkg, gid1)
    p = _SHAPES.get(key)
    if p is not None:
        return p
    pkgs = tuple(f.function.package for f in frames)
    base = _plan(state, funcs, pkgs)
    user = tuple(i for i, pk in enumerate(pkgs) if not is_machinery(pk) and pk != "time")
    system = state in _RUNTIME_REASONS or (
        bool(funcs) and (cb_pkg == "runtime" or (not gid1 and all(is_machinery(pk) for pk in pkgs)))
    )
    dumper = any(f in _DUMPER_FUNCS for f in funcs[:8])
    p = _Plan(base.op, base.kind, base.sources, base.site, base.role, base.detail, user, system, dumper)
    if len(_SHAPES) > 65536:
        _SHAPES.clear()
    _SHAPES[key] = p
    return p


def _plan(state: str, funcs: tuple[str, ...], pkgs: tuple[str, ...]) -> _Plan:
    op = _STATE_OPS.get(state)
    if op is None:
        if state in _RUNTIME_REASONS or state.startswith("GC ") or state.endswith("(idle)"):
            op = "runtime"
        elif state == "waiting" or state == "leaked":
            op = "other"
        else:
            op = "other"
    site = _site_index(funcs, pkgs)
    sources: list[tuple[int, int, int, str]] = []
    role: str | None = None
    detail = ""

    # Indices of the sync frames that name the API being waited in, innermost first.
    idx = {f: i for i, f in reversed(list(enumerate(funcs)))}  # first occurrence wins

    def at(name: str) -> int | None:
        return idx.get(name)

    rw_rlock = at("sync.(*RWMutex).RLock")
    rw_lock = at("sync.(*RWMutex).Lock")
    wg_wait = at("sync.(*WaitGroup).Wait")
    cond_wait = at("sync.(*Cond).Wait")
    notify = at("sync.runtime_notifyListWait")
    lock_slow = next((i for i, f in enumerate(funcs) if f in _MUTEX_SLOW), None)
    mutex_sema = next((i for i, f in enumerate(funcs) if f in _MUTEX_SEMA), None)
    rw_sema_r = at("sync.runtime_SemacquireRWMutexR")
    rw_sema_w = at("sync.runtime_SemacquireRWMutex")
    wg_sema = next((i for i, f in enumerate(funcs) if f in _WG_SEMA), None)
    sema1 = at("runtime.semacquire1")

    sync_ops = {"semacquire", "mutex-lock", "rwmutex-rlock", "rwmutex-lock", "waitgroup-wait", "cond-wait"}
    if op in sync_ops or (op == "other" and (lock_slow is not None or wg_wait is not None)):
        # The outermost sync API frame decides the operation.
        api = [
            (i, n)
            for i, n in (
                (rw_rlock, "rwmutex-rlock"),
                (rw_lock, "rwmutex-lock"),
                (wg_wait, "waitgroup-wait"),
                (cond_wait, "cond-wait"),
            )
            if i is not None
        ]
        if api:
            i, name = max(api)
            op = name
        elif lock_slow is not None or mutex_sema is not None:
            op = "mutex-lock"
        elif rw_sema_r is not None:
            op = "rwmutex-rlock"
        elif rw_sema_w is not None:
            op = "rwmutex-lock"
        elif wg_sema is not None and op == "waitgroup-wait":
            pass
        elif op == "semacquire" and wg_sema is not None:
            op = "semacquire"  # a plain sync.runtime_Semacquire outside WaitGroup
        if op == "mutex-lock":
            if lock_slow is not None:
                sources.append((lock_slow, 0, 0, funcs[lock_slow]))
            if sema1 is not None:
                sources.append((sema1, 0, 4, "runtime.semacquire1 (Mutex.sema = Mutex+4)"))
            if mutex_sema is not None:
                sources.append((mutex_sema, 0, 4, f"{funcs[mutex_sema]} (Mutex.sema = Mutex+4)"))
        elif op == "rwmutex-rlock":
            if rw_rlock is not None:
                sources.append((rw_rlock, 0, 0, "sync.(*RWMutex).RLock"))
            # 1.20+: SemacquireRWMutexR(&rw.readerSem); 1.19: SemacquireMutex(&rw.readerSem)
            for sema, name in (
                (rw_sema_r, "sync.runtime_SemacquireRWMutexR"),
                (mutex_sema, "sync.runtime_SemacquireMutex"),
            ):
                if sema is not None:
                    if sema1 is not None:
                        sources.append((sema1, 0, 12, "runtime.semacquire1 (RWMutex.readerSem = RWMutex+12)"))
                    sources.append((sema, 0, 12, f"{name} (RWMutex.readerSem = RWMutex+12)"))
                    break
            role = "reader"
        elif op == "rwmutex-lock":
            if rw_lock is not None:
                sources.append((rw_lock, 0, 0, "sync.(*RWMutex).Lock"))
            if lock_slow is not None:
                # rw.w.Lock(): a writer queued behind another writer; w is RWMutex+0.
                role = "writer-lock"
                sources.append((lock_slow, 0, 0, f"{funcs[lock_slow]} (RWMutex.w = RWMutex+0)"))
                if sema1 is not None:
                    sources.append((sema1, 0, 4, "runtime.semacquire1 (RWMutex.w.sema = RWMutex+4)"))
                if mutex_sema is not None:
                    sources.append((mutex_sema, 0, 4, f"{funcs[mutex_sema]} (RWMutex.w.sema = RWMutex+4)"))
            else:
                # waits for the active readers to leave: writerSem = RWMutex+8
                role = "writer-readers"
                for sema in (rw_sema_w, mutex_sema):
                    if sema is not None:
                        if sema1 is not None:
                            sources.append((sema1, 0, 8, "runtime.semacquire1 (RWMutex.writerSem = RWMutex+8)"))
                        sources.append((sema, 0, 8, f"{funcs[sema]} (RWMutex.writerSem = RWMutex+8)"))
                        break
        elif op == "waitgroup-wait":
            if wg_wait is not None:
                sources.append((wg_wait, 0, 0, "sync.(*WaitGroup).Wait"))
            if sema1 is not None:
                sources.append((sema1, 0, 8, "runtime.semacquire1 (WaitGroup.sema = WaitGroup+8)"))
            if wg_sema is not None:
                sources.append((wg_sema, 0, 8, f"{funcs[wg_sema]} (WaitGroup.sema = WaitGroup+8)"))
        elif op == "cond-wait":
            if cond_wait is not None:
                sources.append((cond_wait, 0, 0, "sync.(*Cond).Wait"))
            if notify is not None:
                sources.append((notify, 0, 16, "sync.runtime_notifyListWait (Cond.notify = Cond+16)"))
        elif op == "semacquire" and (fdmu := next((i for i, f in enumerate(funcs) if f in _FD_MUTEX), -1)) >= 0:
            # a second reader (or writer) of one file descriptor waits for its fdMutex, held by
            # the goroutine reading (writing) it, in IO wait: a lock whose address is the
            # internal/poll.FD (fdmu is its first field), as net.(*netFD).Read/Write print it
            op = "mutex-lock"
            sources.append((fdmu, 0, 0, f"{funcs[fdmu]} (the fd's read/write lock = internal/poll.FD+0)"))
        elif op == "semacquire":
            for i, f in enumerate(funcs):
                if f == "runtime.semacquire1" or (
                    f.startswith("sync.runtime_Semacquire") or f.startswith("internal/sync.runtime_Semacquire")
                ):
                    sources.append((i, 0, 0, f"{f} (semaphore)"))
                    break
    elif op in ("chan-send", "chan-recv", "chan-send-nil", "chan-recv-nil"):
        for i, f in enumerate(funcs):
            if f in _CHAN_FUNCS:
                sources.append((i, 0, 0, f))
        if not sources:
            detail = "channel address not printed (runtime frames hidden at this traceback level)"
    elif op == "select":
        detail = "select cases are not printed"
    elif op == "io-wait":
        poll = at("internal/poll.runtime_pollWait")
        if poll is not None:
            sources.append((poll, 0, 0, "internal/poll.runtime_pollWait"))
    if op in ("rwmutex-rlock", "rwmutex-lock") and role is None:
        role = "reader" if op == "rwmutex-rlock" else "writer-readers"
    kind = OP_KIND.get(op)
    return _Plan(op, kind, tuple(sources), site, role, detail)
