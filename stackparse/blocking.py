"""Blocking stage: what each goroutine is blocked in, and on which object.

For every :class:`~stackparse.model.Goroutine` of a dump, :func:`classify` returns a
:class:`Blocking`: the operation (``op``, one of :data:`OPS`), the kind of object it waits on
(``kind``: ``chan``, ``mutex``, ``rwmutex``, ``waitgroup``, ``cond``, ``netpoll``) and, when the
runtime printed it exactly, the object's address.

Where the information comes from (Go 1.19 - 1.27, see FORMATS.md section 3 and 4):

* the wait reason in the header decides the operation. Before 1.20 every sync wait reads
  ``semacquire`` and ``sync.WaitGroup.Wait`` reads ``semacquire`` until 1.23: the frames decide.
* the frames give the object. At the default level runtime frames are hidden, but the exported
  sync frames stay: ``sync.(*Mutex).lockSlow(0xc0000140a0)`` (``internal/sync.(*Mutex).lockSlow``
  in 1.24+), ``sync.(*WaitGroup).Wait(0x..)``, ``sync.(*Cond).Wait(0x..)``,
  ``sync.runtime_notifyListWait(0x..)`` (the Cond's notify list, at Cond+16),
  ``sync.runtime_SemacquireMutex(sema)`` (Mutex.sema at Mutex+4; RWMutex.writerSem at +8,
  readerSem at +12), ``sync.runtime_SemacquireRWMutexR`` / ``sync.runtime_SemacquireRWMutex``
  (1.20+), ``sync.runtime_Semacquire`` / ``sync.runtime_SemacquireWaitGroup`` (WaitGroup.sema at
  +8). At level 2 (SIGQUIT, GOTRACEBACK=system) ``runtime.semacquire1(sema, ...)``,
  ``runtime.chansend(c, ...)`` and ``runtime.chanrecv(c, ...)`` print the address exactly.
* only exact words are facts. A word printed with ``?`` is kept as ``hint``; inlined frames
  (``(...)``) print nothing. When the sync call is inlined (``sync.(*RWMutex).RLock(...)``) the
  exact pointer words of the calling frame are kept as ``handles``: the graph stage matches them
  against objects other goroutines identify exactly.

Work is cached per distinct stack shape (wait reason + function names): a 100,000-goroutine dump
has a few hundred shapes, and only the argument words differ between goroutines of one shape.
:func:`classify_all` looks the plan of a shape up once and reads per goroutine only the words the
plan points at; it returns a :class:`Blockings` dict that also keeps each goroutine's shape and
bucket for the graph and bucket stages. The graph stage reads the exact pointer words of every
user goroutine in one compiled pass in dump order (:func:`stacks_words`; :func:`shape_words` reads
those of one shape, a column of frames at a time).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from operator import attrgetter, itemgetter
from typing import Any

from ._compiled import active as _compiled_active
from .model import Dump, Frame, Goroutine

__all__ = [
    "FOREVER_OPS",
    "LIVE_OPS",
    "OPS",
    "WAIT_OPS",
    "Blocking",
    "classify",
    "classify_all",
    "exact_words",
    "frame_words",
    "is_dumper",
    "is_machinery",
    "is_system",
    "is_waiting_library",
    "pointer_words",
    "rows_words",
    "shape_words",
    "stacks_words",
    "top_words",
]

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

# --------------------------------------------------------------------------- argument words


def _split_top(text: str) -> list[str]:
    """Split an argument list at top-level ``, `` (braces nest)."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    last = text[start:].strip()
    if last or out:
        out.append(last)
    return out


@lru_cache(maxsize=1 << 17)
def top_words(args_text: str) -> tuple[tuple[int | None, bool], ...]:
    """Top-level argument words of a frame as ``(value, exact)``.

    ``value`` is None for aggregates (``{...}``), ``...`` and ``_``; ``exact`` is False for a
    word printed with ``?``. ``(...)`` (inlined) gives ``()``.
    """
    if not args_text or args_text == "...":
        return ()
    out: list[tuple[int | None, bool]] = []
    for item in _split_top(args_text):
        if item.startswith("0x"):
            inexact = item.endswith("?")
            try:
                out.append((int(item.rstrip("?"), 16), not inexact))
            except ValueError:
                out.append((None, False))
        else:
            out.append((None, False))
    return tuple(out)


