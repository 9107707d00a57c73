"""The segmenter: walks the input's lines and says where each dump begins and ends.

Its states (:class:`~.states.State`) are what the last line read opened: noise, a crash
preamble, goroutine blocks, a register dump, a GOTRACEBACK=crash relay section, a pprof
``debug=1`` profile. Goroutine blocks themselves are read by :mod:`.blocks`.
Policy (forgiving, never silent): every goroutine that can be read is returned; what cannot be
read becomes a Diagnostic naming the line and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..model import (
    Diagnostic,
    Dump,
    Goroutine,
    ProfileFrame,
    ProfileRecord,
    Signal,
)
from .blocks import _RUN_MIN, BlockReader
from .build import _PLACEHOLDER, _DumpBuilder, with_package
from .grammar import GrammarError, Work, parse_line, split_function
from .kinds import Classifier, Kind
from .lines import _Lines
from .states import State
from .unwrap import HEADER_ANYWHERE, PrefixShape, find_dump_start, normalize_indent

# ====================================================================== segmenter



#: Log lines between two goroutine blocks of one dump, at most (see _interleaved).
_LOG_GAP = 64
#: What opens a goleak report (after "goleak: Errors on successful test run: " or a test's
#: "file_test.go:12: "), and how it introduces each goroutine it lists.
_GOLEAK_START = "found unexpected goroutines:"
_GOLEAK_ENTRY = re.compile(r"Goroutine ([0-9]{1,20}) in state .*, with .* on top of the stack:")
#: go test's lines naming a test: "=== RUN   TestX", "--- FAIL: TestX (0.45s)".
_TEST_NAME = re.compile(r"(?:--- FAIL: |=== (?:RUN|CONT|PAUSE) +)(\S+)")

#: _header_ahead's answer when the piece of input ends before it can decide.
_UNDECIDED = -1
#: Kinds of line that end a dump or start the next one (see _header_ahead).
_ENDS_DUMP = frozenset((Kind.GO_LINE, Kind.PANIC, Kind.SIGNAME, Kind.PC, Kind.NOTE, Kind.PROFILE_HEADER))
#: Lines in a row without the learned log prefix after which the prefixed output is over.
_PREFIX_GONE = 64


class _Segmenter(BlockReader):
    """Walks lines, finds the dumps in them and reads each goroutine block with the grammar."""

    def __init__(self, memo: bool = True, sink: Callable[[Goroutine], None] | None = None,
                 keep: bool = True) -> None:
        self.lines = _Lines(memo)
        self.kinds = Classifier()
        self.final = True  # (the piece being read is the input's last)
        self.memo = memo
        self.sink = sink
        self.keep = keep
        self.dumps: list[Dump] = []
        self.cur: _DumpBuilder | None = None
        self.state = State.NOISE
        self.prefix: PrefixShape | None = None
        self.pending: list[str] = []  # lines of a block cut by a chunk boundary
        self.pending_start = 0
        self.stray: list[Diagnostic] = []  # diagnostics outside any dump
        self.record: list[Any] | None = None  # current pprof record [count, pcs, labels, frames, line]
        self.relay: list[Any] | None = None
        self.window = _RUN_MIN  # blocks per run (see _run)
        self.last_test: str | None = None  # the last test go test said it ran or failed
        self.quoted_line = -1  # a dump start found inside a log line (see _close: phantoms)
        self.phantom = -1  # index in self.dumps of a dump that is only a quoted preamble
        self.next_base = 0  # lines fed so far (see _feed_stream)

    # ------------------------------------------------------------------ dumps
    def _open(self, lineno: int) -> _DumpBuilder:
        self._close()
        self.cur = _DumpBuilder(lineno)
        self.cur.quoted = lineno == self.quoted_line
        return self.cur

    def _close(self) -> None:
        cur = self.cur
        if cur is None:
            return
        self._end_record()
        self._end_relay()
        self.cur = None
        self.state = State.NOISE
        if not cur.has_content():
            self.stray.extend(cur.diagnostics)  # (what could not be read is still said)
        else:
            dump = cur.build()
            if not cur.is_empty() and self.phantom >= 0 and self.phantom == len(self.dumps) - 1:
                # the dump before was only a preamble quoted in a log line (an error message
                # that mentions "panic: …"): not a dump of its own
                quoted = self.dumps.pop()
                note = Diagnostic(quoted.start_line, "a crash message quoted in a log line before this dump; "
                                  "not a dump of its own", "", "", "info")
                dump = replace(dump, diagnostics=(note, *dump.diagnostics))
            self.phantom = len(self.dumps) if cur.is_empty() and cur.quoted else -1
            if self.keep:
                self.dumps.append(dump)
            else:
                self.dumps.append(replace(dump, goroutines=()))

    def _add_goroutine(self, g: Goroutine, lineno: int) -> None:
        cur = self.cur
        assert cur is not None
        if self.relay is not None:
            self.relay[1].append(g)
        else:
            if g.id in cur.ids and g.id != 0:
                # a goroutine id seen twice: a second dump follows without a preamble
                self._close()
                cur = self._open(lineno)
                self.state = State.BLOCKS
            cur.ids.add(g.id)
            if self.sink is not None:
                self.sink(g)
            if self.keep:
                cur.goroutines.append(g)
            else:
                cur.goroutines.append(_PLACEHOLDER)
        cur.mark("GOROUTINE_BLOCK", lineno)
        cur.mark("BLANK", lineno)
        cur.end_line = max(cur.end_line, lineno)
        if g.truncated:
            cur.truncated = True

    def _diag(self, line: int, message: str, text: str = "", expected: str = "",
              severity: str = "error") -> None:
        d = Diagnostic(line, message, text[:200], expected, severity)  # type: ignore[arg-type]
        if self.cur is not None:
            self.cur.diagnostics.append(d)
        else:
            self.stray.append(d)

    # ------------------------------------------------------------------ feeding
    def feed(self, lines: list[str], base: int, final: bool) -> None:
        """Read ``lines`` (line ``base + i + 1`` of the input is ``lines[i]``)."""
        self.final = final
        if self.pending:
            # a block was cut by the previous chunk's end: glue it to this chunk
            fresh = len(self.pending)  # (the pending lines lost their prefix already)
            lines = self.pending + lines
            base = self.pending_start - 1
            self.pending = []
        else:
            fresh = 0
        if self.prefix is not None:
            self._apply_prefix(lines, fresh)
        n = len(lines)
        i = 0
        while i < n:
            line = lines[i]
            state = self.state
            if line[:10] == "goroutine " and state != State.PROFILE and line[10:11].isdigit():
                if state == State.BLOCKS and self.memo and self.relay is None:
                    # consecutive blocks of the common shape, read together
                    k = self._run(lines, i, base)
                    if k > i:
                        i = k
                        continue
                # a goroutine block: up to the next empty line (or the next header)
                j = self._block_end(lines, i)
                if j < 0:
                    if not final:
                        self.pending = lines[i:]
                        self.pending_start = base + i + 1
                        return
                    j = n
                i = self._block(lines, i, j, base)
                continue
            if not line and state == State.BLOCKS:
                i += 1
                continue
            try:
                i = self._line(lines, i, base)
            except GrammarError as e:  # a line of a known shape that the grammar rejects
                self._diag(base + i + 1, str(e), lines[i], e.expected, "warning")
                i += 1
        self.lines.trim()
        if final:
            self._close()

    def _apply_prefix(self, lines: list[str], start: int) -> None:
        """Take the learned prefix off the lines from ``start`` on, until ``_PREFIX_GONE`` lines in a
        row do not carry it (the prefixed output has ended; a later dump behind a prefix is found
        again by :meth:`_noise`). Stopping there keeps the work linear when every line has a
        prefix of its own."""
        p = self.prefix
        assert p is not None
        misses = 0
        k = start
        n = len(lines)
        first_blank = -1  # the first line that was only a prefix and is empty now
        while k < n and misses < _PREFIX_GONE:
            s = p.strip(lines[k])
            if s is not None:
                if not s and first_blank < 0 and lines[k]:
                    first_blank = k
                lines[k] = s
                misses = 0
            else:
                misses += 1
            k += 1
        Work.visits += k - start
        memo = self._blank_memo
        if first_blank >= 0 and memo is not None:
            # the memo of the empty line ending a block, kept true (see BlockReader._blank_from)
            if memo[0] is not lines or memo[1] > start:
                self._blank_memo = None
            elif memo[2] < 0 or memo[2] > first_blank:
                self._blank_memo = (lines, memo[1], first_blank)

    # ------------------------------------------------------------------ one line
    def _line(self, lines: list[str], i: int, base: int) -> int:
        """Read the line ``lines[i]`` (not a goroutine header: feed reads those): classify it by
        the grammar, then do what TRANSITIONS says for the current state and that kind of line.
        Returns the index of the next line to read."""
        line = lines[i]
        state = self.state
        if line[:1] == " " and state in (State.BLOCKS, State.REGISTERS, State.PROFILE):
            line = normalize_indent(line)
        if self.cur is None:
            state = self.state = State.NOISE
        kind, value = self.kinds(line)
        table = TRANSITIONS[state]
        action = table.get(kind) or table[None]
        return int(action(self, lines, i, base, line, value))

    # ------------------------------------------------------------------ actions (see TRANSITIONS)
    def _skip(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        if self.cur is not None:
            self.cur.mark("BLANK", base + i + 1)
        return i + 1

    def _open_preamble(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        lineno = base + i + 1
        cur = self._open(lineno)
        cur.preamble.append(line)
        cur.preamble_lines.append(lineno)
        self.state = State.PREAMBLE
        return i + 1

    def _note(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        """``runtime: …`` or ``unexpected fault address …``: a preamble when a fatal error follows."""
        for k in range(i + 1, min(i + 6, len(lines))):
            if lines[k].lstrip("\t").startswith("fatal error: "):
                return self._open_preamble(lines, i, base, line, value)
        return self._noise(lines, i, base, line, value)

    def _open_profile(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        cur = self._open(base + i + 1)
        cur.profile, cur.total = value
        cur.profile_kinds.append(("PROFILE_HEADER", base + i + 1))
        self.state = State.PROFILE
        return i + 1

    def _preamble_end(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        """The empty line after a preamble: the goroutines follow (perhaps after log lines), or
        the crash printed none (GOTRACEBACK=none, a Goexit deadlock)."""
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is not None and (nxt.startswith("goroutine ") or nxt == "runtime stack:"):
            self.state = State.BLOCKS
            return i + 1
        k = self._header_ahead(lines, i + 1)
        if k == _UNDECIDED:
            return self._keep(lines, i, base)
        if k is not None:
            self.state = State.BLOCKS
            return k
        self._close()
        return i + 1

    def _preamble_line(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        cur = self.cur
        assert cur is not None
        if len(cur.preamble) > 500:  # no goroutine block in sight: log text, not a crash
            self.cur = None
            self.state = State.NOISE
            return i + 1
        lineno = base + i + 1
        cur.preamble.append(line)
        cur.preamble_lines.append(lineno)
        cur.end_line = lineno
        return i + 1

    def _stack_block(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        self.state = State.BLOCKS
        return self._runtime_stack(lines, i, base)

    def _registers(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        cur = self.cur
        assert cur is not None
        (self.relay[2] if self.relay is not None else cur.registers).extend(value)
        cur.end_line = base + i + 1
        cur.mark("REGISTER", base + i + 1)
        self.state = State.REGISTERS
        return i + 1

    def _open_relay(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        assert self.cur is not None
        self._end_relay()
        self.relay = [None, [], [], []]
        self.state = State.RELAY
        self.cur.end_line = base + i + 1
        self.cur.mark("SEPARATOR", base + i + 1)
        return i + 1

    def _trailer(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        """The go command's line after a dump (``exit status 2``, ``FAIL\tpkg\t…``): the dump ends."""
        cur = self.cur
        assert cur is not None
        cur.trailer.append(line)
        cur.end_line = base + i + 1
        self._close()
        return i + 1

    def _blocks_other(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        """Not part of the dump: a log line between its blocks (it goes on after it), else its end."""
        k = self._interleaved(lines, i, line)
        if k == _UNDECIDED:
            return self._keep(lines, i, base)
        if k is not None:
            return k
        self._close()
        return i  # re-read as noise

    def _relay_signame(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        assert self.relay is not None and self.cur is not None
        self.relay[3].append(line)
        self.cur.mark("SIGNAME", base + i + 1)
        return i + 1

    def _relay_pc(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        relay = self.relay
        assert relay is not None
        relay[3].append(line)
        pc, m, code, addr = value
        relay[0] = Signal(relay[3][0] if relay[3] else "", None, addr, pc, m, code)
        assert self.cur is not None
        self.cur.mark("PC", base + i + 1)
        return i + 1

    def _relay_other(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        k = self._interleaved(lines, i, line, relay=True)
        if k == _UNDECIDED:
            return self._keep(lines, i, base)
        if k is not None:  # (log lines between a thread's signal lines and its goroutines)
            return k
        self._close()
        return i

    def _keep(self, lines: list[str], i: int, base: int) -> int:
        """Read ``lines[i:]`` again with the next piece of the input (a verdict needs it)."""
        self.pending = lines[i:]
        self.pending_start = base + i + 1
        return len(lines)

    def _end_dump(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        self._close()
        return i  # re-read as noise

    def _interleaved(self, lines: list[str], i: int, line: str, relay: bool = False) -> int | None:
        """Between the goroutine blocks of a dump, a line that is not part of it: a log line
        another goroutine wrote while the dump was printed, or goleak's ``Goroutine N in state …``
        line. Returns where the dump goes on (the next goroutine header within ``_LOG_GAP`` lines,
        before anything that ends a dump), or None when the dump ends here."""
        cur = self.cur
        assert cur is not None
        pos = find_dump_start(line)
        if pos > 0 and HEADER_ANYWHERE.match(line, pos):
            return self._learn_prefix(lines, i, line, pos)  # the next block, behind a log prefix
        if cur.goleak is not None and line.strip() == "]":
            cur.end_line += 1  # (the end of goleak's list)
            self._close()
            return i + 1
        return self._header_ahead(lines, i, relay)

    def _header_ahead(self, lines: list[str], i: int, relay: bool = False) -> int | None:
        """The next goroutine header of the current dump within ``_LOG_GAP`` lines from ``i``,
        past log lines and goleak's entry lines (whose ids it notes); None when something that
        ends a dump, or a goroutine the dump has already, comes first; ``_UNDECIDED`` when this
        piece of the input ends first (the caller keeps the lines for the next piece)."""
        cur = self.cur
        assert cur is not None
        ids: list[int] = []
        for k in range(i, min(len(lines), i + _LOG_GAP)):
            text = lines[k]
            if self.prefix is not None:
                text = self.prefix.strip_loose(text)
            if not text:
                continue
            m = _GOLEAK_ENTRY.search(text)
            if m is not None:
                ids.append(int(m.group(1)))
                continue
            h = HEADER_ANYWHERE.search(text)
            if h is not None and k > i:
                # (not on line i itself: its caller read it as no header, and answering i would
                # read it again in the same state, forever; e.g. ``panic: goroutine 2 [running]:``)
                Work.visits += k - i
                gid = text[h.start() + 10 : text.index(" ", h.start() + 10)]
                if len(gid) > 20 or (not relay and int(gid) in cur.ids and gid != "0"):
                    return None  # (a goroutine seen already: the next dump)
                cur.goleak_ids += ids
                return k
            if self.kinds(text)[0] in _ENDS_DUMP or _GOLEAK_START in text:
                break
        else:
            if i + _LOG_GAP > len(lines) and not self.final:
                return _UNDECIDED
        Work.visits += min(len(lines), i + _LOG_GAP) - i
        return None

    def _learn_prefix(self, lines: list[str], i: int, line: str, pos: int) -> int:
        """A dump line behind a log prefix (or after a prompt) at ``line[pos:]``: learn the
        prefix's shape, take it off, and read the line again."""
        prefix = line[:pos]
        if prefix.endswith("^\\"):  # the terminal's echo of Ctrl-\ before "SIGQUIT: quit"
            lines[i] = line[pos:]
        else:
            self.prefix = PrefixShape(prefix)
            self._apply_prefix(lines, i)
            if lines[i] == line:  # never loop: this line at least loses its prefix
                lines[i] = line[pos:]
        return i

    def _noise(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        """A line outside any dump: goleak's report, a test's name, a dump behind a log prefix,
        a header the grammar refuses (a Diagnostic), or the go command's line after a dump."""
        lineno = base + i + 1
        if _GOLEAK_START in line:
            # goleak's report: the goroutines it lists follow, one dump
            cur = self._open(lineno)
            cur.goleak = () if "goleak: Errors on successful test run" in line or self.last_test is None \
                else (self.last_test,)
            self.state = State.BLOCKS
            return i + 1
        if "--- FAIL: " in line or "=== " in line:
            m = _TEST_NAME.search(line)
            if m is not None:
                self.last_test = m.group(1)
        if "goroutine " in line or "panic: " in line or "profile: total" in line or "fatal error: " in line \
                or "SIG" in line:
            pos = find_dump_start(line)
            if pos > 0 and not HEADER_ANYWHERE.match(line, pos) \
                    and self.kinds(line[pos:])[0] is not Kind.PROFILE_HEADER and not any(
                        HEADER_ANYWHERE.search(lines[k]) for k in range(i + 1, min(i + 200, len(lines)))):
                if i + 200 > len(lines) and not self.final:
                    return self._keep(lines, i, base)  # (the next piece may hold the dump)
                pos = -1  # a preamble-like phrase in a log line with no dump after it
            if pos > 0:
                # a dump behind a log prefix (or after a prompt): re-read without the prefix
                if not HEADER_ANYWHERE.match(line, pos):
                    self.quoted_line = lineno  # (a crash message: see _close)
                return self._learn_prefix(lines, i, line, pos)
            if HEADER_ANYWHERE.match(line):
                # header-shaped but not accepted by the grammar: account for it
                try:
                    self.lines.header(line)
                except GrammarError as e:
                    self._diag(lineno, "unreadable goroutine header: " + str(e), line,
                               e.expected or "goroutine N [STATUS]:")
                return i + 1
        if self.dumps and self.dumps[-1].end_line >= lineno - 2:
            text = line if self.prefix is None else self.prefix.strip_loose(line)
            if self.kinds(text)[0] is Kind.GO_LINE:
                # go test's lines after the dump ("FAIL\tpkg\t0.45s"): they name the package
                last = self.dumps[-1]
                trailer = (*last.trailer, text)
                report = last.test_report and with_package(last.test_report, trailer)
                self.dumps[-1] = replace(last, trailer=trailer, end_line=lineno, test_report=report)
        return i + 1

    # ------------------------------------------------------------------ blocks
    def _end_relay(self) -> None:
        relay = self.relay
        if relay is None or self.cur is None:
            self.relay = None
            return
        self.relay = None
        sig, gs, regs, _ = relay
        if gs or regs or sig is not None:
            self.cur.threads.append((sig, gs, regs))

    # ------------------------------------------------------------------ pprof debug=1
    def _end_record(self) -> None:
        rec = self.record
        if rec is None or self.cur is None:
            self.record = None
            return
        self.record = None
        count, pcs, labels, frames, line = rec
        self.cur.records.append(ProfileRecord(count, pcs, tuple(frames), labels, line))

    def _profile_record(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        assert self.cur is not None
        self._end_record()
        count, pcs = value
        self.record = [count, pcs, (), [], base + i + 1]
        self.cur.profile_kinds.append(("PROFILE_RECORD", base + i + 1))
        self.cur.end_line = base + i + 1
        return i + 1

    def _profile_end_record(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        self._end_record()
        assert self.cur is not None
        self.cur.profile_kinds.append(("BLANK", base + i + 1))
        return i + 1

    def _profile_comment(self, lines: list[str], i: int, base: int, line: str, value: Any) -> int:
        """``# labels: {…}`` or a frame ``#\t0xPC\tFUNC+0xOFF\tFILE:LINE`` of the current record."""
        cur = self.cur
        assert cur is not None
        lineno = base + i + 1
        if self.record is None:
            return self._end_dump(lines, i, base, line, value)
        norm = re.sub(r"[ \t]{2,}|\t", "\t", line) if "  " in line or "\t" not in line else line
        try:
            if norm.startswith("# labels: "):
                self.record[2] = parse_line("profile_labels", norm.replace("\t", " "))
                cur.profile_kinds.append(("PROFILE_LABELS", lineno))
            else:
                if norm.startswith("# "):
                    norm = "#\t" + norm[2:].lstrip()
                pc, fn, off, file, ln = parse_line("profile_frame", norm)
                self.record[3].append(ProfileFrame(pc, None if fn is None else split_function(fn), off, file, ln))
                cur.profile_kinds.append(("PROFILE_FRAME", lineno))
        except GrammarError as e:
            self._diag(lineno, str(e), line, e.expected, "warning")
            return i + 1
        cur.end_line = lineno
        return i + 1


Action = Callable[[_Segmenter, list[str], int, int, str, Any], int]

#: The segmenter's one transition table: for each state, what to do with each kind of line
#: (kinds.Kind, decided by the grammar); ``None`` is every other kind. Goroutine headers are
#: taken before this table (feed: blocks and runs of blocks, which put the state to BLOCKS).
TRANSITIONS: dict[State, dict[Kind | None, Action]] = {
    # NOISE: outside any dump (the start; after a dump ends). Expects anything. A crash's first
    # line goes to PREAMBLE, a profile header to PROFILE, a goroutine header (feed) or goleak's
    # report to BLOCKS; a go command line just after a dump joins that dump's trailer.
    State.NOISE: {
        Kind.PANIC: _Segmenter._open_preamble,
        Kind.SIGNAME: _Segmenter._open_preamble,
        Kind.PC: _Segmenter._open_preamble,
        Kind.NOTE: _Segmenter._note,
        Kind.PROFILE_HEADER: _Segmenter._open_profile,
        None: _Segmenter._noise,
    },
    # PREAMBLE: the lines before a crash's goroutines (panic chain, fatal error, signal, PC=).
    # From NOISE. An empty line goes to BLOCKS (goroutines follow) or NOISE (none printed);
    # "runtime stack:" to BLOCKS.
    State.PREAMBLE: {
        Kind.BLANK: _Segmenter._preamble_end,
        Kind.RUNTIME_STACK: _Segmenter._stack_block,
        None: _Segmenter._preamble_line,
    },
    # BLOCKS: between goroutine blocks. From a header (feed), PREAMBLE, goleak's report. A
    # register line goes to REGISTERS; a go command line ends the dump (NOISE); a log line is
    # skipped when the dump's next header follows, else the dump ends (NOISE).
    State.BLOCKS: {
        Kind.BLANK: _Segmenter._skip,
        Kind.RUNTIME_STACK: _Segmenter._stack_block,
        Kind.REGISTER: _Segmenter._registers,
        Kind.GO_LINE: _Segmenter._trailer,
        None: _Segmenter._blocks_other,
    },
    # REGISTERS: a register dump (a fatal signal). From BLOCKS or RELAY. "-----" opens a
    # thread's relay section (GOTRACEBACK=crash, to RELAY); a header starts the next dump (feed).
    State.REGISTERS: {
        Kind.BLANK: _Segmenter._skip,
        Kind.RUNTIME_STACK: _Segmenter._stack_block,
        Kind.REGISTER: _Segmenter._registers,
        Kind.SEPARATOR: _Segmenter._open_relay,
        Kind.GO_LINE: _Segmenter._trailer,
        None: _Segmenter._blocks_other,
    },
    # RELAY: a crash thread's signal lines (SIGQUIT: quit / PC=…), before its goroutines. From
    # REGISTERS; its goroutine headers go to BLOCKS (feed), anything else ends the dump.
    State.RELAY: {
        Kind.BLANK: _Segmenter._skip,
        Kind.SIGNAME: _Segmenter._relay_signame,
        Kind.PC: _Segmenter._relay_pc,
        None: _Segmenter._relay_other,
    },
    # PROFILE: a pprof debug=1 profile. From NOISE (its header). Records ("N @ 0x…"), their
    # "#" lines and empty lines; anything else ends the dump (NOISE).
    State.PROFILE: {
        Kind.BLANK: _Segmenter._profile_end_record,
        Kind.PROFILE_RECORD: _Segmenter._profile_record,
        Kind.PROFILE_COMMENT: _Segmenter._profile_comment,
        None: _Segmenter._end_dump,
    },
}
