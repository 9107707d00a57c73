"""A model of the dump format for property tests: hypothesis strategies that generate records,
and a writer that prints records the way the Go runtime does."""

from __future__ import annotations

from hypothesis import strategies as st

from stackparse.model import Ancestor, CreatedBy, Elision, Frame, Goroutine
from stackparse.parsing.grammar import split_function

# ------------------------------------------------------------------ writer


def _quote(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif " " <= ch <= "~":
            out.append(ch)
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _label127(s: str) -> str:
    if s == "":
        return ""
    if all(c.isascii() and (c.isalnum() or c in "./_") for c in s):
        return s
    return _quote(s)


def write_header(g: Goroutine, labels: str = "1.27") -> str:
    s = f"goroutine {g.id}"
    if g.gp is not None:
        s += f" gp={g.gp:#x} " + (f"m={g.m} mp={g.mp:#x}" if g.m is not None else "m=nil")
    body = g.state
    if g.leaked:
        body += " (leaked)"
    if g.scan:
        body += " (scan)"
    if g.durable:
        body += " (durable)"
    if g.wait_minutes is not None:
        body += f", {g.wait_minutes} minutes"
    if g.locked_to_thread:
        body += ", locked to thread"
    if g.synctest_group is not None:
        body += f", synctest group {g.synctest_group}"
    if g.synctest_bubble is not None:
        body += f", synctest bubble {g.synctest_bubble}"
    after = ""
    if g.labels and labels == "1.26":
        body += " labels:{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in g.labels) + "}"
    elif g.labels:
        after = " {" + ", ".join(f"{_label127(k)}: {_label127(v)}" for k, v in g.labels) + "}"
    return s + " [" + body + "]" + after + ":"


def write_file_line(file: str, line: int, offset: int | None, fp: int | None = None, sp: int | None = None,
                    pc: int | None = None) -> str:
    s = f"\t{file}:{line}"
    if offset is not None:
        s += f" +{offset:#x}"
    if fp is not None:
        s += f" fp={fp:#x} sp={sp:#x}" + (f" pc={pc:#x}" if pc is not None else "")
    return s


def write_frame(f: Frame) -> str:
    return f"{f.function.full}({f.args_text})\n" + write_file_line(f.file, f.line, f.offset, f.fp, f.sp, f.pc)


def write_created(c: CreatedBy, in_goroutine: bool = True) -> str:
    s = f"created by {c.function.full}"
    if in_goroutine and c.parent_id is not None:
        s += f" in goroutine {c.parent_id}"
    return s + "\n" + write_file_line(c.file, c.line, c.offset)


def write_goroutine(g: Goroutine, labels: str = "1.27") -> str:
    out = [write_header(g, labels)]
    if g.stack_unavailable:
        out.append("\tgoroutine running on other thread; stack unavailable")
    for i, f in enumerate(g.frames):
        if g.elision is not None and g.elision.index == i:
            out.append(_elided(g.elision))
        out.append(write_frame(f))
    if g.elision is not None and g.elision.index == len(g.frames):
        out.append(_elided(g.elision))
    if g.created_by is not None:
        out.append(write_created(g.created_by))
    for a in g.ancestors:
        out.append(f"[originating from goroutine {a.id}]:")
        out.extend(write_frame(f) for f in a.frames)
        if a.elided:
            out.append("...additional frames elided...")
        if a.created_by is not None:
            out.append(write_created(a.created_by, in_goroutine=False))
    return "\n".join(out)


def _elided(e: Elision) -> str:
    return "...additional frames elided..." if e.count is None else f"...{e.count} frames elided..."


def write_dump(goroutines: list[Goroutine], preamble: list[str] = (), labels: str = "1.27") -> str:  # type: ignore[assignment]
    blocks = "\n\n".join(write_goroutine(g, labels) for g in goroutines)
    if preamble:
        return "\n".join(preamble) + "\n\n" + blocks + "\n"
    return blocks + "\n"


# ------------------------------------------------------------------ strategies

STATES = [
    "running", "runnable", "syscall", "waiting", "idle", "chan receive", "chan send", "chan receive (nil chan)",
    "chan send (nil chan)", "select", "select (no cases)", "sync.Mutex.Lock", "sync.RWMutex.RLock",
    "sync.RWMutex.Lock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire", "sleep", "IO wait",
    "GC worker (idle)", "force gc (idle)", "finalizer wait", "GC sweep wait", "???", "unknown wait reason",
    "synctest.Run", "chan receive (synctest)", "trace reader (blocked)", "leaked",
]
_ident = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}", fullmatch=True)
_pkg = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=1, max_size=3).map("/".join)
_hexnum = st.integers(0, 2**48).map(hex)


