"""The records an analysis returns: :class:`Finding`, :class:`Contention`, :class:`Site`,
:class:`Analysis`, and the ``stackparse/analysis/1`` JSON document they make
(``stackparse/schema/analysis-1.json``)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..buckets import Bucket
from ..model import Dump
from .blocking import Blocking
from .confidence import CONFIDENCE, Confidence, Kind, conf_rank
from .graph import Edge, WaitGraph

__all__ = ["ANALYSIS_SCHEMA", "CONTENTION_LOCKS_LISTED", "MAX_SITES", "Analysis", "Contention", "Finding", "Site"]

#: At most this many wait sites per finding (``Finding.sites``).
MAX_SITES = 16

#: At most this many locks (and holders) of a :class:`Contention` record are listed in the JSON.
CONTENTION_LOCKS_LISTED = 50
#: ``schema`` of :meth:`Analysis.to_dict` (described by ``stackparse/schema/analysis-1.json``).
ANALYSIS_SCHEMA = "stackparse/analysis/1"
#: Confidence levels, weakest first: ``low`` < ``medium`` < ``high`` < ``certain``.
CONFIDENCE_ORDER: tuple[str, ...] = CONFIDENCE


@dataclass(frozen=True, slots=True)
class Site:
    """A place in the code: a frame's function, file and line."""

    function: str
    file: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.function, "file": self.file, "line": self.line}


