"""The lark grammars of the dump language, loaded from the package, and their transformer.

``grammars/lines.lark`` defines every kind of line; ``grammars/dump.lark`` how lines combine
into goroutine blocks and dumps. This module turns lark's trees into plain typed values; the
records are built in :mod:`.build` and :mod:`.blocks`. Nothing outside parsing sees a tree.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError
from lark.lexer import Lexer

from ..model import ArgGroup, ArgWord, Function

__all__ = [
    "LINE_RULES",
    "FileInfo",
    "GrammarError",
    "HeaderInfo",
    "line_parser",
    "parse_line",
    "split_function",
    "structure_parser",
    "unquote_go",
]

#: The start rules of lines.lark, one per kind of line.
LINE_RULES = (
    "header",
    "call",
    "args",
    "fileline",
    "cgo_single",
    "cgo_call",
    "cgo_fileline",
    "created",
    "elided",
    "ancestor",
    "unavailable",
    "segment_boundary",
    "panic_line",
    "fatal_line",
    "signal_line",
    "signame_line",
    "pc_line",
    "runtime_stack",
    "register_line",
    "separator",
    "runtime_note",
    "fault_line",
    "go_line",
    "profile_header",
    "profile_record",
    "profile_labels",
    "profile_frame",
)

#: Lines longer than this are never dump lines (the runtime prints at most 10 argument words per
#: frame); keeping them out of the grammar keeps the work per line bounded on hostile input.
MAX_LINE = 16384

#: Argument lists nested deeper than this are not dump lines (the runtime prints aggregates a few
#: levels deep at most); the grammar's args rule is recursive, and its tree is transformed by
#: recursion, so deeper text is refused before it gets there.
MAX_ARG_DEPTH = 32

STRUCTURE_RULES = ("dump", "goroutine", "preamble", "registers", "profile")


class GrammarError(ValueError):
    """A line or a sequence of lines that the grammar does not accept."""

    def __init__(self, message: str, expected: str = "", column: int | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.column = column


def _grammar_text(name: str) -> str:
    """Read a grammar shipped inside the package (stackparse/grammars in the wheel), or from the
    source tree's top-level grammars/ folder when running from a checkout."""
    try:
        res = resources.files("stackparse").joinpath("grammars", name)
        if res.is_file():
            return res.read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):  # pragma: no cover
        pass
    src = Path(__file__).resolve().parents[2] / "grammars" / name
    return src.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def line_parser() -> Lark:
    return Lark(
        _grammar_text("lines.lark"),
        parser="lalr",
        lexer="contextual",
        start=list(LINE_RULES),
        maybe_placeholders=False,
    )


@lru_cache(maxsize=1)
def structure_parser() -> Lark:
    return Lark(
        _grammar_text("dump.lark"),
        parser="lalr",
        lexer=_LineTokenLexer,
        start=list(STRUCTURE_RULES),
        maybe_placeholders=False,
    )


