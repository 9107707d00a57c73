"""What corpus/servers/capture.py knows of each program, and the registry the programs fill.

``Server`` is one program (its packages, command, readiness check, load, dump signal, truth); ``Ctx``
is one run of it (temp dir, helper processes, commands run, notes). The ``programs_*`` modules register
their servers in ``SERVERS`` with ``server()``; ``in_order`` puts the registry in the order --list prints.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from httpload import Load

HERE = Path(__file__).resolve().parent
SETTLE = 4.0  # seconds of idle after readiness before the idle dumps


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


def in_order(names: Sequence[str]) -> None:
    """Reorder SERVERS to ``names`` (the programs_* modules register by kind; --list and a full capture
    keep one fixed order). ``names`` must name every registered program once."""
    if sorted(names) != sorted(SERVERS):
        raise RuntimeError(f"program order {sorted(names)} does not match the registered {sorted(SERVERS)}")
    for n in names:
        SERVERS[n] = SERVERS.pop(n)
