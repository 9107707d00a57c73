#!/usr/bin/env python3
"""Regenerate the healthy-real-servers calibration set (corpus/servers/).

Each program comes from a Debian package. For every program this script
installs (or checks) the package, then runs the capture *inside a fresh
network namespace* (``unshare -n``) whose only interface is loopback: the
program can reach 127.0.0.1 / ::1 / unix sockets and nothing else.

Two runs per program, each in its own temp dir with the config files kept in
``corpus/servers/NAME/`` (``@TMP@`` in them is replaced by the run's temp dir):

* idle: start, wait until ready, let it settle, fetch
  ``/debug/pprof/goroutine?debug=2`` and ``?debug=1`` (where served), then send
  the dump signal and keep the program's stderr from that moment on.
* load: the same, with a bounded load running (a fixed request count and a time
  limit, in a few threads that stop by themselves); the dumps are taken while it
  runs.

Dumps: ``NAME/NAME.STATE.MODE.txt`` with STATE idle|load and MODE
pprof2|pprof1|sigquit (the sigquit file holds the signal named in meta.json,
SIGABRT for a program that traps SIGQUIT). ``NAME/meta.json`` records the
package version, the Go version of the binary, the commands, the load and
``"truth": "healthy"``.

Usage: capture.py [--list] [--only NAME[,NAME]] [--no-install]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import http.server
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GO = os.environ.get("STACKPARSE_GO", "/opt/go/1.27.3/go/bin/go")
SETTLE = 4.0  # seconds of idle after readiness before the idle dumps


# --------------------------------------------------------------------------- http


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 30.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def _conn(base: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    """base: http://HOST:PORT[/prefix] or unix:/path/to.sock[!/prefix]"""
    if base.startswith("unix:"):
        sock, _, prefix = base[5:].partition("!")
        return UnixHTTPConnection(sock, timeout), prefix
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port or 80, timeout=timeout), u.path


def request(base: str, path: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30.0) -> tuple[int, bytes]:
    c, prefix = _conn(base, timeout)
    try:
        c.request(method, prefix + path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def ok(base: str, path: str, **kw: Any) -> bool:
    try:
        status, _ = request(base, path, timeout=2.0, **kw)
        return 200 <= status < 500
    except OSError:
        return False


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1.0):
        return True
    return False


# --------------------------------------------------------------------------- load


@dataclass
class Load:
    """A bounded load: `threads` workers share `count` calls and stop at `seconds`."""

    description: str
    calls: list[Callable[[], Any]]
    count: int = 2000
    seconds: float = 20.0
    threads: int = 4
    rate: float = 150.0  # calls per second at most, all threads together
    warmup: float = 6.0  # seconds of load before the dumps are taken
    background: list[Callable[[threading.Event], Any]] = field(default_factory=list)
    # background: long-lived clients (watch streams, subscribers) that run until the event is set


class LoadRun:
    def __init__(self, load: Load) -> None:
        self.load = load
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.issued = 0
        self.errors = 0
        self.started = 0.0
        self.workers: list[threading.Thread] = []

    def _take(self) -> int | None:
        with self.lock:
            if self.issued >= self.load.count or self.stop.is_set():
                return None
            now = time.monotonic()
            if now - self.started > self.load.seconds:
                return None
            self.issued += 1
            due = self.started + self.issued / self.load.rate
        if due > now:
            time.sleep(due - now)
        return self.issued

    def _worker(self) -> None:
        calls = self.load.calls
        while (n := self._take()) is not None:
            try:
                calls[n % len(calls)]()
            except Exception:
                with self.lock:
                    self.errors += 1
                time.sleep(0.05)

    def _bg(self, fn: Callable[[threading.Event], Any]) -> None:
        with contextlib.suppress(Exception):
            fn(self.stop)

    def start(self) -> None:
        self.started = time.monotonic()
        for fn in self.load.background:
            t = threading.Thread(target=self._bg, args=(fn,), daemon=True)
            t.start()
            self.workers.append(t)
        for _ in range(self.load.threads):
            t = threading.Thread(target=self._worker, daemon=True)
            t.start()
            self.workers.append(t)

    def warm(self) -> None:
        time.sleep(self.load.warmup)

    def finish(self) -> dict[str, Any]:
        self.stop.set()
        for t in self.workers:
            t.join(timeout=10)
        return {"issued": self.issued, "errors": self.errors,
                "seconds": round(time.monotonic() - self.started, 1)}


def get(base: str, path: str, **kw: Any) -> Callable[[], Any]:
    def call() -> None:
        status, _ = request(base, path, **kw)
        if status >= 500:
            raise OSError(f"{path}: HTTP {status}")
    return call


def hold_stream(base: str, path: str, method: str = "GET", body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Callable[[threading.Event], None]:
    """A long-lived streaming request (watch, events), kept open and drained until the load stops.
    Raw HTTP/1.1 over the socket, polled with select so that the stream is never cut by a read timeout."""
    def run(stop: threading.Event) -> None:
        if base.startswith("unix:"):
            sockpath, _, prefix = base[5:].partition("!")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(sockpath)
            host = "localhost"
        else:
            u = urllib.parse.urlsplit(base)
            sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), timeout=10)
            prefix, host = u.path, f"{u.hostname}:{u.port}"
        hdrs = {"Host": host, **(headers or {})}
        if body is not None:
            hdrs["Content-Length"] = str(len(body))
        head = f"{method} {prefix}{path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        sock.sendall(head.encode() + b"\r\n" + (body or b""))
        try:
            while not stop.is_set():
                ready, _, _ = select.select([sock], [], [], 0.5)
                if ready and not sock.recv(65536):
                    break  # the server ended the stream
        finally:
            sock.close()
    return run


# --------------------------------------------------------------------------- servers


@dataclass
class Ctx:
    tmp: Path
    name: str
    aux: list[subprocess.Popen[bytes]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    cleanups: list[Callable[[], Any]] = field(default_factory=list)

    def sub(self, s: str) -> str:
        return s.replace("@TMP@", str(self.tmp))

    def spawn(self, argv: list[str], log: str, env: dict[str, str] | None = None,
              user: str | None = None) -> subprocess.Popen[bytes]:
        argv = [self.sub(a) for a in argv]
        if user:
            argv = ["runuser", "-u", user, "--", *argv]
        self.commands.append(" ".join(argv))
        out = open(self.tmp / log, "wb")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp,
                             env={**os.environ, **(env or {})}, start_new_session=True)
        self.aux.append(p)
        return p

    def run(self, argv: list[str], user: str | None = None, env: dict[str, str] | None = None) -> str:
        argv = [self.sub(a) for a in argv]
        if user:
            argv = ["runuser", "-u", user, "--", *argv]
        self.commands.append(" ".join(argv))
        r = subprocess.run(argv, capture_output=True, cwd=self.tmp, env={**os.environ, **(env or {})},
                           timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"{argv}: exit {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
        return r.stdout.decode(errors="replace")


@dataclass
class Server:
    name: str
    packages: list[str]          # first one is the program's own package
    binary: str
    argv: list[str]
    what: str                    # one line: what the program is
    pprof: str | None            # base URL of /debug/pprof (http://... or unix:/...), None if not served
    ready: Callable[[Ctx], bool]
    load: Callable[[Ctx], Load]
    sig: int = signal.SIGQUIT
    env: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Ctx], None] | None = None
    user: str | None = None
    ready_limit: float = 60.0
    settle: float = SETTLE
    why_signal: str = ""
    # extra dumps taken after the pprof ones and before the signal: {MODE: bytes}
    extra: Callable[[Ctx, subprocess.Popen[bytes]], dict[str, bytes]] | None = None
    states: tuple[str, ...] = ("idle", "load")
    truth: str = "healthy"
    truth_note: str = ""
    # for a program with a known real bug: the ids of the goroutines it leaked, read from a dump's text
    leaked: Callable[[str], list[int] | int] | None = None
    # load run: also take a debug=2 dump this many seconds into the load (mode pprof2early), before the
    # main dumps: two snapshots of one process, for growth
    early_snapshot: float | None = None


