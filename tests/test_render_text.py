"""The text report (render_text, render_text_summary, render_dump_text) on hand-built analyses
(AB-BA deadlock, many weak leads, many notes) and on corpus dumps (lock contention, notes alike).
The builders are in renderutil.py; the other formats are tested in test_render_formats.py.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
import pytest
from renderutil import (
    CORPUS,
    GOROOT,
    MAIN,
    Analysis,
    Finding,
    abba_analysis,
    abba_dump,
    empty_analysis,
    fr,
    g,
    load_schema,
    validate,
)

from stackparse.buckets import bucketize
from stackparse.model import Dump
from stackparse.render import (
    render_dump_text,
    render_html,
    render_json,
    render_markdown,
    render_text,
    render_text_summary,
)

# --------------------------------------------------------------------------- text


def test_text_report_draws_the_cycle_with_evidence_and_fits_80_columns() -> None:
    out = render_text(abba_analysis())
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert "DEADLOCK (high): AB-BA lock-order deadlock" in out
    # the chain: g6 -> mutex B -> g7 -> mutex A -> back to g6, in that order
    i6 = out.index("goroutine 6 [sync.Mutex.Lock, 2 min]")
    ib = out.index("waits for mutex 0xc000010010")
    i7 = out.index("held by goroutine 7 (high)")
    ia = out.index("waits for mutex 0xc000010000")
    assert i6 < ib < i7 < ia
    assert "held by goroutine 6 (high)  <- cycle" in out
    assert "because goroutine 7 passed 0xc000010010 to main.lockOrderWorkerB" in out
    assert "main.lockOrderWorkerA  svc/main.go:29" in out
    assert "blocked behind it: 3 goroutines (8, 9, 10)" in out
    assert "3 x [sync.Mutex.Lock] in main.waitsBehindDeadlock" in out
    # findings come before the buckets, and the buckets are largest first
    assert out.index("DEADLOCK") < out.index("Goroutines: 6 in 4 buckets")
    tail = out[out.index("Goroutines:") :]
    assert tail.index("goroutines 8, 9, 10") < tail.index("goroutine 6")
    assert "\x1b[" not in out


def test_text_color_only_when_asked() -> None:
    assert "\x1b[" in render_text(abba_analysis(), color=True)
    assert "\x1b[" not in render_text(abba_analysis(), color=False)


def test_text_no_findings_and_bucket_cut() -> None:
    frames = [(fr(f"main.handler{i}", MAIN, i),) for i in range(60)]
    gs = tuple(g(i + 1, "chan receive", frames[i % 60]) for i in range(600))
    dump = Dump(kind="stack", goroutines=gs)
    a = Analysis(dump=dump, blocking={}, graph=nx.DiGraph(), findings=[], buckets=bucketize(dump), notes=[])
    out = render_text(a)
    assert out.splitlines()[0] == "Goroutine dump, 600 goroutines: no deadlock or leak found"
    assert "... 20 more buckets (200 goroutines): --all shows them" in out
    full = render_text(a, all=True)
    assert "more buckets" not in full
    assert all(f"main.handler{i} " in full for i in range(60))


def test_text_summary_of_several_dumps() -> None:
    out = render_text_summary([("a.txt", abba_analysis()), ("b.txt", empty_analysis())])
    lines = out.splitlines()
    assert lines[0].split() == ["source", "goroutines", "findings", "worst"]
    assert lines[1].split() == ["a.txt", "6", "1", "deadlock", "high"]
    assert lines[2].split() == ["b.txt", "1", "-", "-"]


def test_dump_text_lists_every_goroutine() -> None:
    out = render_dump_text(abba_dump("boom"))
    assert "panic: boom" in out
    for gid in (1, 6, 7, 8, 9, 10):
        assert f"goroutine {gid} [" in out
    assert "sync.(*Mutex).lockSlow(0xc000010010)  sync/mutex.go:171" in out


# --------------------------------------------------------------------------- summed-up weak findings, long note lists


def _many_low_analysis(n_low: int, n_notes: int = 0) -> Any:
    site = (fr("sync.runtime_SemacquireMutex", GOROOT + "/runtime/sema.go", 77), fr("main.reader", MAIN, 42))
    gs = [g(1, "running", (fr("main.main", MAIN, 10),))]
    gs += [g(100 + i, "semacquire", site) for i in range(n_low)]
    gs.append(g(99, "chan receive (nil chan)", (fr("main.block", MAIN, 7),)))
    dump = Dump(kind="stack", goroutines=tuple(gs))
    findings = [Finding("leak", "certain", "1 goroutine blocked forever", (99,), (), (), ())]
    findings += [
        Finding("leak", "low", f"1 goroutine wait for sema?g{100 + i}: no holder in sight", (100 + i,), (), (), ())
        for i in range(n_low)
    ]
    # each note its own text (notes that differ only in numbers are folded: see the test below)
    notes = [f"note {'abcdefghijklmnopqrstuvwxyz'[i % 26] * (1 + i // 26)} number {i}" for i in range(n_notes)]
    return Analysis(dump=dump, blocking={}, graph=nx.DiGraph(), findings=findings, buckets=bucketize(dump), notes=notes)


def test_text_sums_up_many_low_findings_by_site() -> None:
    a = _many_low_analysis(25)
    out = render_text(a)
    assert "1. LEAK (certain): 1 goroutine blocked forever" in out
    assert "LEAK (low): 1 goroutine waits for" not in out  # not drawn one by one...
    assert "Weak leads (low confidence): 25 findings at 1 site" in out  # ...but summed up
    assert "2. LEAK (low): 25 leads, 25 goroutines [semacquire] in main.reader" in out
    assert "goroutines 100, 101, 102" in out and "      svc/main.go:42" in out
    assert "e.g. 1 goroutine waits for a semaphore (address not in the dump)" in out
    assert "sema?g" not in out  # no graph key in the reader's text
    assert out.index("1. LEAK (certain)") < out.index("Weak leads")
    assert all(len(line) <= 80 for line in out.splitlines())
    # numbers run on without a gap: the weak leads after the findings
    assert "3. " not in out
    full = render_text(a, all=True)  # --all lists every goroutine of the site
    assert "124" in full and "... (" not in full.split("Weak leads")[1].split("\n\n")[0]


def test_text_cuts_long_note_lists() -> None:
    out = render_text(_many_low_analysis(1, n_notes=25))
    assert "note: note t number 19" in out and "number 20" not in out
    assert "... 5 more notes (--all shows them)" in out
    assert "note: note y number 24" in render_text(_many_low_analysis(1, n_notes=25), all=True)


# --------------------------------------------------------------------------- lock contention, notes alike (corpus)


def test_text_report_sums_up_lock_contention_no_finding_explains() -> None:
    from stackparse.analysis import analyze
    from stackparse.parsing import parse_file

    a = analyze(parse_file(CORPUS / "go1.27" / "healthy_tenant_contention.stack.txt"))
    text = render_text(a)
    lines = text.splitlines()
    i = lines.index("Lock contention: 24 goroutines wait on 8 locks")
    assert lines[i + 1].strip() == "24 goroutines wait on 8 mutexes in main.(*tenant).get"
    assert lines[i + 2].strip().startswith("healthy_tenant_contention/main.go:")
    assert lines[i + 3].strip() == "each held by a goroutine in main.(*tenant).flush [chan receive] (medium)"
    holder = a.contention[0].holders[0]
    addr = a.contention[0].locks[0].partition("@")[2]
    assert lines[i + 5].strip() == f"e.g. mutex {addr} is held by goroutine {holder}"
    hidden = render_text(analyze(parse_file(CORPUS / "go1.27" / "healthy_tenant_hidden_holder.stack.txt")))
    assert "holder not inferred: no goroutine in sight holds them" in hidden
    # one waiter: every renderer says it the same way
    one = analyze(parse_file(CORPUS / "go1.27" / "healthy_lock_order.stack.txt"))
    assert "Lock contention: 1 goroutine waits on 1 lock" in render_text(one).splitlines()
    assert "**Lock contention**: 1 goroutine waits on 1 lock" in render_markdown(one)
    assert "<h2>Lock contention (1 goroutine waits on 1 lock)</h2>" in render_html(one)
    # a deadlock explains its waiters: no contention section
    abba = render_text(analyze(parse_file(CORPUS / "go1.27" / "bug_abba_mutex.stack.txt")))
    assert "DEADLOCK" in abba and "Lock contention" not in abba
    # markdown and HTML say the same
    md = render_markdown(a)
    assert "**Lock contention**: 24 goroutines wait on 8 locks" in md
    assert "- 24 goroutines wait on 8 mutexes in main.(\\*tenant).get (`healthy_tenant_contention/main.go:" in md
    page = render_html(a)
    assert "<h2>Lock contention (24 goroutines wait on 8 locks)</h2>" in page
    assert "each held by a goroutine in main.(*tenant).flush [chan receive] (medium)" in page
    # the JSON document carries it, valid against the schema
    doc = json.loads(render_json(a))
    assert doc["contention"][0]["waiters"] == 24 and doc["contention"][0]["held_at"]["function"] == "main.(*tenant).flush"
    schema = load_schema("analysis-1.json")
    validate(doc, schema)
    doc["contention"][0]["kind"] = "chan"
    with pytest.raises(AssertionError, match="contention"):
        validate(doc, schema)


def test_text_notes_alike_are_folded() -> None:
    from stackparse.analysis import analyze
    from stackparse.parsing import parse_file

    a = analyze(parse_file(CORPUS / "go1.27" / "healthy_tenant_contention.stack.txt"))
    alike = [n for n in a.notes if n.endswith("possible releasers, kept 16")]
    assert len(alike) >= 3
    text = render_text(a)
    assert text.count("possible releasers, kept 16") == 1
    assert f"      (and {len(alike) - 1} more like it)" in text.splitlines()
    full = render_text(a, all=True)
    assert full.count("possible releasers, kept 16") == len(alike) and "more like it" not in full
    # the HTML page keeps every note, the alike ones folded under the first
    page = render_html(a)
    assert page.count("possible releasers, kept 16</p>") == len(alike)
    assert f"<summary>{len(alike) - 1} more like it</summary>" in page
