"""Parse goroutine dumps into :class:`~stackparse.model.Dump` records.

How it reads, in the terms of gostackparse's named states: a *segmenter* walks the input line
by line and decides where dumps begin and end (noise, preamble, goroutine blocks, register
dump, crash relay sections, pprof profile); each goroutine block is then read by the grammar:
every line by its rule in ``grammars/lines.lark``, the sequence of lines by ``goroutine`` in
``grammars/dump.lark``.

Speed comes from memoisation, not from a second parser: dumps are extremely repetitive (a
100,000-goroutine dump has a few hundred distinct stack shapes and a few dozen distinct file
lines), so the grammar's verdict on a line or on a block's sequence of line kinds is cached.
The common block shape — a header, call/file pairs and a ``created by`` pair — is recognised
by slicing, and its pairs are looked up in a cache of frames already accepted by the grammar;
consecutive blocks of that shape are read a run at a time (``_Segmenter._run``: one ``zip``
pairs every call line of the run with its file line, one ``map`` looks them all up). A call line
not seen yet (in a production dump most are: their pointer arguments differ) is read without a
regular expression: its file line tells its function (learned once per file line from the
grammar, ``_Lines.sites``), and its argument list is reduced to a *skeleton* by C-level string
operations, the grammar's verdict being cached per skeleton; the new frames of a run are built
together with C-level ``map``/``zip`` (``_bulk_frames``). The cyclic garbage collector is paused
while reading (``_gc_paused``): the records are acyclic tuples, and the collector would
otherwise rescan the growing heap many times over. The compiled loops (stackparse/_speedups.c)
also take the Frames and Goroutines they make out of the collector's reach altogether, which
they may since no reference cycle can pass through them (tests/test_speedups.py checks the
records are immutable all the way down): the collection that follows the parse would otherwise
walk a big dump's millions of frames once more to find no garbage. A big file is read by two processes (see
"two processes" below).
``memo=False`` turns every cache and shortcut off, so that the grammar alone reads every line;
the differential tests (tests/test_fastpath*.py) check that both give the same records.

Policy (forgiving, never silent): every goroutine that can be read is returned; what cannot be
read becomes a :class:`~stackparse.model.Diagnostic` naming the line and what was expected;
``ParseError`` is raised only when no dump at all is found (or, with ``strict=True``, on the first
error). Nothing here raises anything else on any input.
"""

from __future__ import annotations

import gc
import gzip
import io
import marshal
import os
import pickle
import re
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from itertools import chain, compress, count, repeat
from operator import and_, getitem, is_, itemgetter
from pathlib import Path
from typing import IO, Any, cast

from .grammar import FileInfo, GrammarError, HeaderInfo, parse_line, parse_structure, split_function
from .model import (
    Ancestor,
    Arg,
    ArgGroup,
    ArgWord,
    CreatedBy,
    Diagnostic,
    Dump,
    Elision,
    Frame,
    Function,
    Goroutine,
    Panic,
    Preamble,
    ProfileFrame,
    ProfileRecord,
    Signal,
    ThreadSection,
)
from .unwrap import (
    HEADER_ANYWHERE,
    PrefixShape,
    decode,
    find_dump_start,
    normalize_indent,
    unwrap_json,
)

__all__ = [
    "ParseError",
    "iter_goroutines",
    "parse",
    "parse_all",
    "parse_args",
    "parse_file",
    "parse_file_all",
]

Progress = Callable[[int, int], None]

#: Lines longer than this are never dump lines (the runtime prints at most 10 argument words
#: per frame); keeping them out of the grammar keeps parse time linear on hostile input.
MAX_LINE = 16384
#: Entries kept in each line cache before it is cleared (bounds memory when streaming).
CACHE_LIMIT = 400_000
#: The same bound when streaming (iter_goroutines): memory must not grow with the input.
STREAM_CACHE_LIMIT = 100_000
#: Bytes read at a time by parse_file / iter_goroutines.
CHUNK = 8 << 20

UNAVAILABLE = "\tgoroutine running on other thread; stack unavailable"

_tnew = tuple.__new__  # builds a NamedTuple (Frame, Goroutine) without its Python-level __new__