#: Words below this are counts, flags and small integers, never heap or global addresses.
MIN_POINTER = 0x10000


#: An exact hex word of at least MIN_POINTER (five digits or more), not followed by ``?``. Most
#: frames of a production dump print only inexact or small words (``0x0?, {0x62d858?, 0x1}``): one
#: C-level search rules them out before the exact split below (a superset: the split decides).
#: The possessive ``{5,}+`` never backtracks into a word, which keeps the scan linear and fast.
_EXACT_PTR = re.compile(r"0x[0-9a-fA-F_]{5,}+(?!\?)")


#: The argument-list language of the grammar (``args``), read flat: comma-separated items, each
#: opening braces, a word, closing braces (or an empty group). In such a text every ``0x`` starts
#: a word, words end at ``?``, ``,``, ``}`` or the end, and there is no ``_`` or upper-case digit
#: inside a word: the exact words of :func:`_exact_words_split` are exactly the matches of
#: :data:`_EXACT_HEX` (then >= MIN_POINTER). Anything else is split the slow way.
_ARG_WORD = r"(?:0x[0-9a-f]+\??|[0-9]+\??|\.\.\.|_)"
_ARG_ATOM = rf"(?:\{{*{_ARG_WORD}\}}*|\{{+\}}+)"
_FLAT_ARGS = rf"(?:{_ARG_ATOM}(?:, {_ARG_ATOM})*)?"
_FLAT = re.compile(_FLAT_ARGS)
#: Several flat argument lists joined by newlines (a column of frames, see :func:`shape_words`).
_FLAT_LINES = re.compile(rf"{_FLAT_ARGS}(?:\n{_FLAT_ARGS})*")
_EXACT_HEX = re.compile(r"0x([0-9a-f]{5,}+)(?!\?)")


def _hex_words(found: list[str]) -> tuple[int, ...]:
    return tuple([v for v in [int(x, 16) for x in found] if v >= MIN_POINTER])


@lru_cache(maxsize=1 << 18)
def _exact_words(args_text: str) -> tuple[int, ...]:
    if _FLAT.fullmatch(args_text) is not None:
        return _hex_words(_EXACT_HEX.findall(args_text))
    return _exact_words_split(args_text)


def _exact_words_split(args_text: str) -> tuple[int, ...]:
    """The definition: every comma-separated item (braces read as blanks) that is ``0x`` and
    hex digits, with no ``?``, and at least MIN_POINTER."""
    out = []
    for tok in args_text.replace("{", " ").replace("}", " ").split(","):
        tok = tok.strip()
        if tok.startswith("0x") and not tok.endswith("?"):
            try:
                v = int(tok, 16)
            except ValueError:
                continue
            if v >= MIN_POINTER:
                out.append(v)
    return tuple(out)


def exact_words(args_text: str) -> tuple[int, ...]:
    """Every exact (no ``?``) pointer-sized word of a frame, aggregates included."""
    if not args_text or "0x" not in args_text or _EXACT_PTR.search(args_text) is None:
        return ()
    return _exact_words(args_text)


def frame_words(frames: tuple[Frame, ...], idxs: tuple[int, ...]) -> list[tuple[int, int]]:
    """``(word, frame index)`` for every :func:`exact_words` word of ``frames[i]``, ``i`` in ``idxs``
    (in that order). One regex search over the frames' joined argument lists finds the few frames
    that carry an exact pointer at all; only those are split."""
    if not idxs:
        return []
    texts = [frames[i].args_text for i in idxs]
    joined = "\n".join(texts)
    search = _EXACT_PTR.search
    m = search(joined)
    if m is None:
        return []
    out: list[tuple[int, int]] = []
    k = 0  # index in idxs of the frame that starts at base
    base = 0
    while m is not None:
        p = m.start()
        k += joined.count("\n", base, p)
        i = idxs[k]
        for w in _exact_words(texts[k]):
            out.append((w, i))
        nl = joined.find("\n", p)
        if nl < 0:
            break
        base = nl + 1
        k += 1
        m = search(joined, base)
    return out


