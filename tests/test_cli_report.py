"""The first screen of ``stackparse analyze`` on real dumps (corpus/go1.*/): what it leads with,
in which order, in which words, for every format; directories; diff after a restart.

Every input is a dump a Go runtime wrote (see corpus/README.md). Variants made here by code say
so in their names (``*_cut_by_code``, files renamed or gzipped in a temporary directory).
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackparse.cli import cli

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
VERSIONS = sorted(p.name for p in CORPUS.glob("go1.*") if p.is_dir())
LEVELS = ("low", "medium", "high", "certain")


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def text_of(path: Path, *extra: str) -> str:
    r = run("analyze", "--color", "never", str(path), *extra)
    assert r.exit_code in (0, 1), r.output
    return r.output


def json_of(path: Path, *extra: str) -> dict[str, Any]:
    r = run("analyze", "--format", "json", str(path), *extra)
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.output)


def corpus(pattern: str) -> list[Path]:
    found = sorted(CORPUS.glob(pattern))
    assert found, pattern
    return found


# --------------------------------------------------------------------------- panics and fatal errors


@pytest.mark.parametrize("version", VERSIONS)
def test_panic_leads_with_the_goroutine_message_and_frame_at_fault(version: str) -> None:
    path = CORPUS / version / "fmt_panic_nilptr.natural.txt"
    lines = text_of(path).splitlines()
    assert lines[0].startswith("Panic in goroutine 1, 1 goroutine: no deadlock or leak found")
    head = "\n".join(lines[:6])
    assert "panic: runtime error: invalid memory address or nil pointer dereference" in head
    assert "[signal SIGSEGV: segmentation violation]" in head
    assert "in goroutine 1 [running] at" in head
    assert re.search(r"main\.\(\*T\)\.Set  fmt_panic_nilptr/main\.go:7$", head, re.M), head
    d = json_of(path)
    assert d["panic"]["message"].startswith("panic: runtime error: invalid memory address")
    assert d["panic"]["goroutine"] == 1
    assert d["panic"]["frame"]["function"] == "main.(*T).Set" and d["panic"]["frame"]["line"] == 7


@pytest.mark.parametrize("version", VERSIONS)
def test_fatal_error_names_the_goroutine_that_wrote_the_map(version: str) -> None:
    path = CORPUS / version / "fmt_fatal_mapwrites.natural-all.txt"
    text = text_of(path)
    writer = re.search(r"^goroutine (\d+) \[running\]:\n(?:.*\n){0,6}?main\.setup\.func2", path.read_text(), re.M)
    assert writer is not None
    gid = int(writer.group(1))
    lines = text.splitlines()
    assert lines[0].startswith(f"Fatal error in goroutine {gid}, ")
    assert lines[1] == "fatal error: concurrent map writes"
    assert f"in goroutine {gid} [running] at" in lines[2]
    assert "main.setup.func2  fmt_fatal_mapwrites/main.go:12" in lines[3]
    assert json_of(path)["panic"]["goroutine"] == gid


@pytest.mark.parametrize(
    "path",
    corpus("go1.*/fmt_panic_closed_send.natural*.txt"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_send_on_closed_channel_names_the_sender_with_its_id_and_line(path: Path) -> None:
    # the shape of the Go 1.3 report (the culprit shown as one cut-off bucket line with
    # no id and no file:line), captured on the Go versions we have: a worker's send on a channel
    # the collector closed, among goroutines blocked elsewhere (natural-all / natural-system)
    dump = path.read_text()
    # its header (GOTRACEBACK=system adds gp=, m=) and, below runtime frames, main.worker
    sender = re.search(r"^goroutine (\d+) [^\n]*\[running\]:\n(?:.*\n){0,8}?main\.worker\(", dump, re.M)
    assert sender is not None
    gid = int(sender.group(1))
    lines = text_of(path).splitlines()
    assert lines[0].startswith(f"Panic in goroutine {gid}, "), lines[0]
    assert lines[1] == "panic: send on closed channel"
    assert lines[2].strip() == f"in goroutine {gid} [running] at"
    assert re.fullmatch(r"\s+main\.worker  fmt_panic_closed_send/main\.go:21", lines[3]), lines[3]
    assert all(len(line) <= 80 for line in lines[:24]), [line for line in lines[:24] if len(line) > 80]
    # in the goroutine list too, the sender is a whole line with its id, not a cut-off bucket
    listed = "\n".join(lines[lines.index(next(x for x in lines if x.startswith("Goroutines: "))) :])
    # (below the runtime's own frames with GOTRACEBACK=system)
    bucket = rf"^\S+\s+\[running\] goroutine {gid}\n(?: +\S.*\n){{0,4}}? +main\.worker  fmt_panic_closed_send/main\.go:21$"
    assert re.search(bucket, listed, re.M), listed
    d = json_of(path)["panic"]
    assert d["message"] == "panic: send on closed channel"
    assert d["goroutine"] == gid and d["state"] == "running"
    assert d["frame"]["function"] == "main.worker" and d["frame"]["line"] == 21
    assert d["frame"]["file"].endswith("/fmt_panic_closed_send/main.go")


def test_panic_in_a_library_names_the_caller_in_the_program() -> None:
    path = CORPUS / "go1.27" / "fmt_fatal_unlock.natural.txt"
    lines = text_of(path).splitlines()[:6]
    assert lines[1] == "fatal error: sync: unlock of unlocked mutex"
    assert any(line.strip().startswith("sync.(*Mutex).Unlock") for line in lines), lines
    assert any(line.strip().startswith("called from main.setup") for line in lines), lines


def test_panic_source_line_with_source(tmp_path: Path) -> None:
    src = tmp_path / "fmt_panic_nilptr"
    src.mkdir()
    prog = CORPUS / "programs" / "fmt_panic_nilptr" / "main.go"
    if not prog.exists():
        pytest.skip("corpus/programs/fmt_panic_nilptr/main.go is not in this checkout")
    shutil.copy(prog, src / "main.go")
    want = prog.read_text().splitlines()[6].strip()
    out = text_of(CORPUS / "go1.27" / "fmt_panic_nilptr.natural.txt", "--source", str(tmp_path))
    assert f"| {want}" in "\n".join(out.splitlines()[:8])


def test_global_deadlock_is_the_runtimes_verdict_not_a_goroutines_crash() -> None:
    lines = text_of(CORPUS / "go1.27" / "fmt_deadlock.natural.txt").splitlines()
    assert lines[0].startswith("Fatal error, 4 goroutines: 1 deadlock (certain)")
    assert "fatal error: all goroutines are asleep - deadlock!" in lines[:3]
    assert not any("in goroutine" in line for line in lines[:3])


# --------------------------------------------------------------------------- what the input cannot show


def test_cut_dump_says_so_in_the_first_lines_cut_by_code(tmp_path: Path) -> None:
    whole = (CORPUS / "go1.27" / "bug_hidden_deadlock.sigquit.txt").read_bytes()
    cut = tmp_path / "bug_hidden_deadlock.sigquit.cut_by_code.txt"
    cut.write_bytes(whole[:40_000])
    lines = text_of(cut).splitlines()
    assert any("The dump is cut off (it ends at line" in line for line in lines[:3]), lines[:4]
    assert json_of(cut)["limits"][0].startswith("The dump is cut off")
    assert json_of(CORPUS / "go1.27" / "bug_hidden_deadlock.sigquit.txt")["limits"] == []


@pytest.mark.parametrize("path", corpus("go1.2[27]/*.pprof1.txt")[::7], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_debug1_profile_never_headlines_all_clear(path: Path) -> None:
    text = text_of(path)
    lines = text.splitlines()
    assert "No deadlock or leak found" not in text and "no deadlock or leak found" not in text
    assert lines[0].startswith("pprof goroutine profile (debug=1)")
    assert "no wait states, wait times or goroutine ids" in " ".join(" ".join(lines[1:3]).split()), lines[:4]


def test_pprof_labels_are_in_the_report_and_the_json() -> None:
    for name in ("fmt_labels.pprof1.txt", "fmt_labels127.stack.txt"):
        path = CORPUS / "go1.27" / name
        text = text_of(path)
        assert "pprof labels:" in text and "worker=w1" in text and "kind='needs quoting'" in text
        labels = json_of(path)["labels"]
        assert {"kind": "needs quoting", "worker": "w1"} in [x["labels"] for x in labels]
        assert all(x["location"]["function"] == "main.worker" for x in labels)


# --------------------------------------------------------------------------- order, numbers, words

FINDINGS_RE = re.compile(r"^(\d+)\. (DEADLOCK|LEAK|[A-Z]+) \((certain|high|medium|low)\)", re.M)
SCREEN = (
    corpus("go1.27/*.stack.txt")
    + corpus("go1.27/*.sigquit.txt")
    + corpus("go1.27/*.leakprof.txt")[::2]
    + corpus("go1.25/bug_*.pprof2.txt")
)


@pytest.mark.parametrize("path", SCREEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_findings_most_certain_first_numbered_without_gaps_in_every_format(path: Path) -> None:
    text = text_of(path)
    assert all(len(line) <= 80 for line in text.split("\nGoroutines: ")[0].splitlines())
    heads = FINDINGS_RE.findall(text.split("\nGoroutines: ")[0])
    assert [int(n) for n, _, _ in heads] == list(range(1, len(heads) + 1))
    ranks = [LEVELS.index(c) for _, _, c in heads]
    assert ranks == sorted(ranks, reverse=True)
    d = json_of(path)
    confs = [LEVELS.index(f["confidence"]) for f in d["findings"]]
    assert confs == sorted(confs, reverse=True)
    assert all(f["location"] is None or {"function", "file", "line"} == set(f["location"]) for f in d["findings"])
    # the same order in markdown: its numbered findings follow the JSON's
    md = run("analyze", "--format", "markdown", str(path)).output
    numbered = [int(n) for n in re.findall(r"^\*\*(\d+)\. ", md, re.M)]
    assert numbered == list(range(1, len(numbered) + 1))
    strong = [f for f in d["findings"] if f["confidence"] != "low"]
    assert len(numbered) <= len(strong)
    mermaid = run("analyze", "--format", "mermaid", str(path)).output
    levels = [LEVELS.index(c) for c in re.findall(r'subgraph f\d+\["\w+ \((\w+)\)', mermaid)]
    assert levels == sorted(levels, reverse=True)
    html = run("analyze", "--format", "html", str(path)).output
    assert [int(n) for n in re.findall(r'<h3>(\d+)\. <span class="kind">\w+</span> ', html)] == list(
        range(1, len(strong) + 1)
    )


INTERNAL = re.compile(
    r"\?g\d+|leakprof-|lock-no-holder|\(address unknown\) \(certain\)|\b1 goroutines\b|\b1 goroutine wait\b"
    r"|\[1 -> 1 goroutines\]|@0x[0-9a-f]+|\bg\d+\b"
)


@pytest.mark.parametrize("version", ["go1.22", "go1.27"])
def test_no_internal_ids_or_rule_names_and_plurals_agree(version: str) -> None:
    bad = []
    for path in sorted((CORPUS / version).glob("*.txt"))[::3]:
        for fmt in ("text", "markdown", "mermaid", "html"):
            out = run("analyze", "--format", fmt, "--color", "never", str(path)).output
            if fmt == "html":  # the words a reader sees: no tags, scripts or styles
                out = html.unescape(re.sub(r"<[^>]+>", "\n", re.sub(r"<(script|style)>.*?</\1>", "", out, flags=re.S)))
            for line in out.splitlines():
                if INTERNAL.search(line):
                    bad.append(f"{path.name} ({fmt}): {line}")
    assert not bad, "\n".join(bad[:20])


def test_alike_goroutines_and_releasers_are_one_line_with_a_count() -> None:
    # fmt_frames: ten goroutines parked on channels; each is a possible releaser of the others
    path = CORPUS / "go1.27" / "fmt_frames.stack.txt"
    text = text_of(path, "--min-confidence", "low")
    assert text.count("can be released by goroutine") <= 2
    # bug_lock_across_chan_wait: 4 goroutines on one mutex, 7 on one channel
    text = text_of(CORPUS / "go1.27" / "bug_lock_across_chan_wait.stack.txt")
    assert "-> can be released by 4 goroutines (low)" in text
    assert "4 x [sync.Mutex.Lock] in main.(*cache).get" in text
    assert "7 x [chan send] in main.firstError.func1" in text
    assert "goroutine 19 [chan send]" not in text.split("\nGoroutines: ")[0]  # not one by one
    blocks = re.split(r"\n\n", text.split("\nGoroutines: ")[0])
    assert max(len(b.splitlines()) for b in blocks) <= 20


def test_weak_leads_after_the_findings_by_site() -> None:
    text = text_of(CORPUS / "go1.27" / "bug_hidden_deadlock.stack.txt")
    body = text.split("\nGoroutines: ")[0]
    if "Weak leads" in body:
        assert all("(low)" not in line for line in body.split("Weak leads")[0].splitlines()[1:] if line[:1].isdigit())


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "mermaid", "dot"])
def test_min_confidence_and_top_limit_every_format(fmt: str) -> None:
    path = CORPUS / "go1.27" / "bug_lock_across_chan_wait.stack.txt"  # 1 deadlock, 1 leak, both medium
    full = json_of(path)
    assert len(full["findings"]) == 2
    top = run("analyze", "--format", fmt, "--top", "1", str(path)).output
    high = run("analyze", "--format", fmt, "--min-confidence", "high", str(path)).output
    if fmt in ("mermaid", "dot"):  # one cluster per finding
        assert top.count("deadlock (medium)") == 1 and "leak (medium)" not in top
        assert "deadlock (" not in high and "leak (" not in high
    elif fmt == "json":
        assert len(json.loads(top)["findings"]) == 1 and json.loads(top)["findings_omitted"] == 1
        assert json.loads(high)["findings"] == [] and json.loads(high)["findings_omitted"] == 2
    else:
        assert "DEADLOCK" in top.upper() and "LEAK** (" not in top and "1. LEAK (" not in top
        assert "1 more finding left out" in top
        assert "2 more findings left out" in high


# --------------------------------------------------------------------------- markdown budget


def test_markdown_spends_its_budget_across_findings() -> None:
    from stackparse import analyze, parse
    from stackparse.render import render_markdown

    # Every strong finding of the corpus's largest dumps gets its title in 1,500 characters.
    for name in ("bug_lock_across_chan_wait.stack.txt", "healthy_tenant_hidden_holder.sigquit.txt"):
        d = parse((CORPUS / "go1.27" / name).read_text())
        a = analyze(d)
        md = render_markdown(a, limit=1500, dump=d)
        assert len(md) <= 1500
        strong = [f for f in a.findings if str(getattr(f.confidence, "value", f.confidence)) != "low"]
        assert len(re.findall(r"^\*\*\d+\. ", md, re.M)) == len(strong), md


# --------------------------------------------------------------------------- directories


def test_directory_sniffs_content_and_skips_what_cannot_be_read(tmp_path: Path) -> None:
    src = CORPUS / "go1.27"
    shutil.copy(src / "bug_abba_mutex.stack.txt", tmp_path / "goroutines")  # renamed by this test
    shutil.copy(src / "healthy_pool.stack.txt", tmp_path / "dump.out")
    (tmp_path / "dump.gz").write_bytes(gzip.compress((src / "healthy_server.stack.txt").read_bytes()))
    (tmp_path / "broken.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")  # gzip magic, then garbage
    (tmp_path / "notes.md").write_text("no dump here\n")
    r = CliRunner().invoke(cli, ["analyze", str(tmp_path)], catch_exceptions=False)
    assert r.exit_code == 1  # the deadlock of the renamed bug_abba_mutex dump
    out = r.stdout
    for name in ("goroutines", "dump.out", "dump.gz"):
        assert f"==> {tmp_path / name} <==" in out
    assert "broken.gz" not in out and "notes.md" not in out
    assert f"note: skipped {tmp_path / 'broken.gz'}: corrupt gzip data" in r.stderr
    only_healthy = tmp_path / "healthy"
    only_healthy.mkdir()
    shutil.copy(src / "healthy_pool.stack.txt", only_healthy / "x.log.1")
    shutil.copy(tmp_path / "broken.gz", only_healthy / "broken.gz")
    r = CliRunner().invoke(cli, ["analyze", str(only_healthy)], catch_exceptions=False)
    assert r.exit_code == 0 and "==> " not in r.stdout and r.stdout.splitlines()[0].startswith("Goroutine dump")


def test_no_argument_on_a_terminal_prints_usage() -> None:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        p = subprocess.run(
            [sys.executable, "-m", "stackparse", "analyze"],
            stdin=slave,
            capture_output=True,
            timeout=60,
            env={**os.environ, "NO_COLOR": "1"},
        )
    finally:
        os.close(master)
        os.close(slave)
    assert p.returncode == 2
    assert "Usage: stackparse analyze" in p.stdout.decode()


# --------------------------------------------------------------------------- diff


def test_diff_says_restart_first_and_matches_no_ids() -> None:
    old = CORPUS / "go1.27" / "bug_hidden_deadlock.stack.txt"  # ids up to ~500
    new = CORPUS / "go1.27" / "bug_abba_mutex.stack.txt"  # another process: ids up to ~20
    r = run("diff", str(old), str(new))
    lines = r.output.splitlines()
    note = next(i for i, line in enumerate(lines) if line.startswith("note: "))
    assert lines[note].startswith("note: the process was probably restarted between the dumps")
    assert note <= 2  # right after the totals, before findings and buckets
    assert "waiting longer" not in r.output and "still there" not in r.output
    # lines wrap at 80 columns (the first names both inputs; a file path is never cut)
    assert all(len(line) <= 80 or max(map(len, line.split())) > 40 for line in lines[1:])


# --------------------------------------------------------------------------- README


def test_readme_command_blocks_are_real_output() -> None:
    """Every ``$ stackparse ...`` block of the README is what that command prints (its first
    lines, when the block ends with ``...``); ``python tests/readme_examples.py`` rewrites them."""
    sys.path.insert(0, str(Path(__file__).parent))
    import readme_examples

    found = readme_examples.blocks(readme_examples.README.read_text())
    assert len(found) >= 6, [c for c, _, _ in found]
    assert {"fmt_panic_nilptr", "pprof1", "--format markdown"} <= {
        w for c, _, _ in found for w in ("fmt_panic_nilptr", "pprof1", "--format markdown") if w in c
    }
    for command, shown, more in found:
        real, goes_on = readme_examples.expected(command, len(shown), more)
        assert shown == real, f"README block differs from `{command}`"
        assert more == goes_on, f"`{command}`: the README says the output {'goes on' if more else 'ends'}"
    top = re.search(r"pip install \. && (stackparse analyze \S+)", readme_examples.README.read_text())
    assert top is not None and top.group(1) == found[0][0], "the first example is the first command's output"


@pytest.mark.parametrize(
    "name", ["fmt_panic_nilptr.natural.txt", "fmt_labels.pprof1.txt", "fmt_labels127.stack.txt", "bug_relock.stack.txt"]
)
def test_json_keys_are_in_the_schema_and_strict(name: str) -> None:
    """The keys the report adds (verdict, limits, panic, labels, findings_omitted, location) are
    documented in analysis-1.json; the objects whose shape is ours reject an unknown key."""
    sys.path.insert(0, str(Path(__file__).parent))
    from renderutil import load_schema, validate

    schema = load_schema("analysis-1.json")
    d = json_of(CORPUS / "go1.27" / name)
    validate(d, schema)
    for key in ("verdict", "limits", "panic", "labels", "findings_omitted"):
        assert key in schema["properties"] and key in d
    for path in (["panic"], ["labels", 0], ["findings", 0, "location"]):
        doc: Any = json.loads(json.dumps(d))
        obj = doc
        try:
            for k in path:
                obj = obj[k]
        except (IndexError, KeyError, TypeError):
            continue
        if not isinstance(obj, dict):
            continue
        obj["unexpected"] = 1
        with pytest.raises(AssertionError):
            validate(doc, schema)


# (not fmt_panic_quoted_header: a logged dump comes before its crash, two dumps on stdin too)
@pytest.mark.parametrize(
    "path",
    [p for p in corpus("go1.2[37]/fmt_*.natural*.txt") if not p.name.startswith("fmt_panic_quoted_header.")],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_crash_file_reads_as_the_same_text_on_stdin(path: Path) -> None:
    """A file is read in pieces (parse_file_all), which returns a crash's preamble and its
    goroutines as two dumps; the command joins them: the report of the file is the report of
    the same text on stdin (read whole)."""
    from_file = text_of(path)
    r = run("analyze", "--color", "never", "-", input=path.read_text(errors="replace"))
    assert r.exit_code in (0, 1)
    assert from_file == r.output
    assert "==> " not in from_file and from_file.startswith(("Panic", "Fatal error"))


def test_import_path_locations_are_not_cut() -> None:
    """A location whose file is an import path (-trimpath, Debian's builds: ``go.etcd.io/etcd/
    etcdmain/etcd.go:286``) is printed whole: only absolute paths are shortened (a real etcd
    server's SIGQUIT dump, corpus/servers)."""
    path = CORPUS / "servers" / "etcd" / "etcd.load.sigquit.txt"
    text = text_of(path)
    assert "go.etcd.io/etcd/" in text
    assert not re.search(r"\w\((?:[\w-]+/)*[\w-]+\.go:\d+\)", text), re.search(r".*\w\([\w/.-]+\.go:\d+\).*", text)
