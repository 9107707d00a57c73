"""Benchmark ``stackparse.fleet.scan`` on a dask.distributed LocalCluster (not a test).

    python bench/fleet.py                    # 1,000 corpus dumps; RSS at 1,000 and 10,000 targets
    python bench/fleet.py --rss-sizes 1000,10000,30000

What it prints, each measurement in a fresh Python process (so that its peak RSS is its own):

single        the single-process loop the fleet scan replaces: for each dump, read the file,
              ``stackparse.parse_all``, ``stackparse.analyze`` the last dump (after a warm-up
              of 4 dumps, as the fleet's workers get).
fleet-1/-2    ``scan(dir, workers=N)`` on a LocalCluster of N single-threaded worker processes
              over the same dumps; the cluster's start-up is timed apart, not in dumps/s.
overhead      what the scheduler costs per dump: (wall x workers - the dumps' own seconds) /
              dumps (small files go up to 32 to a task), from each fleet run; and the wall
              time per task of a no-op task sent the same way (keyed submit, as_completed,
              a window of 32). "the workers got N CPUs": the worker processes' CPU time
              during the scan / its wall time: below the worker count, the machine had no
              free core for them.
rss-N         peak RSS (VmHWM) of the client process (which also runs the LocalCluster's
              scheduler; the workers are other processes) scanning N targets: the dump set
              repeated under other names until there are N, so N distinct instances. It should
              not grow with N: the client holds at most a window of tasks and folds each summary
              into one row per site.

The dumps are the 1,000 smallest of corpus/go1.*/*.txt (symlinked into --workdir; about 2 KiB
each, where the scheduler's cost per task shows), then the 200 largest (about 80 KiB each,
where the parse and analysis dominate); real dumps of many shapes. Each throughput figure is
the fastest of ``--repeat`` runs (default 3); the machine may be shared and noisy, so absolute figures move from run to run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _vmhwm_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make_dir(workdir: Path, n: int, base: int = 1000, largest: bool = False) -> Path:
    """``n`` targets: the ``base`` smallest (or largest) corpus dumps, repeated under new names
    up to n."""
    files = sorted(ROOT.glob("corpus/go1.*/*.txt"), key=lambda p: (p.stat().st_size, str(p)))
    files = files[-base:] if largest else files[:base]
    d = workdir / f"targets-{'largest' if largest else 'smallest'}-{base}-{n}"
    if d.is_dir() and len(list(d.iterdir())) == n:
        return d
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        p = files[i % len(files)]
        link = d / f"{i:06d}-{p.parent.name}-{p.name}"
        if not link.exists():
            link.symlink_to(p)
    return d


# --------------------------------------------------------------------------- one measurement each


def run_single(d: Path) -> dict:
    import stackparse

    files = sorted(d.iterdir())
    for p in files[:4]:  # warm: imports and the grammar, as the fleet's workers are
        stackparse.analyze(stackparse.parse_all(p.read_text("utf-8", "replace"))[-1])
    t = time.perf_counter()
    nbytes = 0
    for p in files:
        data = p.read_bytes()
        nbytes += len(data)
        dumps = stackparse.parse_all(data.decode("utf-8", "replace"))
        stackparse.analyze(dumps[-1])
    dt = time.perf_counter() - t
    return {"dumps": len(files), "bytes": nbytes, "seconds": dt, "rss_mib": _vmhwm_mib()}


def run_fleet(d: Path, workers: int) -> dict:
    import distributed

    from stackparse.fleet import scan

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
    )
    client = distributed.Client(cluster)
    startup = time.perf_counter() - t0
    # warm the workers (imports, grammar) with one scan of a few dumps, as a long-lived cluster is
    scan(sorted(str(p) for p in d.iterdir())[:4 * workers], client=client)
    task_seconds = [0.0]

    def on_result(s, done, total):
        task_seconds[0] += s.seconds

    cpu0 = sum(client.run(time.process_time).values())
    t = time.perf_counter()
    r = scan([str(d)], client=client, on_result=on_result)
    dt = time.perf_counter() - t
    cpu = sum(client.run(time.process_time).values()) - cpu0
    noop = _noop_overhead(client, 2000)
    client.close()
    cluster.close()
    return {
        "workers": workers,
        "dumps": r.ok,
        "failed": r.failed,
        "bytes": r.bytes,
        "seconds": dt,
        "startup": startup,
        "task_seconds": task_seconds[0],
        "worker_cpu": cpu,
        "noop_per_task": noop,
        "rss_mib": _vmhwm_mib(),
    }


def _noop_overhead(client, n: int) -> float:
    from distributed import as_completed

    from stackparse.fleet.scan import task_key

    it = iter(range(n))

    def submit():
        i = next(it, None)
        return None if i is None else client.submit(_noop, i, key=task_key("noop", str(i)), pure=False)

    t = time.perf_counter()
    ac = as_completed([submit() for _ in range(32)])
    for fut in ac:
        fut.result()
        fut.release()
        nxt = submit()
        if nxt is not None:
            ac.add(nxt)
    return (time.perf_counter() - t) / n


def _noop(i: int) -> int:
    return i


def run_rss(d: Path, workers: int) -> dict:
    from stackparse.fleet import scan

    before = _vmhwm_mib()
    t = time.perf_counter()
    r = scan([str(d)], workers=workers)
    return {
        "targets": r.targets,
        "ok": r.ok,
        "sites": r.sites_total,
        "seconds": time.perf_counter() - t,
        "rss_mib": _vmhwm_mib(),
        "rss_after_imports_mib": before,
    }


# --------------------------------------------------------------------------- driver


def _child(mode: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", mode, *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _best(repeat: int, mode: str, *args: str) -> dict:
    """The fastest of ``repeat`` runs, each in a fresh process: on a shared machine the
    slower ones measure the neighbours."""
    return min((_child(mode, *args) for _ in range(repeat)), key=lambda r: r["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "stackparse-bench-fleet"))
    ap.add_argument("--rss-sizes", default="1000,10000")
    ap.add_argument("--rss-workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each throughput figure; the fastest is shown")
    ap.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        mode, *rest = a.one
        d = Path(rest[0])
        if mode == "single":
            res = run_single(d)
        elif mode == "fleet":
            import stackparse

            res = run_fleet(d, int(rest[1]))
        else:
            import stackparse.fleet  # noqa: F401

            res = run_rss(d, int(rest[1]))
        print(json.dumps(res))
        return

    work = Path(a.workdir)
    print(f"cpus: {os.cpu_count()}; load: {os.getloadavg()[0]:.1f}")
    for label, d in (
        ("the 1,000 smallest corpus dumps", make_dir(work, 1000)),
        ("the 200 largest corpus dumps", make_dir(work, 200, base=200, largest=True)),
    ):
        single = _best(a.repeat, "single", str(d))
        mib = single["bytes"] / 2**20
        print(f"{label}: {single['dumps']} dumps, {mib:.1f} MiB")
        print(
            f"  single   {single['dumps'] / single['seconds']:8.1f} dumps/s {mib / single['seconds']:6.2f} MiB/s "
            f"({single['seconds']:.2f}s)"
        )
        for w in (1, 2):
            f = _best(a.repeat, "fleet", str(d), str(w))
            over = (f["seconds"] * w - f["task_seconds"]) / f["dumps"]
            print(
                f"  fleet-{w}  {f['dumps'] / f['seconds']:8.1f} dumps/s {f['bytes'] / 2**20 / f['seconds']:6.2f} MiB/s "
                f"({f['seconds']:.2f}s; x{single['seconds'] / f['seconds']:.2f} of single; cluster start-up "
                f"{f['startup']:.1f}s; scheduler overhead {over * 1e3:.2f} ms/dump; no-op task "
                f"{f['noop_per_task'] * 1e3:.2f} ms wall; the workers got {f['worker_cpu'] / f['seconds']:.2f} CPUs)"
            )
    for n in (int(x) for x in a.rss_sizes.split(",")):
        dn = make_dir(work, n)
        r = _child("rss", str(dn), str(a.rss_workers))
        print(
            f"rss-{n:<6} client peak RSS {r['rss_mib']:6.1f} MiB (after imports {r['rss_after_imports_mib']:.1f}); "
            f"{r['ok']:,}/{r['targets']:,} targets, {r['sites']:,} sites, {r['seconds']:.1f}s on {a.rss_workers} workers"
        )


if __name__ == "__main__":
    main()
