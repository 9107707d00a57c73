"""--format sarif and --format github on real `go test` output (corpus/gotest/).

The captured outputs are those of our own test modules in corpus/gotest/ (hang, leaky, clean,
mixed), run by Go 1.27.3 and 1.21.13 in a copy under /tmp/spgotest (so the paths in the dumps
are not those of this checkout). Each bug's blocking line carries a ``// BLOCKS: NAME`` marker
in the Go source; the tests look the line number up by the marker and require the report to
point at that file and line, relative to the repository root.

The SARIF is checked by the SARIF Multitool (npm @microsoft/sarif-multitool, installed by
.ci/run) when it is installed; the github format line by line against the documented workflow
command grammar. The live test (a real `go test` run) needs a Go toolchain (STACKPARSE_GO, else
the newest of /opt/go/*/go/bin/go).
"""

from __future__ import annotations

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
from hypothesis import given
from hypothesis import strategies as st

from stackparse.cli import cli
from stackparse.model import Dump
from stackparse.render._ci import RepoPaths
from stackparse.render.github import COMMANDS, escape_data, escape_property, workflow_command

REPO = Path(__file__).resolve().parent.parent
GOTEST = REPO / "corpus" / "gotest"
VERSIONS = ("go1.27", "go1.21")
#: every captured form of a run of the hang module's ./... (two packages, two dumps)
HANG_FORMS = ("gotest", "gotest-json", "gotest.gha-variant", "gotest.gitlab-variant")


def marker(module: str, pkg: str, name: str) -> tuple[str, int]:
    """(repository-relative path, line) of the ``// BLOCKS: name`` comment in the package."""
    for f in sorted((GOTEST / module / pkg).glob("*.go")):
        for i, line in enumerate(f.read_text().splitlines(), 1):
            if line.rstrip().endswith(f"// BLOCKS: {name}"):
                return f.relative_to(REPO).as_posix(), i
    raise AssertionError(f"no marker {name} in {module}/{pkg}")


def analyze(*args: str, input: str | None = None, env: dict[str, str | None] | None = None) -> Any:
    # a job running these tests has its own GITHUB_STEP_SUMMARY: never append to it
    env = {"GITHUB_STEP_SUMMARY": None, **(env or {})}
    return CliRunner().invoke(cli, ["analyze", *args], input=input, env=env, catch_exceptions=False)


def sarif_of(path: Path, *extra: str) -> tuple[dict[str, Any], int]:
    r = analyze("--format", "sarif", "--repo-root", str(REPO), *extra, str(path))
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout), r.exit_code


def located(result: dict[str, Any]) -> tuple[str, int]:
    loc = result["locations"][0]["physicalLocation"]
    return loc["artifactLocation"]["uri"], loc["region"]["startLine"]


# --------------------------------------------------------------------------- SARIF, corpus


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("form", HANG_FORMS)
def test_sarif_points_at_each_hangs_blocking_line(version: str, form: str) -> None:
    doc, status = sarif_of(GOTEST / version / f"hang.{form}.txt")
    run = doc["runs"][0]
    results = run["results"]
    at = {located(r) for r in results}
    abba, nosender = marker("hang", "transfer", "abba"), marker("hang", "pipeline", "nosender")
    assert abba in at and nosender in at, at
    # the AB-BA deadlock: rule, level, the test that hung, and its other goroutine as holder
    dl = [r for r in results if located(r) == abba and r["ruleId"] == "deadlock/cycle"]
    assert dl, [(r["ruleId"], located(r)) for r in results]
    r = dl[0]
    assert r["level"] == "error" and r["properties"]["confidence"] in ("high", "certain")
    assert r["properties"]["tests"] == ["TestTransferBothWays"]
    assert r["properties"]["testPackage"] == "example.com/hang/transfer"
    assert r["properties"]["testTimeout"] == "5s"
    assert "TestTransferBothWays" in r["message"]["text"]
    holders = [x for x in r.get("relatedLocations", []) if x["message"]["text"].startswith("holder:")]
    assert holders and all(
        (x["physicalLocation"]["artifactLocation"]["uri"], x["physicalLocation"]["region"]["startLine"]) == abba
        for x in holders
    )
    # the rule table and the indexes agree; every path is repository-relative under SRCROOT
    rules = run["tool"]["driver"]["rules"]
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        art = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "SRCROOT" and (REPO / art["uri"]).is_file()
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == REPO.as_uri() + "/"
    assert status == 1  # a high deadlock, --fail-on medium


