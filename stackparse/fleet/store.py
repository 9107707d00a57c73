"""Scan history in one SQLite file (``--db scans.sqlite``): per-site counts per instance per scan.

The next scan into the same file compares itself with the previous one: which blocking sites
grew, on how many instances, by how many goroutines, and since when they have been growing.
Only the standard library's :mod:`sqlite3` is used: one file, no server, safe to copy.

Tables (``PRAGMA user_version`` = :data:`VERSION`)::

    scans(id, started, finished, targets, ok, failed)    one row per scan
    instances(id, key)                                    target keys (URL or absolute path)
    sites(id, site)                                       "function file:line" blocking sites
    scanned(scan, instance)                               instances read successfully in a scan
    counts(scan, site, instance, goroutines)              goroutines waiting at a site, per instance
    totals(scan, site, goroutines, instances)             the same summed per site (for "since when")

A site absent from ``counts`` on an instance that is in ``scanned`` had 0 goroutines there.
Growth is measured on the instances read in both scans only: an instance that failed once does
not look like a site that dropped to zero and came back.

Retention (:meth:`History.prune`) deletes scans older than N days, or all but the newest N, and
what only they referenced; SQLite reuses the freed pages, so the file stops growing.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tasks import TargetSummary

__all__ = ["VERSION", "Growth", "History", "PreviousScan"]

VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans(
    id INTEGER PRIMARY KEY, started REAL NOT NULL, finished REAL,
    targets INTEGER NOT NULL DEFAULT 0, ok INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS instances(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS sites(id INTEGER PRIMARY KEY, site TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS scanned(
    scan INTEGER NOT NULL, instance INTEGER NOT NULL, PRIMARY KEY(scan, instance)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counts(
    scan INTEGER NOT NULL, site INTEGER NOT NULL, instance INTEGER NOT NULL, goroutines INTEGER NOT NULL,
    PRIMARY KEY(scan, site, instance)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS totals(
    scan INTEGER NOT NULL, site INTEGER NOT NULL, goroutines INTEGER NOT NULL, instances INTEGER NOT NULL,
    PRIMARY KEY(site, scan)) WITHOUT ROWID;
"""

# Per site: instances (read in both scans) where the count rose, the goroutines added there,
# and the net change over those instances. Missing rows are zeros.
_GROWTH = """
WITH both_scans AS (
    SELECT a.instance FROM scanned a JOIN scanned b ON a.instance = b.instance
    WHERE a.scan = :cur AND b.scan = :prev),
cur AS (SELECT site, instance, goroutines FROM counts WHERE scan = :cur AND instance IN both_scans),
prev AS (SELECT site, instance, goroutines FROM counts WHERE scan = :prev AND instance IN both_scans),
deltas AS (
    SELECT cur.site AS site, cur.goroutines - COALESCE(prev.goroutines, 0) AS d
    FROM cur LEFT JOIN prev ON prev.site = cur.site AND prev.instance = cur.instance
    UNION ALL
    SELECT prev.site, -prev.goroutines
    FROM prev LEFT JOIN cur ON cur.site = prev.site AND cur.instance = prev.instance
    WHERE cur.site IS NULL)
SELECT sites.site, SUM(d > 0), SUM(CASE WHEN d > 0 THEN d ELSE 0 END), SUM(d)
FROM deltas JOIN sites ON sites.id = deltas.site
GROUP BY deltas.site
"""


@dataclass(frozen=True, slots=True)
class PreviousScan:
    """The scan a new one is compared with."""

    id: int
    started: float
    instances_in_common: int


@dataclass(frozen=True, slots=True)
class Growth:
    """How one site changed since the previous scan, over the instances read in both.

    ``instances`` where its count rose; ``added`` the goroutines those rises sum to; ``net``
    the change over all common instances (rises minus falls); ``previous`` the site's total in
    the previous scan (all its instances); ``since`` the start time of the earliest scan from
    which the site's total rose at every scan up to this one.
    """

    instances: int
    added: int
    net: int
    previous: int
    since: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "instances": self.instances,
            "added": self.added,
            "net": self.net,
            "previous": self.previous,
            "since": _iso(self.since),
        }


