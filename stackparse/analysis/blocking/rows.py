"""The per-goroutine loop of :func:`~.classify.classify_all`: one :class:`~.record.Blocking` per
goroutine from its stack group's plan and its own argument words.

Everything but the argument words is read once per stack group (:mod:`.groups`); this loop runs
once per goroutine (100,000 in a production dump). Typed for mypyc (``stackparse/native.py:
MODULES``): the model's NamedTuples are read as tuple items, the plan is a typed tuple, and the
record is built with its slots' setters, as :func:`.record._blocking` does.
"""

from __future__ import annotations

from ...model import Goroutine
from .record import Blocking
from .sitewords import arg_word, object_address, site_handles

#: What classify_all keeps of a group's plan: (sources, index of the frame whose handles are read
#: or None, op, kind, whether the address counts, site, role, system, whether the plan's frames
#: say "dumper", detail, user frames).
Plan = tuple[
    tuple[tuple[int, int, int, str], ...], int | None, str, str | None, bool, int | None, str | None, bool, bool,
    str, tuple[int, ...],
]  # fmt: skip

#: the setters of Blocking's slots, in field order (record._blocking's)
_SETTERS = tuple([Blocking.__dict__[name].__set__ for name in Blocking.__slots__])


def classify_rows(
    gs: tuple[Goroutine, ...], group_of: list[int], g_plan: list[Plan | None], g_shape: list[int],
    out: dict[int, Blocking], shape_of: dict[int, int], stack_kind: bool,
) -> None:  # fmt: skip
    """``out[gid]`` and ``shape_of[gid]`` for every goroutine of ``gs`` but goroutine 0, from its
    group's plan (``g_plan[group_of[k]]``) and its own argument words."""
    (
        s_goroutine, s_state, s_op, s_kind, s_address, s_source, s_hint, s_site, s_handles, s_role,
        s_wait_minutes, s_leaked, s_system, s_dumper, s_detail, s_user_frames,
    ) = _SETTERS  # fmt: skip
    new = object.__new__
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
        address: int | None = None
        source = ""
        hint: int | None = None
        if sources:
            address, source, hint = object_address(frames, sources, arg_word)
        handles: tuple[int, ...] = () if hsite is None else site_handles(frames[hsite].args_text)
        b = new(Blocking)
        s_goroutine(b, gid)
        s_state(b, state)
        s_op(b, op)
        s_kind(b, kind)
        s_address(b, address if same else None)
        s_source(b, source)
        s_hint(b, hint)
        s_site(b, site)
        s_handles(b, handles)
        s_role(b, role)
        s_wait_minutes(b, g.wait_minutes)
        s_leaked(b, g.leaked)
        s_system(b, system)
        s_dumper(b, state == "running" and (dumper_frames or (stack_kind and index == 0)))
        s_detail(b, detail)
        s_user_frames(b, user)
        out[gid] = b
