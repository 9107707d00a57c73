"""The HTML report in a real browser (Debian's chromium, headless).

What a person sees: the findings and the inline ``<svg>`` wait-for graph are in the DOM after
the page ran; a dump whose panic message carries ``<script>`` and ``<img onerror>`` runs no
script (checked twice: in the DOM chromium dumps, and by asking the page for
``window.__pwned`` over the DevTools protocol with a minimal stdlib websocket client); a
screenshot can be taken for the README.

CI installs chromium with ``.ci/install_browser.sh``; without it these tests skip.
Set ``STACKPARSE_UPDATE_SCREENSHOT=1`` to write ``docs/report-small.png`` and ``docs/report-large.png``
from the screenshot test.

The analysis is built by the real pipeline (parse + detect) when those stages are there, and
also by hand (records of :mod:`stackparse.model` plus stand-ins for the detect records), so
that the renderer is checked in a browser even before the pipeline is complete.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from stackparse.model import CreatedBy, Dump, Frame, Function, Goroutine, Panic, Preamble

REPO = Path(__file__).resolve().parent.parent

PAYLOAD = (
    "<script>window.__pwned=1</script>"
    "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
    "<img src=x onerror=\"window.__pwned=2;document.documentElement.setAttribute('data-pwned','img')\">"
)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--mute-audio",
]


def _chromium() -> str | None:
    env = os.environ.get("STACKPARSE_CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


CHROMIUM = _chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed: run .ci/install_browser.sh (apt-get install chromium)"
)


# --------------------------------------------------------------------------- analyses


def _fn(full: str) -> Function:
    head, _, tail = full.rpartition("/")
    pkg, _, rest = tail.partition(".")
    package = (head + "/" if head else "") + pkg
    receiver = None
    m = re.match(r"^\((\*?\w+)\)\.(.*)$", rest)
    if m:
        receiver, rest = m.group(1), m.group(2)
    return Function(full=full, package=package, receiver=receiver, name=rest)


def _frame(full: str, file: str, line: int, args: str = "") -> Frame:
    return Frame(function=_fn(full), args_text=args, file=file, line=line, offset=0x20)


@dataclass(frozen=True, slots=True)
class _Resource:
    kind: str
    address: int | None
    exact: bool

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.address:#x}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "address": hex(self.address or 0), "exact": self.exact, "key": self.key}


@dataclass(frozen=True, slots=True)
class _Blocking:
    goroutine: int
    op: str
    resources: tuple[_Resource, ...]
    site: int | None
    blocked: bool = True
    forever: bool = False
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class _Edge:
    source: str
    target: str
    kind: str
    confidence: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("source", "target", "kind", "confidence", "evidence")}


@dataclass(frozen=True, slots=True)
class _Finding:
    kind: str
    confidence: str
    title: str
    goroutines: tuple[int, ...]
    resources: tuple[_Resource, ...]
    edges: tuple[_Edge, ...]
    blocked_behind: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "goroutines": list(self.goroutines)}


@dataclass
class _Analysis:
    dump: Dump
    blocking: dict[int, Any]
    graph: nx.DiGraph
    findings: list[Any]
    buckets: list[Any]
    notes: list[str] = field(default_factory=list)


def standin_analysis(panic_value: str = PAYLOAD) -> Any:
    """An AB-BA deadlock, built by hand, whose panic value and a frame argument carry HTML."""
    mu_a, mu_b = _Resource("mutex", 0xC000012340, True), _Resource("mutex", 0xC000012350, True)
    created = CreatedBy(function=_fn("main.main"), parent_id=1, file="/build/svc/main.go", line=30)
    g = []
    for gid, (mine, other, line) in {7: (mu_a, mu_b, 14), 8: (mu_b, mu_a, 21)}.items():
        g.append(
            Goroutine(
                id=gid,
                state="sync.Mutex.Lock",
                wait_minutes=12,
                frames=(
                    _frame("internal/sync.runtime_SemacquireMutex", "/usr/local/go/src/runtime/sema.go", 95),
                    _frame("sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go", 46, "..."),
                    _frame("main.transfer", "/build/svc/main.go", line, f"{other.address:#x}"),
                ),
                created_by=created,
            )
        )
    dump = Dump(kind="panic", goroutines=tuple(g), preamble=Preamble(panics=(Panic(value=panic_value),)))
    blocking = {
        7: _Blocking(7, "mutex.lock", (mu_b,), 2),
        8: _Blocking(8, "mutex.lock", (mu_a,), 2),
    }
    edges = (
        _Edge("g:7", mu_b.key, "waits-for", "certain", "goroutine 7 calls sync.(*Mutex).Lock(0xc000012350)"),
        _Edge(mu_b.key, "g:8", "held-by", "high", "goroutine 8 " + panic_value),
        _Edge("g:8", mu_a.key, "waits-for", "certain", "goroutine 8 calls sync.(*Mutex).Lock(0xc000012340)"),
        _Edge(mu_a.key, "g:7", "held-by", "high", "goroutine 7 locked it earlier in main.transfer"),
    )
    graph = nx.DiGraph()
    for gid in (7, 8):
        graph.add_node(f"g:{gid}", kind="goroutine", id=gid)
    for r in (mu_a, mu_b):
        graph.add_node(r.key, kind="resource", resource=r)
    for e in edges:
        graph.add_edge(e.source, e.target, kind=e.kind, confidence=e.confidence, evidence=e.evidence)
    finding = _Finding(
        kind="deadlock",
        confidence="certain",
        title="AB-BA deadlock: goroutines 7 and 8 each hold the mutex the other waits for",
        goroutines=(7, 8),
        resources=(mu_a, mu_b),
        edges=edges,
        notes=("note with markup " + panic_value,),
    )
    try:
        from stackparse.buckets import bucketize

        buckets = bucketize(dump)
    except ImportError:  # pragma: no cover - buckets.py is part of the tree
        buckets = []
    return _Analysis(dump=dump, blocking=blocking, graph=graph, findings=[finding], buckets=buckets)


DEADLOCK_DUMP = """panic: {payload}