@pytest.mark.parametrize(
    ("name", "module", "pkg", "mark", "test"),
    [
        ("mixed.gotest", "mixed", "queue", "lost-done", "TestDrainSkipsEmpty"),
        ("hang.gotest-trimpath", "hang", "transfer", "abba", "TestTransferBothWays"),
        ("hang-pipeline.gotest", "hang", "pipeline", "nosender", "TestSumBadRecord"),
    ],
)
def test_sarif_names_the_test_and_line(name: str, module: str, pkg: str, mark: str, test: str) -> None:
    for version in VERSIONS:
        path = GOTEST / version / f"{name}.txt"
        if not path.exists():  # -trimpath is captured with the newest Go only
            continue
        doc, _ = sarif_of(path)
        hits = [r for r in doc["runs"][0]["results"] if located(r) == marker(module, pkg, mark)]
        assert hits, (version, [located(r) for r in doc["runs"][0]["results"]])
        assert any(test in r["properties"].get("tests", []) for r in hits)


#: The parse helper's branch adds Dump.test_report, goleak reports read as one dump, and the
#: -json output of packages run in parallel (their events interleave) read per package.
HAS_TEST_REPORT = "test_report" in getattr(Dump, "__dataclass_fields__", {})
NEEDS_PARSER = pytest.mark.xfail(
    not HAS_TEST_REPORT, reason="interleaved -json goleak output needs the parse helper's reading", strict=False
)


@pytest.mark.parametrize(
    "form", ["gotest", "gotest.gha-variant", "gotest.gitlab-variant", pytest.param("gotest-json", marks=NEEDS_PARSER)]
)
def test_sarif_leaks_located_at_their_blocking_sends(form: str) -> None:
    for version in VERSIONS:
        doc, _ = sarif_of(GOTEST / version / f"leaky.{form}.txt")
        at = {located(r) for r in doc["runs"][0]["results"] if "locations" in r}
        assert all("locations" in r for r in doc["runs"][0]["results"])
        for pkg, mark in (("fanout", "first-wins"), ("pool", "send-under-lock"), ("pool", "behind-holder")):
            assert marker("leaky", pkg, mark) in at, (version, form, at)


def test_clean_packages_give_an_empty_report_and_exit_0() -> None:
    for version in VERSIONS:
        for form in ("gotest", "gotest-json", "gotest.gha-variant", "gotest.gitlab-variant"):
            doc, status = sarif_of(GOTEST / version / f"clean.{form}.txt")
            assert doc["runs"][0]["results"] == [] and status == 0
            r = analyze("--format", "github", str(GOTEST / version / f"clean.{form}.txt"))
            assert r.exit_code == 0 and r.stdout == ""
    # the same input in the text format is still an error: there is nothing to read
    assert analyze(str(GOTEST / "go1.27" / "clean.gotest.txt")).exit_code == 2
    # and so is binary input in the CI formats
    assert analyze("--format", "sarif", input="\x00\x01\x02").exit_code == 2


@pytest.mark.parametrize("fail_on", ["low", "medium", "high", "certain", "never"])
def test_exit_status_gates_on_fail_on(fail_on: str) -> None:
    order = ["low", "medium", "high", "certain"]
    for name in ("hang.gotest", "leaky.gotest", "mixed.gotest"):
        path = GOTEST / "go1.27" / f"{name}.txt"
        doc, status = sarif_of(path, "--fail-on", fail_on)
        confs = [r["properties"]["confidence"] for r in doc["runs"][0]["results"]]
        want = fail_on != "never" and any(order.index(c) >= order.index(fail_on) for c in confs)
        assert status == int(want), (name, confs)
        gh = analyze("--format", "github", "--fail-on", fail_on, str(path))
        assert gh.exit_code == status


