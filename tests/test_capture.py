"""Live capture (stackparse.capture): fetch, its error messages, watch.

Two kinds of server, both on 127.0.0.1 and stopped by the fixtures:

* a scripted Python ``http.server`` for the exact byte-level cases (gzip cut mid-stream,
  a body larger than the limit, an empty body...);
* the real thing: ``tests/pprofserver`` (a Go program serving ``net/http/pprof``) built
  with the newest Go toolchain found, for debug=1, debug=2, goroutineleak, its /login,
  /boom, /cut, /slow and /gzip endpoints, and a leak that grows between two dumps.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
from goserver import closed_port as _closed_port
from goserver import start_pprofserver

from stackparse.capture import CaptureError, fetch, is_url, watch

HERE = Path(__file__).resolve().parent
DUMP2 = b"goroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\n"
DUMP1 = b"goroutine profile: total 1\n1 @ 0x1 0x2\n#\t0x1\tmain.main+0x1\t/app/main.go:5\n\n"


# --------------------------------------------------------------------------- scripted server


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict] = {}

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        route(self)


def _send(h, body: bytes, status=200, headers=(), length: int | None = None):
    h.send_response(status)
    for k, v in headers:
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    h.end_headers()
    h.wfile.write(body)
    h.wfile.flush()
    if length is not None and length != len(body):
        h.close_connection = True


def _sleep_then(seconds, body):
    def route(h):
        time.sleep(seconds)  # bounded: the handler thread always ends
        try:
            _send(h, body)
        except OSError:
            pass

    return route


@pytest.fixture
def server():
    routes: ClassVar[dict] = {}
    handler = type("H", (_Handler,), {"routes": routes})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{srv.server_address[1]}", routes=routes)
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=10)


def test_is_url():
    assert is_url("http://127.0.0.1:6060/debug/pprof/goroutine?debug=2")
    assert is_url("HTTPS://x/y")
    assert not is_url("dump.txt")
    assert not is_url("/tmp/http://x")


def test_fetch_plain_debug2_and_debug1(server):
    server.routes["/d2"] = lambda h: _send(h, DUMP2, headers=[("Content-Type", "text/plain; charset=utf-8")])
    server.routes["/d1"] = lambda h: _send(h, DUMP1, headers=[("Content-Type", "text/plain; charset=utf-8")])
    assert fetch(server.url + "/d2?debug=2") == DUMP2
    assert fetch(server.url + "/d1?debug=1") == DUMP1


def test_fetch_dump_with_preamble(server):
    body = b"panic: boom\n\n" + DUMP2
    server.routes["/p"] = lambda h: _send(h, body)
    assert fetch(server.url + "/p") == body


def test_fetch_gzip_content_encoding(server):
    server.routes["/gz"] = lambda h: _send(h, gzip.compress(DUMP2), headers=[("Content-Encoding", "gzip")])
    assert fetch(server.url + "/gz") == DUMP2


def test_fetch_gzip_file_without_header(server):
    server.routes["/dump.txt.gz"] = lambda h: _send(h, gzip.compress(DUMP2))
    assert fetch(server.url + "/dump.txt.gz") == DUMP2


def test_gzip_cut_mid_stream(server):
    z = gzip.compress(DUMP2 * 50)
    server.routes["/gz"] = lambda h: _send(h, z[: len(z) // 2], headers=[("Content-Encoding", "gzip")])
    with pytest.raises(CaptureError, match=r"cut off.*gzip"):
        fetch(server.url + "/gz")


def test_gzip_bomb_is_stopped_at_the_limit(server):
    z = gzip.compress(b"goroutine " + b"x" * (4 << 20))
    server.routes["/gz"] = lambda h: _send(h, z, headers=[("Content-Encoding", "gzip")])
    with pytest.raises(CaptureError, match=r"larger than the 1,000,000-byte limit.*--max-bytes"):
        fetch(server.url + "/gz", max_bytes=1_000_000)


def test_html_login_page(server):
    page = b"<!DOCTYPE html>\n<html><head><title>Sign in - Corp SSO</title></head><body>...</body></html>"
    server.routes["/login"] = lambda h: _send(h, page, headers=[("Content-Type", "text/html; charset=utf-8")])
    with pytest.raises(CaptureError) as e:
        fetch(server.url + "/login")
    msg = str(e.value)
    assert msg.startswith("not a goroutine dump (got text/html")
    assert "Sign in - Corp SSO" in msg and "login" in msg
    assert "\n" not in msg


def test_text_that_is_not_a_dump(server):
    server.routes["/metrics"] = lambda h: _send(h, b"# HELP go_goroutines Number of goroutines\n")
    with pytest.raises(
        CaptureError, match=r"^not a goroutine dump \(got no Content-Type, starts with '# HELP"
    ):
        fetch(server.url + "/metrics")


def test_empty_body(server):
    server.routes["/empty"] = lambda h: _send(h, b"")
    with pytest.raises(CaptureError, match="empty body"):
        fetch(server.url + "/empty")


def test_binary_debug0_profile_says_add_debug(server):
    proto = gzip.compress(bytes(range(256)) * 4)
    server.routes["/debug/pprof/goroutine"] = lambda h: _send(
        h, proto, headers=[("Content-Type", "application/octet-stream")]
    )
    with pytest.raises(CaptureError, match=r"binary debug=0 profile\): add \?debug=2"):
        fetch(server.url + "/debug/pprof/goroutine")


def test_http_500_includes_status_reason_and_body(server):
    server.routes["/boom"] = lambda h: _send(h, b"database on fire\n", status=500)
    with pytest.raises(CaptureError) as e:
        fetch(server.url + "/boom")
    assert e.value.status == 500
    assert str(e.value).startswith(
        f"HTTP 500 Internal Server Error from {server.url}/boom (database on fire)"
    )


def test_http_404_hints_at_pprof_path(server):
    with pytest.raises(CaptureError, match=r"HTTP 404 Not Found .*net/http/pprof"):
        fetch(server.url + "/nothing")


def test_redirect_to_login_page_is_followed_then_rejected(server):
    def redirect(h):
        h.send_response(302)
        h.send_header("Location", "/login")
        h.send_header("Content-Length", "0")
        h.end_headers()

    server.routes["/debug/pprof/goroutine"] = redirect
    server.routes["/login"] = lambda h: _send(
        h, b"<html>login</html>", headers=[("Content-Type", "text/html")]
    )
    with pytest.raises(CaptureError, match=r"^not a goroutine dump \(got text/html"):
        fetch(server.url + "/debug/pprof/goroutine?debug=2")


def test_body_cut_off(server):
    server.routes["/cut"] = lambda h: _send(h, DUMP2 * 10, length=10_000)
    with pytest.raises(CaptureError) as e:
        fetch(server.url + "/cut")
    assert str(e.value).startswith(f"response cut off: got {len(DUMP2) * 10:,} of 10,000 bytes")


def test_size_limit_from_content_length(server):
    server.routes["/big"] = lambda h: _send(h, DUMP2 * 100)
    with pytest.raises(CaptureError, match=r"larger than the 100-byte limit \(the server announces"):
        fetch(server.url + "/big", max_bytes=100)


def test_size_limit_while_reading(server):
    def chunked(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(50):
            part = DUMP2 * 100
            h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        h.wfile.write(b"0\r\n\r\n")

    server.routes["/big"] = chunked
    with pytest.raises(
        CaptureError, match=r"larger than the 10,000-byte limit \(more than 10,000 bytes came"
    ):
        fetch(server.url + "/big", max_bytes=10_000)


def test_timeout(server):
    server.routes["/slow"] = _sleep_then(2.0, DUMP2)
    t0 = time.monotonic()
    with pytest.raises(CaptureError, match=r"timed out after 0.3s .*raise --timeout"):
        fetch(server.url + "/slow", timeout=0.3)
    assert time.monotonic() - t0 < 1.9




def test_connection_refused():
    port = _closed_port()
    with pytest.raises(CaptureError) as e:
        fetch(f"http://127.0.0.1:{port}/debug/pprof/goroutine?debug=2", timeout=2)
    assert str(e.value) == (
        f"connection refused by 127.0.0.1:{port}: is the service running, and is this its pprof port?"
    )


def test_not_a_url():
    with pytest.raises(CaptureError, match="not an http:// or https:// URL"):
        fetch("ftp://127.0.0.1/x")


def test_loopback_ignores_proxy_environment(server, monkeypatch):
    server.routes["/d"] = lambda h: _send(h, DUMP2)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert fetch(server.url + "/d") == DUMP2


def test_watch_with_fake_clock(server):
    n = {"i": 0}

    def route(h):
        n["i"] += 1
        _send(h, DUMP2 + b"# %d\n" % n["i"])

    server.routes["/d"] = route
    now = [100.0]
    sleeps: list[float] = []

    def sleep(s):
        sleeps.append(s)
        now[0] += s

    out = list(watch(server.url + "/d", 5.0, count=3, sleep=sleep, clock=lambda: now[0]))
    assert [b.rsplit(b"# ", 1)[1] for _, b in out] == [b"1\n", b"2\n", b"3\n"]
    assert sleeps == [5.0, 5.0]
    assert all(isinstance(t, float) for t, _ in out)


def test_watch_real_interval_and_error_stops(server):
    server.routes["/d"] = lambda h: _send(h, DUMP2)
    t0 = time.monotonic()
    got = list(watch(server.url + "/d", 0.2, count=3))
    assert len(got) == 3 and time.monotonic() - t0 >= 0.4
    it = watch(server.url + "/missing", 0.2)
    with pytest.raises(CaptureError, match="HTTP 404"):
        next(it)


def test_watch_rejects_bad_interval():
    with pytest.raises(ValueError):
        next(watch("http://127.0.0.1:1/", 0))


# --------------------------------------------------------------------------- real Go server


def _parse():
    mod = pytest.importorskip("stackparse.parsing", reason="stackparse.parsing not written yet")
    return mod.parse


def test_go_debug2(go_server):
    body = fetch(go_server.url + "/debug/pprof/goroutine?debug=2", timeout=10)
    assert body.startswith(b"goroutine ")
    assert b"main.compute(" in body and b"main.transfer(" in body and b"main.worker()" in body
    dump = _parse()(body)
    assert dump.goroutines
    fns = {f.function.full for g in dump.goroutines for f in g.frames}
    assert {"main.compute", "main.transfer", "main.worker"} <= fns


def test_go_debug1(go_server):
    body = fetch(go_server.url + "/debug/pprof/goroutine?debug=1", timeout=10)
    assert body.startswith(b"goroutine profile: total ")
    dump = _parse()(body)
    assert dump.kind == "profile" and dump.profile == "goroutine"
    assert sum(r.count for r in dump.records) == dump.total


def test_go_gzip(go_server):
    body = fetch(go_server.url + "/gzip", timeout=10)
    assert body.startswith(b"goroutine ") and b"main.compute(" in body


def test_go_goroutineleak(go_server):
    if go_server.version[:2] < (1, 26):
        pytest.skip(f"goroutineleak profile needs Go 1.26+ (built with {go_server.version})")
    time.sleep(0.3)  # a few leaks
    body = fetch(go_server.url + "/debug/pprof/goroutineleak?debug=1", timeout=10)
    assert body.startswith(b"goroutineleak profile: total ")
    dump = _parse()(body)
    assert dump.kind == "profile" and dump.profile == "goroutineleak"
    full = fetch(go_server.url + "/debug/pprof/goroutineleak?debug=2", timeout=10)
    assert b"(leaked)]:" in full
    dump2 = _parse()(full)
    assert any(g.leaked for g in dump2.goroutines)


def test_go_login_page(go_server):
    with pytest.raises(CaptureError, match=r"^not a goroutine dump \(got text/html, page 'Sign in'"):
        fetch(go_server.url + "/login", timeout=10)


def test_go_http_500(go_server):
    with pytest.raises(
        CaptureError, match=r"^HTTP 500 Internal Server Error from .*/boom \(boom: something broke\)"
    ):
        fetch(go_server.url + "/boom", timeout=10)


def test_go_cut_off(go_server):
    with pytest.raises(CaptureError, match=r"^response cut off: got [\d,]+ of 100,000 bytes"):
        fetch(go_server.url + "/cut", timeout=10)


def test_go_timeout(go_server):
    with pytest.raises(CaptureError, match=r"^timed out after 0.5s"):
        fetch(go_server.url + "/slow", timeout=0.5)


def test_go_refused_after_exit(pprofserver_bin):
    proc, port = start_pprofserver(pprofserver_bin.path)
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    with pytest.raises(CaptureError, match=r"^connection refused by 127\.0\.0\.1:\d+"):
        fetch(f"http://127.0.0.1:{port}/debug/pprof/goroutine?debug=2", timeout=5)


@pytest.mark.parametrize("debug", [2, 1])
def test_go_leak_grows_between_two_dumps(go_server, debug):
    from stackparse.diff import diff, render_diff_json, render_diff_text

    parse = _parse()
    url = f"{go_server.url}/debug/pprof/goroutine?debug={debug}"
    (t0, a), (t1, b) = list(watch(url, 2.0, count=2, timeout=10))
    pytest.importorskip("stackparse.analysis", reason="stackparse.analysis not written yet")
    d = diff(parse(a), parse(b), old_label="t0", new_label="t1", elapsed=t1 - t0)
    top = d.grown[0]
    assert top.function == "main.compute"
    assert top.delta >= 5, render_diff_text(d)  # one leak per 100 ms for 2 s
    if debug == 2:
        assert top.state == "chan send"
        assert top.still_there == top.old_count  # the old leaked goroutines are all still there
    # Nothing else grows: the deadlock pair and the workers stay as they are.
    assert all(c.function != "main.transfer" and c.function != "main.worker" for c in d.grown)
    text = render_diff_text(d)
    assert "main.compute" in text.split("grew", 1)[1]
    assert '"schema": "stackparse/diff/1"' in render_diff_json(d)


# --------------------------------------------------------------------------- goroutineleak merge

_CORPUS27 = Path(__file__).resolve().parent.parent / "corpus" / "go1.27"


def _serve_file(path: Path):  # type: ignore[no-untyped-def]
    body = path.read_bytes()

    def route(h):  # type: ignore[no-untyped-def]
        _send(h, body, headers=[("Content-Type", "text/plain; charset=utf-8")])

    return route


def test_analyze_url_merges_the_goroutineleak_marks(server) -> None:  # type: ignore[no-untyped-def]
    """A service serving a real Go 1.27 dump of bug_select_leak and, right after, the
    goroutineleak profile of the same process: the select leaks, a lead from the dump alone, are
    proven by the runtime's marks (certain); --no-leak-profile asks for the dump only."""
    from click.testing import CliRunner

    from stackparse.cli import cli

    server.routes["/debug/pprof/goroutine"] = _serve_file(_CORPUS27 / "bug_select_leak.leak.txt")
    server.routes["/debug/pprof/goroutineleak"] = _serve_file(_CORPUS27 / "bug_select_leak.leakprof.txt")
    url = server.url + "/debug/pprof/goroutine?debug=2"
    r = CliRunner().invoke(cli, ["analyze", "--format", "json", url])
    doc = json.loads(r.stdout)
    marked = [f for f in doc["findings"] if f["rule"] == "leaked-mark"]
    assert marked and all(f["confidence"] == "certain" for f in marked)
    r2 = CliRunner().invoke(cli, ["analyze", "--format", "json", "--no-leak-profile", url])
    assert not [f for f in json.loads(r2.stdout)["findings"] if f["rule"] == "leaked-mark"]


