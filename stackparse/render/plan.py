"""What a report says, and in which order, the same for every format.

:func:`make_plan` decides, once, what the text, Markdown, HTML and JSON reports lead with:

1. the verdict in one line (:attr:`Plan.verdict`);
2. what the input cannot show (:attr:`Plan.limits`): a dump cut off, a debug=1 profile;
3. for a panic or fatal error, the goroutine that crashed, its message and the frame at fault
   (:class:`Crash`);
4. the findings at ``medium`` or above, most certain first, numbered 1, 2, 3...;
5. the ``low`` ones (leads, not findings) grouped by wait site (:class:`LowGroup`), numbered on;
6. pprof labels (:class:`LabelGroup`).

``min_confidence`` and ``top`` cut the findings the same way for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Dump, Frame
from ._common import (
    View,
    at_least,
    confidence_rank,
    dump_title,
    goroutine_count,
    is_user_package,
)
from .words import plural, readable

__all__ = ["Crash", "LabelGroup", "LowGroup", "Plan", "crash_of", "finding_order", "make_plan"]

#: Kinds drawn before others at the same confidence.
_KIND_ORDER = ("deadlock", "leak")


def finding_order(confidence: Any, kind: Any, index: int) -> tuple[int, int, int]:
    """Sort key of a finding: most certain first, deadlocks before leaks, then as found."""
    k = str(getattr(kind, "value", kind))
    return (-confidence_rank(confidence), _KIND_ORDER.index(k) if k in _KIND_ORDER else 9, index)


@dataclass(frozen=True, slots=True)
class Crash:
    """The goroutine a panic or fatal error came from, and where."""

    message: str  # "panic: ..." / "fatal error: ..."
    goroutine: int | None
    state: str
    frame: Frame | None  # the frame at fault: the first one below the panic machinery
    caller: Frame | None  # the first frame in the program's own code, when ``frame`` is not
    signal: str | None = None


@dataclass
class LowGroup:
    """Low-confidence findings alike: same kind, same state, same wait site."""

    number: int
    kind: str
    state: str | None
    frame: Frame | None
    findings: list[Any] = field(default_factory=list)
    goroutines: list[int] = field(default_factory=list)
    count: int = 0

    @property
    def example(self) -> str:
        return readable(self.findings[0].title) if self.findings else ""


@dataclass(frozen=True, slots=True)
class LabelGroup:
    """Goroutines (or profile records) carrying one set of pprof labels."""

    labels: tuple[tuple[str, str], ...]
    count: int
    goroutines: tuple[int, ...]
    frame: Frame | None


@dataclass
class Plan:
    verdict: str
    limits: list[str]
    crash: Crash | None
    findings: list[tuple[int, Any]]  # (number, finding), medium and above
    low: list[LowGroup]
    omitted: int  # findings left out by min_confidence / top
    labels: list[LabelGroup]
    total: int  # findings in the analysis


# --------------------------------------------------------------------------- crash

_PANIC_FUNCS = frozenset(
    {
        "panic",
        "runtime.gopanic",
        "runtime.sigpanic",
        "runtime.throw",
        "runtime.fatal",
        "runtime.fatalthrow",
        "runtime.fatalpanic",
        "sync.fatal",
        "sync.throw",
        "internal/sync.fatal",
        "internal/sync.throw",
        "internal/runtime/maps.fatal",
        "runtime.mapassign_fast64",
    }
)


#: Fatal errors the runtime raises about the whole program, not in one goroutine.
_RUNTIME_VERDICTS = ("all goroutines are asleep", "no goroutines")


def _is_panic_frame(f: Frame) -> bool:
    full = f.function.full
    return (
        full in _PANIC_FUNCS
        or full.startswith(("runtime.panic", "runtime.goPanic", "runtime.fatal"))
        or (full.endswith(".fatal") and f.function.package.startswith(("runtime", "internal/", "sync")))
    )


def crash_of(dump: Dump) -> Crash | None:
    """The panicking goroutine of a panic or fatal-error dump (None for a test timeout, whose
    panic comes from the test binary's alarm, and for dumps taken on request)."""
    p = dump.preamble
    if p.test_timeout or not (p.panics or p.fatal_error):
        return None
    if p.fatal_error:
        message = f"fatal error: {p.fatal_error}"
        if p.panics:
            message = f"panic: {p.panics[-1].value} ({message})"
    else:
        message = f"panic: {p.panics[-1].value}"
        if p.panics[-1].recovered or len(p.panics) > 1:
            values = [x.value for x in p.panics]
            values = [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
            message = "panic: " + " -> ".join(values)
    signal = None if p.signal is None else p.signal.name
    if p.fatal_error and p.fatal_error.startswith(_RUNTIME_VERDICTS):  # no goroutine crashed
        return Crash(message, None, "", None, None, signal)
    gs = dump.goroutines
    g = next((g for g in gs if any(_is_panic_frame(f) for f in g.frames)), None)
    if g is None:  # the runtime prints the goroutine that crashed first
        g = next((g for g in gs if g.state == "running"), gs[0] if gs else None)
    if g is None:
        return Crash(message, None, "", None, None, signal)
    frames = g.frames
    last = max((i for i, f in enumerate(frames) if _is_panic_frame(f)), default=-1)
    rest = frames[last + 1 :] or frames
    frame = next((f for f in rest if not f.function.package.startswith(("runtime", "internal/"))), None)
    frame = frame or (rest[0] if rest else None)
    caller = None
    if frame is not None and not is_user_package(frame.function.package):
        caller = next((f for f in rest if is_user_package(f.function.package)), None)
    return Crash(message, g.id, g.state, frame, caller, signal)


# --------------------------------------------------------------------------- plan


def make_plan(view: View, min_confidence: str | None = None, top: int | None = None) -> Plan:
    dump = view.dump
    ordered = sorted(
        enumerate(view.findings), key=lambda p: finding_order(p[1].confidence, p[1].kind, p[0])
    )
    chosen = [f for _, f in ordered if at_least(f.confidence, min_confidence)]
    if top is not None:
        chosen = chosen[:top]
    main = [f for f in chosen if confidence_rank(f.confidence) > confidence_rank("low")]
    numbered = list(enumerate(main, 1))
    low = _low_groups(view, [f for f in chosen if f not in main], len(main) + 1)
    crash = crash_of(dump)
    return Plan(
        verdict=_verdict(view, main, low, crash),
        limits=_limits(dump),
        crash=crash,
        findings=numbered,
        low=low,
        omitted=len(view.findings) - len(chosen),
        labels=label_groups(view),
        total=len(view.findings),
    )


def _low_groups(view: View, lows: list[Any], first: int) -> list[LowGroup]:
    groups: dict[tuple[Any, ...], LowGroup] = {}
    for f in lows:
        g0 = f.goroutines[0] if f.goroutines else None
        g = None if g0 is None else view.goroutine(g0)
        fr = None if g0 is None else view.site_frame(g0)
        where = (fr.function.full, fr.file, fr.line) if fr is not None else (f.title,)
        key = (f.kind, None if g is None else g.state, where)
        grp = groups.get(key)
        if grp is None:
            grp = groups[key] = LowGroup(0, f.kind, key[1], fr)
        grp.findings.append(f)
        grp.goroutines.extend(f.goroutines)
        grp.count += f.count or len(f.goroutines)
    out = sorted(groups.values(), key=lambda grp: -grp.count)
    for i, grp in enumerate(out):
        grp.number = first + i
    return out


def _found(main: list[Any], low: list[LowGroup]) -> str:
    by_kind: dict[str, list[str]] = {}
    for f in main:
        by_kind.setdefault(f.kind, []).append(f.confidence)
    parts = []
    for kind, confs in by_kind.items():
        best = max(confs, key=confidence_rank)
        parts.append(f"{plural(len(confs), kind)} ({best})")
    if low:
        n = sum(len(grp.findings) for grp in low)
        parts.append(f"{plural(n, 'weak lead')}")
    return ", ".join(parts)


def _verdict(view: View, main: list[Any], low: list[LowGroup], crash: Crash | None) -> str:
    dump = view.dump
    n = goroutine_count(dump)
    p = dump.preamble
    if dump.kind == "profile":
        what = f"pprof {dump.profile or 'goroutine'} profile (debug=1)"
    elif p.test_timeout:
        what = f"Test timed out after {p.test_timeout}"
    elif crash is not None and crash.goroutine is None and p.fatal_error:
        what = "Fatal error"
    elif crash is not None:
        word = "Fatal error" if p.fatal_error else "Panic"
        what = word if crash.goroutine is None else f"{word} in goroutine {crash.goroutine}"
    else:
        title = dump_title(dump)
        what = title[0].upper() + title[1:]
    found = _found(main, low)
    if not found:
        if dump.kind == "profile":
            found = "no waits in this format"
        else:
            found = "no deadlock or leak found"
    return f"{what}, {plural(n, 'goroutine')}: {found}"


def _limits(dump: Dump) -> list[str]:
    out = []
    if dump.truncated:
        g = dump.goroutines[-1].id if dump.goroutines else None
        at = f" in goroutine {g}" if g is not None else ""
        out.append(
            f"The dump is cut off (it ends at line {dump.end_line}{at}): goroutines after that point "
            "are missing, so what they would release can look stuck."
        )
    if dump.preamble.running_tests:
        out.append("Tests still running: " + ", ".join(dump.preamble.running_tests))
    if dump.kind == "profile":
        out.append(
            "A debug=1 profile groups stacks with counts: it has no wait states, wait times or "
            "goroutine ids, so no wait-for graph; take ?debug=2 to see what blocks."
        )
    return out


def label_groups(view: View) -> list[LabelGroup]:
    """Goroutines by pprof label set, largest first (debug=2 dumps of Go 1.27+ print labels in the
    goroutine header; debug=1 profiles print ``# labels:`` per record)."""
    acc: dict[tuple[tuple[str, str], ...], tuple[int, list[int], Frame | None]] = {}
    from ._common import user_frame

    for g in view.dump.goroutines:
        if g.labels:
            n, ids, fr = acc.get(g.labels, (0, [], None))
            ids.append(g.id)
            acc[g.labels] = (n + 1, ids, fr or view.site_frame(g.id))
    for r in view.dump.records:
        if r.labels:
            n, ids, fr = acc.get(r.labels, (0, [], None))
            if fr is None:
                top = [
                    Frame(pf.function, "", pf.file or "", pf.line or 0)
                    for pf in r.frames
                    if pf.function is not None
                ]
                fr = user_frame(tuple(top))
            acc[r.labels] = (n + r.count, ids, fr)
    out = [LabelGroup(k, n, tuple(ids), fr) for k, (n, ids, fr) in acc.items()]
    out.sort(key=lambda x: -x.count)
    return out


def labels_text(labels: tuple[tuple[str, str], ...]) -> str:
    """``{worker=w1, kind='needs quoting'}``: values quoted when empty, spaced or unprintable."""
    return "{" + ", ".join(f"{k}={_label_value(v)}" for k, v in labels) + "}"


def _label_value(v: str) -> str:
    return repr(v) if not v or not v.isprintable() or " " in v else v
