"""The work of one fleet task, run on a Dask worker: read one target, parse, analyse, summarise.

:func:`summarize` returns a :class:`TargetSummary` of a few hundred bytes to a few KiB (the
goroutines per blocking site, the goroutines per state, the findings with their sites), never
the records: a 100,000-goroutine dump is parsed and dropped on the worker, and what crosses the
network to the client does not grow with the dump.

It never raises: a target that cannot be read (connection refused, timeout, an HTTP error, a
page or file that is not a goroutine dump) comes back as a summary with ``ok=False``, an
``error_kind`` and the one-line reason, so that one bad instance does not stop a scan of
thousands.

Only the public library API is used: :func:`stackparse.parse_all`, :func:`stackparse.analyze`
(``findings`` and ``buckets``) and :func:`stackparse.capture.fetch`.

The *blocking site* of a bucket is its first frame outside the packages that implement
blocking (``runtime``, ``sync``, ``time``, their subpackages and their ``internal/`` halves:
``internal/sync``, where ``sync.Mutex`` waits since Go 1.24, and ``internal/poll``, the network
poller's side of the runtime): the line of the program that is waiting,
``main.compute /app/main.go:47``. A finding's site is the site of the bucket of its first
goroutine; a pprof ``debug=1`` profile has no goroutine ids, so there it is the site of the
bucket whose function and location the finding's title names.
"""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .targets import Target

__all__ = [
    "MAX_SITES",
    "NOT_BLOCKED",
    "FindingSummary",
    "TargetSummary",
    "blocking_site",
    "summarize",
    "summarize_all",
]

#: Sites kept per target, largest first; the rest are summed into one ``(other sites)`` row, so
#: that a summary stays small whatever the dump holds.
MAX_SITES = 200
#: Findings kept per target (most certain first, as analyze() orders them).
MAX_FINDINGS = 50
#: States of goroutines that are doing work, not waiting: not counted at any blocking site.
NOT_BLOCKED = frozenset({"running", "runnable"})
OTHER_SITES = "(other sites)"
UNKNOWN_SITE = "(no frames)"

_WAIT_PACKAGES = ("runtime", "sync", "time", "internal/runtime", "internal/sync", "internal/poll")


@dataclass(frozen=True, slots=True)
class FindingSummary:
    """One finding of one dump, reduced to what the fleet report groups on."""

    kind: str
    confidence: str
    site: str
    goroutines: int
    title: str


@dataclass(frozen=True, slots=True)
class TargetSummary:
    """What a worker sends back for one target.

    ``sites`` is ``((site, goroutines, state), ...)``, largest first, for the goroutines that
    wait (``state`` is that of the site's largest bucket; ``""`` for a pprof ``debug=1``
    profile, which prints no states). ``states`` is ``((state, goroutines), ...)`` over the
    whole dump. A target with several dumps (a log with repeated SIGQUITs, ``--watch`` output)
    is summarised by its last one, the latest state of the instance; ``dumps`` says how many
    it held.
    """

    key: str
    ok: bool
    error_kind: str | None = None
    error: str | None = None
    bytes: int = 0
    dumps: int = 0
    goroutines: int = 0
    buckets: int = 0
    sites: tuple[tuple[str, int, str], ...] = ()
    states: tuple[tuple[str, int], ...] = ()
    findings: tuple[FindingSummary, ...] = ()
    seconds: float = 0.0
    worker: str = ""

    @property
    def blocked(self) -> int:
        return sum(n for _, n, _ in self.sites)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.key,
            "ok": self.ok,
            "error_kind": self.error_kind,
            "error": self.error,
            "bytes": self.bytes,
            "dumps": self.dumps,
            "goroutines": self.goroutines,
        }


def summarize(target: Target, timeout: float = 10.0, max_bytes: int | None = None) -> TargetSummary:
    """Read ``target``, parse it, analyse its last dump and return the summary. Never raises
    (except for KeyboardInterrupt / SystemExit): failures are summaries with ``ok=False``."""
    t0 = time.perf_counter()
    worker = _worker_address()
    try:
        data = _read(target, timeout, max_bytes)
    except _TargetError as f:
        return TargetSummary(target.key, False, f.kind, f.reason, seconds=time.perf_counter() - t0, worker=worker)
    try:
        summary = _summarize_bytes(target.key, data)
    except _TargetError as f:
        summary = TargetSummary(target.key, False, f.kind, f.reason, bytes=len(data))
    except Exception as e:  # an analysis bug must not stop the scan of the fleet: report it
        summary = TargetSummary(target.key, False, "error", f"{type(e).__name__}: {_one_line(str(e))}", bytes=len(data))
    return _with(summary, seconds=time.perf_counter() - t0, worker=worker)


def summarize_all(
    targets: Iterable[Target], timeout: float = 10.0, max_bytes: int | None = None
) -> list[TargetSummary]:
    """:func:`summarize` of each target, in order: one task for several small dumps."""
    return [summarize(t, timeout, max_bytes) for t in targets]


def blocking_site(frames: Iterable[Any]) -> str:
    """``function file:line`` of the first frame outside the blocking packages (see the module
    docstring); else of the last frame but ``runtime.goexit``; ``(no frames)`` for none."""
    last = None
    for f in frames:
        fn = getattr(f, "function", None)
        if fn is None:  # a debug=1 frame the runtime could not symbolise
            continue
        if not _is_wait_package(fn.package):
            return _site_of(f)
        if fn.full != "runtime.goexit":
            last = f
    return UNKNOWN_SITE if last is None else _site_of(last)


