#!/usr/bin/env python3
"""List the analyzer's findings at medium or higher on every dump of corpus/servers/.

Usage: python corpus/servers/scan.py [--python PY] [--root CHECKOUT] [--markdown FINDINGS.md] [NAME ...]
Runs `PY -m stackparse analyze FILE --format json` on each NAME/NAME.*.txt and prints,
per finding at medium/high/certain: dump, confidence, kind, rule, title, goroutine ids.
Every one of them is a false alarm (truth: healthy). With --markdown, writes FINDINGS.md:
the findings grouped by program and site, each with the evidence (read in the dump, and
in the program's source where Debian ships it) and failure class kept in evidence.json
(matched by program and a substring of the finding's title).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEVELS = {"medium", "high", "certain"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--markdown", help="write the grouped findings with their evidence here")
    ap.add_argument("--root", type=Path, default=HERE.parent.parent,
                    help="checkout whose stackparse/ runs the analysis (default: this one), e.g. another worktree")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    names = a.names or sorted(p.name for p in HERE.iterdir() if (p / "meta.json").exists())
    total = dumps = flagged = 0
    rows: list[tuple[str, str, dict]] = []
    for n in names:
        for f in sorted((HERE / n).glob(f"{n}.*.txt")):
            dumps += 1
            r = subprocess.run([a.python, "-m", "stackparse", "analyze", str(f), "--format", "json",
                                "--fail-on", "never"], capture_output=True, text=True, cwd=a.root)
            if r.returncode != 0:
                print(f"{f.name}: analyze exit {r.returncode}: {r.stderr.strip()[-300:]}")
                continue
            found = [x for x in json.loads(r.stdout)["findings"] if x["confidence"] in LEVELS]
            flagged += bool(found)
            for x in found:
                total += 1
                rows.append((n, f.name, x))
                print(f"{f.name}\t{x['confidence']}\t{x['kind']}\t{x.get('rule')}\t{x['title']}\t"
                      f"g={x['goroutines'][:12]}")
    summary = f"{total} findings at medium or higher in {flagged} of {dumps} dumps (all programs)"
    print(f"# {summary}")
    if a.markdown:
        Path(a.markdown).write_text(markdown(rows, summary, names, a.python))
    return 0


SKIP = ("runtime.", "sync.", "internal/", "sync/atomic.")


def blocks(text: str) -> dict[int, list[str]]:
    """goroutine id -> lines of its block (debug=2 / SIGQUIT / runtime.Stack text; none for debug=1)."""
    out: dict[int, list[str]] = {}
    cur: list[str] | None = None
    for line in text.splitlines():
        m = re.match(r"goroutine (\d+) \[", line)
        if m:
            cur = out.setdefault(int(m.group(1)), [line])
        elif cur is not None:
            if line.strip():
                cur.append(line)
            else:
                cur = None
    return out


def facts(dump: Path, gids: list[int]) -> str:
    """What the dump itself says about a finding's goroutines: states, the first argument of the first
    non-runtime frame (the receiver for a method), and the creators."""
    bl = blocks(dump.read_text(errors="replace"))
    states: dict[str, int] = {}
    args: dict[str, list[str]] = {}
    creators: dict[str, int] = {}
    for g in gids:
        b = bl.get(g)
        if not b:
            continue
        st = re.match(r"goroutine \d+ \[([^\]]*)\]", b[0])
        state = st.group(1) if st else "?"
        states[state] = states.get(state, 0) + 1
        for line in b[1:]:
            if line.startswith("\t"):
                continue
            if line.startswith("created by"):
                break
            if not line.startswith(SKIP):
                a = re.search(r"\((0x[0-9a-f]+)", line)
                fn = line[: line.index("(0x")] if a else line.split("(")[0]
                args.setdefault(fn.rsplit("/", 1)[-1], []).append(a.group(1) if a else "-")
                break
        for i, line in enumerate(b):
            if line.startswith("created by"):
                where = b[i + 1].strip().split(" ")[0].rsplit("/", 1)[-1] if i + 1 < len(b) else ""
                key = line[len("created by "):].split(" in goroutine")[0].rsplit("/", 1)[-1] + f" at {where}"
                creators[key] = creators.get(key, 0) + 1
    if not states:
        return "(debug=1 dump: no goroutine ids; see the debug=2 dump of the same run)"

    def fmt(d: dict[str, int]) -> str:
        return ", ".join(k + (f" x{v}" if v > 1 else "") for k, v in sorted(d.items()))

    parts = []
    for fn, vals in sorted(args.items()):
        distinct = sorted(set(vals))
        shown = ", ".join(distinct[:4]) + (", ..." if len(distinct) > 4 else "")
        parts.append(f"{fn}: {len(vals)} goroutine(s), {len(distinct)} distinct first argument(s) ({shown})")
    everywhere = [v for v in set().union(*map(set, args.values())) if v != "-"
                  and sum(v in vals for vals in args.values()) > 1] if len(args) > 1 else []
    shared = f"; the same value in several functions: {', '.join(sorted(everywhere))}" if everywhere else ""
    return f"states: {fmt(states)}; {'; '.join(parts)}{shared}; created by: {fmt(creators)}"


def markdown(rows: list[tuple[str, str, dict]], summary: str, names: list[str], python: str) -> str:
    evidence = json.loads((HERE / "evidence.json").read_text())
    commit = subprocess.run(["git", "log", "-1", "--format=%h", "--", "stackparse"], capture_output=True,
                            text=True, cwd=HERE.parent.parent).stdout.strip()
    groups: dict[tuple[str, int], list[tuple[str, dict]]] = {}
    unexplained: list[tuple[str, str, dict]] = []
    truth = {n: json.loads((HERE / n / "meta.json").read_text()) for n in names}
    buggy = {n for n, m in truth.items() if m.get("truth") != "healthy"}
    real = [(p, d, x) for p, d, x in rows if p in buggy]
    rows = [(p, d, x) for p, d, x in rows if p not in buggy]
    for prog, dump, x in rows:
        hit = next((i for i, e in enumerate(evidence)
                    if e["program"] == prog and e["match"] in x["title"]), None)
        if hit is None:
            unexplained.append((prog, dump, x))
        else:
            groups.setdefault((prog, hit), []).append((dump, x))
    by_class: dict[str, int] = {}
    for (_, i), items in groups.items():
        by_class[evidence[i]["class"]] = by_class.get(evidence[i]["class"], 0) + len(items)
    out = ["# False alarms of the analyzer on healthy real servers", "",
           "Generated by `python corpus/servers/scan.py --markdown corpus/servers/FINDINGS.md` "
           f"(the analyzer as of commit {commit}, the last change to stackparse/ on this branch); the evidence "
           "and class of each group are kept in `corpus/servers/evidence.json`. Every program here but "
           "podman_events_leak is healthy (meta.json `truth`), so every finding at medium or higher on them "
           "is a false alarm.", "",
           f"**{summary}; {len(rows)} of them on the healthy programs, all false alarms, in "
           f"{len({d for _, d, _ in rows})} dumps.** By class: "
           + ", ".join(f"{k}: {v}" for k, v in sorted(by_class.items()))
           + (f", not yet explained: {len(unexplained)}" if unexplained else "") + ".", "",
           "Classes (issue 15): **A** sibling loops with the same receiver taken as each other's releasers; "
           "**B** two or more goroutines in `select` at one site called a leak; **C** two or more "
           "`chan receive` consumers at one site with no sender; **D** `sync.Cond.Wait` consumers whose "
           "signaller keeps a list; **other** described in place.", "",
           (HERE / "findings_preface.md").read_text().strip(), "",
           "Programs scanned: " + ", ".join(names) + ". The counts above are over the healthy ones; "
           + ("programs with a real bug (" + ", ".join(sorted(buggy)) + ") are listed apart at the end."
              if buggy else ""), ""]
    prog = None
    for (p, i), items in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if p != prog:
            out += [f"## {p}", ""]
            prog = p
        e = evidence[i]
        x0 = items[0][1]
        out += [f"### {x0['kind']} / rule `{x0.get('rule')}` / class {e['class']}", "",
                f"Title (first dump): {x0['title']}", "",
                "Dumps: " + "; ".join(f"`{d}` {x['confidence']} g{','.join(map(str, x['goroutines'][:10]))}"
                                      + ("..." if len(x["goroutines"]) > 10 else "") for d, x in items), "",
                "Read in the dumps (generated): " + "; ".join(
                    f"`{d}`: {facts(HERE / p / d, x['goroutines'])}" for d, x in items if not d.endswith("pprof1.txt")),
                "",
                f"Why it is not a bug: {e['evidence']}", ""]
    for n in sorted(buggy):
        m = truth[n]
        out += [f"## {n}: NOT healthy (truth: {m['truth']}), findings here can be right", "",
                m.get("truth_note", ""), ""]
        for run in m["runs"]:
            for fname, v in run["files"].items():
                leaked = set(v.get("leaked_goroutines", []))
                found = [x for p, d, x in real if d == fname]
                named = leaked & {g for x in found for g in x["goroutines"]}
                out.append(f"- `{fname}`: {v.get('leaked_count', len(leaked))} leaked goroutines"
                           + (f" {sorted(leaked)}; named at medium or higher: {len(named)}" if leaked else "")
                           + "".join(f"; finding {x['confidence']} {x['kind']} `{x.get('rule')}`: {x['title']}"
                                     for x in found))
        out.append("")
    unused = [e for i, e in enumerate(evidence) if not any(k[1] == i for k in groups)]
    if unused:
        out += ["## Explained in evidence.json, not raised on the current dumps", "",
                "Findings an earlier capture of the same program raised (which goroutines are caught mid-request "
                "depends on timing) or that the current analyzer no longer raises:", ""]
        out += [f"- {e['program']} `{e['match']}` (class {e['class']}): {e['evidence']}" for e in unused]
        out.append("")
    if unexplained:
        out += ["## Not yet explained", ""]
        out += [f"- {p} `{d}` {x['confidence']} {x['kind']} `{x.get('rule')}`: {x['title']}"
                for p, d, x in unexplained]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