def test_profile_record_findings_are_located_at_their_record() -> None:
    """pprof debug=1 (goroutineleak) findings have no goroutine ids: the record they name."""
    doc, _ = sarif_of(
        REPO / "corpus" / "go1.27" / "bug_abba_mutex.leakprof1.txt", "--source", str(REPO / "corpus" / "programs")
    )
    results = doc["runs"][0]["results"]
    assert results
    src = (REPO / "corpus" / "programs" / "bug_abba_mutex" / "main.go").read_text().splitlines()
    for r in results:
        uri, line = located(r)
        assert uri == "corpus/programs/bug_abba_mutex/main.go"
        assert src[line - 1].strip().endswith("mu.Lock()"), (line, src[line - 1])


def test_several_inputs_one_sarif_run() -> None:
    paths = [GOTEST / "go1.27" / "hang-transfer.gotest.txt", GOTEST / "go1.27" / "leaky-fanout.gotest.txt"]
    r = analyze("--format", "sarif", "--repo-root", str(REPO), *map(str, paths))
    doc = json.loads(r.stdout)
    assert len(doc["runs"]) == 1
    at = {located(x) for x in doc["runs"][0]["results"]}
    assert marker("hang", "transfer", "abba") in at and marker("leaky", "fanout", "first-wins") in at


# --------------------------------------------------------------------------- path mapping


def test_repo_paths_by_suffix_and_by_module_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    svc = tmp_path / "services" / "svc"
    (svc / "store").mkdir(parents=True)
    (svc / "go.mod").write_text("module example.com/svc\n\ngo 1.22\n")
    (svc / "store" / "db.go").write_text("package store\n")
    (svc / "store" / "db_test.go").write_text("package store_test\n")
    repo = RepoPaths(repo_root=tmp_path)
    # an absolute build path whose suffix exists under the checkout
    assert repo.path("/home/runner/work/x/x/services/svc/store/db.go") == "services/svc/store/db.go"
    # -trimpath: module path, found through go.mod
    assert repo.path("example.com/svc/store/db.go", "example.com/svc/store") == "services/svc/store/db.go"
    # a build directory named differently: only the package's import path can find it
    assert repo.path("/build/tmp/store/db_test.go", "example.com/svc/store_test") == "services/svc/store/db_test.go"
    assert repo.path("/build/tmp/store/nope.go", "example.com/svc/store") is None
    assert repo.path("/usr/local/go/src/sync/mutex.go", "sync") is None
    assert repo.path("example.com/other/x.go", "example.com/other") is None
    # the default root is the checkout holding --source
    assert RepoPaths(source=svc).root == tmp_path.resolve()


def test_blocking_site_prefers_own_code_to_vendored(tmp_path: Path) -> None:
    import stackparse
    from stackparse.render._ci import finding_site
    from stackparse.render._common import View

    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    (tmp_path / "vendor" / "example.com" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "example.com" / "lib" / "lib.go").write_text("package lib\n" * 40)
    (tmp_path / "main.go").write_text("package main\n" * 40)
    dump = stackparse.parse(
        "goroutine 1 [chan receive (nil chan)]:\n"
        "example.com/lib.Wait(...)\n\t/build/vendor/example.com/lib/lib.go:20\n"
        "main.main()\n\t/build/main.go:7 +0x1d\n"
    )
    a = stackparse.analyze(dump)
    assert a.findings
    view = View(a, dump=dump)
    site = finding_site(view, RepoPaths(repo_root=tmp_path), view.findings[0])
    assert site is not None and (site.path, site.line, site.in_repo) == ("main.go", 7, True)


# --------------------------------------------------------------------------- github format

#: The documented workflow command syntax: ::COMMAND k=v,k=v::MESSAGE, where a property value
#: holds none of , : CR LF (escaped), the message no CR LF, and % only starts an escape.
_ESC = r"(?:%25|%0D|%0A|%3A|%2C)"
_VALUE = rf"(?:[^%,:\r\n]|{_ESC})*"
_PROP = rf"(?:file|line|endLine|col|endColumn|title)={_VALUE}"
COMMAND_LINE = re.compile(
    rf"^::(?P<cmd>error|warning|notice)(?: (?P<props>{_PROP}(?:,{_PROP})*))?::(?P<msg>(?:[^%\r\n]|{_ESC})*)$"
)


