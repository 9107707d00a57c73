"""What kind of line the segmenter is looking at, as the grammar says (grammars/lines.lark).

Each kind is one start rule of lines.lark. A cheap pre-filter (how every line of the rule
starts, or a piece of text it must hold) only chooses which rules to try; the grammar decides,
and its verdict is kept per distinct line text (:class:`Classifier`), so a log of many equal lines
costs one grammar run per distinct line. Goroutine headers are not classified here: the
segmenter sees them first (and the block readers read them by the grammar's ``header`` rule).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .grammar import MAX_LINE, GrammarError, parse_line


class Kind(Enum):
    """Kinds of line outside goroutine blocks, and the lines.lark rule that decides each."""

    BLANK = "empty line"
    PANIC = "panic_line"  # panic: …, fatal error: …, [signal …]: a crash's first line
    SIGNAME = "signame_line"  # SIGQUIT: quit, Signal 40
    PC = "pc_line"  # PC=0x… m=0 sigcode=0
    NOTE = "runtime_note"  # runtime: …, unexpected fault address …: a preamble if a fatal error follows
    PROFILE_HEADER = "profile_header"  # goroutine profile: total 14
    PROFILE_RECORD = "profile_record"  # 1 @ 0x1 0x2
    PROFILE_COMMENT = "#"  # "# labels: …", "#\t0x1\tf+0x1\tfile:1" (read by the profile reader)
    REGISTER = "register_line"  # rax    0x0
    SEPARATOR = "separator"  # -----
    RUNTIME_STACK = "runtime_stack"  # runtime stack:
    GO_LINE = "go_line"  # exit status 2, FAIL\tpkg\t0.1s, PASS (the go command, after a dump)
    TEXT = "anything else"


#: (kind, rule, how the line starts (or None), what it holds (or None)): the rules tried for a
#: line, in order, when it passes their pre-filter. The grammar has the last word.
_RULES: tuple[tuple[Kind, str, str | tuple[str, ...] | None, str | None], ...] = (
    (Kind.PANIC, "panic_line", "panic: ", None),
    (Kind.PANIC, "fatal_line", "fatal error: ", None),
    (Kind.PANIC, "signal_line", "[signal ", None),
    (Kind.SIGNAME, "signame_line", ("SIG", "Signal "), None),
    (Kind.PC, "pc_line", "PC=0x", None),
    (Kind.RUNTIME_STACK, "runtime_stack", "runtime stack:", None),
    (Kind.NOTE, "runtime_note", "runtime: ", None),
    (Kind.NOTE, "fault_line", "unexpected fault address ", None),
    (Kind.SEPARATOR, "separator", "-----", None),
    (Kind.GO_LINE, "go_line", ("exit status ", "FAIL", "ok", "--- FAIL: ", "*** Test killed", "signal: ", "PASS"),
     None),
    (Kind.PROFILE_HEADER, "profile_header", None, " profile: total "),
    (Kind.PROFILE_RECORD, "profile_record", tuple("0123456789"), " @ 0x"),
    (Kind.REGISTER, "register_line", tuple("abcdefghijklmnopqrstuvwxyz"), " 0x"),
)


class Classifier:
    """The kind of a line (and the grammar's value for it), kept per distinct text."""

    def __init__(self, limit: int = 100_000) -> None:
        self.memo: dict[str, tuple[Kind, Any]] = {}
        self.limit = limit

    def __call__(self, line: str) -> tuple[Kind, Any]:
        got = self.memo.get(line)
        if got is None:
            got = _classify(line)
            if len(self.memo) >= self.limit:
                self.memo.clear()
            self.memo[line] = got
        return got


def _classify(line: str) -> tuple[Kind, Any]:
    if not line:
        return Kind.BLANK, None
    if line[0] == "#":
        return Kind.PROFILE_COMMENT, None
    if len(line) > MAX_LINE:
        return Kind.TEXT, None
    for kind, rule, starts, holds in _RULES:
        if (starts is None or line.startswith(starts)) and (holds is None or holds in line):
            try:
                return kind, parse_line(rule, line)
            except GrammarError:
                continue
    return Kind.TEXT, None
