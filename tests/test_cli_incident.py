"""The incident workflow on the command line: ``stackparse diff``, ``analyze URL``,
``analyze --watch`` and ``--source DIR``.

Against real dumps: pairs of corpus dumps of the same program, and ``tests/pprofserver`` (a Go
program serving ``net/http/pprof`` on 127.0.0.1 with a leak that grows, an AB-BA deadlock and
the failure endpoints /login, /boom, /cut), built with the Go toolchain of
``tests/test_capture.py`` (``STACKPARSE_GO``, else the newest of ``/opt/go/*/go/bin/go``...).
Without Go the live tests skip with that reason.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackparse.cli import cli

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus" / "go1.27"
PROGRAMS = REPO / "corpus" / "programs"

from goserver import closed_port as _closed_port

pytest.importorskip("stackparse.parsing", reason="stackparse.parsing not written yet")
pytest.importorskip("stackparse.analysis", reason="stackparse.analysis not written yet")



def run(*args: str, input: str | bytes | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def one_line_error(r: Any) -> str:
    """The CLI's promise for every failure: exit 2, one line on stderr, no traceback."""
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    assert "Traceback" not in r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("stackparse: error: ")
    return lines[0]


def goroutine_blocks(text: str) -> tuple[str, list[str]]:
    """A debug=2 dump as (everything before the first goroutine, [one block per goroutine])."""
    i = text.index("goroutine ")
    return text[:i], [b for b in text[i:].split("\n\n") if b.strip()]


def trimmed(text: str, keep: Any) -> str:
    """``text`` with only the goroutines for which ``keep(block, index)`` is true: how the same
    process looked earlier, before some of its goroutines were started."""
    head, blocks = goroutine_blocks(text)
    return head + "\n\n".join(b for i, b in enumerate(blocks) if keep(b, i)) + "\n"


# --------------------------------------------------------------------------- diff: corpus


def test_diff_same_program_two_dumps_nothing_grew() -> None:
    # Two runs of bug_leak_unbuffered, runtime.Stack and pprof debug=2: the same two leaks.
    old, new = CORPUS / "bug_leak_unbuffered.stack.txt", CORPUS / "bug_leak_unbuffered.pprof2.txt"
    r = run("diff", str(old), str(new))
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"goroutines: 101 ({old}) -> 101 ({new}): 0\n")
    assert "findings: 0 new, 0 resolved, 2 persisting" in r.stdout
    assert "main.computeResultLeaky" not in r.stdout.split("grew", 1)[-1]
    j = json.loads(run("diff", str(old), str(new), "--format", "json").stdout)
    assert j["schema"] == "stackparse/diff/1"
    assert j["summary"]["findings_persisting"] == 2 and j["summary"]["findings_new"] == 0
    assert all(b["function"] != "main.computeResultLeaky" for b in j["buckets"])
    # the harness's main goroutine moved one line between the two runs: +1 / -1, below 2
    assert run("diff", str(old), str(new), "--fail-on-growth", "2").exit_code == 0
    assert run("diff", str(old), str(new), "--fail-on-growth", "1").exit_code == 1


def test_diff_leak_growing_from_an_earlier_dump(tmp_path: Path) -> None:
    full = (CORPUS / "bug_leak_unbuffered.stack.txt").read_text()
    # Earlier: the receivers are all there, only 10 of the 50 leaked senders yet.
    senders = iter(range(1000))
    early = trimmed(full, lambda b, i: "computeResultLeaky(" not in b or next(senders) < 10)
    old, new = tmp_path / "t0.txt", tmp_path / "t1.txt.gz"
    old.write_text(early)
    new.write_bytes(gzip.compress(full.encode()))
    r = run("diff", str(old), str(new))
    assert r.exit_code == 1, r.output  # a persisting leak grew
    assert "goroutines: 61 (" in r.stdout and "-> 101 (" in r.stdout and ": +40" in r.stdout
    grew = r.stdout.split("\ngrew (", 1)[1]
    top = grew.splitlines()[1].split()
    assert top[:4] == ["+40", "10", "->", "50"], grew
    assert "main.computeResultLeaky" in grew.splitlines()[1]
    assert "(10 still there)" in " ".join(grew.splitlines()[1:4])  # the location may wrap
    assert re.search(r"PERSISTING leak \(medium\): .*\[10 -> 50 goroutines\]", " ".join(r.stdout.split()))
    # --fail-on never: only --fail-on-growth decides
    assert run("diff", str(old), str(new), "--fail-on", "never").exit_code == 0
    assert run("diff", str(old), str(new), "--fail-on", "never", "--fail-on-growth", "40").exit_code == 1
    assert run("diff", str(old), str(new), "--fail-on", "never", "--fail-on-growth", "41").exit_code == 0
    # the old dump from stdin
    r = run("diff", "-", str(new), "--format", "json", input=early)
    j = json.loads(r.stdout)
    assert j["old"]["label"] == "<stdin>" and j["summary"]["goroutines_delta"] == 40
    assert j["buckets"][0]["function"] == "main.computeResultLeaky" and j["buckets"][0]["delta"] == 40


