"""Program definitions for corpus/servers/capture.py: network services.

etcd (one member of a 3-member cluster), NATS, Caddy, Hugo, GoBGP and Yggdrasil (each with a second
daemon or node as its peer) and Syncthing. Importing the module registers them in
``server_registry.SERVERS``.
"""

from __future__ import annotations

import base64
import json
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from httpload import Load, get, hold_stream, ok, request, tcp_open
from server_registry import Ctx, Server, server


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


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