@st.composite
def function_names(draw: st.DrawFn) -> str:
    pkg = draw(st.one_of(st.just("main"), _pkg, st.just("github.com/acme/svc/internal/db")))
    kind = draw(st.integers(0, 5))
    name = draw(_ident)
    if kind == 1:
        name = f"(*{draw(_ident)}).{name}"
    elif kind == 2:
        name = f"{draw(_ident)}.{name}"
    elif kind == 3:
        name = f"{name}[...]"
    elif kind == 4:
        name = f"(*{draw(_ident)}[...]).{name}"
    if draw(st.booleans()):
        name += "." + draw(st.sampled_from(["func1", "func2.1", "gowrap1", "func13.1.1", "2"]))
    return f"{pkg}.{name}"


def _arg_words(depth: int) -> st.SearchStrategy[str]:
    word = st.one_of(
        _hexnum, _hexnum.map(lambda h: h + "?"), st.just("..."), st.just("_"),
    )
    if depth == 0:
        return word
    group = st.lists(_arg_words(depth - 1), max_size=4).map(lambda xs: "{" + ", ".join(xs) + "}")
    return st.one_of(word, group)


args_texts = st.one_of(
    st.just("..."),
    st.lists(_arg_words(3), max_size=6).map(", ".join),
)

_file = st.one_of(
    st.from_regex(r"/[a-z]{1,8}(/[a-z0-9_.-]{1,10}){0,4}\.go", fullmatch=True),
    st.just("<autogenerated>"),
    st.just("C:/work/my app/main.go"),
    st.just("/usr/local/go/src/runtime/asm_amd64.s"),
)


@st.composite
def frames(draw: st.DrawFn, regs: bool = False) -> Frame:
    fn = split_function(draw(function_names()))
    args = draw(args_texts)
    off = None if args == "..." else draw(st.one_of(st.none(), st.integers(1, 4096)))
    fp = sp = pc = None
    if regs and args != "...":
        fp, sp, pc = draw(st.integers(1, 2**40)), draw(st.integers(1, 2**40)), draw(st.integers(1, 2**40))
    return Frame(fn, args, draw(_file), draw(st.integers(1, 99999)), off, fp, sp, pc, False)


@st.composite
def created_bys(draw: st.DrawFn, with_parent: bool = True) -> CreatedBy:
    return CreatedBy(split_function(draw(function_names())),
                     draw(st.one_of(st.none(), st.integers(1, 10**6))) if with_parent else None,
                     draw(_file), draw(st.integers(1, 99999)), draw(st.one_of(st.none(), st.integers(1, 4096))))


_label_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@st.composite
def goroutines(draw: st.DrawFn, gid: int, regs: bool = False) -> Goroutine:
    fs = tuple(draw(st.lists(frames(regs), min_size=0 if not regs else 1, max_size=8)))
    elision = None
    if fs and draw(st.integers(0, 5)) == 0:
        if draw(st.booleans()):
            elision = Elision(len(fs), None)
        else:
            elision = Elision(draw(st.integers(1, len(fs))), draw(st.integers(1, 10**5)))
    gp = m = mp = None
    if regs and draw(st.booleans()):
        gp = draw(st.integers(1, 2**44))
        if draw(st.booleans()):
            m, mp = draw(st.integers(0, 64)), draw(st.integers(1, 2**44))
    ancestors: tuple[Ancestor, ...] = ()
    if draw(st.integers(0, 6)) == 0:
        ancestors = tuple(
            Ancestor(draw(st.integers(1, 10**5)),
                     tuple(f._replace(args_text="...", offset=draw(st.one_of(st.none(), st.integers(1, 99))),
                                      fp=None, sp=None, pc=None) for f in draw(st.lists(frames(), max_size=3))),
                     draw(st.booleans()), draw(st.one_of(st.none(), created_bys(with_parent=False))))
            for _ in range(draw(st.integers(1, 2)))
        )
    created = draw(st.one_of(st.none(), created_bys()))
    if ancestors and created is None:
        created = draw(created_bys())
    return Goroutine(
        gid, draw(st.sampled_from(STATES)), fs,
        draw(st.one_of(st.none(), st.integers(1, 10**5))), draw(st.booleans()), draw(st.booleans()),
        draw(st.booleans()), draw(st.booleans()), None, draw(st.one_of(st.none(), st.integers(1, 99))),
        tuple(sorted(draw(st.dictionaries(_label_text.filter(bool), _label_text, max_size=3)).items())),
        gp, m, mp, elision, created, ancestors, False, False, 0,
    )


@st.composite
def dumps(draw: st.DrawFn) -> list[Goroutine]:
    n = draw(st.integers(1, 6))
    regs = draw(st.booleans())
    ids = draw(st.lists(st.integers(1, 10**7), min_size=n, max_size=n, unique=True))
    return [draw(goroutines(i, regs)) for i in ids]
