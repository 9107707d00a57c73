"""Regenerate the real `go test` outputs of tests/data/gotest/stuck (a module of three packages:
a goleak.VerifyNone leak, a goleak.VerifyTestMain leak and a test that hangs until -timeout).

    apt-get install -y golang-uber-goleak-dev    # goleak's source, through go.mod's replace
    python tests/data/gotest/capture.py [--go /opt/go/1.27.3/go/bin/go]

The module is copied to /tmp/spstuck/<go version>/stuck and tested there (GOTOOLCHAIN=local,
GOPROXY=off, no network); each output is written as go printed it, beside a .meta.json with the
command, the Go version and the exit status. Nothing here edits what go printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = {"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
RUNS = {
    "stuck.gotest.txt": ["test", "-count=1", "-timeout=3s", "./..."],
    "stuck.gotest-json.txt": ["test", "-json", "-count=1", "-timeout=3s", "./..."],
    "stuck.gotest-v.txt": ["test", "-v", "-count=1", "-timeout=3s", "./..."],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--go", default="/opt/go/1.27.3/go/bin/go")
    args = ap.parse_args()
    env = {**os.environ, **ENV}
    version = subprocess.run([args.go, "env", "GOVERSION"], capture_output=True, text=True, check=True,
                             env=env).stdout.strip()
    work = Path("/tmp/spstuck") / version / "stuck"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(HERE / "stuck", work)
    out_dir = HERE / ("go" + ".".join(version.removeprefix("go").split(".")[:2]))
    out_dir.mkdir(exist_ok=True)
    for name, cmd in RUNS.items():
        p = subprocess.run([args.go, *cmd], cwd=work, env=env, capture_output=True, timeout=600)
        (out_dir / name).write_bytes(p.stdout + p.stderr)
        meta = {"command": ["go", *cmd], "go": version, "exit_status": p.returncode, "cwd": str(work),
                "env": ENV, "stdout_then_stderr": True}
        (out_dir / name.replace(".txt", ".meta.json")).write_text(json.dumps(meta, indent=2) + "\n")
        print(name, p.returncode, len(p.stdout + p.stderr))


if __name__ == "__main__":
    main()
