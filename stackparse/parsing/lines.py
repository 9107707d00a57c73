"""Single lines of a dump, each read by its rule in ``grammars/lines.lark``.

:class:`_Lines` is the memo: dumps are extremely repetitive (a 100,000-goroutine dump has a few
hundred distinct stack shapes and a few dozen distinct file lines), so the grammar's value for
each distinct line text is kept (bounded by ``CACHE_LIMIT``) and frames are shared between
goroutines. ``kind`` says which kind of line a line inside a goroutine block is; the module's
regular expressions only pre-select the rule the grammar then decides.
"""

from __future__ import annotations

import re
from itertools import compress, repeat
from operator import and_, getitem, is_, itemgetter
from typing import Any

from ..model import (
    CreatedBy,
    Frame,
    Function,
)
from .args import (
    _BSKELETON,
    _CALL_RE,
    _bskeleton_verdicts,
    _call_fast,
    _call_name,
    _call_names,
    _per_skeleton,
    _shared_skeletons,
    _skeleton_ok,
    _skeleton_shared,
    args_ok,
)
from .grammar import MAX_LINE, FileInfo, GrammarError, HeaderInfo, Work, parse_line, split_function, try_line
from .unwrap import normalize_indent

CACHE_LIMIT = 400_000
UNAVAILABLE = "\tgoroutine running on other thread; stack unavailable"
_tnew = tuple.__new__


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
    verdicts = _per_skeleton(_bskeleton_verdicts, skels, _skeleton_ok)
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
            # GOTRACEBACK=crash: the site is learnt on the file line without its registers
            # (_Lines.file reads the registers of each such line)
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


# ====================================================================== lines

_HDR_RE = re.compile(
    r"goroutine ([0-9]{1,20})(?: gp=(0x[0-9a-f]+) m=(?:([0-9]{1,20}) mp=(0x[0-9a-f]+)|nil))?(?= \[)"
)
_REGS_RE = re.compile(r" fp=(0x[0-9a-f]+) sp=(0x[0-9a-f]+)(?: pc=(0x[0-9a-f]+))?$")
SEGMENT_BOUNDARY = "----- stack segment boundary -----"
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

    def creator(self, line: str) -> tuple[Function, int | None]:
        """The function and parent goroutine of a ``created by`` line (GrammarError if it is not one)."""
        v = self.created.get(line) if self.memo else None
        if v is None:
            if len(line) > MAX_LINE:
                raise GrammarError("line too long", "created by FUNC")
            name, parent = parse_line("created", line)
            v = (split_function(name), parent)
            if self.memo:
                self.created[line] = v
        return v

    def created_by(self, line: str, file: str) -> CreatedBy:
        if self.memo:
            got = self.cb.get((line, file))
            if got is not None:
                return got
        v = self.creator(line)
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
            if not (num.isdigit() and num.isascii() and len(num) <= 20):
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
        Work.visits += 1
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
                self.creator(line)  # (the grammar must accept it)
                return "CREATED", line
            if c == "." and line.startswith("..."):
                return "ELIDED", parse_line("elided", line)
            if line == SEGMENT_BOUNDARY:
                return "SEGMENT", None
            if c == "[" and line.startswith("[originating from goroutine "):
                return "ANCESTOR", parse_line("ancestor", line)
            if c == "n" and line.startswith("non-Go function at pc="):
                return "CGO_SINGLE", parse_line("cgo_single", line)
            if line[-1] == ")":
                return "CALL", self.call(line)
            if "a" <= c <= "z" and " 0x" in line and try_line("register_line", line) is not None:
                return "REGISTER", line
            if line == "runtime stack:":
                return "RUNTIME_STACK", line
        except GrammarError:
            return "TEXT", None
        return "TEXT", None


