"""Benchmark stackparse on production-sized goroutine dumps, against the floor loop.

    python bench/run.py                       # 10k and 100k goroutines
    python bench/run.py --sizes 10k,100k,1m   # add 1M (about 2 GB of disk, several GB of RAM)
    python bench/run.py --dump my-dump.txt    # one dump of your own

For each size it makes a dump (cached in ``--workdir``): a real one written by the Go program
``bench/prodgen`` (``prodgen-<N>.txt``) when a Go toolchain is found, else one made from real
corpus blocks by ``bench/synth.py`` (``synthetic-<N>.txt``). It then runs each measurement in its
own Python process, so that peak RSS (VmHWM) belongs to that measurement alone:

floor        read the file, ``data.split(b"\\n")``, look every line up in a dict: the least work
             any Python parser that reads every line does. ``floor-noread`` is the same loop
             timed after the read.
parse        ``stackparse.parse_file(path)`` as a user calls it: compiled by mypyc when this tree
             was built in place (``python tools/hatch_build.py``), else pure Python (the last line
             says which). The pure parser reads a file of 48 MiB or more with two processes when
             a second CPU is there (the forked child's peak RSS is reported apart); the compiled
             one reads it in one.
parse-1      the same in one process (``STACKPARSE_WORKERS=1``).
analyze      ``stackparse.analyze(dump)`` on the parsed dump (the parse is not counted). In the same
             process, the *analysis floor* (:func:`_analysis_floor`): the time to make only what
             the analysis hands back (a Blocking per goroutine, the graph's nodes and edges) and
             to read the pointer words it needs once, with no inference; quoted against the parse
             of that process.
stream       ``for g in stackparse.iter_goroutines(path)``: the streaming reader; its peak RSS
             should not grow with N.

The machine may be shared and noisy: the floor and parse runs alternate (``--repeat`` rounds) and
the ratio is taken per round, the median quoted. Absolute MiB/s vary from run to run; the
ratios are what to compare.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MiB = 1 << 20


# ====================================================================== children


def _hwm_kb() -> int:
    """Peak resident set size of this process so far, in KiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kb() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _analysis_floor(dump, result, repeat: int = 3) -> float:
    """The analysis's floor, as the floor loop is the parse's: the least work any analysis that
    hands back what ``analyze`` hands back must do, with no inference at all. Timed (best of
    ``repeat``), from the finished analysis's own contents:

    * one ``Blocking`` per goroutine, made the fastest way the package knows
      (``blocking.classify._blocking``, not the dataclass ``__init__``);
    * the wait-for graph: the same nodes and edges, with copies of their attribute dicts, put in a
      new ``networkx.DiGraph`` with ``add_nodes_from`` / ``add_edges_from``;
    * the evidence: the exact pointer words of every user goroutine's user frames, read once in
      dump order (``blocking.stacks_words``), which holder and releaser inference cannot do without.
    """
    import dataclasses
    import gc
    import importlib

    import networkx as nx

    blocking = importlib.import_module("stackparse.analysis.blocking")
    classify = importlib.import_module("stackparse.analysis.blocking.classify")
    bl = result.blockings
    g = getattr(result, "wait_graph", result.graph)
    g = g if isinstance(g, nx.DiGraph) else g.graph
    rows = [dataclasses.astuple(b) for b in bl.values()]
    nodes = [(n, dict(a)) for n, a in g.nodes(data=True)]
    edges = [(u, v, dict(a)) for u, v, a in g.edges(data=True)]
    gs = {x.id: x for x in dump.goroutines}
    users = [gid for gid, b in bl.items() if not b.system and gid in gs]
    stacks = [gs[gid].frames for gid in users]
    ufs = [bl[gid].user_frames for gid in users]
    make = classify._blocking
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()  # as analyze does
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            kept = [make(*r) for r in rows]
            new = nx.DiGraph()
            new.add_nodes_from([(n, dict(a)) for n, a in nodes])
            new.add_edges_from([(u, v, dict(a)) for u, v, a in edges])
            words = blocking.stacks_words(stacks, ufs)
            best = min(best, time.perf_counter() - t0)
            del kept, new, words
    finally:
        if enabled:
            gc.enable()
    return best


