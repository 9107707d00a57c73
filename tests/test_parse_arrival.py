"""Every dump as it arrives, read whole: go test and goleak output (real, tests/data/gotest),
and real corpus dumps in the shapes logs give them (variants made by code, tests/variants.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import variants as V  # noqa: N812
from corpusutil import CORPUS, goroutine_signature

from stackparse import parse_all, parse_file_all
from stackparse.model import Dump

GOTEST = Path(__file__).parent / "data" / "gotest" / "go1.27"


def _gs(dumps: list[Dump]) -> list[tuple]:
    return [goroutine_signature(g) for d in dumps for g in d.all_goroutines]


# ------------------------------------------------------------------------------ go test, goleak

@pytest.mark.parametrize("name", ["stuck.gotest.txt", "stuck.gotest-v.txt", "stuck.gotest-json.txt"])
def test_go_test_log_of_three_packages(name: str) -> None:
    """One log of `go test ./...` over three packages: a timeout, a VerifyTestMain leak and a
    VerifyNone leak give three dumps, each naming its package, the test and goleak's ids."""
    dumps = parse_all((GOTEST / name).read_bytes())
    by_pkg = {d.test_report.package: d for d in dumps if d.test_report is not None}
    assert len(dumps) == 3 and set(by_pkg) == {"example.com/stuck/hang", "example.com/stuck/leakmain",
                                              "example.com/stuck/leakone"}
    hang = by_pkg["example.com/stuck/hang"].test_report
    assert hang is not None and (hang.tool, hang.tests, hang.timeout) == ("go test", ("TestProcessEmptyBatch",), "3s")
    for pkg, tests, funcs in [("example.com/stuck/leakmain", (), {"example.com/stuck/leakmain.(*Counter).Add"}),
                              ("example.com/stuck/leakone", ("TestWatch",), {"example.com/stuck/leakone.Watch.func1"})]:
        d = by_pkg[pkg]
        r = d.test_report
        assert r is not None and r.tool == "goleak" and r.tests == tests
        # the dump's goroutines are exactly the ones goleak listed
        assert sorted(r.goroutine_ids) == sorted(g.id for g in d.goroutines) and len(d.goroutines) == 2
        assert {f.function.full for g in d.goroutines for f in g.frames if "stuck" in f.function.full} == funcs
        assert d.to_dict()["test_report"]["tool"] == "goleak"


@pytest.mark.parametrize("style", ["kubectl", "containerd", "compose"])
def test_goleak_behind_ci_timestamps_is_one_dump(style: str) -> None:
    """Variant: the real log behind a CI-style prefix on every line."""
    text = (GOTEST / "stuck.gotest.txt").read_text()
    plain = parse_all(text)
    dumps = parse_all(V.prefixed(text, style))
    assert [(d.test_report, len(d.goroutines)) for d in dumps] == [(d.test_report, len(d.goroutines)) for d in plain]
    assert _gs(dumps) == _gs(plain)


def test_json_events_of_packages_run_in_parallel_are_put_back_per_package() -> None:
    """go test -json interleaves the events of packages that run at once: each package's output
    is read on its own, so no dump mixes two packages."""
    text = (GOTEST / "stuck.gotest-json.txt").read_text()
    lines = [ln for ln in text.splitlines() if '"Output"' in ln]
    pkgs = [ln.split('"Package":"')[1].split('"')[0] for ln in lines]
    runs = [p for k, p in enumerate(pkgs) if k == 0 or pkgs[k - 1] != p]
    assert len(runs) > len(set(runs))  # (a package's events resume after another's: interleaved)
    for d in parse_all(text):
        assert d.test_report is not None
        pkg = d.test_report.package
        assert pkg is not None
        assert all(pkg.rsplit("/", 1)[1] in f.file or "/go/src/" in f.file or f.file.startswith("_testmain")
                   for g in d.goroutines for f in g.frames)


def test_parse_file_reads_go_test_json(tmp_path: Path) -> None:
    f = tmp_path / "ci.log"
    f.write_bytes((GOTEST / "stuck.gotest-json.txt").read_bytes())
    assert [d.test_report for d in parse_file_all(f)] == [d.test_report for d in parse_all(f.read_bytes())]


# ------------------------------------------------------------------------------ logs around dumps

INTERLEAVE = [CORPUS / "go1.19" / "bug_abba_mutex.sigquit.txt", CORPUS / "go1.19" / "bug_global_deadlock.natural.txt",
              CORPUS / "go1.19" / "bug_abba_mutex.stack.txt", CORPUS / "go1.27" / "fmt_states.sigquit-crash.txt",
              CORPUS / "go1.23" / "fmt_states.sigquit-crash.txt", CORPUS / "go1.27" / "bug_abba_mutex.pprof2.txt"]


