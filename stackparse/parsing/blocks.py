"""Goroutine blocks: a header, frames, an optional ``created by`` pair, up to an empty line.

Three readers, one grammar: ``_run`` reads consecutive blocks of the common shape together
(header, call/file pairs, created-by pair) by slicing, every frame looked up in the memo of
frames the grammar accepted; ``_fast_block`` reads one such block; ``_slow_block`` reads any
block shape by classifying each line and parsing the sequence with dump.lark, and salvages what
it can (with a Diagnostic) when the block is not one the grammar accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..model import (
    Ancestor,
    CreatedBy,
    Diagnostic,
    Elision,
    Frame,
    Function,
    Goroutine,
)
from .build import _PLACEHOLDER, _block_plan, _DumpBuilder, _goroutine
from .grammar import FileInfo, GrammarError, HeaderInfo, Work, parse_line, split_function
from .lines import _Lines, _tnew, fill_frames
from .states import State
from .unwrap import HEADER_ANYWHERE, normalize_indent

#: Blocks longer than this many lines are checked for a goroutine header inside them (a dump
#: whose empty lines were lost); 100 frames, an elision, a created-by pair and slack.
_LONG_BLOCK = 240
#: Kinds of line that end a goroutine block.
_ENDS_BLOCK = ("HEADER", "REGISTER", "RUNTIME_STACK")
#: How the lines of a goroutine block other than call lines start.
_BLOCK_LINE_STARTS = ("\t", "...", "created by ", "[originating from goroutine ", "non-Go function")


def _scan_blank(lines: list[str], k: int) -> int:
    """The index of the first empty line at or after ``k``, or -1, by a loop over the lines."""
    n = len(lines)
    while k < n:
        if not lines[k]:
            return k
        k += 1
    return -1


#: Whether this module runs compiled by mypyc (its functions are then built-ins, with no
#: ``__code__``): compiled, ``_scan_blank``'s loop finds an empty line faster than
#: ``list.index``, whose rich comparison of each line with "" costs more than the loop; run by
#: the interpreter it is the other way round.
_COMPILED: Final = not hasattr(_scan_blank, "__code__")


class BlockReader:
    """The goroutine-block readers of the segmenter (:class:`~.segmenter._Segmenter` derives from
    this): the state they read and change is the segmenter's."""

    lines: _Lines
    memo: bool
    cur: _DumpBuilder | None
    state: State
    window: int
    keep: bool
    sink: Callable[[Goroutine], None] | None
    relay: list[Any] | None

    #: (lines, lo, j): in that list the first empty line at or after index ``lo`` is ``j`` (-1:
    #: none), so the first empty line at or after any k in lo..j is j as well. Searching again
    #: from every header of a stretch without empty lines would be quadratic.
    _blank_memo: tuple[list[str], int, int] | None = None

    def _blank_from(self, lines: list[str], k: int) -> int:
        """The index of the first empty line at or after ``k``, or -1."""
        memo = self._blank_memo
        if memo is not None and memo[0] is lines and memo[1] <= k and (k <= memo[2] or memo[2] < 0):
            return memo[2]
        if _COMPILED:
            j = _scan_blank(lines, k)
        else:
            try:
                j = lines.index("", k)
            except ValueError:
                j = -1
        Work.visits += (len(lines) if j < 0 else j) - k
        self._blank_memo = (lines, k, j)
        return j

    def _block_end(self, lines: list[str], i: int) -> int:
        """Where the goroutine block whose header is ``lines[i]`` ends: its empty line, or the next
        goroutine header when one comes first; -1 when neither is in this piece. Looking for a
        header costs the block's length, and only for blocks longer than any plain one."""
        j = self._blank_from(lines, i + 1)
        stop = len(lines) if j < 0 else j
        if stop - i > _LONG_BLOCK:
            for k in range(i + 1, stop):
                if "goroutine " in lines[k] and HEADER_ANYWHERE.search(lines[k]):  # (behind a prefix too)
                    Work.visits += k - i
                    return k
            Work.visits += stop - i
        return j

    def _open(self, lineno: int) -> _DumpBuilder:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _add_goroutine(self, g: Goroutine, lineno: int) -> None:
        raise NotImplementedError

    def _diag(self, line: int, message: str, text: str = "", expected: str = "",
              severity: str = "error") -> None:
        raise NotImplementedError

    def _block(self, lines: list[str], i: int, j: int, base: int) -> int:
        """Read the goroutine block starting at lines[i] (a header), ending before lines[j]
        (an empty line or the end). Returns the index of the first line not consumed."""
        lineno = base + i + 1
        if self.cur is None or self.state == State.NOISE:
            self._open(lineno)
        elif self.state == State.REGISTERS and self.relay is None:
            # a register dump ends a dump: this header starts the next one
            self._close()
            self._open(lineno)
        self.state = State.BLOCKS
        g = self._fast_block(lines, i, j, lineno) if self.memo else None
        if g is not None:
            self._add_goroutine(g, base + j)
            return j
        return self._slow_block(lines, i, j, base)

    def _run(self, lines: list[str], i: int, base: int) -> int:
        """Read the consecutive goroutine blocks from the header ``lines[i]`` on, as long as they
        have the common shape (header, call/file pairs, an optional created-by pair, one empty
        line); returns the index of the first line not read (``i`` when none was).

        Because header + empty line is two lines, a call line of every such block sits at the
        same parity as the first header: two slices pair every call line of the run with its
        file line, and all frames are looked up and read together (``lines.fill_frames``).
        Anything else (an elision line, registers, ancestors, a line the grammar rejects, a
        repeated id) ends the run there, and the block-at-a-time path reads it. The same
        grammar verdicts decide both paths.
        """
        n = len(lines)
        lc = self.lines
        cur = self.cur
        assert cur is not None
        # the blocks: header fields and the index of the empty line that ends each
        ends: list[int] = []
        heads: list[tuple[int, tuple[Any, ...]]] = []
        skips: list[int] = []  # pairs of the run that are not frames
        ids = cur.ids
        h = i
        window = self.window
        while len(ends) < window:
            ph = lc.run_header(lines[h])
            if ph is None:
                break
            gid, t = ph
            if gid in ids and gid != 0:
                break
            b = self._blank_from(lines, h + 1)
            if b < 0:
                break  # the last block of this piece: the block-at-a-time path keeps it pending
            if not (b - h) & 1:
                break
            ends.append(b)
            heads.append((gid, t))
            skips.append((b - i - 1) >> 1)  # the pair (empty line, next header)
            if b - h >= 3 and lines[b - 2][:11] == "created by ":
                # (a block of a header alone has no created-by pair: at h == 0, lines[b - 2]
                # would be the piece's last line)
                skips.append((b - i - 3) >> 1)
            h = b + 1
            if h >= n or lines[h][:10] != "goroutine ":
                break
        if len(ends) < 2:
            return i
        last = ends[-1]
        calls = lines[i + 1 : last : 2]
        files = lines[i + 2 : last + 1 : 2]
        frames: list[Any] = [None] * len(calls)
        for k in skips:
            if k < len(frames):
                frames[k] = _SKIP
        fill_frames(lc, calls, files, frames)
        out = cur.goroutines if self.keep else None
        sink = self.sink
        h = i
        k = 0
        while k < len(ends):
            b = ends[k]
            gid, t = heads[k]
            k += 1
            if gid in ids and gid != 0:
                break  # (an id repeated inside this run)
            p0 = (h - i) >> 1
            p1 = (b - i - 1) >> 1
            created = None
            if b - h >= 3 and lines[b - 2][:11] == "created by ":
                try:
                    created = lc.created_by(lines[b - 2], lines[b - 1])
                except GrammarError:
                    break
                p1 -= 1
            fr = frames[p0:p1]
            if None in fr:
                break
            g = _tnew(Goroutine, (
                gid, t[0], tuple(fr), t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
                None, created, (), False, False, base + h + 1,
            ))
            ids.add(gid)
            if sink is not None:
                sink(g)
            if out is not None:
                out.append(g)
            else:
                cur.goroutines.append(_PLACEHOLDER)
            h = b + 1
        if h > i:
            cur.end_line = max(cur.end_line, base + h - 1)
            for _ in range(2):  # (dump.lark's `dump` rule reads a run as two blocks: see mark)
                cur.mark("GOROUTINE_BLOCK", base + h - 1)
                cur.mark("BLANK", base + h - 1)
        # the next run reads up to twice as many blocks; after a block it could not read, few
        self.window = min(self.window * 2, _RUN_MAX) if h > last else _RUN_MIN
        return h

    def _fast_block(self, lines: list[str], i: int, j: int, lineno: int) -> Goroutine | None:
        """The common shape, header + call/file pairs + created-by pair, read by slicing; every
        line still goes through the grammar (its verdict cached per distinct line)."""
        if j - i > _LONG_BLOCK:
            return None  # (longer than any block of this shape)
        lc = self.lines
        ph = lc.run_header(lines[i])
        if ph is None:
            return None
        gid, t = ph
        end = j
        created = None
        if j - i >= 3 and lines[j - 2][:11] == "created by ":
            end = j - 2
            try:
                created = lc.created_by(lines[j - 2], lines[j - 1])
            except GrammarError:
                return None
        elision = None
        if (end - i - 1) & 1:
            # one elision line: at frame 50 (1.21+) or last (<=1.20)
            e = i + 101 if i + 101 < end and lines[i + 101][:3] == "..." else end - 1
            if lines[e][:3] != "...":
                return None
            try:
                elision = Elision((e - i - 1) // 2, parse_line("elided", lines[e]))
            except GrammarError:
                return None
            keys = list(zip(lines[i + 1 : e : 2], lines[i + 2 : e : 2]))
            keys += zip(lines[e + 1 : end : 2], lines[e + 2 : end : 2])
        else:
            keys = list(zip(lines[i + 1 : end : 2], lines[i + 2 : end : 2]))
        frames: list[Any] = [None] * len(keys)
        fill_frames(lc, [key[0] for key in keys], [key[1] for key in keys], frames)
        if None in frames:
            return None
        return _tnew(Goroutine, (
            gid, t[0], tuple(frames), t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11],
            elision, created, (), False, False, lineno,
        ))

    def _slow_block(self, lines: list[str], i: int, j: int, base: int) -> int:
        """Any block shape: classify each line, let the grammar parse the sequence of kinds,
        and salvage what it can when the sequence is not a goroutine block."""
        lc = self.lines
        lineno = base + i + 1
        try:
            header = lc.header(lines[i])
        except GrammarError as e:
            self._diag(lineno, "unreadable goroutine header: " + str(e), lines[i],
                       e.expected or "goroutine N [STATUS]:")
            return i + 1
        kinds: list[str] = ["HEADER"]
        values: list[Any] = [header]
        texts: list[str] = [lines[i]]
        idx: list[int] = [i]
        k = i + 1
        skipped: list[int] = []
        # every line of the block classified once; ``later[x]``: some line after i + 1 + x and
        # before the next header is neither text nor empty (each line is looked at a bounded
        # number of times: linear)
        for x in range(i + 1, j):
            if lines[x][:1] == " ":
                lines[x] = normalize_indent(lines[x])
        classified = [lc.kind(lines[x]) for x in range(i + 1, j)]
        later = [False] * len(classified)
        seen = False
        for x in range(len(classified) - 1, -1, -1):
            later[x] = seen
            kx = classified[x][0]
            seen = kx not in _ENDS_BLOCK and (seen or kx not in ("TEXT", "BLANK"))
        while k < j:
            kind, value = classified[k - i - 1]
            if kind in ("HEADER", "REGISTER", "RUNTIME_STACK"):
                break
            if kind == "TEXT":
                # a C function name before its "\tpc=" line is a cgo frame
                if k + 1 < j and classified[k - i][0] == "CGO_FILE":
                    try:
                        kinds.append("CGO_CALL")
                        values.append(parse_line("cgo_call", lines[k]))
                        texts.append(lines[k])
                        idx.append(k)
                        k += 1
                        continue
                    except GrammarError:
                        kinds.pop()
                # a line that is not part of a goroutine block
                if later[k - i - 1]:
                    skipped.append(k)
                    k += 1
                    continue
                if lines[k].startswith(_BLOCK_LINE_STARTS):
                    # shaped like a line of the block, but the grammar refused it: say so (a
                    # log line after the block is simply where the dump ends)
                    skipped.append(k)
                    k += 1
                    continue
                break
            kinds.append(kind)
            values.append(value)
            texts.append(lines[k])
            idx.append(k)
            k += 1
        stop = k
        truncated = False
        notes: list[Diagnostic] = []
        for s in skipped:
            notes.append(Diagnostic(base + s + 1, "line inside a goroutine block is not part of it; skipped",
                                    lines[s][:200], "a frame, file or created-by line", "warning"))
        plan = None
        attempts = 0
        while plan is None and attempts < 64:
            attempts += 1
            try:
                plan = _block_plan(tuple(kinds)) if self.memo else _block_plan.__wrapped__(tuple(kinds))
            except GrammarError as e:
                pos = e.column
                if pos is None or pos >= len(kinds):
                    # the block ends early: a cut dump (fixed runtime.Stack buffer, log limit)
                    truncated = True
                    while len(kinds) > 1 and kinds[-1] not in ("FILE", "UNAVAILABLE", "ELIDED", "CGO_FILE",
                                                                "CGO_SINGLE"):
                        kinds.pop(); values.pop(); texts.pop(); idx.pop()  # noqa: E702
                    if len(kinds) > 1 and kinds[-1] == "FILE" and kinds[-2] == "CREATED":
                        pass
                    elif len(kinds) > 2 and kinds[-1] == "FILE" and kinds[-2] not in ("CALL",):
                        kinds.pop(); values.pop(); texts.pop(); idx.pop()  # noqa: E702
                    notes.append(Diagnostic(base + (idx[-1] if idx else i) + 1,
                                            "goroutine block ends early (truncated)", "",
                                            e.expected, "warning"))
                    continue
                notes.append(Diagnostic(base + idx[pos] + 1, f"{e} in goroutine {header.id}", texts[pos][:200],
                                        e.expected, "error"))
                del kinds[pos], values[pos], texts[pos], idx[pos]
        g: Goroutine
        if plan is None:
            g = _goroutine(header, (), None, None, (), False, True, lineno)
            notes.append(Diagnostic(lineno, f"could not read the frames of goroutine {header.id}", lines[i],
                                    "call and file lines", "error"))
        else:
            g = self._assemble(header, plan, kinds, values, texts, lineno, truncated)
        if self.cur is None:
            self._open(lineno)
        assert self.cur is not None
        self.cur.diagnostics.extend(notes)
        self._add_goroutine(g, base + stop)
        return stop

    def _assemble(self, h: HeaderInfo, plan: tuple[tuple[str, int, int], ...], kinds: list[str],
                  values: list[Any], texts: list[str], lineno: int, truncated: bool) -> Goroutine:
        lc = self.lines
        frames: list[Frame] = []
        target = frames
        elision: Elision | None = None
        created: CreatedBy | None = None
        ancestors: list[list[Any]] = []  # [id, frames, elided, created]
        unavailable = False
        for op, a, b in plan:
            if op == "frame":
                fn, args = values[a]
                fi: FileInfo = values[b]
                target.append(Frame(fn, args, fi.file, fi.line, fi.offset, fi.fp, fi.sp, fi.pc, False))
            elif op == "cgo":
                if b < 0:
                    target.append(Frame(Function("non-Go function", "", None, "non-Go function"), "", "", 0,
                                        None, None, None, values[a], True))
                else:
                    file, line, pc = values[b]
                    name = values[a]
                    target.append(Frame(split_function(name), "", file or "", line or 0, None, None, None, pc,
                                        True))
            elif op == "elided":
                if ancestors:
                    ancestors[-1][2] = True
                else:
                    elision = Elision(len(frames), values[a])
            elif op == "created":
                cb = lc.created_by(texts[a], texts[b])
                if ancestors:
                    ancestors[-1][3] = cb
                else:
                    created = cb
            elif op == "ancestor":
                ancestors.append([values[a], [], False, None])
                target = ancestors[-1][1]
            elif op == "unavailable":
                unavailable = True
        anc = tuple(Ancestor(a[0], tuple(a[1]), a[2], a[3]) for a in ancestors)
        g = _goroutine(h, tuple(frames), elision, created, anc, unavailable, truncated, lineno)
        return g

    def _runtime_stack(self, lines: list[str], i: int, base: int) -> int:
        """``runtime stack:`` then runtime frames, up to the next empty line."""
        cur = self.cur
        assert cur is not None
        k = i + 1
        frames: list[Frame] = []
        while k + 1 < len(lines) and lines[k] and lines[k][0] != "\t":
            try:
                frames.append(self.lines.frame(lines[k], normalize_indent(lines[k + 1])))
            except GrammarError as e:
                self._diag(base + k + 1, "in runtime stack: " + str(e), lines[k], e.expected, "warning")
                break
            k += 2
        cur.runtime_stack = tuple(frames)
        cur.end_line = base + k
        cur.mark("RUNTIME_STACK_BLOCK", base + i + 1)
        cur.mark("BLANK", base + k)
        self.state = State.BLOCKS
        return k

    # ------------------------------------------------------------------ relay sections
_RUN_MIN = 16
_SKIP = object()  # a pair of a run that is not a frame
_RUN_MAX = 1024
