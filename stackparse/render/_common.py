"""Helpers shared by the renderers: how to name a goroutine, a resource, a location, and which
nodes and edges of the wait-for graph a picture shows.

Nothing here decides what is stuck: the findings, edges and confidences come from
:mod:`stackparse.analysis`; this module only turns them into words and shapes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..model import Dump, Frame, Goroutine
from .words import KIND_NAMES, resource_phrase

CONFIDENCE_ORDER: tuple[str, ...] = ("low", "medium", "high", "certain")

EDGE_WORDS = {"waits-for": "waits for", "held-by": "held by", "can-release": "can be released by"}


def conf_value(level: Any) -> str:
    """A confidence (or kind) as its plain word, whether the analysis gives a ``str`` or a
    ``str`` enum (``Confidence.HIGH``): every renderer compares and prints confidences through
    this one helper."""
    return str(getattr(level, "value", level))


def confidence_rank(confidence: Any) -> int:
    """Index in CONFIDENCE_ORDER, weakest first (-1 for an unknown word)."""
    try:
        return CONFIDENCE_ORDER.index(conf_value(confidence))
    except ValueError:
        return -1


def at_least(confidence: Any, level: str | None) -> bool:
    """``confidence`` is ``level`` or more certain (always True without a level)."""
    return level is None or confidence_rank(confidence) >= confidence_rank(level)


# --------------------------------------------------------------------------- frames


def short_path(file: str) -> str:
    """A file path short enough for an 80-column report, still findable in the repo:
    standard library and module-cache paths from their import path, user files as
    ``dir/file.go``."""
    if not file:
        return "?"
    for marker in ("/pkg/mod/", "/src/"):
        i = file.rfind(marker)
        if i >= 0:
            return file[i + len(marker) :]
    parts = file.rsplit("/", 2)
    return "/".join(parts[-2:])


def location(frame: Frame) -> str:
    return f"{short_path(frame.file)}:{frame.line}"


def is_user_package(package: str) -> bool:
    """main, or a package whose import path starts with a domain (``github.com/...``)."""
    if package == "main" or package.startswith("main."):
        return True
    first = package.split("/", 1)[0]
    return "." in first


_SKIPPED = ("runtime.goexit", "runtime.main")


def visible_frames(frames: Iterable[Frame]) -> list[Frame]:
    """The frames worth printing: all but the runtime's goexit/main trampolines."""
    return [f for f in frames if f.function.full not in _SKIPPED]


def user_frame(frames: tuple[Frame, ...], site: int | None = None) -> Frame | None:
    """The frame that says what a goroutine is doing: the blocking call site when known, else
    the first user frame, else the first frame that is not in the runtime."""
    if site is not None and 0 <= site < len(frames):
        return frames[site]
    for f in frames:
        if is_user_package(f.function.package):
            return f
    for f in frames:
        if not f.function.package.startswith(("runtime", "internal/")):
            return f
    return frames[0] if frames else None


def source_line(source: Any, frame: Frame | None) -> str | None:
    """The source text at ``frame``'s file:line in the checkout ``source``
    (:class:`stackparse.source.SourceMap`), stripped; None when there is no such line."""
    if source is None or frame is None or not frame.file or not frame.line:
        return None
    text = source.line(frame.file, frame.line)
    if text is None:
        return None
    return text.strip() or None


# "main.transfer (frame 4) argument 0x... is the lock's address", "re-lock: main.f (frame 6) ..."
_FRAME_REF = re.compile(r"(?:^|: )(\S+) \(frame (\d+)\)")


def holder_frame(view: View, edge: Any) -> Frame | None:
    """The frame of the holder goroutine that a ``held-by`` edge's evidence names (where the
    lock's address was found: the function that took the lock), or None."""
    if edge.kind != "held-by":
        return None
    gid = goroutine_id(edge.target)
    g = None if gid is None else view.goroutine(gid)
    m = _FRAME_REF.search(edge.evidence or "")
    if g is None or m is None:
        return None
    i = int(m.group(2))
    if i < len(g.frames) and g.frames[i].function.full == m.group(1):
        return g.frames[i]
    return None


