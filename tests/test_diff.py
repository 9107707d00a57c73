"""Diff of two analysed dumps (stackparse.diff), on records built by hand, then through the
real pipeline (parse + detect) when those stages are there."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from stackparse.buckets import bucketize
from stackparse.diff import SCHEMA, DumpDiff, diff, finding_key, render_diff_json, render_diff_text
from stackparse.model import Dump, Frame, Function, Goroutine, ProfileFrame, ProfileRecord


def fn(full: str) -> Function:
    head, _, tail = full.rpartition("/")
    pkg, _, name = tail.partition(".")
    return Function(full=full, package=(head + "/" if head else "") + pkg, receiver=None, name=name)


def fr(full: str, file: str, line: int, args: str = "") -> Frame:
    return Frame(function=fn(full), args_text=args, file=file, line=line)


def leak_stack(arg: str = "0xc000010000") -> tuple[Frame, ...]:
    return (fr("main.compute", "/app/main.go", 46, arg),)


WORKER = (fr("main.worker", "/app/main.go", 95),)
LOCK = (
    fr("sync.runtime_SemacquireMutex", "/usr/local/go/src/runtime/sema.go", 77, "0x0?, 0x0?, 0x0?"),
    fr("sync.(*Mutex).lockSlow", "/usr/local/go/src/sync/mutex.go", 171, "0xc0000a0000"),
    fr("sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go", 90, "..."),
    fr("main.transfer", "/app/main.go", 78, "0xc0000a0000, 0xc0000a0010"),
)


def g(gid: int, state: str, frames, wait: int | None = None) -> Goroutine:
    return Goroutine(id=gid, state=state, frames=tuple(frames), wait_minutes=wait)


@dataclass(frozen=True)
class F:  # a detect.Finding stand-in
    kind: str
    goroutines: tuple[int, ...]
    confidence: str = "high"
    title: str = "t"
    resources: tuple = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "goroutines": list(self.goroutines)}


def analysis(goroutines, findings=(), sites=None, **dump_kw):
    dump = Dump(kind="stack", goroutines=tuple(goroutines), **dump_kw)
    blocking = {gid: SimpleNamespace(site=s) for gid, s in (sites or {}).items()}
    return SimpleNamespace(dump=dump, buckets=bucketize(dump), findings=list(findings), blocking=blocking)


def test_leak_bucket_grows_and_old_members_wait_longer():
    old = analysis(
        [g(1, "running", WORKER)]
        + [g(i, "chan send", leak_stack(hex(0xC000 + i))) for i in (10, 11, 12)]
        + [g(i, "chan receive", WORKER) for i in (3, 4)]
    )
    new = analysis(
        [g(1, "running", WORKER)]
        + [g(i, "chan send", leak_stack(hex(0xD000 + i)), wait=2) for i in (10, 11, 12)]
        + [g(i, "chan send", leak_stack()) for i in range(20, 27)]
        + [g(i, "chan receive", WORKER) for i in (3, 4)]
    )
    d = diff(old, new, old_label="a.txt", new_label="b.txt", elapsed=150)
    assert (d.old_total, d.new_total, d.delta) == (6, 13, 7)
    top = d.grown[0]
    assert (top.function, top.location, top.state) == ("main.compute", "/app/main.go:46", "chan send")
    assert (top.old_count, top.new_count, top.delta, top.status) == (3, 10, 7, "grew")
    assert top.still_there == 3
    assert top.new_wait_minutes == (2, 2)
    assert len(d.grown) == 1 and not d.shrunk
    assert [c.id for c in d.waiting_longer] == [10, 11, 12]
    assert all(c.old_wait_minutes is None and c.new_wait_minutes == 2 for c in d.waiting_longer)
    text = render_diff_text(d)
    assert text.splitlines()[0] == "goroutines: 6 (a.txt) -> 13 (b.txt): +7 in 2 min"
    assert "grew (1 bucket):" in text
    flat = " ".join(text.split())  # lines wrap at 80 columns
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "+7" in text and "3 -> 10" in text and "3 still there" in flat
    assert "waiting longer (3 goroutines present in both dumps):" in text
    assert "goroutine 10" in text and "<1 -> 2 min" in text


def test_new_gone_and_shrunk_buckets():
    old = analysis([g(1, "chan receive", WORKER), g(2, "chan receive", WORKER), g(5, "sleep", LOCK[-1:])])
    new = analysis([g(1, "chan receive", WORKER), g(9, "sync.Mutex.Lock", LOCK)])
    d = diff(old, new)
    statuses = {(c.function, c.status, c.delta) for c in d.buckets}
    assert ("main.transfer", "new", 1) in statuses  # top *user* frame, not sync.runtime_...
    assert ("main.transfer", "gone", -1) in statuses
    assert ("main.worker", "shrank", -1) in statuses
    assert [c.status for c in d.shrunk] == ["gone", "shrank"] or [c.status for c in d.shrunk] == [
        "shrank",
        "gone",
    ]
    assert "shrank (2 buckets):" in render_diff_text(d)


def test_no_change():
    a = analysis([g(1, "chan receive", WORKER)])
    d = diff(a, a)
    assert d.delta == 0 and not d.grown and not d.shrunk and not d.findings
    assert "no bucket changed (1 buckets)" in render_diff_text(d)


def test_same_id_with_another_stack_is_not_waiting_longer():
    old = analysis([g(10, "chan send", leak_stack(), wait=1)])
    new = analysis([g(10, "chan receive", WORKER, wait=5)])
    assert diff(old, new).waiting_longer == ()


def test_wait_must_grow():
    old = analysis([g(10, "chan send", leak_stack(), wait=3)])
    same = analysis([g(10, "chan send", leak_stack(), wait=3)])
    more = analysis([g(10, "chan send", leak_stack(), wait=4)])
    assert diff(old, same).waiting_longer == ()
    (c,) = diff(old, more).waiting_longer
    assert (c.id, c.old_wait_minutes, c.new_wait_minutes) == (10, 3, 4)


def test_restart_is_noted():
    old = analysis([g(500, "chan receive", WORKER)])
    new = analysis([g(7, "chan receive", WORKER)])
    assert any("restarted" in n for n in diff(old, new).notes)


def test_findings_matched_by_kind_and_locations_not_ids():
    leak_old = F("leak", (10, 11), title="2 goroutines leak")
    leak_new = F("leak", (10, 11, 20, 21, 22), title="5 goroutines leak")
    gone = F("leak", (3,), title="worker leak")
    dead = F("deadlock", (30, 31), confidence="certain", title="AB-BA")
    old = analysis(
        [g(i, "chan send", leak_stack()) for i in (10, 11)] + [g(3, "chan receive", WORKER)],
        findings=[leak_old, gone],
    )
    new = analysis(
        [g(i, "chan send", leak_stack()) for i in (10, 11, 20, 21, 22)]
        + [g(30, "sync.Mutex.Lock", LOCK), g(31, "sync.Mutex.Lock", LOCK)],
        findings=[dead, leak_new],
        sites={30: 3, 31: 3},
    )
    d = diff(old, new)
    by = {(f.kind, f.status): f for f in d.findings}
    assert set(by) == {("leak", "persisting"), ("deadlock", "new"), ("leak", "resolved")}
    p = by[("leak", "persisting")]
    assert (p.old_goroutines, p.new_goroutines, p.delta, p.title) == (2, 5, 3, "5 goroutines leak")
    assert p.locations == ("/app/main.go:46",)
    assert by[("deadlock", "new")].locations == ("/app/main.go:78",)
    assert by[("leak", "resolved")].locations == ("/app/main.go:95",)
    assert [f.status for f in d.findings] == ["new", "persisting", "resolved"]
    text = render_diff_text(d)
    assert "findings: 1 new, 1 resolved, 1 persisting" in text
    assert "NEW        deadlock (certain): AB-BA [2 goroutines]" in text
    assert "PERSISTING leak (high): 5 goroutines leak [2 -> 5 goroutines]" in text


def test_finding_key_uses_blocking_site_then_first_user_frame():
    a = analysis([g(30, "sync.Mutex.Lock", LOCK)], sites={30: 2})
    assert finding_key(a, F("deadlock", (30,))) == ("deadlock", ("/usr/local/go/src/sync/mutex.go:90",))
    b = analysis([g(30, "sync.Mutex.Lock", LOCK)])
    assert finding_key(b, F("deadlock", (30,))) == ("deadlock", ("/app/main.go:78",))
    # No goroutine in the dump (debug=1): resources, then the title.
    assert finding_key(b, F("leak", (), resources=(SimpleNamespace(kind="chan"),))) == (
        "leak",
        ("resource:chan",),
    )
    assert finding_key(b, F("leak", (), title="x")) == ("leak", ("title:x",))


def profile(counts: dict[str, int]) -> Dump:
    recs = []
    for name, n in counts.items():
        line = {"main.compute": 46, "main.worker": 95}[name]
        recs.append(
            ProfileRecord(
                count=n,
                pcs=(1,),
                frames=(ProfileFrame(pc=1, function=fn(name), offset=0, file="/app/main.go", line=line),),
            )
        )
    return Dump(kind="profile", profile="goroutine", total=sum(counts.values()), records=tuple(recs))


def test_debug1_profiles_diff_by_count():
    a = profile({"main.compute": 3, "main.worker": 4})
    b = profile({"main.compute": 40, "main.worker": 4})
    d = diff(
        SimpleNamespace(dump=a, buckets=bucketize(a), findings=[]),
        SimpleNamespace(dump=b, buckets=bucketize(b), findings=[]),
    )
    assert (d.old_total, d.new_total) == (7, 44)
    assert (d.grown[0].function, d.grown[0].delta, d.grown[0].still_there) == ("main.compute", 37, None)
    assert d.notes == ()


def test_debug1_against_debug2_matches_on_stack():
    a = profile({"main.compute": 3, "main.worker": 4})
    gs = [
        g(i, "chan send", (fr("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 425),) + leak_stack())
        for i in range(10, 16)
    ]
    gs += [g(i, "chan receive", WORKER) for i in range(1, 5)]
    new = analysis(gs)
    d = diff(SimpleNamespace(dump=a, buckets=bucketize(a), findings=[]), new)
    grown = {(c.function, c.delta) for c in d.grown}
    assert grown == {("main.compute", 3)}
    assert not d.shrunk
    assert any("debug=1" in n for n in d.notes)


def test_to_dict_and_json():
    old = analysis([g(10, "chan send", leak_stack())], findings=[F("leak", (10,))])
    new = analysis(
        [g(10, "chan send", leak_stack(), wait=1), g(11, "chan send", leak_stack())],
        findings=[F("leak", (10, 11))],
    )
    d = diff(old, new, elapsed=61.5)
    assert isinstance(d, DumpDiff)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.old_total = 5  # type: ignore[misc]
    data = json.loads(render_diff_json(d))
    assert data == d.to_dict()
    assert data["schema"] == SCHEMA == "stackparse/diff/1"
    assert data["summary"] == {
        "goroutines_delta": 1,
        "buckets_grown": 1,
        "buckets_shrunk": 0,
        "goroutines_waiting_longer": 1,
        "findings_new": 0,
        "findings_resolved": 0,
        "findings_persisting": 1,
    }
    assert data["elapsed_seconds"] == 61.5
    (b,) = data["buckets"]
    assert b["frames"] == [{"function": "main.compute", "file": "/app/main.go", "line": 46}]
    assert data["findings"][0]["finding"] == {"kind": "leak", "goroutines": [10, 11]}


def test_limit_in_text():
    old = analysis([])
    new = analysis([g(i, "chan send", (fr(f"main.f{i}", "/app/x.go", i),)) for i in range(1, 31)])
    text = render_diff_text(diff(old, new), limit=5)
    assert "grew (30 buckets):" in text and "... and 25 more" in text


# --------------------------------------------------------------------------- real pipeline

OLD = """goroutine 1 [chan receive]:
main.main()
\t/app/main.go:30 +0x1d