@dataclass(frozen=True, slots=True)
class Contention:
    """Locks alike: waited on at one site and held from one site (or with no holder in sight).

    A production dump in an incident has thousands of goroutines queued on a few hundred locks of
    one kind (a tenant's, a shard's mutex): one record stands for all the locks whose waiters call
    Lock at the same site and whose inferred holders stand at the same site, most waiters first.
    ``locks`` are the resource nodes (most waiters first); ``holders`` the holder goroutine of each
    lock that has exactly one ``held-by`` edge, ``held_at`` / ``held_state`` where they stand and
    ``holder_confidence`` the weakest of those edges; ``unheld`` the locks with no single holder
    (none in sight, or several candidates); ``stuck_holders`` the holders nothing in the dump can
    wake (the waiters behind them are stuck for good too); ``longest_wait`` the longest wait of a
    waiter in minutes (None: every wait is under a minute, or the dump does not say);
    ``in_findings`` how many waiters a finding at ``medium`` or above already reports.
    """

    kind: str
    locks: tuple[str, ...]
    waiters: int
    waiting_at: Site | None
    longest_wait: int | None
    holders: tuple[int, ...] = ()
    held_at: Site | None = None
    held_state: str | None = None
    holder_confidence: str | None = None
    unheld: int = 0
    #: of the unheld locks, those with several candidate holders (the rest have none in sight)
    ambiguous: int = 0
    stuck_holders: int = 0
    #: how many of the waiters a finding at medium or above already reports (as its goroutines
    #: or blocked behind it)
    in_findings: int = 0

    def to_dict(self, nodes: Any = None) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lock_count": len(self.locks),
            "locks": [_resource_doc(r, nodes) for r in self.locks[:CONTENTION_LOCKS_LISTED]],
            "waiters": self.waiters,
            "waiting_at": None if self.waiting_at is None else self.waiting_at.to_dict(),
            "longest_wait_minutes": self.longest_wait,
            "holders": list(self.holders[:CONTENTION_LOCKS_LISTED]),
            "held_at": None if self.held_at is None else self.held_at.to_dict(),
            "held_state": self.held_state,
            "holder_confidence": self.holder_confidence,
            "unheld": self.unheld,
            "ambiguous": self.ambiguous,
            "stuck_holders": self.stuck_holders,
            "in_findings": self.in_findings,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a deadlock or a leak.

    ``goroutines`` are the goroutines the finding is about (the cycle, or the leaked ones),
    ``blocked_behind`` those stuck waiting on them; ``resources`` the graph nodes of the objects
    involved; ``edges`` the edges that make the finding, each with its evidence. ``count`` is the
    number of goroutines (for debug=1 profiles, where there are no ids, the record's count).
    """

    kind: Kind
    confidence: Confidence
    title: str
    goroutines: tuple[int, ...]
    resources: tuple[str, ...] = ()
    edges: tuple[Edge, ...] = ()
    blocked_behind: tuple[int, ...] = ()
    count: int = 0
    rule: str = ""
    notes: tuple[str, ...] = ()
    #: where the goroutines wait: the distinct blocking call sites (function, file, line) of
    #: ``goroutines``, in their order, at most :data:`MAX_SITES`
    sites: tuple[Site, ...] = ()

    def __post_init__(self) -> None:
        # the words are accepted too ("leak", "medium"): stored as the enums
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "confidence", Confidence(self.confidence))

    def at_least(self, level: str) -> bool:
        return conf_rank(self.confidence) >= conf_rank(level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "confidence": str(self.confidence),
            "title": self.title,
            "rule": self.rule,
            "goroutines": list(self.goroutines),
            "blocked_behind": list(self.blocked_behind),
            "count": self.count,
            "resources": list(self.resources),
            "edges": [e.to_dict() for e in self.edges],
            "notes": list(self.notes),
            "sites": [x.to_dict() for x in self.sites],
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything :func:`analyze` found in one dump.

    ``findings`` most certain first; ``buckets`` from :func:`stackparse.buckets.bucketize`,
    largest first; ``blockings`` the :class:`~.blocking.Blocking` of every goroutine by id;
    ``graph`` the wait-for graph, a ``networkx.DiGraph`` (nodes and edges: :mod:`.graph`; None
    for a pprof debug=1 profile), and ``wait_graph`` the :class:`~.graph.WaitGraph` it was built
    with; ``doomed`` the ids of the goroutines nothing in the dump can wake; ``summary`` the
    counts a reader wants first (the JSON document's ``summary``).
    """

    findings: tuple[Finding, ...]
    buckets: tuple[Bucket, ...]
    blockings: dict[int, Blocking]
    graph: nx.DiGraph | None
    doomed: frozenset[int] = frozenset()
    notes: tuple[str, ...] = ()
    dump: Dump | None = None
    #: lock contention, most waiters first (see :class:`Contention`)
    contention: tuple[Contention, ...] = ()
    wait_graph: WaitGraph | None = None
    #: made from the rest when not given: dump_kind, goroutines, buckets, findings,
    #: findings_by_kind, worst_confidence
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.summary:
            object.__setattr__(self, "summary", self._summary())

    def at_least(self, level: str) -> list[Finding]:
        """Findings at ``level`` or above (``certain`` > ``high`` > ``medium`` > ``low``)."""
        return [f for f in self.findings if f.at_least(level)]

    def _summary(self) -> dict[str, Any]:
        kinds = Counter(str(f.kind) for f in self.findings)
        worst = max((f.confidence for f in self.findings), key=conf_rank, default=None)
        return {
            "dump_kind": "stack" if self.dump is None else self.dump.kind,
            "goroutines": self._goroutine_count(),
            "buckets": len(self.buckets),
            "findings": len(self.findings),
            "findings_by_kind": dict(sorted(kinds.items())),
            "worst_confidence": None if worst is None else str(worst),
        }

    def _goroutine_count(self) -> int:
        d = self.dump
        if d is None:
            return 0 if self.wait_graph is None else len(self.wait_graph.goroutines)
        if d.goroutines:
            return len(d.goroutines)
        if d.records:
            return sum(r.count for r in d.records)
        return d.total or 0

    def to_dict(self) -> dict[str, Any]:
        """The ``stackparse/analysis/1`` document: ``schema``, ``summary``, ``findings`` (edges
        as ``source``/``target`` node ids, goroutine nodes spelled ``g:<id>``; resources as
        ``{kind, address, exact, key}`` objects; plus ``rule``), ``buckets``, and the extra keys
        ``blocking`` (goroutine id -> :meth:`Blocking.to_dict`) and ``notes``. Plain JSON."""
        nodes = None if self.graph is None else self.graph.nodes
        return {
            "schema": ANALYSIS_SCHEMA,
            "summary": self.summary,
            "findings": [_finding_doc(f, nodes) for f in self.findings],
            "buckets": [b.to_dict() for b in self.buckets],
            "blocking": {str(k): v.to_dict() for k, v in self.blockings.items()},
            "notes": list(self.notes),
            "contention": [c.to_dict(nodes) for c in self.contention],
        }


# --------------------------------------------------------------------------- JSON document


_RES_KEY = re.compile(r"([A-Za-z_.-]+)([:@?])(.*)")


def _resource_doc(key: str, nodes: Any) -> dict[str, Any]:
    """``{kind, address, exact, key}`` of a resource node (``exact``: its address is known); from
    the key alone when the node is not in the graph (then ``exact`` is False)."""
    attrs = nodes[key] if nodes is not None and key in nodes else None
    if attrs is not None and attrs.get("kind") and attrs.get("type", attrs["kind"]) != "goroutine":
        addr = attrs.get("address")
        return {
            "kind": attrs["kind"],
            "address": hex(addr) if isinstance(addr, int) else None,
            "exact": isinstance(addr, int),
            "key": key,
        }
    m = _RES_KEY.match(key)
    if m is None:
        return {"kind": key, "address": None, "exact": False, "key": key}
    kind, sep, rest = m.groups()
    addr = rest.partition("#")[0] if sep != "?" and rest.startswith("0x") else None
    return {"kind": kind, "address": addr, "exact": False, "key": key}


def _finding_doc(f: Finding, nodes: Any) -> dict[str, Any]:
    """One finding of the ``stackparse/analysis/1`` document."""
    return {
        "kind": str(f.kind),
        "confidence": str(f.confidence),
        "title": f.title,
        "goroutines": list(f.goroutines),
        "resources": [_resource_doc(r, nodes) for r in f.resources],
        "edges": [
            {
                "source": e.src,
                "target": e.dst,
                "kind": e.kind,
                "confidence": str(e.confidence),
                "evidence": e.evidence or "",
            }
            for e in f.edges
        ],
        "blocked_behind": list(f.blocked_behind),
        "notes": [str(n) for n in f.notes],
        "count": f.count or len(f.goroutines),
        "rule": f.rule,
        "sites": [x.to_dict() for x in f.sites],
    }


_CONTAINS = re.compile(r"contains finding #(\d+): ")


def most_certain_first(findings: list[Finding]) -> list[Finding]:
    """Stable sort, most certain first; the "contains finding #i" notes of runtime-proven findings
    follow their findings to their new places."""
    order = sorted(range(len(findings)), key=lambda i: -conf_rank(findings[i].confidence))
    new_index = {old: new for new, old in enumerate(order)}
    out = []
    for i in order:
        f = findings[i]
        if any(n.startswith("contains finding #") for n in f.notes):
            def renumber(m: re.Match[str]) -> str:
                return f"contains finding #{new_index[int(m.group(1))]}: "

            notes = tuple(_CONTAINS.sub(renumber, n) for n in f.notes)
            f = dataclasses.replace(f, notes=notes)
        out.append(f)
    return out
