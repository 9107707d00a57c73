"""The capture flow of corpus/servers/capture.py, run inside the private namespaces.

``one_run`` is one run of a program (temp dir, helpers, start, readiness, load, pprof dumps, the dump
signal, clean-up); ``capture_inside`` does a program's runs and writes ``NAME/*.txt`` and
``NAME/meta.json``; ``ensure_packages`` is the package check the outer process does first.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from httpload import LoadRun, request
from server_registry import HERE, SERVERS, Ctx, Server, copy_config

GO = os.environ.get("STACKPARSE_GO", "/opt/go/1.27.3/go/bin/go")


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
