"""The analyser against the real corpus: every bug_* program's expected findings, every
healthy_* program's silence, and the Go 1.26+ goroutineleak profile as ground truth.

One test per (program, Go version, mode), so a failure names the dump. Expectations come from
``corpus/programs/NAME/meta.json`` ``expect``: each expected finding must be reported with the
right kind at ``medium`` or above, with exactly the goroutines whose stacks contain the listed
functions (and exactly the ``blocked_behind`` ones when listed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

parse_mod = pytest.importorskip("stackparse.parsing", reason="the parser (stackparse.parsing) has not landed yet")

from stackparse.analysis import analyze

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
#: Modes whose dumps carry goroutine ids and states.
MODES = ("stack", "sigquit", "sigquit-system", "pprof2", "leak", "natural")

#: Expectations that cannot be met from the dump alone, with the reason. The check still runs;
#: only a failure of one of these is turned into a skip.
KNOWN_LIMITS = {
    ("bug_rwmutex_reentry", 0): (
        "the re-entrant reader and the late reader both block in an inlined RLock called from the "
        "outermost frame with the same RWMutex argument: nothing in the dump says which of them "
        "already holds a read lock, so both are reported in the cycle"
    ),
}


_SELECT = (
    "a select whose cases are not printed is never a definite wait (healthy servers park scrape "
    "loops, timers and supervisors in select at one site): a lead, not a medium leak"
)
_ALIKE = (
    "two or more consumers parked at one channel site with no sender in sight is what healthy "
    "log mergers and event-bus subscribers look like; nothing else in the dump (no exited creator, "
    "no channel carried by them alone) raises it: a lead"
)
_NO_PARENT = (
    "Go 1.19 does not print which goroutine started the senders, so their exited creator (the "
    "early return that left their receiver gone) cannot be seen: a lead"
)
#: Expectations the dump supports only as a lead (``low``), with the reason: the finding must
#: still name exactly those goroutines, at low or above.
LEADS = {
    ("bug_select_leak", 0): _SELECT,
    ("bug_select_leak", 1): _SELECT,
    ("bug_leak_global_ref", 0): _ALIKE + " (the subscribers' channel is reachable from a global)",
    ("bug_wg_leak", 0): (
        "a WaitGroup wait on workers parked in chan receive is as sure as those workers' wait, "
        "which is a lead (" + _ALIKE + ")"
    ),
    ("bug_leak_unbuffered", 1): (
        "before Go 1.22 the rangers' channel argument is printed inexactly (0x0?) and Go 1.19 prints "
        "no creator goroutine: " + _ALIKE
    ),
    ("bug_lock_across_chan_wait", 0): _NO_PARENT,
    ("bug_leak_unbuffered", 0): _NO_PARENT,
    ("bug_cond_leak", 0): (
        "a Cond nobody in sight can signal may be signalled by a call yet to come; the evidence that "
        "raises it (the function that started the waiters has returned) needs the creator goroutine "
        "ids Go 1.19 does not print: a lead"
    ),
}
#: Programs whose GC-proven leaks the dump alone supports only as leads (see LEADS).
GC_LEADS = {"bug_select_leak": _SELECT, "bug_wg_leak": LEADS[("bug_wg_leak", 0)]}


def _programs() -> list[tuple[str, dict]]:
    out = []
    for mf in sorted((CORPUS / "programs").glob("*/meta.json")):
        name = mf.parent.name
        if not (name.startswith("bug_") or name.startswith("healthy_")):
            continue
        meta = json.loads(mf.read_text())
        if "expect" not in meta:
            continue
        out.append((name, meta))
    return out


def _cases(modes: tuple[str, ...]) -> list:
    cases = []
    for name, meta in _programs():
        for vdir in sorted(CORPUS.glob("go1.*")):
            for mode in modes:
                p = vdir / f"{name}.{mode}.txt"
                if p.exists():
                    cases.append(pytest.param(name, meta, p, id=f"{name}-{vdir.name}-{mode}"))
    return cases


_cache: dict[Path, tuple] = {}


def _analyzed(path: Path):
    if path not in _cache:
        dump = parse_mod.parse(path.read_bytes())
        _cache[path] = (dump, analyze(dump))
    return _cache[path]


def _with_functions(dump, functions: list[str]) -> set[int]:
    fs = set(functions)
    return {g.id for g in dump.goroutines if any(f.function.full in fs for f in g.frames)}


def _describe(analysis) -> str:
    return (
        "\n".join(
            f"  [{f.kind} {f.confidence}] {f.title} goroutines={list(f.goroutines)} behind={list(f.blocked_behind)}"
            for f in analysis.findings
        )
        or "  (no findings)"
    )


@pytest.mark.parametrize("name, meta, path", _cases(MODES))
def test_expected_findings(name: str, meta: dict, path: Path) -> None:
    dump, analysis = _analyzed(path)
    expect = meta["expect"]
    if expect.get("healthy"):
        loud = analysis.at_least("medium")
        assert not loud, f"healthy program has findings at medium or above:\n{_describe(analysis)}"
        return
    if not dump.goroutines:
        pytest.skip("no goroutine blocks in this dump")
    for i, exp in enumerate(expect.get("findings", [])):
        want = _with_functions(dump, exp["functions"])
        want_behind = _with_functions(dump, exp["blocked_behind"]) if "blocked_behind" in exp else None
        if not want:
            pytest.skip(f"no goroutine of {exp['functions']} in this dump (the capture missed them)")
        ok = [
            f
            for f in analysis.findings
            if f.kind == exp["kind"]
            and f.at_least("medium")
            and set(f.goroutines) == want
            and (want_behind is None or set(f.blocked_behind) == want_behind)
        ]
        if not ok and (name, i) in KNOWN_LIMITS:
            pytest.skip(KNOWN_LIMITS[(name, i)])
        if not ok and (name, i) in LEADS:
            ok = [
                f
                for f in analysis.findings
                if f.kind == exp["kind"]
                and set(f.goroutines) == want
                and (want_behind is None or set(f.blocked_behind) == want_behind)
            ]
            assert ok, f"{LEADS[(name, i)]}; expected at least that lead, got:\n{_describe(analysis)}"
            continue
        assert ok, (
            f"expected a {exp['kind']} finding at >= medium with goroutines {sorted(want)}"
            + (f" and blocked_behind {sorted(want_behind)}" if want_behind is not None else "")
            + f" ({exp['functions']}); got:\n{_describe(analysis)}"
        )


def _holder_programs() -> list:
    return [c for c in _cases(MODES) if c.values[1]["expect"].get("holders")]


@pytest.mark.parametrize("name, meta, path", _holder_programs())
def test_expected_lock_holders(name: str, meta: dict, path: Path) -> None:
    """``expect.holders``: every mutex or RWMutex whose waiters run one of ``waiters`` is held, by
    the graph's held-by edges, by exactly one goroutine running one of ``holder`` (at medium or
    above), a different one per lock; with ``holder: []`` it has no held-by edge at all (the holder cannot
    be seen in the dump, and no goroutine that merely carries the lock may be blamed)."""
    dump, analysis = _analyzed(path)
    g = analysis.graph
    for exp in meta["expect"]["holders"]:
        waiters = _with_functions(dump, exp["waiters"])
        holders = _with_functions(dump, exp["holder"])
        locks = {
            r
            for w in waiters
            for _, r, d in g.out_edges(f"g:{w}", data=True)
            if d["kind"] == "waits-for" and r.startswith(("mutex@", "rwmutex@")) and "#" not in r
        }
        if not locks:
            pytest.skip("no goroutine waits on a mutex in this capture")
        taken = []
        for lock in sorted(locks):
            held = [(v, d) for _, v, d in g.out_edges(lock, data=True) if d["kind"] == "held-by"]
            if not exp["holder"]:
                assert not held, f"{lock}: no holder is in sight, yet held by {held}"
                continue
            assert len(held) == 1, f"{lock}: expected one holder among {sorted(holders)}, got {held}"
            v, d = held[0]
            assert int(v[2:]) in holders, f"{lock}: held by {v}, not by one of {sorted(holders)}: {d}"
            assert d["confidence"] in ("medium", "high", "certain"), (lock, d)
            taken.append(v)
        assert len(taken) == len(set(taken)), f"one goroutine taken as the holder of several mutexes: {taken}"


def _leak_pairs() -> list:
    cases = []
    for name, meta in _programs():
        for vdir in sorted(CORPUS.glob("go1.*")):
            lp = vdir / f"{name}.leakprof.txt"
            if lp.exists():
                cases.append(pytest.param(name, lp, vdir / f"{name}.leak.txt", id=f"{name}-{vdir.name}"))
    return cases


@pytest.mark.parametrize("name, leakprof, leak", _leak_pairs())
def test_leakprof_marks_are_certain_leaks(name: str, leakprof: Path, leak: Path) -> None:
    dump, analysis = _analyzed(leakprof)
    marked = {g.id for g in dump.goroutines if g.leaked}
    in_certain_leak = set()
    for f in analysis.findings:
        if f.kind == "leak" and f.confidence == "certain":
            in_certain_leak |= set(f.goroutines)
    assert marked <= in_certain_leak, (
        f"leaked-marked goroutines not in a certain leak finding: {sorted(marked - in_certain_leak)}\n{_describe(analysis)}"
    )


@pytest.mark.parametrize("name, leakprof, leak", _leak_pairs())
def test_heuristics_find_what_the_gc_proved(name: str, leakprof: Path, leak: Path) -> None:
    if not leak.exists():
        pytest.skip("no plain dump of the same run")
    pdump, _ = _analyzed(leakprof)
    marked = {g.id for g in pdump.goroutines if g.leaked}
    if not marked:
        pytest.skip("the goroutineleak profile marks nothing in this run")
    dump, analysis = _analyzed(leak)
    present = {g.id for g in dump.goroutines}
    marked &= present
    found = set()
    for f in analysis.findings if name in GC_LEADS else analysis.at_least("medium"):
        found |= set(f.goroutines) | set(f.blocked_behind)
    missing = marked - found
    assert not missing, (
        f"goroutines the GC proved leaked but the heuristics missed: {sorted(missing)}\n{_describe(analysis)}"
    )


def _profile_cases() -> list:
    cases = []
    for name, meta in _programs():
        for vdir in sorted(CORPUS.glob("go1.*")):
            for mode in ("pprof1", "leakprof1"):
                p = vdir / f"{name}.{mode}.txt"
                if p.exists():
                    cases.append(pytest.param(name, meta, p, id=f"{name}-{vdir.name}-{mode}"))
    return cases


@pytest.mark.parametrize("name, meta, path", _profile_cases())
def test_debug1_profiles(name: str, meta: dict, path: Path) -> None:
    """debug=1 profiles have no goroutine ids: buckets and count-based suspicions only (expected
    findings cannot be checked against goroutine ids). Never crash; healthy stays quiet; every
    goroutineleak record is a certain leak."""
    dump, analysis = _analyzed(path)
    assert len(analysis.buckets) == len(dump.records)
    if path.name.endswith(".leakprof1.txt"):
        assert sum(f.count for f in analysis.findings if f.confidence == "certain") == sum(
            r.count for r in dump.records
        )
    elif meta["expect"].get("healthy"):
        assert not analysis.at_least("medium"), _describe(analysis)


@pytest.mark.parametrize("name, meta, path", _holder_programs())
def test_contention_sums_up_the_locks_alike(name: str, meta: dict, path: Path) -> None:
    """The tenants' locks make one contention record: every waiter, every lock, and the holders
    the held-by edges name (or none), as a user reads it in the report."""
    dump, analysis = _analyzed(path)
    for exp in meta["expect"]["holders"]:
        waiters = _with_functions(dump, exp["waiters"])
        records = [c for c in analysis.contention if c.waiting_at and c.waiting_at.function in exp["waiters"]]
        if not waiters or not records:
            pytest.skip("no goroutine waits on a mutex in this capture")
        assert len(records) == 1, records
        (c,) = records
        assert {lock.partition("@")[0] for lock in c.locks} == {c.kind}
        assert c.waiters == len(waiters) and c.in_findings == 0
        g = analysis.graph
        assert set(c.locks) == {r for w in waiters for _, r, d in g.out_edges(f"g:{w}", data=True) if d["kind"] == "waits-for"}
        if exp["holder"]:
            assert c.held_at is not None and c.held_at.function in exp["holder"] and c.unheld == 0
            assert len(set(c.holders)) == len(c.locks)
        else:
            assert c.held_at is None and c.holders == () and c.unheld == len(c.locks)
