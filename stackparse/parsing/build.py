"""Records from what the segmenter collected.

``_block_plan`` runs the ``goroutine`` rule of ``grammars/dump.lark`` over a block's sequence of
line kinds (once per distinct sequence) and says which line plays which part; ``_DumpBuilder``
collects one dump's parts and makes the frozen :class:`~stackparse.model.Dump`;
``_build_preamble`` reads the panic / fatal error / signal lines before the goroutines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ..model import (
    Ancestor,
    CreatedBy,
    Diagnostic,
    Dump,
    Elision,
    Frame,
    Goroutine,
    Panic,
    Preamble,
    ProfileRecord,
    Signal,
    TestReport,
    ThreadSection,
)
from .grammar import GrammarError, HeaderInfo, parse_line, parse_structure, try_line

# ====================================================================== block plans


@lru_cache(maxsize=8192)
def _block_plan(kinds: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """What each line of a block is, from the grammar's parse of its sequence of line kinds.

    The plan is a list of (operation, line index, second line index); cached per distinct
    sequence, so the grammar reads each stack shape once.
    """
    tree = parse_structure("goroutine", [(k, i) for i, k in enumerate(kinds)])
    ops: list[tuple[str, int, int]] = []

    def walk(t: Any) -> None:
        data = t.data
        if data == "go_frame":
            ops.append(("frame", t.children[0].value, t.children[1].value))
            return
        if data == "cgo_frame":
            ch = t.children
            ops.append(("cgo", ch[0].value, ch[1].value if len(ch) > 1 else -1))
            return
        if data == "created":
            ops.append(("created", t.children[0].value, t.children[1].value))
            return
        for ch in t.children:
            if hasattr(ch, "data"):
                if ch.data == "ancestor":
                    ops.append(("ancestor", ch.children[0].value, -1))
                walk(ch)
            else:
                kind = ch.type
                if kind == "ELIDED":
                    ops.append(("elided", ch.value, -1))
                elif kind == "UNAVAILABLE":
                    ops.append(("unavailable", ch.value, -1))

    walk(tree)
    return tuple(ops)


# ====================================================================== dump builder


class _DumpBuilder:
    def __init__(self, start_line: int) -> None:
        self.start_line = start_line
        self.end_line = start_line
        self.preamble: list[str] = []
        self.preamble_lines: list[int] = []
        self.goroutines: list[Goroutine] = []
        self.ids: set[int] = set()
        self.runtime_stack: tuple[Frame, ...] | None = None
        self.threads: list[tuple[Signal | None, list[Goroutine], list[tuple[str, int]]]] = []
        self.registers: list[tuple[str, int]] = []
        self.profile: str | None = None
        self.total: int | None = None
        self.records: list[ProfileRecord] = []
        self.trailer: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.truncated = False
        self.goleak: tuple[str, ...] | None = None  # a goleak report: the failing test(s)
        self.goleak_ids: list[int] = []  # the goroutines goleak listed
        self.quoted = False  # opened by a preamble line quoted inside a log line
        self.profile_kinds: list[tuple[str, int]] = []  # a profile's lines, as dump.lark's tokens
        self.shape: list[tuple[str, int]] = []  # the dump after its preamble, as dump.lark's tokens

    def mark(self, token: str, line: int) -> None:
        """Note a part of the dump for dump.lark's ``dump`` rule. Repeats that the grammar reads
        alike are kept short (two blocks, two register lines, one empty line), so the rule's work
        does not grow with the dump."""
        shape = self.shape
        if token == "BLANK":
            if shape and shape[-1][0] == "BLANK":
                return
        elif token == "REGISTER":
            if len(shape) >= 2 and shape[-1][0] == shape[-2][0] == "REGISTER":
                return
        elif token == "GOROUTINE_BLOCK" and len(shape) >= 4 and shape[-1][0] == shape[-3][0] == "BLANK" \
                and shape[-2][0] == shape[-4][0] == "GOROUTINE_BLOCK":
            return
        shape.append((token, line))

    def is_empty(self) -> bool:
        """No goroutine, profile record or stack: at most a preamble."""
        return not (self.goroutines or self.records or self.threads or self.runtime_stack is not None)

    def has_content(self) -> bool:
        return bool(self.goroutines or self.preamble or self.records or self.profile or self.threads
                    or self.runtime_stack is not None)

    def build(self) -> Dump:
        preamble, kind, diags, pkinds = _build_preamble(self.preamble, self.preamble_lines)
        if self.profile is not None:
            kind = "profile"
            diags += _check_profile(self.profile_kinds)
        else:
            diags += _check_dump(pkinds, self.shape, self.start_line)
        threads = tuple(
            ThreadSection(sig, tuple(gs), tuple(regs)) for sig, gs, regs in self.threads
        )
        report = None
        if self.goleak is not None:
            report = TestReport("goleak", self.goleak, None, tuple(dict.fromkeys(self.goleak_ids)))
        elif preamble.test_timeout is not None:
            report = TestReport("go test", tuple(_RUNNING_SUFFIX.sub("", r) for r in preamble.running_tests),
                                timeout=preamble.test_timeout)
        if report is not None:
            report = with_package(report, self.trailer)
        return Dump(
            kind=kind,
            goroutines=tuple(self.goroutines),
            preamble=preamble,
            runtime_stack=self.runtime_stack,
            threads=threads,
            registers=tuple(self.registers),
            profile=self.profile,
            total=self.total,
            records=tuple(self.records),
            trailer=tuple(self.trailer),
            diagnostics=tuple(diags + self.diagnostics),
            truncated=self.truncated,
            start_line=self.start_line,
            end_line=self.end_line,
            test_report=report,
        )


def _check_dump(preamble: list[tuple[str, int]], shape: list[tuple[str, int]], line: int) -> list[Diagnostic]:
    """Run dump.lark's ``dump`` rule over the dump: its preamble's line kinds, then its parts as
    the segmenter read them (blocks, register lines, relay sections). Cached per distinct shape."""
    kinds = [*preamble, ("BLANK", line)] if preamble else []
    kinds += shape
    key = tuple(k for k, _ in kinds)
    verdict = _DUMP_VERDICTS.get(key)
    if verdict is None:
        try:
            parse_structure("dump", kinds)
            verdict = ("", "", -1)
        except GrammarError as e:
            pos = next((i for i, (_, ln) in enumerate(kinds) if ln == e.column), -1) if e.column is not None else -1
            verdict = (str(e), e.expected, pos)
        if len(_DUMP_VERDICTS) > 4096:
            _DUMP_VERDICTS.clear()
        _DUMP_VERDICTS[key] = verdict
    message, expected, pos = verdict
    if not message:
        return []
    at = kinds[pos][1] if 0 <= pos < len(kinds) else line
    return [Diagnostic(at, "dump: " + message, "", expected, "warning")]


_DUMP_VERDICTS: dict[tuple[str, ...], tuple[str, str, int]] = {}


def _check_profile(kinds: list[tuple[str, int]]) -> list[Diagnostic]:
    """Run dump.lark's ``profile`` rule over a pprof debug=1 profile's lines (their kinds and
    line numbers); a record also ends where the dump ends. What it refuses is a Diagnostic."""
    if kinds and kinds[-1][0] != "BLANK":
        kinds = [*kinds, ("BLANK", kinds[-1][1])]
    try:
        parse_structure("profile", kinds)
    except GrammarError as e:
        line = e.column if e.column is not None else (kinds[0][1] if kinds else 0)
        return [Diagnostic(line, "profile: " + str(e), "", e.expected, "warning")]
    return []


#: " (5s)" after a test's name in a timeout's "running tests:" list.
_RUNNING_SUFFIX = re.compile(r" \([0-9.]+[a-zµ]*\)$")
#: go test's summary line of a package: "FAIL\texample.com/p\t0.45s", "ok  \texample.com/p\t0.1s".
PACKAGE_LINE = re.compile(r"^(?:FAIL|ok) *\t(\S+)(?:\t|$)")


def with_package(report: TestReport, trailer: list[str] | tuple[str, ...]) -> TestReport:
    """The report with the package named by go test's summary line among ``trailer``."""
    if report.package is not None:
        return report
    for line in trailer:
        m = PACKAGE_LINE.match(line)
        if m is not None:
            return replace(report, package=m.group(1))
    return report