SERVERS: dict[str, Server] = {}


def server(s: Server) -> Server:
    SERVERS[s.name] = s
    return s


def copy_config(ctx: Ctx) -> None:
    """Copy NAME/config/* into the temp dir, replacing @TMP@."""
    src = HERE / ctx.name / "config"
    if not src.is_dir():
        return
    for f in sorted(src.rglob("*")):
        if f.is_file():
            dst = ctx.tmp / f.relative_to(src)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(ctx.sub(f.read_text()))
            dst.chmod(f.stat().st_mode & 0o777)


# --------------------------------------------------------------------------- capture


def count_goroutines(text: str) -> int:
    return len(re.findall(r"^goroutine \d+ \[", text, re.M)) or sum(
        int(m) for m in re.findall(r"^(\d+) @ ", text, re.M))


def go_version(binary: str) -> str:
    try:
        out = subprocess.run([GO, "version", binary], capture_output=True, text=True, timeout=60).stdout
        return out.split(":", 1)[1].strip() if ":" in out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def pkg_version(pkg: str) -> str:
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True, text=True)
    return r.stdout.strip()


def ensure_packages(pkgs: list[str], install: bool) -> None:
    missing = [p for p in pkgs if pkg_version(p) == "" or
               subprocess.run(["dpkg-query", "-W", "-f", "${Status}", p], capture_output=True,
                              text=True).stdout.split()[-1:] != ["installed"]]
    if not missing:
        return
    if not install:
        raise SystemExit(f"missing packages: {missing}")
    # policy-rc.d (exit 101) keeps the packages' own services from starting
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def wait_ready(s: Server, ctx: Ctx, proc: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + s.ready_limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            tail = (ctx.tmp / "stderr.log").read_bytes()[-3000:].decode(errors="replace")
            raise RuntimeError(f"{s.name} exited with {proc.returncode} before it was ready:\n{tail}")
        if s.ready(ctx):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{s.name} not ready after {s.ready_limit}s")


def one_run(s: Server, state: str, outdir: Path) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"spsrv-{s.name}-"))
    os.chmod(tmp, 0o755)
    ctx = Ctx(tmp=tmp, name=s.name)
    copy_config(ctx)
    if s.user:
        shutil.chown(tmp, s.user, s.user)
        for f in tmp.rglob("*"):
            shutil.chown(f, s.user, s.user)
    proc: subprocess.Popen[bytes] | None = None
    info: dict[str, Any] = {"state": state}
    try:
        if s.setup:
            s.setup(ctx)
        argv = [ctx.sub(a) for a in s.argv]
        if s.user:
            argv = ["runuser", "-u", s.user, "--", *argv]
        info["command"] = " ".join(argv)
        info["pprof"] = ctx.sub(s.pprof) if s.pprof else None
        errpath = tmp / "stderr.log"
        err = open(errpath, "wb")  # noqa: SIM115
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=tmp,
                                env={**os.environ, **{k: ctx.sub(v) for k, v in s.env.items()}},
                                start_new_session=True)
        t0 = time.monotonic()
        wait_ready(s, ctx, proc)
        info["ready_after_s"] = round(time.monotonic() - t0, 1)
        time.sleep(s.settle)
        run: LoadRun | None = None
        early: bytes | None = None
        if state == "load":
            ld = s.load(ctx)
            info["load"] = {"description": ld.description, "count": ld.count,
                            "time_limit_s": ld.seconds, "threads": ld.threads,
                            "max_rate_per_s": ld.rate, "dumps_after_s": ld.warmup,
                            "long_lived_clients": len(ld.background)}
            run = LoadRun(ld)
            run.start()
            if s.early_snapshot is not None and s.pprof:
                time.sleep(s.early_snapshot)
                status, body = request(ctx.sub(s.pprof), "/goroutine?debug=2", timeout=60)
                if status != 200:
                    raise RuntimeError(f"early pprof debug=2: HTTP {status}")
                early = body
                info["load"]["early_snapshot_after_s"] = s.early_snapshot
                info["load"]["issued_before_early_snapshot"] = run.issued
                time.sleep(max(0.0, ld.warmup - s.early_snapshot))
            else:
                run.warm()
        files: dict[str, Any] = {}
        if early is not None:
            files["pprof2early"] = early
        if s.pprof:
            for mode, dbg in (("pprof2", 2), ("pprof1", 1)):
                status, body = request(ctx.sub(s.pprof), f"/goroutine?debug={dbg}", timeout=60)
                if status != 200:
                    raise RuntimeError(f"pprof debug={dbg}: HTTP {status}")
                files[mode] = body
        if s.extra:
            files.update(s.extra(ctx, proc))
        if run:
            info["load"]["issued_before_dumps"] = run.issued
            info["load"]["errors_before_dumps"] = run.errors
        # the dump signal: keep stderr from this moment on
        err.flush()
        offset = errpath.stat().st_size
        proc.send_signal(s.sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            info["signal_timed_out"] = True
            proc.kill()
            proc.wait()
        err.close()
        info["exit_status"] = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
        with open(errpath, "rb") as fh:
            fh.seek(offset)
            files["sigquit"] = fh.read()
        if run:
            info["load"]["result"] = run.finish()
        info["signal"] = signal.Signals(s.sig).name
        info["files"] = {}
        for mode, body in files.items():
            fname = f"{s.name}.{state}.{mode}.txt"
            (outdir / fname).write_bytes(body)
            info["files"][fname] = {"bytes": len(body),
                                    "goroutines": count_goroutines(body.decode(errors="replace"))}
        info["aux_commands"] = ctx.commands
        info["notes"] = ctx.notes
        return info
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in reversed(ctx.aux):
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        kill_leftovers(tmp)
        unmount_under(tmp)
        for fn in reversed(ctx.cleanups):
            with contextlib.suppress(Exception):
                fn()
        if os.environ.get("SPSRV_KEEP_TMP"):
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def unmount_under(tmp: Path) -> None:
    """dockerd and LXD mount things inside their data dirs and do not unmount them when they die of the
    dump signal. The capture runs in its own mount namespace (unshare -m), so this touches only its own
    mounts: unmount those under the run's temp dir, deepest first."""
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    for mp in sorted((m for m in points if m == str(tmp) or m.startswith(f"{tmp}/")), reverse=True):
        subprocess.run(["umount", "-l", mp], check=False)


def kill_leftovers(tmp: Path) -> None:
    """Processes the run started indirectly (a daemon's own children, e.g. dockerd's containerd) name the
    run's unique temp dir on their command line: end those, by pid."""
    me = os.getpid()
    for _ in range(2):
        pids = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) == me:
                continue
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(tmp) in cmd:
                pids.append(int(d.name))
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if not pids:
            return
        time.sleep(3)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def capture_inside(name: str) -> None:
    """Runs inside the private network namespace."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    s = SERVERS[name]
    final = HERE / name
    final.mkdir(exist_ok=True)
    # write into a staging dir; the previous capture is replaced only when every run succeeded
    outdir = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final))
    try:
        runs = [one_run(s, state, outdir) for state in s.states]
    except BaseException:
        shutil.rmtree(outdir, ignore_errors=True)
        raise
    if s.leaked:
        for run in runs:
            for fname, v in run["files"].items():
                found = s.leaked((outdir / fname).read_text(errors="replace"))
                if isinstance(found, int):
                    v["leaked_count"] = found  # debug=1: ids are not printed, only the group's count
                else:
                    v["leaked_goroutines"] = found
                    v["leaked_count"] = len(found)
    meta = {
        "program": name,
        "what": s.what,
        "package": s.packages[0],
        "package_version": pkg_version(s.packages[0]),
        "other_packages": {p: pkg_version(p) for p in s.packages[1:]},
        "binary": s.binary,
        "go_version": go_version(s.binary),
        "pprof": s.pprof,
        "signal": signal.Signals(s.sig).name,
        "why_signal": s.why_signal,
        "env": s.env,
        "network": "private network namespace (unshare -n), loopback only",
        "runs": runs,
        "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "truth": s.truth,
    }
    if s.truth_note:
        meta["truth_note"] = s.truth_note
    for prev in final.glob(f"{name}.*.txt"):
        prev.unlink()
    for new in outdir.glob(f"{name}.*.txt"):
        new.rename(final / new.name)
    shutil.rmtree(outdir, ignore_errors=True)
    (final / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")

# --------------------------------------------------------------------------- PROGRAMS


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _prometheus_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:9090"
    now = int(time.time())
    q = urllib.parse.quote
    return Load(
        "HTTP API: instant queries, range queries over the last 5 min, series, targets, rules, /metrics",
        [get(b, "/api/v1/query?query=" + q("up")),
         get(b, f"/api/v1/query_range?query={q('rate(prometheus_http_requests_total[1m])')}"
                f"&start={now - 300}&end={now + 60}&step=1"),
         get(b, "/api/v1/series?match[]=" + q('{__name__=~"go_.*"}')),
         get(b, "/api/v1/targets"),
         get(b, "/api/v1/rules"),
         get(b, "/metrics"),
         get(b, "/api/v1/query?query=" + q("sum by (job) (scrape_duration_seconds)"))],
        count=3000, seconds=20, threads=4)


server(Server(
    name="prometheus", packages=["prometheus"], binary="/usr/bin/prometheus",
    what="Prometheus monitoring server: 7 scrape targets (itself, blackbox-less down targets), 3 rule groups",
    argv=["/usr/bin/prometheus", "--config.file=@TMP@/prometheus.yml", "--storage.tsdb.path=@TMP@/data",
          "--web.listen-address=127.0.0.1:9090", "--log.level=info"],
    pprof="http://127.0.0.1:9090/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:9090", "/-/ready"),
    load=_prometheus_load, settle=6.0))


def _etcd_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:2379"

    def put(i: int) -> Callable[[], Any]:
        body = json.dumps({"key": b64(f"/load/k{i % 50}"), "value": b64("v" * (i % 300))}).encode()
        return lambda: request(b, "/v3/kv/put", "POST", body)

    rng = json.dumps({"key": b64("/load/"), "range_end": b64("/load0")}).encode()
    lease = json.dumps({"TTL": 30}).encode()
    watch = json.dumps({"create_request": {"key": b64("/load/"), "range_end": b64("/load0")}}).encode()
    calls = [put(i) for i in range(10)]
    calls += [lambda: request(b, "/v3/kv/range", "POST", rng),
              lambda: request(b, "/v3/lease/grant", "POST", lease),
              get(b, "/metrics"), get(b, "/health")]
    return Load("v3 JSON gateway: puts over 50 keys, range reads, lease grants, /metrics; 3 watch streams held",
                calls, count=3000, seconds=20, threads=4,
                background=[hold_stream(b, "/v3/watch", "POST", watch) for _ in range(3)])


def _etcd_setup(ctx: Ctx) -> None:
    # the two other members of a 3-member cluster, all on loopback; only member s1 is dumped
    for n, cp, pp in (("s2", 22379, 22380), ("s3", 32379, 32380)):
        ctx.spawn(["/usr/bin/etcd", *_etcd_args(n, cp, pp)], f"etcd-{n}.log")


def _etcd_args(n: str, cp: int, pp: int) -> list[str]:
    return [f"--name={n}", f"--data-dir=@TMP@/{n}.etcd",
            f"--listen-client-urls=http://127.0.0.1:{cp}", f"--advertise-client-urls=http://127.0.0.1:{cp}",
            f"--listen-peer-urls=http://127.0.0.1:{pp}", f"--initial-advertise-peer-urls=http://127.0.0.1:{pp}",
            "--initial-cluster=s1=http://127.0.0.1:2380,s2=http://127.0.0.1:22380,s3=http://127.0.0.1:32380",
            "--initial-cluster-state=new", "--initial-cluster-token=stackparse", "--enable-pprof"]


server(Server(
    name="etcd", packages=["etcd-server"], binary="/usr/bin/etcd",
    what="etcd key-value store, member s1 of a 3-member cluster on loopback",
    argv=["/usr/bin/etcd", *_etcd_args("s1", 2379, 2380)],
    pprof="http://127.0.0.1:2379/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:2379", "/health") and ok("http://127.0.0.1:32379", "/health"),
    setup=_etcd_setup, load=_etcd_load))


def _nats_sub(n: int) -> Callable[[threading.Event], None]:
    def run(stop: threading.Event) -> None:
        s = socket.create_connection(("127.0.0.1", 4222), timeout=1.0)
        s.sendall(f'CONNECT {{"verbose":false,"name":"sub{n}"}}\r\nSUB load.> q{n % 2} {n}\r\n'.encode())
        while not stop.is_set():
            try:
                data = s.recv(65536)
            except TimeoutError:
                continue
            if not data:
                break
            if b"PING" in data:
                s.sendall(b"PONG\r\n")
        s.close()
    return run


def _nats_load(ctx: Ctx) -> Load:
    local = threading.local()

    def pub() -> None:
        s = getattr(local, "s", None)
        if s is None:
            s = local.s = socket.create_connection(("127.0.0.1", 4222), timeout=5.0)
            s.recv(4096)  # INFO
            s.sendall(b'CONNECT {"verbose":false}\r\n')
        msg = b"x" * 200
        s.sendall(b"".join(b"PUB load.%d %d\r\n%s\r\n" % (i, len(msg), msg) for i in range(20)) + b"PING\r\n")
        buf = b""
        while b"PONG" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                local.s = None
                raise OSError("nats closed the connection")
            buf += chunk

    m = "http://127.0.0.1:8222"
    return Load("NATS protocol: publishers send batches of 20 messages + PING/PONG on load.*; 6 subscribers in "
                "2 queue groups held open; monitoring /varz /connz /subsz",
                [pub, pub, pub, pub, get(m, "/varz"), get(m, "/connz"), get(m, "/subsz")],
                count=4000, seconds=20, threads=4, background=[_nats_sub(i) for i in range(6)])


server(Server(
    name="nats", packages=["nats-server"], binary="/usr/sbin/nats-server",
    what="NATS message broker with JetStream enabled",
    argv=["/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", "4222", "-m", "8222", "--profile", "6222",
          "-js", "-sd", "@TMP@/js"],
    pprof="http://127.0.0.1:6222/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:8222", "/healthz") and ok("http://127.0.0.1:6222", "/debug/pprof/"),
    load=_nats_load))


def _caddy_setup(ctx: Ctx) -> None:
    site = ctx.tmp / "site"
    site.mkdir(exist_ok=True)
    for i in range(20):
        (site / f"page{i}.html").write_text(f"<html><body>page {i} " + "lorem ipsum " * 200 + "</body></html>")


def _caddy_load(ctx: Ctx) -> Load:
    a, p = "http://127.0.0.1:8080", "http://127.0.0.1:8081"
    return Load("static pages (gzip) on :8080 and the same through the reverse proxy on :8081; directory listing",
                [get(a, f"/page{i}.html", headers={"Accept-Encoding": "gzip"}) for i in range(5)]
                + [get(p, f"/page{i}.html") for i in range(5)] + [get(a, "/"), get(p, "/")],
                count=4000, seconds=20, threads=4)


server(Server(
    name="caddy", packages=["caddy"], binary="/usr/bin/caddy",
    what="Caddy web server: a file server and a reverse proxy in front of it, admin API on loopback",
    argv=["/usr/bin/caddy", "run", "--config", "@TMP@/Caddyfile", "--adapter", "caddyfile"],
    env={"HOME": "@TMP@", "XDG_DATA_HOME": "@TMP@/data", "XDG_CONFIG_HOME": "@TMP@/config"},
    pprof="http://127.0.0.1:2019/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:8081", "/page1.html") and ok("http://127.0.0.1:2019", "/config/"),
    setup=_caddy_setup, load=_caddy_load,
    sig=signal.SIGABRT, why_signal="caddy traps SIGQUIT (logs 'quitting process immediately' and exits 2 "
                                   "without a dump); SIGABRT is not trapped, the Go runtime dumps on it"))



def sink_server(ctx: Ctx, port: int) -> None:
    """A webhook sink on 127.0.0.1:port that answers 200 to every POST (counts them)."""
    got = ctx.notes

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    got.append(f"webhook sink on 127.0.0.1:{port}")
    ctx.cleanups.append(srv.shutdown)
    ctx.cleanups.append(srv.server_close)


def _am_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:9093"
    services = ["api", "db", "cache", "queue", "web", "auth"]

    def post(i: int) -> Callable[[], Any]:
        now = time.time()
        alerts = [{"labels": {"alertname": f"Alert{(i + k) % 8}", "service": services[(i + k) % 6],
                              "severity": ["page", "ticket", "info"][(i + k) % 3], "instance": f"host{k}"},
                   "annotations": {"summary": "load"},
                   "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 10)),
                   "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 120))} for k in range(5)]
        body = json.dumps(alerts).encode()
        return lambda: request(b, "/api/v2/alerts", "POST", body, {"Content-Type": "application/json"})

    return Load("API v2: posts of 5 alerts each over 8 alert names x 6 services x 3 severities (about 48 "
                "alert groups, routed to a webhook sink on 127.0.0.1:9099), alert/group/status reads, /metrics",
                [post(i) for i in range(8)] + [get(b, "/api/v2/alerts"), get(b, "/api/v2/alerts/groups"),
                                               get(b, "/api/v2/status"), get(b, "/metrics")],
                count=3000, seconds=20, threads=4)


server(Server(
    name="alertmanager", packages=["prometheus-alertmanager"], binary="/usr/bin/prometheus-alertmanager",
    what="Prometheus Alertmanager, clustering off, two webhook receivers on a loopback sink",
    argv=["/usr/bin/prometheus-alertmanager", "--config.file=@TMP@/alertmanager.yml",
          "--storage.path=@TMP@/data", "--web.listen-address=127.0.0.1:9093", "--cluster.listen-address="],
    pprof="http://127.0.0.1:9093/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:9093", "/-/ready"),
    setup=lambda c: sink_server(c, 9099), load=_am_load))


def _bb_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:9115"
    q = urllib.parse.quote
    probes = [("http_2xx", "http://127.0.0.1:9115/metrics"), ("http_2xx", "http://127.0.0.1:9115/"),
              ("http_post", "http://127.0.0.1:9115/-/healthy"), ("tcp_connect", "127.0.0.1:9115"),
              ("icmp", "127.0.0.1"), ("tcp_connect", "127.0.0.1:9"), ("http_2xx", "http://127.0.0.1:9/")]
    return Load("probes of loopback targets: http_2xx / http_post of its own pages, tcp_connect, icmp to "
                "127.0.0.1, and two refused targets (port 9); /metrics",
                [get(b, f"/probe?module={m}&target={q(t)}") for m, t in probes] + [get(b, "/metrics")],
                count=2000, seconds=20, threads=4, rate=100)


server(Server(
    name="blackbox", packages=["prometheus-blackbox-exporter"], binary="/usr/bin/prometheus-blackbox-exporter",
    what="Prometheus blackbox exporter probing loopback targets (http, tcp, icmp)",
    argv=["/usr/bin/prometheus-blackbox-exporter", "--config.file=@TMP@/blackbox.yml",
          "--web.listen-address=127.0.0.1:9115"],
    pprof="http://127.0.0.1:9115/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:9115", "/metrics"), load=_bb_load))


def _mtail_setup(ctx: Ctx) -> None:
    (ctx.tmp / "logs").mkdir(exist_ok=True)
    for f in ("app.log", "err.log", "other.log"):
        (ctx.tmp / "logs" / f).write_text("")


def _mtail_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:3903"
    logs = ctx.tmp / "logs"

    def append(i: int) -> Callable[[], Any]:
        def call() -> None:
            ts = time.strftime("%Y-%m-%dT%H:%M:%S")
            with open(logs / "app.log", "a") as f:
                f.writelines(f"{ts} {['GET', 'POST', 'PUT'][k % 3]} /p/{k} {[200, 404, 500][k % 3]} {k}ms\n"
                             for k in range(i, i + 20))
            if i % 3 == 0:
                with open(logs / "err.log", "a") as f:
                    f.write(f"{ts} ERROR {['timeout', 'refused', 'parse'][i % 3]} at step {i}\n")
        return call

    return Load("appends 20 access-log lines per call to app.log (and an error line to err.log every third), "
                "reads /metrics and /json", [append(i) for i in range(6)] + [get(b, "/metrics"), get(b, "/json")],
                count=3000, seconds=20, threads=2)


server(Server(
    name="mtail", packages=["mtail"], binary="/usr/bin/mtail",
    what="mtail, log-to-metrics extractor tailing three log files with two programs",
    argv=["/usr/bin/mtail", "--progs", "@TMP@/progs", "--logs", "@TMP@/logs/*.log", "--address", "127.0.0.1",
          "--port", "3903", "--logtostderr", "--poll_interval", "250ms"],
    pprof="http://127.0.0.1:3903/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:3903", "/metrics"), setup=_mtail_setup, load=_mtail_load))


def _influx_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:8086"
    q = urllib.parse.quote
    request(b, "/query?q=" + q("CREATE DATABASE load"), "POST")
    request(b, "/query?db=load&q=" + q('CREATE CONTINUOUS QUERY cq1 ON load BEGIN SELECT mean("v") INTO "cpu_1s" '
                                        'FROM "cpu" GROUP BY time(1s), host END'), "POST")

    def write(i: int) -> Callable[[], Any]:
        def call() -> None:
            ns = time.time_ns()
            lines = "\n".join(f"cpu,host=h{k % 10},region=r{k % 3} v={(i * k) % 100},w={k}i {ns + k}"
                              for k in range(50))
            request(b, "/write?db=load", "POST", lines.encode())
        return call

    return Load("line-protocol writes of 50 points (10 hosts x 3 regions), a continuous query every second, "
                "GROUP BY queries, SHOW queries, /debug/vars",
                [write(i) for i in range(6)]
                + [get(b, "/query?db=load&q=" + q("SELECT mean(v) FROM cpu WHERE time > now() - 1m GROUP BY host")),
                   get(b, "/query?db=load&q=" + q("SHOW MEASUREMENTS")), get(b, "/query?q=" + q("SHOW DATABASES")),
                   get(b, "/debug/vars")],
                count=3000, seconds=20, threads=4)


server(Server(
    name="influxdb", packages=["influxdb"], binary="/usr/bin/influxd",
    what="InfluxDB 1.x time-series database (usage reporting off), internal monitor store every 2 s",
    argv=["/usr/bin/influxd", "run", "-config", "@TMP@/influxdb.conf"],
    env={"HOME": "@TMP@"},
    pprof="http://127.0.0.1:8086/debug/pprof",
    ready=lambda c: ok("http://127.0.0.1:8086", "/ping"), load=_influx_load))


def _hugo_setup(ctx: Ctx) -> None:
    posts = ctx.tmp / "site" / "content" / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    for i in range(30):
        (posts / f"post{i}.md").write_text(f'---\ntitle: "Post {i}"\ndate: 2024-01-{i % 28 + 1:02d}\n---\n\n'
                                           + f"Paragraph {i}. " * 50 + "\n")


def _hugo_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:1313"
    posts = ctx.tmp / "site" / "content" / "posts"

    def edit(i: int) -> Callable[[], Any]:
        def call() -> None:
            with open(posts / f"post{i}.md", "a") as f:
                f.write(f"\nEdited at {time.time()}.\n")
        return call

    return Load("page reads (home, list, 30 posts) with a content edit every 10th call (the watcher rebuilds)",
                [get(b, "/"), get(b, "/posts/")] + [get(b, f"/posts/post{i}/") for i in range(7)] + [edit(3)],
                count=2000, seconds=20, threads=3, rate=60)


server(Server(
    name="hugo", packages=["hugo"], binary="/usr/bin/hugo",
    what="Hugo static-site generator in server mode (in-memory render, file watcher, live reload)",
    argv=["/usr/bin/hugo", "server", "--source", "@TMP@/site", "--bind", "127.0.0.1", "--port", "1313",
          "--cacheDir", "@TMP@/cache", "--disableFastRender"],
    env={"HOME": "@TMP@"},
    pprof=None,
    ready=lambda c: ok("http://127.0.0.1:1313", "/posts/post1/"), setup=_hugo_setup, load=_hugo_load))


def _gobgp_ready(ctx: Ctx) -> bool:
    r = subprocess.run(["gobgp", "-u", "127.0.0.1", "-p", "50051", "neighbor"], capture_output=True, text=True)
    return "Establ" in r.stdout


def _gobgp_load(ctx: Ctx) -> Load:
    def cli(*args: str) -> Callable[[], Any]:
        return lambda: subprocess.run(["gobgp", "-u", "127.0.0.1", "-p", "50051", *args], check=True,
                                      capture_output=True, timeout=10)

    calls = []
    for i in range(8):
        calls.append(cli("global", "rib", "add", "-a", "ipv4", f"10.{i}.{i * 7 % 256}.0/24", "community", "65000:1"))
        calls.append(cli("global", "rib", "-a", "ipv4"))
    calls += [cli("global", "rib", "del", "-a", "ipv4", "10.1.7.0/24"), cli("neighbor"),
              cli("neighbor", "127.0.0.2", "adj-in")]
    return Load("gobgp CLI over the gRPC API: route adds/deletes (announced to peer B over loopback), RIB and "
                "neighbor reads", calls, count=400, seconds=20, threads=2, rate=20)


server(Server(
    name="gobgp", packages=["gobgpd"], binary="/usr/bin/gobgpd",
    what="GoBGP daemon A (AS 64512) with an established session to a second gobgpd B (AS 64513) on loopback",
    argv=["/usr/bin/gobgpd", "-f", "@TMP@/gobgpd-a.toml", "--api-hosts", "127.0.0.1:50051",
          "--pprof-host", "127.0.0.1:6060", "-p"],
    pprof="http://127.0.0.1:6060/debug/pprof",
    setup=lambda c: c.spawn(["/usr/bin/gobgpd", "-f", "@TMP@/gobgpd-b.toml", "--api-hosts", "127.0.0.2:50051",
                             "--pprof-disable", "-p"], "gobgpd-b.log") and None,
    ready=_gobgp_ready, load=_gobgp_load, ready_limit=90))



class Resp:
    """A minimal Redis (RESP) client over one socket."""

    def __init__(self, port: int = 6379) -> None:
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5.0)
        self.f = self.s.makefile("rb")

    def cmd(self, *args: str) -> Any:
        self.s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode())
                                                          for a in args))
        return self._read()

    def _read(self) -> Any:
        line = self.f.readline()
        if not line:
            raise OSError("redis closed the connection")
        t, rest = line[:1], line[1:-2]
        if t in (b"+", b"-"):
            return rest
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if t == b"*":
            return [self._read() for _ in range(int(rest))]
        raise OSError(f"bad RESP line {line!r}")


def _redis_setup(ctx: Ctx) -> None:
    ctx.spawn(["/usr/bin/redis-server", "@TMP@/redis.conf"], "redis.log")
    end = time.monotonic() + 20
    while not tcp_open(6379):
        if time.monotonic() > end:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.2)
    r = Resp()
    for i in range(200):
        r.cmd("SET", f"key:{i}", "v" * (i % 50))
    r.cmd("LPUSH", "queue", *[f"job{i}" for i in range(100)])


def _redis_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:9121"
    local = threading.local()

    def redis_ops() -> None:
        r = getattr(local, "r", None) or Resp()
        local.r = r
        i = int(time.time() * 1000)
        r.cmd("SET", f"key:{i % 500}", str(i))
        r.cmd("GET", f"key:{(i * 7) % 500}")
        r.cmd("HSET", f"h:{i % 20}", "f", str(i))
        r.cmd("LPUSH", "queue", str(i))
        r.cmd("RPOP", "queue")

    return Load("/metrics scrapes of the exporter (each runs INFO, CONFIG GET, SLOWLOG... on redis) mixed with "
                "SET/GET/HSET/LPUSH/RPOP on redis-server itself",
                [get(b, "/metrics"), redis_ops, get(b, "/metrics"), redis_ops, get(b, "/scrape?target=redis://127.0.0.1:6379")],
                count=2000, seconds=20, threads=4, rate=80)


server(Server(
    name="redis_exporter", packages=["prometheus-redis-exporter", "redis-server"],
    binary="/usr/bin/prometheus-redis-exporter",
    what="Prometheus redis exporter scraping a real redis-server on 127.0.0.1:6379",
    argv=["/usr/bin/prometheus-redis-exporter", "-redis.addr", "redis://127.0.0.1:6379",
          "-web.listen-address", "127.0.0.1:9121"],
    pprof=None, setup=_redis_setup,
    ready=lambda c: ok("http://127.0.0.1:9121", "/metrics"), load=_redis_load))


PG_BIN = "/usr/lib/postgresql/15/bin"


def _pg_setup(ctx: Ctx) -> None:
    pg = ctx.tmp / "pg"
    pg.mkdir()
    shutil.chown(pg, "postgres", "postgres")
    ctx.run([f"{PG_BIN}/initdb", "-D", "@TMP@/pg", "--auth=trust", "-U", "postgres", "--no-sync"], user="postgres")
    ctx.spawn([f"{PG_BIN}/postgres", "-D", "@TMP@/pg", "-k", "@TMP@/pg", "-c", "listen_addresses=127.0.0.1",
               "-p", "5432", "-c", "fsync=off"], "postgres.log", user="postgres")
    end = time.monotonic() + 30
    while subprocess.run([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", "5432"],
                         capture_output=True).returncode != 0:
        if time.monotonic() > end:
            raise RuntimeError("postgres did not start")
        time.sleep(0.3)
    ctx.run([f"{PG_BIN}/pgbench", "-i", "-s", "2", "-h", "127.0.0.1", "-U", "postgres", "postgres"])


def _pg_load(ctx: Ctx) -> Load:
    b = "http://127.0.0.1:9187"
    # pgbench gives the database real activity for the exporter to report; bounded by -T
    ctx.spawn([f"{PG_BIN}/pgbench", "-c", "4", "-j", "2", "-T", "15", "-R", "200", "-h", "127.0.0.1",
               "-U", "postgres", "postgres"], "pgbench.log")
    return Load("concurrent /metrics scrapes (each runs the exporter's queries against PostgreSQL) while pgbench "
                "runs 4 clients at 200 tx/s for 15 s", [get(b, "/metrics")],
                count=600, seconds=20, threads=4, rate=20)


server(Server(
    name="postgres_exporter", packages=["prometheus-postgres-exporter", "postgresql"],
    binary="/usr/bin/prometheus-postgres-exporter",
    what="Prometheus PostgreSQL exporter against a real PostgreSQL 15 (pgbench database) on 127.0.0.1:5432",
    argv=["/usr/bin/prometheus-postgres-exporter", "--web.listen-address=127.0.0.1:9187",
          "--extend.query-path=@TMP@/queries.yaml", "--auto-discover-databases"],
    env={"DATA_SOURCE_NAME": "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable"},
    pprof=None, setup=_pg_setup,
    ready=lambda c: ok("http://127.0.0.1:9187", "/metrics"), load=_pg_load))


def _ygg_conf(ctx: Ctx, node: str) -> None:
    conf = json.loads(ctx.run(["/usr/sbin/yggdrasil", "-genconf", "-json"]))
    over = json.loads((ctx.tmp / f"overrides-{node}.json").read_text())
    over.pop("_comment", None)
    conf.update(over)
    (ctx.tmp / f"ygg-{node}.json").write_text(json.dumps(conf, indent=1))


def _ygg_setup(ctx: Ctx) -> None:
    _ygg_conf(ctx, "a")
    _ygg_conf(ctx, "b")
    ctx.spawn(["/usr/sbin/yggdrasil", "-useconffile", "@TMP@/ygg-b.json", "-logto", "stdout"], "ygg-b.log")
    end = time.monotonic() + 30
    while not tcp_open(12345, "127.0.0.2"):  # A dials B at start-up: B must listen first
        if time.monotonic() > end:
            raise RuntimeError("yggdrasil node B is not listening on 127.0.0.2:12345")
        time.sleep(0.2)


def _ygg_admin(sock: str, req: dict[str, Any]) -> Any:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5.0)
    s.connect(sock)
    s.sendall(json.dumps(req).encode())
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        try:
            return json.loads(buf)
        except ValueError:
            continue
    s.close()
    return json.loads(buf)


def _ygg_ready(ctx: Ctx) -> bool:
    try:
        r = _ygg_admin(str(ctx.tmp / "ygg-a.sock"), {"request": "getpeers"})
    except (OSError, ValueError):
        return False
    return bool(r.get("response", {}).get("peers"))


def _ygg_load(ctx: Ctx) -> Load:
    sock = str(ctx.tmp / "ygg-a.sock")
    reqs = ["getself", "getpeers", "getdht", "getpaths", "getsessions", "list"]
    return Load("admin API requests on the unix socket (getself, getpeers, getdht, getpaths, getsessions, list)",
                [lambda r=r: _ygg_admin(sock, {"request": r}) for r in reqs],
                count=2000, seconds=20, threads=3, rate=60)


server(Server(
    name="yggdrasil", packages=["yggdrasil"], binary="/usr/sbin/yggdrasil",
    what="Yggdrasil overlay-network node A (no TUN, no multicast) that dials node B over loopback TCP",
    argv=["/usr/sbin/yggdrasil", "-useconffile", "@TMP@/ygg-a.json", "-logto", "stdout"],
    pprof=None, setup=_ygg_setup, ready=_ygg_ready, load=_ygg_load))



def _docker_usr1(ctx: Ctx, proc: subprocess.Popen[bytes]) -> dict[str, bytes]:
    before = set((ctx.tmp / "exec").glob("goroutine-stacks-*.log"))
    proc.send_signal(signal.SIGUSR1)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        new = set((ctx.tmp / "exec").glob("goroutine-stacks-*.log")) - before
        if new:
            f = new.pop()
            size = -1
            while size != f.stat().st_size:  # written in one go; wait until it stops growing
                size = f.stat().st_size
                time.sleep(0.5)
            return {"usr1": f.read_bytes()}
        time.sleep(0.2)
    raise RuntimeError("dockerd wrote no goroutine-stacks file on SIGUSR1")


def _docker_load(ctx: Ctx) -> Load:
    b = f"unix:{ctx.tmp}/docker.sock"

    def volume(i: int) -> Callable[[], Any]:
        def call() -> None:
            body = json.dumps({"Name": f"vol{i}", "Labels": {"corpus": "stackparse"}}).encode()
            request(b, "/v1.41/volumes/create", "POST", body, {"Content-Type": "application/json"})
            request(b, f"/v1.41/volumes/vol{i}", "DELETE")
        return call

    return Load("Engine API on the unix socket: info, version, containers, images, volumes (create+remove), "
                "networks, system df, ping; 2 /events streams held open",
                [get(b, "/v1.41/info"), get(b, "/v1.41/version"), get(b, "/v1.41/containers/json?all=1"),
                 get(b, "/v1.41/images/json"), get(b, "/v1.41/volumes"), get(b, "/v1.41/networks"),
                 get(b, "/v1.41/system/df"), get(b, "/_ping")] + [volume(i) for i in range(8)],
                count=2000, seconds=20, threads=4, rate=60,
                background=[hold_stream(b, "/v1.41/events") for _ in range(2)])


server(Server(
    name="dockerd", packages=["docker.io"], binary="/usr/sbin/dockerd",
    what="Docker Engine daemon (dockerd 20.10 with its own managed containerd), no bridge, no iptables, vfs",
    argv=["/usr/sbin/dockerd", "--debug", "-H", "unix://@TMP@/docker.sock", "--data-root", "@TMP@/data",
          "--exec-root", "@TMP@/exec", "--pidfile", "@TMP@/docker.pid", "--iptables=false", "--ip6tables=false",
          "--bridge=none", "--storage-driver=vfs"],
    pprof="unix:@TMP@/docker.sock!/debug/pprof",
    ready=lambda c: ok(f"unix:{c.tmp}/docker.sock", "/_ping"), load=_docker_load, settle=5.0,
    sig=signal.SIGABRT, extra=_docker_usr1,
    why_signal="dockerd traps SIGQUIT: it writes runtime.Stack(all) to stderr between two log lines and exits "
               "131 (pkg/signal/trap.go); SIGABRT is not trapped, so the runtime's own dump is taken with "
               "SIGABRT. dockerd's own stack dump is kept too: on SIGUSR1 it writes goroutine-stacks-*.log "
               "into --exec-root and keeps running (mode usr1)"))



def _podman_load(ctx: Ctx) -> Load:
    b = f"unix:{ctx.tmp}/podman.sock"
    v = "/v4.0.0/libpod"

    def volume(i: int) -> Callable[[], Any]:
        def call() -> None:
            body = json.dumps({"Name": f"vol{i}", "Label": {"corpus": "stackparse"}}).encode()
            request(b, f"{v}/volumes/create", "POST", body, {"Content-Type": "application/json"})
            request(b, f"{v}/volumes/vol{i}?force=true", "DELETE")
        return call

    return Load("libpod API on the unix socket: info, version, containers, images, pods, volumes (create+remove), "
                "networks, system df, and the Docker-compatible /info; 2 /events streams held open",
                [get(b, f"{v}/info"), get(b, f"{v}/version"), get(b, f"{v}/containers/json?all=true"),
                 get(b, f"{v}/images/json"), get(b, f"{v}/pods/json"), get(b, f"{v}/volumes/json"),
                 get(b, f"{v}/networks/json"), get(b, f"{v}/system/df"), get(b, "/v1.41/info"), get(b, "/_ping")]
                + [volume(i) for i in range(3)],
                count=1500, seconds=20, threads=3, rate=40,
                background=[hold_stream(b, f"{v}/events?stream=true") for _ in range(2)])


server(Server(
    name="podman", packages=["podman"], binary="/usr/bin/podman",
    what="Podman API service (podman system service), root storage in a temp dir, vfs driver, cgroupfs",
    argv=["/usr/bin/podman", "--root", "@TMP@/root", "--runroot", "@TMP@/runroot", "--storage-driver", "vfs",
          "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--tmpdir", "@TMP@/libpod",
          "system", "service", "--time=0", "--pprof-address", "127.0.0.1:8889", "unix://@TMP@/podman.sock"],
    env={"XDG_RUNTIME_DIR": "@TMP@/xdg", "XDG_CONFIG_HOME": "@TMP@/config", "XDG_DATA_HOME": "@TMP@/data",
         "HOME": "@TMP@"},
    pprof="http://127.0.0.1:8889/debug/pprof",
    ready=lambda c: ok(f"unix:{c.tmp}/podman.sock", "/_ping"), load=_podman_load))



def _podman_events_disconnect(ctx: Ctx) -> Callable[[], Any]:
    """An events client that subscribes, reads for one second and hangs up."""
    def call() -> None:
        stop = threading.Event()
        t = threading.Thread(target=hold_stream(f"unix:{ctx.tmp}/podman.sock", "/v4.0.0/libpod/events?stream=true"),
                             args=(stop,), daemon=True)
        t.start()
        time.sleep(1.0)
        stop.set()
        t.join(timeout=5)
    return call


PODMAN_LEAK_CLIENTS = 6


def _podman_leaked(text: str) -> list[int] | int:
    """Goroutines parked sending at compat/events.go:63 (GetEvents.func1 sending Events' result on the
    unbuffered error channel) with no GetEvents handler left to receive: their ids in a debug=2 / SIGQUIT
    text, their count in a debug=1 text."""
    if text.startswith("goroutine profile:"):
        return sum(int(m.group(1)) for m in re.finditer(r"^(\d+) @ [^\n]*\n(?:#[^\n]*\n)*", text, re.M)
                   if "compat/events.go:63" in m.group(0))
    ids = []
    for block in re.split(r"\n\s*\n", text):
        m = re.match(r"goroutine (\d+) \[chan send", block.strip())
        if m and "compat.GetEvents.func1" in block and "compat/events.go:63" in block:
            ids.append(int(m.group(1)))
    return sorted(ids)


def _podman_leak_check(ctx: Ctx, proc: subprocess.Popen[bytes]) -> dict[str, bytes]:
    _status, body = request("http://127.0.0.1:8889/debug/pprof", "/goroutine?debug=2")
    n = len(_podman_leaked(body.decode(errors="replace")))
    handlers = body.count(b"compat.GetEvents(")
    ctx.notes.append(f"{n} goroutines parked at compat/events.go:63 after {PODMAN_LEAK_CLIENTS} events clients "
                     f"hung up; {handlers} GetEvents handlers still running")
    if n != PODMAN_LEAK_CLIENTS or handlers:
        raise RuntimeError(f"podman events leak: expected {PODMAN_LEAK_CLIENTS} leaked goroutines and no handler, "
                           f"found {n} and {handlers}")
    return {}


server(Server(
    name="podman_events_leak", packages=["podman"], binary="/usr/bin/podman",
    what="NOT HEALTHY: podman 4.3.1 API service after 6 events clients hung up; each left one goroutine "
         "blocked forever (a real goroutine leak of this podman version)",
    argv=SERVERS["podman"].argv, env=SERVERS["podman"].env, pprof=SERVERS["podman"].pprof,
    ready=SERVERS["podman"].ready,
    load=lambda c: Load(f"{PODMAN_LEAK_CLIENTS} events clients, one after another: each subscribes to "
                        "/v4.0.0/libpod/events?stream=true, reads for 1 s and hangs up",
                        [_podman_events_disconnect(c)], count=PODMAN_LEAK_CLIENTS, seconds=30, threads=1,
                        rate=0.8, warmup=10.0),
    states=("load",), extra=_podman_leak_check, leaked=_podman_leaked, truth="leak", early_snapshot=4.5,
    truth_note="compat.GetEvents (pkg/api/handlers/compat/events.go in podman 4.3.1) starts a goroutine (line 54) "
               "that runs runtime.Events and then sends its result on an unbuffered error channel (line 63). When "
               "the client hangs up, the handler returns on r.Context().Done() without receiving; Events then "
               "returns (its context is the request's) and the goroutine blocks on the send forever. One leaked "
               "goroutine per hung-up events client; capture.py checks that the count equals the number of "
               "clients and that no handler is left. files[...].leaked_goroutines lists their ids (read from the "
               "dump text; the debug=1 dump groups them under one stack). Reproduced by hand with curl -m 5."))



def _lxd_ready(ctx: Ctx) -> bool:
    b = f"unix:{ctx.tmp}/lxd/unix.socket"
    if not ok(b, "/1.0"):
        return False
    if not ok("http://127.0.0.1:8444", "/debug/pprof/"):
        # LXD serves pprof on core.debug_address, a server setting made through its own API
        request(b, "/1.0", "PATCH", json.dumps({"config": {"core.debug_address": "127.0.0.1:8444"}}).encode(),
                {"Content-Type": "application/json"})
        return False
    return True


def _lxd_load(ctx: Ctx) -> Load:
    b = f"unix:{ctx.tmp}/lxd/unix.socket"
    js = {"Content-Type": "application/json"}
    (ctx.tmp / "pool").mkdir(exist_ok=True)
    request(b, "/1.0/storage-pools", "POST",
            json.dumps({"name": "p1", "driver": "dir", "config": {"source": str(ctx.tmp / "pool")}}).encode(), js)

    def profile(i: int) -> Callable[[], Any]:
        def call() -> None:
            request(b, "/1.0/profiles", "POST", json.dumps({"name": f"prof{i}", "config": {"limits.cpu": "1"},
                                                            "description": "load"}).encode(), js)
            request(b, f"/1.0/profiles/prof{i}", "DELETE")
        return call

    def volume(i: int) -> Callable[[], Any]:
        def call() -> None:
            request(b, "/1.0/storage-pools/p1/volumes/custom", "POST",
                    json.dumps({"name": f"v{i}", "type": "custom", "config": {}}).encode(), js)
            request(b, f"/1.0/storage-pools/p1/volumes/custom/v{i}", "DELETE")
        return call

    return Load("REST API on the unix socket: server, instances, images, profiles (create+delete), projects, "
                "storage pools, custom volumes on a dir pool (create+delete), operations, resources, warnings; "
                "2 /1.0/events streams held",
                [get(b, "/1.0"), get(b, "/1.0/instances?recursion=1"), get(b, "/1.0/images"),
                 get(b, "/1.0/profiles"), get(b, "/1.0/projects"), get(b, "/1.0/storage-pools?recursion=1"),
                 get(b, "/1.0/operations"), get(b, "/1.0/resources"), get(b, "/1.0/warnings"),
                 profile(1), profile(2), volume(1), volume(2)],
                count=1500, seconds=20, threads=3, rate=40,
                background=[hold_stream(b, "/1.0/events", headers={
                    "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                    "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}) for _ in range(2)])


server(Server(
    name="lxd", packages=["lxd"], binary="/usr/bin/lxd",
    what="LXD 5.0 daemon (embedded dqlite database), data dir in the temp dir, no instances",
    argv=["/usr/bin/lxd", "--verbose"],
    env={"LXD_DIR": "@TMP@/lxd"},
    pprof="http://127.0.0.1:8444/debug/pprof",
    setup=lambda c: (c.tmp / "lxd").mkdir(), ready=_lxd_ready, load=_lxd_load,
    sig=signal.SIGABRT,
    why_signal="LXD treats SIGQUIT as a shutdown request (no dump); SIGABRT is not trapped, the Go runtime dumps"))



def _st_setup(ctx: Ctx) -> None:
    ctx.run(["/usr/bin/syncthing", "generate", "--home", "@TMP@/st", "--no-default-folder", "--skip-port-probing"],
            env={"HOME": str(ctx.tmp)})
    conf = (ctx.tmp / "st" / "config.xml").read_text()
    over = json.loads((ctx.tmp / "overrides.json").read_text())
    over.pop("_comment")
    for tag, value in over.items():
        conf, n = re.subn(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{value}</{tag}>", conf)
        if n == 0:
            raise RuntimeError(f"syncthing config has no <{tag}>")
    (ctx.tmp / "st" / "config.xml").write_text(conf)
    key = re.search(r"<apikey>([^<]+)</apikey>", conf)
    assert key
    ctx.notes.append("api key read from the generated config.xml")
    (ctx.tmp / "apikey").write_text(key.group(1))
    for d in ("docs", "photos"):
        (ctx.tmp / d).mkdir()
        for i in range(20):
            (ctx.tmp / d / f"f{i}.txt").write_text(f"{d} {i} " * 200)


def _st_headers(ctx: Ctx) -> dict[str, str]:
    return {"X-API-Key": (ctx.tmp / "apikey").read_text(), "Content-Type": "application/json"}


def _st_ready(ctx: Ctx) -> bool:
    b, h = "http://127.0.0.1:8384", _st_headers(ctx)
    try:
        status, body = request(b, "/rest/config/folders", headers=h, timeout=2)
    except OSError:
        return False
    if status != 200:
        return False
    have = {f["id"] for f in json.loads(body)}
    for d in ("docs", "photos"):
        if d not in have:
            request(b, "/rest/config/folders", "POST", json.dumps(
                {"id": d, "label": d, "path": str(ctx.tmp / d), "type": "sendreceive",
                 "rescanIntervalS": 10, "fsWatcherEnabled": True, "fsWatcherDelayS": 1}).encode(), h)
            return False
    status, body = request(b, "/rest/db/status?folder=docs", headers=h, timeout=2)
    return status == 200 and json.loads(body).get("state") == "idle"


def _st_load(ctx: Ctx) -> Load:
    b, h = "http://127.0.0.1:8384", _st_headers(ctx)

    def touch(i: int) -> Callable[[], Any]:
        def call() -> None:
            (ctx.tmp / "docs" / f"new{i % 30}.txt").write_text(f"edit {time.time()} " * 50)
        return call

    def events(stop: threading.Event) -> None:
        since = 0
        while not stop.is_set():
            status, body = request(b, f"/rest/events?since={since}&timeout=2", headers=h, timeout=10)
            if status == 200:
                evs = json.loads(body)
                since = evs[-1]["id"] if evs else since

    return Load("REST API (system status, connections, config, folder status, completion, browse), file edits "
                "in a watched folder with explicit rescans; 2 long-polling /rest/events clients",
                [get(b, "/rest/system/status", headers=h), get(b, "/rest/system/connections", headers=h),
                 get(b, "/rest/config", headers=h), get(b, "/rest/db/status?folder=docs", headers=h),
                 get(b, "/rest/db/completion?folder=photos", headers=h),
                 get(b, "/rest/db/browse?folder=docs", headers=h), touch(1), touch(2),
                 lambda: request(b, "/rest/db/scan?folder=docs", "POST", b"", h)],
                count=1500, seconds=20, threads=3, rate=40, background=[events, events])


server(Server(
    name="syncthing", packages=["syncthing"], binary="/usr/bin/syncthing",
    what="Syncthing with two watched folders, discovery, relays, NAT and reporting off, GUI/API on loopback",
    argv=["/usr/bin/syncthing", "serve", "--home", "@TMP@/st", "--no-browser", "--no-restart", "--no-upgrade",
          "--gui-address", "http://127.0.0.1:8384"],
    # STMONITORED: run syncthing itself, not its monitor parent (which would get the signal and dump only
    # its own 13 goroutines while the child serves pprof)
    env={"HOME": "@TMP@", "STPROFILER": "127.0.0.1:9094", "STNOUPGRADE": "1", "STMONITORED": "1"},
    pprof="http://127.0.0.1:9094/debug/pprof",
    setup=_st_setup, ready=_st_ready, load=_st_load))



def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true", help="list the programs and exit")
    ap.add_argument("--only", help="comma-separated program names")
    ap.add_argument("--no-install", action="store_true", help="fail instead of installing packages")
    ap.add_argument("--inside", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inside:
        capture_inside(a.inside)
        return 0
    if a.list:
        for s in SERVERS.values():
            print(f"{s.name:22} {s.packages[0]:32} {s.what}")
        return 0
    names = a.only.split(",") if a.only else list(SERVERS)
    unknown = [n for n in names if n not in SERVERS]
    if unknown:
        ap.error(f"unknown program(s): {unknown}; see --list")
    failed = []
    for n in names:
        s = SERVERS[n]
        ensure_packages(s.packages, not a.no_install)
        print(f"== {n}", flush=True)
        r = subprocess.run(["unshare", "-n", "-m", "--propagation", "private", sys.executable, __file__, "--inside", n])
        if r.returncode != 0:
            failed.append(n)
            print(f"!! {n} failed (exit {r.returncode})", flush=True)
        else:
            meta = json.loads((HERE / n / "meta.json").read_text())
            for run in meta["runs"]:
                for f, v in run["files"].items():
                    print(f"   {f}: {v['goroutines']} goroutines, {v['bytes']} bytes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
