"""The healthy-real-servers set (corpus/servers/): every dump parses, whole, and its sidecar agrees.

The dumps come from Debian-packaged Go programs (capture.py regenerates them). These tests hold the
parser to them: the goroutine count of each parse equals the count capture.py read from the raw text
when it saved the dump, and the known real leak (podman_events_leak) is visible in the parse.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stackparse

SERVERS = Path(__file__).resolve().parent.parent / "corpus" / "servers"


def _dumps() -> list[tuple[Path, dict]]:
    out = []
    for mf in sorted(SERVERS.glob("*/meta.json")):
        meta = json.loads(mf.read_text())
        for run in meta["runs"]:
            for fname, info in run["files"].items():
                out.append((mf.parent / fname, {**info, "truth": meta["truth"], "program": meta["program"]}))
    return out


DUMPS = _dumps()


def test_the_set_is_there() -> None:
    programs = {info["program"] for _, info in DUMPS if info["truth"] == "healthy"}
    assert len(programs) >= 8
    assert all(p.exists() for p, _ in DUMPS)


@pytest.mark.parametrize("path,info", DUMPS, ids=[p.name for p, _ in DUMPS])
def test_dump_parses_whole(path: Path, info: dict) -> None:
    dump = stackparse.parse_file(path)
    if path.name.endswith(".pprof1.txt"):
        assert dump.total == info["goroutines"]
        assert sum(r.count for r in dump.records) == info["goroutines"]
    else:
        assert len(dump.goroutines) == info["goroutines"]
    for gid in info.get("leaked_goroutines", []):
        g = next(g for g in dump.goroutines if g.id == gid)
        assert g.state == "chan send"
        top = next(f for f in g.frames if f.function.package != "runtime")  # SIGQUIT prints runtime frames
        assert top.function.full.endswith("compat.GetEvents.func1")
        assert (top.file.rsplit("/", 1)[-1], top.line) == ("events.go", 63)