def unescape(text: str) -> str:
    """The runner's reading of an escaped value (toolkit order: %25 last)."""
    for esc, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(esc, ch)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    m = COMMAND_LINE.match(line)
    assert m, f"not a workflow command by the documented grammar: {line!r}"
    props = {}
    for kv in (m.group("props") or "").split(","):
        if kv:
            k, _, v = kv.partition("=")
            props[k] = unescape(v)
    return m.group("cmd"), props, unescape(m.group("msg"))


@given(st.text())
def test_escaping_round_trips_and_leaves_no_separator(text: str) -> None:
    p = escape_property(text)
    assert not set(p) & set(",:\r\n") and unescape(p) == text
    d = escape_data(text)
    assert "\r" not in d and "\n" not in d and unescape(d) == text


@given(st.text(), st.text(), st.integers(min_value=1, max_value=10**6))
def test_any_command_matches_the_grammar(title: str, message: str, line: int) -> None:
    cmd, props, msg = parse_command(
        workflow_command("error", {"file": "a,b:c.go", "line": line, "title": title}, message)
    )
    assert cmd == "error" and msg == message
    assert props == {"file": "a,b:c.go", "line": str(line), "title": title}


def test_github_lines_of_a_leak() -> None:
    path = GOTEST / "go1.27" / "leaky.gotest.gha-variant.txt"
    doc, _ = sarif_of(path)
    r = analyze("--format", "github", "--repo-root", str(REPO), str(path))
    lines = r.stdout.splitlines()
    assert len(lines) == len(doc["runs"][0]["results"]) > 0
    seen = set()
    for line, res in zip(lines, doc["runs"][0]["results"]):
        cmd, props, msg = parse_command(line)
        assert cmd == COMMANDS[res["properties"]["confidence"]]
        assert (props["file"], int(props["line"])) == located(res)
        assert props["title"].startswith(f"stackparse: {res['properties']['kind']} (")
        assert msg == res["message"]["text"]  # the same words as the SARIF result
        seen.add((props["file"], int(props["line"])))
    assert marker("leaky", "fanout", "first-wins") in seen
    assert marker("leaky", "pool", "send-under-lock") in seen


def test_most_certain_findings_come_first() -> None:
    order = ["low", "medium", "high", "certain"]
    for version in VERSIONS:
        doc, _ = sarif_of(GOTEST / version / "hang.gotest.txt")
        ranks = [order.index(r["properties"]["confidence"]) for r in doc["runs"][0]["results"]]
        assert len(set(ranks)) > 1 and ranks == sorted(ranks, reverse=True)


def test_github_step_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    path = str(GOTEST / "go1.27" / "hang.gotest.txt")
    env: dict[str, str | None] = {"GITHUB_STEP_SUMMARY": str(summary)}
    r = analyze("--format", "github", "--repo-root", str(REPO), path, env=env)
    assert r.exit_code == 1
    text = summary.read_text()
    assert text.startswith("# earlier step\n## stackparse: ")
    file, line = marker("hang", "transfer", "abba")
    row = [ln for ln in text.splitlines() if f"`{file}:{line}`" in ln]
    assert row and "TestTransferBothWays (example.com/hang/transfer)" in row[0] and row[0].startswith("| high |")
    r = analyze("--format", "github", str(GOTEST / "go1.27" / "clean.gotest.txt"), env=env)
    assert r.exit_code == 0 and summary.read_text().endswith("No deadlock or leak found.\n")


def test_test_context_reads_test_report_and_else_the_preamble() -> None:
    """The parser's test_report (read through getattr) wins; without it the go test timeout
    preamble and the test function's frame say which test hung."""
    from types import SimpleNamespace

    import stackparse
    from stackparse.render._ci import test_context

    dump = stackparse.parse_all((GOTEST / "go1.27" / "hang-transfer.gotest.txt").read_text())[0]
    ctx = test_context(dump)
    assert ctx is not None and (ctx.tool, ctx.tests, ctx.package, ctx.timeout) == (
        "go test",
        ("TestTransferBothWays",),
        "example.com/hang/transfer",
        "5s",
    )
    assert ctx.sentence() == "TestTransferBothWays in example.com/hang/transfer timed out after 5s (go test -timeout)"
    report = SimpleNamespace(tool="goleak", tests=("TestFirst",), package="example.com/leaky/fanout", timeout=None)
    fake = SimpleNamespace(preamble=dump.preamble, goroutines=dump.goroutines, test_report=report)
    ctx = test_context(fake)  # type: ignore[arg-type]
    assert ctx is not None and (ctx.tool, ctx.tests, ctx.package) == (
        "goleak",
        ("TestFirst",),
        "example.com/leaky/fanout",
    )
    assert ctx.sentence() == "goleak found goroutines left running by TestFirst in example.com/leaky/fanout"
    # a dump that no test wrote has no context
    plain = stackparse.parse((REPO / "corpus" / "go1.27" / "bug_abba_mutex.sigquit.txt").read_text())
    assert test_context(plain) is None