_ARGS_TEXT = attrgetter("args_text")


#: Hex-class characters (what _EXACT_PTR's run takes) -> "h", "?" -> "?", any other ASCII -> ".".
_RUNS = str.maketrans({chr(c): "h" if chr(c) in "0123456789abcdefABCDEF_" else "." for c in range(128)} | {"?": "?"})


def _column_clean(joined: str) -> bool:
    """No :data:`_EXACT_PTR` match in ``joined``, proven with two C-level passes: such a match is
    a run of five or more hex-class characters followed by neither another one nor ``?`` (the
    possessive run cannot stop early), i.e. ``hhhhh.`` or a final ``hhhhh`` once the text is
    mapped through :data:`_RUNS`. (A superset: a run with no ``0x`` before it counts too, and the
    column is then searched the exact way.)"""
    if not joined.isascii():
        return False
    t = joined.translate(_RUNS)
    return "hhhhh." not in t and not t.endswith("hhhhh")


#: The compiled rows_words (None: not built, or STACKPARSE_NO_SPEEDUPS). tests/test_speedups.py
#: holds it equal to _rows_words.
_flat_words: Callable[..., list[list[tuple[int, int]]]] | None = getattr(_compiled_active, "flat_words", None)


def shape_words(stacks: list[tuple[Frame, ...]], idxs: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """:func:`frame_words` ``(frames, idxs)`` for every ``frames`` of ``stacks`` (stacks of one shape)."""
    if _flat_words is not None and idxs and type(stacks) is list:
        # compiled: reads each frame's argument text in place (Frame is a tuple)
        return _flat_words(stacks, idxs, exact_words)
    return _rows_words(stacks, idxs, frames=True)


def stacks_words(stacks: list[tuple[Frame, ...]], idxs: list[tuple[int, ...]]) -> list[list[tuple[int, int]]]:
    """:func:`frame_words` ``(stacks[k], idxs[k])`` for every k: stacks of any shapes, each with its
    own frame indexes, read in the order given. Given in dump order, the order the parser
    allocated the frames in, this reads memory front to back: on a 100k-goroutine dump about 40%
    faster than a stack shape at a time (:func:`shape_words`), whose members lie all over the heap."""
    if _flat_words is not None and type(stacks) is list and type(idxs) is list:
        return _flat_words(stacks, idxs, exact_words)
    # a shape at a time, in Python: one column of frames is read at once (_rows_words)
    out: list[list[tuple[int, int]]] = [[] for _ in stacks]
    by_idxs: dict[tuple[int, ...], list[int]] = {}
    for k, ix in enumerate(idxs):
        if ix:
            by_idxs.setdefault(ix, []).append(k)
    for ix, ks in by_idxs.items():
        for k, ws in zip(ks, _rows_words([stacks[k] for k in ks], ix, frames=True)):
            out[k] = ws
    return out


def rows_words(rows: list[tuple[str, ...]], idxs: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """:func:`frame_words` for goroutines of one shape, given as rows: ``rows[k][i]`` is the
    argument text of frame ``i`` of goroutine ``k`` (every row as long as the shape).

    Frame ``i`` of every goroutine is a *column*, whose texts are joined and checked at once:
    most columns of a production dump carry no exact pointer in any goroutine (an argument is
    printed exact or with ``?`` depending on the call site, not on the goroutine), and cost a few
    C-level passes (:func:`_column_clean`). A column that may have one is read in one pass when
    the whole column is in the grammar's argument language, else text by text with
    :func:`exact_words`.
    """
    if _flat_words is not None and idxs and type(rows) is list:
        # the same, compiled (stackparse/_speedups.c: flat_words): each text read where it lies
        return _flat_words(rows, idxs, exact_words)
    return _rows_words(rows, idxs)


def _rows_words(
    rows: list[tuple[str, ...]] | list[tuple[Frame, ...]], idxs: tuple[int, ...], frames: bool = False
) -> list[list[tuple[int, int]]]:
    """:func:`rows_words` in Python (the compiled ``flat_words`` gives the same); with
    ``frames=True`` the rows are stacks of Frames, whose argument texts are read."""
    n = len(rows)
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    if not n or not idxs:
        return out
    cols: list[Any] = list(zip(*rows))
    search = _EXACT_PTR.search
    last = n - 1
    for i in idxs:
        texts = tuple(map(_ARGS_TEXT, cols[i])) if frames else cols[i]
        joined = "\n".join(texts)
        if _column_clean(joined) or search(joined) is None:
            continue
        if _column_flat(joined):
            # one pass over the column: a word, or "" for the newline that ends a goroutine's text
            k = 0
            o = out[0]
            for x in _EXACT_HEX_NL.findall(joined):
                if x:
                    v = int(x, 16)
                    if v >= MIN_POINTER:
                        o.append((v, i))
                elif k < last:
                    k += 1
                    o = out[k]
        else:
            for o, ws in zip(out, map(exact_words, texts)):
                for v in ws:
                    o.append((v, i))
    return out


#: The argument language (see :data:`_FLAT`) on skeletons: "0x" -> "X", then every hex digit
#: -> "h" (the parser's skeletons). A skeleton in this language stands for a text in the
#: language (decimal words, or an "X" in the text, fail it: such a column is read the slow way),
#: and the skeletons of a column repeat: its words differ in their digits, rarely in length.
_SKEL_ITEM = r"(?:\{*(?:Xh+\??|\.\.\.|_)\}*|\{+\}+)"
_SKEL_FLAT = re.compile(rf"(?:{_SKEL_ITEM}(?:, {_SKEL_ITEM})*)?")
_SKEL = str.maketrans(dict.fromkeys("0123456789abcdef", "h"))
_EXACT_HEX_NL = re.compile(r"\n|0x([0-9a-f]{5,}+)(?!\?)")


def _column_flat(joined: str) -> bool:
    """Every newline-separated text of ``joined`` is in the grammar's argument language (or
    ``False``: not proven)."""
    if not joined.isascii() or "X" in joined:
        return False
    fm = _SKEL_FLAT.fullmatch
    return all(fm(sk) is not None for sk in set(joined.replace("0x", "X").translate(_SKEL).split("\n")))


def pointer_words(frames: Iterable[Frame], start: int = 0) -> list[tuple[int, int, int]]:
    """``(word, frame index, position)`` for every exact pointer word of non-machinery frames
    from ``start`` outwards."""
    out = []
    for i, f in enumerate(frames):
        if i < start or is_machinery(f.function.package):
            continue
        for j, w in enumerate(exact_words(f.args_text)):
            out.append((w, i, j))
    return out


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


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True, slots=True)
class Blocking:
    """What one goroutine is blocked in.

    ``address`` is the identity of the object, set only from an exactly printed word (or derived
    from one at a fixed offset: a semaphore inside its Mutex); ``source`` names the frame and
    argument it came from. ``hint`` is the same word when it was printed with ``?``. ``site``
    is the index in ``frames`` of the first frame outside the runtime and sync (the call site);
    ``handles`` are the exact pointer words of that frame, used when the sync call itself was
    inlined. ``role`` tells, for an RWMutex, whether a writer waits for the writer lock
    (``writer-lock``) or for the readers to leave (``writer-readers``).
    """

    goroutine: int
    state: str
    op: str
    kind: str | None = None
    address: int | None = None
    source: str = ""
    hint: int | None = None
    site: int | None = None
    handles: tuple[int, ...] = ()
    role: str | None = None
    wait_minutes: int | None = None
    leaked: bool = False
    system: bool = False
    dumper: bool = False
    detail: str = ""
    user_frames: tuple[int, ...] = ()

    @property
    def waiting(self) -> bool:
        """Waits for another goroutine (a lock holder, a channel counterpart...)."""
        return self.op in WAIT_OPS

    @property
    def forever(self) -> bool:
        """Nothing can ever wake it: nil channel, select with no cases."""
        return self.op in FOREVER_OPS

    @property
    def live(self) -> bool:
        """Will make progress on its own: running, runnable, syscall, IO wait, sleep."""
        return self.op in LIVE_OPS and not self.system

    @property
    def exact(self) -> bool:
        return self.address is not None

    @property
    def resource(self) -> str | None:
        """Node name of the object in the wait-for graph, or None (no object, or unknown)."""
        if self.kind is None or self.address is None:
            return None
        return f"{self.kind}@{self.address:#x}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "goroutine": self.goroutine,
            "state": self.state,
            "op": self.op,
            "kind": self.kind,
            "address": None if self.address is None else hex(self.address),
            "source": self.source,
            "hint": None if self.hint is None else hex(self.hint),
            "site": self.site,
            "handles": [hex(h) for h in self.handles],
            "role": self.role,
            "wait_minutes": self.wait_minutes,
            "leaked": self.leaked,
            "system": self.system,
            "dumper": self.dumper,
            "detail": self.detail,
        }


