"""Typed records for a parsed goroutine dump: :class:`Dump`, :class:`Goroutine`, :class:`Frame`.

Every record is immutable and typed — frozen slotted dataclasses, and typed NamedTuples for the
two records a big dump holds millions of (Frame, Goroutine) — with a ``to_dict()`` that returns
plain JSON data.
The records are what the rest of the pipeline (blocking, graph, detect, render) reads; nothing
downstream ever sees a parse tree. The interfaces of every stage (blocking.Resource/Blocking,
graph.WaitGraph, detect.Finding/Edge/Analysis, buckets.Bucket, render_*, the CLI) are fixed in
docs/architecture.md: READ IT before writing a stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, NamedTuple

__all__ = [
    "SCHEMA",
    "Ancestor",
    "Arg",
    "ArgGroup",
    "ArgWord",
    "CreatedBy",
    "Diagnostic",
    "Dump",
    "Elision",
    "Frame",
    "Function",
    "Goroutine",
    "Panic",
    "Preamble",
    "ProfileFrame",
    "ProfileRecord",
    "Signal",
    "TestReport",
    "ThreadSection",
]

#: Identifier of the JSON produced by ``Dump.to_dict()``; bumped only on incompatible changes.
SCHEMA = "stackparse/dump/1"


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class Function:
    """A function name as the runtime printed it, split into its parts.

    ``main.(*T).Method`` -> package ``main``, receiver ``*T``, name ``Method``;
    ``net/http.(*conn).serve`` -> package ``net/http``, receiver ``*conn``, name ``serve``;
    ``main.main.func1.2`` -> package ``main``, receiver ``None``, name ``main.func1.2``.
    """

    full: str
    package: str
    receiver: str | None
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {"full": self.full, "package": self.package, "receiver": self.receiver, "name": self.name}


@dataclass(frozen=True, slots=True)
class ArgWord:
    """One argument word: ``0x1b`` (exact), ``0x0?`` (maybe inaccurate), ``...`` or ``_``."""

    text: str
    inaccurate: bool = False

    @property
    def value(self) -> int | None:
        """The integer value of a hex word, or None for ``...`` / ``_``."""
        if self.text.startswith("0x"):
            return int(self.text, 16)
        return None

    def to_dict(self) -> Any:
        return self.text + ("?" if self.inaccurate else "")


@dataclass(frozen=True, slots=True)
class ArgGroup:
    """An aggregate argument printed in braces: ``{0xc000012345?, 0x0?}``."""

    items: tuple[Arg, ...]

    def to_dict(self) -> Any:
        """Nested lists of words, built without recursion (a group may nest deeply)."""
        out: list[Any] = []
        todo: list[tuple[tuple[Arg, ...], int, list[Any]]] = [(self.items, 0, out)]
        while todo:
            items, k, target = todo.pop()
            while k < len(items):
                a = items[k]
                k += 1
                if isinstance(a, ArgGroup):
                    inner: list[Any] = []
                    target.append(inner)
                    todo.append((items, k, target))
                    items, k, target = a.items, 0, inner
                else:
                    target.append(a.to_dict())
        return out


Arg = ArgWord | ArgGroup


def _parse_args_text(text: str) -> tuple[Arg, ...] | None:
    """The arguments of an argument list the grammar accepted when the frame was read: ``{``,
    ``}`` and words separated by ``, `` (None for ``...``). Read with an explicit stack, so
    depth costs no recursion; text outside that language (a Frame made by hand) still reads,
    as words."""
    if text == "...":
        return None
    stack: list[list[Arg]] = [[]]
    for tok in _ARG_TOKENS.findall(text):
        if tok == "{":
            stack.append([])
        elif tok == "}":
            if len(stack) > 1:
                items = stack.pop()
                stack[-1].append(ArgGroup(tuple(items)))
        elif tok[-1] == "?":
            stack[-1].append(ArgWord(tok[:-1], True))
        else:
            stack[-1].append(ArgWord(tok, False))
    while len(stack) > 1:  # (unbalanced text from a hand-made Frame)
        items = stack.pop()
        stack[-1].append(ArgGroup(tuple(items)))
    return tuple(stack[0])


_ARG_TOKENS = re.compile(r"\{|\}|[^{}, ]+")


_args_cache = lru_cache(maxsize=65536)(_parse_args_text)


class Frame(NamedTuple):
    """One frame of a goroutine's stack: a call line and its file line.

    Immutable. Frame and Goroutine are typed NamedTuples rather than frozen dataclasses because
    a production dump holds millions of them: a NamedTuple is about six times cheaper to create.

    ``args_text`` is the argument list exactly as printed between the parentheses; ``args``
    parses it on demand (``None`` for ``(...)``: inlined frames and ancestor frames print no
    arguments). Cgo frames have ``cgo=True`` and ``pc`` set, and may have no file.
    """

    function: Function
    args_text: str
    file: str
    line: int
    offset: int | None = None  # "+0x1b": pc offset from the function entry
    fp: int | None = None
    sp: int | None = None
    pc: int | None = None
    cgo: bool = False

    @property
    def inlined(self) -> bool:
        """True when the runtime printed ``(...)``: an inlined call (or an ancestor frame)."""
        return self.args_text == "..."

    @property
    def args(self) -> tuple[Arg, ...] | None:
        return _args_cache(self.args_text)

    @property
    def package(self) -> str:
        return self.function.package

    @property
    def receiver(self) -> str | None:
        return self.function.receiver

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        args = self.args
        d: dict[str, Any] = {
            "function": self.function.full,
            "package": self.function.package,
            "receiver": self.function.receiver,
            "name": self.function.name,
            "args": None if args is None else [a.to_dict() for a in args],
            "inlined": self.inlined,
            "file": self.file,
            "line": self.line,
            "offset": self.offset,
        }
        if self.fp is not None or self.sp is not None or self.pc is not None:
            d["fp"], d["sp"], d["pc"] = self.fp, self.sp, self.pc
        if self.cgo:
            d["cgo"] = True
        return d


@dataclass(frozen=True, slots=True)
class CreatedBy:
    """``created by FUNC [in goroutine N]`` and its file line."""

    function: Function
    parent_id: int | None
    file: str
    line: int
    offset: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "function": self.function.full,
            "parent_id": self.parent_id,
            "file": self.file,
            "line": self.line,
            "offset": self.offset,
        }


@dataclass(frozen=True, slots=True)
class Elision:
    """Frames the runtime left out: ``...N frames elided...`` (1.21+, in the middle of the
    stack, ``count`` known) or ``...additional frames elided...`` (<=1.20, at the end,
    ``count`` None). ``index`` is the position in ``frames`` where the gap is."""

    index: int
    count: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "count": self.count}


@dataclass(frozen=True, slots=True)
class Ancestor:
    """``[originating from goroutine N]:`` section (GODEBUG=tracebackancestors)."""

    id: int
    frames: tuple[Frame, ...]
    elided: bool = False
    created_by: CreatedBy | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "frames": [f.to_dict() for f in self.frames],
            "elided": self.elided,
            "created_by": None if self.created_by is None else self.created_by.to_dict(),
        }


# --------------------------------------------------------------------------- goroutines


class Goroutine(NamedTuple):
    """One goroutine block of a dump (immutable; a typed NamedTuple, see :class:`Frame`).

    ``state`` is what the runtime printed first inside the brackets: the wait reason when the
    goroutine waits for a reason (``chan receive``, ``sync.Mutex.Lock``, ``IO wait``), else the
    status word (``running``, ``runnable``, ``syscall``, ``waiting``, ``idle``...).
    ``line`` is the 1-based line number of the header in the input.
    """

    id: int
    state: str
    frames: tuple[Frame, ...] = ()
    wait_minutes: int | None = None
    locked_to_thread: bool = False
    leaked: bool = False
    scan: bool = False
    durable: bool = False
    synctest_group: int | None = None  # 1.24: ", synctest group N"
    synctest_bubble: int | None = None  # 1.25+: ", synctest bubble N"
    labels: tuple[tuple[str, str], ...] = ()
    gp: int | None = None
    m: int | None = None  # None also for "m=nil"; see has_m
    mp: int | None = None
    elision: Elision | None = None
    created_by: CreatedBy | None = None
    ancestors: tuple[Ancestor, ...] = ()
    stack_unavailable: bool = False
    truncated: bool = False
    line: int = 0

    @property
    def parent_id(self) -> int | None:
        return None if self.created_by is None else self.created_by.parent_id

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "wait_minutes": self.wait_minutes,
            "locked_to_thread": self.locked_to_thread,
            "leaked": self.leaked,
            "scan": self.scan,
            "durable": self.durable,
            "synctest_group": self.synctest_group,
            "synctest_bubble": self.synctest_bubble,
            "labels": dict(self.labels),
            "gp": _hex(self.gp),
            "m": self.m,
            "mp": _hex(self.mp),
            "frames": [f.to_dict() for f in self.frames],
            "elision": None if self.elision is None else self.elision.to_dict(),
            "created_by": None if self.created_by is None else self.created_by.to_dict(),
            "ancestors": [a.to_dict() for a in self.ancestors],
            "stack_unavailable": self.stack_unavailable,
            "truncated": self.truncated,
            "line": self.line,
        }


def _hex(v: int | None) -> str | None:
    return None if v is None else hex(v)


# --------------------------------------------------------------------------- preamble


@dataclass(frozen=True, slots=True)
class Panic:
    """One entry of a panic chain, oldest first."""

    value: str
    recovered: bool = False
    repanicked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "recovered": self.recovered, "repanicked": self.repanicked}


@dataclass(frozen=True, slots=True)
class Signal:
    """The signal of a crash: ``[signal SIGSEGV: ... code=0x1 addr=0x0 pc=0x...]`` or the
    fatal-signal preamble ``SIGQUIT: quit`` / ``PC=0x... m=0 sigcode=0``."""

    name: str
    code: int | None = None
    addr: int | None = None
    pc: int | None = None
    m: int | None = None
    sigcode: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": _hex(self.code),
            "addr": _hex(self.addr),
            "pc": _hex(self.pc),
            "m": self.m,
            "sigcode": self.sigcode,
        }


@dataclass(frozen=True, slots=True)
class Preamble:
    """What precedes the goroutine blocks of a crash."""

    panics: tuple[Panic, ...] = ()
    fatal_error: str | None = None
    signal: Signal | None = None
    test_timeout: str | None = None  # "2s" of "panic: test timed out after 2s"
    running_tests: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()  # every preamble line as written (prefixes removed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "panics": [p.to_dict() for p in self.panics],
            "fatal_error": self.fatal_error,
            "signal": None if self.signal is None else self.signal.to_dict(),
            "test_timeout": self.test_timeout,
            "running_tests": list(self.running_tests),
            "lines": list(self.lines),
        }


@dataclass(frozen=True, slots=True)
class ThreadSection:
    """A GOTRACEBACK=crash relay section: the signal relayed to another M, that M's g0 block
    (``goroutine 0 [idle]``) and the user goroutine it was running, if any."""

    signal: Signal | None
    goroutines: tuple[Goroutine, ...]
    registers: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": None if self.signal is None else self.signal.to_dict(),
            "goroutines": [g.to_dict() for g in self.goroutines],
            "registers": {k: hex(v) for k, v in self.registers},
        }


# --------------------------------------------------------------------------- pprof debug=1


@dataclass(frozen=True, slots=True)
class ProfileFrame:
    """``#\t0xPC\tfunc+0xOFF\tfile:line`` of a debug=1 profile record."""

    pc: int
    function: Function | None
    offset: int | None
    file: str | None
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pc": hex(self.pc),
            "function": None if self.function is None else self.function.full,
            "offset": self.offset,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """``COUNT @ 0xPC ...``: COUNT goroutines with the same stack (pprof debug=1)."""

    count: int
    pcs: tuple[int, ...]
    frames: tuple[ProfileFrame, ...]
    labels: tuple[tuple[str, str], ...] = ()
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "pcs": [hex(p) for p in self.pcs],
            "labels": dict(self.labels),
            "frames": [f.to_dict() for f in self.frames],
            "line": self.line,
        }