def test_goleak_report_names_the_leaking_test() -> None:
    """With the parser's test_report (the parse helper's TestReport), a goleak failure is one
    dump whose findings name the test; without it this branch has nothing to check."""
    import stackparse

    if not HAS_TEST_REPORT:
        pytest.skip("the parser of this branch has no test_report (goleak reports are read per goroutine)")
    dumps = stackparse.parse_all((GOTEST / "go1.27" / "leaky-fanout.gotest.txt").read_text())
    assert len(dumps) == 1 and dumps[0].test_report.tool == "goleak"
    doc, _ = sarif_of(GOTEST / "go1.27" / "leaky-fanout.gotest.txt")
    results = doc["runs"][0]["results"]
    assert results and all(r["properties"]["tests"] == ["TestFirst"] for r in results)
    assert all(r["properties"]["confidence"] in ("medium", "high", "certain") for r in results)


# --------------------------------------------------------------------------- SARIF Multitool


def multitool() -> list[str] | None:
    """The SARIF Multitool's command, when npm has it installed globally."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False).stdout.strip()
    pkg = Path(root) / "@microsoft" / "sarif-multitool"
    if not pkg.is_dir():
        return None
    for exe in pkg.glob("node_modules/@microsoft/sarif-multitool-*/Sarif.Multitool"):
        if os.access(exe, os.X_OK):
            return [str(exe)]
    node = shutil.which("node")
    return None if node is None else [node, str(pkg / "bin.js")]


def validate(tool: list[str], files: list[Path], out: Path, rule_kinds: str) -> list[dict[str, Any]]:
    """The Multitool's results (its own SARIF log) for ``files``: JSON schema and rule checks."""
    cmd = [*tool, "validate", *map(str, files), "-o", str(out), "--log", "ForceOverwrite", "--rule-kind", rule_kinds]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    assert out.exists(), f"validator wrote no log: {p.stdout}\n{p.stderr}"
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    return [r for run in log["runs"] for r in run.get("results", [])]


def test_sarif_multitool_validates_every_report(tmp_path: Path) -> None:
    tool = multitool()
    if tool is None:
        pytest.skip("the SARIF Multitool is not installed (npm install -g @microsoft/sarif-multitool; .ci/run does)")
    # every report with results, as the runs of a few logs (the validator's cost is per file; GitHub
    # takes at most 20 runs in one upload, rule GH1013)
    runs, names = [], []
    for version in VERSIONS:
        for p in sorted((GOTEST / version).glob("*.txt")):
            if p.name.startswith("clean"):
                continue
            doc, _ = sarif_of(p)
            assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
            if doc["runs"][0]["results"]:
                runs.append(doc["runs"][0])
                names.append(f"{version}/{p.name}")
    assert len(runs) >= 20
    # and dumps that are not go test output: SIGQUIT, goroutineleak and debug=1 profiles of the
    # corpus programs (every rule family), mapped with --source corpus/programs
    for p in sorted((REPO / "corpus" / "go1.27").glob("bug_*.txt")):
        if p.name.endswith((".sigquit.txt", ".leakprof1.txt")):
            doc, _ = sarif_of(p, "--source", str(REPO / "corpus" / "programs"))
            if doc["runs"][0]["results"]:
                runs.append(doc["runs"][0])
                names.append(f"go1.27/{p.name}")
    goods = []
    for k in range(0, len(runs), 20):
        goods.append(tmp_path / f"reports{k // 20}.sarif")
        log = {"$schema": doc["$schema"], "version": "2.1.0", "runs": runs[k : k + 20]}
        goods[-1].write_text(json.dumps(log, indent=2))
    # a broken copy proves the validator reads the schema: startLine 0 and a missing message
    broken = json.loads(json.dumps(runs[0]))
    broken["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    del broken["results"][-1]["message"]
    bad = tmp_path / "broken.sarif"
    bad.write_text(json.dumps({"version": "2.1.0", "runs": [broken]}, indent=2))
    results = validate(tool, [*goods, bad], tmp_path / "validation.sarif", "Sarif;Gh")

    def where(r: dict[str, Any]) -> str:
        return str(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])

    def which(r: dict[str, Any]) -> str:
        m = re.match(r"runs\[(\d+)\]", str(r.get("properties", {}).get("jsonPath", "")))
        k = int(re.sub(r"\D", "", where(r).rsplit("/", 1)[-1]) or 0)
        return names[20 * k + int(m.group(1))] if m else where(r)

    errors = [r for r in results if r.get("level", "warning") == "error"]
    ours = [(r["ruleId"], which(r), r["message"]) for r in errors if "/reports" in where(r)]
    assert not ours, ours
    caught = {r["ruleId"] for r in errors if where(r).endswith("broken.sarif")}
    assert {"JSON1008", "JSON1002"} <= caught, caught  # minimum violated, required property missing


