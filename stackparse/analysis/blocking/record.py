"""The :class:`Blocking` record: what one goroutine is blocked in, and on which object.

Made by :mod:`.classify` (one per goroutine of a dump); :func:`_blocking` builds one with every
field given, the fastest way (the compiled loop of :mod:`.rows` does the same with the same
setters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ops import FOREVER_OPS, LIVE_OPS, WAIT_OPS


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