_RECOVERED = (" [recovered, repanicked]", " [recovered]")


def _build_preamble(lines: list[str], linenos: list[int]
                    ) -> tuple[Preamble, str, list[Diagnostic], list[tuple[str, int]]]:
    panics: list[list[Any]] = []  # [value, recovered, repanicked]
    fatal: str | None = None
    signal: Signal | None = None
    diags: list[Diagnostic] = []
    last: list[Any] | None = None  # the entry continuation lines extend
    signame: str | None = None
    kinds: list[tuple[str, int]] = []
    for idx, line in enumerate(lines):
        stripped = line.lstrip("\t ")
        if line[:1] == " " and stripped.startswith(("panic: ", "fatal error: ")):
            line = "\t" + stripped  # a chain line whose TAB became spaces
        kind = "TEXT"
        try:
            if stripped.startswith("panic: "):
                _, value = parse_line("panic_line", line)
                entry = [value, False, False]
                panics.append(entry)
                last = entry
                kind = "PANIC"
            elif stripped.startswith("fatal error: "):
                _, value = parse_line("fatal_line", line)
                fatal = value
                last = None
                kind = "FATAL"
            elif line.startswith("[signal "):
                name, code, addr, pc = parse_line("signal_line", line)
                signal = Signal(name, code, addr, pc)
                last = None
                kind = "SIGNAL"
            elif line.startswith(("SIG", "Signal ")) and try_line("signame_line", line) is not None:
                signame = parse_line("signame_line", line)
                signal = Signal(signame)
                last = None
                kind = "SIGNAME"
            elif line.startswith("PC=0x"):
                pc, m, code, addr = parse_line("pc_line", line)
                signal = Signal(signame or (signal.name if signal else ""), None, addr, pc, m, code)
                last = None
                kind = "PC"
            elif last is not None:
                cont = line[1:] if line.startswith("\t") else line.removeprefix("    ")
                last[0] = last[0] + "\n" + cont
        except GrammarError as e:
            diags.append(Diagnostic(linenos[idx], str(e), line, e.expected, "warning"))
        kinds.append((kind, idx))
    if kinds:
        try:
            parse_structure("preamble", kinds)
        except GrammarError as e:  # pragma: no cover - every preamble line kind is accepted
            diags.append(Diagnostic(linenos[0], "preamble: " + str(e), "", e.expected, "warning"))
    chain: list[Panic] = []
    timeout: str | None = None
    running: list[str] = []
    for value, _, _ in panics:
        rec = rep = False
        first, _, rest = value.partition("\n")
        for suffix in _RECOVERED:
            if first.endswith(suffix):
                first = first[: -len(suffix)]
                rec = True
                rep = suffix.startswith(" [recovered,")
                break
        full = first + ("\n" + rest if rest else "")
        chain.append(Panic(full, rec, rep))
        if first.startswith("test timed out after ") and timeout is None:
            timeout = first[len("test timed out after ") :]
            in_list = False
            for r in rest.split("\n"):
                r = r.strip("\t")
                if r == "running tests:":
                    in_list = True
                elif in_list and r:
                    running.append(r)
    if timeout is not None:
        kind = "test-timeout"
    elif signame is not None:
        kind = "signal"
    elif fatal is not None:
        kind = "fatal"
    elif chain:
        kind = "panic"
    else:
        kind = "stack"
    return (
        Preamble(tuple(chain), fatal, signal, timeout, tuple(running), tuple(lines)),
        kind,
        diags,
        [(k, linenos[i]) for k, i in kinds],
    )


_PLACEHOLDER = Goroutine(-1, "")
def _goroutine(h: HeaderInfo, frames: tuple[Frame, ...], elision: Elision | None, created: CreatedBy | None,
               ancestors: tuple[Ancestor, ...], unavailable: bool, truncated: bool, lineno: int) -> Goroutine:
    return Goroutine(
        h.id, h.state, frames, h.wait_minutes, h.locked_to_thread, h.leaked, h.scan, h.durable,
        h.synctest_group, h.synctest_bubble, h.labels, h.gp, h.m, h.mp, elision, created, ancestors,
        unavailable, truncated, lineno,
    )