def child(kind: str, path: str) -> dict:
    sys.path.insert(0, ROOT)
    out: dict = {"kind": kind, "bytes": os.path.getsize(path)}
    if kind == "floor":
        base = _rss_kb()
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            data = f.read()
        t1 = time.perf_counter()
        d: dict = {}
        get = d.get
        for line in data.split(b"\n"):
            get(line)
        t2 = time.perf_counter()
        out.update(seconds=t2 - t0, noread=t2 - t1)
    else:
        import stackparse

        if kind == "analyze":
            import stackparse.analysis  # (imports are not timed)
        base = _rss_kb()
        if kind in ("parse", "parse-1"):
            # parse: the default; parse-1: the same in a process started with STACKPARSE_WORKERS=1
            t0 = time.perf_counter()
            dump = stackparse.parse_file(path)
            out["seconds"] = time.perf_counter() - t0
            out["goroutines"] = len(dump.goroutines)
            out["diagnostics"] = len(dump.diagnostics)
        elif kind == "analyze":
            t0 = time.perf_counter()
            dump = stackparse.parse_file(path)
            t1 = time.perf_counter()
            result = stackparse.analyze(dump)
            t2 = time.perf_counter()
            out.update(seconds=t2 - t1, parse=t1 - t0, findings=len(result.findings))
            out["outputs"] = _analysis_floor(dump, result)
        elif kind == "stream":
            t0 = time.perf_counter()
            n = 0
            for _ in stackparse.iter_goroutines(path):
                n += 1
            out.update(seconds=time.perf_counter() - t0, goroutines=n)
        else:
            raise SystemExit(f"unknown measurement {kind}")
    out["base_rss_kb"] = base
    out["peak_rss_kb"] = _hwm_kb()
    import resource

    out["child_peak_rss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return out


def _build() -> str:
    """Which parser the children import from this tree: compiled by mypyc (built in place with
    ``python tools/hatch_build.py``) or pure Python."""
    p = subprocess.run([sys.executable, "-c", "import stackparse.native as n; print(n.all_compiled())"],
                       capture_output=True, text=True, cwd=ROOT)
    return "compiled (mypyc)" if p.stdout.strip() == "True" else "pure Python"


def run_child(kind: str, path: str, timeout: float) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, path]
    env = dict(os.environ, STACKPARSE_WORKERS="1") if kind == "parse-1" else None
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"{kind} on {path} failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ====================================================================== dumps


def find_go() -> str | None:
    env = os.environ.get("GO")
    if env and os.path.exists(env):
        return env
    go = shutil.which("go")
    if go:
        return go
    cands = sorted(glob.glob("/opt/go/*/go/bin/go"), key=lambda p: [int(x) if x.isdigit() else 0
                                                                    for x in p.split("/")[3].split(".")])
    return cands[-1] if cands else None


def make_dump(n: int, workdir: str, source: str) -> str:
    os.makedirs(workdir, exist_ok=True)
    go = find_go() if source in ("auto", "prodgen") else None
    if source == "prodgen" and go is None:
        raise SystemExit("no Go toolchain found (set GO=/path/to/go)")
    if go is not None:
        path = os.path.join(workdir, f"prodgen-{n}.txt")
        if os.path.exists(path):
            return path
        exe = os.path.join(workdir, "prodgen")
        env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod")
        if not os.path.exists(exe):
            subprocess.run([go, "build", "-o", exe, "."], cwd=os.path.join(HERE, "prodgen"), env=env,
                           check=True)
        print(f"# generating {path} (real Go program, {n} goroutines)", file=sys.stderr)
        subprocess.run([exe, "-n", str(n), "-o", path + ".tmp"], check=True)
        os.replace(path + ".tmp", path)
        return path
    path = os.path.join(workdir, f"synthetic-{n}.txt")
    if os.path.exists(path):
        return path
    print(f"# generating {path} (from real corpus blocks, {n} goroutines)", file=sys.stderr)
    sys.path.insert(0, HERE)
    import synth

    synth.main(["-n", str(n), "-o", path + ".tmp"])
    os.replace(path + ".tmp", path)
    return path


def parse_size(s: str) -> int:
    s = s.strip().lower()
    mult = 1
    if s.endswith("k"):
        mult, s = 1000, s[:-1]
    elif s.endswith("m"):
        mult, s = 1_000_000, s[:-1]
    return int(float(s) * mult)


# ====================================================================== main


