"""Program definitions for corpus/servers/capture.py: monitoring and exporters.

Prometheus, Alertmanager (posting to a webhook sink run here), the blackbox exporter, mtail, InfluxDB,
and the redis and PostgreSQL exporters (each against a real redis-server / PostgreSQL started as a
helper). Importing the module registers them in ``server_registry.SERVERS``.
"""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from httpload import Load, get, ok, request, tcp_open
from server_registry import Ctx, Server, server


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
