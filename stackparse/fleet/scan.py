"""``scan(targets, client=None) -> FleetReport``: read many instances' dumps on a Dask cluster.

    from stackparse.fleet import scan
    report = scan(["http://10.0.0.7:6060", "dumps/"], db="scans.sqlite")
    for row in report.sites[:5]:
        print(row.goroutines, row.instances, row.site, row.growth)

Each URL and each large file is one Dask task (:func:`stackparse.fleet.tasks.summarize`) that
fetches or reads the dump, parses and analyses it on the worker and sends back a compact
summary; small files go several to a task (:func:`~stackparse.fleet.tasks.summarize_all`, up to
1 MiB or 32 files), because the scheduler spends a few milliseconds on every task. The client keeps
at most ``window`` tasks in flight, folds each summary into an
:class:`~stackparse.fleet.report.Aggregator` as it arrives (and into the history file), and
drops it: memory on the client does not grow with the number of targets.

Where the tasks run: ``client`` (a ``distributed.Client`` the caller owns), else the scheduler
at ``scheduler`` (``tcp://HOST:8786``), else a LocalCluster started here with ``workers``
single-threaded worker processes (default: one per CPU), closed at the end.

Failures: a target that cannot be read comes back as a failed summary with its reason (the
task never raises). A worker that dies mid-task has its tasks rescheduled by the scheduler
(``distributed.scheduler.allowed-failures`` times, then the target is reported as failed
with ``error_kind`` "worker died"). Every task has a key derived from its targets' keys, each
finished task is read once, and the aggregator ignores a target key it has already folded:
a target is counted exactly once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .report import MIN_GROWTH, Aggregator, FleetReport
from .store import History
from .targets import Target, expand
from .tasks import TargetSummary, summarize, summarize_all

__all__ = ["FleetError", "scan"]

#: Per-target fetch timeout in seconds (connection, and each read).
DEFAULT_TIMEOUT = 10.0
#: Files smaller than this share a task with others, up to this many bytes or BATCH_TARGETS files.
BATCH_BYTES = 1 << 20
BATCH_TARGETS = 32
#: Seconds to wait for a first worker at --scheduler.
WORKER_WAIT = 30.0


class FleetError(Exception):
    """The scan could not run: no scheduler at the address, a bad history file, no targets."""


def scan(
    targets: Iterable[str | Target],
    client: Any = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    db: str | Path | None = None,
    retention_days: float | None = None,
    keep_scans: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int | None = None,
    top: int | None = 50,
    min_growth: int = MIN_GROWTH,
    retries: int = 2,
    window: int | None = None,
    on_result: Callable[[TargetSummary, int, int], None] | None = None,
) -> FleetReport:
    """Scan ``targets`` (URLs, files, directories, globs, ``@list`` files; see
    :mod:`stackparse.fleet.targets`) and return the ranked :class:`FleetReport`.

    ``db``: the SQLite history file; the report's growth columns compare with its previous
    scan, then ``retention_days`` / ``keep_scans`` prune it; a site that added at least
    ``min_growth`` goroutines since then ranks as growing (first). ``top``: sites kept in the report
    (``None``: all). ``retries``: Dask retries of a task that raised. ``on_result(summary,
    done, total)`` is called on the client for every target as it completes (progress bars,
    tests). Raises :class:`FleetError` when the scan cannot start.
    """
    if retention_days is not None and keep_scans is not None:
        raise FleetError("give retention_days or keep_scans, not both")
    todo = _targets(targets)
    if not todo:
        raise FleetError("no targets")
    history = _open_history(db)
    try:
        with _client(client, scheduler, workers) as (cl, where):
            nworkers = _nworkers(cl)
            agg = Aggregator()
            if history is not None:
                history.begin(agg.started)
            for s in _run(cl, todo, timeout, max_bytes, retries, window or max(32, 8 * max(nworkers, 1))):
                if not agg.add(s):
                    continue
                if history is not None and s.ok:
                    history.add(s)
                if on_result is not None:
                    on_result(s, agg.ok + agg.failed, len(todo))
        finished = time.time()
        growth, previous, scan_id = {}, None, None
        if history is not None:
            history.finish(agg.ok + agg.failed, agg.ok, agg.failed, finished)
            scan_id, previous = history.scan_id, history.previous()
            growth = history.growth()
            history.prune(retention_days=retention_days, keep_scans=keep_scans)
        return agg.report(
            growth=growth,
            min_growth=min_growth,
            top=top,
            workers=nworkers,
            scheduler=where,
            db=None if db is None else str(db),
            scan_id=scan_id,
            previous=previous,
            finished=finished,
        )
    finally:
        if history is not None:
            history.close()


def task_key(scan_token: str, target_key: str) -> str:
    """The Dask key of a target's task in one scan: stable, so a rescheduled task is the same task."""
    digest = hashlib.blake2b(target_key.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
    return f"stackparse-fleet-{scan_token}-{digest}"


# --------------------------------------------------------------------------- internals


def _targets(targets: Iterable[str | Target]) -> list[Target]:
    items = list(targets)
    strings = [t for t in items if isinstance(t, str)]
    try:
        expanded = expand(strings) if strings else []
    except ValueError as e:
        raise FleetError(str(e)) from None
    seen = {t.key for t in expanded}
    out = list(expanded)
    for t in items:
        if isinstance(t, Target) and t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def _open_history(db: str | Path | None) -> History | None:
    if db is None:
        return None
    try:
        return History(db)
    except (ValueError, OSError) as e:
        raise FleetError(f"history file {db}: {e}") from None
    except Exception as e:  # sqlite3.DatabaseError: not a database
        raise FleetError(f"history file {db}: {e}") from None


@contextmanager
def _client(client: Any, scheduler: str | None, workers: int | None) -> Iterator[tuple[Any, str]]:
    if client is not None:
        yield client, str(getattr(client.scheduler, "address", "") or "")
        return
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            cl = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise FleetError(f"cannot connect to the Dask scheduler at {scheduler}: {e}") from None
        try:
            try:  # a scheduler with no worker would take the tasks and never run them
                cl.wait_for_workers(1, timeout=WORKER_WAIT)
            except TimeoutError:
                raise FleetError(
                    f"no Dask worker joined the scheduler at {scheduler} within {WORKER_WAIT:g}s: "
                    f"start one with `dask worker {scheduler}`"
                ) from None
            yield cl, scheduler
        finally:
            cl.close()
        return
    n = workers if workers and workers > 0 else (os.cpu_count() or 1)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    cl = Client(cluster)
    try:
        yield cl, "LocalCluster"
    finally:
        cl.close()
        cluster.close()


def _nworkers(client: Any) -> int:
    try:
        return len(client.scheduler_info().get("workers", {}))
    except Exception:
        return 0


def _run(
    client: Any, todo: list[Target], timeout: float, max_bytes: int | None, retries: int, window: int
) -> Iterator[TargetSummary]:
    """Submit the tasks ``window`` at a time; yield each target's summary as it completes."""
    from distributed import as_completed

    token = uuid.uuid4().hex[:12]
    pending = _batches(todo)
    by_future: dict[Any, list[Target]] = {}

    def submit() -> Any | None:
        batch = next(pending, None)
        if batch is None:
            return None
        key = task_key(token, "\n".join(t.key for t in batch))
        if len(batch) == 1:
            fut = client.submit(summarize, batch[0], timeout, max_bytes, key=key, retries=retries, pure=False)
        else:
            fut = client.submit(summarize_all, batch, timeout, max_bytes, key=key, retries=retries, pure=False)
        by_future[fut] = batch
        return fut

    first = [f for f in (submit() for _ in range(window)) if f is not None]
    ac = as_completed(first)
    for fut in ac:
        batch = by_future.pop(fut)
        try:
            got = fut.result()
            summaries = [got] if isinstance(got, TargetSummary) else list(got)
        except Exception as e:  # KilledWorker after allowed-failures deaths, a lost connection...
            kind = "worker died" if type(e).__name__ == "KilledWorker" else "task failed"
            why = f"{type(e).__name__}: {_one_line(str(e))}"
            summaries = [TargetSummary(t.key, False, kind, why) for t in batch]
        finally:
            fut.release()
        nxt = submit()
        if nxt is not None:
            ac.add(nxt)
        for t, summary in zip(batch, summaries):
            # the client's own key string, not the worker's copy: the aggregator keeps the key of
            # every target to count each once, and the scan already holds these
            yield dataclasses.replace(summary, key=t.key) if summary.key == t.key else summary


def _batches(todo: list[Target]) -> Iterator[list[Target]]:
    """One task per URL and per large file; small files together, up to :data:`BATCH_BYTES` or
    :data:`BATCH_TARGETS` a task, so that the scheduler's few milliseconds per task do not cost
    more than the work on a dump of a few KiB."""
    batch: list[Target] = []
    size = 0
    for t in todo:
        n = _size(t)
        if n is None or n >= BATCH_BYTES:
            yield [t]
            continue
        if batch and (size + n > BATCH_BYTES or len(batch) >= BATCH_TARGETS):
            yield batch
            batch, size = [], 0
        batch.append(t)
        size += n
    if batch:
        yield batch


def _size(t: Target) -> int | None:
    if t.is_url:
        return None
    try:
        return os.stat(t.key).st_size
    except OSError:
        return None


def _one_line(s: str) -> str:
    return " ".join(s.split())[:300] or "no message"
