"""What each goroutine is blocked in, and on which object: the :class:`Blocking` record (:mod:`.record`).

For every goroutine of a dump, :func:`classify` returns a :class:`Blocking`: the operation
(``op``, one of :data:`~.ops.OPS`), the kind of object it waits on (``chan``, ``mutex``,
``rwmutex``, ``waitgroup``, ``cond``, ``netpoll``) and, when the runtime printed it exactly, the
object's address. The wait reason in the header decides the operation; the frames give the object
(:mod:`.plans`). Only exact words are facts: a word printed with ``?`` is kept as ``hint``. When
the sync call is inlined (``sync.(*RWMutex).RLock(...)``) the exact pointer words of the calling
frame are kept as ``handles``: the graph stage matches them against objects other goroutines
identify exactly.

Work is done once per group of goroutines with the same stack (:func:`stack_groups`): a
100,000-goroutine dump has a few hundred shapes, and only the argument words differ between the
goroutines of one shape (read by the per-goroutine loop, :mod:`.rows`).
"""

from __future__ import annotations

from operator import attrgetter, itemgetter
from typing import Any

from ...model import Dump, Goroutine
from .groups import stack_groups
from .ops import is_system
from .plans import _shape_plan
from .record import Blocking
from .record import _blocking as _blocking  # (bench/run.py's analysis floor makes records with it)
from .rows import Plan, classify_rows
from .sitewords import object_address as _object_address
from .words import exact_words, top_words


def classify(g: Goroutine, dump: Dump | None = None, index: int | None = None) -> Blocking:
    """The :class:`Blocking` of one goroutine."""
    frames = g.frames
    funcs = tuple([f.function.full for f in frames])
    cb = g.created_by
    plan = _shape_plan(g.state, frames, funcs, None if cb is None else cb.function.package, g.id == 1)
    address, source, hint = _object_address(frames, plan.sources, _listed_word)
    handles: tuple[int, ...] = ()
    if plan.site is not None and plan.site < len(frames):
        handles = tuple(dict.fromkeys(exact_words(frames[plan.site].args_text)))
    system = plan.system if frames else is_system(g)
    op = plan.op
    if system and op not in ("running", "runnable", "syscall"):
        op = "runtime"
    return Blocking(
        goroutine=g.id,
        state=g.state,
        op=op,
        kind=plan.kind if op == plan.op else None,
        address=address if op == plan.op else None,
        source=source,
        hint=hint,
        site=plan.site,
        handles=handles,
        role=plan.role,
        wait_minutes=g.wait_minutes,
        leaked=g.leaked,
        system=system,
        dumper=g.state == "running"
        and (plan.dumper_frames or (dump is not None and dump.kind == "stack" and index == 0)),
        detail=plan.detail,
        user_frames=plan.user,
    )


class Blockings(dict[int, Blocking]):
    """What :func:`classify_all` returns: a ``dict[int, Blocking]`` that also remembers the stack
    shape of every goroutine (``shape_of``: goroutine id -> index in ``shapes``, the tuples of
    function names), so that the graph stage does not compute them again."""

    shape_of: dict[int, int]
    shapes: list[tuple[str, ...]]
    goroutines: tuple[Goroutine, ...]  # the dump's, to tell which dump the shapes belong to
    #: the bucket number of each goroutine of ``goroutines`` (by position, goroutine 0 included):
    #: equal numbers iff equal :func:`stackparse.buckets.bucket_key` (state, and function, file
    #: and line of every frame), numbered in order of first appearance
    bucket_of: list[int]


_FULL = attrgetter("function.full")
_FILE = attrgetter("file")
_LINE = attrgetter("line")
def _listed_word(args_text: str, ai: int) -> tuple[int | None, bool] | None:
    """``top_words(args_text)[ai]`` (cached per text), or None when there is no such word."""
    ws = top_words(args_text)
    return ws[ai] if ai < len(ws) else None


