"""The calibration table of corpus/calibrate.py: scoring analysed dumps against their truth.

``Truth`` is what is really stuck in one dump; ``judge`` gives one verdict per finding and
``Table.add`` accumulates them into per kind/level precision, recall of the GC-marked and of the
expected goroutines, and per bug pattern rows. ``Table.failures`` checks the bars, ``to_dict`` and
``markdown`` are the output. calibrate.py's docstring says what is scored and which bars are checked;
this module knows nothing of the corpus layout (calibrate.py reads the dumps and builds each Truth).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

BARS = {"certain": 0.95, "high": 0.95, "medium": 0.80}
RECALL_BAR = 0.80
RECALL_LEVEL = "medium"


def conf_name(c: Any) -> str:
    return str(getattr(c, "value", c))


def level_order() -> list[str]:
    """Confidence levels, most certain first, as the library defines them when it exports an
    ordered ``Confidence`` enum; otherwise the documented order."""
    try:
        import stackparse

        enum = getattr(stackparse, "Confidence", None)
        if enum is not None:
            order = [conf_name(c) for c in sorted(enum, reverse=True)]
            if order[0] == "certain" and order[-1] == "low":  # ordered by rank, not by spelling
                return order
    except Exception:
        pass
    return ["certain", "high", "medium", "low"]


LEVELS = level_order()


def rank(level: str) -> int:
    """Higher is more certain; unknown levels rank below every known one."""
    return len(LEVELS) - LEVELS.index(level) if level in LEVELS else 0


# --------------------------------------------------------------------------- scoring


@dataclass
class Truth:
    """What is really stuck in one dump."""

    healthy: bool
    #: goroutine id -> expected kind, for every truly stuck goroutine (empty when healthy)
    stuck: dict[int, str] = field(default_factory=dict)
    #: the subset the GC marked leaked (only for leak dumps with their leakprof)
    gc_marked: set[int] = field(default_factory=set)
    #: whether findings can be checked goroutine by goroutine (ids present)
    has_ids: bool = True
    #: deadlock expectations: (goroutines of the entry, goroutines blocked behind it)
    deadlocks: list[tuple[set[int], set[int]]] = field(default_factory=list)


@dataclass
class Verdict:
    kind: str
    level: str
    right: bool | None  # None: cannot be scored (no ids on a bug program)
    named: frozenset[int]


def named_by(f: Any) -> frozenset[int]:
    return frozenset(f.goroutines) | frozenset(f.blocked_behind)


def judge(findings: Iterable[Any], truth: Truth) -> list[Verdict]:
    """One verdict per finding."""
    out = []
    for f in findings:
        named = named_by(f)
        if truth.healthy:
            right: bool | None = False
        elif not truth.has_ids or not named:
            right = None if not truth.has_ids else False
        else:
            right = named <= truth.stuck.keys()
        out.append(Verdict(str(f.kind), conf_name(f.confidence), right, named))
    return out


def covered(findings: Iterable[Any], level: str, kind: str | None = None) -> set[int]:
    """Goroutines named by findings at ``level`` or above (of ``kind`` when given)."""
    r = rank(level)
    got: set[int] = set()
    for f in findings:
        if rank(conf_name(f.confidence)) >= r and (kind is None or str(f.kind) == kind):
            got |= named_by(f)
    return got


def deadlock_found(findings: Sequence[Any], want: set[int], behind: set[int], level: str = "medium") -> bool:
    """A deadlock finding at ``level``+ names every goroutine of the entry and every one blocked
    behind it (in ``goroutines`` or ``blocked_behind``)."""
    for f in findings:
        if str(f.kind) != "deadlock" or rank(conf_name(f.confidence)) < rank(level):
            continue
        if want <= set(f.goroutines) | set(f.blocked_behind) and behind <= named_by(f):
            return True
    return False


@dataclass
class Cell:
    findings: int = 0
    right: int = 0
    unscored: int = 0

    @property
    def scored(self) -> int:
        return self.findings - self.unscored

    @property
    def precision(self) -> float | None:
        return self.right / self.scored if self.scored else None


@dataclass
class Recall:
    total: int = 0
    found: int = 0

    @property
    def rate(self) -> float | None:
        return self.found / self.total if self.total else None

    def add(self, total: int, found: int) -> None:
        self.total += total
        self.found += found


@dataclass
class PatternRow:
    programs: set[str] = field(default_factory=set)
    dumps: int = 0
    expected: Recall = field(default_factory=Recall)
    gc: Recall = field(default_factory=Recall)
    findings: Cell = field(default_factory=Cell)  # at medium+
    deadlock_dumps: int = 0
    deadlock_found: int = 0
    id_dumps: int = 0  # dumps with goroutine ids and at least one stuck goroutine
    full_dumps: int = 0  # ... in which every stuck goroutine is named at medium+


@dataclass
class Table:
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    #: (kind, level) -> recall at that level or above; kind "*" = any kind
    recall_gc: dict[tuple[str, str], Recall] = field(default_factory=dict)
    recall_expected: dict[tuple[str, str], Recall] = field(default_factory=dict)
    patterns: dict[str, PatternRow] = field(default_factory=dict)
    healthy_loud: list[str] = field(default_factory=list)  # "dump: [kind level] goroutines"
    healthy_dumps: int = 0
    healthy_quiet_low: int = 0  # low findings on healthy dumps (allowed, counted)
    deadlock_misses: list[str] = field(default_factory=list)
    gc_unexpected: list[str] = field(default_factory=list)  # GC-marked, not named in expect
    #: bug program -> every scored dump of it had all its stuck goroutines named at medium+
    program_full: dict[str, bool] = field(default_factory=dict)
    #: bug program -> its GC-marked goroutines named at medium+ (all its leak dumps)
    program_gc: dict[str, Recall] = field(default_factory=dict)
    dumps: int = 0
    unreadable: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)  # dumps stackparse.analyze raised on

    def add(self, name: str, pattern: str | None, findings: Sequence[Any], truth: Truth) -> None:
        """Score one analysed dump."""
        self.dumps += 1
        verdicts = judge(findings, truth)
        for v in verdicts:
            c = self.cells.setdefault((v.kind, v.level), Cell())
            c.findings += 1
            if v.right is None:
                c.unscored += 1
            elif v.right:
                c.right += 1
        if truth.healthy:
            self.healthy_dumps += 1
            for v in verdicts:
                if rank(v.level) >= rank("medium"):
                    self.healthy_loud.append(f"{name}: [{v.kind} {v.level}] {sorted(v.named)}")
                else:
                    self.healthy_quiet_low += 1
            return
        kinds = sorted({k for k in truth.stuck.values()} | {v.kind for v in verdicts})
        if truth.has_ids:
            for level in LEVELS:
                for kind in [*kinds, "*"]:
                    want = {g for g, k in truth.stuck.items() if kind in ("*", k)}
                    got = covered(findings, level, None if kind == "*" else kind)
                    self.recall_expected.setdefault((kind, level), Recall()).add(len(want), len(want & got))
                    if truth.gc_marked:
                        gwant = {g for g in truth.gc_marked if kind in ("*", truth.stuck.get(g, "leak"))}
                        self.recall_gc.setdefault((kind, level), Recall()).add(len(gwant), len(gwant & got))
        for want, behind in truth.deadlocks:
            if not deadlock_found(findings, want, behind):
                self.deadlock_misses.append(f"{name}: goroutines {sorted(want)} behind {sorted(behind)}")
        if pattern is not None:
            row = self.patterns.setdefault(pattern, PatternRow())
            row.programs.add(name.split("/")[-1].split(".")[0])
            row.dumps += 1
            loud = covered(findings, RECALL_LEVEL)
            if truth.has_ids:
                row.expected.add(len(truth.stuck), len(truth.stuck.keys() & loud))
                if truth.gc_marked:
                    r = self.program_gc.setdefault(name.split("/")[-1].split(".")[0], Recall())
                    r.add(len(truth.gc_marked), len(truth.gc_marked & loud))
                if truth.stuck:
                    row.id_dumps += 1
                    row.full_dumps += truth.stuck.keys() <= loud
                    prog = name.split("/")[-1].split(".")[0]
                    self.program_full[prog] = self.program_full.get(prog, True) and truth.stuck.keys() <= loud
                row.gc.add(len(truth.gc_marked), len(truth.gc_marked & loud))
            for v in verdicts:
                if rank(v.level) >= rank(RECALL_LEVEL):
                    row.findings.findings += 1
                    row.findings.unscored += v.right is None
                    row.findings.right += v.right is True
            if truth.deadlocks:
                row.deadlock_dumps += 1
                row.deadlock_found += all(deadlock_found(findings, w, b) for w, b in truth.deadlocks)

    # ------------------------------------------------------------------ bars

    def program_gc_average(self) -> float | None:
        """The GC recall at medium+ averaged over programs (each program counts once, however many
        goroutines it leaks)."""
        rates = [r.rate for r in self.program_gc.values() if r.rate is not None]
        return sum(rates) / len(rates) if rates else None

    def failures(self) -> list[str]:
        bad = []
        if self.healthy_loud:
            bad.append(
                f"healthy: {len(self.healthy_loud)} finding(s) at medium or above on healthy dumps, e.g. "
                + "; ".join(self.healthy_loud[:3])
            )
        for (kind, level), c in sorted(self.cells.items()):
            bar = BARS.get(level)
            p = c.precision
            if bar is not None and p is not None and p < bar:
                bad.append(f"precision: {kind} at {level} is {pct(p, 2)} ({c.right}/{c.scored}), below {pct(bar)}")
        r = self.recall_gc.get(("*", RECALL_LEVEL))
        if r is None or r.rate is None:
            bad.append("recall: no GC-marked leaked goroutine in the set (no leak/leakprof pairs found)")
        elif r.rate < RECALL_BAR:
            bad.append(
                f"recall: {pct(r.rate, 2)} ({r.found}/{r.total}) of the GC-marked leaked goroutines are named "
                f"at {RECALL_LEVEL}+, below {pct(RECALL_BAR)}"
            )
        if self.deadlock_misses:
            bad.append(
                f"deadlocks: {len(self.deadlock_misses)} deadlock expectation(s) not found with every stuck "
                "goroutine named, e.g. " + "; ".join(self.deadlock_misses[:3])
            )
        if self.crashed:
            bad.append(f"analysis: stackparse.analyze raised on {len(self.crashed)} dump(s), e.g. {self.crashed[0]}")
        return bad

    # ------------------------------------------------------------------ output

    def to_dict(self) -> dict[str, Any]:
        def rec(r: Recall | None) -> dict[str, Any] | None:
            return None if r is None else {"total": r.total, "found": r.found, "rate": r.rate}

        return {
            "dumps": self.dumps,
            "levels": LEVELS,
            "by_kind_level": [
                {
                    "kind": k,
                    "level": lv,
                    "findings": c.findings,
                    "scored": c.scored,
                    "right": c.right,
                    "precision": c.precision,
                    "recall_gc": rec(self.recall_gc.get((k, lv))),
                    "recall_expected": rec(self.recall_expected.get((k, lv))),
                }
                for (k, lv), c in self._kind_rows()
            ],
            "recall_gc": {f"{k}@{lv}": rec(r) for (k, lv), r in sorted(self.recall_gc.items())},
            "recall_expected": {f"{k}@{lv}": rec(r) for (k, lv), r in sorted(self.recall_expected.items())},
            "patterns": {
                p: {
                    "programs": len(r.programs),
                    "dumps": r.dumps,
                    "expected": rec(r.expected),
                    "gc": rec(r.gc),
                    "findings_medium_plus": r.findings.findings,
                    "right_medium_plus": r.findings.right,
                    "unscored_medium_plus": r.findings.unscored,
                    "dumps_with_ids": r.id_dumps,
                    "dumps_fully_found": r.full_dumps,
                    "deadlock_dumps": r.deadlock_dumps,
                    "deadlock_found": r.deadlock_found,
                }
                for p, r in sorted(self.patterns.items())
            },
            "program_gc_recall": {p: rec(r) for p, r in sorted(self.program_gc.items())},
            "program_gc_recall_average": self.program_gc_average(),
            "programs_fully_found": sorted(p for p, ok in self.program_full.items() if ok),
            "programs_not_fully_found": sorted(p for p, ok in self.program_full.items() if not ok),
            "healthy": {
                "dumps": self.healthy_dumps,
                "medium_plus": self.healthy_loud,
                "low": self.healthy_quiet_low,
            },
            "deadlock_misses": self.deadlock_misses,
            "gc_marked_not_expected": self.gc_unexpected,
            "unreadable": self.unreadable,
            "crashed": self.crashed,
            "failures": self.failures(),
        }

    def _kind_rows(self) -> list[tuple[tuple[str, str], Cell]]:
        kinds = sorted({k for k, _ in self.cells} | {k for k, _ in self.recall_gc if k != "*"})
        rows = []
        for k in kinds:
            for lv in LEVELS:
                rows.append(((k, lv), self.cells.get((k, lv), Cell())))
        return rows

    @staticmethod
    def _pattern_line(name: str, r: PatternRow) -> str:
        fr = r.findings
        return (
            f"| {name} | {len(r.programs)} | {r.dumps} | {frac(r.expected)} | {frac(r.gc)} | "
            f"{frac(Recall(r.id_dumps, r.full_dumps))} | "
            f"{fr.right}/{fr.scored}" + (f" (+{fr.unscored} unscored)" if fr.unscored else "") + " | "
            f"{f'{r.deadlock_found}/{r.deadlock_dumps}' if r.deadlock_dumps else '–'} |"
        )

    def markdown(self) -> str:
        out = ["**Findings by kind and confidence level**", ""]
        out.append(
            "| kind | level | findings | scored | right | precision | bar "
            "| recall GC (≥ level) | recall expected (≥ level) |"
        )
        out.append("|---|---|---|---|---|---|---|---|---|")
        for (k, lv), c in self._kind_rows():
            bar = BARS.get(lv)
            out.append(
                f"| {k} | {lv} | {c.findings} | {c.scored} | {c.right} | {pct(c.precision)} | "
                f"{'≥ ' + pct(bar) if bar else '–'} | {frac(self.recall_gc.get((k, lv)))} | "
                f"{frac(self.recall_expected.get((k, lv)))} |"
            )
        for lv in LEVELS:
            out.append(
                f"| any | {lv}+ | | | | | | {frac(self.recall_gc.get(('*', lv)))} | "
                f"{frac(self.recall_expected.get(('*', lv)))} |"
            )
        out += ["", f"**Bug patterns** (at {RECALL_LEVEL} or above)", ""]
        out.append(
            "| pattern | programs | dumps | stuck goroutines named | GC-marked named | dumps fully found "
            "| findings right | deadlock dumps found |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        total = PatternRow()
        for p, r in sorted(self.patterns.items()):
            fr = r.findings
            out.append(self._pattern_line(p, r))
            total.programs |= r.programs
            total.dumps += r.dumps
            total.expected.add(r.expected.total, r.expected.found)
            total.gc.add(r.gc.total, r.gc.found)
            total.id_dumps += r.id_dumps
            total.full_dumps += r.full_dumps
            total.findings.findings += fr.findings
            total.findings.right += fr.right
            total.findings.unscored += fr.unscored
            total.deadlock_dumps += r.deadlock_dumps
            total.deadlock_found += r.deadlock_found
        if self.patterns:
            out.append(self._pattern_line("**all**", total))
        full = sum(self.program_full.values())
        out += [
            "",
            f"Bug programs with every stuck goroutine named at {RECALL_LEVEL}+ in every dump: "
            f"{full}/{len(self.program_full)}. GC-marked goroutines named at {RECALL_LEVEL}+, averaged over "
            f"the {len(self.program_gc)} programs the GC marked something in: {pct(self.program_gc_average())}.",
            "",
            f"Healthy dumps: {self.healthy_dumps}, findings at medium+: {len(self.healthy_loud)}, "
            f"low findings: {self.healthy_quiet_low}. Dumps scored in all: {self.dumps}.",
        ]
        fails = self.failures()
        out += ["", "Bars: " + ("all met." if not fails else f"{len(fails)} failed:")]
        out += [f"- {x}" for x in fails]
        return "\n".join(out)


def pct(x: float | None, digits: int = 0) -> str:
    return "–" if x is None else f"{100 * x:.{digits}f}%"


def frac(r: Recall | None) -> str:
    if r is None or not r.total:
        return "–"
    return f"{r.found}/{r.total} ({pct(r.rate)})"