goroutine 1 [running]:
main.main()
\t/build/svc/main.go:40 +0x1d

goroutine 7 [sync.Mutex.Lock, 12 minutes]:
internal/sync.runtime_SemacquireMutex(0xc000012354?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000012350)
\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d
internal/sync.(*Mutex).Lock(...)
\t/usr/local/go/src/internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
\t/usr/local/go/src/sync/mutex.go:46
main.transfer(0xc000012340, 0xc000012350)
\t/build/svc/main.go:14 +0x6e
created by main.main in goroutine 1
\t/build/svc/main.go:30 +0x4b

goroutine 8 [sync.Mutex.Lock, 12 minutes]:
internal/sync.runtime_SemacquireMutex(0xc000012344?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0xc000012340)
\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d
internal/sync.(*Mutex).Lock(...)
\t/usr/local/go/src/internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
\t/usr/local/go/src/sync/mutex.go:46
main.transfer(0xc000012350, 0xc000012340)
\t/build/svc/main.go:14 +0x6e
created by main.main in goroutine 1
\t/build/svc/main.go:31 +0x5b
"""


def real_analysis() -> Any:
    """The same deadlock through the real pipeline; skips until parse/detect exist."""
    parse_mod = pytest.importorskip("stackparse.parsing", reason="stackparse.parsing not written yet")
    detect = pytest.importorskip("stackparse.analysis", reason="stackparse.analysis not written yet")
    dump = parse_mod.parse(DEADLOCK_DUMP.format(payload=PAYLOAD))
    return detect.analyze(dump)


ANALYSES = {"standin": standin_analysis, "pipeline": real_analysis}


def render(kind: str) -> str:
    from stackparse.render import render_html

    return render_html(ANALYSES[kind]())


# --------------------------------------------------------------------------- chromium


def _flags(profile: Path) -> list[str]:
    return [CHROMIUM or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]


def dump_dom(page: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="sp-chromium-") as prof:
        r = subprocess.run(
            [*_flags(Path(prof)), "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
            check=False,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert r.returncode == 0, f"chromium --dump-dom failed ({r.returncode}): {r.stderr[-2000:]}"
    assert "<html" in r.stdout, r.stderr[-2000:]
    return r.stdout


class MiniWebSocket:
    """Just enough RFC 6455 for the DevTools protocol: text frames, client masking, no
    extensions. Every read has a timeout."""

    def __init__(self, url: str, timeout: float = 20.0) -> None:
        m = re.match(r"^ws://([^/:]+):(\d+)(/.*)$", url)
        assert m, url
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            assert chunk, "websocket handshake: connection closed"
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        assert b" 101 " in status, f"websocket handshake refused: {status!r}"
        self.buf = head.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _recv_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            assert chunk, "websocket closed"
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_text(self, text: str) -> None:
        data = text.encode()
        head = bytearray([0x81])
        n = len(data)
        if n < 126:
            head.append(0x80 | n)
        elif n < 1 << 16:
            head.append(0x80 | 126)
            head += struct.pack("!H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack("!Q", n)
        mask = os.urandom(4)
        self.sock.sendall(bytes(head) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv_text(self) -> str:
        parts: list[bytes] = []
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._recv_exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._recv_exact(8))
            payload = self._recv_exact(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise AssertionError("websocket closed by chromium")
            if opcode in (0x9, 0xA):  # ping/pong: ignore (chromium does not ping clients)
                continue
            parts.append(payload)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def call(self, method: str, params: dict[str, Any] | None = None, limit: int = 1000) -> dict[str, Any]:
        self.next_id += 1
        my = self.next_id
        self.send_text(json.dumps({"id": my, "method": method, "params": params or {}}))
        for _ in range(limit):  # events may come first; bounded
            msg = json.loads(self.recv_text())
            if msg.get("id") == my:
                assert "error" not in msg, msg
                return msg["result"]
        raise AssertionError(f"no answer to {method}")

    def evaluate(self, expression: str) -> Any:
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")

    def close(self) -> None:
        self.sock.close()


class Browser:
    """chromium --remote-debugging-port=0 on a page; killed on close."""

    def __init__(self, page: Path) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="sp-chromium-", ignore_cleanup_errors=True)
        self.proc = subprocess.Popen(
            [
                *_flags(Path(self.profile.name)),
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                page.as_uri(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its renderer/GPU children share our child's process group
        )
        try:
            self.port = self._port()
            self.ws = MiniWebSocket(self._page_ws())
        except BaseException:
            self.close()
            raise

    def _port(self) -> int:
        # Chromium writes the chosen port to DevToolsActivePort in the profile directory.
        f = Path(self.profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"chromium exited with {self.proc.returncode}")
            if f.exists():
                first = f.read_text().split("\n", 1)[0].strip()
                if first.isdigit():
                    return int(first)
            time.sleep(0.1)
        raise AssertionError("chromium did not open a DevTools port within 30s")

    def _page_ws(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=5) as r:
                targets = json.load(r)
            for t in targets:
                if t.get("type") == "page" and t.get("url", "").startswith("file://"):
                    return t["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise AssertionError("no page target")

    def wait_loaded(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            # The initial about:blank document is "complete" too: wait for the file itself.
            if self.ws.evaluate("location.protocol + document.readyState") == "file:complete":
                return
            time.sleep(0.1)
        raise AssertionError("page did not finish loading within 30s")

    def close(self) -> None:
        try:
            if hasattr(self, "ws"):
                self.ws.close()
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group of the chromium we started
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)
            self.profile.cleanup()


# --------------------------------------------------------------------------- tests


@pytest.fixture(params=sorted(ANALYSES))
def report_page(request, tmp_path) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render(request.param), encoding="utf-8")
    return page


def test_standin_analysis_renders_payload_escaped():
    """Without a browser: the payload never reaches the page as markup."""
    html = render("standin")
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "<svg" in html


@needs_browser
def test_dom_has_findings_and_graph_and_no_injected_markup(report_page):
    dom = dump_dom(report_page)
    # The findings and the inline SVG wait-for graph are there after the page ran.
    assert "deadlock" in dom.lower()
    assert re.search(r"<svg\b", dom), "no <svg> wait-for graph in the DOM"
    assert "goroutine 7" in dom and "goroutine 8" in dom
    # The payload is shown as text, never as elements.
    html_tag = re.search(r"<html\b[^>]*>", dom)
    assert html_tag and "data-pwned" not in html_tag.group(0), f"a script from the dump ran: {html_tag}"
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in dom
    assert not re.search(r"<img\b[^>]*onerror", dom), "an <img onerror> from the dump became an element"


@needs_browser
def test_no_script_from_dump_runs(report_page):
    b = Browser(report_page)
    try:
        b.wait_loaded()
        assert b.ws.evaluate("typeof window.__pwned") == "undefined"
        assert b.ws.evaluate("document.documentElement.hasAttribute('data-pwned')") is False
        assert b.ws.evaluate("document.querySelectorAll('img').length") == 0
        # Only the report's own script element; the text of the payload is visible.
        scripts = b.ws.evaluate("Array.from(document.scripts).map(s => s.textContent)")
        assert not any("__pwned" in s for s in scripts)
        assert "<script>window.__pwned=1</script>" in b.ws.evaluate("document.body.textContent")
        assert b.ws.evaluate("document.querySelectorAll('svg').length") >= 1
    finally:
        b.close()


# --------------------------------------------------------------------------- screenshots of real reports


def _prodgen_dump(tmp_path: Path, n: int) -> Path:
    """A real dump of bench/prodgen (a Go program: N goroutines in production-like shapes,
    runtime.Stack of all of them), made here: no stored dump has 1,000+ goroutines."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from goserver import _go_env, find_go

    found = find_go()
    if found is None:
        pytest.skip("no Go toolchain for bench/prodgen (set STACKPARSE_GO, or corpus/install_go.sh 1.27.3 /opt/go/1.27.3)")
    out = tmp_path / f"prodgen-{n}.txt"
    subprocess.run(
        [found[0], "run", ".", "-n", str(n), "-o", str(out)],
        cwd=REPO / "bench" / "prodgen",
        check=True,
        capture_output=True,
        timeout=300,
        env=_go_env(),
    )
    return out


