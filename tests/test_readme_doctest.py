"""The README's "## Library" section is a doctest: every ``>>>`` example in its ```python blocks
runs from the repository root on a corpus dump, and what it prints must be what the README shows.

A change of the API (a renamed field, ``summary`` turned back into a method, the graph's node
names, the enums) makes this test fail until the README is updated with the real output.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
PYBLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _section_bounds(text: str) -> tuple[int, int]:
    start = text.index("\n## Library\n")
    return start, text.index("\n## ", start + 1)


def library_section_text() -> str:
    text = README.read_text()
    start, end = _section_bounds(text)
    return text[start:end]


def library_blocks() -> list[tuple[int, str]]:
    """(line number in the README, 0-based, of its first line; text) of each ```python block of
    the Library section."""
    text = README.read_text()
    start, end = _section_bounds(text)
    return [(text[: m.start(1)].count("\n"), m.group(1)) for m in PYBLOCK.finditer(text, start, end)]


def library_examples() -> str:
    return "\n".join(block for _, block in library_blocks())


def test_library_section_has_doctests() -> None:
    src = library_examples()
    examples = doctest.DocTestParser().get_examples(src)
    # what a bot uses is shown, each with its printed result
    for needle in (
        "stackparse.parse_file(",
        "stackparse.analyze(",
        "analysis.findings",
        ".sites",
        "analysis.summary",
        "analysis.graph",
        "stackparse.Confidence",
        "stackparse.Edge",
    ):
        assert needle in src, f"the README's Library section no longer shows {needle}"
    assert len(examples) >= 15
    assert sum(1 for e in examples if e.want) >= 12, "most examples must show their output"


def test_library_section_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    globs: dict[str, object] = {}  # the blocks run one after the other, as one session
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for lineno, block in library_blocks():
        test = doctest.DocTestParser().get_doctest(block, globs, "README.md#library", str(README), lineno)
        runner.run(test, out=out.append, clear_globs=False)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 15
    assert result.failed == 0, "".join(out)


def test_package_docstring_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example of ``stackparse``'s own docstring (``help(stackparse)``) is real too."""
    import stackparse

    monkeypatch.chdir(REPO)
    result = doctest.testmod(stackparse, optionflags=doctest.ELLIPSIS, report=False)
    assert result.attempted >= 3
    assert result.failed == 0


def test_types_the_library_section_names_are_exported() -> None:
    """The sentence "Every type these return is exported from `stackparse`: ..." lists names that
    ``from stackparse import <name>`` gives."""
    import stackparse

    text = library_section_text()
    m = re.search(r"Every type these return is exported from `stackparse`:(.*?)\n\n", text, re.S)
    assert m is not None
    names = re.findall(r"`([A-Z]\w+)`", m.group(1))
    assert {"Analysis", "Finding", "Site", "Edge", "Blocking", "Bucket", "WaitGraph", "Kind", "Confidence"} <= set(names)
    for name in names:
        assert name in stackparse.__all__, name
        assert getattr(stackparse, name).__name__ in (name, "str"), name
