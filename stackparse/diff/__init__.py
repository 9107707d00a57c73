"""Compare two analysed dumps of the same service: what grew, what is new, what resolved.

    d = diff(analyze(parse(old_text)), analyze(parse(new_text)))
    print(render_diff_text(d))

This is how a leak is caught before it becomes an outage: the bucket of goroutines parked at
the same place grows from one dump to the next, and the goroutines that were already there
are still waiting, for more minutes.

* **Buckets** (same state and stack, argument values ignored: :func:`stackparse.buckets.bucketize`)
  are matched by that key and counted in both dumps (pprof ``debug=1`` counts included).
  When one side is a ``debug=1`` profile (no states, leading runtime frames hidden) and the
  other a full dump, both are matched on the stack without leading runtime frames.
* **Goroutines present in both** (same id and same stack: goroutine ids are never reused
  inside one process) whose ``wait_minutes`` grew are listed, longest wait first.
* **Findings** (:func:`stackparse.analysis.analyze`) are matched by ``(kind, sorted set of the
  top user frame locations of their goroutines)``, never by goroutine ids: a leak that
  gains members is the same leak.
* **Lock contention** (:class:`stackparse.analysis.Contention`) is matched by kind, where the
  waiters wait and the function the holders stand in; a holder present in both dumps held its
  lock the whole time between them.

The result is a frozen :class:`DumpDiff`; ``to_dict()`` is plain JSON under the schema
``stackparse/diff/1``.

Modules: :mod:`.records` (the result records and their JSON form), :mod:`.compare` (the
matching: :func:`diff`, :func:`finding_key`), :mod:`.text` (the reports).
"""

from __future__ import annotations

from .compare import diff, finding_key
from .records import SCHEMA, BucketChange, ContentionChange, DumpDiff, FindingChange, GoroutineChange
from .text import render_diff_json, render_diff_text

__all__ = [
    "SCHEMA",
    "BucketChange",
    "ContentionChange",
    "DumpDiff",
    "FindingChange",
    "GoroutineChange",
    "diff",
    "finding_key",
    "render_diff_json",
    "render_diff_text",
]
