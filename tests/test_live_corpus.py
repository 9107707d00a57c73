"""Dumps written moments ago by a real Go runtime (CI regenerates the corpus programs marked
"ci": true into $STACKPARSE_LIVE_CORPUS with `corpus/generate.py --ci`) parse like the stored
corpus: every goroutine header accounted for, no diagnostics but a real truncation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpusutil import header_count

from stackparse import parse_all

LIVE = os.environ.get("STACKPARSE_LIVE_CORPUS")
FILES = sorted(Path(LIVE).rglob("*.txt")) if LIVE else []


def test_live_corpus_present_in_ci() -> None:
    if os.environ.get("CI") and not LIVE:
        pytest.fail("CI must regenerate a live corpus (.ci/run sets STACKPARSE_LIVE_CORPUS)")
    if not LIVE:
        pytest.skip("no live corpus: run `python corpus/generate.py --ci --out DIR` and set STACKPARSE_LIVE_CORPUS")
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_live_dump_parses(path: Path) -> None:
    data = path.read_bytes()
    if not data.strip():
        pytest.skip("empty capture")
    dumps = parse_all(data)
    read = sum(len(d.all_goroutines) for d in dumps)
    unreadable = sum(1 for d in dumps for x in d.diagnostics if "unreadable goroutine header" in x.message)
    assert read + unreadable == header_count(data)
    problems = [str(x) for d in dumps for x in d.diagnostics if x.severity != "info"]
    if ".stack4k." in path.name:
        assert all("truncat" in p or "cut off" in p for p in problems)
    else:
        assert problems == []
        assert read > 0 or any(d.records for d in dumps) or any(d.preamble.panics for d in dumps)