def classify_all(dump: Dump) -> Blockings:
    """:func:`classify` for every goroutine of the dump proper, keyed by goroutine id.

    Goroutine 0 blocks (an M's g0 in crash relay sections) are left out. The same records as
    :func:`classify` goroutine by goroutine (tests/test_analyze_scale.py checks it on the corpus),
    with the per-shape part (the plan, the site, the user frames, ``system``) looked up once per
    group of goroutines with the same stack and only the argument words read per goroutine.

    The groups (:func:`stack_groups`) are goroutines with the same state, creator, and function,
    file and line in every frame (functions by identity: the parser shares them); their shape id,
    bucket (:attr:`Blockings.bucket_of`, for :func:`stackparse.buckets.bucketize_by`) and plan
    are then looked up by value, once per group.
    """
    out = Blockings()
    gs = dump.goroutines
    group_of, reps = stack_groups(gs)
    shape_of: dict[int, int] = {}
    shape_ids: dict[tuple[str, ...], int] = {}
    compiled: dict[tuple[Any, ...], Plan] = {}
    # (state, shape id, files, lines) -> bucket number
    bucket_ids: dict[tuple[Any, ...], int] = {}
    # per group: shape id, bucket number, and the compiled plan (made at its first goroutine
    # other than goroutine 0, in dump order, as a goroutine-by-goroutine pass would)
    g_shape: list[int] = []
    g_bucket: list[int] = []
    g_plan: list[Plan | None] = [None] * len(reps)
    shapes: list[tuple[str, ...]] = []  # shape id -> its function names
    for r in reps:
        g = gs[r]
        frames = g.frames
        funcs = tuple(map(_FULL, frames))
        sid = shape_ids.get(funcs)
        if sid is None:
            sid = shape_ids[funcs] = len(shape_ids)
            shapes.append(funcs)
        bk = (g.state, sid, tuple(map(_FILE, frames)), tuple(map(_LINE, frames)))
        bi = bucket_ids.get(bk)
        if bi is None:
            bi = bucket_ids[bk] = len(bucket_ids)
        g_shape.append(sid)
        g_bucket.append(bi)
    # each group's plan, made at its first goroutine other than goroutine 0 (its first
    # goroutine, unless that is a goroutine 0 block of a crash dump's relay section), in dump
    # order of those goroutines, as a goroutine-by-goroutine pass would
    firsts = list(enumerate(reps))
    if any(gs[r].id == 0 for r in reps):
        seen: dict[int, int] = {}
        for k, x in enumerate(gs):
            if x.id != 0:
                seen.setdefault(group_of[k], k)
        firsts = sorted(seen.items(), key=itemgetter(1))
    for grp, r in firsts:
        g = gs[r]
        cb = g.created_by
        key = (g.state, g_shape[grp], None if cb is None else cb.function.package, g.id == 1)
        c = compiled.get(key)
        if c is None:
            c = compiled[key] = _compile_plan(g, shapes[g_shape[grp]], key)
        g_plan[grp] = c
    classify_rows(gs, group_of, g_plan, g_shape, out, shape_of, dump.kind == "stack")
    out.shape_of = shape_of
    out.shapes = shapes
    out.goroutines = gs
    out.bucket_of = [g_bucket[x] for x in group_of]
    return out


def _compile_plan(g: Goroutine, funcs: tuple[str, ...], key: tuple[Any, ...]) -> Plan:
    """What :func:`classify_all` needs of a goroutine's plan, as a flat tuple: the plan of its
    (state, shape, creator package, is goroutine 1); ``funcs`` are its function names."""
    state, _, cb_pkg, gid1 = key
    frames = g.frames
    plan = _shape_plan(state, frames, funcs, cb_pkg, gid1)
    system = plan.system if frames else is_system(g)
    op = plan.op
    if system and op not in ("running", "runnable", "syscall"):
        op = "runtime"
    same = op == plan.op
    site = plan.site
    return (
        plan.sources,
        site if site is not None and site < len(frames) else None,
        op,
        plan.kind if same else None,
        same,
        site,
        plan.role,
        system,
        plan.dumper_frames,
        plan.detail,
        plan.user,
    )
