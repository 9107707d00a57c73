#!/usr/bin/env python3
"""Calibration table: how far each finding kind and confidence level can be trusted.

Usage
-----
    python corpus/calibrate.py                   # markdown tables on stdout
    python corpus/calibrate.py --json out.json   # the same figures as JSON too
    python corpus/calibrate.py --check           # exit 1 and name the bar that failed
    python corpus/calibrate.py --servers DIR     # healthy real servers (default corpus/servers/)

The sets
--------
* Bug programs, ``corpus/programs/bug_*``: their dumps under ``corpus/go1.*/``.
  Truth = the goroutines whose stacks contain a function named in meta.json
  ``expect.findings[].functions`` or ``blocked_behind`` (the kind of that entry is
  their expected kind), plus, for a Go 1.26+ ``NAME.leak.txt`` dump, every goroutine
  the GC marked ``(leaked)`` in ``NAME.leakprof.txt`` of the same process (expected
  kind "leak" unless an expect entry names it). meta.json ``also_stuck`` (same
  shape as an expect entry) names further goroutines that are stuck but whose
  finding the corpus tests do not assert. meta.json ``pattern`` groups the programs
  into bug patterns.
* Healthy programs, ``corpus/programs/healthy_*``, and the real servers under the
  servers directory (every ``*.txt`` dump below it, except under ``config/``):
  truth = no stuck goroutine, so every finding there is wrong.

What is scored
--------------
Dumps that carry goroutine ids (every mode except the debug=1 profiles) are scored
finding by finding: a finding is *right* when it names at least one goroutine
(``goroutines`` + ``blocked_behind``) and every goroutine it names is in the truth
set. debug=1 profiles (``pprof1``) have no ids: there only findings on healthy
programs are scored (all wrong); on bug programs they are counted as unscored.
The goroutineleak profiles themselves (``leakprof``, ``leakprof1``) are the truth,
not scored. Recall is the share of truth goroutines named by a finding of the same
kind at the given level or above ("GC" = the GC-marked ones in ``leak`` dumps,
"expected" = the ones meta.json names, in every scored dump).

Bars checked by ``--check``: no finding at medium or above on a healthy dump;
precision >= 95% at certain and at high and >= 80% at medium, per kind; recall at
medium+ of the GC-marked goroutines >= 80%; every deadlock program found in every
scored dump (a deadlock finding at medium+ naming each goroutine of the expect entry
and each goroutine blocked behind it).

Only the public API is used: ``stackparse.parse_file_all``, ``stackparse.analyze``,
the finding's ``kind``, ``confidence``, ``goroutines``, ``blocked_behind``, and the
goroutine records (``id``, ``frames[].function.full``, ``leaked``). Each dump is read
and analysed once, in this process.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Modes whose dumps carry no goroutine ids (pprof debug=1).
NO_ID_MODES = {"pprof1"}
#: The GC's own profiles: the truth, not scored.
TRUTH_MODES = {"leakprof", "leakprof1"}
#: Dumps cut short on purpose (4 KB runtime.Stack buffer): not scored.
SKIP_MODES = {"stack4k"}

#: The runtime's global-deadlock report: every goroutine in the dump is proven stuck.
ALL_ASLEEP = b"all goroutines are asleep - deadlock!"

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


# --------------------------------------------------------------------------- corpus


@dataclass
class Program:
    name: str
    healthy: bool
    pattern: str | None
    expect: list[dict[str, Any]]
    also_stuck: list[dict[str, Any]] = field(default_factory=list)


def load_programs(programs_dir: Path, select: Sequence[str] = ()) -> dict[str, Program]:
    progs = {}
    for mf in sorted(programs_dir.glob("*/meta.json")):
        name = mf.parent.name
        if not name.startswith(("bug_", "healthy_")):
            continue
        if select and not any(fnmatch.fnmatchcase(name, s) for s in select):
            continue
        meta = json.loads(mf.read_text())
        exp = meta.get("expect")
        if exp is None:
            continue
        healthy = bool(exp.get("healthy"))
        pattern = None if healthy else meta.get("pattern", "unknown")
        progs[name] = Program(name, healthy, pattern, exp.get("findings", []), meta.get("also_stuck", []))
    return progs


def mode_of(path: Path, program: str) -> str:
    return path.name[len(program) + 1 : -len(".txt")]


def goroutines_with(dump: Any, functions: Iterable[str]) -> set[int]:
    fs = set(functions)
    return {g.id for g in dump.goroutines if any(f.function.full in fs for f in g.frames)}


def program_truth(dump: Any, prog: Program, gc_marked: set[int], all_asleep: bool = False) -> Truth:
    """Truth for one dump of a bug program. ``all_asleep``: the runtime itself reported that all
    goroutines are asleep (its global-deadlock report), which proves every goroutine in the dump
    stuck, the harness's main goroutine included."""
    t = Truth(healthy=False, has_ids=bool(dump.goroutines))
    for exp in prog.expect:
        main = goroutines_with(dump, exp.get("functions", []))
        behind = goroutines_with(dump, exp.get("blocked_behind", []))
        for g in main | behind:
            t.stuck.setdefault(g, exp["kind"])
        if exp["kind"] == "deadlock" and main:
            t.deadlocks.append((main, behind))
    for exp in prog.also_stuck:
        for g in goroutines_with(dump, [*exp.get("functions", []), *exp.get("blocked_behind", [])]):
            t.stuck.setdefault(g, exp["kind"])
    present = {g.id for g in dump.goroutines}
    if all_asleep:
        for g in present:
            t.stuck.setdefault(g, "deadlock")
    t.gc_marked = gc_marked & present
    for g in t.gc_marked:
        t.stuck.setdefault(g, "leak")
    return t