@pytest.mark.parametrize("blank_after", [False, True], ids=["log-line", "log-line-and-empty-line"])
@pytest.mark.parametrize("path", INTERLEAVE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_log_lines_between_blocks_never_split_a_dump(path: Path, blank_after: bool) -> None:
    """Variant: log lines between goroutine blocks (and between a crash's preamble or a crash
    thread's signal lines and its goroutines)."""
    text = path.read_text()
    want = parse_all(text)
    got = parse_all(V.interleaved_logs(text, 1, blank_after))
    assert len(got) == len(want) == 1
    assert _gs(got) == _gs(want)


@pytest.mark.parametrize("path", [CORPUS / "go1.27" / "fmt_panic_autogen.natural.txt",
                                  CORPUS / "go1.19" / "bug_global_deadlock.natural.txt"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_quoted_crash_message_is_no_dump_of_its_own(path: Path) -> None:
    """Variant: a log line quoting the crash message before the real dump."""
    text = path.read_text()
    want = parse_all(text)
    got = parse_all(V.quoted_crash_before(text))
    assert len(got) == 1 and got[0].goroutines and _gs(got) == _gs(want)
    assert got[0].preamble.panics == want[0].preamble.panics
    assert any("quoted in a log line" in d.message for d in got[0].diagnostics)


@pytest.mark.parametrize("path", [CORPUS / "go1.27" / "bug_abba_mutex.sigquit.txt",
                                  CORPUS / "go1.21" / "fmt_panic_autogen.natural.txt"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_dump_escaped_on_one_log_line(path: Path, tmp_path: Path) -> None:
    """Variant: the whole dump in one logfmt field with \\n and \\t escapes."""
    text = path.read_text()
    want = parse_all(text)
    escaped = V.logfmt_escaped(text)
    assert escaped.count("\n") == 2
    assert _gs(parse_all(escaped)) == _gs(want)
    f = tmp_path / "app.log"
    f.write_text(escaped)
    assert _gs(parse_file_all(f)) == _gs(want)


CRASH = sorted(CORPUS.glob("go1.*/*.sigquit-crash.txt"))


@pytest.mark.parametrize("variant", ["crlf", "kubectl", "tabs", "kubectl+crlf", "tabs+containerd"])
@pytest.mark.parametrize("path", CRASH[::3], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_gotraceback_crash_keeps_every_goroutine(path: Path, variant: str) -> None:
    """Variants of GOTRACEBACK=crash dumps (main goroutines and every thread's relay section)."""
    make = {"crlf": V.crlf, "kubectl": lambda t: V.prefixed(t, "kubectl"), "tabs": V.tabs_to_spaces,
            "kubectl+crlf": lambda t: V.crlf(V.prefixed(t, "kubectl")),
            "tabs+containerd": lambda t: V.prefixed(V.tabs_to_spaces(t), "containerd")}[variant]
    text = path.read_text()
    want = parse_all(text)
    got = parse_all(make(text))
    assert len(got) == len(want) and [len(d.threads) for d in got] == [len(d.threads) for d in want]
    assert _gs(got) == _gs(want)


@pytest.mark.parametrize("size", [64, 97, 1000, 4096])
def test_log_lines_between_blocks_across_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Variant, read in small pieces: a piece may end right after a log line between two blocks;
    the dump still is not split (the lines wait for the next piece)."""
    import importlib

    chunks = importlib.import_module("stackparse.parsing.chunks")
    text = V.interleaved_logs((CORPUS / "go1.19" / "bug_abba_mutex.sigquit.txt").read_text(), 3, True)
    text += "\n" + V.interleaved_logs((CORPUS / "go1.27" / "fmt_states.sigquit-crash.txt").read_text(), 4, True)
    want = parse_all(text)
    assert len(want) == 2
    f = tmp_path / "app.log"
    f.write_text(text)
    monkeypatch.setattr(chunks, "CHUNK", size)
    got = parse_file_all(f)
    assert [len(d.all_goroutines) for d in got] == [len(d.all_goroutines) for d in want]
    assert _gs(got) == _gs(want)


def test_goleak_report_read_in_small_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    chunks = importlib.import_module("stackparse.parsing.chunks")
    f = tmp_path / "ci.log"
    f.write_text(V.prefixed((GOTEST / "stuck.gotest.txt").read_text(), "kubectl"))
    want = [(d.test_report, len(d.goroutines)) for d in parse_all(f.read_text())]
    for size in (50, 333, 2048):
        monkeypatch.setattr(chunks, "CHUNK", size)
        assert [(d.test_report, len(d.goroutines)) for d in parse_file_all(f)] == want