def _report(path: Path, label: str) -> str:
    from stackparse import analyze, parse
    from stackparse.render import render_html

    dump = parse(path.read_text())
    return render_html(analyze(dump), dump=dump, name=label)


@needs_browser
@pytest.mark.parametrize("size", ["small", "large"])
def test_screenshots_of_a_small_and_a_large_report(tmp_path, size):
    """The report of a 6-goroutine corpus dump and of a 1,000+-goroutine prodgen dump, in
    chromium: the page title names the file, the graph of blocking sites is drawn at 1:1 (its
    text as legible as the page's: no strip scaled down to fit), and it pans and zooms.
    ``STACKPARSE_UPDATE_SCREENSHOT=1`` writes docs/report-small.png and docs/report-large.png."""
    if size == "small":
        src = REPO / "corpus" / "go1.27" / "bug_abba_mutex.stack.txt"
        label = "corpus/go1.27/bug_abba_mutex.stack.txt"
    else:
        src = _prodgen_dump(tmp_path, 1000)
        label = src.name
    page = tmp_path / f"report-{size}.html"
    page.write_text(_report(src, label), encoding="utf-8")
    b = Browser(page)
    try:
        b.wait_loaded()
        assert label in b.ws.evaluate("document.title")
        n = b.ws.evaluate("document.querySelectorAll('svg.pz').length")
        assert n >= 1
        # the first graph (the blocking sites) at 1:1: its viewBox is no wider than its box
        box = b.ws.evaluate(
            "(function(){var s=document.querySelector('svg.pz'),r=s.getBoundingClientRect();"
            "return [r.width,r.height,s.viewBox.baseVal.width,s.viewBox.baseVal.height];})()"
        )
        width, height, vw, vh = box
        assert height >= (100 if size == "small" else 250) and vw <= width + 1 and vh <= height + 1, box
        # wheel zooms in: the viewBox shrinks
        b.ws.evaluate(
            "(function(){var s=document.querySelector('svg.pz'),r=s.getBoundingClientRect();"
            "s.dispatchEvent(new WheelEvent('wheel',{deltaY:-100,clientX:r.left+10,clientY:r.top+10,"
            "bubbles:true,cancelable:true}));})()"
        )
        assert b.ws.evaluate("document.querySelector('svg.pz').viewBox.baseVal.width") < vw
        # the arrow labels as chromium lays them out: none overlaps another label or a box
        labels, boxes, hits = b.ws.evaluate(
            "(function(){var s=document.querySelector('svg.pz'),f=function(q){return [].slice.call("
            "s.querySelectorAll(q)).map(function(e){return e.getBBox();});},t=f('text.el'),r=f('rect'),n=0,"
            "o=function(a,c){return a.x<c.x+c.width&&c.x<a.x+a.width&&a.y<c.y+c.height&&c.y<a.y+a.height;};"
            "for(var i=0;i<t.length;i++){for(var j=i+1;j<t.length;j++)if(o(t[i],t[j]))n++;"
            "for(var k=0;k<r.length;k++)if(o(t[i],r[k]))n++;}return [t.length,r.length,n];})()"
        )
        assert labels >= (1 if size == "small" else 10) and boxes >= 2 and hits == 0, (labels, boxes, hits)
    finally:
        b.close()
    shot = tmp_path / f"report-{size}.png"
    with tempfile.TemporaryDirectory(prefix="sp-chromium-") as prof:
        r = subprocess.run(
            [*_flags(Path(prof)), "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1280,1000", page.as_uri()],
            check=False,
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert r.returncode == 0, r.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack("!II", data[16:24]) == (1280, 1000)
    if os.environ.get("STACKPARSE_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, REPO / "docs" / f"report-{size}.png")
