"""The ``stackparse`` command: exit statuses, stdin, bad input, every format, several inputs."""

from __future__ import annotations

import dataclasses
import gzip
import importlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackparse.cli import cli

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SCHEMA_DIR = REPO / "stackparse" / "schema"

parse = pytest.importorskip("stackparse.parsing", reason="stackparse.parsing not written yet")
detect = pytest.importorskip("stackparse.analysis", reason="stackparse.analysis not written yet")

# An AB-BA deadlock as Go 1.22+ prints it (GOTRACEBACK=all), and a healthy dump.
DEADLOCK = """goroutine 1 [running]:
main.main()
\t/build/svc/main.go:40 +0x1d

goroutine 7 [sync.Mutex.Lock, 12 minutes]:
sync.runtime_SemacquireMutex(0xc000012354?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/sema.go:95 +0x25
sync.(*Mutex).lockSlow(0xc000012350)
\t/usr/local/go/src/sync/mutex.go:173 +0x15d
sync.(*Mutex).Lock(...)
\t/usr/local/go/src/sync/mutex.go:92
main.transfer(0xc000012340, 0xc000012350)
\t/build/svc/main.go:14 +0x6e
created by main.main in goroutine 1
\t/build/svc/main.go:30 +0x4b

goroutine 8 [sync.Mutex.Lock, 12 minutes]:
sync.runtime_SemacquireMutex(0xc000012344?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/sema.go:95 +0x25
sync.(*Mutex).lockSlow(0xc000012340)
\t/usr/local/go/src/sync/mutex.go:173 +0x15d
sync.(*Mutex).Lock(...)
\t/usr/local/go/src/sync/mutex.go:92
main.transfer(0xc000012350, 0xc000012340)
\t/build/svc/main.go:14 +0x6e
created by main.main in goroutine 1
\t/build/svc/main.go:31 +0x5b
"""

HEALTHY = """goroutine 1 [running]:
main.main()
\t/build/svc/main.go:40 +0x1d

goroutine 5 [sleep]:
time.Sleep(0x3b9aca00)
\t/usr/local/go/src/runtime/time.go:300 +0xf2
main.ticker()
\t/build/svc/main.go:20 +0x25
created by main.main in goroutine 1
\t/build/svc/main.go:35 +0x25
"""


def many_goroutines(n: int) -> str:
    """A dump of ``n`` goroutines parked on channels at ten different lines."""
    parts = ["goroutine 1 [running]:\nmain.main()\n\t/build/svc/main.go:40 +0x1d\n"]
    for i in range(2, n + 2):
        parts.append(
            f"goroutine {i} [chan receive]:\n"
            f"main.worker({hex(0xC000100000 + 16 * i)})\n"
            f"\t/build/svc/worker.go:{10 + i % 10} +0x25\n"
            "created by main.main in goroutine 1\n"
            "\t/build/svc/main.go:30 +0x4b\n"
        )
    return "\n".join(parts)


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture
def deadlock_file(tmp_path: Path) -> Path:
    p = tmp_path / "deadlock.txt"
    p.write_text(DEADLOCK)
    return p


@pytest.fixture
def healthy_file(tmp_path: Path) -> Path:
    p = tmp_path / "healthy.txt"
    p.write_text(HEALTHY)
    return p


def load_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text())


def validate(instance: Any, schema_name: str) -> None:
    from renderutil import validate as _validate  # the tiny validator is shared with the renderer tests

    _validate(instance, load_schema(schema_name))


# --------------------------------------------------------------------------- exit statuses


