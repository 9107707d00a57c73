"""HTTP helpers and the bounded load of corpus/servers/capture.py.

``request`` / ``ok`` / ``tcp_open`` reach a program on loopback TCP or on a unix socket (readiness
checks, load calls, the pprof fetches); ``Load`` describes a bounded load, ``LoadRun`` runs it in worker
threads that stop by themselves, and ``get`` / ``hold_stream`` build its calls. Stdlib only, like the
rest of capture.py: it runs as root under the system python3.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