def test_diff_new_deadlock_and_fail_on(tmp_path: Path) -> None:
    full = (CORPUS / "bug_abba_mutex.stack.txt").read_text()
    # Before the deadlock formed: only main and the goroutines queued behind it.
    early = trimmed(full, lambda b, i: "lockOrderWorker" not in b)
    old = tmp_path / "before.txt"
    old.write_text(early)
    new = CORPUS / "bug_abba_mutex.stack.txt"
    r = run("diff", str(old), str(new))
    assert r.exit_code == 1, r.output
    assert "findings: 1 new, " in r.stdout
    assert re.search(r"NEW +deadlock \(high\)", r.stdout)
    assert "bug_abba_mutex/main.go:29" in r.stdout and "bug_abba_mutex/main.go:39" in r.stdout
    # the deadlock is "high": --fail-on certain lets it pass, --fail-on high does not
    assert run("diff", str(old), str(new), "--fail-on", "certain").exit_code == 0
    assert run("diff", str(old), str(new), "--fail-on", "high").exit_code == 1
    # and the other way round it resolved: nothing alarming
    r = run("diff", str(new), str(old))
    assert r.exit_code == 0 and re.search(r"RESOLVED +deadlock", r.stdout)


def test_diff_limit() -> None:
    r = run("diff", str(CORPUS / "healthy_pool.stack.txt"), str(CORPUS / "bug_leak_unbuffered.stack.txt"))
    assert r.exit_code == 1  # not the same program: every finding is new
    lines = r.stdout.split("\ngrew (", 1)[1].split("\n\n")[0].splitlines()
    r2 = run(
        "diff",
        str(CORPUS / "healthy_pool.stack.txt"),
        str(CORPUS / "bug_leak_unbuffered.stack.txt"),
        "--limit",
        "1",
    )
    lines2 = r2.stdout.split("\ngrew (", 1)[1].split("\n\n")[0].splitlines()
    entries2 = [x for x in lines2 if not x.startswith(" " * 10)]  # continuation lines: a wrapped location
    assert len(lines) > 3 and len(entries2) == 3 and entries2[2].startswith("  ... and ")


def test_diff_errors(tmp_path: Path) -> None:
    good = str(CORPUS / "bug_abba_mutex.stack.txt")
    msg = one_line_error(run("diff", good, str(tmp_path / "missing.txt")))
    assert "missing.txt" in msg
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert "empty input" in one_line_error(run("diff", str(empty), good))
    assert "is a directory" in one_line_error(run("diff", str(tmp_path), good))
    r = run("diff", "-", "-", input="")
    assert r.exit_code == 2 and "only one of OLD and NEW can be -" in r.stderr
    r = run("diff", good)
    assert r.exit_code == 2 and "Traceback" not in r.output


# --------------------------------------------------------------------------- --source


def checkout(tmp_path: Path, program: str, edit: Any = None) -> Path:
    """tmp_path/<program>/main.go: where the corpus dumps' /tmp/spcorpus/go1.27.3/<program>/main.go
    maps under ``--source tmp_path``."""
    d = tmp_path / "src" / program
    d.mkdir(parents=True)
    text = (PROGRAMS / program / "main.go").read_text()
    (d / "main.go").write_text(edit(text) if edit else text)
    return tmp_path / "src"


