"""Every real dump in corpus/ parses, accounts for every goroutine header, and matches its golden.

Regenerate the golden files after a deliberate change (and read the diff):

    STACKPARSE_UPDATE_GOLDENS=1 python -m pytest tests/test_parse_corpus.py
"""

from __future__ import annotations

import json

import pytest
from corpusutil import UPDATE, corpus_dumps, dump_golden, dump_id, golden_path, header_count, meta_of

from stackparse import parse_all

DUMPS = corpus_dumps()


def test_corpus_is_large_and_varied() -> None:
    versions = {p.parent.name for p in DUMPS}
    assert len(DUMPS) >= 150
    assert len(versions) >= 6
    modes = {p.name.split(".")[-2] for p in DUMPS}
    assert {"stack", "sigquit", "pprof1", "pprof2", "natural"} <= modes


@pytest.mark.parametrize("path", DUMPS, ids=dump_id)
def test_corpus_dump(path) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    if not data.strip():
        pytest.skip("capture produced no output (see its .meta.json)")
    dumps = parse_all(data)
    got = {"dumps": [dump_golden(d) for d in dumps]}

    # every "goroutine N [" header is accounted for: read as a goroutine, reported, or quoted in
    # a panic's value (fmt_panic_quoted_header: "panic: goroutine 7 [running]:")
    goroutines = sum(len(d.all_goroutines) for d in dumps)
    unreadable = sum(1 for d in dumps for x in d.diagnostics if "unreadable goroutine header" in x.message)
    quoted = sum(header_count(p.value.encode()) for d in dumps if d.preamble for p in d.preamble.panics)
    assert goroutines + unreadable + quoted == header_count(data)

    problems = [x for d in dumps for x in d.diagnostics if x.severity != "info"]
    mode = meta_of(path).get("mode", path.name.split(".")[-2])
    if mode == "stack4k":
        # a real 4096-byte runtime.Stack buffer: the runtime cuts the text with no marker
        assert dumps[-1].truncated
        assert all("truncated" in x.message for x in problems)
    else:
        assert problems == [], [str(x) for x in problems]

    gp = golden_path(path)
    if UPDATE or not gp.exists():
        if not UPDATE:
            pytest.fail(f"no golden file {gp.name}: run with STACKPARSE_UPDATE_GOLDENS=1")
        gp.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        return
    want = json.loads(gp.read_text())
    assert json.loads(json.dumps(got)) == want
