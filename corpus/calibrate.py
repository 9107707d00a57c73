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
and analysed once, in this process. The scoring, the bars and the table's output are in
``calib_table.py`` beside this script; this one reads the corpus and builds each dump's truth.
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
# the scoring and the table are in calib_table.py, imported by name: run as a script, HERE is
# sys.path[0] already; loaded from elsewhere (tests/test_calibration.py), add it
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from calib_table import Table, Truth  # noqa: E402

#: Modes whose dumps carry no goroutine ids (pprof debug=1).
NO_ID_MODES = {"pprof1"}
#: The GC's own profiles: the truth, not scored.
TRUTH_MODES = {"leakprof", "leakprof1"}
#: Dumps cut short on purpose (4 KB runtime.Stack buffer): not scored.
SKIP_MODES = {"stack4k"}

#: The runtime's global-deadlock report: every goroutine in the dump is proven stuck.
ALL_ASLEEP = b"all goroutines are asleep - deadlock!"


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