# --------------------------------------------------------------------------- per-shape plans

# A plan says, for one stack shape, where each goroutine of that shape keeps its object:
# a list of (frame index, argument position, offset to subtract, description), best first.


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


def classify(g: Goroutine, dump: Dump | None = None, index: int | None = None) -> Blocking:
    """The :class:`Blocking` of one goroutine."""
    frames = g.frames
    funcs = tuple([f.function.full for f in frames])
    cb = g.created_by
    plan = _shape_plan(g.state, frames, funcs, None if cb is None else cb.function.package, g.id == 1)
    address, source, hint = _object_address(frames, plan.sources, _listed_word)
    handles: tuple[int, ...] = ()
    if plan.site is not None and plan.site < len(frames):
        handles = tuple(dict.fromkeys(exact_words(frames[plan.site].args_text)))
    system = plan.system if frames else is_system(g)
    op = plan.op
    if system and op not in ("running", "runnable", "syscall"):
        op = "runtime"
    return Blocking(
        goroutine=g.id,
        state=g.state,
        op=op,
        kind=plan.kind if op == plan.op else None,
        address=address if op == plan.op else None,
        source=source,
        hint=hint,
        site=plan.site,
        handles=handles,
        role=plan.role,
        wait_minutes=g.wait_minutes,
        leaked=g.leaked,
        system=system,
        dumper=g.state == "running"
        and (plan.dumper_frames or (dump is not None and dump.kind == "stack" and index == 0)),
        detail=plan.detail,
        user_frames=plan.user,
    )