def source_line(program: str, n: int) -> str:
    return (PROGRAMS / program / "main.go").read_text().splitlines()[n - 1].strip()


def test_source_text_report_quotes_the_blocking_lines(tmp_path: Path) -> None:
    root = checkout(tmp_path, "bug_abba_mutex")
    dump = str(CORPUS / "bug_abba_mutex.stack.txt")
    r = run("analyze", dump, "--source", str(root), "--color", "never")
    assert r.exit_code == 1, r.output
    lines = r.stdout.splitlines()
    a, b = source_line("bug_abba_mutex", 29), source_line("bug_abba_mutex", 39)
    assert (a, b) == ("b.mu.Lock()", "a.mu.Lock()")  # the real lines of the program
    for func, n, text in (("main.lockOrderWorkerA", 29, a), ("main.lockOrderWorkerB", 39, b)):
        i = lines.index(f"       {func}  bug_abba_mutex/main.go:{n}")
        assert lines[i + 1] == f"         | {text}"
    # without --source, the same report has no source line
    plain = run("analyze", dump, "--color", "never").stdout
    assert "| b.mu.Lock()" not in plain
    assert [x for x in lines if not x.lstrip().startswith("| ")] == plain.splitlines()


def test_source_held_by_edge_shows_the_holders_frame(tmp_path: Path) -> None:
    # bug_relock: Refresh holds the lock and calls lookup, which locks it again.
    root = checkout(tmp_path, "bug_relock")
    r = run("analyze", str(CORPUS / "bug_relock.stack.txt"), "--source", str(root), "--color", "never")
    lines = r.stdout.splitlines()
    i = next(k for k, x in enumerate(lines) if x.startswith("          in main.(*sessionCache).Refresh"))
    n = int(lines[i].rsplit(":", 1)[1])
    assert lines[i + 1] == f"            | {source_line('bug_relock', n)}"
    assert "c.lookup(" in lines[i + 1]
    md = run(
        "analyze", str(CORPUS / "bug_relock.stack.txt"), "--source", str(root), "--format", "markdown"
    ).stdout
    assert f"  - in `main.(*sessionCache).Refresh` (`bug_relock/main.go:{n}`): `" in md


def test_source_markdown_and_html(tmp_path: Path) -> None:
    def evil(text: str) -> str:
        lines = text.splitlines()
        lines[28] = lines[28] + " // <script>window.__pwned=1</script> & `tick`"
        return "\n".join(lines) + "\n"

    root = checkout(tmp_path, "bug_abba_mutex", evil)
    dump = str(CORPUS / "bug_abba_mutex.stack.txt")
    md = run("analyze", dump, "--source", str(root), "--format", "markdown").stdout
    assert "  - `a.mu.Lock()`" in md
    assert "  - `` b.mu.Lock() // &lt;script&gt;" not in md  # code spans are not entity-escaped
    assert "b.mu.Lock() // <script>window.__pwned=1</script> & `tick`" in md
    assert md.count("b.mu.Lock()") == 1  # once per finding
    page = run("analyze", dump, "--source", str(root), "--format", "html").stdout
    assert "<script>window.__pwned" not in page
    assert (
        '<div class="src"><code>b.mu.Lock() // &lt;script&gt;window.__pwned=1&lt;/script&gt; '
        "&amp; `tick`</code></div>"
    ) in page
    assert '<div class="src"><code>a.mu.Lock()</code></div>' in page


def test_source_errors_and_other_formats(tmp_path: Path) -> None:
    dump = str(CORPUS / "bug_abba_mutex.stack.txt")
    r = run("analyze", dump, "--source", str(tmp_path / "nope"))
    assert r.exit_code == 2 and "does not exist" in r.stderr and "Traceback" not in r.output
    # a checkout without the dump's files: the report, no source lines
    r = run("analyze", dump, "--source", str(tmp_path), "--color", "never")
    assert r.exit_code == 1 and "DEADLOCK" in r.stdout and "\n         | " not in r.stdout
    r = run("analyze", dump, "--source", str(tmp_path), "--format", "json")
    assert r.exit_code == 1 and json.loads(r.stdout)["summary"]["findings"] == 1
    assert "--source is shown by --format text, markdown and html" in r.stderr