class History:
    """One scan's writes into the history file, then the comparison with the previous scan.

    Use as a context manager; the scan's rows are committed in one transaction by
    :meth:`finish`, so an interrupted scan leaves nothing behind and is never counted.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        ver = self.db.execute("PRAGMA user_version").fetchone()[0]
        if ver not in (0, VERSION):
            self.db.close()
            raise ValueError(f"{self.path}: history format {ver}, this stackparse reads format {VERSION}")
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA user_version={VERSION}")
        self.scan_id: int | None = None
        self._sites: dict[str, int] = {}

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()

    # ------------------------------------------------------------------ writing

    def begin(self, started: float | None = None) -> int:
        """Open the scan's transaction and return its id."""
        self.db.execute("BEGIN IMMEDIATE")
        cur = self.db.execute("INSERT INTO scans(started) VALUES (?)", (time.time() if started is None else started,))
        self.scan_id = int(cur.lastrowid or 0)
        return self.scan_id

    def add(self, s: TargetSummary) -> None:
        """Record one successfully read instance and its per-site counts."""
        if self.scan_id is None:
            raise RuntimeError("History.add before begin")
        inst = self._instance(s.key)
        self.db.execute("INSERT OR IGNORE INTO scanned(scan, instance) VALUES (?, ?)", (self.scan_id, inst))
        self.db.executemany(
            "INSERT OR REPLACE INTO counts(scan, site, instance, goroutines) VALUES (?, ?, ?, ?)",
            [(self.scan_id, self._site(site), inst, n) for site, n, _ in s.sites],
        )

    def finish(self, targets: int, ok: int, failed: int, finished: float | None = None) -> None:
        """Store the per-site totals and the scan's counts, and commit."""
        self.db.execute(
            "INSERT INTO totals(scan, site, goroutines, instances) "
            "SELECT scan, site, SUM(goroutines), COUNT(*) FROM counts WHERE scan = ? GROUP BY site",
            (self.scan_id,),
        )
        self.db.execute(
            "UPDATE scans SET finished = ?, targets = ?, ok = ?, failed = ? WHERE id = ?",
            (time.time() if finished is None else finished, targets, ok, failed, self.scan_id),
        )
        self.db.execute("COMMIT")

    def prune(self, *, retention_days: float | None = None, keep_scans: int | None = None) -> int:
        """Delete old scans (never the newest); return how many went."""
        newest = self.db.execute("SELECT MAX(id) FROM scans").fetchone()[0]
        if newest is None:
            return 0
        doomed: list[int] = []
        if retention_days is not None:
            cutoff = time.time() - retention_days * 86400.0
            doomed += [
                r[0] for r in self.db.execute("SELECT id FROM scans WHERE started < ? AND id != ?", (cutoff, newest))
            ]
        if keep_scans is not None:
            keep = max(1, keep_scans)
            doomed += [
                r[0] for r in self.db.execute("SELECT id FROM scans ORDER BY id DESC LIMIT -1 OFFSET ?", (keep,))
            ]
        doomed = sorted(set(doomed))
        if not doomed:
            return 0
        self.db.execute("BEGIN IMMEDIATE")
        for table, col in (("counts", "scan"), ("scanned", "scan"), ("totals", "scan"), ("scans", "id")):
            self.db.executemany(f"DELETE FROM {table} WHERE {col} = ?", [(i,) for i in doomed])
        self.db.execute("DELETE FROM instances WHERE id NOT IN (SELECT instance FROM scanned)")
        self.db.execute("DELETE FROM sites WHERE id NOT IN (SELECT site FROM totals)")
        self.db.execute("COMMIT")
        self._sites.clear()
        return len(doomed)

    # ------------------------------------------------------------------ reading

    def previous(self) -> PreviousScan | None:
        """The newest finished scan before this one, and how many instances both read."""
        row = self.db.execute(
            "SELECT id, started FROM scans WHERE id < ? AND finished IS NOT NULL ORDER BY id DESC LIMIT 1",
            (self.scan_id,),
        ).fetchone()
        if row is None:
            return None
        common = self.db.execute(
            "SELECT COUNT(*) FROM scanned a JOIN scanned b ON a.instance = b.instance WHERE a.scan = ? AND b.scan = ?",
            (self.scan_id, row[0]),
        ).fetchone()[0]
        return PreviousScan(int(row[0]), float(row[1]), int(common))

    def growth(self, sites: Iterable[str] | None = None) -> dict[str, Growth]:
        """Growth of every site (or of ``sites``) since the previous scan; {} without one."""
        prev = self.previous()
        if prev is None:
            return {}
        wanted = None if sites is None else set(sites)
        out: dict[str, Growth] = {}
        for site, grown, added, net in self.db.execute(_GROWTH, {"cur": self.scan_id, "prev": prev.id}):
            if wanted is not None and site not in wanted:
                continue
            out[site] = Growth(int(grown or 0), int(added or 0), int(net or 0), 0, prev.started)
        for site, g in list(out.items()):
            out[site] = Growth(g.instances, g.added, g.net, self._total(site, prev.id), self._since(site, prev))
        return out

    def scans(self) -> list[tuple[int, float, int, int]]:
        """``(id, started, ok, failed)`` of every finished scan, oldest first."""
        return [
            (int(a), float(b), int(c), int(d))
            for a, b, c, d in self.db.execute(
                "SELECT id, started, ok, failed FROM scans WHERE finished IS NOT NULL ORDER BY id"
            )
        ]

    # ------------------------------------------------------------------ internals

    def _instance(self, key: str) -> int:
        self.db.execute("INSERT OR IGNORE INTO instances(key) VALUES (?)", (key,))
        return int(self.db.execute("SELECT id FROM instances WHERE key = ?", (key,)).fetchone()[0])

    def _site(self, site: str) -> int:
        sid = self._sites.get(site)
        if sid is None:
            self.db.execute("INSERT OR IGNORE INTO sites(site) VALUES (?)", (site,))
            sid = int(self.db.execute("SELECT id FROM sites WHERE site = ?", (site,)).fetchone()[0])
            self._sites[site] = sid
        return sid

    def _total(self, site: str, scan: int) -> int:
        row = self.db.execute(
            "SELECT totals.goroutines FROM totals JOIN sites ON sites.id = totals.site "
            "WHERE sites.site = ? AND scan = ?",
            (site, scan),
        ).fetchone()
        return int(row[0]) if row else 0

    def _since(self, site: str, prev: PreviousScan) -> float:
        """Walk back from this scan while the site's total kept rising; the start of the
        earliest scan of that run (the previous scan's start when it rose only this once)."""
        rows = self.db.execute(
            "SELECT scans.id, scans.started, COALESCE(t.goroutines, 0) FROM scans "
            "LEFT JOIN totals t ON t.scan = scans.id AND t.site = (SELECT id FROM sites WHERE site = ?) "
            "WHERE scans.id <= ? AND (scans.finished IS NOT NULL OR scans.id = ?) ORDER BY scans.id DESC",
            (site, self.scan_id, self.scan_id),
        ).fetchall()
        since = prev.started
        for (_, _, newer), (_, started, older) in itertools.pairwise(rows):
            if newer > older:
                since = started
            else:
                break
        return since


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