class Blockings(dict[int, Blocking]):
    """What :func:`classify_all` returns: a ``dict[int, Blocking]`` that also remembers the stack
    shape of every goroutine (``shape_of``: goroutine id -> index in ``shapes``, the tuples of
    function names), so that the graph stage does not compute them again."""

    shape_of: dict[int, int]
    shapes: list[tuple[str, ...]]
    goroutines: tuple[Goroutine, ...]  # the dump's, to tell which dump the shapes belong to
    #: the bucket number of each goroutine of ``goroutines`` (by position, goroutine 0 included):
    #: equal numbers iff equal :func:`stackparse.buckets.bucket_key` (state, and function, file
    #: and line of every frame), numbered in order of first appearance
    bucket_of: list[int]


_FULL = attrgetter("function.full")
_FILE = attrgetter("file")
_LINE = attrgetter("line")
_NEW = object.__new__
(
    _s_goroutine,
    _s_state,
    _s_op,
    _s_kind,
    _s_address,
    _s_source,
    _s_hint,
    _s_site,
    _s_handles,
    _s_role,
    _s_wait_minutes,
    _s_leaked,
    _s_system,
    _s_dumper,
    _s_detail,
    _s_user_frames,
) = (Blocking.__dict__[name].__set__ for name in Blocking.__slots__)
assert Blocking.__slots__ == (
    "goroutine", "state", "op", "kind", "address", "source", "hint", "site", "handles", "role",
    "wait_minutes", "leaked", "system", "dumper", "detail", "user_frames",
)  # fmt: skip