class _LineTokenLexer(Lexer):
    """Lark lexer whose input is already a list of (kind, line index) pairs."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]  # lark's custom-lexer interface 0 calls lex(text)
        for kind, index in data:
            yield Token(kind, index)


def _expected_names(exc: UnexpectedInput) -> str:
    exp = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
    names = sorted(str(e) for e in exp)
    return ", ".join(names[:6]) + (" …" if len(names) > 6 else "")


# ------------------------------------------------------------------ Go quoting


_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
           "f": "\f", "v": "\v"}


def unquote_go(q: str) -> str:
    """Undo Go's strconv.Quote: ``"a\\tb"`` -> ``a<TAB>b``. Unknown escapes are kept."""
    body = q[1:-1] if len(q) >= 2 and q[0] == '"' and q[-1] == '"' else q
    if "\\" not in body:
        return body

    def repl(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "xuU" and len(e) > 1:
            return chr(int(e[1:], 16))
        if len(e) == 3 and e.isdigit():
            return chr(int(e, 8))
        return _SIMPLE.get(e, "\\" + e)

    return _ESCAPE.sub(repl, body)


# ------------------------------------------------------------------ function names

_CLOSURE_PART = re.compile(r"^(?:func\d+|gowrap\d+|deferwrap\d+|\d+)$")


@lru_cache(maxsize=65536)
def split_function(full: str) -> Function:
    """Split a function name into package, receiver and name.

    The package is the import path: everything up to the last ``/`` and then up to the next
    ``.``. A receiver in parentheses (``(*T)``) is certain; a value receiver (``main.T.M``) is
    recognised when exactly two names precede the first closure part (``func1``, ``gowrap1``).
    """
    slash = full.rfind("/", 0, _first_paren_or_bracket(full))
    dot = full.find(".", slash + 1)
    if dot < 0:
        return Function(full, "", None, full)
    package, rest = full[:dot], full[dot + 1 :]
    if rest.startswith("("):
        close = rest.find(")")
        if close > 0:
            receiver = rest[1:close]
            name = rest[close + 2 :] if rest[close + 1 : close + 2] == "." else rest[close + 1 :]
            return Function(full, package, receiver, name)
    parts = _split_outside_brackets(rest)
    head: list[str] = []
    for p in parts:
        if _CLOSURE_PART.match(p):
            break
        head.append(p)
    if len(head) == 2 and len(parts) >= 2:
        return Function(full, package, head[0], ".".join(parts[1:]))
    return Function(full, package, None, rest)


def _first_paren_or_bracket(s: str) -> int:
    idx = [i for i in (s.find("("), s.find("[")) if i >= 0]
    return min(idx) if idx else len(s)


def _split_outside_brackets(s: str) -> list[str]:
    if "[" not in s:
        return s.split(".")
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in s:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "." and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


# ------------------------------------------------------------------ line transformer


class HeaderInfo(NamedTuple):
    id: int
    state: str
    wait_minutes: int | None
    locked_to_thread: bool
    leaked: bool
    scan: bool
    durable: bool
    synctest_group: int | None
    synctest_bubble: int | None
    labels: tuple[tuple[str, str], ...]
    gp: int | None
    m: int | None
    mp: int | None


class FileInfo(NamedTuple):
    file: str
    line: int
    offset: int | None
    fp: int | None
    sp: int | None
    pc: int | None


def _hex(tok: Token | str) -> int:
    return int(str(tok), 16)


class _Field(NamedTuple):
    """A flag or item of a goroutine header: the HeaderInfo field it sets, and the value."""

    name: str
    value: Any


class _Gp(NamedTuple):
    gp: int
    m: int | None
    mp: int | None


class _Labels(tuple):  # type: ignore[type-arg]
    """The label pairs of a header."""


class _Option(NamedTuple):
    """An optional part of a line (offset, registers), by name."""

    name: str
    value: Any


@v_args(inline=True)
class _LineTransformer(Transformer[Token, Any]):
    """Turns each rule of lines.lark into a typed value (v_args: the rule's children are the
    method's arguments). Header flags and items need no method of their own: their alias names the
    HeaderInfo field they set (``__default__``)."""

    # --- header
    def header(self, gid: Token, *parts: Any) -> HeaderInfo:
        fields: dict[str, Any] = {"id": int(gid), "labels": ()}
        for x in parts:
            if isinstance(x, _Gp):
                fields.update(gp=x.gp, m=x.m, mp=x.mp)
            elif isinstance(x, Token):  # STATUS
                fields["state"] = str(x)
            elif isinstance(x, _Field):
                fields[x.name] = x.value
            elif isinstance(x, _Labels):
                fields["labels"] = tuple(x)
        return _HEADER_DEFAULTS._replace(**fields)

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Any:
        if data in _HEADER_FIELDS:  # a flag (no child: True) or an item (its number)
            return _Field(str(data), int(children[0]) if children else True)
        return super().__default__(data, children, meta)

    def gp_m(self, gp: Token, m: Token, mp: Token) -> _Gp:
        return _Gp(_hex(gp), int(m), _hex(mp))

    def gp_nil(self, gp: Token) -> _Gp:
        return _Gp(_hex(gp), None, None)

    def labels_inside(self, *pairs: tuple[str, str]) -> _Labels:
        return _Labels(pairs)

    labels_after = labels_inside

    def qpair(self, k: Token, v: Token) -> tuple[str, str]:
        return (unquote_go(str(k)), unquote_go(str(v)))

    def lpair(self, k: str, v: str = "") -> tuple[str, str]:
        return (k, v)

    def lval(self, t: Token) -> str:
        return unquote_go(str(t)) if t.type == "QSTR" else str(t)

    # --- frames
    def call(self, name: Token, args: tuple[Any, ...] = ()) -> tuple[str, Any]:
        return (str(name), args)

    def args(self, *items: Any) -> tuple[Any, ...]:
        return items

    def WORD(self, t: Token) -> ArgWord:  # noqa: N802 - lark terminal callback
        s = str(t)
        return ArgWord(s[:-1], True) if s.endswith("?") else ArgWord(s, False)

    def group(self, items: tuple[Any, ...] = ()) -> ArgGroup:
        return ArgGroup(items)

    def more(self) -> ArgWord:
        return ArgWord("...", False)

    def blank(self) -> ArgWord:
        return ArgWord("_", False)

    def fileline(self, file: Token, line: Token, *opts: _Option) -> FileInfo:
        got = dict(opts)
        fp, sp, pc = got.get("regs", (None, None, None))
        return FileInfo(str(file), int(line), got.get("offset"), fp, sp, pc)

    def offset(self, off: Token) -> _Option:
        return _Option("offset", _hex(off))

    def regs(self, fp: Token, sp: Token, pc: Token | None = None) -> _Option:
        return _Option("regs", (_hex(fp), _hex(sp), None if pc is None else _hex(pc)))

    def cgo_single(self, pc: Token) -> int:
        return _hex(pc)

    def cgo_call(self, name: Token) -> str:
        return str(name)

    def cgo_fileline(self, *toks: Token) -> tuple[str | None, int | None, int]:
        if len(toks) == 3:
            return (str(toks[0]), int(toks[1]), _hex(toks[2]))
        return (None, None, _hex(toks[0]))

    def created(self, creator: Token, parent: Token | None = None) -> tuple[str, int | None]:
        return (str(creator), None if parent is None else int(parent))

    def elided_unknown(self) -> int | None:
        return None

    def elided_count(self, n: Token) -> int | None:
        return int(n)

    def ancestor(self, gid: Token) -> int:
        return int(gid)

    def unavailable(self) -> bool:
        return True

    # --- preamble
    def panic_line(self, *toks: Token) -> tuple[int, str]:
        tabs = sum(len(t) for t in toks if t.type == "TABS")
        text = next((str(t) for t in toks if t.type != "TABS"), "")
        return (tabs, text)

    fatal_line = panic_line

    def signal_line(self, name: Token, code: Token, addr: Token, pc: Token) -> tuple[str, int, int, int]:
        return (str(name), _hex(code), _hex(addr), _hex(pc))

    def signame_line(self, head: Token) -> str:
        return str(head)

    def pc_line(self, pc: Token, m: Token, code: Token, addr: Token | None = None) -> tuple[int, int, int, int | None]:
        return (_hex(pc), int(m), int(code), None if addr is None else _hex(addr))

    def runtime_stack(self) -> bool:
        return True

    def register_line(self, *toks: Token) -> tuple[tuple[str, int], ...]:
        words = [t for t in toks if t.type != "REGSPACE"]
        return tuple((str(words[i]), _hex(words[i + 1])) for i in range(0, len(words), 2))

    def separator(self) -> bool:
        return True

    def runtime_note(self, rest: Token) -> str:
        return str(rest)

    fault_line = runtime_note

    def go_line(self, text: Token) -> str:
        return str(text)

    def segment_boundary(self) -> bool:
        return True

    # --- pprof debug=1
    def profile_header(self, name: Token, total: Token) -> tuple[str, int]:
        return (str(name), int(total))

    def profile_record(self, count: Token, *pcs: Token) -> tuple[int, tuple[int, ...]]:
        return (int(count), tuple(_hex(t) for t in pcs))

    def profile_labels(self, *pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
        return pairs

    def plabel(self, k: Token, v: Token) -> tuple[str, str]:
        return (unquote_go(str(k)), unquote_go(str(v)))

    def profile_frame(self, *toks: Token) -> tuple[int, str | None, int | None, str | None, int | None]:
        words = [t for t in toks if t.type != "TABS"]
        if len(words) == 1:
            return (_hex(words[0]), None, None, None, None)
        return (_hex(words[0]), str(words[1]), _hex(words[2]), str(words[3]), int(words[4]))


#: The fields a header flag or item may set (the aliases of ``flag`` and ``header_item``).
_HEADER_FIELDS = frozenset(HeaderInfo._fields) - {"id", "state", "labels", "gp", "m", "mp"}
_HEADER_DEFAULTS = HeaderInfo(0, "", None, False, False, False, False, None, None, (), None, None, None)


_TRANSFORMER = _LineTransformer()


class Work:
    """A deterministic measure of the parser's work, which the tests use to check that it grows
    linearly with the input: lines read by lines.lark (``lines``), line sequences read by
    dump.lark (``sequences``, weighted by their length), and lines looked at while looking for
    where a block ends or classifying a line (``visits``)."""

    lines: ClassVar[int] = 0
    sequences: ClassVar[int] = 0
    visits: ClassVar[int] = 0

    @classmethod
    def reset(cls) -> None:
        cls.lines = cls.sequences = cls.visits = 0

    @classmethod
    def total(cls) -> int:
        return cls.lines + cls.sequences + cls.visits


_ARG_RULES = frozenset(("call", "args"))


def _what(rule: str) -> str:
    return rule.removesuffix("_line").replace("_", " ")


def arg_depth(text: str) -> int:
    """The deepest nesting of braces in ``text``."""
    depth = deepest = 0
    for ch in text:
        if ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth -= 1
    return deepest


def parse_line(rule: str, text: str) -> Any:
    """Parse one line with the start rule ``rule`` of lines.lark and return its value.

    Raises :class:`GrammarError` with what the grammar expected when the line does not match.
    """
    Work.lines += 1
    if rule in _ARG_RULES and text.count("{") > MAX_ARG_DEPTH and arg_depth(text) > MAX_ARG_DEPTH:
        raise GrammarError(f"not a {_what(rule)} line: arguments nested deeper than {MAX_ARG_DEPTH}",
                           f"at most {MAX_ARG_DEPTH} levels of braces")
    try:
        tree = line_parser().parse(text, start=rule)
    except UnexpectedInput as e:
        raise GrammarError(f"not a {_what(rule)} line", _expected_names(e),
                           getattr(e, "column", None)) from None
    except LarkError as e:  # pragma: no cover - defensive
        raise GrammarError(str(e)) from None
    try:
        return _TRANSFORMER.transform(tree) if isinstance(tree, Tree) else tree
    except (VisitError, ValueError, RecursionError) as e:  # a value the records cannot hold
        raise GrammarError(f"not a {_what(rule)} line: {getattr(e, 'orig_exc', e)}") from None


def try_line(rule: str, text: str) -> Any:
    """:func:`parse_line`'s value, or None when the grammar does not accept the line."""
    try:
        return parse_line(rule, text)
    except GrammarError:
        return None


def parse_structure(rule: str, kinds: list[tuple[str, int]]) -> Tree[Token]:
    """Parse a sequence of (line kind, line index) with the start rule ``rule`` of dump.lark."""
    Work.sequences += len(kinds)
    try:
        return structure_parser().parse(kinds, start=rule)  # type: ignore[arg-type]
    except UnexpectedInput as e:
        tok = getattr(e, "token", None)
        raise GrammarError(
            f"unexpected {tok.type if tok is not None and tok.type != '$END' else 'end of input'}",
            _expected_names(e),
            int(tok.value) if tok is not None and isinstance(tok.value, int) else None,
        ) from None