def test_watch_and_count_usage() -> None:
    dump = str(CORPUS / "bug_abba_mutex.stack.txt")
    for args, msg in (
        (["--watch", "1"], "--watch needs exactly one URL"),
        (["--count", "3"], "--count needs --watch"),
        (["--watch", "0"], "x>0"),
        (["--watch", "1", "--count", "1"], "x>=2"),
    ):
        r = run("analyze", dump, *args)
        assert r.exit_code == 2 and msg in r.stderr, (args, r.stderr)
    r = run("analyze", "http://127.0.0.1:1/x", "--watch", "1", "--format", "html")
    assert r.exit_code == 2 and "--watch reports in --format text, json or jsonl" in r.stderr




def test_refused_port() -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/debug/pprof/goroutine?debug=2"
    for args in (["analyze", url], ["analyze", url, "--watch", "1", "--count", "2"], ["diff", url, url]):
        msg = one_line_error(run(*args, "--timeout", "5"))
        assert msg == (
            f"stackparse: error: {url}: connection refused by 127.0.0.1:{port}: "
            "is the service running, and is this its pprof port?"
        )


# --------------------------------------------------------------------------- live Go server


def leaked(go_server: Any, n: int = 10) -> str:
    """The server's debug=2 URL, once at least ``n`` requests have leaked (the detector reports a
    leak from a few goroutines on; the server leaks one per 100 ms)."""
    from stackparse.capture import fetch

    url = go_server.url + "/debug/pprof/goroutine?debug=2"
    deadline = time.monotonic() + 30
    while fetch(url, timeout=10).count(b"\nmain.compute(") < n and time.monotonic() < deadline:
        time.sleep(0.2)
    return url


@pytest.mark.live
def test_analyze_live_url(go_server: Any) -> None:
    url = leaked(go_server)
    r = run("analyze", url, "--color", "never")
    assert r.exit_code == 1, r.output  # the AB-BA pair
    assert "DEADLOCK" in r.stdout and "main.transfer" in r.stdout and "main.compute" in r.stdout
    r = run("analyze", url, "--format", "json", "--timeout", "10")
    assert r.exit_code == 1
    j = json.loads(r.stdout)
    assert j["schema"] == "stackparse/analysis/1"
    assert "deadlock" in {f["kind"] for f in j["findings"]}
    r = run("analyze", go_server.url + "/gzip")
    assert r.exit_code == 1 and "DEADLOCK" in r.stdout
    assert run("analyze", url, "--fail-on", "never").exit_code == 0
    # the service's own checkout: its paths are this repository's
    r = run("analyze", url, "--source", str(REPO / "tests" / "pprofserver"), "--color", "never")
    lines = r.stdout.splitlines()
    i = next(k for k, x in enumerate(lines) if x.startswith("       main.transfer  pprofserver/main.go:"))
    assert lines[i + 1] == "         | to.mu.Lock() // AB-BA: blocked forever"
    if "LEAK" in r.stdout:  # the leak's line, cut at 80 columns like every line of the report
        assert "         | ch <- 42                         // nobody receives any more: bloc..." in lines


@pytest.mark.live
def test_analyze_live_errors(go_server: Any) -> None:
    u = go_server.url
    assert one_line_error(run("analyze", u + "/login")) == (
        f"stackparse: error: {u}/login: not a goroutine dump (got text/html, page 'Sign in', starts with "
        "'<!DOCTYPE html>'): a login or proxy page is in front of the service: fetch from inside the "
        "network, or save the dump with curl and pass the file"
    )
    assert one_line_error(run("analyze", u + "/boom")).startswith(
        f"stackparse: error: {u}/boom: HTTP 500 Internal Server Error from {u}/boom (boom: something broke)"
    )
    assert re.fullmatch(
        rf"stackparse: error: {re.escape(u)}/cut: response cut off: "
        r"got [\d,]+ of 100,000 bytes .*fetch again",
        one_line_error(run("analyze", u + "/cut")),
    )
    assert "add ?debug=2" in one_line_error(run("analyze", u + "/debug/pprof/goroutine"))
    msg = one_line_error(run("analyze", u + "/debug/pprof/goroutine?debug=2", "--max-bytes", "1000"))
    assert "larger than the 1,000-byte limit" in msg and "raise --max-bytes" in msg
    msg = one_line_error(run("diff", u + "/boom", u + "/debug/pprof/goroutine?debug=2"))
    assert "HTTP 500" in msg
    watch = ["--watch", "0.2", "--count", "2", "--max-bytes", "1000"]
    msg = one_line_error(run("analyze", u + "/debug/pprof/goroutine?debug=2", *watch))
    assert "raise --max-bytes" in msg


