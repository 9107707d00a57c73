"""The two vocabularies every finding and edge is written in: :class:`Confidence` and :class:`Kind`.

Both are ``StrEnum``: a member equals its word (``Confidence.HIGH == "high"``), prints as it and
goes into JSON as it. :class:`Confidence` is ordered (``LOW < MEDIUM < HIGH < CERTAIN``) by rank,
not by spelling; this module is the only place that order is written down.

What the levels mean (issue 15):

* ``certain``: proven by the runtime (its global-deadlock report, ``(leaked)`` marks, a nil
  channel, ``select {}`` outside ``main.main``);
* ``high``: at least 95% precision on the calibration sets;
* ``medium``: at least 80%;
* ``low``: a lead, shown apart from the findings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["CONFIDENCE", "Confidence", "Kind", "conf_rank", "down", "min_conf", "up"]


class Confidence(StrEnum):
    """How sure a finding or an edge is; ordered by rank (``low`` < ``medium`` < ``high`` < ``certain``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CERTAIN = "certain"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def _cmp(self, other: Any) -> int | None:
        o = _RANK.get(other) if isinstance(other, str) else None
        return None if o is None else _RANK[self] - o

    def __lt__(self, other: Any) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d < 0  # type: ignore[return-value]

    def __le__(self, other: Any) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d <= 0  # type: ignore[return-value]

    def __gt__(self, other: Any) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d > 0  # type: ignore[return-value]

    def __ge__(self, other: Any) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d >= 0  # type: ignore[return-value]


class Kind(StrEnum):
    """What a finding reports."""

    DEADLOCK = "deadlock"
    LEAK = "leak"


#: The levels, weakest first.
CONFIDENCE: tuple[Confidence, ...] = (Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH, Confidence.CERTAIN)
_RANK: dict[str, int] = {c.value: i for i, c in enumerate(CONFIDENCE)}


def conf_rank(c: str) -> int:
    """Rank of a level (a :class:`Confidence` or its word); 0 for an unknown word."""
    return _RANK.get(c, 0)


def min_conf(*cs: str) -> Confidence:
    """The weakest of the levels given (``certain`` when none)."""
    return Confidence(min(cs, key=conf_rank)) if cs else Confidence.CERTAIN


def down(c: str, n: int = 1) -> Confidence:
    """``n`` levels weaker, at least ``low``."""
    return CONFIDENCE[max(0, conf_rank(c) - n)]


def up(c: str, n: int = 1, cap: str = "certain") -> Confidence:
    """``n`` levels stronger, at most ``cap`` (never weaker than ``c``)."""
    r = conf_rank(c)
    return CONFIDENCE[max(r, min(r + n, conf_rank(cap)))]
