"""Program definitions for corpus/servers/capture.py: container engines.

dockerd, the podman API service, podman_events_leak (the same service after a real goroutine leak of
podman 4.3.1; truth "leak") and LXD. Importing the module registers them in ``server_registry.SERVERS``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from httpload import Load, get, hold_stream, ok, request
from server_registry import SERVERS, Ctx, Server, server


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