def _blocking(
    goroutine: int, state: str, op: str, kind: str | None, address: int | None, source: str, hint: int | None,
    site: int | None, handles: tuple[int, ...], role: str | None, wait_minutes: int | None, leaked: bool,
    system: bool, dumper: bool, detail: str, user_frames: tuple[int, ...],
) -> Blocking:  # fmt: skip
    """``Blocking(...)`` with every field given, without the frozen dataclass's ``__init__`` (which
    sets each field through ``object.__setattr__``): the same object, about twice as fast."""
    b = _NEW(Blocking)
    _s_goroutine(b, goroutine)
    _s_state(b, state)
    _s_op(b, op)
    _s_kind(b, kind)
    _s_address(b, address)
    _s_source(b, source)
    _s_hint(b, hint)
    _s_site(b, site)
    _s_handles(b, handles)
    _s_role(b, role)
    _s_wait_minutes(b, wait_minutes)
    _s_leaked(b, leaked)
    _s_system(b, system)
    _s_dumper(b, dumper)
    _s_detail(b, detail)
    _s_user_frames(b, user_frames)
    return b


def _object_address(
    frames: tuple[Frame, ...], sources: Iterable[tuple[int, int, int, str]],
    word: Callable[[str, int], tuple[int | None, bool] | None],
) -> tuple[int | None, str, int | None]:
    """(address, how it was found, hint) of the object waited on, from a plan's sources (frame,
    argument, offset, description) in order: the first exact pointer-sized word gives the
    address; an inexact one (``0x…?``) only a hint."""
    hint = None
    for fi, ai, delta, desc in sources:
        if fi >= len(frames):
            continue
        w = word(frames[fi].args_text, ai)
        if w is None:
            continue
        v, exact = w
        if v is None:
            continue
        if exact and v >= MIN_POINTER:
            return v - delta, f"{desc}: argument {ai} = {v:#x}" + (f" - {delta}" if delta else ""), hint
        if hint is None and v >= MIN_POINTER:
            hint = v - delta
    return None, "", hint


def _listed_word(args_text: str, ai: int) -> tuple[int | None, bool] | None:
    """``top_words(args_text)[ai]`` (cached per text), or None when there is no such word."""
    ws = top_words(args_text)
    return ws[ai] if ai < len(ws) else None


def _word(args_text: str, ai: int) -> tuple[int | None, bool] | None:
    """``top_words(args_text)[ai]``, or None when there is no such word. The first word is read
    without splitting the whole list (the texts of a dump are unique: nothing to cache)."""
    if ai or "{" in args_text or "}" in args_text:
        ws = top_words(args_text)
        return ws[ai] if ai < len(ws) else None
    if not args_text or args_text == "...":
        return None
    c = args_text.find(",")
    item = (args_text if c < 0 else args_text[:c]).strip()
    if not item.startswith("0x"):
        return None if not item and c < 0 else (None, False)
    if item.endswith("?"):
        try:
            return (int(item.rstrip("?"), 16), False)
        except ValueError:
            return (None, False)
    try:
        return (int(item, 16), True)
    except ValueError:
        return (None, False)