# --------------------------------------------------------------------------- dump


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something that could not be read, or was read with a caveat.

    ``line`` is 1-based in the input; ``expected`` says what the parser wanted there.
    """

    line: int
    message: str
    text: str = ""
    expected: str = ""
    severity: Literal["error", "warning", "info"] = "warning"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
            "expected": self.expected,
            "text": self.text,
        }

    def __str__(self) -> str:
        s = f"line {self.line}: {self.message}"
        if self.expected:
            s += f" (expected {self.expected})"
        if self.text:
            s += f": {self.text[:120]!r}"
        return s


@dataclass(frozen=True, slots=True)
class TestReport:
    """What ``go test`` or goleak printed around a dump.

    ``tool`` is ``"goleak"`` (a ``found unexpected goroutines:`` report: the dump's goroutines are
    the ones it listed, ``goroutine_ids``) or ``"go test"`` (a ``panic: test timed out after …``
    dump). ``tests``: for goleak the failing test (empty for ``VerifyTestMain``, which checks the
    whole package), for a timeout the tests that were running. ``package``: the import path of
    the ``FAIL\tpkg\t…`` line that follows, when there is one.
    """

    __test__ = False  # (not a pytest test class)

    tool: str
    tests: tuple[str, ...] = ()
    package: str | None = None
    goroutine_ids: tuple[int, ...] = ()
    timeout: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "tests": list(self.tests), "package": self.package,
                "goroutine_ids": list(self.goroutine_ids), "timeout": self.timeout}


#: Kinds of dump, from what starts it.
DumpKind = Literal[
    "stack",  # runtime.Stack / debug.Stack / pprof goroutine debug=2: no preamble
    "panic",
    "fatal",
    "signal",  # SIGQUIT and other fatal signals
    "test-timeout",
    "profile",  # pprof debug=1 (goroutine or goroutineleak profile)
]


@dataclass(frozen=True, slots=True)
class Dump:
    """A whole goroutine dump.

    ``goroutines`` holds the goroutine blocks of the dump proper; ``runtime_stack`` the frames
    of a ``runtime stack:`` block; ``threads`` the GOTRACEBACK=crash relay sections; for a
    pprof ``debug=1`` profile, ``records`` holds the aggregated stacks and ``profile`` its name
    (``goroutine`` or ``goroutineleak``). ``diagnostics`` says what could not be read.
    ``start_line``/``end_line`` give the dump's place in the input (1-based, inclusive).
    """

    kind: str
    goroutines: tuple[Goroutine, ...] = ()
    preamble: Preamble = field(default_factory=Preamble)
    runtime_stack: tuple[Frame, ...] | None = None
    threads: tuple[ThreadSection, ...] = ()
    registers: tuple[tuple[str, int], ...] = ()
    profile: str | None = None
    total: int | None = None
    records: tuple[ProfileRecord, ...] = ()
    trailer: tuple[str, ...] = ()  # go command lines after the dump: "exit status 2", "FAIL ..."
    diagnostics: tuple[Diagnostic, ...] = ()
    truncated: bool = False
    start_line: int = 0
    end_line: int = 0
    test_report: TestReport | None = None

    @property
    def all_goroutines(self) -> tuple[Goroutine, ...]:
        """Goroutines of the dump proper and of every crash relay section."""
        if not self.threads:
            return self.goroutines
        return self.goroutines + tuple(g for t in self.threads for g in t.goroutines)

    def goroutine(self, gid: int) -> Goroutine | None:
        for g in self.goroutines:
            if g.id == gid:
                return g
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": self.kind,
            "profile": self.profile,
            "total": self.total,
            "preamble": self.preamble.to_dict(),
            "goroutines": [g.to_dict() for g in self.goroutines],
            "runtime_stack": None if self.runtime_stack is None else [f.to_dict() for f in self.runtime_stack],
            "threads": [t.to_dict() for t in self.threads],
            "registers": {k: hex(v) for k, v in self.registers},
            "records": [r.to_dict() for r in self.records],
            "trailer": list(self.trailer),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "truncated": self.truncated,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "test_report": None if self.test_report is None else self.test_report.to_dict(),
        }