def minutes_text(lo: int | None, hi: int | None = None) -> str:
    if lo is None and hi is None:
        return ""
    lo = hi if lo is None else lo
    hi = lo if hi is None else hi
    if lo == hi:
        return f"{lo} min"
    return f"{lo}-{hi} min"


def format_address(address: int | None, exact: bool = True) -> str:
    if address is None:
        return "(address unknown)"
    return hex(address) + ("" if exact else "?")


def ids_text(ids: Iterable[int], limit: int = 10) -> str:
    ids = list(ids)
    shown = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f", ... ({len(ids) - limit} more)"
    return shown


def dump_title(dump: Dump) -> str:
    """One phrase naming what kind of dump this is, with its headline (panic value...)."""
    p = dump.preamble
    if dump.kind == "profile":
        return f"pprof {dump.profile or 'goroutine'} profile (debug=1)"
    if p.test_timeout:
        return f"test timed out after {p.test_timeout}"
    if p.fatal_error:
        return f"fatal error: {p.fatal_error}"
    if p.panics:
        return f"panic: {p.panics[-1].value}"
    if p.signal is not None:
        return f"{p.signal.name.split(':')[0]} dump"
    return {"stack": "goroutine dump"}.get(dump.kind, f"{dump.kind} dump")


def goroutine_count(dump: Dump) -> int:
    if dump.goroutines:
        return len(dump.goroutines)
    if dump.records:
        return sum(r.count for r in dump.records)
    return dump.total or 0


# --------------------------------------------------------------------------- analysis lookups


@dataclass(frozen=True, slots=True)
class NFinding:
    """A finding with node keys in one spelling and edges as :class:`PEdge` (what the
    renderers read, whatever the exact shape of ``detect.Finding``)."""

    kind: str
    confidence: str
    title: str
    goroutines: tuple[int, ...]
    resources: tuple[str, ...]
    edges: tuple[PEdge, ...]
    blocked_behind: tuple[int, ...]
    notes: tuple[str, ...]
    count: int
    rule: str = ""

    @classmethod
    def of(cls, f: Any) -> NFinding:
        edges = []
        for e in getattr(f, "edges", ()) or ():
            src = getattr(e, "source", None) or getattr(e, "src", "")
            dst = getattr(e, "target", None) or getattr(e, "dst", "")
            edges.append(
                PEdge(
                    canon(str(src)),
                    canon(str(dst)),
                    conf_value(e.kind),
                    conf_value(e.confidence),
                    getattr(e, "evidence", "") or "",
                )
            )
        gids = tuple(getattr(f, "goroutines", ()) or ())
        return cls(
            kind=conf_value(f.kind),
            confidence=conf_value(f.confidence),
            title=f.title,
            goroutines=gids,
            resources=tuple(canon(_key(r)) for r in getattr(f, "resources", ()) or ()),
            edges=tuple(edges),
            blocked_behind=tuple(getattr(f, "blocked_behind", ()) or ()),
            notes=tuple(str(n) for n in getattr(f, "notes", ()) or ()),
            count=getattr(f, "count", 0) or len(gids),
            rule=str(getattr(f, "rule", "") or ""),
        )


