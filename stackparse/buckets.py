"""Aggregation of goroutines that share a stack (panicparse-style buckets).

A 100,000-goroutine dump usually holds a few dozen distinct stacks: thousands of connection
handlers parked in the same ``IO wait``, a pool of workers on the same ``chan receive``.
:func:`bucketize` groups goroutines whose stacks are the same *ignoring argument values*
(function + file:line of every frame, plus the state), so the report fits on one screen.

It also reads pprof ``debug=1`` profiles, whose records are already aggregated: a record of
``COUNT @ ...`` becomes a bucket weighing COUNT goroutines (with no ids and no state).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from .model import Dump, Frame, Function, Goroutine, ProfileRecord

__all__ = ["PROFILE_STATE", "Bucket", "bucket_key", "bucketize", "bucketize_by"]

#: State of a bucket made from a debug=1 profile record: the profile does not print states.
PROFILE_STATE = ""

#: Key of a bucket: the state, then (function, file, line) of every frame.
BucketKey = tuple[str, tuple[tuple[str, str, int], ...]]


@dataclass(frozen=True, slots=True)
class Bucket:
    """Goroutines with the same state and the same stack, arguments ignored.

    ``frames`` are those of the first member (lowest goroutine id), so their arguments are
    one example among the members'. ``created_by`` is the full name of the function that
    started the first member. ``profile_count`` is set for buckets read from a pprof
    debug=1 profile, which has counts but no goroutine ids; :attr:`count` is the size either
    way.
    """

    state: str
    frames: tuple[Frame, ...]
    goroutine_ids: tuple[int, ...]
    wait_minutes_min: int | None = None
    wait_minutes_max: int | None = None
    created_by: str | None = None
    profile_count: int | None = None

    @property
    def count(self) -> int:
        """How many goroutines the bucket holds."""
        if self.profile_count is not None:
            return self.profile_count
        return len(self.goroutine_ids)

    @property
    def key(self) -> BucketKey:
        return (self.state, tuple(map(_FRAME_KEY, self.frames)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "state": self.state,
            "goroutine_ids": list(self.goroutine_ids),
            "wait_minutes_min": self.wait_minutes_min,
            "wait_minutes_max": self.wait_minutes_max,
            "created_by": self.created_by,
            "frames": [
                {"function": f.function.full, "file": f.file, "line": f.line, "args": f.args_text}
                for f in self.frames
            ],
        }


#: (function, file, line) of a frame, in C: the key is built per frame of every goroutine of
#: the dump (two million frames in a 100k-goroutine dump), so no Python code runs per frame.
_FRAME_KEY = attrgetter("function.full", "file", "line")
_ID = attrgetter("id")
_WAIT_MINUTES = attrgetter("wait_minutes")


def bucket_key(goroutine: Goroutine) -> BucketKey:
    """What two goroutines must share to land in the same bucket."""
    return (goroutine.state, tuple(map(_FRAME_KEY, goroutine.frames)))


def bucketize(dump: Dump) -> list[Bucket]:
    """Group the goroutines of ``dump`` (or the records of a debug=1 profile) into buckets,
    largest first; buckets of equal size keep the order of their first member's id."""
    if not dump.goroutines and dump.records:
        return _bucketize_records(dump.records)
    groups: dict[BucketKey, list[Goroutine]] = {}
    get = groups.get
    frame_key = _FRAME_KEY
    for g in sorted(dump.goroutines, key=_ID):
        key = (g.state, tuple(map(frame_key, g.frames)))  # bucket_key(g), inlined
        members = get(key)
        if members is None:
            groups[key] = [g]
        else:
            members.append(g)
    return _buckets((ms[0], tuple(map(_ID, ms)), list(map(_WAIT_MINUTES, ms))) for ms in groups.values())


def _buckets(groups: Iterable[tuple[Goroutine, tuple[int, ...], list[int | None]]]) -> list[Bucket]:
    """One bucket per group of goroutines, given as (its first member, the members' ids, their
    wait minutes), each sorted by id, the groups in order of their first member; largest first."""
    buckets = []
    for first, gids, mins in groups:
        minutes = [m for m in mins if m is not None]
        buckets.append(
            Bucket(
                state=first.state,
                frames=first.frames,
                goroutine_ids=gids,
                wait_minutes_min=min(minutes) if minutes else None,
                wait_minutes_max=max(minutes) if minutes else None,
                created_by=None if first.created_by is None else first.created_by.function.full,
            )
        )
    # Largest first; among equal sizes, the runtime's own goroutines (GC workers, finalizer...)
    # after the program's, then by first member id (stable sort).
    buckets.sort(key=lambda b: (-b.count, _runtime_only(b.frames)))
    return buckets


def bucketize_by(dump: Dump, group_of: list[int]) -> list[Bucket]:
    """:func:`bucketize` from the goroutines' groups, already known: ``group_of[k]`` is a number
    for ``dump.goroutines[k]``, equal for two goroutines iff their :func:`bucket_key` is equal
    (:func:`stackparse.analysis.blocking.classify_all` numbers them while it reads the frames, as
    ``Blockings.bucket_of``). The same buckets in the same order, with no key built here: the
    goroutines are only sorted by id and dealt to their groups (C-level passes). The ids and wait
    minutes are read once in dump order, the order the parser allocated the goroutines in; a
    bucket reads only its first member (reading every member of a bucket in turn would jump
    across the whole heap: 1.5 s on a 1M-goroutine dump)."""
    gl = dump.goroutines
    if not gl and dump.records:
        return _bucketize_records(dump.records)
    if len(group_of) != len(gl):
        raise ValueError("group_of must have one number per goroutine")
    ids = list(map(_ID, gl))
    order = sorted(range(len(gl)), key=ids.__getitem__)  # stable: dump order among equal ids
    # the groups in order of their first member (lowest id), as bucketize's dict has them
    firsts = list(dict.fromkeys(map(group_of.__getitem__, order)))
    members: dict[int, list[int]] = {k: [] for k in firsts}
    deque(map(list.append, map(members.__getitem__, map(group_of.__getitem__, order)), order), 0)
    minutes = list(map(_WAIT_MINUTES, gl))
    return _buckets(
        (gl[ks[0]], tuple(map(ids.__getitem__, ks)), list(map(minutes.__getitem__, ks)))
        for ks in map(members.__getitem__, firsts)
    )


def _runtime_only(frames: tuple[Frame, ...]) -> bool:
    return all(f.function.package == "runtime" for f in frames)


def _bucketize_records(records: tuple[ProfileRecord, ...]) -> list[Bucket]:
    counts: dict[BucketKey, int] = {}
    frames_of: dict[BucketKey, tuple[Frame, ...]] = {}
    for r in records:
        frames = tuple(_profile_frame(pf) for pf in r.frames)
        key = (PROFILE_STATE, tuple((f.function.full, f.file, f.line) for f in frames))
        counts[key] = counts.get(key, 0) + r.count
        frames_of.setdefault(key, frames)
    buckets = [
        Bucket(state=PROFILE_STATE, frames=frames_of[k], goroutine_ids=(), profile_count=n)
        for k, n in counts.items()
    ]
    buckets.sort(key=lambda b: -b.count)
    return buckets


_UNKNOWN = Function(full="?", package="", receiver=None, name="?")


def _profile_frame(pf: Any) -> Frame:
    return Frame(
        function=pf.function if pf.function is not None else _UNKNOWN,
        args_text="",
        file=pf.file or "?",
        line=pf.line or 0,
        offset=pf.offset,
        pc=pf.pc,
    )
