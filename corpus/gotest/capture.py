#!/usr/bin/env python3
"""Regenerate the captured `go test` outputs of the Go test modules in corpus/gotest/ (stdlib only).

Usage
-----
    python corpus/gotest/capture.py                       # Go 1.27.3 and 1.21.13 when installed
    python corpus/gotest/capture.py --go /opt/go/1.27.3/go/bin/go --module hang
    python corpus/gotest/capture.py --out /tmp/live       # somewhere else than corpus/gotest/

The modules (each a directory with go.mod; goleak comes from Debian's golang-uber-goleak-dev
through the `replace` directive in go.mod, no network):

    hang/    example.com/hang    tests that hang: mutex AB-BA (transfer), a channel nobody sends on (pipeline)
    leaky/   example.com/leaky   tests that leak goroutines, checked by goleak.VerifyNone (fanout) and
                                 goleak.VerifyTestMain (pool)
    clean/   example.com/clean   the same shapes without the bugs: pass under goleak
    mixed/   example.com/mixed   one of each in one module: leak (cache), hang (queue), clean (textutil)

Each module is copied to WORK/<go version>/<module>/ (WORK: $STACKPARSE_GOTEST_WORKDIR or
/tmp/spgotest) and tested there with GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod, so the
paths in the outputs are those of a build machine, not of this checkout. Captured, for each Go
version (OUT/go<MAJOR.MINOR>/):

    MODULE.gotest.txt              go test -count=1 -timeout 5s ./...            (stdout+stderr as go prints them)
    MODULE.gotest-json.txt         go test -count=1 -timeout 5s -json ./...      (test2json events)
    MODULE.gotest-trimpath.txt     go test -count=1 -timeout 5s -trimpath ./...
    MODULE-PKG.gotest.txt          go test -count=1 -timeout 5s ./PKG            (one package)
    *.meta.json                    sidecar: module, command, go_version, exit_status, workdir, env

Variants MADE BY CODE from the captured plain outputs (named as such; never real CI logs):

    MODULE.gotest.gha-variant.txt     each line behind a GitHub Actions timestamp
                                      (``2024-05-01T10:00:00.1234567Z ``), inside the
                                      ``##[group]Run go test ./...`` block a job log shows
    MODULE.gotest.gitlab-variant.txt  each line behind a GitLab runner FF_TIMESTAMPS prefix
                                      (``2024-05-01T10:00:00.123456Z 01O ``) after the
                                      ``section_start`` marker of the script step

The timestamps are synthetic (a fixed start, 1.3 ms per line). Exit status: 0 when every
capture ran (a failing `go test` is expected: that is what is captured), 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULES = ("hang", "leaky", "clean", "mixed")
WORK = Path(os.environ.get("STACKPARSE_GOTEST_WORKDIR", "/tmp/spgotest"))
DEFAULT_GOS = ("/opt/go/1.27.3/go/bin/go", "/opt/go/1.21.13/go/bin/go")
TIMEOUT = "5s"
#: Kill a `go test` that outlives its own -timeout by this much (seconds).
HARD_LIMIT = 240
GO_ENV = {"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
VARIANT_START = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=dt.timezone.utc)
VARIANT_START_NS = 123_456_700  # 10:00:00.1234567
VARIANT_STEP_NS = 1_300_000


def go_version(go: str) -> str:
    out = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=True,
                         env={**os.environ, **GO_ENV})
    return out.stdout.strip()  # "go1.27.3"


def packages(module_dir: Path) -> list[str]:
    """The module's packages that have tests (directories right under it)."""
    return sorted(d.name for d in module_dir.iterdir() if d.is_dir() and any(d.glob("*_test.go")))


def run(go: str, args: list[str], cwd: Path) -> tuple[bytes, int]:
    env = {**os.environ, **GO_ENV}
    try:
        p = subprocess.run([go, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=HARD_LIMIT, check=False)
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b""), -1
    return p.stdout, p.returncode