class Runner:
    """Reads each dump once, analyses it once, and feeds the table."""

    def __init__(self) -> None:
        import stackparse

        self.sp = stackparse
        self.table = Table()

    def dumps_of(self, path: Path) -> list[Any] | None:
        try:
            return list(self.sp.parse_file_all(str(path)))
        except self.sp.ParseError as e:
            self.table.unreadable.append(f"{path}: {e}")
            return None

    def score(self, label: str, pattern: str | None, path: Path, truth_for: Any) -> None:
        dumps = self.dumps_of(path)
        if dumps is None:
            return
        for d in dumps:
            if not d.goroutines and not getattr(d, "records", None):
                continue
            try:
                findings = list(self.sp.analyze(d).findings)
            except Exception as e:
                self.table.crashed.append(f"{path}: {type(e).__name__}: {e}")
                continue
            self.table.add(label, pattern, findings, truth_for(d))

    def run_programs(self, corpus: Path, progs: dict[str, Program], versions: Sequence[str] = ()) -> None:
        for vdir in sorted(corpus.glob("go1.*")):
            if versions and vdir.name[2:] not in versions:
                continue
            for prog in progs.values():
                for path in sorted(vdir.glob(f"{prog.name}.*.txt")):
                    mode = mode_of(path, prog.name)
                    if mode in TRUTH_MODES or mode in SKIP_MODES or "." in mode:
                        continue
                    gc: set[int] = set()
                    if mode == "leak":
                        gc = self.gc_marked(vdir / f"{prog.name}.leakprof.txt", prog, vdir.name)
                    label = f"{vdir.name}/{prog.name}.{mode}"
                    asleep = mode.startswith("natural") and ALL_ASLEEP in path.read_bytes()

                    def truth_for(d: Any, prog: Program = prog, gc: set[int] = gc, asleep: bool = asleep) -> Truth:
                        if prog.healthy:
                            return Truth(healthy=True, has_ids=bool(d.goroutines))
                        return program_truth(d, prog, gc, asleep)

                    self.score(label, prog.pattern, path, truth_for)

    def gc_marked(self, leakprof: Path, prog: Program, vname: str) -> set[int]:
        if not leakprof.exists():
            return set()
        dumps = self.dumps_of(leakprof) or []
        marked: set[int] = set()
        for d in dumps:
            marked |= {g.id for g in d.goroutines if getattr(g, "leaked", False)}
            if not prog.healthy:
                named = set()
                for exp in [*prog.expect, *prog.also_stuck]:
                    named |= goroutines_with(d, exp.get("functions", []))
                    named |= goroutines_with(d, exp.get("blocked_behind", []))
                for g in d.goroutines:
                    if g.id in marked and g.id not in named:
                        top = next((f.function.full for f in g.frames if f.function.full.startswith("main.")), "?")
                        self.table.gc_unexpected.append(f"{vname}/{prog.name}: goroutine {g.id} ({top})")
            elif marked:
                self.table.gc_unexpected.append(f"{vname}/{prog.name}: healthy program, GC marked {sorted(marked)}")
        return marked

    def run_servers(self, servers: Path) -> None:
        if not servers.is_dir():
            return
        for path in sorted(servers.rglob("*.txt")):
            rel = path.relative_to(servers)
            if "config" in rel.parts[:-1]:
                continue
            self.score(f"servers/{rel}", None, path, lambda d: Truth(healthy=True, has_ids=bool(d.goroutines)))