def test_analyze_url_without_leak_profile_costs_one_404(server) -> None:  # type: ignore[no-untyped-def]
    """An older service (no goroutineleak profile): one 404, a note, and the dump's analysis."""
    from click.testing import CliRunner

    from stackparse.cli import cli

    asked: list[str] = []
    dump = _serve_file(_CORPUS27 / "bug_select_leak.stack.txt")

    def goroutine(h):  # type: ignore[no-untyped-def]
        asked.append(h.path)
        dump(h)

    server.routes["/debug/pprof/goroutine"] = goroutine
    r = CliRunner().invoke(cli, ["analyze", "--format", "json", server.url + "/debug/pprof/goroutine?debug=2"])
    assert r.exit_code in (0, 1), r.output
    assert "serves no goroutineleak profile" in r.stderr
    assert json.loads(r.stdout)["findings"]
    assert asked == ["/debug/pprof/goroutine?debug=2"]


def test_go_growth_across_snapshots_is_evidence(go_server):  # type: ignore[no-untyped-def]
    """Two dumps of the real pprofserver a second apart: its compute goroutines (a send after the
    handler gave up) keep piling up at one site with the first ones still there. The finding of
    the later dump says so, citing both counts; a dump of another process adds nothing."""
    import stackparse

    url = go_server.url + "/debug/pprof/goroutine?debug=2"
    time.sleep(0.5)
    first = _parse()(fetch(url, timeout=10))
    time.sleep(1.0)
    second = _parse()(fetch(url, timeout=10))
    a = stackparse.analyze(second, [first])
    [f] = [f for f in a.findings if "main.compute" in f.title]
    note = next(n for n in f.notes if n.startswith("evidence: growth across 2 snapshots of one process"))
    before = sum(1 for g in first.goroutines if any(fr.function.full == "main.compute" for fr in g.frames))
    assert f"{before} -> {f.count} goroutines" in note and before < f.count
    other = stackparse.parse_file(str(_CORPUS27 / "bug_leak_unbuffered.stack.txt"))
    assert stackparse.analyze(second, [other]).findings == stackparse.analyze(second).findings
