"""What a goroutine's wait reason and frames say about the operation it is blocked in.

The tables map the header's wait reason to an operation (:data:`OPS`), the operation to the kind
of object it waits on, and tell the runtime's own goroutines (GC workers, finalizer...) apart.
Before Go 1.20 every sync wait reads ``semacquire`` and ``sync.WaitGroup.Wait`` reads
``semacquire`` until 1.23: the frames decide there (see :mod:`.plans`).
"""

from __future__ import annotations

from functools import lru_cache

from ...model import Dump, Goroutine

# --------------------------------------------------------------------------- operations

#: Every operation :func:`classify` can return.
OPS = (
    "chan-send",
    "chan-recv",
    "chan-send-nil",
    "chan-recv-nil",
    "select",
    "select-no-cases",
    "mutex-lock",
    "rwmutex-rlock",
    "rwmutex-lock",
    "waitgroup-wait",
    "cond-wait",
    "semacquire",  # a sync wait the frames do not explain
    "io-wait",
    "syscall",
    "sleep",
    "running",
    "runnable",
    "runtime",  # runtime-internal: GC workers, finalizer, scavenger, timers...
    "other",  # coroutine, synctest, unknown reasons
)

#: Operations that wait for another goroutine to act.
WAIT_OPS = frozenset(
    {
        "chan-send",
        "chan-recv",
        "select",
        "mutex-lock",
        "rwmutex-rlock",
        "rwmutex-lock",
        "waitgroup-wait",
        "cond-wait",
        "semacquire",
    }
)
#: Operations nothing can ever end.
FOREVER_OPS = frozenset({"chan-send-nil", "chan-recv-nil", "select-no-cases"})
#: Goroutines that are alive: they will do something without another goroutine's help.
LIVE_OPS = frozenset({"running", "runnable", "syscall", "io-wait", "sleep"})

#: Resource kind of each sync/chan operation.
OP_KIND = {
    "chan-send": "chan",
    "chan-recv": "chan",
    "chan-send-nil": "chan",
    "chan-recv-nil": "chan",
    "mutex-lock": "mutex",
    "rwmutex-rlock": "rwmutex",
    "rwmutex-lock": "rwmutex",
    "waitgroup-wait": "waitgroup",
    "cond-wait": "cond",
    "semacquire": "sema",
    "io-wait": "netpoll",
}

_STATE_OPS = {
    "chan send": "chan-send",
    "chan send (durable)": "chan-send",
    "chan send (synctest)": "chan-send",
    "chan receive": "chan-recv",
    "chan receive (durable)": "chan-recv",
    "chan receive (synctest)": "chan-recv",
    "chan send (nil chan)": "chan-send-nil",
    "chan receive (nil chan)": "chan-recv-nil",
    "select": "select",
    "select (durable)": "select",
    "select (synctest)": "select",
    "select (no cases)": "select-no-cases",
    "sync.Mutex.Lock": "mutex-lock",
    "sync.RWMutex.RLock": "rwmutex-rlock",
    "sync.RWMutex.Lock": "rwmutex-lock",
    "sync.WaitGroup.Wait": "waitgroup-wait",
    "sync.WaitGroup.Wait (durable)": "waitgroup-wait",
    "sync.Cond.Wait": "cond-wait",
    "semacquire": "semacquire",
    "IO wait": "io-wait",
    "syscall": "syscall",
    "sleep": "sleep",
    "running": "running",
    "runnable": "runnable",
    "preempted": "runnable",
    "copystack": "runnable",
    "idle": "runtime",
    "dead": "other",
}

_RUNTIME_REASONS = frozenset(
    {
        "GC assist marking",
        "GC assist wait",
        "GC sweep wait",
        "GC scavenge wait",
        "GC worker (idle)",
        "GC worker (active)",
        "GC mark termination",
        "GC weak to strong wait",
        "garbage collection",
        "garbage collection scan",
        "dumping heap",
        "force gc (idle)",
        "finalizer wait",
        "cleanup wait",
        "timer goroutine (idle)",
        "trace reader (blocked)",
        "wait for GC cycle",
        "stopping the world",
        "flushing proc caches",
        "trace goroutine status",
        "trace proc status",
        "page trace flush",
        "GOMAXPROCS updater (idle)",
        "panicwait",
        "debug call",
    }
)

# --------------------------------------------------------------------------- frame helpers


@lru_cache(maxsize=4096)
def is_machinery(package: str) -> bool:
    """Frames of the runtime and of sync: the blocking machinery, never the call site."""
    return (
        package == "runtime"
        or package == "sync"
        or package == "sync/atomic"
        or package.startswith("internal/")
        or package.startswith("runtime/internal")
    )


def is_waiting_library(package: str) -> bool:
    """:func:`is_machinery`, or ``time`` (``time.Sleep``): frames that say how a goroutine waits,
    not where in its own code it stands."""
    return package == "time" or is_machinery(package)


_DUMPER_FUNCS = frozenset(
    {
        "runtime.Stack",
        "runtime/debug.Stack",
        "runtime/debug.PrintStack",
        "runtime/pprof.writeGoroutineStacks",
        "runtime/pprof.writeGoroutine",
        "runtime/pprof.(*Profile).WriteTo",
    }
)


def is_dumper(g: Goroutine, dump: Dump | None = None, index: int | None = None) -> bool:
    """The goroutine that wrote the dump (runtime.Stack / pprof): it is running by definition."""
    if g.state != "running":
        return False
    for f in g.frames[:8]:
        if f.function.full in _DUMPER_FUNCS:
            return True
    # runtime.Stack(buf, true) and pprof debug=2 print the caller first, as [running], and at
    # level 1 the runtime.Stack frame itself is not shown.
    return dump is not None and dump.kind == "stack" and index == 0


def is_system(g: Goroutine) -> bool:
    """A runtime-owned goroutine (GC workers, finalizer, scavenger...), shown at level 2."""
    if g.state in _RUNTIME_REASONS:
        return True
    if not g.frames:
        return g.id == 0
    cb = g.created_by
    if cb is not None and cb.function.package == "runtime":
        return True
    # every frame in the runtime: bgsweep, forcegchelper, runfinq, unique's map cleanup...
    return g.id != 1 and all(is_machinery(f.function.package) for f in g.frames)