def test_version_and_module_entry_point() -> None:
    r = run("--version")
    assert r.exit_code == 0 and r.output.startswith("stackparse ")
    p = subprocess.run(
        [sys.executable, "-m", "stackparse", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert p.returncode == 0 and p.stdout.startswith("stackparse ")


def test_deadlock_exits_1_healthy_exits_0(deadlock_file: Path, healthy_file: Path) -> None:
    r = run("analyze", str(deadlock_file))
    assert r.exit_code == 1, r.output
    assert "DEADLOCK" in r.output and "goroutine 7" in r.output and "goroutine 8" in r.output
    assert run("analyze", str(healthy_file)).exit_code == 0
    assert run("analyze", "--fail-on", "never", str(deadlock_file)).exit_code == 0


def test_fail_on_threshold(deadlock_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = detect.analyze

    def low(dump: Any) -> Any:
        a = real(dump)
        assert a.findings
        return dataclasses.replace(
            a, findings=type(a.findings)(dataclasses.replace(f, confidence="low") for f in a.findings)
        )

    monkeypatch.setattr(detect, "analyze", low)
    assert run("analyze", str(deadlock_file)).exit_code == 0  # default --fail-on medium
    assert run("analyze", "--fail-on", "low", str(deadlock_file)).exit_code == 1
    assert run("analyze", "--fail-on", "certain", str(deadlock_file)).exit_code == 0


def test_stdin_same_as_file(deadlock_file: Path) -> None:
    by_file = run("analyze", "--format", "json", str(deadlock_file))
    by_dash = run("analyze", "--format", "json", "-", input=DEADLOCK)
    by_none = run("analyze", "--format", "json", input=DEADLOCK)
    assert by_file.exit_code == by_dash.exit_code == by_none.exit_code == 1
    assert json.loads(by_file.stdout) == json.loads(by_dash.stdout) == json.loads(by_none.stdout)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", r"line 1: empty input"),
        (b"\x00\x01\x02\xff\xfe" * 200, r"line 1: binary data"),
        (b"hello\nthis is not a dump\n", r"line \d+"),
        (b"\x1f\x8b\x08\x00garbage", r"line 1: corrupt gzip"),
    ],
    ids=["empty", "binary", "text", "bad-gzip"],
)
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "in.txt"
    p.write_bytes(content)
    for cmd in ("parse", "analyze"):
        r = run(cmd, str(p))
        assert r.exit_code == 2, (cmd, r.output)
        assert r.stdout == ""
        err = r.stderr.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("stackparse: error: "), err
        assert re.search(message, err[0]), err[0]
        assert "Traceback" not in r.stderr


def test_missing_file_and_usage_errors_exit_2() -> None:
    r = run("analyze", "/nonexistent/dump.txt")
    assert r.exit_code == 2 and "stackparse: error: /nonexistent/dump.txt:" in r.stderr
    assert run("analyze", "--format", "yaml", "-", input=DEADLOCK).exit_code == 2
    assert run("analyze", "--fail-on", "maybe", "-", input=DEADLOCK).exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_internal_error_is_one_line_exit_2(deadlock_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(dump: Any) -> Any:
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setattr(detect, "analyze", boom)
    r = CliRunner().invoke(cli, ["analyze", str(deadlock_file)])
    assert r.exit_code == 2
    assert r.stderr == "stackparse: error: RuntimeError: kaboom second line\n"


def test_keyboard_interrupt_exits_130(deadlock_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(dump: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(detect, "analyze", interrupted)
    r = CliRunner().invoke(cli, ["analyze", str(deadlock_file)])
    assert r.exit_code == 130 and "Traceback" not in r.output


def test_broken_pipe_is_quiet(deadlock_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stackparse.cli as cli_mod
    import stackparse.cli.analyze as analyze_mod  # where the analyze command looks _write up

    def closed(text: str, color: bool = False) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(analyze_mod, "_write", closed)
    r = CliRunner().invoke(cli, ["analyze", str(deadlock_file)])
    assert r.exit_code == cli_mod.EXIT_PIPE and r.stderr == ""


def test_closed_pipe_in_a_real_process(tmp_path: Path) -> None:
    """``stackparse parse big | head -c 100``: whatever the kernel does, no traceback."""
    p = tmp_path / "big.txt"
    p.write_text(many_goroutines(3000))
    proc = subprocess.Popen(
        [sys.executable, "-m", "stackparse", "parse", str(p)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=120)
    assert err == "", err
    assert proc.returncode in (0, 141)


def test_console_script_ends_without_teardown_but_writes_everything(
    deadlock_file: Path, healthy_file: Path, tmp_path: Path
) -> None:
    """``main`` leaves through os._exit (no interpreter teardown): the report written to a pipe
    is the whole report, and the exit status is the command's own (1 findings, 0 none, 2 bad
    input), as in-process."""
    def real(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "stackparse", *args], capture_output=True,
                              text=True, cwd=REPO, timeout=120)  # fmt: skip

    for args in (["analyze", str(deadlock_file)], ["analyze", "--format", "json", str(deadlock_file)],
                 ["analyze", str(healthy_file)], ["parse", "--format", "json", str(deadlock_file)]):  # fmt: skip
        inproc = run(*args)
        proc = real(*args)
        assert (proc.returncode, proc.stdout) == (inproc.exit_code, inproc.stdout), args
        assert inproc.exit_code in (0, 1) and len(proc.stdout) > 200
    bad = tmp_path / "bad.txt"
    bad.write_text("goroutine x [running]:\n")
    proc = real("analyze", str(bad))
    assert proc.returncode == 2 and proc.stderr.startswith("stackparse: ") and proc.stdout == ""
    version = real("--version")
    assert version.returncode == 0 and version.stdout.startswith("stackparse ")
    # exit handlers registered around the CLI (coverage's, logging's) still run, after the report
    code = ("import atexit, sys; atexit.register(lambda: print('handler ran', file=sys.stderr)); "
            f"from stackparse.cli import main; main(['analyze', {str(deadlock_file)!r}])")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 1 and "DEADLOCK" in proc.stdout and proc.stderr == "handler ran\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_is_one_line_and_exit_2(deadlock_file: Path) -> None:
    """The report cannot be written (ENOSPC): one line on stderr, exit 2, no traceback."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "stackparse", "analyze", str(deadlock_file)], stdout=full,
                              stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("stackparse: error: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- URL input


def test_url_input_uses_capture_fetch(monkeypatch: pytest.MonkeyPatch) -> None:
    capture = pytest.importorskip("stackparse.capture")
    seen = {}

    def fetch(url: str, **kw: Any) -> bytes:
        seen["url"] = url
        return DEADLOCK.encode()

    monkeypatch.setattr(capture, "fetch", fetch)
    r = run("analyze", "http://127.0.0.1:6060/debug/pprof/goroutine?debug=2")
    assert r.exit_code == 1 and "DEADLOCK" in r.stdout
    assert seen["url"].startswith("http://127.0.0.1:6060/")


def test_url_input_errors_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    capture = pytest.importorskip("stackparse.capture")

    def fetch(url: str, **kw: Any) -> bytes:
        raise capture.CaptureError("connection refused by 127.0.0.1:1", url=url)

    monkeypatch.setattr(capture, "fetch", fetch)
    r = run("analyze", "http://127.0.0.1:1/")
    assert r.exit_code == 2
    assert r.stderr.startswith("stackparse: error: http://127.0.0.1:1/: connection refused")


def test_url_input_without_capture_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "stackparse.capture", None)  # import raises ImportError
    r = run("analyze", "https://example.invalid/debug/pprof/goroutine?debug=2")
    assert r.exit_code == 2 and "URL input not available" in r.stderr


# --------------------------------------------------------------------------- formats


def test_every_format_is_valid(deadlock_file: Path) -> None:
    from renderutil import check_dot, check_html

    out = {}
    for fmt in ("text", "json", "jsonl", "dot", "mermaid", "markdown", "html"):
        r = run("analyze", "--format", fmt, str(deadlock_file))
        assert r.exit_code == 1, (fmt, r.stderr)
        assert r.stderr == "", (fmt, r.stderr)
        out[fmt] = r.stdout
    d = json.loads(out["json"])
    validate(d, "analysis-1.json")
    assert d["schema"] == "stackparse/analysis/1" and d["findings"]
    (line,) = out["jsonl"].splitlines()
    assert json.loads(line)["source"] == str(deadlock_file)
    nodes, edges = check_dot(out["dot"])
    assert '"g:7"' in nodes and '"g:8"' in nodes and edges
    assert out["mermaid"].startswith("flowchart LR")
    assert len(out["markdown"]) <= 4000 and "DEADLOCK" in out["markdown"]
    c = check_html(out["html"])
    assert len(c.scripts) == 1 and c.handlers == [] and c.remote == []


def test_html_escapes_script_in_panic_value(tmp_path: Path) -> None:
    from renderutil import check_html

    p = tmp_path / "panic.txt"
    p.write_text("panic: <script>alert(1)</script>\n\n" + DEADLOCK)
    r = run("analyze", "--format", "html", str(p))
    assert r.exit_code in (0, 1), r.stderr
    c = check_html(r.stdout)
    assert len(c.scripts) == 1 and "alert" not in c.scripts[0]
    assert "<script>alert(1)</script>" not in r.stdout


def test_color_auto_always_never(deadlock_file: Path) -> None:
    assert "\x1b[" not in run("analyze", str(deadlock_file)).stdout  # CliRunner's stdout is no tty
    assert "\x1b[" in run("analyze", "--color", "always", str(deadlock_file)).stdout
    assert "\x1b[" not in run("analyze", "--color", "never", str(deadlock_file)).stdout


def test_no_color_env_is_respected(deadlock_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stackparse.cli as cli_mod

    monkeypatch.setattr(cli_mod.sys.stdout, "isatty", lambda: True, raising=False)
    assert cli_mod._use_color("auto") is True or not hasattr(sys.stdout, "isatty")
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_mod._use_color("auto") is False
    assert cli_mod._use_color("always") is True


# --------------------------------------------------------------------------- several inputs


def test_several_inputs_and_directories(tmp_path: Path) -> None:
    d = tmp_path / "dumps"
    d.mkdir()
    (d / "b.txt").write_text(DEADLOCK)
    (d / "a.txt.gz").write_bytes(gzip.compress(HEALTHY.encode()))
    (d / "c.log").write_text(HEALTHY)
    (d / "ignored.json").write_text("{}")
    r = run("analyze", "--format", "jsonl", str(d))
    assert r.exit_code == 1
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [Path(x["source"]).name for x in rows] == ["a.txt.gz", "b.txt", "c.log"]
    for x in rows:
        validate(x, "analysis-1.json")
    assert [bool(x["findings"]) for x in rows] == [False, True, False]

    r = run("analyze", str(d / "a.txt.gz"), str(d / "b.txt"))
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["source", "goroutines", "findings", "worst"]
    assert lines[1].split()[1:] == ["2", "-", "-"]
    assert lines[2].split()[2:4] == ["1", "deadlock"]
    assert f"==> {d / 'b.txt'} <==" in r.stdout

    r = run("analyze", "--format", "json", str(d / "a.txt.gz"), str(d / "b.txt"))
    assert r.exit_code == 2 and "jsonl" in r.stderr
    assert run("analyze", str(tmp_path / "empty-dir-that-is-missing")).exit_code == 2


# --------------------------------------------------------------------------- parse


def test_parse_json_and_text(deadlock_file: Path) -> None:
    r = run("parse", str(deadlock_file))
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    validate(d, "dump-1.json")
    assert [g["id"] for g in d["goroutines"]] == [1, 7, 8]
    assert d["goroutines"][1]["wait_minutes"] == 12
    assert d["goroutines"][1]["frames"][1]["function"] == "sync.(*Mutex).lockSlow"
    r = run("parse", "--format", "text", "-", input=DEADLOCK)
    assert r.exit_code == 0 and "goroutine 8 [sync.Mutex.Lock, 12 min]" in r.stdout


def test_parse_several_dumps(tmp_path: Path) -> None:
    p = tmp_path / "two.txt"
    p.write_text("panic: first\n\n" + DEADLOCK + "\nexit status 2\npanic: second\n\n" + HEALTHY)
    if len(parse.parse_all(p.read_text())) != 2:
        pytest.skip("parser does not split these two dumps")
    r = run("parse", str(p))  # every dump, JSON {"dumps": [...]}
    assert r.exit_code == 0 and r.stderr == ""
    d = json.loads(r.stdout)
    validate(d, "dump-1.json")
    assert [x["preamble"]["panics"][0]["value"] for x in d["dumps"]] == ["first", "second"]
    assert json.loads(run("parse", "--all", str(p)).stdout) == d  # (--all: kept, the default now)
    r = run("parse", "--format", "text", str(p))  # a section per dump
    assert r.stdout.count("==> ") == 2 and "(dump 2 of 2, lines" in r.stdout
    # analyze: JSON {"dumps": [analysis, ...]}, text a section per dump
    r = run("analyze", "--format", "json", "--fail-on", "never", str(p))
    assert r.exit_code == 0, r.stderr
    docs = json.loads(r.stdout)["dumps"]
    assert len(docs) == 2 and all(x["schema"] == "stackparse/analysis/1" for x in docs)
    assert any(f["kind"] == "deadlock" for f in docs[0]["findings"])
    assert not any(f["kind"] == "deadlock" for f in docs[1]["findings"])
    r = run("analyze", "--fail-on", "never", str(p))
    assert "(dump 1) <==" in r.stdout and "(dump 2) <==" in r.stdout


def test_parse_one_dump_keeps_its_shape_and_no_phantom(tmp_path: Path) -> None:
    """A crash message quoted in a log line before the dump: one dump, today's JSON shape."""
    p = tmp_path / "app.log"
    p.write_text("2026/11/23 18:40:59 ERROR worker crashed: panic: first\nrestarting\n\npanic: first\n\n" + DEADLOCK)
    d = json.loads(run("parse", str(p)).stdout)
    assert d["schema"] == "stackparse/dump/1" and [g["id"] for g in d["goroutines"]] == [1, 7, 8]


# --------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("name", ["bug_abba_mutex.sigquit.txt", "bug_abba_mutex.stack.txt"])
def test_corpus_abba_report_reads_in_80_columns(name: str) -> None:
    path = CORPUS / "go1.27" / name
    if not path.exists():
        pytest.skip("corpus dump not generated")
    r = run("analyze", str(path))
    assert r.exit_code == 1, r.stdout + r.stderr
    head = r.stdout.split("Goroutines:")[0]
    assert all(len(x) <= 80 for x in head.splitlines()), head
    assert "main.lockOrderWorkerA" in head and "main.lockOrderWorkerB" in head
    assert "blocked behind it: 3 goroutines" in head


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _run_main(args: list[str], monkeypatch: pytest.MonkeyPatch, err: io.StringIO) -> int:
    cli_mod = importlib.import_module("stackparse.cli")
    monkeypatch.setattr(cli_mod.sys, "stderr", err)
    with pytest.raises(SystemExit) as e:
        cli.main(args, prog_name="stackparse")
    monkeypatch.undo()
    return int(e.value.code or 0)


def test_terminal_shows_progress_and_analysis_status(
    deadlock_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal a big input gets a progress bar while it is parsed and a status line while
    it is analysed (erased after); piped, or in JSON mode, stderr stays clean."""
    # the modules that read the thresholds: the input reader and the analyze command
    inputs_mod = importlib.import_module("stackparse.cli.inputs")
    analyze_mod = importlib.import_module("stackparse.cli.analyze")
    # this small dump stands for a big one
    monkeypatch.setattr(inputs_mod, "PROGRESS_BYTES", 1)
    monkeypatch.setattr(analyze_mod, "STATUS_GOROUTINES", 1)
    tty = _Terminal()
    assert _run_main(["analyze", str(deadlock_file)], monkeypatch, tty) == 1
    shown = tty.getvalue()
    assert "parsing" in shown
    assert re.search(r"analysing \d+ goroutines\.\.\.\r\x1b\[K$", shown), shown
    assert "DEADLOCK" in capsys.readouterr().out  # the report itself goes to stdout
    for args, err in ((["analyze", str(deadlock_file)], io.StringIO()),
                      (["analyze", "--format", "json", str(deadlock_file)], _Terminal())):  # fmt: skip
        monkeypatch.setattr(inputs_mod, "PROGRESS_BYTES", 1)
        monkeypatch.setattr(analyze_mod, "STATUS_GOROUTINES", 1)
        assert _run_main(args, monkeypatch, err) == 1
        assert "analysing" not in err.getvalue() and "parsing" not in err.getvalue()
    capsys.readouterr()