goroutine 10 [chan send]:
main.compute(0xc000010000)
\t/app/main.go:46 +0x25
created by main.handleRequest in goroutine 1
\t/app/main.go:50 +0x4b
"""

NEW = OLD.replace("goroutine 10 [chan send]:", "goroutine 10 [chan send, 3 minutes]:") + "".join(
    f"""
goroutine {i} [chan send]:
main.compute(0xc0000{i}00)
\t/app/main.go:46 +0x25
created by main.handleRequest in goroutine 1
\t/app/main.go:50 +0x4b
"""
    for i in range(20, 24)
)


def test_real_pipeline():
    parse = pytest.importorskip("stackparse.parsing", reason="stackparse.parsing not written yet").parse
    pytest.importorskip("stackparse.analysis", reason="stackparse.analysis not written yet")
    d = diff(parse(OLD), parse(NEW))  # Dumps: analysed by diff with detect.analyze
    assert (d.old_total, d.new_total) == (2, 6)
    assert (d.grown[0].function, d.grown[0].delta, d.grown[0].still_there) == ("main.compute", 4, 1)
    assert [(c.id, c.new_wait_minutes) for c in d.waiting_longer] == [(10, 3)]


# --------------------------------------------------------------------------- lock contention


def _tenant_dump(waiters: int, holder: int = 10) -> Dump:
    """A flush (goroutine ``holder``) holds a tenant's mutex while it waits on a channel;
    ``waiters`` gets queue on the mutex."""
    t, mu = "0xc000100000", "0xc000100010"
    main = Goroutine(id=1, state="running", frames=(fr("main.main", "/app/main.go", 5),))
    flush = Goroutine(id=holder, state="chan receive", frames=(fr("main.(*tenant).flush", "/app/main.go", 30, t),))
    gets = [
        Goroutine(
            id=100 + k,
            state="sync.Mutex.Lock",
            frames=(
                fr("sync.runtime_SemacquireMutex", "/go/src/runtime/sema.go", 77, "0x0?, 0x0?, 0x0?"),
                fr("sync.(*Mutex).lockSlow", "/go/src/sync/mutex.go", 171, mu),
                fr("sync.(*Mutex).Lock", "/go/src/sync/mutex.go", 90, "..."),
                fr("main.(*tenant).get", "/app/main.go", 36, "0x0?"),
            ),
        )
        for k in range(waiters)
    ]
    return Dump(kind="stack", goroutines=(main, flush, *gets))


def test_contention_matched_across_dumps_with_the_holders_that_stayed() -> None:
    from stackparse.analysis import analyze

    old, new = analyze(_tenant_dump(2)), analyze(_tenant_dump(5))
    assert old.contention and old.contention[0].holders == (10,)
    (c,) = diff(old, new).contention
    assert (c.kind, c.function, c.held_in) == ("mutex", "main.(*tenant).get", "main.(*tenant).flush")
    assert (c.old_waiters, c.new_waiters, c.delta, c.old_locks, c.new_locks) == (2, 5, 3, 1, 1)
    assert c.same_holders == 1  # goroutine 10 held it in both dumps
    text = render_diff_text(diff(old, new))
    assert "lock contention (goroutines waiting on locks alike):" in text
    flat = " ".join(text.split())  # lines wrap at 80 columns
    assert (
        "+3 2 -> 5 on 1 mutex in main.(*tenant).get /app/main.go:36, held in main.(*tenant).flush "
        "(1 held by the same goroutine in both dumps)"
    ) in flat
    doc = json.loads(render_diff_json(diff(old, new)))
    assert doc["contention"][0]["delta"] == 3 and doc["contention"][0]["same_holders"] == 1
    # another goroutine holds it now: the lock changed hands
    (c,) = diff(old, analyze(_tenant_dump(5, holder=11))).contention
    assert c.same_holders == 0 and c.delta == 3
    # nothing moved and no holder stayed: no section
    assert "lock contention" not in render_diff_text(diff(analyze(_tenant_dump(2)), analyze(_tenant_dump(2, holder=11))))