class View:
    """Read-only lookups over an analysis, normalised for the renderers.

    Reads the documented ``detect.Analysis`` (dump, blocking, graph: DiGraph, findings,
    buckets: buckets.Bucket, notes) and tolerates the variants met while the stages land
    (``blockings``, a WaitGraph holding the DiGraph, ``src``/``dst`` edges, string resource
    keys, ``g7`` node names, buckets without frames). ``dump`` is needed when the analysis
    does not carry it; ``source`` (a :class:`stackparse.source.SourceMap`) lets the renderers
    quote source lines (:meth:`source_line`).
    """

    def __init__(self, analysis: Any, dump: Dump | None = None, source: Any = None) -> None:
        self.analysis = analysis
        #: a :class:`stackparse.source.SourceMap` (``--source DIR``), or None
        self.source = source
        if dump is None:
            dump = getattr(analysis, "dump", None)
        if dump is None:  # a WaitGraph knows the goroutines, not the preamble
            gs = getattr(getattr(analysis, "graph", None), "goroutines", None)
            dump = Dump(
                kind="stack", goroutines=tuple(gs[k] for k in sorted(gs)) if isinstance(gs, dict) else ()
            )
        self.dump: Dump = dump
        blocking = getattr(analysis, "blocking", None)
        if blocking is None:
            blocking = getattr(analysis, "blockings", None)
        self.blocking: dict[int, Any] = blocking or {}
        graph = getattr(analysis, "graph", None)
        if graph is not None and not isinstance(graph, nx.DiGraph):
            graph = getattr(graph, "graph", None)
        self.graph: nx.DiGraph = graph if isinstance(graph, nx.DiGraph) else nx.DiGraph()
        self.findings: list[NFinding] = [NFinding.of(f) for f in analysis.findings]
        buckets = list(getattr(analysis, "buckets", None) or [])
        if not buckets or not all(hasattr(b, "frames") and hasattr(b, "goroutine_ids") for b in buckets):
            from ..buckets import bucketize

            buckets = bucketize(self.dump)
        self.buckets: list[Any] = buckets
        self.notes: list[str] = [str(n) for n in getattr(analysis, "notes", None) or []]
        self._gor: dict[int, Goroutine] = {g.id: g for g in self.dump.goroutines}
        # canonical key -> graph node, made only when a key is not found directly (_raw_node)
        self._raw: dict[str, Any] | None = None
        self._res: dict[str, Any] = {}
        for f in analysis.findings:
            for r in getattr(f, "resources", ()) or ():
                if not isinstance(r, str):
                    self._res.setdefault(canon(_key(r)), r)

    def _raw_node(self, key: str) -> Any | None:
        """The graph node whose :func:`canon` spelling is ``key``: the key itself, or ``g7`` for
        ``g:7``, looked up directly (a 100k-goroutine graph is not respelled node by node);
        other spellings through a complete map made on first need."""
        graph = self.graph
        gid = goroutine_id(key)
        if gid is None:
            if key in graph:
                return key
        else:
            plain = f"g{gid}"
            if plain in graph and not (key != plain and key in graph):
                return plain
            if key in graph and plain not in graph:
                return key
        if self._raw is None:
            self._raw = {canon(str(n)): n for n in graph.nodes}
        return self._raw.get(key)

    def successors(self, key: str) -> list[str]:
        raw = self._raw_node(key)
        if raw is None:
            return []
        return [canon(str(t)) for t in self.graph.successors(raw)]

    def graph_edges(self) -> list[PEdge]:
        return [
            PEdge(
                canon(str(s)),
                canon(str(t)),
                conf_value(a.get("kind", "")),
                conf_value(a.get("confidence", "")),
                a.get("evidence", "") or "",
            )
            for s, t, a in self.graph.edges(data=True)
        ]

    def goroutine(self, gid: int) -> Goroutine | None:
        return self._gor.get(gid)

    def minutes(self, gid: int) -> int | None:
        g = self._gor.get(gid)
        return None if g is None else g.wait_minutes

    def site_frame(self, gid: int) -> Frame | None:
        g = self._gor.get(gid)
        if g is None:
            return None
        b = self.blocking.get(gid)
        return user_frame(g.frames, getattr(b, "site", None))

    def source_line(self, frame: Frame | None) -> str | None:
        """The stripped source line of ``frame`` when a checkout was given, else None."""
        return source_line(self.source, frame)

    def op(self, gid: int) -> str | None:
        b = self.blocking.get(gid)
        return None if b is None else b.op

    def resource(self, key: str) -> Any | None:
        r = self._res.get(key)
        raw = self._raw_node(key)
        if r is None and raw is not None:
            attrs = self.graph.nodes[raw]
            r = attrs.get("resource")
            if r is None and attrs.get("kind") and (attrs.get("type") or attrs.get("kind")) != "goroutine":
                addr = attrs.get("address")
                if isinstance(addr, str):
                    try:
                        addr = int(addr.rstrip("?"), 16)
                    except ValueError:
                        addr = None
                r = NodeResource(str(attrs["kind"]), addr if isinstance(addr, int) else None)
        return r

    # --- node naming

    def node_title(self, key: str) -> str:
        """``goroutine 6`` or ``mutex 0xc000012345``."""
        gid = goroutine_id(key)
        if gid is not None:
            return f"goroutine {gid}"
        return key_phrase(key)

    def goroutine_status(self, gid: int) -> str:
        """``sync.Mutex.Lock, 3 min`` for a goroutine's header."""
        g = self._gor.get(gid)
        if g is None:
            return "not in dump"
        m = minutes_text(g.wait_minutes)
        return f"{g.state}, {m}" if m else g.state

    def node_label_lines(self, key: str) -> list[str]:
        """Lines for a picture's node: id, top user function, state + minutes."""
        gid = goroutine_id(key)
        if gid is None:
            kind, rest = split_key(key)
            name = KIND_NAMES.get(kind, kind)
            if rest == "(address unknown)":
                rest = "(address not in the dump)" if kind != "select" else ""
            return [name, rest] if rest else [name]
        lines = [f"goroutine {gid}"]
        f = self.site_frame(gid)
        if f is not None:
            lines.append(f.function.full)
        lines.append(self.goroutine_status(gid))
        return lines

    def common_sites(self, ids: Iterable[int], limit: int = 3) -> list[tuple[int, str, Frame | None]]:
        """The wait sites shared by ``ids``: (count, state, frame), most common first."""
        c: Counter[tuple[str, str, str, int]] = Counter()
        frames: dict[tuple[str, str, str, int], Frame | None] = {}
        for gid in ids:
            g = self._gor.get(gid)
            if g is None:
                k = ("?", "", "", 0)
                f = None
            else:
                f = self.site_frame(gid)
                k = (
                    g.state,
                    "" if f is None else f.function.full,
                    "" if f is None else f.file,
                    0 if f is None else f.line,
                )
            c[k] += 1
            frames.setdefault(k, f)
        return [(n, k[0], frames[k]) for k, n in c.most_common(limit)]