# --------------------------------------------------------------------------- internals


class _TargetError(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _read(target: Target, timeout: float, max_bytes: int | None) -> bytes:
    if target.is_url:
        from .. import capture

        kwargs: dict[str, Any] = {"timeout": timeout}
        if max_bytes is not None:
            kwargs["max_bytes"] = max_bytes
        try:
            return capture.fetch(target.key, **kwargs)
        except capture.CaptureError as e:
            raise _TargetError(_capture_kind(str(e)), _one_line(str(e))) from None
        except OSError as e:
            raise _TargetError("capture", _one_line(str(e))) from None
    try:
        with open(target.key, "rb") as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as e:
        raise _TargetError("unreadable", f"{e.strerror or e}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise _TargetError("too large", f"larger than the {max_bytes:,}-byte limit")
    return data


def _capture_kind(msg: str) -> str:
    m = msg.lower()
    if "connection refused" in m:
        return "refused"
    if "timed out" in m or "stopped sending" in m:
        return "timeout"
    if "not a goroutine dump" in m:
        return "not a dump"
    if m.startswith("http "):
        return "http"
    return "capture"


def _decode(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise _TargetError("not a dump", f"corrupt gzip data ({e})") from None
    if b"\x00" in data[:8192]:
        raise _TargetError("not a dump", "binary data, not the text of a goroutine dump")
    return data.decode("utf-8", errors="replace")


def _summarize_bytes(key: str, data: bytes) -> TargetSummary:
    import stackparse

    text = _decode(data)
    try:
        dumps = stackparse.parse_all(text)
    except stackparse.ParseError as e:
        raise _TargetError("not a dump", _one_line(str(e))) from None
    if not dumps:
        raise _TargetError("not a dump", "no goroutine dump found")
    dump = dumps[-1]
    analysis = stackparse.analyze(dump)

    site_n: dict[str, int] = {}
    site_state: dict[str, tuple[int, str]] = {}  # the largest bucket's size and state, per site
    states: dict[str, int] = {}
    goroutines = 0
    wanted = {f.goroutines[0] for f in analysis.findings if f.goroutines}
    site_of_id: dict[int, str] = {}
    for b in analysis.buckets:
        n = b.count
        goroutines += n
        states[b.state] = states.get(b.state, 0) + n
        need = wanted.intersection(b.goroutine_ids) if wanted else ()
        if b.state in NOT_BLOCKED and not need:
            continue
        site = blocking_site(b.frames)
        for gid in need:
            site_of_id[gid] = site
        if b.state in NOT_BLOCKED:
            continue
        site_n[site] = site_n.get(site, 0) + n
        if n > site_state.get(site, (0, ""))[0]:
            site_state[site] = (n, b.state)

    ranked = sorted(site_n.items(), key=lambda kv: (-kv[1], kv[0]))
    sites = [(s, n, site_state[s][1]) for s, n in ranked[:MAX_SITES]]
    if len(ranked) > MAX_SITES:
        sites.append((OTHER_SITES, sum(n for _, n in ranked[MAX_SITES:]), ""))

    findings = tuple(
        FindingSummary(
            kind=_text(f.kind),
            confidence=_text(f.confidence),
            site=site_of_id.get(f.goroutines[0], UNKNOWN_SITE) if f.goroutines else _named_site(f.title, site_n),
            goroutines=int(getattr(f, "count", 0) or len(f.goroutines)),
            title=_one_line(str(f.title))[:300],
        )
        for f in analysis.findings[:MAX_FINDINGS]
    )
    return TargetSummary(
        key,
        True,
        bytes=len(data),
        dumps=len(dumps),
        goroutines=goroutines,
        buckets=len(analysis.buckets),
        sites=tuple(sites),
        states=tuple(sorted(states.items(), key=lambda kv: (-kv[1], kv[0]))),
        findings=findings,
    )


def _named_site(title: str, sites: dict[str, int]) -> str:
    """The site a finding without goroutine ids (debug=1) names in its title: ``fn (file:line)``
    first, else the function alone; the largest such site."""
    text = str(title)
    best = None
    for site, n in sites.items():
        fn, _, loc = site.partition(" ")
        hit = 2 if f"{fn} ({loc})" in text else 1 if _names(text, fn) else 0
        if hit and (best is None or (hit, n) > best[0]):
            best = ((hit, n), site)
    return UNKNOWN_SITE if best is None else best[1]


def _names(text: str, fn: str) -> bool:
    i = text.find(fn)
    while i >= 0:
        end = i + len(fn)
        if (i == 0 or text[i - 1] in " ([") and (end == len(text) or text[end] in " ()[],:"):
            return True
        i = text.find(fn, end)
    return False


def _is_wait_package(pkg: str) -> bool:
    return any(pkg == p or pkg.startswith(p + "/") for p in _WAIT_PACKAGES)


def _site_of(f: Any) -> str:
    line = getattr(f, "line", None)
    file = getattr(f, "file", None) or "?"
    return f"{f.function.full} {file}:{line if line is not None else '?'}"


def _text(x: Any) -> str:
    return str(getattr(x, "value", x))


def _one_line(s: str) -> str:
    return " ".join(s.split()) or "unknown error"


def _with(s: TargetSummary, **changes: Any) -> TargetSummary:
    from dataclasses import replace

    return replace(s, **changes)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # not on a Dask worker (the single-process path, tests)
        return ""
