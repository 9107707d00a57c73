"""Detect stage: deadlocks and leaks, from the wait-for graph.

:func:`analyze` runs blocking -> graph -> detect on a parsed :class:`~stackparse.model.Dump` and
returns an :class:`Analysis`: the findings, the graph, the per-goroutine blocking records, the
buckets (:func:`stackparse.buckets.bucketize`: goroutines grouped by identical stack) and notes.
``Analysis.to_dict()`` is the ``stackparse/analysis/1`` JSON document
(``stackparse/schema/analysis-1.json``) that ``stackparse analyze --format json`` prints.

How a finding is reached
------------------------

1. **Doomed goroutines.** Start from everything that can make progress on its own (running,
   runnable, syscall, IO wait, sleep; not ``select``: its cases may all be dead) and walk the
   graph backwards: a goroutine whose resource has a releaser that may progress may progress
   too. Every other blocked goroutine is *doomed*: nothing in the dump can wake it. (A resource
   with no releaser in sight dooms its waiters: that is the leak heuristic's raw material.) When
   the runtime itself reports ``all goroutines are asleep - deadlock!`` every goroutine is doomed.
2. **Deadlocks.** Each strongly connected component of the graph whose goroutines are all doomed
   is one ``deadlock`` finding. Its confidence is the best level at which a cycle survives when
   weaker edges are dropped, raised one level (at most to ``high``) when the cycle goes through a
   lock or WaitGroup and no live goroutine related to its members is in sight (closed world). The
   doomed goroutines that wait on it transitively are its ``blocked_behind``.
3. **Leaks**, among the doomed goroutines left: nil channel and ``select {}`` (``certain``;
   ``select {}`` in ``main.main`` is the block-forever idiom and is not reported); WaitGroup waits
   whose workers are stuck (one finding: the waiters and the workers); Cond waits with no
   signaller in sight; and, the LeakProf heuristic, goroutines parked at the same channel
   operation (same function and line) with no counterpart in sight, more confident the more of
   them and the longer they waited (a lone receiver may wait on a timer channel: ``low``).
   ``select`` sites are capped at ``medium`` (the cases are not printed), and in-flight request
   handlers (``net/http.(*conn).serve`` on the stack) at ``low``. A group that depends on other
   stuck goroutines is never more confident than they are.
4. **Runtime-proven findings** are reported as well, and list every goroutine they prove: the
   runtime's global deadlock (``certain`` deadlock listing all blocked user goroutines) and the Go
   1.26+ ``(leaked)`` marks of the goroutineleak profile (``certain`` leak findings, grouped by
   stack). Rule against double reporting: inferred findings (cycles, heuristic leaks) never share
   a goroutine with each other; a goroutine may additionally appear in one runtime-proven finding,
   which then points at the inferred findings inside it in its ``notes``.

Scale (100k goroutines, a few hundred thousand edges): the doomed come from one backward walk
of the graph a frontier at a time (set operations); deadlocks are searched only among the nodes
that cannot progress and reach a cycle (a few, where networkx's walk visits every node), in the
order networkx would report them (:meth:`_Detector.deadlock_components`); the graph's adjacency
dicts are read directly and each goroutine's resource is looked up once.

pprof ``debug=1`` profiles have no goroutine ids or states: they get buckets, a ``certain`` leak
finding per record of a ``goroutineleak`` profile, and a ``low`` leak suspicion per large record
parked in user code.
"""

from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import filterfalse
from typing import Any

import networkx as nx

from .blocking import Blocking, classify_all, is_machinery, is_waiting_library
from .buckets import Bucket, bucketize, bucketize_by
from .graph import CONFIDENCE, Edge, WaitGraph, build_graph, conf_rank, gnode, min_conf
from .model import Dump, Goroutine, ProfileRecord

__all__ = [
    "ANALYSIS_SCHEMA",
    "CONFIDENCE_ORDER",
    "CONTENTION_LOCKS_LISTED",
    "LEAK_COUNT_HIGH",
    "LEAK_COUNT_MEDIUM",
    "Analysis",
    "Contention",
    "Finding",
    "Site",
    "analyze",
    "detect",
    "lock_contention",
]

#: At most this many locks (and holders) of a :class:`Contention` record are listed in the JSON.
CONTENTION_LOCKS_LISTED = 50
#: A lock's waiters call Lock from this many sites at most that count (the first ones read).
MAX_SITES_READ = 16

#: ``schema`` of :meth:`Analysis.to_dict` (described by ``stackparse/schema/analysis-1.json``).
ANALYSIS_SCHEMA = "stackparse/analysis/1"
#: Confidence levels, weakest first (``graph.CONFIDENCE``): ``low`` < ``medium`` < ``high`` < ``certain``.
CONFIDENCE_ORDER: tuple[str, ...] = CONFIDENCE

