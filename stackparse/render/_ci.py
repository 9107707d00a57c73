"""What the CI renderers (:mod:`.sarif`, :mod:`.github`) share: where a frame is in the repository,
which test hung or leaked, and the sentences that explain a finding.

Paths. A dump names files as they were on the build machine (``/home/runner/work/svc/svc/x.go``,
``/go/src/example.com/svc/x.go``, ``example.com/svc/x.go`` with -trimpath). :class:`RepoPaths`
maps them into the repository the way ``--source`` does (:class:`stackparse.source.SourceMap`:
the longest path suffix that exists under the checkout), and when that finds nothing, by
**module path**: the frame's function names its package's import path
(``example.com/hang/transfer.Transfer``), and the ``go.mod`` files of the repository say which
directory holds which module (``module example.com/hang`` in ``corpus/gotest/hang/go.mod``). The
result is the file's path relative to the repository root, with ``/`` separators, as code
scanning and workflow commands want it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Dump, Frame
from ..source import SourceMap, is_std_path
from ._common import EDGE_WORDS, NFinding, View, confidence_rank, goroutine_id, is_user_package, location
from .words import plural, readable

__all__ = [
    "CIItem",
    "Located",
    "RepoPaths",
    "TestContext",
    "ci_items",
    "finding_site",
    "related_sites",
    "rule_id",
    "test_context",
]

#: Directories never searched for go.mod files.
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "vendor", "testdata", "__pycache__", ".venv"})
#: At most this many directories are read when looking for go.mod files.
MAX_DIRS_WALKED = 20_000
#: At most this many related sites per finding (holders and releasers first).
MAX_RELATED = 50
_MODULE_LINE = re.compile(r"^\s*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)


def find_repo_root(start: str | os.PathLike[str]) -> Path:
    """The nearest directory at or above ``start`` holding ``.git`` (a checkout's top), else
    ``start`` itself."""
    here = Path(start).expanduser().resolve()
    for d in (here, *here.parents):
        if (d / ".git").exists():
            return d
    return here


class RepoPaths:
    """Maps the files of a dump to paths relative to a repository root.

    ``source``: the directory the ``--source`` mapping searches (default: the repository root);
    ``repo_root``: what the paths are relative to (default: the checkout holding ``source``, or
    the current directory's). A file outside the repository, of the standard library, or not
    found gives ``None``.
    """

    def __init__(
        self, source: str | os.PathLike[str] | None = None, repo_root: str | os.PathLike[str] | None = None
    ) -> None:
        if repo_root is not None:
            self.root = Path(repo_root).expanduser().resolve()
        else:
            self.root = find_repo_root(source if source is not None else os.getcwd())
        self.smap = SourceMap(source if source is not None else self.root)
        self._modules: list[tuple[str, Path]] | None = None
        self._cache: dict[tuple[str, str], str | None] = {}

    def __repr__(self) -> str:
        return f"RepoPaths(root={str(self.root)!r}, source={str(self.smap.root)!r})"

    def modules(self) -> list[tuple[str, Path]]:
        """(module path, directory) of every go.mod under the repository root, longest module
        path first (read once, on first need)."""
        if self._modules is None:
            found: list[tuple[str, Path]] = []
            for walked, (dirpath, dirnames, filenames) in enumerate(os.walk(self.root), 1):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
                if "go.mod" in filenames:
                    try:
                        text = (Path(dirpath) / "go.mod").read_text(encoding="utf-8", errors="replace")
                    except OSError:
                        text = ""
                    m = _MODULE_LINE.search(text)
                    if m:
                        found.append((m.group(1), Path(dirpath)))
                if walked >= MAX_DIRS_WALKED:
                    break
            found.sort(key=lambda mp: (-len(mp[0]), str(mp[1])))
            self._modules = found
        return self._modules

    def path(self, file: str, package: str = "") -> str | None:
        """``file`` (as the dump prints it; ``package`` the import path of the frame's function)
        relative to the repository root, or None."""
        key = (file, package)
        if key not in self._cache:
            self._cache[key] = self._path(file, package)
        return self._cache[key]

    def _path(self, file: str, package: str) -> str | None:
        if not file or file.startswith("<") or is_std_path(file):
            return None
        found = self.smap.resolve(file)
        if found is None and package:
            found = self._by_module(file, package)
        if found is None:
            return None
        try:
            return found.resolve().relative_to(self.root).as_posix()
        except ValueError:  # mapped outside the repository (a symlink out of it)
            return None

    def _by_module(self, file: str, package: str) -> Path | None:
        name = file.replace("\\", "/").rsplit("/", 1)[-1]
        pkg = package.removesuffix("_test")  # the external test package lives beside its package
        for mod, d in self.modules():
            if pkg == mod or pkg.startswith(mod + "/"):
                rest = pkg[len(mod) + 1 :]
                cand = d.joinpath(*rest.split("/"), name) if rest else d / name
                if cand.is_file():
                    return cand
        return None

    def frame(self, frame: Frame) -> str | None:
        return self.path(frame.file, frame.function.package)


@dataclass(frozen=True, slots=True)
class Located:
    """A place of a finding in the repository: ``path`` (repository-relative, or the dump's
    own path when it is not in the repository: then ``in_repo`` is False) and ``line``."""

    path: str
    line: int
    function: str
    in_repo: bool
    goroutine: int | None = None


def _locate_goroutine(view: View, repo: RepoPaths, gid: int) -> Located | None:
    """The blocking site of goroutine ``gid`` in the repository: its blocking call's frame
    when that is in the repository, else its first frame that is (a vendored dependency's
    file only when no other frame is in the repository)."""
    g = view.goroutine(gid)
    if g is None:
        return None
    site = view.site_frame(gid)
    frames = [site, *g.frames] if site is not None else list(g.frames)
    vendored: Located | None = None  # a dependency's file: only when none of the code's own is there
    for f in frames:
        if f is None or not f.line:
            continue
        p = repo.frame(f)
        if p is None:
            continue
        if p.startswith("vendor/") or "/vendor/" in p:
            vendored = vendored or Located(p, f.line, f.function.full, True, gid)
            continue
        return Located(p, f.line, f.function.full, True, gid)
    return vendored


def _fallback(view: View, gid: int) -> Located | None:
    """The first user frame of goroutine ``gid`` as the dump names it (not in the repository)."""
    g = view.goroutine(gid)
    if g is None:
        return None
    for f in g.frames:
        if f.file and f.line and is_user_package(f.function.package) and not f.file.startswith("_testmain"):
            return Located(f.file, f.line, f.function.full, False, gid)
    return None


def _record_site(view: View, repo: RepoPaths, finding: Any) -> Located | None:
    """A finding of a pprof debug=1 profile (no goroutine ids): the record whose frame the
    finding's title names (``... in pkg.f (/build/x.go:42) ...``), at its first frame in the
    repository."""
    for r in view.dump.records:
        frames = [(f.function, f.file, f.line) for f in r.frames if f.function is not None and f.file and f.line]
        if not any(f"{file}:{line}" in finding.title for _, file, line in frames):
            continue
        for fn, file, line in frames:
            p = repo.path(str(file), fn.package)
            if p is not None:
                return Located(p, int(line or 0), fn.full, True)
    return None


def finding_site(view: View, repo: RepoPaths, finding: Any) -> Located | None:
    """Where a finding is in the repository: the blocking site of its first goroutine that has
    one there (then of the goroutines blocked behind it); else the first user frame of its
    first goroutine as the dump names it; for a profile record's finding, the record's first
    frame in the repository; None when nothing of it is in the dump."""
    gids = [*finding.goroutines, *finding.blocked_behind]
    if not gids and view.dump.records:
        return _record_site(view, repo, finding)
    for gid in gids:
        loc = _locate_goroutine(view, repo, gid)
        if loc is not None:
            return loc
    for gid in gids:
        loc = _fallback(view, gid)
        if loc is not None:
            return loc
    return None


@dataclass(frozen=True, slots=True)
class Related:
    """A goroutine that matters to a finding besides the located one, and why."""

    role: str  # "holder" | "releaser" | "member" | "blocked behind"
    where: Located
    text: str


def related_sites(view: View, repo: RepoPaths, finding: Any, primary: Located | None) -> list[Related]:
    """The holders and releasers of a finding (targets of its ``held-by`` / ``can-release``
    edges), its other goroutines, and the goroutines blocked behind it, each at its blocking
    site in the repository; the primary goroutine is not repeated; at most
    :data:`MAX_RELATED` (a finding of a big dump may have thousands blocked behind it)."""
    out: list[Related] = []
    seen: set[int] = set() if primary is None or primary.goroutine is None else {primary.goroutine}

    def add(gid: int | None, role: str, text: str) -> None:
        if gid is None or gid in seen or len(out) >= MAX_RELATED:
            return
        loc = _locate_goroutine(view, repo, gid)
        if loc is None:
            return
        seen.add(gid)
        out.append(Related(role, loc, text))

    for e in finding.edges:
        if e.kind in ("held-by", "can-release"):
            gid = goroutine_id(e.target)
            role = "holder" if e.kind == "held-by" else "releaser"
            what = view.node_title(e.source)
            text = f"{role}: goroutine {gid} ({view.goroutine_status(gid) if gid is not None else '?'})"
            text += f"; {what} {EDGE_WORDS.get(e.kind, e.kind)} it ({e.confidence})"
            if e.evidence:
                text += f": {e.evidence}"
            add(gid, role, readable(text))
    for gid in finding.goroutines:
        add(gid, "member", f"goroutine {gid} ({view.goroutine_status(gid)}) is part of this finding")
    for gid in finding.blocked_behind:
        add(gid, "blocked behind", f"goroutine {gid} ({view.goroutine_status(gid)}) is stuck behind it")
    return out


def evidence_lines(view: View, finding: Any, limit: int = 12) -> list[str]:
    """One line per edge of a finding: ``goroutine 7 waits for mutex 0x... (certain): why``."""
    lines = []
    for e in finding.edges[:limit]:
        line = f"{view.node_title(e.source)} {EDGE_WORDS.get(e.kind, e.kind)} {view.node_title(e.target)}"
        line += f" ({e.confidence})"
        if e.evidence:
            line += f": {e.evidence}"
        lines.append(readable(line))
    if len(finding.edges) > limit:
        lines.append(f"... and {len(finding.edges) - limit} more edges")
    return lines


def goroutine_lines(view: View, gids: Iterable[int], limit: int = 8) -> list[str]:
    """``goroutine 7 [sync.Mutex.Lock] at example.com/x.f (x/f.go:30)`` per goroutine."""
    gids = list(gids)
    lines = []
    for gid in gids[:limit]:
        f = view.site_frame(gid)
        at = "" if f is None else f" at {f.function.full} ({location(f)})"
        lines.append(f"goroutine {gid} [{view.goroutine_status(gid)}]{at}")
    if len(gids) > limit:
        lines.append(f"... and {len(gids) - limit} more goroutines")
    return lines


# --------------------------------------------------------------------------- tests


@dataclass(frozen=True, slots=True)
class TestContext:
    """What ``go test`` or goleak said around a dump: ``tool`` ("go test" | "goleak"), the
    test(s) that hung or leaked, their package and the ``-timeout`` that fired."""

    tool: str
    tests: tuple[str, ...] = ()
    package: str | None = None
    timeout: str | None = None

    def sentence(self) -> str:
        """``test TestX (example.com/pkg) timed out after 5s`` / ``goleak: TestY leaked goroutines``."""
        who = ", ".join(self.tests) if self.tests else "a test"
        where = f" in {self.package}" if self.package else ""
        if self.tool == "goleak":
            return f"goleak found goroutines left running by {who}{where}"
        if self.timeout:
            return f"{who}{where} timed out after {self.timeout} (go test -timeout)"
        return f"{who}{where} failed"


_RUNNING = re.compile(r"^\s*(\S+)")
_TEST_NAME = re.compile(r"^(Test|Benchmark|Fuzz|Example)\w*")


def _test_function(dump: Dump) -> tuple[str | None, str | None]:
    """(test name, package) of the first frame of a test function in the dump."""
    for g in dump.goroutines:
        for f in g.frames:
            m = _TEST_NAME.match(f.function.name)
            if m and f.function.receiver is None and is_user_package(f.function.package):
                return f.function.name.split(".", 1)[0], f.function.package.removesuffix("_test")
    return None, None


def test_context(dump: Dump) -> TestContext | None:
    """The test context of a dump: the parser's ``test_report`` when it has one, else what the
    preamble says (``panic: test timed out after 5s`` and its ``running tests:``), with the
    package taken from the test function's frame. None for a dump not written by a test."""
    report = getattr(dump, "test_report", None)
    fn_test, fn_pkg = _test_function(dump)
    if report is not None:
        tests = tuple(getattr(report, "tests", ()) or ())
        return TestContext(
            tool=str(getattr(report, "tool", "go test")),
            tests=tests or ((fn_test,) if fn_test else ()),
            package=getattr(report, "package", None) or fn_pkg,
            timeout=getattr(report, "timeout", None),
        )
    p = dump.preamble
    if not p.test_timeout:
        return None
    running = [m.group(1) for t in p.running_tests if (m := _RUNNING.match(t))]
    if not running and fn_test:
        running.append(fn_test)
    return TestContext(tool="go test", tests=tuple(running), package=fn_pkg, timeout=p.test_timeout)


# --------------------------------------------------------------------------- findings for CI


def word(x: Any) -> str:
    """A confidence or kind as its plain word (they may be str enums)."""
    return str(getattr(x, "value", x))


def rule_id(finding: Any) -> str:
    """``KIND/RULE`` of a finding (``KIND`` alone when it has no rule name)."""
    kind, rule = word(finding.kind), word(getattr(finding, "rule", "") or "")
    return f"{kind}/{rule}" if rule else kind


def finding_message(
    view: View, finding: Any, ctx: TestContext | None, related: Sequence[Related] = (), label: str | None = None
) -> str:
    """The text of a CI report of one finding: title, the test, its goroutines, the evidence
    (one line per edge), the holders / releasers, the analysis notes, the dump it comes from."""
    text = readable(finding.title).rstrip(".") + "."
    if ctx is not None:
        s = ctx.sentence()
        text += " " + s[:1].upper() + s[1:] + "."
    lines = goroutine_lines(view, finding.goroutines)
    if finding.blocked_behind:
        lines.append(f"{plural(len(finding.blocked_behind), 'more goroutine')} blocked behind it")
    if lines:
        text += "\n" + "\n".join(lines)
    ev = evidence_lines(view, finding)
    if ev:
        text += "\nEvidence:\n" + "\n".join(f"- {e}" for e in ev)
    for r in related:
        if r.role in ("holder", "releaser"):
            text += f"\n{r.role.capitalize()} at {r.where.path}:{r.where.line}: goroutine {r.where.goroutine}"
    for n in finding.notes:
        text += f"\nNote: {readable(n)}"
    if label:
        text += f"\n(dump: {label})"
    return text


@dataclass(frozen=True, slots=True)
class CIItem:
    """One finding, ready for a CI renderer: its rule (``KIND/RULE``), confidence and kind as
    words, where it is (``site``, in the repository when it can be), related sites, the test
    context and the message text."""

    finding: NFinding
    rule: str
    kind: str
    confidence: str
    site: Located | None
    related: tuple[Related, ...]
    context: TestContext | None
    message: str
    label: str | None
    view: View


def _input_site(repo: RepoPaths, source: str | None) -> Located | None:
    """The input file itself (line 1), for a finding with no frame to point at."""
    if not source or source == "-" or source.startswith("<") or "://" in source:
        return None
    p = Path(source).expanduser().resolve()
    if not p.is_file():
        return None
    try:
        return Located(p.relative_to(repo.root).as_posix(), 1, "", True)
    except ValueError:
        return Located(p.as_posix(), 1, "", False)


#: One dump to report: ``(label, dump, analysis)`` or ``(label, dump, analysis, input path)``.
Row = tuple[Any, ...]


def ci_items(results: Sequence[Row], repo: RepoPaths) -> list[CIItem]:
    """Every finding of ``results`` (``(label, dump, analysis[, input path])`` per dump) as a
    :class:`CIItem`, the most certain first.

    A finding none of whose goroutines stands in the repository is located at its first holder
    or releaser that does (the goroutine that should have released it); one with no frame at all
    (a dump cut short) at line 1 of the input file, when the input is a file."""
    items: list[CIItem] = []
    for row in results:
        label, dump, analysis = row[:3]
        source = row[3] if len(row) > 3 else None
        view = View(analysis, dump=dump)
        ctx = test_context(dump)
        for nf in view.findings:
            site = finding_site(view, repo, nf)
            related = related_sites(view, repo, nf, site)
            if (site is None or not site.in_repo) and related:
                site, related = related[0].where, related[1:]
            if site is None:
                site = _input_site(repo, source)
            items.append(
                CIItem(
                    finding=nf,
                    rule=rule_id(nf),
                    kind=word(nf.kind),
                    confidence=word(nf.confidence),
                    site=site,
                    related=tuple(related),
                    context=ctx,
                    message=finding_message(view, nf, ctx, related, label),
                    label=label,
                    view=view,
                )
            )
    # the most certain first (stable: the analysis's order within a level): GitHub shows only the
    # first annotations of a step, and a reader reads the top of a list
    items.sort(key=lambda i: -confidence_rank(i.confidence))
    return items