def classify_all(dump: Dump) -> Blockings:
    """:func:`classify` for every goroutine of the dump proper, keyed by goroutine id.

    Goroutine 0 blocks (an M's g0 in crash relay sections) are left out. The same records as
    :func:`classify` goroutine by goroutine (tests/test_analyze_scale.py checks it on the corpus),
    with the per-shape part (the plan, the site, the user frames, ``system``) looked up once per
    group of goroutines with the same stack and only the argument words read per goroutine.

    The groups (:func:`stack_groups`) are goroutines with the same state, creator, and function,
    file and line in every frame (functions by identity: the parser shares them); their shape id,
    bucket (:attr:`Blockings.bucket_of`, for :func:`stackparse.buckets.bucketize_by`) and plan
    are then looked up by value, once per group.
    """
    out = Blockings()
    gs = dump.goroutines
    group_of, reps = stack_groups(gs)
    shape_of: dict[int, int] = {}
    shape_ids: dict[tuple[str, ...], int] = {}
    compiled: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    # (state, shape id, files, lines) -> bucket number
    bucket_ids: dict[tuple[Any, ...], int] = {}
    # per group: shape id, bucket number, and the compiled plan (made at its first goroutine
    # other than goroutine 0, in dump order, as a goroutine-by-goroutine pass would)
    g_shape: list[int] = []
    g_bucket: list[int] = []
    g_plan: list[tuple[Any, ...] | None] = [None] * len(reps)
    shapes: list[tuple[str, ...]] = []  # shape id -> its function names
    for r in reps:
        g = gs[r]
        frames = g.frames
        funcs = tuple(map(_FULL, frames))
        sid = shape_ids.get(funcs)
        if sid is None:
            sid = shape_ids[funcs] = len(shape_ids)
            shapes.append(funcs)
        bk = (g.state, sid, tuple(map(_FILE, frames)), tuple(map(_LINE, frames)))
        bi = bucket_ids.get(bk)
        if bi is None:
            bi = bucket_ids[bk] = len(bucket_ids)
        g_shape.append(sid)
        g_bucket.append(bi)
    # each group's plan, made at its first goroutine other than goroutine 0 (its first
    # goroutine, unless that is a goroutine 0 block of a crash dump's relay section), in dump
    # order of those goroutines, as a goroutine-by-goroutine pass would
    firsts = list(enumerate(reps))
    if any(gs[r].id == 0 for r in reps):
        seen: dict[int, int] = {}
        for k, x in enumerate(gs):
            if x.id != 0:
                seen.setdefault(group_of[k], k)
        firsts = sorted(seen.items(), key=itemgetter(1))
    for grp, r in firsts:
        g = gs[r]
        cb = g.created_by
        key = (g.state, g_shape[grp], None if cb is None else cb.function.package, g.id == 1)
        c = compiled.get(key)
        if c is None:
            c = compiled[key] = _compile_plan(g, shapes[g_shape[grp]], key)
        g_plan[grp] = c
    rows = _classify_rows if _CLASSIFY_ROWS is not None and type(gs) is tuple else _classify_rows_py
    rows(gs, group_of, g_plan, g_shape, out, shape_of, dump.kind == "stack")
    out.shape_of = shape_of
    out.shapes = shapes
    out.goroutines = gs
    out.bucket_of = [g_bucket[x] for x in group_of]
    return out


def _classify_rows_py(
    gs: tuple[Goroutine, ...], group_of: list[int], g_plan: list[tuple[Any, ...] | None], g_shape: list[int],
    out: dict[int, Blocking], shape_of: dict[int, int], stack_kind: bool,
) -> None:  # fmt: skip
    """The per-goroutine loop of :func:`classify_all` (the definition; the compiled
    ``classify_rows`` does the same): ``out[gid]`` and ``shape_of[gid]`` for every goroutine but
    goroutine 0, from its group's plan and its own argument words."""
    for index, g in enumerate(gs):
        gid = g.id
        if gid == 0:
            continue
        grp = group_of[index]
        frames = g.frames
        state = g.state
        shape_of[gid] = g_shape[grp]
        c = g_plan[grp]
        assert c is not None  # every group with a goroutine other than 0 has its plan
        sources, hsite, op, kind, same, site, role, system, dumper_frames, detail, user = c
        address, source, hint = _object_address(frames, sources, _word) if sources else (None, "", None)
        handles = () if hsite is None else _site_handles(frames[hsite].args_text)
        out[gid] = _blocking(
            gid,
            state,
            op,
            kind,
            address if same else None,
            source,
            hint,
            site,
            handles,
            role,
            g.wait_minutes,
            g.leaked,
            system,
            state == "running" and (dumper_frames or (stack_kind and index == 0)),
            detail,
            user,
        )


def _site_handles(text: str) -> tuple[int, ...]:
    """The exact pointer words of the call site's arguments, each once (``Blocking.handles``)."""
    if "0x" not in text or _EXACT_PTR.search(text) is None:
        return ()
    handles = _exact_words.__wrapped__(text)  # without its cache: the texts of a dump are unique
    return tuple(dict.fromkeys(handles)) if len(handles) > 1 else handles


