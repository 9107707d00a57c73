"""The README's command examples: each block that starts with ``$ stackparse ...`` shows what
that command prints, run from the repository root on a corpus dump.

A block is the command line, then the first lines of its output; a last line ``...`` says that
the output goes on. ``tests/test_cli_report.py`` runs every such block and compares;
``python tests/readme_examples.py`` rewrites the blocks from real runs (same commands, same
number of lines), after a change of the report.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

# ```<lang>\n$ stackparse ...\n<output>```
BLOCK = re.compile(r"```(?:text|markdown|sh)?\n\$ (stackparse [^\n]+)\n(.*?)```", re.S)


def run(command: str) -> str:
    """What ``command`` (``stackparse ...``) prints on stdout, run from the repository root."""
    import os

    from stackparse.cli import cli

    args = shlex.split(command)[1:]
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        r = CliRunner().invoke(cli, args, catch_exceptions=False, env={"NO_COLOR": "1", "COLUMNS": "80"})
    finally:
        os.chdir(cwd)
    assert r.exit_code in (0, 1), (command, r.output)
    return r.stdout


def blocks(text: str) -> list[tuple[str, list[str], bool]]:
    """(command, the output lines shown, whether the output goes on past them) of each block."""
    out = []
    for m in BLOCK.finditer(text):
        lines = m.group(2).rstrip("\n").split("\n")
        more = bool(lines) and lines[-1] == "..."
        out.append((m.group(1), lines[:-1] if more else lines, more))
    return out


def expected(command: str, shown: int, more: bool) -> tuple[list[str], bool]:
    real = run(command).rstrip("\n").split("\n")
    n = shown if more else len(real)
    return real[:n], len(real) > n


def rewrite() -> int:
    text = README.read_text()

    def sub(m: re.Match[str]) -> str:
        command = m.group(1)
        lines = m.group(2).rstrip("\n").split("\n")
        more = bool(lines) and lines[-1] == "..."
        shown = len(lines) - 1 if more else len(lines)
        real, goes_on = expected(command, shown, more)
        fence = m.group(0).split("\n", 1)[0]
        return f"{fence}\n$ {command}\n" + "\n".join(real) + ("\n...\n" if goes_on else "\n") + "```"

    new = BLOCK.sub(sub, text)
    README.write_text(new)
    return 0 if new == text else 1


if __name__ == "__main__":
    sys.exit(rewrite())
