"""Single lines of a dump, each read by its rule in ``grammars/lines.lark``.

:class:`_Lines` is the memo: dumps are extremely repetitive (a 100,000-goroutine dump has a few
hundred distinct stack shapes and a few dozen distinct file lines), so the grammar's value for
each distinct line text is kept (bounded by ``CACHE_LIMIT``) and frames are shared between
goroutines. ``kind`` says which kind of line a line inside a goroutine block is; the module's
regular expressions only pre-select the rule the grammar then decides.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

from ..model import (
    CreatedBy,
    Frame,
    Function,
)
from .args import (
    _CALL_RE,
    BAD,
    SHARED,
    _call_fast,
    _call_name,
    _call_names,
    args_ok,
    skeleton_verdict,
)
from .grammar import MAX_LINE, FileInfo, GrammarError, HeaderInfo, Work, parse_line, split_function, try_line
from .unwrap import normalize_indent

try:  # (the one import site of the compiled skeletons: the same function, see args.arg_classes)
    from ._argskel import arg_classes
except ImportError:
    from .args import arg_classes

CACHE_LIMIT = 400_000
UNAVAILABLE = "\tgoroutine running on other thread; stack unavailable"
_tnew = tuple.__new__


#: field getters of the goroutine tuples (parallel.py ships them between processes)
_first = itemgetter(0)
_third = itemgetter(2)
_after_first = itemgetter(slice(1, None))


class _Site:
    """What one file line teaches about the call lines printed above it: they all name the same
    function ``fn`` (``prefix`` is ``name(``), their arguments start at ``start``, and the
    frame's fields after the arguments (``file`` .. ``cgo``) are the file line's. ``frames``:
    the frames read at this site whose arguments can come again, by call line text (the line
    cache of the common case)."""

    def __init__(self, prefix: str, fn: Function, tail: tuple[Any, ...]) -> None:
        self.prefix = prefix
        self.start = len(prefix)
        self.fn = fn
        # the Frame fields after the arguments, one by one (a Frame is built from them directly)
        self.file: Any = tail[0]
        self.line: Any = tail[1]
        self.offset: Any = tail[2]
        self.fp: Any = tail[3]
        self.sp: Any = tail[4]
        self.pc: Any = tail[5]
        self.cgo: Any = tail[6]
        self.frames: dict[str, Frame] = {}
        self.last_call = ""  # the last call line made into a frame not kept in ``frames``
        self.last_frame: Frame | None = None


def fill_frames(rd: _Lines, calls: list[str], files: list[str], frames: list[Any]) -> None:
    """Set ``frames[k]`` to the frame of the pair (``calls[k]``, ``files[k]``) wherever it is
    ``None``; it stays ``None`` where the grammar rejects the pair.

    A file line names one code location, so the function of its call line is known once one
    pair with that file line has been read (``_learn_site``): every later call line with that
    file line must start with the same ``name(`` and end with ``)``, and only its argument list
    is read, by skeleton (:func:`.args.arg_classes`: the grammar's verdict is taken once per
    skeleton). Frames that can come again are kept in their site's table (``_Site.frames``);
    anything else goes to the exact path (``_Lines.frame``).
    """
    sites = rd.sites
    max_line = MAX_LINE
    n = len(frames)
    at: list[_Site | None] = [None] * n  # the site of each new pair read by skeleton
    args: list[str] = [""] * n  # and its argument list
    exact: list[int] = []  # the pairs read by the exact path
    todo = False
    for k in range(n):
        if frames[k] is not None:
            continue
        call = calls[k]
        file = files[k]
        site = sites.get(file)
        if site is not None:
            fr = site.frames.get(call)
            if fr is not None:
                frames[k] = fr
                continue
        else:
            site = _learn_site(rd, call, file)
            if site is None:
                exact.append(k)
                continue
        if len(call) <= max_line and call.startswith(site.prefix) and call.endswith(")"):
            at[k] = site
            args[k] = call[site.start : -1]
            todo = True
        else:
            exact.append(k)
    if todo:
        rd.site_frames += _skeleton_frames(calls, frames, at, args, exact)
    for k in exact:
        try:
            frames[k] = rd.frame(calls[k], files[k])
        except GrammarError:
            pass


def _skeleton_frames(calls: list[str], frames: list[Any], at: list[_Site | None], args: list[str],
                     exact: list[int]) -> int:
    """fill_frames's frames of the new pairs (``at[k]`` not None), read by the skeletons of
    their arguments; returns how many were put in their site's table. A pair seen twice here
    is one frame when it can come again; one with an exact pointer argument (mostly a new
    object per goroutine) is made again, unless it is the last one made at its site (the same
    global's address in goroutine after goroutine)."""
    classes, which = arg_classes(args)
    verdicts = [skeleton_verdict(c) for c in classes]
    tnew = _tnew
    frame_t = Frame
    stored = 0
    for k in range(len(at)):
        st = at[k]
        if st is None:
            continue
        v = verdicts[which[k]]
        if v == BAD:
            exact.append(k)
            continue
        call = calls[k]
        if v == SHARED:
            fr = st.frames.get(call)  # (made for this call a few pairs ago)
            if fr is None:
                fr = tnew(frame_t, (st.fn, args[k], st.file, st.line, st.offset, st.fp, st.sp, st.pc, st.cgo))
                st.frames[call] = fr
                stored += 1
        elif call == st.last_call:
            fr = st.last_frame
        else:
            fr = tnew(frame_t, (st.fn, args[k], st.file, st.line, st.offset, st.fp, st.sp, st.pc, st.cgo))
            st.last_call = call
            st.last_frame = fr
        frames[k] = fr
    return stored


def _learn_site(rd: _Lines, call: str, file: str) -> _Site | None:
    """The site (``rd.sites``) of a file line not seen yet, learnt from its first call line:
    split at the last "(", the name checked with the grammar (cached per name) and the file
    line read. None when this pair cannot teach it (then the exact path reads the pair)."""
    if " fp=" in file:
        return None  # GOTRACEBACK=crash: every such file line differs (_Lines.file reads it)
    name, paren, _ = call.rpartition("(")
    if not paren:
        return None
    fn = _call_names.get(name)
    if fn is None:
        fn = _call_name(name)
        if fn is None:
            return None
    tail = rd.tails.get(file)
    if tail is None:
        try:
            tail = rd.tail(file)
        except GrammarError:
            return None
        if tail is None:
            return None
    site = rd.sites[file] = _Site(name + "(", fn, tail)
    return site


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
        self.sites: dict[str, _Site] = {}  # file line -> what it says about its call lines
        self.site_frames = 0  # frames kept in the sites' tables
        self.regs_shapes: dict[bool, FileInfo] = {}  # register suffixes (with pc=?) the grammar accepted

    def trim(self) -> None:
        for cache in (self.headers, self.calls, self.files, self.frames, self.created, self.funcs,
                      self.hfast, self.cb, self.tails, self.sites):
            if len(cache) > self.limit:
                cache.clear()
        if self.site_frames > self.limit:
            for site in self.sites.values():
                site.frames.clear()
            self.site_frames = 0

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