def measure(path: str, repeat: int, timeout: float, skip_parse: bool, analyze_timeout: float) -> dict:
    size = os.path.getsize(path)
    floors, parses, ones, ratios, ratios_py = [], [], [], [], []
    for _ in range(repeat):
        f = run_child("floor", path, timeout)
        floors.append(f)
        if not skip_parse:
            p = run_child("parse", path, timeout)
            parses.append(p)
            ratios.append(p["seconds"] / f["seconds"])
            p1 = run_child("parse-1", path, timeout)
            ones.append(p1)
            ratios_py.append(p1["seconds"] / f["seconds"])
    res: dict = {"path": path, "bytes": size, "floor": floors, "parse": parses, "parse-1": ones}
    res["floor_s"] = statistics.median(x["seconds"] for x in floors)
    res["floor_noread_s"] = statistics.median(x["noread"] for x in floors)
    res["floor_rss"] = max(x["peak_rss_kb"] for x in floors)
    if parses:
        res["parse_s"] = statistics.median(x["seconds"] for x in parses)
        res["parse_rss"] = max(x["peak_rss_kb"] for x in parses)
        res["ratio"] = statistics.median(ratios)
        res["ratio_py"] = statistics.median(ratios_py)
        res["parse_py_s"] = statistics.median(x["seconds"] for x in ones)
        res["parse_py_rss"] = max(x["peak_rss_kb"] for x in ones)
        res["child_rss"] = max(x["child_peak_rss_kb"] for x in ones + parses)
        res["goroutines"] = parses[0]["goroutines"]
        try:
            a = run_child("analyze", path, analyze_timeout)
            res["analyze"] = a
            res["analyze_ratio"] = a["seconds"] / a["parse"]
        except subprocess.TimeoutExpired:
            res["analyze_timeout"] = analyze_timeout
    s = run_child("stream", path, timeout)
    res["stream"] = s
    res["goroutines"] = res.get("goroutines", s["goroutines"])
    return res


def table(results: list[dict]) -> str:
    rows = [("dump", "MiB", "gor.", "floor MiB/s", "floor-noread", "parse MiB/s", "parse/floor",
             "1-process parse/floor", "parse RSS MiB", "RSS/input", "1-process RSS/input", "its child RSS MiB", "analyze s", "analyze MiB/s", "analyze/parse", "analysis floor/parse", "stream MiB/s", "stream RSS MiB")]
    for r in results:
        mib = r["bytes"] / MiB
        s = r["stream"]
        a = r.get("analyze")
        row = [
            os.path.basename(r["path"]), f"{mib:.0f}", str(r["goroutines"]),
            f"{mib / r['floor_s']:.0f}", f"{mib / r['floor_noread_s']:.0f}",
        ]
        if "parse_s" in r:
            row += [f"{mib / r['parse_s']:.1f}", f"{r['ratio']:.2f}x", f"{r['ratio_py']:.2f}x",
                    f"{r['parse_rss'] / 1024:.0f}", f"{r['parse_rss'] * 1024 / r['bytes']:.2f}x",
                    f"{r['parse_py_rss'] * 1024 / r['bytes']:.2f}x", f"{r['child_rss'] / 1024:.0f}"]
        else:
            row += ["-"] * 7
        if a:
            row += [f"{a['seconds']:.2f}", f"{mib / a['seconds']:.0f}", f"{r['analyze_ratio']:.2f}",
                    f"{a['outputs'] / a['parse']:.2f}"]
        elif "analyze_timeout" in r:
            row += [f">{r['analyze_timeout']:.0f}", "-", "-", "-"]
        else:
            row += ["-", "-", "-", "-"]
        row += [f"{mib / s['seconds']:.1f}", f"{s['peak_rss_kb'] / 1024:.0f}"]
        rows.append(tuple(row))
    widths = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        cells = (c.rjust(w) if k and i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append(" | ".join(cells))
        if k == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="10k,100k",
                    help="goroutine counts, e.g. 10k,100k,1m (default 10k,100k)")
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "stackparse-bench"),
                    help="where generated dumps are cached")
    ap.add_argument("--source", choices=("auto", "prodgen", "synth"), default="auto",
                    help="prodgen: real Go program; synth: from corpus blocks; auto: prodgen if Go is found")
    ap.add_argument("--dump", action="append", default=[], help="benchmark this dump file (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="floor/parse rounds per dump (median quoted)")
    ap.add_argument("--stream-only-above", type=parse_size, default=None, metavar="N",
                    help="above N goroutines only the floor and the streaming reader run")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--analyze-timeout", type=float, default=900,
                    help="give up on analyze after this many seconds (parse included); reported as >T")
    ap.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    paths: list[tuple[int | None, str]] = [(None, p) for p in args.dump]
    if not args.dump:
        for s in args.sizes.split(","):
            n = parse_size(s)
            paths.append((n, make_dump(n, args.workdir, args.source)))
    results = []
    for n, path in paths:
        skip = n is not None and args.stream_only_above is not None and n > args.stream_only_above
        print(f"# measuring {path} ({os.path.getsize(path) / MiB:.0f} MiB), parser {_build()}", file=sys.stderr)
        repeat = args.repeat if not skip else 1
        results.append(measure(path, repeat, args.timeout, skip, args.analyze_timeout))
        print(table(results[-1:]), file=sys.stderr)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; parser {_build()}; "
          "floor = read + split(b'\\n') + dict lookup "
          "per line; ratios are medians of paired runs")
    print(table(results))
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
