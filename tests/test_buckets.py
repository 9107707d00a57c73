"""buckets.bucketize: goroutines with the same stack (arguments ignored) and state together."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackparse.buckets import PROFILE_STATE, Bucket, bucket_key, bucketize
from stackparse.model import CreatedBy, Dump, Frame, Function, Goroutine, ProfileFrame, ProfileRecord

MAIN = "/src/svc/main.go"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def fn(full: str) -> Function:
    pkg, _, name = full.partition(".")
    return Function(full=full, package=pkg, receiver=None, name=name)


def fr(full: str, line: int, args: str = "", file: str = MAIN) -> Frame:
    return Frame(function=fn(full), args_text=args, file=file, line=line)


def g(
    gid: int, state: str, frames: tuple[Frame, ...], minutes: int | None = None, creator: str | None = None
):
    cb = None if creator is None else CreatedBy(function=fn(creator), parent_id=1, file=MAIN, line=99)
    return Goroutine(id=gid, state=state, frames=frames, wait_minutes=minutes, created_by=cb)


def stack(line: int, arg: str) -> tuple[Frame, ...]:
    return (fr("sync.runtime_SemacquireMutex", 77, f"{arg}?, 0x0?"), fr("main.worker", line, f"{arg}, 0x1"))


def test_different_pointer_args_share_a_bucket() -> None:
    dump = Dump(
        kind="stack",
        goroutines=(
            g(3, "sync.Mutex.Lock", stack(20, "0xc000010000"), 4, "main.setup"),
            g(5, "sync.Mutex.Lock", stack(20, "0xc0000aa000"), 9, "main.setup"),
            g(4, "sync.Mutex.Lock", stack(20, "0xc0000bb000"), None, "main.setup"),
        ),
    )
    (b,) = bucketize(dump)
    assert b.goroutine_ids == (3, 4, 5)
    assert b.count == 3
    assert (b.wait_minutes_min, b.wait_minutes_max) == (4, 9)
    assert b.created_by == "main.setup"
    # frames are those of the first member (lowest id)
    assert b.frames[1].args_text == "0xc000010000, 0x1"


def test_different_lines_and_states_are_separated() -> None:
    dump = Dump(
        kind="stack",
        goroutines=(
            g(1, "sync.Mutex.Lock", stack(20, "0x1")),
            g(2, "sync.Mutex.Lock", stack(21, "0x1")),
            g(3, "chan receive", stack(20, "0x1")),
            g(4, "sync.Mutex.Lock", stack(20, "0x2")),
        ),
    )
    buckets = bucketize(dump)
    assert [b.goroutine_ids for b in buckets] == [(1, 4), (2,), (3,)]
    assert [b.wait_minutes_min for b in buckets] == [None, None, None]


def test_different_files_are_separated() -> None:
    dump = Dump(
        kind="stack",
        goroutines=(
            g(1, "select", (fr("main.loop", 10, file="/src/a/main.go"),)),
            g(2, "select", (fr("main.loop", 10, file="/src/b/main.go"),)),
        ),
    )
    assert len(bucketize(dump)) == 2


def test_largest_first_then_by_first_id() -> None:
    gs = [g(i, "chan receive", stack(30, hex(i))) for i in range(10, 13)]
    gs += [g(1, "select", stack(40, "0x0")), g(2, "IO wait", stack(50, "0x0"))]
    gs += [g(i, "sleep", stack(60, "0x0")) for i in range(20, 25)]
    buckets = bucketize(Dump(kind="stack", goroutines=tuple(gs)))
    assert [b.count for b in buckets] == [5, 3, 1, 1]
    assert [b.state for b in buckets] == ["sleep", "chan receive", "select", "IO wait"]


def test_profile_records_are_count_weighted_and_merged() -> None:
    def pf(full: str, line: int) -> ProfileFrame:
        return ProfileFrame(pc=0x4000 + line, function=fn(full), offset=0x10, file=MAIN, line=line)

    recs = (
        ProfileRecord(count=3, pcs=(1, 2), frames=(pf("main.a", 1), pf("main.b", 2))),
        ProfileRecord(count=100, pcs=(5,), frames=(pf("main.c", 3),)),
        # the same frames with other pcs (another call of the same line): merged
        ProfileRecord(count=4, pcs=(7, 8), frames=(pf("main.a", 1), pf("main.b", 2))),
        ProfileRecord(
            count=1, pcs=(9,), frames=(ProfileFrame(pc=9, function=None, offset=None, file=None, line=None),)
        ),
    )
    buckets = bucketize(Dump(kind="profile", profile="goroutine", records=recs, total=108))
    assert [b.count for b in buckets] == [100, 7, 1]
    assert all(b.goroutine_ids == () and b.state == PROFILE_STATE for b in buckets)
    assert buckets[1].frames[0].function.full == "main.a"
    assert buckets[2].frames[0].function.full == "?"
    assert buckets[0].to_dict()["count"] == 100


def test_to_dict_is_plain_json() -> None:
    (b,) = bucketize(Dump(kind="stack", goroutines=(g(7, "select", stack(5, "0x9"), 3, "main.main"),)))
    d = b.to_dict()
    assert d == {
        "count": 1,
        "state": "select",
        "goroutine_ids": [7],
        "wait_minutes_min": 3,
        "wait_minutes_max": 3,
        "created_by": "main.main",
        "frames": [
            {"function": "sync.runtime_SemacquireMutex", "file": MAIN, "line": 77, "args": "0x9?, 0x0?"},
            {"function": "main.worker", "file": MAIN, "line": 5, "args": "0x9, 0x1"},
        ],
    }
    assert isinstance(b, Bucket) and b.key == bucket_key(g(7, "select", stack(5, "0xdead")))


_states = st.sampled_from(["chan receive", "select", "sync.Mutex.Lock"])
_goroutine_shapes = st.lists(
    st.tuples(_states, st.integers(10, 12), st.integers(0, 2**40), st.none() | st.integers(0, 50)),
    max_size=40,
)


@given(_goroutine_shapes)
def test_partition_properties(shapes: list[tuple[str, int, int, int | None]]) -> None:
    gs = tuple(g(i + 1, s, stack(line, hex(arg)), m) for i, (s, line, arg, m) in enumerate(shapes))
    buckets = bucketize(Dump(kind="stack", goroutines=gs))
    ids = [i for b in buckets for i in b.goroutine_ids]
    assert sorted(ids) == [x.id for x in gs]  # every goroutine in exactly one bucket
    assert len({b.key for b in buckets}) == len(buckets)  # keys are distinct
    by_id = {x.id: x for x in gs}
    for b in buckets:
        assert all(bucket_key(by_id[i]) == b.key for i in b.goroutine_ids)
        ms = [by_id[i].wait_minutes for i in b.goroutine_ids if by_id[i].wait_minutes is not None]
        assert (b.wait_minutes_min, b.wait_minutes_max) == ((min(ms), max(ms)) if ms else (None, None))
    assert [b.count for b in buckets] == sorted((b.count for b in buckets), reverse=True)


def test_corpus_abba_sigquit_buckets_the_three_waiters() -> None:
    parse = pytest.importorskip("stackparse.parsing")
    path = CORPUS / "go1.27" / "bug_abba_mutex.sigquit.txt"
    if not path.exists():
        pytest.skip("corpus dump not generated")
    dump = parse.parse(path.read_text())
    buckets = bucketize(dump)
    assert sum(b.count for b in buckets) == len(dump.goroutines)
    waiters = [b for b in buckets if any(f.function.full == "main.waitsBehindDeadlock" for f in b.frames)]
    assert len(waiters) == 1 and waiters[0].count == 3


def _reference_bucketize(dump: Dump) -> list[Bucket]:
    """bucketize as first written (a generator per goroutine): the fast one must agree."""
    groups: dict = {}
    for x in sorted(dump.goroutines, key=lambda x: x.id):
        key = (x.state, tuple((f.function.full, f.file, f.line) for f in x.frames))
        groups.setdefault(key, []).append(x)
    out = []
    for members in groups.values():
        first = members[0]
        minutes = [m.wait_minutes for m in members if m.wait_minutes is not None]
        out.append(
            Bucket(
                state=first.state,
                frames=first.frames,
                goroutine_ids=tuple(m.id for m in members),
                wait_minutes_min=min(minutes) if minutes else None,
                wait_minutes_max=max(minutes) if minutes else None,
                created_by=None if first.created_by is None else first.created_by.function.full,
            )
        )
    out.sort(key=lambda b: (-b.count, all(f.function.package == "runtime" for f in b.frames)))
    return out


@pytest.mark.parametrize(
    "path", sorted(CORPUS.glob("go1.*/*.txt"))[::5], ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_bucketize_agrees_with_the_plain_grouping_on_corpus(path: Path) -> None:
    parse = pytest.importorskip("stackparse.parsing")
    for dump in parse.parse_all(path.read_bytes()):
        if not dump.goroutines:
            continue
        got = bucketize(dump)
        assert got == _reference_bucketize(dump)
        for b in got:
            assert b.key == (b.state, tuple((f.function.full, f.file, f.line) for f in b.frames))
        assert {bucket_key(x) for x in dump.goroutines} == {b.key for b in got}