@pytest.mark.live
def test_diff_live_dumps(go_server: Any, tmp_path: Path) -> None:
    url = leaked(go_server)
    from stackparse.capture import fetch

    before = tmp_path / "before.txt"
    before.write_bytes(fetch(url, timeout=10))
    time.sleep(1.5)  # one more leak every 100 ms
    r = run("diff", str(before), url)
    assert r.exit_code == 1, r.output  # the persisting leak grew
    grew = " ".join(r.stdout.split("\ngrew (", 1)[1].splitlines()[1:4])  # the location may wrap
    delta, old, _, new = grew.split()[:4]
    assert "main.compute" in grew and int(delta) >= 5 and int(new) - int(old) == int(delta)
    assert f"({old} still there)" in grew  # the leaked goroutines are all still there
    assert re.search(r"PERSISTING deadlock \(high\).*\[2 -> 2 goroutines\]", " ".join(r.stdout.split()))
    # --fail-on never and a growth threshold far above: nothing alarming
    assert run("diff", str(before), url, "--fail-on", "never", "--fail-on-growth", "100000").exit_code == 0
    after = tmp_path / "after.txt"
    after.write_bytes(fetch(url, timeout=10))
    j = json.loads(run("diff", str(before), str(after), "--format", "json").stdout)
    assert j["buckets"][0]["function"] == "main.compute" and j["buckets"][0]["delta"] >= 5
    status = {(f["status"], f["kind"]) for f in j["findings"]}
    assert ("persisting", "deadlock") in status and ("new", "deadlock") not in status, status


@pytest.mark.live
def test_watch_reports_growth(go_server: Any) -> None:
    url = leaked(go_server)
    r = run("analyze", url, "--watch", "1", "--count", "2")
    assert r.exit_code == 1, r.output  # the last dump still has the deadlock
    first, rest = r.stdout.split("\n", 1)
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d {re.escape(url)}: \d+ goroutines in \d+ buckets, \d+ findings? \(.*deadlock.*\)",
        first,
    )
    assert rest.count("\n== ") == 1 and re.match(r"\n== \d\d:\d\d:\d\d ==\ngoroutines: \d+ \(", rest)
    grew = rest.split("\ngrew (", 1)[1].splitlines()[1]
    assert "main.compute" in grew and int(grew.split()[0]) >= 3
    assert run("analyze", url, "--watch", "1", "--count", "2", "--fail-on", "never").exit_code == 0
    # json: one line per dump, the first an analysis, the others diffs against it
    r = run("analyze", url, "--watch", "0.5", "--count", "3", "--format", "json")
    docs = [json.loads(x) for x in r.stdout.splitlines()]
    assert [d["schema"] for d in docs] == ["stackparse/analysis/1"] + ["stackparse/diff/1"] * 2
    assert docs[0]["source"] == url
    assert docs[2]["buckets"][0]["function"] == "main.compute"
    assert docs[2]["buckets"][0]["delta"] >= docs[1]["buckets"][0]["delta"] > 0


@pytest.mark.live
def test_watch_ctrl_c_ends_normally(go_server: Any) -> None:
    url = leaked(go_server)
    proc = subprocess.Popen(
        [sys.executable, "-m", "stackparse", "analyze", url, "--watch", "0.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # as from a terminal: a test run started in the background (``pytest &``) ignores SIGINT,
        # its children inherit that, and Python then installs no KeyboardInterrupt handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env=dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")),
    )
    try:
        first = proc.stdout.readline().decode()  # the first dump is in
        assert url in first and "finding" in first  # "1 finding" or "2 findings"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err  # the last analysis had the deadlock; not 130
    assert b"Traceback" not in err and b"Aborted" not in err