def _key(resource: Any) -> str:
    """Graph node id of a resource record (``Resource.key``), tolerant of stand-ins: a plain
    string is its own key; a record with a ``resource`` property (blocking.Blocking) uses it."""
    if isinstance(resource, str):
        return resource
    for attr in ("key", "resource"):
        k = getattr(resource, attr, None)
        if isinstance(k, str):
            return k
    address = getattr(resource, "address", None)
    return f"{getattr(resource, 'kind', '?')}:{format_address(address)}"


def key_phrase(key: str) -> str:
    """A resource node's key as a reader says it (:func:`stackparse.render.words.resource_phrase`):
    ``mutex 0xc000012345``, ``a channel (address not in the dump)``, ``goroutine 7``."""
    gid = goroutine_id(key)
    if gid is not None:
        return f"goroutine {gid}"
    m = re.match(r"([A-Za-z_.-]+)([:@?])(.*)", key)
    if not m:
        return key
    kind, sep, rest = m.groups()
    if sep == "?":
        return resource_phrase(kind, None)
    addr, _, part = rest.partition("#")
    return resource_phrase(kind, addr.rstrip("?") or None, part)


def split_key(key: str) -> tuple[str, str]:
    """``mutex:0xc0000140a0`` / ``mutex@0xc0000140a0`` -> (``mutex``, ``0xc0000140a0``);
    ``chan?g12`` (address not in the dump) -> (``chan``, ``(address unknown)``)."""
    m = re.match(r"([A-Za-z_.-]+)([:@?])(.*)", key)
    if not m:
        return key, ""
    kind, sep, rest = m.groups()
    if sep == "?":
        return kind, "(address unknown)"
    if "#" in rest:
        rest, _, what = rest.partition("#")
        rest = f"{rest} ({what})"
    return kind, rest


_GKEY = re.compile(r"g:?(\d+)")


def goroutine_id(key: str) -> int | None:
    """The id of a goroutine node: ``g:7`` (architecture.md) or ``g7`` (graph.py)."""
    m = _GKEY.fullmatch(key)
    return int(m.group(1)) if m else None