BEGIN, END = "<!-- calibration:begin -->", "<!-- calibration:end -->"


def write_readme(path: Path, block: str) -> None:
    text = path.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"calibrate: {path} has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}")


def programs_by_pattern(programs_dir: Path) -> str:
    """A markdown list: each bug pattern with its programs; the healthy look-alikes by class."""
    by: dict[str, list[str]] = {}
    for mf in sorted(programs_dir.glob("*/meta.json")):
        meta = json.loads(mf.read_text())
        name = mf.parent.name
        if name.startswith("bug_"):
            by.setdefault(meta.get("pattern", "unknown"), []).append(name)
        elif name.startswith("healthy_"):
            by.setdefault("healthy" + (f" (look-alike {meta['lookalike']})" if "lookalike" in meta else ""), []).append(
                name
            )
    lines = ["**Programs per pattern**", ""]
    for k in sorted(by, key=lambda k: (k.startswith("healthy"), k)):
        lines.append(f"- {k} ({len(by[k])}): " + ", ".join(by[k]))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(HERE), help="corpus root (default: this directory)")
    ap.add_argument(
        "--servers",
        action="append",
        default=None,
        metavar="DIR",
        help="directory of healthy real-server dumps (repeatable; default: <corpus>/servers)",
    )
    ap.add_argument("--program", action="append", default=[], metavar="GLOB", help="only these programs")
    ap.add_argument("--go", action="append", default=[], metavar="M.N", help="only these Go versions")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON ('-' = stdout only JSON)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a bar is not met, naming it")
    ap.add_argument("--details", action="store_true", help="list the misses and the unexpected GC marks")
    ap.add_argument(
        "--readme",
        metavar="PATH",
        help="replace the text between <!-- calibration:begin --> and <!-- calibration:end --> in PATH "
        "with the tables and the programs per pattern",
    )
    args = ap.parse_args(argv)

    corpus = Path(args.corpus)
    t0 = time.monotonic()
    r = Runner()
    r.run_programs(corpus, load_programs(corpus / "programs", args.program), args.go)
    if not args.program:
        for s in args.servers if args.servers is not None else [str(corpus / "servers")]:
            r.run_servers(Path(s))
    table = r.table
    doc = table.to_dict()
    doc["seconds"] = round(time.monotonic() - t0, 1)
    if args.json == "-":
        print(json.dumps(doc, indent=1))
    else:
        print(table.markdown())
        if args.details:
            for title, items in (
                ("deadlock expectations missed", table.deadlock_misses),
                ("healthy findings at medium+", table.healthy_loud),
                ("GC-marked goroutines no expect entry names", table.gc_unexpected),
                ("unreadable dumps", table.unreadable),
                ("dumps the analysis raised on", table.crashed),
            ):
                print(f"\n{title}: {len(items)}")
                for x in items:
                    print(f"  {x}")
        print(f"\n({table.dumps} dumps in {doc['seconds']} s)", file=sys.stderr)
        if args.json:
            Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    if args.readme:
        write_readme(Path(args.readme), table.markdown() + "\n\n" + programs_by_pattern(corpus / "programs"))
    if args.check:
        fails = table.failures()
        for f in fails:
            print(f"calibrate: bar failed: {f}", file=sys.stderr)
        return 1 if fails else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