def _compile_plan(g: Goroutine, funcs: tuple[str, ...], key: tuple[Any, ...]) -> tuple[Any, ...]:
    """What :func:`classify_all` needs of a goroutine's plan, as a flat tuple: the plan of its
    (state, shape, creator package, is goroutine 1); ``funcs`` are its function names."""
    state, _, cb_pkg, gid1 = key
    frames = g.frames
    plan = _shape_plan(state, frames, funcs, cb_pkg, gid1)
    system = plan.system if frames else is_system(g)
    op = plan.op
    if system and op not in ("running", "runnable", "syscall"):
        op = "runtime"
    same = op == plan.op
    site = plan.site
    return (
        plan.sources,
        site if site is not None and site < len(frames) else None,
        op,
        plan.kind if same else None,
        same,
        site,
        plan.role,
        system,
        plan.dumper_frames,
        plan.detail,
        plan.user,
    )


def _stack_groups_py(gs: tuple[Goroutine, ...]) -> tuple[list[int], list[int]]:
    """:func:`stack_groups` in Python."""
    seen: dict[tuple[Any, ...], int] = {}
    group_of: list[int] = []
    reps: list[int] = []
    for k, g in enumerate(gs):
        cb = g.created_by
        frames = g.frames
        if frames:
            fns, _, files, lines = islice(zip(*frames), 4)
        else:
            fns = files = lines = ()
        key = (g.state, id(None if cb is None else cb.function), g.id == 1, tuple(map(id, fns)), files, lines)
        grp = seen.get(key)
        if grp is None:
            grp = seen[key] = len(reps)
            reps.append(k)
        group_of.append(grp)
    return group_of, reps


def stack_groups(goroutines: tuple[Goroutine, ...]) -> tuple[list[int], list[int]]:
    """``(group_of, reps)``: goroutines with equal states, the same creator function object,
    the same "is goroutine 1", and in every frame the same function object and an equal file and
    line form one group (numbered in order of first appearance); ``group_of[k]`` is the group of
    ``goroutines[k]`` and ``reps[j]`` the index of group ``j``'s first goroutine.

    Functions are compared by identity (the parser shares one ``Function`` per name; its hash is
    Python code), so goroutines in one group have equal stacks by value and whatever is looked
    up by value once per group is what each would get. (Equal functions that are distinct
    objects put their goroutines in two groups: only the work is repeated.)"""
    if _stack_groups is not None and type(goroutines) is tuple:
        return _stack_groups(goroutines, _G_STATE, _G_FRAMES, _G_CREATED_BY)  # type: ignore[no-any-return]
    return _stack_groups_py(goroutines)


_G_STATE = Goroutine._fields.index("state")
_G_FRAMES = Goroutine._fields.index("frames")
_G_CREATED_BY = Goroutine._fields.index("created_by")
#: The compiled stack_groups (None: not built, or STACKPARSE_NO_SPEEDUPS).
_stack_groups: Callable[..., tuple[list[int], list[int]]] | None = getattr(_compiled_active, "stack_groups", None)
#: The compiled classify_rows (None: not built, or STACKPARSE_NO_SPEEDUPS).
_CLASSIFY_ROWS: Callable[..., None] | None = getattr(_compiled_active, "classify_rows", None)


def _classify_rows(
    gs: tuple[Goroutine, ...], group_of: list[int], g_plan: list[tuple[Any, ...] | None], g_shape: list[int],
    out: dict[int, Blocking], shape_of: dict[int, int], stack_kind: bool,
) -> None:  # fmt: skip
    """:func:`_classify_rows_py`, compiled (``classify_rows`` of stackparse/_speedups.c): the
    same records, made without a Python call per goroutine where the argument words are plain."""
    assert _CLASSIFY_ROWS is not None
    _CLASSIFY_ROWS(gs, group_of, g_plan, g_shape, out, shape_of, stack_kind, _G_FIELDS, _B_SLOTS, Blocking,
                   _word, _object_address, _site_handles)  # fmt: skip


_G_FIELDS = tuple(Goroutine._fields.index(f) for f in ("id", "state", "frames", "wait_minutes", "leaked"))
_B_SLOTS = tuple(Blocking.__dict__[name] for name in Blocking.__slots__)