def canon(key: str) -> str:
    """One spelling per node: goroutine nodes as ``g:<id>``, resource keys unchanged."""
    gid = goroutine_id(key)
    return key if gid is None else f"g:{gid}"


@dataclass(frozen=True, slots=True)
class NodeResource:
    """A resource read back from a graph node's attributes (kind, address)."""

    kind: str
    address: int | None
    exact: bool = True


@dataclass
class PEdge:
    source: str
    target: str
    kind: str
    confidence: str
    evidence: str = ""
    cycle: bool = False
    #: the label drawn on the arrow, when not the kind and confidence
    text: str = ""

    @property
    def label(self) -> str:
        if self.text:
            return self.text
        if self.confidence and self.confidence != "certain":
            return f"{self.kind} ({self.confidence})"
        return self.kind



def contention_texts(c: Any) -> tuple[str, str]:
    """The two sentences of a :class:`stackparse.analysis.Contention` record, for every renderer:
    who waits (``24 goroutines wait on 8 mutexes in main.(*tenant).get, up to 3 min``) and who
    holds (``each held by a goroutine in main.(*tenant).flush [chan receive] (medium)``, or why
    no holder is named)."""
    if len(c.locks) == 1:
        kind, _, addr = c.locks[0].partition("@")
        what = f"{kind} {addr}" if addr else c.locks[0]
    else:
        what = f"{len(c.locks)} {c.kind}es"
    head = _waiters_on(c.waiters, what)
    if c.waiting_at is not None:
        head += f" in {c.waiting_at.function}"
    if c.longest_wait:
        head += f", up to {minutes_text(c.longest_wait)}"
    if c.held_at is not None:
        who = f"held by goroutine {c.holders[0]}" if len(c.locks) == 1 else "each held by a goroutine"
        held = f"{who} in {c.held_at.function} [{c.held_state}] ({conf_value(c.holder_confidence)})"
        if c.stuck_holders:
            held += (
                ", stuck: nothing in the dump can wake it"
                if len(c.holders) == 1
                else f", {c.stuck_holders} of them stuck: nothing in the dump can wake them"
            )
    elif c.ambiguous == len(c.locks):
        held = "holder not inferred: several candidates carry " + ("it" if len(c.locks) == 1 else "each lock")
    elif c.ambiguous:
        held = f"holder not inferred: several candidates for {c.ambiguous}, none in sight for the others"
    else:
        held = "holder not inferred: no goroutine in sight holds " + ("it" if len(c.locks) == 1 else "them")
    return head, held


def contention_total(groups: Sequence[Any]) -> str:
    """``37801 goroutines wait on 785 locks``: the contention records' waiters and locks."""
    locks = sum(len(c.locks) for c in groups)
    return _waiters_on(sum(c.waiters for c in groups), f"{locks} lock{'s' if locks != 1 else ''}")


def _waiters_on(n: int, what: str) -> str:
    """``3 goroutines wait on WHAT`` (``1 goroutine waits on WHAT``)."""
    return f"{n} goroutine{'s' if n != 1 else ''} wait{'s' if n == 1 else ''} on {what}"


def site_location(site: Any) -> str:
    """``dir/file.go:12`` of a :class:`stackparse.analysis.Site`."""
    return f"{short_path(site.file)}:{site.line}"


def unexplained_contention(analysis: Any) -> list[Any]:
    """The contention records of an analysis whose waiters no finding (at medium or above)
    already reports, most waiters first."""
    return [c for c in getattr(analysis, "contention", None) or () if c.waiters > c.in_findings]


_NOTE_NUMBERS = re.compile(r"0x[0-9a-f]+|\d+")


def note_groups(notes: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Notes that differ only in their numbers and addresses (one per lock, one per channel...),
    as (the first of them, the others), in order of first appearance."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for n in notes:
        key = _NOTE_NUMBERS.sub("#", n)
        g = groups.get(key)
        if g is None:
            groups[key] = (n, [])
        else:
            g[1].append(n)
    return list(groups.values())