def write(out_dir: Path, name: str, data: bytes, meta: dict[str, object]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.txt").write_bytes(data)
    (out_dir / f"{name}.meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def stamp(i: int, digits: int) -> str:
    """The synthetic timestamp of line ``i``, with ``digits`` fractional digits (GitHub 7, GitLab 6)."""
    ns = VARIANT_START_NS + i * VARIANT_STEP_NS
    t = VARIANT_START + dt.timedelta(seconds=ns // 10**9)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ns % 10**9:09d}"[:digits] + "Z"


def gha_variant(text: str, command: str) -> str:
    """The captured output as a GitHub Actions job log shows it (timestamps, group, error)."""
    body = text.splitlines()
    lines = [f"##[group]Run {command}", command, "shell: /usr/bin/bash -e {0}", "##[endgroup]",
             *body, "##[error]Process completed with exit code 1."]
    return "".join(f"{stamp(i, 7)} {line}\n" for i, line in enumerate(lines))


def gitlab_variant(text: str, command: str) -> str:
    """The captured output as a GitLab runner raw job log with FF_TIMESTAMPS shows it."""
    start = int(VARIANT_START.timestamp())
    lines = [f"\x1b[0Ksection_start:{start}:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage"
             " of the job script\x1b[0;m\x1b[0;m",
             f"\x1b[32;1m$ {command}\x1b[0;m", *text.splitlines(),
             f"\x1b[0Ksection_end:{start + 6}:step_script\r\x1b[0K",
             "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m"]
    return "".join(f"{stamp(i, 6)} 01O {line}\n" for i, line in enumerate(lines))


def capture_module(go: str, version: str, module: str, out_root: Path, trimpath: bool) -> list[str]:
    src = HERE / module
    work = WORK / version / module
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(src, work)
    minor = ".".join(version.removeprefix("go").split(".")[:2])
    out_dir = out_root / f"go{minor}"
    failures: list[str] = []
    base = ["test", "-count=1", f"-timeout={TIMEOUT}"]
    runs = [(f"{module}.gotest", [*base, "./..."]), (f"{module}.gotest-json", [*base, "-json", "./..."])]
    if trimpath:
        runs.append((f"{module}.gotest-trimpath", [*base, "-trimpath", "./..."]))
    for pkg in packages(work):
        runs.append((f"{module}-{pkg}.gotest", [*base, f"./{pkg}"]))
    for name, args in runs:
        data, rc = run(go, args, work)
        command = "go " + " ".join(args)
        print(f"{version} {module}: {command} -> exit {rc}, {len(data)} bytes", file=sys.stderr)
        if rc == -1 or not data:
            failures.append(f"{version} {name}")
        meta = {"module": f"example.com/{module}", "command": command, "go_version": version,
                "exit_status": rc, "workdir": str(work), "env": GO_ENV, "stream": "both"}
        write(out_dir, name, data, meta)
        if name == f"{module}.gotest":
            text = data.decode("utf-8")
            for kind, fn in (("gha", gha_variant), ("gitlab", gitlab_variant)):
                vmeta = {**meta, "variant_of": f"{name}.txt", "made_by": f"capture.py {fn.__name__}"}
                write(out_dir, f"{name}.{kind}-variant", fn(text, "go test ./...").encode(), vmeta)
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--go", action="append", help="a go binary (repeatable); default: Go 1.27.3 and 1.21.13")
    ap.add_argument("--module", action="append", choices=MODULES, help="only these modules (repeatable)")
    ap.add_argument("--out", type=Path, default=HERE, help="output root (default: corpus/gotest)")
    args = ap.parse_args(argv)
    gos = args.go or [g for g in DEFAULT_GOS if Path(g).exists()]
    if not gos:
        print("no go toolchain found (--go PATH)", file=sys.stderr)
        return 1
    failures: list[str] = []
    for i, go in enumerate(gos):
        version = go_version(go)
        for module in args.module or MODULES:
            failures += capture_module(go, version, module, args.out, trimpath=i == 0)
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
