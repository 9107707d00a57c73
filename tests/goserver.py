"""The real Go program of the live tests: find a toolchain, build tests/pprofserver, start it.

``tests/pprofserver`` serves ``net/http/pprof`` on 127.0.0.1 only (a leak that grows, an AB-BA
deadlock, idle workers, and the failure endpoints /login, /boom, /cut, /slow, /gzip) and exits by
itself after ``-lifetime``. The toolchain is ``STACKPARSE_GO``, else the newest of
``/opt/go/*/go/bin/go``, ``go`` on PATH and ``/usr/lib/go-*/bin/go``; without one the fixtures skip
with that hint (CI installs Go 1.27.3 with ``corpus/install_go.sh``).
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import socket
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).resolve().parent


def _version_of(go: str) -> tuple[int, ...] | None:
    try:
        r = subprocess.run(
            [go, "env", "GOVERSION"], check=False, capture_output=True, text=True, timeout=60, env=_go_env()
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.match(r"go(\d+)\.(\d+)(?:\.(\d+))?", r.stdout.strip())
    return tuple(int(x or 0) for x in m.groups()) if m else None


def _go_env(**extra) -> dict[str, str]:
    env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", CGO_ENABLED="0")
    if "HOME" not in env and "GOCACHE" not in env:
        env["GOCACHE"] = "/tmp/stackparse-gocache"
    env.update(extra)
    return env


def find_go() -> tuple[str, tuple[int, ...]] | None:
    """STACKPARSE_GO, else the newest of /opt/go/*/go/bin/go, `go` on PATH, /usr/lib/go-*/bin/go."""
    env = os.environ.get("STACKPARSE_GO")
    candidates = [env] if env else []
    if not env:
        candidates += [str(p) for p in Path("/opt/go").glob("*/go/bin/go")]
        if shutil.which("go"):
            candidates.append(shutil.which("go"))
        candidates += [str(p) for p in Path("/usr/lib").glob("go-*/bin/go")]
    best = None
    for c in candidates:
        v = _version_of(c) if c and os.access(c, os.X_OK) else None
        if v and (best is None or v > best[1]):
            best = (c, v)
    return best


@pytest.fixture(scope="session")
def pprofserver_bin(tmp_path_factory):
    found = find_go()
    if found is None:
        pytest.skip("no Go toolchain (set STACKPARSE_GO, or corpus/install_go.sh 1.27.3 /opt/go/1.27.3)")
    go, version = found
    extra = {}
    if version[:2] == (1, 26):
        extra["GOEXPERIMENT"] = "goroutineleakprofile"
    out = tmp_path_factory.mktemp("pprofserver") / "pprofserver"
    r = subprocess.run(
        [go, "build", "-o", str(out), "."],
        cwd=HERE / "pprofserver",
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=_go_env(**extra),
    )
    assert r.returncode == 0, f"go build failed:\n{r.stderr}"
    return SimpleNamespace(path=out, version=version, go=go)


def start_pprofserver(binary: Path, *args: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [str(binary), "-lifetime", "300s", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout=30):
            proc.kill()
            raise AssertionError("pprofserver printed no port within 30s")
        line = proc.stdout.readline().decode().strip()
    finally:
        sel.close()
    if not line.isdigit():
        proc.kill()
        raise AssertionError(f"pprofserver said {line!r}: {proc.stderr.read().decode()}")
    return proc, int(line)


@pytest.fixture
def go_server(pprofserver_bin):
    proc, port = start_pprofserver(pprofserver_bin.path)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", version=pprofserver_bin.version, proc=proc)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
