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

# The script is split by what each part holds, in sibling modules imported by name:
#   httpload.py              HTTP helpers (loopback TCP or unix socket) and the bounded load
#   server_registry.py       Server, Ctx, the SERVERS registry, copy_config
#   capture_run.py           one run of a program and capture_inside (inside the namespaces)
#   programs_monitoring.py   prometheus, alertmanager, blackbox, mtail, influxdb, redis/postgres exporters
#   programs_services.py     etcd, nats, caddy, hugo, gobgp, yggdrasil, syncthing
#   programs_containers.py   dockerd, podman, podman_events_leak, lxd

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# run as a script, HERE is sys.path[0] already; imported from elsewhere (a test, python -c), add it
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import programs_containers  # noqa: E402, F401 - importing a programs_* module registers its programs
import programs_monitoring  # noqa: E402, F401
import programs_services  # noqa: E402, F401
from capture_run import capture_inside, ensure_packages  # noqa: E402
from server_registry import SERVERS, in_order  # noqa: E402

#: --list prints the programs, and a full capture runs them, in this order (each programs_* module registers
#: its own kind of program)
in_order(["prometheus", "etcd", "nats", "caddy", "alertmanager", "blackbox", "mtail", "influxdb", "hugo", "gobgp",
          "redis_exporter", "postgres_exporter", "yggdrasil", "dockerd", "podman", "podman_events_leak", "lxd",
          "syncthing"])


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