#: Goroutines parked at one channel site with no counterpart: this many make it ``medium``...
LEAK_COUNT_MEDIUM = 2
#: ...and this many (or :data:`LEAK_MINUTES_HIGH` minutes of waiting) ``high``.
LEAK_COUNT_HIGH = 10
LEAK_MINUTES_HIGH = 10
#: Cycle enumeration budget per strongly connected component.
MAX_CYCLES = 32


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

    kind: str  # "deadlock" | "leak"
    confidence: str  # "certain" | "high" | "medium" | "low"
    title: str
    goroutines: tuple[int, ...]
    resources: tuple[str, ...] = ()
    edges: tuple[Edge, ...] = ()
    blocked_behind: tuple[int, ...] = ()
    count: int = 0
    rule: str = ""
    notes: tuple[str, ...] = ()

    def at_least(self, level: str) -> bool:
        return conf_rank(self.confidence) >= conf_rank(level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "confidence": self.confidence,
            "title": self.title,
            "rule": self.rule,
            "goroutines": list(self.goroutines),
            "blocked_behind": list(self.blocked_behind),
            "count": self.count,
            "resources": list(self.resources),
            "edges": [e.to_dict() for e in self.edges],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything :func:`analyze` found in one dump.

    ``findings`` most certain first within each rule family (see the module docstring);
    ``buckets`` from :func:`stackparse.buckets.bucketize`, largest first; ``blockings`` the
    :class:`~stackparse.blocking.Blocking` of every goroutine by id; ``graph`` the
    :class:`~stackparse.graph.WaitGraph` (None for a pprof debug=1 profile); ``doomed`` the ids
    of the goroutines nothing in the dump can wake.
    """

    findings: tuple[Finding, ...]
    buckets: tuple[Bucket, ...]
    blockings: dict[int, Blocking]
    graph: WaitGraph | None
    doomed: frozenset[int] = frozenset()
    notes: tuple[str, ...] = ()
    dump: Dump | None = None
    #: lock contention, most waiters first (see :class:`Contention`)
    contention: tuple[Contention, ...] = ()

    def at_least(self, level: str) -> list[Finding]:
        """Findings at ``level`` or above (``certain`` > ``high`` > ``medium`` > ``low``)."""
        return [f for f in self.findings if f.at_least(level)]

    def summary(self) -> dict[str, Any]:
        """Counts a reader wants before the details (the document's ``summary``)."""
        kinds = Counter(f.kind for f in self.findings)
        worst = max((f.confidence for f in self.findings), key=_conf_index, default=None)
        return {
            "dump_kind": "stack" if self.dump is None else self.dump.kind,
            "goroutines": self._goroutine_count(),
            "buckets": len(self.buckets),
            "findings": len(self.findings),
            "findings_by_kind": dict(sorted(kinds.items())),
            "worst_confidence": worst,
        }

    def _goroutine_count(self) -> int:
        d = self.dump
        if d is None:
            return 0 if self.graph is None else len(self.graph.goroutines)
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
        nodes = None if self.graph is None else self.graph.graph.nodes
        return {
            "schema": ANALYSIS_SCHEMA,
            "summary": self.summary(),
            "findings": [_finding_doc(f, nodes) for f in self.findings],
            "buckets": [b.to_dict() for b in self.buckets],
            "blocking": {str(k): v.to_dict() for k, v in self.blockings.items()},
            "notes": list(self.notes),
            "contention": [c.to_dict(nodes) for c in self.contention],
        }


# --------------------------------------------------------------------------- JSON document


def _conf_index(c: str) -> int:
    return CONFIDENCE_ORDER.index(c) if c in CONFIDENCE_ORDER else -1


_GKEY = re.compile(r"g:?(\d+)")


def _doc_node(node: str) -> str:
    """Node id as the JSON document spells it: goroutines ``g:<id>`` (graph.py says ``g<id>``),
    resource keys (``mutex@0x..``, ``chan?g12``) unchanged."""
    m = _GKEY.fullmatch(node)
    return node if m is None else f"g:{m.group(1)}"


_RES_KEY = re.compile(r"([A-Za-z_.-]+)([:@?])(.*)")


def _resource_doc(key: str, nodes: Any) -> dict[str, Any]:
    """``{kind, address, exact, key}`` of a resource node; from the key alone when the node is
    not in the graph (then ``exact`` is False)."""
    attrs = nodes[key] if nodes is not None and key in nodes else None
    if attrs is not None and attrs.get("kind") and attrs.get("type", attrs["kind"]) != "goroutine":
        addr = attrs.get("address")
        return {
            "kind": attrs["kind"],
            "address": hex(addr) if isinstance(addr, int) else None,
            "exact": True,
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
        "kind": f.kind,
        "confidence": f.confidence,
        "title": f.title,
        "goroutines": list(f.goroutines),
        "resources": [_resource_doc(r, nodes) for r in f.resources],
        "edges": [
            {
                "source": _doc_node(e.src),
                "target": _doc_node(e.dst),
                "kind": e.kind,
                "confidence": e.confidence,
                "evidence": e.evidence or "",
            }
            for e in f.edges
        ],
        "blocked_behind": list(f.blocked_behind),
        "notes": [str(n) for n in f.notes],
        "count": f.count or len(f.goroutines),
        "rule": f.rule,
    }


# --------------------------------------------------------------------------- helpers

_CONF_N = {c: i for i, c in enumerate(CONFIDENCE)}


def _up(c: str, cap: str = "high") -> str:
    i = min(_CONF_N[c] + 1, _CONF_N[cap])
    return CONFIDENCE[max(i, _CONF_N[c])]


def _site(g: Goroutine, b: Blocking) -> tuple[str, str]:
    """(function, file:line) of a goroutine's blocking call site."""
    fr = g.frames
    if not fr:
        return ("?", "?")
    i = b.site if b.site is not None and b.site < len(fr) else 0
    return (fr[i].function.full, fr[i].location)


#: Frames of an in-flight request handler: its waits end when the request's connection or
#: stream does (the request context is cancelled), so a parked handler is at most a low leak.
_REQUEST_FRAMES = frozenset(
    {
        "net/http.(*conn).serve",
        "golang.org/x/net/http2.(*serverConn).runHandler",
        "net/http.(*http2serverConn).runHandler",
        "google.golang.org/grpc.(*Server).handleStream",
        "google.golang.org/grpc.(*Server).processUnaryRPC",
        "google.golang.org/grpc.(*Server).processStreamingRPC",
    }
)


def in_request(g: Goroutine) -> bool:
    return any(f.function.full in _REQUEST_FRAMES for f in g.frames)


def _gnum(n: str) -> int | None:
    return int(n[1:]) if n.startswith("g") and n[1:].isdigit() else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def is_global_deadlock(dump: Dump) -> bool:
    fe = dump.preamble.fatal_error or ""
    return fe.startswith("all goroutines are asleep")


# --------------------------------------------------------------------------- debug=1 profiles


_RECORD_IDLE_PREFIXES = (
    "internal/poll.",
    "net.",
    "net/http.",
    "os/signal.",
    "time.",
    "runtime/pprof.",
    "syscall.",
    "crypto/tls.",
    "bufio.",
    "io.",
)


def _record_op(r: ProfileRecord) -> str:
    names = [f.function.full for f in r.frames if f.function]
    for n in names:
        if "lockSlow" in n or "SemacquireMutex" in n:
            return "mutex-lock"
        if "SemacquireRWMutexR" in n or "RWMutex).RLock" in n:
            return "rwmutex-rlock"
        if "SemacquireRWMutex" in n or "RWMutex).Lock" in n:
            return "rwmutex-lock"
        if "WaitGroup).Wait" in n:
            return "waitgroup-wait"
        if "Cond).Wait" in n or "notifyListWait" in n:
            return "cond-wait"
        if n == "runtime.selectgo":
            return "select"
        if n.startswith("runtime.chanrecv"):
            return "chan-recv"
        if n.startswith("runtime.chansend"):
            return "chan-send"
        if n == "time.Sleep":
            return "sleep"
        if n.startswith("internal/poll.") or n.startswith("net."):
            return "io-wait"
        if n.startswith("runtime/pprof."):
            return "running"
    return "other"


def _analyze_records(dump: Dump) -> Analysis:
    findings: list[Finding] = []
    leakprof = (dump.profile or "") == "goroutineleak"
    for r in dump.records:
        user = [f for f in r.frames if f.function and not is_machinery(f.function.package)]
        if user:
            fn = user[0].function
            assert fn is not None  # user keeps only frames whose function is set
            top = fn.full
        elif r.frames:
            f0 = r.frames[0]
            top = f0.function.full if f0.function else hex(f0.pc)
        else:
            top = "?"
        where = f"{user[0].file}:{user[0].line}" if user else "?"
        if leakprof:
            findings.append(
                Finding(
                    kind="leak",
                    confidence="certain",
                    title=f"{_plural(r.count, 'goroutine')} leaked in {top} ({where}): "
                    "proven by the goroutineleak profile",
                    goroutines=(),
                    count=r.count,
                    rule="leaked-mark",
                )
            )
            continue
        if r.count < LEAK_COUNT_HIGH or _record_op(r) in ("running", "sleep", "io-wait") or not user:
            continue
        if any(top.startswith(p) for p in _RECORD_IDLE_PREFIXES):
            continue
        findings.append(
            Finding(
                kind="leak",
                confidence="low",
                title=f"{r.count} goroutines parked in {top} ({where}) "
                "(debug=1 profile: no states, ids or arguments)",
                goroutines=(),
                count=r.count,
                rule="leakprof-record",
                notes=(
                    "a debug=1 profile does not say what the goroutines wait for; "
                    "take a debug=2 dump to confirm",
                ),
            )
        )
    return Analysis(
        findings=tuple(findings),
        buckets=tuple(bucketize(dump)),
        blockings={},
        graph=None,
        notes=("pprof debug=1 profile: aggregated records only, no wait-for graph",),
        dump=dump,
    )


# --------------------------------------------------------------------------- graph walks

_NO_ADJ: dict[str, dict[str, Any]] = {}


def _sccs(succ: dict[str, dict[str, Any]], sources: Iterable[str]) -> Iterator[set[str]]:
    """The strongly connected components reachable from ``sources``, over the adjacency dict
    ``succ`` (``DiGraph._succ``).

    The algorithm and walk order of ``nx.strongly_connected_components`` (Tarjan with Nuutila's
    changes, iterative): with every node of the graph as ``sources``, in graph order, it yields
    the same components in the same order (a differential test holds it to that). Neighbour
    iterators are made when a node is first entered rather than for every node up front."""
    preorder: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    scc_found: set[str] = set()
    scc_queue: list[str] = []
    neighbors: dict[str, Iterator[str]] = {}
    i = 0
    for source in sources:
        if source in scc_found:
            continue
        queue = [source]
        while queue:
            v = queue[-1]
            it = neighbors.get(v)
            if it is None:
                i += 1
                preorder[v] = i
                it = neighbors[v] = iter(succ[v])
            done = True
            for w in it:
                if w not in preorder:
                    queue.append(w)
                    done = False
                    break
            if done:
                low = pv = preorder[v]
                for w in succ[v]:
                    if w not in scc_found:
                        pw = preorder[w]
                        if pw > pv:
                            lw = lowlink[w]
                            if lw < low:
                                low = lw
                        elif pw < low:
                            low = pw
                lowlink[v] = low
                queue.pop()
                if low == pv:
                    scc = {v}
                    while scc_queue and preorder[scc_queue[-1]] > pv:
                        scc.add(scc_queue.pop())
                    scc_found.update(scc)
                    yield scc
                else:
                    scc_queue.append(v)


def _cycle_reachers(
    succ: dict[str, dict[str, Any]], pred: dict[str, dict[str, Any]], nodes: list[str]
) -> list[str]:
    """The nodes of ``nodes`` (a set closed under successors, in graph order) from which a cycle
    can be reached, in the same order: what is left when nodes whose successors are all gone
    are removed, repeatedly (sinks first)."""
    outdeg = dict(zip(nodes, map(len, map(succ.__getitem__, nodes))))
    stack = [n for n, k in outdeg.items() if not k]
    while stack:
        n = stack.pop()
        for p in pred[n]:
            k = outdeg.get(p)
            if k:
                outdeg[p] = k - 1
                if k == 1:
                    stack.append(p)
    return [n for n in nodes if outdeg[n]]


def _reaches_from(pred: dict[str, dict[str, Any]], targets: set[str], sources: set[str]) -> bool:
    """Whether a node of ``sources`` reaches a node of ``targets`` (a backward walk over the
    predecessor dict ``pred`` from ``targets``)."""
    if not targets.isdisjoint(sources):
        return True
    seen = set(targets)
    frontier = seen
    while frontier:
        nxt = set().union(*[pred[n] for n in frontier])
        nxt -= seen
        if not nxt.isdisjoint(sources):
            return True
        seen |= nxt
        frontier = nxt
    return False


# --------------------------------------------------------------------------- analysis


class _Detector:
    def __init__(self, dump: Dump, wg: WaitGraph):
        self.dump = dump
        self.wg = wg
        self.G = wg.graph
        self.b = wg.blockings
        self.gs = wg.goroutines
        self.notes: list[str] = list(wg.notes)
        self.findings: list[Finding] = []
        self.claimed: set[int] = set()  # goroutines in an inferred finding
        self.global_dl = is_global_deadlock(dump)
        self.deferred: list[Finding] = []
        # The graph's adjacency dicts (node -> {neighbour: edge attributes}), read directly: the
        # passes below visit every goroutine of a 100k dump, and networkx's views cost a few
        # object allocations per call. Iteration order is the same as successors/predecessors.
        self._succ: dict[str, dict[str, dict[str, Any]]] = self.G._succ
        self._pred: dict[str, dict[str, dict[str, Any]]] = self.G._pred
        self._node: dict[str, dict[str, Any]] = self.G._node
        self._res_cache: dict[int, str | None] = {}
        self._inferred: list[tuple[int, str, set[int]]] | None = None
        #: nodes that may progress (compute_doomed), and the others in graph order
        self.progress_nodes: set[str] = set()
        self.outside: list[str] = []
        self.sc: dict[int, str] | None = None
        self._sc_basis: list[Finding] = []

    def res_of(self, gid: int) -> str | None:
        """:meth:`WaitGraph.resource_of` (the node a goroutine waits on), memoised."""
        try:
            return self._res_cache[gid]
        except KeyError:
            pass
        r = None
        for v, d in self._succ.get(gnode(gid), _NO_ADJ).items():
            if d["kind"] == "waits-for":
                r = v
                break
        self._res_cache[gid] = r
        return r

    # ------------------------------------------------------------------ doomed

    def compute_doomed(self) -> None:
        graph = self.G
        b = self.b
        if self.global_dl:
            user = [gid for gid, bl in b.items() if not bl.system and gnode(gid) in graph]
            self.doomed = {gid for gid in user if not b[gid].dumper}
            self.progress_nodes = set()
            self.outside = list(self._node)
            return
        # Everything that can reach a goroutine that may progress (walking the edges backwards:
        # a waiter on a resource whose releaser may progress, the resource itself...) may
        # progress too. One breadth-first walk, a frontier at a time, with set operations.
        pred = self._pred
        frontier: set[str] = set()
        for gid in self.wg.alive:
            if b[gid].op == "select":
                # a select is not progress by itself: its cases may all be dead channels. A
                # select with a live counterpart (a sibling, a pointer sharer) is reached below.
                continue
            n = gnode(gid)
            if n in pred:
                frontier.add(n)
        progress = set(frontier)
        while frontier:
            nxt = set().union(*map(pred.__getitem__, frontier))
            nxt -= progress
            progress |= nxt
            frontier = nxt
        self.progress_nodes = progress
        # the nodes outside the closure, in graph order (closed under successors)
        self.outside = list(filterfalse(progress.__contains__, self._node))
        # The doomed: user goroutines outside that closure that wait (or wait forever). Only the
        # nodes outside it are looked at; the set is filled in blockings order (its iteration
        # order is what it was when every goroutine was visited).
        cand: set[int] = set()
        for n in self.outside:
            num = _gnum(n)
            if num is None:
                continue
            bl = b.get(num)
            if bl is not None and not bl.system and (bl.waiting or bl.forever):
                cand.add(num)
        self.doomed = set(filter(cand.__contains__, b)) if cand else set()

    # ------------------------------------------------------------------ deadlocks

    def deadlocks(self) -> None:
        for comp in self.deadlock_components():
            self.one_deadlock(comp)

    def deadlock_components(self) -> list[set[str]]:
        """The strongly connected components (2+ nodes) whose goroutines are all doomed, in the
        order ``nx.strongly_connected_components(graph)`` yields them.

        A component that holds a node that may progress lies wholly inside the progress closure
        (each of its nodes reaches that node), and the nodes outside the closure are closed
        under successors. So the components outside it are those of a walk that starts only
        from the nodes outside it (in graph order), over the same adjacency: a few thousand
        nodes on a 100k dump, instead of all of them. That walk yields them in the same order
        unless a node that may progress reaches one of them (then an earlier walk of the full
        graph may have entered it first): only then, and only with two or more of them, the
        whole graph is walked."""
        progress = self.progress_nodes
        doomed = self.doomed

        def qualifies(comp: set[str]) -> bool:
            if len(comp) < 2:
                return False
            gids = [_gnum(n) for n in comp if n.startswith("g")]
            gids = [x for x in gids if x is not None]
            return bool(gids) and all(x in doomed for x in gids)

        # Nodes that reach no cycle are in no component of 2+ nodes and do not change the order
        # in which the walk meets the others: only the nodes that reach a cycle are walked.
        core = _cycle_reachers(self._succ, self._pred, self.outside)
        comps = [c for c in _sccs(self._succ, core) if qualifies(c)]
        if len(comps) > 1 and progress and _reaches_from(self._pred, set().union(*comps), progress):
            comps = [c for c in nx.strongly_connected_components(self.G) if qualifies(c)]
        return comps

    def late_deadlocks(self) -> None:
        """Low-confidence cycles, reported only for goroutines no leak finding explained."""
        for f in self.deferred:
            left = tuple(g for g in f.goroutines if g not in self.claimed)
            if len(left) != len(f.goroutines):
                continue
            self.claimed.update(left)
            self.findings.append(f)

    def one_deadlock(self, comp: set[str]) -> None:
        graph = self.G
        sub = graph.subgraph(comp)
        best = None
        for level in reversed(CONFIDENCE):  # certain first
            keep = [
                (u, v) for u, v, d in sub.edges(data=True) if conf_rank(d["confidence"]) >= conf_rank(level)
            ]
            if not keep:
                continue
            kept = nx.DiGraph(keep)
            subs = [
                c
                for c in nx.strongly_connected_components(kept)
                if len(c) > 1 and any(n.startswith("g") for n in c)
            ]
            if subs:
                best = (level, set().union(*subs))
                break
        if best is None:
            return
        level, core = best
        gids = sorted(x for x in (_gnum(n) for n in core) if x is not None)
        res = sorted(n for n in core if not n.startswith("g"))
        kinds = {graph.nodes[r]["kind"] for r in res}
        # closed world: no live goroutine related to the members, and the cycle needs a lock/WG
        related_alive = set(self.wg.related.alive(gids)) if self.wg.related is not None else set()
        conf = level
        notes: list[str] = []
        strong = any(
            conf_rank(d["confidence"]) >= conf_rank("medium")
            for _, _, d in graph.subgraph(core).edges(data=True)
            if d["kind"] != "waits-for"
        )
        if (
            not related_alive
            and strong
            and kinds & {"mutex", "rwmutex", "waitgroup", "sema"}
            and conf_rank(conf) < conf_rank("medium")
        ):
            conf = _up(conf)
            notes.append(
                "closed world: no live goroutine related to the cycle is in sight, so nothing can break it"
            )
        # ambiguous lock holders outside the cycle lower the confidence
        for r in res:
            if graph.nodes[r].get("semantics") == "one":
                outside = [v for v in graph.successors(r) if v not in core]
                if outside:
                    conf = CONFIDENCE[max(0, conf_rank(conf) - 1)]
                    notes.append(f"{r}: other possible holders outside the cycle: {', '.join(outside[:5])}")
        if self.global_dl and conf_rank(conf) >= conf_rank("medium"):
            conf = max(conf, "high", key=conf_rank)
            notes.append("the runtime reported all goroutines asleep: these goroutines are certainly stuck")
        # sorted: a subgraph iterates its node set, whose order changes with PYTHONHASHSEED
        edges = tuple(
            Edge(u, v, d["kind"], d["confidence"], d["evidence"])
            for u, v, d in sorted(graph.subgraph(core).edges(data=True), key=lambda t: (t[0], t[1]))
        )
        title = self.deadlock_title(gids, res, edges)
        cycles_note = self.cycle_note(core)
        if cycles_note:
            notes.append(cycles_note)
        f = Finding(
            kind="deadlock",
            confidence=conf,
            title=title,
            goroutines=tuple(gids),
            resources=tuple(res),
            edges=edges,
            count=len(gids),
            rule="cycle",
            notes=tuple(notes),
        )
        if conf_rank(conf) < conf_rank("medium"):
            # a weak cycle: a leak reading of the same goroutines may be better
            self.deferred.append(f)
            return
        self.claimed.update(gids)
        self.findings.append(f)

    def cycle_note(self, core: set[str]) -> str:
        sub = self.G.subgraph(core)
        cycles = []
        try:
            for c in nx.simple_cycles(sub):
                cycles.append(c)
                if len(cycles) >= MAX_CYCLES:
                    self.notes.append(
                        f"cycle enumeration cut at {MAX_CYCLES} cycles in a component of {len(core)} nodes"
                    )
                    break
        except Exception:  # pragma: no cover - networkx edge cases
            return ""
        if len(cycles) <= 1:
            return ""
        return f"{len(cycles)}{'+' if len(cycles) >= MAX_CYCLES else ''} cycles in this component"

    def deadlock_title(self, gids: list[int], res: list[str], edges: tuple[Edge, ...]) -> str:
        graph = self.G
        names = []
        for gid in gids[:4]:
            g = self.gs[gid]
            fn, _ = _site(g, self.b[gid])
            names.append(f"{gid} ({fn})")
        more = f" +{len(gids) - 4}" if len(gids) > 4 else ""
        kinds = [graph.nodes[r]["kind"] for r in res]
        if len(gids) == 1:
            r = res[0] if res else "?"
            return f"self-deadlock: goroutine {names[0]} waits for {r}, which it already holds (re-lock)"
        if any(k == "rwmutex-writer" for k in kinds):
            return (
                "RWMutex deadlock: recursive RLock behind a pending writer: "
                f"goroutines {', '.join(names)}{more}"
            )
        through = ", ".join(res[:4]) + ("..." if len(res) > 4 else "")
        who = ", ".join(names) + more
        return f"deadlock: {len(gids)} goroutines wait on each other through {through}: {who}"

    # ------------------------------------------------------------------ blocked behind

    def behind(self) -> None:
        """Doomed goroutines waiting (transitively) on a deadlock: its blocked_behind."""
        pred = self._pred
        owner: dict[int, int] = {}
        new = []
        for idx, f in enumerate(self.findings):
            if f.kind != "deadlock":
                continue
            start = {gnode(g) for g in f.goroutines}
            seen: set[str] = set(start)
            q = deque(start)
            got: list[int] = []
            while q:
                n = q.popleft()
                for p in pred[n]:
                    if p in seen:
                        continue
                    if p.startswith("g"):
                        gid = _gnum(p)
                        if gid is None or gid not in self.doomed or gid in self.claimed or gid in owner:
                            continue
                        owner[gid] = idx
                        got.append(gid)
                    seen.add(p)
                    q.append(p)
            new.append((idx, got))
        for idx, got in new:
            if got:
                f = self.findings[idx]
                self.findings[idx] = _replace(f, blocked_behind=tuple(sorted(got)))
                self.claimed.update(got)

    # ------------------------------------------------------------------ leaks

    def stuck_confidence(self, findings: list[Finding] | None = None) -> None:
        """How sure we are that each doomed goroutine is stuck for good.

        Proven (nil channel, select {}, ``(leaked)``, global deadlock): ``certain``; in a deadlock
        finding: its confidence; parked on a channel with no counterpart in sight: by how many
        share the site (a lone receiver may well wait on a timer channel: ``low``); a select:
        ``low``; otherwise the weakest of what it waits on (a few rounds). ``findings``: those
        made so far (default: ``self.findings``).
        """
        succ = self._succ
        sc: dict[int, str] = {}
        site_count: dict[tuple, int] = defaultdict(int)
        for gid in self.doomed:
            bl = self.b[gid]
            site_count[(bl.op, *_site(self.gs[gid], bl))] += 1
        for f in self.findings if findings is None else findings:
            for g in f.goroutines + f.blocked_behind:
                sc[g] = f.confidence
        pending = []
        for gid in self.doomed:
            if gid in sc:
                continue
            bl = self.b[gid]
            if bl.forever or bl.leaked or self.global_dl:
                sc[gid] = "certain"
                continue
            r = self.res_of(gid)
            rel = list(succ[r]) if r is not None else []
            if bl.op in ("chan-send", "chan-recv", "select"):
                # a lone receiver with no live counterpart may wait on a timer channel
                n = site_count[(bl.op, *_site(self.gs[gid], bl))]
                mins = bl.wait_minutes or 0
                sc[gid] = (
                    "high"
                    if n >= LEAK_COUNT_HIGH or mins >= LEAK_MINUTES_HIGH
                    else "medium"
                    if n >= LEAK_COUNT_MEDIUM
                    else "low"
                )
            elif not rel:
                sc[gid] = "medium"
            else:
                pending.append((gid, rel))
        for gid, _ in pending:
            sc[gid] = "high"
        for _ in range(8):
            changed = False
            for gid, rel in pending:
                vals = [sc.get(_gnum(v) or -1, "medium") for v in rel if v.startswith("g")]
                new = min_conf("high", *vals) if vals else "medium"
                if new != sc[gid]:
                    sc[gid] = new
                    changed = True
            if not changed:
                break
        self.sc = sc

    def dep_conf(self, releasers: Iterable[str]) -> str:
        if self.sc is None:
            # made on first need, from the findings there were when the leak rules started
            self.stuck_confidence(self._sc_basis)
        sc: dict[int, str] = self.sc or {}
        vals = [sc.get(_gnum(v) or -1, "medium") for v in releasers if v.startswith("g")]
        return min_conf(*vals) if vals else "certain"

    def leaks(self) -> None:
        succ = self._succ
        nodes = self._node
        # stuck_confidence() is only needed when a rule weighs what a leak depends on (dep_conf):
        # it is made then, from the findings made before the leak rules.
        self.sc = None
        self._sc_basis = list(self.findings)
        rest = sorted(g for g in self.doomed if g not in self.claimed)
        # forever ops: nil channels and select {}
        forever: dict[tuple, list[int]] = defaultdict(list)
        for gid in rest:
            bl = self.b[gid]
            if not bl.forever:
                continue
            g = self.gs[gid]
            fn, loc = _site(g, bl)
            if bl.op == "select-no-cases" and (gid == 1 or fn == "main.main"):
                self.notes.append(
                    f"goroutine {gid} blocks forever in select {{}} in {fn}: "
                    "the block-forever idiom, not reported"
                )
                self.claimed.add(gid)
                continue
            forever[(bl.op, fn)].append(gid)
        for (op, fn), gids in forever.items():
            what = {
                "chan-send-nil": "send on a nil channel",
                "chan-recv-nil": "receive from a nil channel",
                "select-no-cases": "select with no cases",
            }[op]
            self.add_leak(
                gids,
                "certain",
                f"{_plural(len(gids), 'goroutine')} blocked forever: {what} in {fn}",
                rule="nil-chan" if op != "select-no-cases" else "select-no-cases",
            )
        rest = [g for g in rest if g not in self.claimed]

        # WaitGroup waits whose workers are stuck: one finding, waiters + workers
        wg_nodes: dict[str, list[int]] = defaultdict(list)
        for gid in rest:
            if self.b[gid].op == "waitgroup-wait":
                r = self.res_of(gid)
                if r is not None:
                    wg_nodes[r].append(gid)
        for r, waiters in wg_nodes.items():
            nums = [_gnum(v) for v in succ[r]]
            workers = [w for w in nums if w is not None and w not in waiters]
            evidence_edges = [self.wg.edge(r, gnode(w)) for w in workers]
            if workers and all(w in self.doomed for w in workers):
                stuck = [w for w in workers if w not in self.claimed]
                in_dl = [w for w in workers if w in self.claimed]
                conf = min_conf("high", *[e.confidence for e in evidence_edges])
                conf = max(conf, "medium", key=conf_rank)
                conf = min_conf(conf, self.dep_conf(gnode(w) for w in workers))
                where = _site(self.gs[waiters[0]], self.b[waiters[0]])[0]
                title = (
                    f"WaitGroup wait that cannot return: {_plural(len(waiters), 'goroutine')} in {where} "
                    f"wait for {_plural(len(workers), 'worker')} that are stuck themselves"
                )
                notes = []
                if in_dl:
                    notes.append(f"workers {in_dl} are part of a deadlock finding")
                self.add_leak(
                    sorted(waiters + stuck),
                    conf,
                    title,
                    rule="waitgroup-stuck-workers",
                    resources=(r,),
                    edges=tuple(evidence_edges) + tuple(self.waits_edges(waiters)),
                    notes=tuple(notes),
                )
            elif not workers:
                where = _site(self.gs[waiters[0]], self.b[waiters[0]])[0]
                title = (
                    "WaitGroup wait with no worker in sight: "
                    + f"{_plural(len(waiters), 'goroutine')} in {where}"
                )
                self.add_leak(
                    sorted(waiters),
                    "low",
                    title,
                    rule="waitgroup-no-workers",
                    resources=(r,),
                    edges=tuple(self.waits_edges(waiters)),
                    notes=("the goroutines that should call Done have exited, or are not recognisable",),
                )
        rest = [g for g in rest if g not in self.claimed]

        # Cond waits nobody can signal
        cond_nodes: dict[str, list[int]] = defaultdict(list)
        for gid in rest:
            if self.b[gid].op == "cond-wait":
                r = self.res_of(gid)
                if r is not None:
                    cond_nodes[r].append(gid)
        for r, waiters in cond_nodes.items():
            signallers = list(succ[r])
            exact = nodes[r]["address"] is not None
            if not signallers:
                conf = "high" if exact and len(waiters) >= LEAK_COUNT_MEDIUM else "medium"
                why = (
                    "no goroutine carries the Cond or its struct"
                    if exact
                    else "no goroutine that could signal is in sight"
                )
            else:
                conf = min_conf("medium", self.dep_conf(signallers))
                why = "every goroutine that could signal is stuck itself"
            fn = _site(self.gs[waiters[0]], self.b[waiters[0]])[0]
            self.add_leak(
                sorted(waiters),
                conf,
                f"{_plural(len(waiters), 'goroutine')} in sync.Cond.Wait ({fn}) "
                f"that nobody can signal: {why}",
                rule="cond-no-signaller",
                resources=(r,),
                edges=tuple(self.waits_edges(waiters)),
            )
        rest = [g for g in rest if g not in self.claimed]

        # channel and select parking sites (LeakProf): same op, same site
        sites: dict[tuple, list[int]] = defaultdict(list)
        for gid in rest:
            bl = self.b[gid]
            if bl.op in ("chan-send", "chan-recv", "select"):
                fn, loc = _site(self.gs[gid], bl)
                sites[(bl.op, fn, loc)].append(gid)
        for (op, fn, loc), gids in sites.items():
            n = len(gids)
            mins = max((self.b[g].wait_minutes or 0) for g in gids)
            releasers: set[str] = set()
            for gid in gids:
                r = self.res_of(gid)
                if r is not None:
                    releasers.update(succ[r])
            releasers -= {gnode(g) for g in gids}
            if n >= LEAK_COUNT_HIGH or mins >= LEAK_MINUTES_HIGH:
                conf = "high"
            elif n >= LEAK_COUNT_MEDIUM:
                conf = "medium"
            else:
                conf = "low"
            if releasers:
                conf = min_conf(conf, self.dep_conf(releasers))
            what = {
                "chan-send": "sending on a channel",
                "chan-recv": "receiving from a channel",
                "select": "in select",
            }[op]
            why = "no counterpart in sight" if not releasers else "every possible counterpart is stuck itself"
            notes = []
            if mins:
                notes.append(f"waiting for up to {mins} minutes")
            if all(in_request(self.gs[g]) for g in gids) and conf_rank(conf) > conf_rank("low"):
                conf = "low"
                notes.append("in-flight request handlers: their request context ends with the connection")
            if op == "select":
                notes.append("select cases are not printed: a timer or context case would make this healthy")
                if conf == "high":
                    conf = "medium"
            self.add_leak(
                sorted(gids),
                conf,
                f"{_plural(n, 'goroutine')} {what} at {fn} ({loc}), {why}",
                rule="leakprof-site",
                edges=tuple(self.waits_edges(gids)),
                notes=tuple(notes),
            )
        rest = [g for g in rest if g not in self.claimed]

        # locks nobody holds (orphans) and whatever else is doomed
        lock_nodes: dict[str, list[int]] = defaultdict(list)
        other: list[int] = []
        for gid in rest:
            r = self.res_of(gid)
            if r is not None and nodes[r]["kind"] in ("mutex", "rwmutex", "rwmutex-writer", "sema"):
                lock_nodes[r].append(gid)
            else:
                other.append(gid)
        for r, gids in lock_nodes.items():
            holders = list(succ[r])
            if holders:
                why = "its possible holders are stuck: " + ", ".join(holders[:5])
                conf = "low"
            else:
                why = (
                    "no goroutine in sight can hold it "
                    "(a goroutine exited without unlocking, or a waiter re-locked it)"
                )
                conf = "low"
            self.add_leak(
                sorted(gids),
                conf,
                f"{_plural(len(gids), 'goroutine')} wait for {r}: {why}",
                rule="lock-no-holder",
                resources=(r,),
                edges=tuple(self.waits_edges(gids)),
            )

    def waits_edges(self, gids: Iterable[int]) -> list[Edge]:
        """The waits-for edges of (up to 32 of) the goroutines and their resources' out-edges."""
        out = []
        seen_res: set[str] = set()
        succ = self._succ
        for gid in list(gids)[:32]:
            n = gnode(gid)
            if n not in succ:
                continue
            for r, d in succ[n].items():
                out.append(Edge(n, r, d["kind"], d["confidence"], d["evidence"]))
                if r in seen_res:
                    continue
                seen_res.add(r)
                for v, d2 in list(succ[r].items())[:32]:
                    out.append(Edge(r, v, d2["kind"], d2["confidence"], d2["evidence"]))
        # de-duplicate, keep order
        seen = set()
        res = []
        for e in out:
            k = (e.src, e.dst)
            if k not in seen:
                seen.add(k)
                res.append(e)
        return res[:256]

    def add_leak(self, gids, conf, title, rule, resources=(), edges=(), notes=()) -> None:
        gids = [g for g in gids if g not in self.claimed]
        if not gids:
            return
        if not resources:
            # the distinct resources, in order of first appearance, the first 64
            rs: dict[str, None] = {}
            for g in gids:
                r = self.res_of(g)
                if r is not None:
                    rs[r] = None
                    if len(rs) >= 64:
                        break
            resources = tuple(rs)
        self.claimed.update(gids)
        self.findings.append(
            Finding(
                kind="leak",
                confidence=conf,
                title=title,
                goroutines=tuple(gids),
                resources=tuple(resources),
                edges=tuple(edges),
                count=len(gids),
                rule=rule,
                notes=tuple(notes),
            )
        )

    # ------------------------------------------------------------------ runtime-proven

    def proven(self) -> None:
        # (leaked) marks: goroutineleak profile, Go 1.26+
        leaked: dict[tuple, list[int]] = defaultdict(list)
        for gid, bl in self.b.items():
            if bl.leaked:
                g = self.gs.get(gid)
                if g is None:
                    continue
                leaked[(bl.state, _site(g, bl)[0])].append(gid)
        for (state, fn), gids in leaked.items():
            inside = self.inferred_refs(gids)
            self.findings.append(
                Finding(
                    kind="leak",
                    confidence="certain",
                    title=f"{_plural(len(gids), 'goroutine')} leaked in {fn} [{state}]: "
                    "proven by the goroutineleak profile (GC)",
                    goroutines=tuple(sorted(gids)),
                    resources=tuple(sorted({r for r in map(self.res_of, gids) if r})),
                    count=len(gids),
                    rule="leaked-mark",
                    notes=tuple(inside),
                )
            )
        if self.global_dl:
            gids = sorted(self.doomed)
            inside = self.inferred_refs(gids)
            self.findings.append(
                Finding(
                    kind="deadlock",
                    confidence="certain",
                    title="the runtime reports a global deadlock (all goroutines are asleep): "
                    f"{_plural(len(gids), 'goroutine')} blocked",
                    goroutines=tuple(gids),
                    resources=tuple(sorted({r for r in map(self.res_of, gids) if r})),
                    count=len(gids),
                    rule="runtime-global-deadlock",
                    notes=tuple(inside),
                )
            )

    def inferred_refs(self, gids: Iterable[int]) -> list[str]:
        # The inferred findings are all in place (and keep their index) when the runtime-proven
        # ones are added: their goroutine sets are made once.
        if self._inferred is None:
            self._inferred = [
                (i, f.title, set(f.goroutines) | set(f.blocked_behind))
                for i, f in enumerate(self.findings)
                if f.rule not in ("leaked-mark", "runtime-global-deadlock")
            ]
        s = set(gids)
        return [f"contains finding #{i}: {title}" for i, title, members in self._inferred if not s.isdisjoint(members)]

    def run(self) -> list[Finding]:
        self.compute_doomed()
        self.deadlocks()
        self.behind()
        self.leaks()
        self.late_deadlocks()
        self.proven()
        return self.findings


def _replace(f: Finding, **kw: Any) -> Finding:
    d = {k: getattr(f, k) for k in f.__slots__}
    d.update(kw)
    return Finding(**d)


def detect(dump: Dump, wg: WaitGraph) -> tuple[list[Finding], frozenset[int], list[str]]:
    """Findings from an already built graph: (findings, doomed goroutine ids, notes)."""
    d = _Detector(dump, wg)
    findings = d.run()
    return findings, frozenset(d.doomed), d.notes


def analyze(dump: Dump) -> Analysis:
    """Run blocking -> graph -> detect on a parsed dump."""
    if dump.records and not dump.goroutines:
        return _analyze_records(dump)
    if not gc.isenabled():
        return _analyze(dump)
    # No cyclic collection while analysing (as while parsing): the stages allocate a few small
    # objects per goroutine and make no garbage cycles, and each collection the allocations
    # trigger would rescan the whole parsed dump (millions of frames) again.
    gc.disable()
    try:
        return _analyze(dump)
    finally:
        gc.enable()


def lock_contention(
    wg: WaitGraph, doomed: Iterable[int] = (), findings: Iterable[Finding] = ()
) -> tuple[Contention, ...]:
    """The locks goroutines wait on, grouped into :class:`Contention` records: by kind, the site
    most of a lock's waiters call Lock from, and the site its single inferred holder stands at
    (None when it has none, or several candidates). Most waiters first. An RWMutex's waiters
    include the readers queued behind a pending writer (its ``#writer`` node). ``doomed`` and
    ``findings`` (from :func:`detect`) give ``stuck_holders`` and ``in_findings``."""
    g = wg.graph
    gs, bl = wg.goroutines, wg.blockings
    doomed = doomed if isinstance(doomed, (set, frozenset)) else set(doomed)
    reported: set[int] = set()
    for f in findings:
        if f.at_least("medium"):  # a low finding is a suspicion, not an explanation
            reported.update(f.goroutines)
            reported.update(f.blocked_behind)

    def site(gid: int) -> tuple[str, str, int] | None:
        """Where in its own code a goroutine stands: its call site, or the first frame from
        there that is not how it waits (a holder asleep stands in its caller, not in
        time.Sleep)."""
        gr = gs.get(gid)
        b = bl.get(gid)
        if gr is None or b is None or not gr.frames:
            return None
        frames = gr.frames
        start = min(b.site or 0, len(frames) - 1)
        f = next((f for f in frames[start:] if not is_waiting_library(f.function.package)), frames[start])
        return (f.function.full, f.file, f.line)

    # (kind, waiters' site, holder's site, holder's state)
    #   -> [(waiters, node, holder, its confidence, minutes, waiters in findings, candidates)]
    groups: dict[tuple[Any, ...], list[tuple[int, str, int | None, str | None, int, int, int]]] = {}
    for node, attrs in g.nodes(data=True):
        if attrs.get("kind") not in ("mutex", "rwmutex"):  # goroutine nodes have no kind
            continue
        ws = [int(u[1:]) for u, d in g.pred[node].items() if d["kind"] == "waits-for" and u[0] == "g"]
        gate = f"{node}#writer"  # an RWMutex's readers queued behind a pending writer wait on it too
        if gate in g:
            ws += [int(u[1:]) for u, d in g.pred[gate].items() if d["kind"] == "waits-for" and u[0] == "g"]
        if not ws:
            continue
        # the site most waiters call from: they are alike, so a few of them tell
        at = Counter(map(site, ws[:MAX_SITES_READ])).most_common(1)[0][0]
        held = [(v, d["confidence"]) for v, d in g.succ[node].items() if d["kind"] == "held-by"]
        holder = int(held[0][0][1:]) if len(held) == 1 else None
        hsite = hstate = None
        if holder is not None and holder in gs:
            hsite, hstate = site(holder), gs[holder].state
        minutes = max([m for x in ws if x in gs and (m := gs[x].wait_minutes)], default=0)
        groups.setdefault((attrs["kind"], at, hsite, hstate), []).append(
            (len(ws), node, holder, held[0][1] if holder is not None else None, minutes, len(reported.intersection(ws)),
             len(held))
        )
    out = []
    for (kind, at, hsite, hstate), locks in groups.items():
        locks.sort(key=lambda x: (-x[0], x[1]))
        holders = tuple(x[2] for x in locks if x[2] is not None)
        confs = [x[3] for x in locks if x[3] is not None]
        out.append(
            Contention(
                kind=kind,
                locks=tuple(x[1] for x in locks),
                waiters=sum(x[0] for x in locks),
                waiting_at=None if at is None else Site(*at),
                longest_wait=max(x[4] for x in locks) or None,
                holders=holders,
                held_at=None if hsite is None else Site(*hsite),
                held_state=hstate,
                holder_confidence=min(confs, key=conf_rank) if confs else None,
                unheld=len(locks) - len(holders),
                ambiguous=sum(1 for x in locks if x[6] > 1),
                stuck_holders=sum(1 for h in holders if h in doomed),
                in_findings=sum(x[5] for x in locks),
            )
        )
    out.sort(key=lambda c: (-c.waiters, c.locks[0]))
    return tuple(out)


def _analyze(dump: Dump) -> Analysis:
    blockings = classify_all(dump)
    wg = build_graph(dump, blockings)
    findings, doomed, notes = detect(dump, wg)
    contention = lock_contention(wg, doomed, findings)
    # classify_all numbered the buckets while it read the frames: bucketize(dump) without reading
    # them again (tests/test_analyze_buckets.py holds the two equal)
    buckets = bucketize_by(dump, blockings.bucket_of)
    return Analysis(
        findings=tuple(findings),
        buckets=tuple(buckets),
        blockings=blockings,
        graph=wg,
        doomed=doomed,
        notes=tuple(notes),
        dump=dump,
        contention=contention,
    )