# --------------------------------------------------------------------------- live go test


GOLEAK = Path("/usr/share/gocode/src/go.uber.org/goleak")


def live_go_test(tmp_path: Path, module: str) -> tuple[int, str]:
    """A real `go test -count=1 -timeout=5s ./...` of a copy of corpus/gotest/MODULE: (exit, output)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from goserver import find_go

    found = find_go()
    if found is None:
        pytest.skip("no Go toolchain (set STACKPARSE_GO, or corpus/install_go.sh 1.27.3 /opt/go/1.27.3)")
    work = tmp_path / module
    shutil.copytree(GOTEST / module, work)
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    p = subprocess.run(
        [found[0], "test", "-count=1", "-timeout=5s", "./..."],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=300,
        check=False,
    )
    return p.returncode, p.stdout.decode(errors="replace")


def test_live_go_test_hang_to_sarif(tmp_path: Path) -> None:
    """A real `go test ./...` of the hang module, piped into the CLI as CI does."""
    status, out = live_go_test(tmp_path, "hang")
    assert status == 1 and "panic: test timed out after 5s" in out, out[-2000:]
    r = analyze("--format", "sarif", "--repo-root", str(REPO), input=out)
    doc = json.loads(r.stdout)
    at = {located(x) for x in doc["runs"][0]["results"]}
    assert marker("hang", "transfer", "abba") in at and marker("hang", "pipeline", "nosender") in at


def test_live_goleak_to_github(tmp_path: Path) -> None:
    """A real `go test ./...` of the leaky module under the real goleak (Debian's source)."""
    if not (GOLEAK / "leaks.go").is_file():
        pytest.skip("goleak's source is not installed (apt-get install golang-uber-goleak-dev; .ci/run does)")
    status, out = live_go_test(tmp_path, "leaky")
    assert status == 1 and "found unexpected goroutines" in out, out[-2000:]
    r = analyze("--format", "github", "--repo-root", str(REPO), input=out)
    seen = set()
    for line in r.stdout.splitlines():
        _, props, _ = parse_command(line)
        seen.add((props["file"], int(props["line"])))
    assert marker("leaky", "fanout", "first-wins") in seen and marker("leaky", "pool", "send-under-lock") in seen


def test_ci_messages_use_readers_words() -> None:
    """The SARIF and workflow-command texts say what the text report says: no graph keys
    (``mutex@0x…``, ``chan?g12``), no node ids (``g:20``), no ``goroutine(s)``."""
    internal = re.compile(r"\b[a-z-]+@0x[0-9a-f]+|\b[a-z-]+\?g\d+|\bg:\d+|\(s\)")
    for version in VERSIONS:
        for name in ("hang", "leaky", "mixed"):
            doc, _ = sarif_of(GOTEST / version / f"{name}.gotest.txt")
            results = doc["runs"][0]["results"]
            assert results
            for r in results:
                texts = [r["message"]["text"], *(x["message"]["text"] for x in r.get("relatedLocations", []))]
                for t in texts:
                    assert not internal.search(t), (name, version, internal.search(t), t[:300])
