"""Blocking stage: what each goroutine is blocked in, and on which object.

:func:`classify_all` gives the :class:`Blocking` of every goroutine of a dump (keyed by id);
:mod:`.ops` holds the operation tables, :mod:`.plans` where each stack shape prints its object,
:mod:`.words` how exact pointer words are read from argument lists, :mod:`.columns` those of
many stacks at once; :mod:`.record` is the record, and :mod:`.groups`, :mod:`.rows`,
:mod:`.sitewords` the compiled parts of classify_all.
"""

from __future__ import annotations

from .classify import Blocking, Blockings, classify, classify_all, stack_groups
from .columns import rows_words, shape_words, stacks_words
from .ops import (
    FOREVER_OPS,
    LIVE_OPS,
    OP_KIND,
    OPS,
    WAIT_OPS,
    is_dumper,
    is_machinery,
    is_system,
    is_waiting_library,
)
from .words import MIN_POINTER, exact_words, frame_words, pointer_words, top_words

__all__ = [
    "FOREVER_OPS",
    "LIVE_OPS",
    "MIN_POINTER",
    "OPS",
    "OP_KIND",
    "WAIT_OPS",
    "Blocking",
    "Blockings",
    "classify",
    "classify_all",
    "exact_words",
    "frame_words",
    "is_dumper",
    "is_machinery",
    "is_system",
    "is_waiting_library",
    "pointer_words",
    "rows_words",
    "shape_words",
    "stack_groups",
    "stacks_words",
    "top_words",
]
