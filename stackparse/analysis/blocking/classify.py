"""What each goroutine is blocked in, and on which object: the :class:`Blocking` record.

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
goroutines of one shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

from ...model import Dump, Goroutine
from .groups import stack_groups
from .ops import FOREVER_OPS, LIVE_OPS, WAIT_OPS, is_system
from .plans import _shape_plan
from .sitewords import arg_word as _word
from .sitewords import object_address as _object_address
from .sitewords import site_handles as _site_handles
from .words import exact_words, top_words


@dataclass(frozen=True, slots=True)
class Blocking:
    """What one goroutine is blocked in.

    ``address`` is the identity of the object, set only from an exactly printed word (or derived
    from one at a fixed offset: a semaphore inside its Mutex); ``source`` names the frame and
    argument it came from. ``hint`` is the same word when it was printed with ``?``. ``site``
    is the index in ``frames`` of the first frame outside the runtime and sync (the call site);
    ``handles`` are the exact pointer words of that frame, used when the sync call itself was
    inlined. ``role`` tells, for an RWMutex, whether a writer waits for the writer lock
    (``writer-lock``) or for the readers to leave (``writer-readers``).
    """

    goroutine: int
    state: str
    op: str
    kind: str | None = None
    address: int | None = None
    source: str = ""
    hint: int | None = None
    site: int | None = None
    handles: tuple[int, ...] = ()
    role: str | None = None
    wait_minutes: int | None = None
    leaked: bool = False
    system: bool = False
    dumper: bool = False
    detail: str = ""
    user_frames: tuple[int, ...] = ()

    @property
    def waiting(self) -> bool:
        """Waits for another goroutine (a lock holder, a channel counterpart...)."""
        return self.op in WAIT_OPS

    @property
    def forever(self) -> bool:
        """Nothing can ever wake it: nil channel, select with no cases."""
        return self.op in FOREVER_OPS

    @property
    def live(self) -> bool:
        """Will make progress on its own: running, runnable, syscall, IO wait, sleep."""
        return self.op in LIVE_OPS and not self.system

    @property
    def exact(self) -> bool:
        return self.address is not None

    @property
    def resource(self) -> str | None:
        """Node name of the object in the wait-for graph, or None (no object, or unknown)."""
        if self.kind is None or self.address is None:
            return None
        return f"{self.kind}@{self.address:#x}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "goroutine": self.goroutine,
            "state": self.state,
            "op": self.op,
            "kind": self.kind,
            "address": None if self.address is None else hex(self.address),
            "source": self.source,
            "hint": None if self.hint is None else hex(self.hint),
            "site": self.site,
            "handles": [hex(h) for h in self.handles],
            "role": self.role,
            "wait_minutes": self.wait_minutes,
            "leaked": self.leaked,
            "system": self.system,
            "dumper": self.dumper,
            "detail": self.detail,
        }


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
_NEW = object.__new__
(
    _s_goroutine,
    _s_state,
    _s_op,
    _s_kind,
    _s_address,
    _s_source,
    _s_hint,
    _s_site,
    _s_handles,
    _s_role,
    _s_wait_minutes,
    _s_leaked,
    _s_system,
    _s_dumper,
    _s_detail,
    _s_user_frames,
) = (Blocking.__dict__[name].__set__ for name in Blocking.__slots__)
assert Blocking.__slots__ == (
    "goroutine", "state", "op", "kind", "address", "source", "hint", "site", "handles", "role",
    "wait_minutes", "leaked", "system", "dumper", "detail", "user_frames",
)  # fmt: skip


def _blocking(
    goroutine: int, state: str, op: str, kind: str | None, address: int | None, source: str, hint: int | None,
    site: int | None, handles: tuple[int, ...], role: str | None, wait_minutes: int | None, leaked: bool,
    system: bool, dumper: bool, detail: str, user_frames: tuple[int, ...],
) -> Blocking:  # fmt: skip
    """``Blocking(...)`` with every field given, without the frozen dataclass's ``__init__`` (which
    sets each field through ``object.__setattr__``): the same object, about twice as fast."""
    b = _NEW(Blocking)
    _s_goroutine(b, goroutine)
    _s_state(b, state)
    _s_op(b, op)
    _s_kind(b, kind)
    _s_address(b, address)
    _s_source(b, source)
    _s_hint(b, hint)
    _s_site(b, site)
    _s_handles(b, handles)
    _s_role(b, role)
    _s_wait_minutes(b, wait_minutes)
    _s_leaked(b, leaked)
    _s_system(b, system)
    _s_dumper(b, dumper)
    _s_detail(b, detail)
    _s_user_frames(b, user_frames)
    return b


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
    compiled: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    # (state, shape id, files, lines) -> bucket number
    bucket_ids: dict[tuple[Any, ...], int] = {}
    # per group: shape id, bucket number, and the compiled plan (made at its first goroutine
    # other than goroutine 0, in dump order, as a goroutine-by-goroutine pass would)
    g_shape: list[int] = []
    g_bucket: list[int] = []
    g_plan: list[tuple[Any, ...] | None] = [None] * len(reps)
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
    _classify_rows(gs, group_of, g_plan, g_shape, out, shape_of, dump.kind == "stack")
    out.shape_of = shape_of
    out.shapes = shapes
    out.goroutines = gs
    out.bucket_of = [g_bucket[x] for x in group_of]
    return out


def _classify_rows(
    gs: tuple[Goroutine, ...], group_of: list[int], g_plan: list[tuple[Any, ...] | None], g_shape: list[int],
    out: dict[int, Blocking], shape_of: dict[int, int], stack_kind: bool,
) -> None:  # fmt: skip
    """The per-goroutine loop of :func:`classify_all`: ``out[gid]`` and ``shape_of[gid]`` for every goroutine but
    goroutine 0, from its group's plan and its own argument words."""
    for index, g in enumerate(gs):
        gid = g.id
        if gid == 0:
            continue
        grp = group_of[index]
        frames = g.frames
        state = g.state
        shape_of[gid] = g_shape[grp]
        c = g_plan[grp]
        assert c is not None  # every group with a goroutine other than 0 has its plan
        sources, hsite, op, kind, same, site, role, system, dumper_frames, detail, user = c
        address, source, hint = _object_address(frames, sources, _word) if sources else (None, "", None)
        handles = () if hsite is None else _site_handles(frames[hsite].args_text)
        out[gid] = _blocking(
            gid,
            state,
            op,
            kind,
            address if same else None,
            source,
            hint,
            site,
            handles,
            role,
            g.wait_minutes,
            g.leaked,
            system,
            state == "running" and (dumper_frames or (stack_kind and index == 0)),
            detail,
            user,
        )


def _compile_plan(g: Goroutine, funcs: tuple[str, ...], key: tuple[Any, ...]) -> tuple[Any, ...]:
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