@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while reading: the parser makes millions of small tuples and
    no reference cycles, and the collector, triggered by the allocations, would rescan the
    growing heap again and again (several times the parse's own cost on a 100k-goroutine dump)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class ParseError(ValueError):
    """The input holds no goroutine dump that can be read (or, with ``strict=True``, a part of
    one could not be read). ``line`` is 1-based; ``expected`` says what the parser wanted."""

    def __init__(self, message: str, line: int = 0, expected: str = "", text: str = "") -> None:
        self.message = message
        self.line = line
        self.expected = expected
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        s = f"line {self.line}: {self.message}" if self.line else self.message
        if self.expected:
            s += f"; expected {self.expected}"
        if self.text:
            s += f" (got {self.text[:80]!r})"
        return s


# ====================================================================== arguments

_WORD = r"(?:0x[0-9a-f]+\??|[0-9]+\??|\.\.\.|_)"
#: One comma-separated item of an argument list seen flat: opening braces, a word, closing
#: braces — or an empty group.
_ATOM = rf"(?:\{{*{_WORD}\}}*|\{{+\}}+)"
_FLAT_ARGS = re.compile(rf"(?:{_ATOM}(?:, {_ATOM})*)?")


def args_ok(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` is an argument list that the grammar's ``args`` rule accepts.

    A flat regex over the comma-separated items plus a brace-depth check: the same language as
    the recursive rule (``tests/test_fastpath.py`` checks the two agree), without recursion.
    """
    if end is None:
        end = len(text)
    if not _FLAT_ARGS.fullmatch(text, start, end):
        return False
    if text.find("{", start, end) < 0 and text.find("}", start, end) < 0:
        return True
    depth = 0
    for atom in text[start:end].split(", "):
        depth += atom.count("{") - atom.count("}")
        if depth < 0:
            return False
    return depth == 0


#: A call line whose arguments are flat-valid (see args_ok for the brace check).
_CALL_RE = re.compile(rf"([^\s(]\S*?)\(((?:{_ATOM}(?:, {_ATOM})*)?)\)")
_ARG_TOKENS = re.compile(r"\{|\}|[^{}, ]+")


def parse_args(text: str) -> tuple[Arg, ...] | None:
    """Parse an argument list (the text between a call's parentheses).

    ``None`` for ``...`` (inlined and ancestor frames print no arguments). Raises
    :class:`GrammarError` for text the grammar's ``args`` rule does not accept.
    """
    if text == "...":
        return None
    if text == "":
        return ()
    if not args_ok(text):
        return _args_by_grammar(text)
    if "{" not in text:
        return tuple(ArgWord(w[:-1], True) if w[-1] == "?" else ArgWord(w, False) for w in text.split(", "))
    stack: list[list[Arg]] = [[]]
    for tok in _ARG_TOKENS.findall(text):
        if tok == "{":
            stack.append([])
        elif tok == "}":
            items = stack.pop()
            stack[-1].append(ArgGroup(tuple(items)))
        elif tok[-1] == "?":
            stack[-1].append(ArgWord(tok[:-1], True))
        else:
            stack[-1].append(ArgWord(tok, False))
    return tuple(stack[0])


# ---------------------------------------------------------------------- call lines, fast path
#
# A production dump holds hundreds of thousands of distinct call lines that differ only in their
# argument words (pointers). Reading each with a regular expression over its arguments costs more
# than everything else; instead an argument list is reduced to its *skeleton* with two C-level
# string operations: every "0x" becomes "X", then every hex digit becomes "h" ("0x1f?, {0x0}"
# -> "Xhh?, {Xh}"). Skeletons repeat (a few hundred per dump), so their verdict is cached; it is
# decided by args_ok (the grammar's ``args`` rule, see above) on the skeleton with every "Xh+"
# replaced by the word "0x1". That verdict holds for the original text when the original holds
# no "X" (else "X" would be ambiguous) and the skeleton has no "h" outside an "Xh+" run (decimal
# words, or a hex run straight before "0x"): then every "0x1" of the canonical text stands for
# exactly one "0x[0-9a-f]+" word of the original, bounded on both sides by the same non-hex
# characters, and the two texts tokenise alike. Anything else goes to the exact path.
# tests/test_fastpath_calls.py checks this reader against the grammar.

_SKELETON = str.maketrans(dict.fromkeys("0123456789abcdef", "h"))
_BSKELETON = bytes.maketrans(b"0123456789abcdef", b"hhhhhhhhhhhhhhhh")
_XRUN = re.compile(r"Xh+")
_NAME_SHAPE = re.compile(r"[^\s(]\S*")
_skeleton_verdicts: dict[str | bytes, bool] = {}  # (str from _call_fast, bytes from _bulk_frames)
_call_names: dict[str, Function | None] = {}
_FAST_CACHE_LIMIT = 65536


def _skeleton_ok(skel: str) -> bool:
    ok = _skeleton_verdicts.get(skel)
    if ok is None:
        canon = _XRUN.sub("0x1", skel)
        ok = "h" not in canon and "X" not in canon and args_ok(canon)
        if len(_skeleton_verdicts) > _FAST_CACHE_LIMIT:
            _skeleton_verdicts.clear()
        _skeleton_verdicts[skel] = ok
    return ok


#: A pointer-sized word in a skeleton: "0x" and five or more hex digits, exact or not ("?").
_POINTER_SKELETON = re.compile(r"Xh{5}")
_shared_skeletons: dict[bytes, bool] = {}


def _skeleton_shared(skel: str) -> bool:
    """Whether argument lists of this skeleton are likely to repeat: no pointer-sized word. Such a
    word is mostly a heap address, one per goroutine, exact or not; caching the frames that hold
    one filled the line cache with frames never seen again (a third of the parse time at 100k
    goroutines, measured)."""
    return _POINTER_SKELETON.search(skel) is None


def _per_skeleton(table: dict[Any, bool], skels: list[bytes], decide: Callable[[str], bool]) -> list[bool]:
    """``decide`` of every skeleton, cached per skeleton in ``table`` (bounded)."""
    got = list(map(table.get, skels))
    if None in got:
        if len(table) > _FAST_CACHE_LIMIT:
            table.clear()
        for k in compress(range(len(skels)), map(is_, got, repeat(None))):
            got[k] = table[skels[k]] = decide(skels[k].decode("utf-8", "surrogatepass"))
    return got  # type: ignore[return-value]


def _call_name(name: str) -> Function | None:
    """The function of a call line's name part, when the grammar's FUNC accepts it (cached)."""
    if name in _call_names:
        return _call_names[name]
    fn: Function | None = None
    if _NAME_SHAPE.fullmatch(name):
        try:
            parse_line("call", name + "()")
            fn = split_function(name)
        except GrammarError:
            fn = None
    if len(_call_names) > _FAST_CACHE_LIMIT:
        _call_names.clear()
    _call_names[name] = fn
    return fn


def _call_fast(line: str) -> tuple[Function, str] | None:
    """(function, argument text) of a call line, or None when the fast path cannot decide (the
    exact path then reads the line)."""
    k = line.rfind("(")
    if k <= 0 or line[-1:] != ")" or len(line) > MAX_LINE:
        return None
    args = line[k + 1 : -1]
    if "X" in args:
        return None
    ok = _skeleton_verdicts.get(args.replace("0x", "X").translate(_SKELETON))
    if ok is None:
        ok = _skeleton_ok(args.replace("0x", "X").translate(_SKELETON))
    if not ok:
        return None
    name = line[:k]
    fn = _call_names.get(name)
    if fn is None:
        fn = _call_name(name)
        if fn is None:
            return None
    return fn, args


_first = itemgetter(0)

_second = itemgetter(1)
_third = itemgetter(2)
_fourth = itemgetter(3)
_after_first = itemgetter(slice(1, None))


def _bulk_frames(rd: _Lines, calls: list[str], files: list[str]) -> list[Frame | None]:
    """The frames of the (call line, file line) pairs ``calls[k], files[k]``, read with C-level
    operations over all of them at once; ``None`` where the exact path must decide. Frames that
    can come again are also put into the line cache ``rd.frames``.

    A file line names one code location, so the function of its call line is known once one
    pair with that file line has been read (``_split_frames`` learns it): every later call line
    with that file line must start with the same ``name(`` and end with ``)``, and only its
    argument list is read, by skeleton (see above).
    """
    if not calls:
        return []
    if max(map(len, calls)) > MAX_LINE:
        return [None] * len(calls)
    site_of = rd.sites.get
    sites: list[Any] = list(map(site_of, files))  # site tuples; the None entries are replaced just below
    if None in sites:
        unknown = list(map(is_, sites, repeat(None)))
        _split_frames(rd, list(compress(calls, unknown)), list(compress(files, unknown)))
        sites = list(map(site_of, files, repeat(_NO_SITE)))
    ok = list(map(and_, map(str.startswith, calls, map(_first, sites)), map(str.endswith, calls, repeat(")"))))
    if False in ok:
        sites = [s if good else _NO_SITE for s, good in zip(sites, ok)]
    args: list[str] = list(map(getitem, calls, map(_second, sites)))
    joined = "\n".join(args)
    if "X" in joined:
        return [None] * len(calls)
    skels = joined.encode("utf-8", "surrogatepass").replace(b"0x", b"X").translate(_BSKELETON).split(b"\n")
    verdicts = _per_skeleton(_skeleton_verdicts, skels, _skeleton_ok)
    frames: list[Any] = list(map(_tnew, repeat(Frame), map(tuple.__add__, zip(map(_third, sites), args),
                                                             map(_fourth, sites))))
    good = list(map(and_, ok, verdicts))
    if False in good:
        frames = [f if g else None for f, g in zip(frames, good)]
    # the line cache keeps only frames that can come again: a frame with an exact pointer
    # argument (mostly a new object per goroutine) is read again if it ever does come again
    shared = _per_skeleton(_shared_skeletons, skels, _skeleton_shared)
    if False in good:
        shared = list(map(and_, shared, good))
    if True in shared:
        rd.frames.update(zip(zip(compress(calls, shared), compress(files, shared)), compress(frames, shared)))
    return frames


def _split_frames(rd: _Lines, calls: list[str], files: list[str]) -> None:
    """Learn the sites (``rd.sites``) of file lines not seen yet: split their call lines at the
    last "(" and check the name with the grammar (cached per name) and the file line."""
    for call, file in zip(calls, files):
        if " fp=" in file:
            # GOTRACEBACK=crash: the site is learnt on the file line without its registers (the
            # compiled lookup reads the registers of each such line; _Lines.file here)
            m = _REGS_RE.search(file)
            if m is not None:
                file = file[: m.start()]
        if file in rd.sites:
            continue
        name, paren, _ = call.rpartition("(")
        if not paren:
            continue
        fn = _call_names.get(name)
        if fn is None:
            fn = _call_name(name)
            if fn is None:
                continue
        tail = rd.tails.get(file)
        if tail is None:
            try:
                tail = rd.tail(file)
            except GrammarError:
                continue
            if tail is None:
                continue
        rd.sites[file] = (name + "(", slice(len(name) + 1, -1), fn, tail)


#: A site no call line matches (its prefix holds a NUL, which no call line has).
_NO_SITE: tuple[Any, ...] = ("\0", slice(0, 0), None, ("", 0, None, None, None, None, False))


@lru_cache(maxsize=4096)
def _args_by_grammar(text: str) -> tuple[Arg, ...]:
    _, args = parse_line("call", "f(" + text + ")")
    return tuple(args)


# ====================================================================== lines

_HDR_RE = re.compile(
    r"goroutine ([0-9]+)(?: gp=(0x[0-9a-f]+) m=(?:([0-9]+) mp=(0x[0-9a-f]+)|nil))?(?= \[)"
)
_REGS_RE = re.compile(r" fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+)(?: pc=(0x[0-9a-f]+))?$")
SEGMENT_BOUNDARY = "----- stack segment boundary -----"
_REGISTER_RE = re.compile(r"^[a-z][a-z0-9]* +0x[0-9a-f]+(?:\t[a-z][a-z0-9]* +0x[0-9a-f]+)?$")
_ELIDED_RE = re.compile(r"^\.\.\.(?:additional|[0-9]+) frames? elided\.\.\.$")
_SIGHEAD_RE = re.compile(r"^(?:SIG[A-Z0-9]+: .+|Signal [0-9]+)$")
_PROFILE_HDR_RE = re.compile(r"^[a-z][a-z0-9_]* profile: total [0-9]+$")
_PROFILE_REC_RE = re.compile(r"^[0-9]+ @(?: 0x[0-9a-f]+)+$")
_TRAILER_RE = re.compile(
    r"^(?:exit status [0-9]+|FAIL\b.*|ok\s.*|--- FAIL: .*|\*\*\* Test killed.*|signal: .*|PASS)$"
)
_PREAMBLE_START_RE = re.compile(
    r"^(?:panic: |fatal error: |\[signal |SIG[A-Z0-9]+: |Signal [0-9]+$|unexpected fault address |"
    r"runtime: |PC=0x)"
)


class _Lines:
    """Reads single lines with the grammar, remembering each distinct line's verdict."""

    def __init__(self, memo: bool) -> None:
        self.memo = memo
        self.limit = CACHE_LIMIT
        self.headers: dict[str, HeaderInfo] = {}
        self.calls: dict[str, tuple[Function, str]] = {}
        self.files: dict[str, FileInfo] = {}
        self.frames: dict[tuple[str, str], Frame] = {}
        self.created: dict[str, tuple[Function, int | None]] = {}
        self.funcs: dict[str, bool] = {}
        self.hfast: dict[str, tuple[Any, ...]] = {}  # header text after the id -> header fields
        self.cb: dict[tuple[str, str], CreatedBy] = {}
        # file line -> the end of a Frame tuple (file, line, offset, None, None, None, False)
        self.tails: dict[str, tuple[Any, ...]] = {}
        # file line -> (call name + "(", slice of a call line's arguments, Function, tail)
        self.sites: dict[str, tuple[str, slice, Function, tuple[Any, ...]]] = {}
        self.regs_shapes: dict[bool, FileInfo] = {}  # register suffixes (with pc=?) the grammar accepted

    def trim(self) -> None:
        for cache in (self.headers, self.calls, self.files, self.frames, self.created, self.funcs,
                      self.hfast, self.cb, self.tails, self.sites):
            if len(cache) > self.limit:
                cache.clear()

    # ---------------------------------------------------------------- header
    def header(self, line: str) -> HeaderInfo:
        if len(line) > MAX_LINE:
            raise GrammarError("line too long for a goroutine header", "a goroutine header")
        if not self.memo:
            return parse_line("header", line)  # type: ignore[no-any-return]
        m = _HDR_RE.match(line)
        if m is None:
            return parse_line("header", line)  # type: ignore[no-any-return]
        key = line[m.end() :]
        tmpl = self.headers.get(key)
        if tmpl is None:
            tmpl = parse_line("header", "goroutine 0" + key)
            self.headers[key] = tmpl
        gp = m.group(2)
        if gp is None:
            return tmpl._replace(id=int(m.group(1)))
        m_id = m.group(3)
        return tmpl._replace(
            id=int(m.group(1)),
            gp=int(gp, 16),
            m=None if m_id is None else int(m_id),
            mp=None if m.group(4) is None else int(m.group(4), 16),
        )

    # ---------------------------------------------------------------- call / file lines
    def call(self, line: str) -> tuple[Function, str]:
        v = self.calls.get(line) if self.memo else None
        if v is None:
            v = self._call(line)
            if self.memo:
                self.calls[line] = v
        return v

    def _call(self, line: str) -> tuple[Function, str]:
        if len(line) > MAX_LINE:
            raise GrammarError("line too long for a call line", "FUNC(ARGS)")
        if self.memo:
            v = _call_fast(line)
            if v is not None:
                return v
            m = _CALL_RE.fullmatch(line)
            if (
                m is not None
                and (("{" not in line and "}" not in line) or args_ok(m.group(2)))
                and self._func_ok(m.group(1))
            ):
                return split_function(m.group(1)), m.group(2)
        name, _ = parse_line("call", line)  # the grammar decides (and says what it expected)
        return split_function(name), line[len(name) + 1 : -1]

    def _func_ok(self, name: str) -> bool:
        ok = self.funcs.get(name)
        if ok is None:
            try:
                parse_line("call", name + "()")
                ok = True
            except GrammarError:
                ok = False
            self.funcs[name] = ok
        return ok

    def file(self, line: str) -> FileInfo:
        v = self.files.get(line) if self.memo else None
        if v is not None:
            return v
        if len(line) > MAX_LINE:
            raise GrammarError("line too long for a file line", "TAB FILE:LINE")
        if not self.memo:
            return parse_line("fileline", line)  # type: ignore[no-any-return]
        m = _REGS_RE.search(line) if " fp=" in line else None
        if m is not None:
            # GOTRACEBACK=crash: every such line differs (frame pointers). The part before the
            # registers is read (and cached) as a plain file line; the registers' words are the
            # grammar's HEX, so its verdict on the suffix holds for every suffix of that shape:
            # taken once per shape (with or without pc=), the words read by the same regex.
            base = self.file(line[: m.start()])
            fp, sp, pc = m.groups()
            shape = pc is not None
            if shape not in self.regs_shapes:  # (raises GrammarError if the grammar rejects it)
                self.regs_shapes[shape] = parse_line("fileline", "\t_:1 fp=0x1 sp=0x2" + (" pc=0x3" if shape else ""))
            return base._replace(fp=int(fp, 16), sp=int(sp, 16), pc=None if pc is None else int(pc, 16))
        v = parse_line("fileline", line)
        self.files[line] = v
        return v

    def tail(self, line: str) -> tuple[Any, ...] | None:
        """The fields a file line gives a Frame (with cgo=False), None for a line with registers."""
        fi = self.file(line)
        if fi.fp is not None:
            return None
        t = self.tails[line] = (*fi, False)
        return t

    def frame(self, call: str, file: str) -> Frame:
        key = (call, file)
        fr = self.frames.get(key) if self.memo else None
        if fr is None:
            func, args = self.call(call)
            fi = self.file(file)
            fr = Frame(func, args, fi.file, fi.line, fi.offset, fi.fp, fi.sp, fi.pc, False)
            if self.memo and fi.fp is None:
                self.frames[key] = fr
        return fr

    def created_by(self, line: str, file: str) -> CreatedBy:
        if self.memo:
            got = self.cb.get((line, file))
            if got is not None:
                return got
        v = self.created.get(line) if self.memo else None
        if v is None:
            if len(line) > MAX_LINE:
                raise GrammarError("line too long", "created by FUNC")
            name, parent = parse_line("created", line)
            v = (split_function(name), parent)
            if self.memo:
                self.created[line] = v
        fi = self.file(file)
        cb = CreatedBy(v[0], v[1], fi.file, fi.line, fi.offset)
        if self.memo:
            self.cb[(line, file)] = cb
        return cb

    def run_header(self, line: str) -> tuple[int, tuple[Any, ...]] | None:
        """(id, the other fields: state .. labels, gp, m, mp) of any goroutine header the grammar
        accepts; None for any other line. The grammar reads each distinct text after the id of a
        header without gp=/m= words once (``hfast``); the others, through :meth:`header`."""
        sp = line.find(" ", 10)
        t = self.hfast.get(line[sp:])
        if t is not None:
            num = line[10:sp]
            if not (num.isdigit() and num.isascii()):
                return None  # int() would also take "1_0" or "٣", which the grammar does not
            return int(num), t
        try:
            h = self.header(line)
        except GrammarError:
            return None
        t = h[1:]
        if h.gp is None:
            self.hfast[line[sp:]] = t
        return h.id, t

    def new_frames(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Frame | None]:
        """The frames of (call line, file line) pairs not in the line cache, each distinct pair
        read once: together by _bulk_frames, the rest by the exact path; None for a pair the
        grammar rejects."""
        uniq = list(dict.fromkeys(keys))
        got = dict(zip(uniq, _bulk_frames(self, list(map(_first, uniq)), list(map(_second, uniq)))))
        if None in got.values():
            for key, fr in got.items():
                if fr is None:
                    try:
                        got[key] = self.frame(*key)
                    except GrammarError:
                        pass
        return got

    # ---------------------------------------------------------------- classification
    def kind(self, line: str) -> tuple[str, Any]:
        """The kind of a line inside a goroutine block, by the first rule of lines.lark that
        accepts it (cheap prefix tests decide which rule to try)."""
        if not line:
            return "BLANK", None
        if len(line) > MAX_LINE:
            return "TEXT", None
        c = line[0]
        if c == " ":
            line = normalize_indent(line)
            c = line[0]
        try:
            if c == "\t":
                if line == UNAVAILABLE:
                    return "UNAVAILABLE", line
                try:
                    return "FILE", self.file(line)
                except GrammarError:
                    return "CGO_FILE", parse_line("cgo_fileline", line)
            if c == "g" and line.startswith("goroutine "):
                return "HEADER", self.header(line)
            if c == "c" and line.startswith("created by "):
                return "CREATED", line
            if c == "." and _ELIDED_RE.match(line):
                return "ELIDED", parse_line("elided", line)
            if line == SEGMENT_BOUNDARY:
                return "SEGMENT", None
            if c == "[" and line.startswith("[originating from goroutine "):
                return "ANCESTOR", parse_line("ancestor", line)
            if c == "n" and line.startswith("non-Go function at pc="):
                return "CGO_SINGLE", parse_line("cgo_single", line)
            if line[-1] == ")":
                return "CALL", self.call(line)
            if _REGISTER_RE.match(line):
                return "REGISTER", line
            if line == "runtime stack:":
                return "RUNTIME_STACK", line
        except GrammarError:
            return "TEXT", None
        return "TEXT", None


# ====================================================================== block plans


@lru_cache(maxsize=8192)
def _block_plan(kinds: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """What each line of a block is, from the grammar's parse of its sequence of line kinds.

    The plan is a list of (operation, line index, second line index); cached per distinct
    sequence, so the grammar reads each stack shape once.
    """
    tree = parse_structure("goroutine", [(k, i) for i, k in enumerate(kinds)])
    ops: list[tuple[str, int, int]] = []

    def walk(t: Any) -> None:
        data = t.data
        if data == "go_frame":
            ops.append(("frame", t.children[0].value, t.children[1].value))
            return
        if data == "cgo_frame":
            ch = t.children
            ops.append(("cgo", ch[0].value, ch[1].value if len(ch) > 1 else -1))
            return
        if data == "created":
            ops.append(("created", t.children[0].value, t.children[1].value))
            return
        for ch in t.children:
            if hasattr(ch, "data"):
                if ch.data == "ancestor":
                    ops.append(("ancestor", ch.children[0].value, -1))
                walk(ch)
            else:
                kind = ch.type
                if kind == "ELIDED":
                    ops.append(("elided", ch.value, -1))
                elif kind == "UNAVAILABLE":
                    ops.append(("unavailable", ch.value, -1))

    walk(tree)
    return tuple(ops)


# ====================================================================== dump builder


class _DumpBuilder:
    def __init__(self, start_line: int) -> None:
        self.start_line = start_line
        self.end_line = start_line
        self.preamble: list[str] = []
        self.preamble_lines: list[int] = []
        self.goroutines: list[Goroutine] = []
        self.ids: set[int] = set()
        self.runtime_stack: tuple[Frame, ...] | None = None
        self.threads: list[tuple[Signal | None, list[Goroutine], list[tuple[str, int]]]] = []
        self.registers: list[tuple[str, int]] = []
        self.profile: str | None = None
        self.total: int | None = None
        self.records: list[ProfileRecord] = []
        self.trailer: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.truncated = False

    def has_content(self) -> bool:
        return bool(self.goroutines or self.preamble or self.records or self.profile or self.threads
                    or self.runtime_stack is not None)

    def build(self, lines: _Lines) -> Dump:
        preamble, kind, diags = _build_preamble(self.preamble, self.preamble_lines)
        if self.profile is not None:
            kind = "profile"
        threads = tuple(
            ThreadSection(sig, tuple(gs), tuple(regs)) for sig, gs, regs in self.threads
        )
        return Dump(
            kind=kind,
            goroutines=tuple(self.goroutines),
            preamble=preamble,
            runtime_stack=self.runtime_stack,
            threads=threads,
            registers=tuple(self.registers),
            profile=self.profile,
            total=self.total,
            records=tuple(self.records),
            trailer=tuple(self.trailer),
            diagnostics=tuple(diags + self.diagnostics),
            truncated=self.truncated,
            start_line=self.start_line,
            end_line=self.end_line,
        )


_RECOVERED = (" [recovered, repanicked]", " [recovered]")


def _build_preamble(lines: list[str], linenos: list[int]) -> tuple[Preamble, str, list[Diagnostic]]:
    panics: list[list[Any]] = []  # [value, recovered, repanicked]
    fatal: str | None = None
    signal: Signal | None = None
    diags: list[Diagnostic] = []
    last: list[Any] | None = None  # the entry continuation lines extend
    signame: str | None = None
    kinds: list[tuple[str, int]] = []
    for idx, line in enumerate(lines):
        stripped = line.lstrip("\t ")
        if line[:1] == " " and stripped.startswith(("panic: ", "fatal error: ")):
            line = "\t" + stripped  # a chain line whose TAB became spaces
        kind = "TEXT"
        try:
            if stripped.startswith("panic: "):
                _, value = parse_line("panic_line", line)
                entry = [value, False, False]
                panics.append(entry)
                last = entry
                kind = "PANIC"
            elif stripped.startswith("fatal error: "):
                _, value = parse_line("fatal_line", line)
                fatal = value
                last = None
                kind = "FATAL"
            elif line.startswith("[signal "):
                name, code, addr, pc = parse_line("signal_line", line)
                signal = Signal(name, code, addr, pc)
                last = None
                kind = "SIGNAL"
            elif _SIGHEAD_RE.match(line):
                signame = parse_line("signame_line", line)
                signal = Signal(signame)
                last = None
                kind = "SIGNAME"
            elif line.startswith("PC=0x"):
                pc, m, code, addr = parse_line("pc_line", line)
                signal = Signal(signame or (signal.name if signal else ""), None, addr, pc, m, code)
                last = None
                kind = "PC"
            elif last is not None:
                cont = line[1:] if line.startswith("\t") else line.removeprefix("    ")
                last[0] = last[0] + "\n" + cont
        except GrammarError as e:
            diags.append(Diagnostic(linenos[idx], str(e), line, e.expected, "warning"))
        kinds.append((kind, idx))
    if kinds:
        try:
            parse_structure("preamble", kinds)
        except GrammarError as e:  # pragma: no cover - every preamble line kind is accepted
            diags.append(Diagnostic(linenos[0], "preamble: " + str(e), "", e.expected, "warning"))
    chain: list[Panic] = []
    timeout: str | None = None
    running: list[str] = []
    for value, _, _ in panics:
        rec = rep = False
        first, _, rest = value.partition("\n")
        for suffix in _RECOVERED:
            if first.endswith(suffix):
                first = first[: -len(suffix)]
                rec = True
                rep = suffix.startswith(" [recovered,")
                break
        full = first + ("\n" + rest if rest else "")
        chain.append(Panic(full, rec, rep))
        if first.startswith("test timed out after ") and timeout is None:
            timeout = first[len("test timed out after ") :]
            in_list = False
            for r in rest.split("\n"):
                r = r.strip("\t")
                if r == "running tests:":
                    in_list = True
                elif in_list and r:
                    running.append(r)
    if timeout is not None:
        kind = "test-timeout"
    elif signame is not None:
        kind = "signal"
    elif fatal is not None:
        kind = "fatal"
    elif chain:
        kind = "panic"
    else:
        kind = "stack"
    return (
        Preamble(tuple(chain), fatal, signal, timeout, tuple(running), tuple(lines)),
        kind,
        diags,
    )


# ====================================================================== segmenter

# states
_NOISE, _PREAMBLE, _BLOCKS, _REGISTERS, _RELAY, _PROFILE = range(6)


class _Segmenter:
    """Walks lines, finds the dumps in them and reads each goroutine block with the grammar."""

    def __init__(self, memo: bool = True, sink: Callable[[Goroutine], None] | None = None,
                 keep: bool = True) -> None:
        self.lines = _Lines(memo)
        self.memo = memo
        self.sink = sink
        self.keep = keep
        self.dumps: list[Dump] = []
        self.cur: _DumpBuilder | None = None
        self.state = _NOISE
        self.prefix: PrefixShape | None = None
        self.pending: list[str] = []  # lines of a block cut by a chunk boundary
        self.pending_start = 0
        self.stray: list[Diagnostic] = []  # diagnostics outside any dump
        self.record: list[Any] | None = None  # current pprof record [count, pcs, labels, frames, line]
        self.relay: list[Any] | None = None
        self.window = _RUN_MIN  # blocks per run (see _run)
        self.next_base = 0  # lines fed so far (see _feed_stream)

    # ------------------------------------------------------------------ dumps
    def _open(self, lineno: int) -> _DumpBuilder:
        self._close()
        self.cur = _DumpBuilder(lineno)
        return self.cur

    def _close(self) -> None:
        cur = self.cur
        if cur is None:
            return
        self._end_record()
        self._end_relay()
        self.cur = None
        self.state = _NOISE
        if cur.has_content():
            dump = cur.build(self.lines)
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
                self.state = _BLOCKS
            cur.ids.add(g.id)
            if self.sink is not None:
                self.sink(g)
            if self.keep:
                cur.goroutines.append(g)
            else:
                cur.goroutines.append(_PLACEHOLDER)
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
        if self.pending:
            # a block was cut by the previous chunk's end: glue it to this chunk
            lines = self.pending + lines
            base = self.pending_start - 1
            self.pending = []
        if self.prefix is not None:
            self._apply_prefix(lines, 0)
        n = len(lines)
        i = 0
        while i < n:
            line = lines[i]
            state = self.state
            if line[:10] == "goroutine " and state != _PROFILE and line[10:11].isdigit():
                if state == _BLOCKS and self.memo and self.relay is None:
                    # consecutive blocks of the common shape, read together
                    k = self._run(lines, i, base)
                    if k > i:
                        i = k
                        continue
                # a goroutine block: up to the next empty line
                try:
                    j = lines.index("", i)
                except ValueError:
                    if not final:
                        self.pending = lines[i:]
                        self.pending_start = base + i + 1
                        return
                    j = n
                i = self._block(lines, i, j, base)
                continue
            if not line and state == _BLOCKS:
                i += 1
                continue
            i = self._line(lines, i, base)
        self.lines.trim()
        if final:
            self._close()

    def _apply_prefix(self, lines: list[str], start: int) -> None:
        p = self.prefix
        assert p is not None
        for k in range(start, len(lines)):
            s = p.strip(lines[k])
            if s is not None:
                lines[k] = s

    # ------------------------------------------------------------------ one line
    def _line(self, lines: list[str], i: int, base: int) -> int:
        line = lines[i]
        lineno = base + i + 1
        state = self.state
        cur = self.cur
        if line[:1] == " " and state in (_BLOCKS, _REGISTERS, _PROFILE):
            line = normalize_indent(line)
        if state == _PREAMBLE:
            assert cur is not None
            if line == "":
                nxt = lines[i + 1] if i + 1 < len(lines) else None
                if nxt is not None and (nxt.startswith("goroutine ") or nxt == "runtime stack:"):
                    self.state = _BLOCKS
                    return i + 1
                # a crash that printed no goroutines (GOTRACEBACK=none, Goexit deadlock)
                self._close()
                return i + 1
            if len(cur.preamble) > 500:
                # no goroutine block in sight: this was log text, not a crash
                self.cur = None
                self.state = _NOISE
                return i + 1
            if line == "runtime stack:":
                self.state = _BLOCKS
                return self._runtime_stack(lines, i, base)
            cur.preamble.append(line)
            cur.preamble_lines.append(lineno)
            cur.end_line = lineno
            return i + 1
        if state in (_BLOCKS, _REGISTERS) and cur is not None:
            if line == "":
                return i + 1
            if line == "runtime stack:":
                return self._runtime_stack(lines, i, base)
            if _REGISTER_RE.match(line):
                regs = parse_line("register_line", line)
                target = self.relay[2] if self.relay is not None else cur.registers
                target.extend(regs)
                cur.end_line = lineno
                self.state = _REGISTERS
                return i + 1
            if line == "-----" and state == _REGISTERS:
                self._end_relay()
                self.relay = [None, [], [], []]
                self.state = _RELAY
                cur.end_line = lineno
                return i + 1
            if _TRAILER_RE.match(line):
                cur.trailer.append(line)
                cur.end_line = lineno
                self._close()
                return i + 1
            self._close()
            return i  # re-read as noise
        if state == _RELAY and cur is not None:
            relay = self.relay
            assert relay is not None
            if line == "":
                return i + 1
            if _SIGHEAD_RE.match(line):
                relay[3].append(line)
                return i + 1
            if line.startswith("PC=0x"):
                relay[3].append(line)
                try:
                    pc, m, code, addr = parse_line("pc_line", line)
                    name = relay[3][0] if relay[3] else ""
                    relay[0] = Signal(name, None, addr, pc, m, code)
                except GrammarError as e:
                    self._diag(lineno, str(e), line, e.expected, "warning")
                return i + 1
            self._close()
            return i
        if state == _PROFILE and cur is not None:
            return self._profile_line(line, lineno, i)
        # ---------------------------------------------------------------- noise
        return self._noise(lines, i, base, line)

    def _noise(self, lines: list[str], i: int, base: int, line: str) -> int:
        lineno = base + i + 1
        if line and (line[0] in "pfSPru[\tg" or "goroutine " in line or "panic: " in line
                     or "profile: total" in line or "fatal error: " in line or "SIG" in line):
            if _PREAMBLE_START_RE.match(line):
                if line.startswith("runtime: ") or line.startswith("unexpected fault address"):
                    # only a preamble when a fatal error follows soon
                    if not any(
                        lines[k].lstrip("\t").startswith("fatal error: ")
                        for k in range(i + 1, min(i + 6, len(lines)))
                    ):
                        return i + 1
                cur = self._open(lineno)
                cur.preamble.append(line)
                cur.preamble_lines.append(lineno)
                self.state = _PREAMBLE
                return i + 1
            if _PROFILE_HDR_RE.match(line):
                cur = self._open(lineno)
                name, total = parse_line("profile_header", line)
                cur.profile, cur.total = name, total
                self.state = _PROFILE
                return i + 1
            pos = find_dump_start(line)
            if pos > 0 and not HEADER_ANYWHERE.match(line, pos) and not _PROFILE_HDR_RE.match(line[pos:]) and not any(
                HEADER_ANYWHERE.search(lines[k]) for k in range(i + 1, min(i + 200, len(lines)))
            ):
                pos = -1  # a preamble-like phrase in a log line with no dump after it
            if pos > 0:
                # a dump behind a log prefix (or after a prompt): learn the prefix's shape
                prefix = line[:pos]
                if prefix.endswith("^\\"):  # the terminal's echo of Ctrl-\ before "SIGQUIT: quit"
                    lines[i] = line[pos:]
                else:
                    self.prefix = PrefixShape(prefix)
                    self._apply_prefix(lines, i)
                    if lines[i] == line:  # never loop: this line at least loses its prefix
                        lines[i] = line[pos:]
                return i  # re-read without the prefix
            if HEADER_ANYWHERE.match(line):
                # header-shaped but not accepted by the grammar: account for it
                try:
                    self.lines.header(line)
                except GrammarError as e:
                    self._diag(lineno, "unreadable goroutine header: " + str(e), line,
                               e.expected or "goroutine N [STATUS]:")
                return i + 1
        if self.dumps and _TRAILER_RE.match(line) and self.dumps[-1].end_line >= lineno - 2:
            last = self.dumps[-1]
            self.dumps[-1] = replace(last, trailer=last.trailer + (line,), end_line=lineno)
        return i + 1

    # ------------------------------------------------------------------ blocks
    def _block(self, lines: list[str], i: int, j: int, base: int) -> int:
        """Read the goroutine block starting at lines[i] (a header), ending before lines[j]
        (an empty line or the end). Returns the index of the first line not consumed."""
        lineno = base + i + 1
        if self.cur is None or self.state == _NOISE:
            self._open(lineno)
        elif self.state == _REGISTERS and self.relay is None:
            # a register dump ends a dump: this header starts the next one
            self._close()
            self._open(lineno)
        self.state = _BLOCKS
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
        same parity as the first header: one ``zip`` pairs every call line of the run with its
        file line, one ``map`` looks all frames up, and the frames not cached yet are read
        together (``_bulk_frames``). Anything else (an elision line, registers, ancestors, a
        line the grammar rejects, a repeated id) ends the run there,
        and the block-at-a-time path reads it. The same grammar verdicts decide both paths.

        With the compiled lookup (``_speedups``), each of the three loops below (the blocks, the
        frames, the goroutines) runs in C as far as the caches the grammar filled can take it,
        and hands the rest back to the Python steps beside it.
        """
        n = len(lines)
        lc = self.lines
        cur = self.cur
        assert cur is not None
        # the blocks: header fields and the index of the empty line that ends each
        ends: list[int] = []
        heads: list[tuple[int, tuple[Any, ...]]] = []
        skips: list[int] = []  # pairs of the run that are not frames
        index = lines.index
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
            try:
                b = index("", h + 1)
            except ValueError:
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
        cache = lc.frames
        frames: list[Any]
        frames = list(map(cache.get, zip(calls, files)))
        m = len(frames)
        for k in skips:
            if k < m:
                frames[k] = _SKIP
        if None in frames:
            mask = list(map(is_, frames, repeat(None)))
            where = list(compress(range(m), mask))
            miss = list(zip(compress(calls, mask), compress(files, mask)))
            deque(map(frames.__setitem__, where, map(lc.new_frames(miss).__getitem__, miss)), maxlen=0)
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
        # the next run reads up to twice as many blocks; after a block it could not read, few
        self.window = min(self.window * 2, _RUN_MAX) if h > last else _RUN_MIN
        return h

    def _fast_block(self, lines: list[str], i: int, j: int, lineno: int) -> Goroutine | None:
        """The common shape, header + call/file pairs + created-by pair, read by slicing; every
        line still goes through the grammar (its verdict cached per distinct line)."""
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
            if lines[e][:3] != "..." or not _ELIDED_RE.match(lines[e]):
                return None
            try:
                elision = Elision((e - i - 1) // 2, parse_line("elided", lines[e]))
            except GrammarError:
                return None
            keys = list(zip(lines[i + 1 : e : 2], lines[i + 2 : e : 2]))
            keys += zip(lines[e + 1 : end : 2], lines[e + 2 : end : 2])
        else:
            keys = list(zip(lines[i + 1 : end : 2], lines[i + 2 : end : 2]))
        cache = lc.frames
        frames = list(map(cache.get, keys))
        if None in frames:
            # lines not seen yet (mostly call lines whose pointer arguments are new): read in bulk
            got = lc.new_frames([key for key, fr in zip(keys, frames) if fr is None])
            frames = [fr if fr is not None else got[key] for key, fr in zip(keys, frames)]
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
        while k < j:
            if lines[k][:1] == " ":
                lines[k] = normalize_indent(lines[k])
            kind, value = lc.kind(lines[k])
            if kind in ("HEADER", "REGISTER", "RUNTIME_STACK"):
                break
            if kind == "TEXT":
                # a C function name before its "\tpc=" line is a cgo frame
                if k + 1 < j and lc.kind(lines[k + 1])[0] == "CGO_FILE":
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
                rest = [lc.kind(x)[0] for x in lines[k + 1 : j]]
                if any(r not in ("TEXT", "BLANK") for r in rest):
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
        self.state = _BLOCKS
        return k

    # ------------------------------------------------------------------ relay sections
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

    def _profile_line(self, line: str, lineno: int, i: int) -> int:
        cur = self.cur
        assert cur is not None
        try:
            if line == "":
                self._end_record()
                return i + 1
            if _PROFILE_REC_RE.match(line):
                self._end_record()
                count, pcs = parse_line("profile_record", line)
                self.record = [count, pcs, (), [], lineno]
                cur.end_line = lineno
                return i + 1
            if line.startswith("#") and self.record is not None:
                norm = re.sub(r"[ \t]{2,}|\t", "\t", line) if "  " in line or "\t" not in line else line
                if norm.startswith("# labels: "):
                    self.record[2] = parse_line("profile_labels", norm.replace("\t", " ").replace(
                        "# labels: ", "# labels: ", 1))
                else:
                    if norm.startswith("# "):
                        norm = "#\t" + norm[2:].lstrip()
                    pc, fn, off, file, ln = parse_line("profile_frame", norm)
                    self.record[3].append(ProfileFrame(pc, None if fn is None else split_function(fn), off,
                                                       file, ln))
                cur.end_line = lineno
                return i + 1
        except GrammarError as e:
            self._diag(lineno, str(e), line, e.expected, "warning")
            return i + 1
        self._close()
        return i


_PLACEHOLDER = Goroutine(-1, "")
_RUN_MIN = 16
_SKIP = object()  # a pair of a run that is not a frame
_RUN_MAX = 1024


def _goroutine(h: HeaderInfo, frames: tuple[Frame, ...], elision: Elision | None, created: CreatedBy | None,
               ancestors: tuple[Ancestor, ...], unavailable: bool, truncated: bool, lineno: int) -> Goroutine:
    return Goroutine(
        h.id, h.state, frames, h.wait_minutes, h.locked_to_thread, h.leaked, h.scan, h.durable,
        h.synctest_group, h.synctest_bubble, h.labels, h.gp, h.m, h.mp, elision, created, ancestors,
        unavailable, truncated, lineno,
    )


# ====================================================================== public API


def _prepare(data: str | bytes) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if _is_binary(raw[:8192]):
            raise ParseError("input is binary data, not a goroutine dump", 1,
                             "text starting with a line such as 'goroutine 1 [running]:'")
        text = decode(raw)
    else:
        text = decode(data)
    if _looks_json(text):
        unwrapped = unwrap_json(text)
        if unwrapped is not None:
            text = unwrapped
    return text


def _is_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return True
    if head[:2] == b"\x1f\x8b":
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl > len(head) // 20


def _looks_json(text: str) -> bool:
    m = HEADER_ANYWHERE.search(text, 0, 1 << 22)
    if m is None:
        return False
    start = text.rfind("\n", 0, m.start()) + 1
    before = text[start : m.start()]
    return '{"' in before or '":"' in before or '": "' in before


def _run(text: str, memo: bool, strict: bool) -> tuple[list[Dump], list[Diagnostic], int]:
    seg = _Segmenter(memo=memo)
    lines = text.split("\n")
    partial = lines.pop()  # "" when the text ends with a newline
    seg.feed(lines, 0, final=True)
    dumps = seg.dumps
    _partial_line(seg, dumps, partial, len(lines) + 1)
    if strict:
        for d in [*seg.stray, *(x for dump in dumps for x in dump.diagnostics)]:
            if d.severity == "error":
                raise ParseError(d.message, d.line, d.expected, d.text)
    return dumps, seg.stray, len(lines)


def _partial_line(seg: _Segmenter, dumps: list[Dump], partial: str, lineno: int) -> None:
    """The input ended in the middle of a line (a fixed runtime.Stack buffer, a log size limit).
    A cut line is never trusted: a cut number still reads as a (wrong) number. It is reported,
    and a cut goroutine header is accounted for as unreadable."""
    if not partial:
        return
    if HEADER_ANYWHERE.search(partial):
        msg = "unreadable goroutine header: cut off by the end of the input"
    elif not dumps or dumps[-1].end_line < lineno - 2:
        return
    else:
        msg = "input ends in the middle of a line (truncated dump)"
    note = Diagnostic(lineno, msg, partial[:200], "a complete line", "warning")
    if dumps:
        last = dumps[-1]
        dumps[-1] = replace(last, truncated=True, diagnostics=last.diagnostics + (note,))
    else:
        seg.stray.append(note)


def _no_dump_error(text: str, stray: list[Diagnostic]) -> ParseError:
    if stray:
        d = stray[0]
        return ParseError(d.message, d.line, d.expected, d.text)
    if not text.strip():
        return ParseError("empty input: no goroutine dump", 1, "a line such as 'goroutine 1 [running]:'")
    first = next((k for k, ln in enumerate(text.split("\n", 50)) if ln.strip()), 0)
    sample = text.split("\n", first + 1)[first] if first < 50 else ""
    return ParseError("no goroutine dump found", first + 1,
                      "'goroutine N [STATUS]:', 'panic: …', 'fatal error: …', 'SIGQUIT: quit' "
                      "or 'goroutine profile: total N'", sample)


def parse_all(data: str | bytes, *, strict: bool = False, memo: bool = True) -> list[Dump]:
    """Every dump in ``data`` (a log may hold several), in input order.

    Raises :class:`ParseError` when there is none. ``memo=False`` makes the grammar read every
    line with no cache or shortcut (slow; used to check the fast path).
    """
    text = _prepare(data)
    with _gc_paused():
        dumps, stray, _ = _run(text, memo, strict)
    if not dumps:
        raise _no_dump_error(text, stray)
    if stray:
        dumps[0] = replace(dumps[0], diagnostics=tuple(stray) + dumps[0].diagnostics)
    return dumps


def parse(data: str | bytes, *, strict: bool = False, memo: bool = True) -> Dump:
    """Parse a goroutine dump given as text or bytes.

    When the input holds several dumps, the first one that has goroutines (or profile records)
    is returned and a diagnostic says how many more there are; :func:`parse_all` returns all.
    """
    dumps = parse_all(data, strict=strict, memo=memo)
    return _primary(dumps)


def _primary(dumps: list[Dump]) -> Dump:
    best = next((d for d in dumps if d.goroutines or d.records), dumps[0])
    if len(dumps) > 1:
        note = Diagnostic(best.start_line, f"the input holds {len(dumps)} dumps; this is the one starting at "
                          f"line {best.start_line} (parse_all returns every one)", "", "", "info")
        best = replace(best, diagnostics=best.diagnostics + (note,))
    return best


def _open_binary(path: str | os.PathLike[str]) -> IO[bytes]:
    p = Path(path)
    with open(p, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(p, "rb")  # type: ignore[return-value]
    return open(p, "rb")


def _chunks(stream: IO[bytes], progress: Progress | None = None, total: int = 0, done: int = 0,
            last: bool = True) -> Iterator[tuple[bytes, bool]]:
    """Read a binary stream in pieces that end at an empty line when one is in reach. The last
    piece is flagged final when ``last`` (the stream's end is the input's end)."""
    buf = b""
    while True:
        data = stream.read(CHUNK)
        if not data:
            if buf:
                yield buf, last
            else:
                yield b"", last
            return
        done += len(data)
        if progress is not None:
            progress(done, total)
        cut = data.rfind(b"\n\n")
        if cut >= 0:
            # the last empty line of buf + data is in data: one copy makes the piece (an empty
            # line across the two, if any, comes before this one)
            cut += 2
            piece = b"".join((buf, memoryview(data)[:cut])) if buf or cut < len(data) else data
            buf = data[cut:]
            yield piece, False
            continue
        buf += data
        cut = buf.rfind(b"\n\n")
        if cut < 0:
            cut = buf.rfind(b"\n")
            if cut < 0:
                continue
            cut += 1
        else:
            cut += 2
        piece, buf = buf[:cut], buf[cut:]
        yield piece, False


def _feed_stream(stream: IO[bytes], seg: _Segmenter, progress: Progress | None = None,
                 total: int = 0, base: int = 0, done: int = 0, last: bool = True) -> Iterator[str]:
    """Feed a binary stream to a segmenter piece by piece; yields after each piece the first
    4 KiB of the input's text (for error messages). ``base``: lines before the stream's start;
    ``done``: bytes before it. ``seg.next_base`` is the line count at the end."""
    head: str | None = None
    for piece, final in _chunks(stream, progress, total, done, last):
        if head is None and _is_binary(piece[:8192]):
            raise ParseError("input is binary data, not a goroutine dump", 1,
                             "text starting with a line such as 'goroutine 1 [running]:'")
        text = decode(piece)
        if head is None:
            head = text[:4096]
        lines = text.split("\n")
        partial = lines.pop()  # "" unless the input ends in the middle of a line
        with _gc_paused():
            seg.feed(lines, base, final=final)
        base += len(lines)
        seg.next_base = base
        if final:
            _partial_line(seg, seg.dumps, partial, base + 1)
        yield head


def parse_file_all(path: str | os.PathLike[str], *, strict: bool = False,
                   progress: Progress | None = None, workers: int | None = None) -> list[Dump]:
    """Every dump in a file (plain or gzip-compressed), read in pieces of a few MB.

    ``workers``: processes reading the file (1 or 2). By default one reads it; without the
    compiled frame lookup (``stackparse._speedups`` not built) a plain file of at least
    ``PARALLEL_MIN_BYTES`` is read by two on Linux when a second CPU is there. ``$STACKPARSE_WORKERS``
    overrides. The result is the same either way (see ``_Half``)."""
    total = 0
    try:
        total = os.path.getsize(path)
    except OSError:
        pass
    with _open_binary(path) as f:
        head = f.read(1 << 20)
        text_head = head.decode("utf-8", "replace")
        if _looks_json(text_head) or "\r" in text_head:
            rest = f.read()
            return parse_all(head + rest, strict=strict)
        seg = _Segmenter()
        stream: IO[bytes] = _Prepend(head, f)  # type: ignore[assignment]
        head_text = ""
        half = _Half.spawn(path, f, total) if _workers(workers, total) > 1 else None
        try:
            with _gc_paused():
                if half is not None:
                    # this process reads up to half.start; a child process reads from there on
                    limited = cast(IO[bytes], _Limited(stream, half.start))  # a readable binary stream
                    for piece_head in _feed_stream(limited, seg, progress, total, last=False):
                        head_text = piece_head
                    base, resume = half.merge(seg)
                    f.seek(resume)
                    stream, done = f, resume  # type: ignore[assignment]
                else:
                    base = done = 0
                for piece_head in _feed_stream(stream, seg, progress, total, base, done):
                    head_text = head_text or piece_head
        finally:
            if half is not None:
                half.close()
    dumps = seg.dumps
    if not dumps:
        raise _no_dump_error(head_text, seg.stray)
    if strict:
        for d in [*seg.stray, *(x for dump in dumps for x in dump.diagnostics)]:
            if d.severity == "error":
                raise ParseError(d.message, d.line, d.expected, d.text)
    if seg.stray:
        dumps[0] = replace(dumps[0], diagnostics=tuple(seg.stray) + dumps[0].diagnostics)
    return dumps


def parse_file(path: str | os.PathLike[str], *, strict: bool = False,
               progress: Progress | None = None, workers: int | None = None) -> Dump:
    """Parse a dump file (plain or ``.gz``). ``progress(bytes_read, total_bytes)`` is called
    after each piece read; ``workers`` as for :func:`parse_file_all`."""
    return _primary(parse_file_all(path, strict=strict, progress=progress, workers=workers))


# ====================================================================== two processes
#
# A big dump is mostly one long run of goroutine blocks. parse_file splits such a file at a
# goroutine header near its middle: a forked child process reads the blocks from there on
# (only plain blocks, through the same _run/_fast_block code, so the same grammar verdicts)
# while this process reads the first part as usual. The child's goroutines are taken only when
# this process, arriving at the split point, is in exactly the state the child assumed
# (inside a dump's goroutine blocks, no log prefix, no pending block, the line count the child
# counted) and no goroutine id of the child's part was seen before it; the child stops at the
# first line that is not a plain block and this process reads on from there. Otherwise the
# child's work is dropped and this process reads the second part itself: the records are the
# same either way (tests/test_parallel.py).

_LINE = Goroutine._fields.index("line")  # (the child's line numbers are shifted by the parent)

#: Without the compiled frame lookup, plain files at least this big are read by two processes
#: (see above and _workers). With it, one process is the default: it reads a 212 MB dump of 100k
#: goroutines in about 2 s, and the second process saved nothing, because taking over its part
#: (about 0.5 s of unmarshalling and rebuilding frames) cost the parent as much as reading it.
PARALLEL_MIN_BYTES = 48 << 20
_SPLIT_PERCENT = 57


def _workers(workers: int | None, size: int) -> int:
    """How many processes read a file of ``size`` bytes."""
    if workers is None:
        env = os.environ.get("STACKPARSE_WORKERS", "")
        if env.isdigit():
            workers = int(env)
        elif size < PARALLEL_MIN_BYTES:
            return 1
        else:
            workers = 2
    if workers < 2 or sys.platform != "linux" or not hasattr(os, "fork"):
        return 1
    if len(os.sched_getaffinity(0)) < 2 or threading.active_count() > 1:
        return 1  # (forking a process with other threads running is not safe)
    return 2


class _Limited(io.RawIOBase):
    """The first ``n`` bytes of a binary stream."""

    def __init__(self, stream: IO[bytes], n: int) -> None:
        self.stream = stream
        self.left = n

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if self.left <= 0:
            return b""
        want = self.left if n < 0 else min(n, self.left)
        data = self.stream.read(want) or b""
        self.left -= len(data)
        return data


class _Half:
    """The child process reading a file from ``start`` (a goroutine header) on."""

    def __init__(self, start: int, pid: int, fd: int) -> None:
        self.start = start
        self.pid = pid
        self.fd = fd
        self.taken = 0  # goroutines taken from the child

    @classmethod
    def spawn(cls, path: str | os.PathLike[str], f: IO[bytes], size: int) -> _Half | None:
        if not isinstance(f, io.BufferedReader):
            return None  # (a compressed file: no seeking)
        start = _split_point(path, size)
        if start is None:
            return None
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                os.close(r)
                gc.disable()
                small, big = _read_half(path, start)
                with os.fdopen(w, "wb") as out:
                    pickle.dump((small, marshal.dumps(big)), out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        return cls(start, pid, r)

    def merge(self, seg: _Segmenter) -> tuple[int, int]:
        """Take the child's goroutines when they are what this process would have read;
        returns (lines before, byte offset) where this process reads on."""
        base = seg.next_base
        try:
            with os.fdopen(self.fd, "rb") as f:
                self.fd = -1
                small, big = pickle.load(f)
            n_lines, offset, end_line, functions, rows = small
            fidx, fields, idx = marshal.loads(big)
            del big
        except Exception:  # the child failed: read its part here
            return base, self.start
        finally:
            self.close()
        cur = seg.cur
        if (cur is None or seg.state != _BLOCKS or seg.relay is not None
                or seg.prefix is not None or seg.pending or seg.record is not None or not seg.memo
                or cur.profile is not None or not rows):
            return base, self.start
        heads = zip(map(functions.__getitem__, fidx))
        frames = list(map(_tnew, repeat(Frame), map(tuple.__add__, heads, fields)))
        flat = list(map(frames.__getitem__, idx))
        gs = []
        k = 0
        for r in rows:
            n = r[2]
            row = (r[0], r[1], tuple(flat[k : k + n]), *r[3:_LINE], r[_LINE] + base, *r[_LINE + 1 :])
            gs.append(_tnew(Goroutine, row))
            k += n
        ids = set(map(_first, gs))
        ids.discard(0)
        if not cur.ids.isdisjoint(ids):
            return base, self.start  # an id seen twice: a second dump starts in there
        if seg.sink is not None:
            for g in gs:
                seg.sink(g)
        cur.goroutines.extend(gs if seg.keep else repeat(_PLACEHOLDER, len(gs)))
        cur.ids.update(ids)
        cur.end_line = max(cur.end_line, base + end_line)
        self.taken = len(gs)
        return base + n_lines, self.start + offset

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = 0


def _split_point(path: str | os.PathLike[str], size: int) -> int | None:
    """The offset of a goroutine header after an empty line a little past the middle of the
    file: the child also packs what it read and this process unpacks it, so this process reads
    a bit more than half itself."""
    at = size * _SPLIT_PERCENT // 100
    with open(path, "rb") as f:
        f.seek(at)
        data = f.read(1 << 20)
    k = data.find(b"\n\ngoroutine ")
    if k < 0:
        return None
    return at + k + 2


def _read_half(path: str | os.PathLike[str], start: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """In the child: the plain goroutine blocks from ``start`` on, packed for the pipe. Line
    numbers count from ``start`` here: the parent adds the lines before it."""
    seg = _Segmenter()
    cur = seg.cur = _DumpBuilder(1)
    seg.state = _BLOCKS
    n_lines = 0  # lines taken
    offset = 0  # bytes taken
    with open(path, "rb") as f:
        f.seek(start)
        for piece, _ in _chunks(f):
            lines = decode(piece).split("\n")
            lines.pop()  # "" or a cut last line: the parent reads that one
            plain = piece.isascii() and b"\r" not in piece
            lengths = list(map(len, lines)) if plain else []  # (before _slow_block re-indents a line)
            i = _read_blocks(seg, lines, n_lines)
            if i == len(lines) and piece.endswith(b"\n"):
                n_lines += i
                offset += len(piece)
                continue
            n_lines += i
            if plain:
                offset += sum(lengths[:i]) + i
            else:
                k = 0
                for _ in range(i):
                    k = piece.index(b"\n", k) + 1
                offset += k
            break
    return _pack(cur, n_lines, offset)


def _read_blocks(seg: _Segmenter, lines: list[str], base: int) -> int:
    """Read goroutine blocks of the child's dump from lines[0] on while they are plain (see
    above); returns the index of the first line not taken."""
    cur = seg.cur
    assert cur is not None
    n = len(lines)
    i = 0
    good = len(cur.goroutines)  # goroutines read so far, up to line good_i
    good_i = 0
    while i < n:
        line = lines[i]
        if not line:
            i = good_i = i + 1  # (empty lines between blocks: the segmenter skips them too)
            continue
        if line[:10] != "goroutine " or not line[10:11].isdigit():
            break
        k = seg._run(lines, i, base)
        if k > i:
            i = good_i = k
            good = len(cur.goroutines)
            continue
        try:
            j = lines.index("", i)
        except ValueError:
            break  # the last block: the parent reads it (as the end of its input)
        g = seg._fast_block(lines, i, j, base + i + 1)
        if g is not None:
            if g.id in cur.ids and g.id != 0:
                break
            cur.ids.add(g.id)
            cur.goroutines.append(g)
            cur.end_line = max(cur.end_line, base + j)
        else:
            # any other block shape, read as the segmenter reads it; taken only when it was
            # one goroutine of this dump with nothing to report
            end_line = cur.end_line
            k = seg._slow_block(lines, i, j, base)
            if (k != j or seg.cur is not cur or seg.state != _BLOCKS or seg.relay is not None or seg.stray
                    or cur.diagnostics or cur.truncated or len(cur.goroutines) != good + 1):
                cur.end_line = end_line
                break
        i = good_i = j
        good += 1
    del cur.goroutines[good:]
    return good_i


def _pack(cur: _DumpBuilder, n_lines: int, offset: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    end_line = cur.end_line
    # frames once each (many are shared between goroutines) as plain tuples, which marshal
    # writes at C speed, with their functions by index; goroutines with a frame count in place
    # of their frames
    gs = cur.goroutines
    flat = list(chain.from_iterable(map(_third, gs)))
    uniq = dict(zip(map(id, flat), flat))
    objs = list(uniq.values())
    funcs = dict(zip(map(id, map(_first, objs)), map(_first, objs)))
    fpos = dict(zip(funcs, count()))
    fidx = list(map(fpos.__getitem__, map(id, map(_first, objs))))
    fields = list(map(_after_first, objs))
    where = dict(zip(uniq, count()))
    idx = list(map(where.__getitem__, map(id, flat)))
    rows = [(g[0], g[1], len(g[2]), *g[3:]) for g in gs]
    return (n_lines, offset, end_line, list(funcs.values()), rows), (fidx, fields, idx)


class _Prepend(io.RawIOBase):
    """A binary stream with some bytes already read put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        if self.head:
            if n < 0 or n >= len(self.head):
                out, self.head = self.head, b""
                more = self.rest.read(-1 if n < 0 else n - len(out))
                return out + (more or b"")
            out, self.head = self.head[:n], self.head[n:]
            return out
        return self.rest.read(n)


def iter_goroutines(source: str | os.PathLike[str] | IO[bytes] | IO[str] | Iterable[str]) -> Iterator[Goroutine]:
    """Yield goroutines one at a time from a path, a binary or text stream, or an iterable of
    lines, without keeping the dump in memory: for inputs too large to hold.

    Goroutines of every dump in the input are yielded in order; memory stays flat because line
    caches are bounded and nothing read is retained.
    """
    out: list[Goroutine] = []
    seg = _Segmenter(sink=out.append, keep=False)
    seg.lines.limit = STREAM_CACHE_LIMIT
    if isinstance(source, str | os.PathLike):
        with _open_binary(source) as f:
            yield from _drain(f, seg, out)
        return
    if hasattr(source, "read"):
        stream: Any = source
        probe = stream.read(0)
        if isinstance(probe, str):
            stream = _TextToBytes(stream)
        yield from _drain(stream, seg, out)
        return
    base = 0
    batch: list[str] = []
    for line in source:  # type: ignore[union-attr]
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= 50_000 and batch[-1] == "":
            with _gc_paused():
                seg.feed(batch, base, final=False)
            base += len(batch)
            batch = []
            yield from out
            out.clear()
    with _gc_paused():
        seg.feed(batch, base, final=True)
    yield from out


def _drain(stream: IO[bytes], seg: _Segmenter, out: list[Goroutine]) -> Iterator[Goroutine]:
    for _ in _feed_stream(stream, seg):
        yield from out
        out.clear()


class _TextToBytes(io.RawIOBase):
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        return self.stream.read(n if n > 0 else -1).encode("utf-8", "replace")
