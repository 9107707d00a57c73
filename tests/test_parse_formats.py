"""Shapes the corpus cannot capture with the toolchains we can run: older runtimes (before 1.19),
cgo frames, other architectures, Windows. The texts below are written from the documented
format (../shared/FORMATS.md and the Go sources), not captured: they are examples of the
language, not corpus dumps."""

from __future__ import annotations

from stackparse import parse, parse_all
from stackparse.parsing.grammar import split_function

GO14 = """panic: runtime error: invalid memory address or nil pointer dereference
[signal 0xb code=0x1 addr=0x0 pc=0x400c4b]

goroutine 1 [running]:
main.main·func001(0xc208000010, 0x5)
\t/tmp/x.go:5 +0x1f fp=0xc20803ff48 sp=0xc20803ff30
----- stack segment boundary -----
main.main()
\t/tmp/x.go:9 +0x2b
runtime.main()
\t/usr/local/go/src/runtime/proc.c:247 +0x11a

goroutine 3 [chan receive, 5 minutes]:
main.worker(0xc208000020)
\t/tmp/x.go:12 +0x3c
created by main.main
\t/tmp/x.go:8 +0x9a
"""


def test_go14_style_dump() -> None:
    d = parse(GO14)
    assert d.kind == "panic" and d.diagnostics == ()
    assert d.preamble.signal is not None and d.preamble.signal.name == "0xb"
    g1, g3 = d.goroutines
    assert [f.function.full for f in g1.frames] == ["main.main·func001", "main.main", "runtime.main"]
    assert g1.frames[0].fp == 0xC20803FF48 and g1.frames[0].pc is None
    assert g1.frames[0].args is not None and [a.text for a in g1.frames[0].args] == ["0xc208000010", "0x5"]
    assert g3.wait_minutes == 5
    assert g3.created_by is not None and g3.created_by.parent_id is None


CGO = """goroutine 1 [syscall, locked to thread]:
runtime.cgocall(0x4a1b20, 0xc000057f08)
\t/usr/local/go/src/runtime/cgocall.go:157 +0x4b
main._Cfunc_block()
\t_cgo_gotypes.go:39 +0x45
main.main()
\t/app/main.go:12 +0x17

goroutine 0 [idle]:
non-Go function at pc=0x7f3a5c1d2e1b
runtime.mstart()
\t/usr/local/go/src/runtime/asm_amd64.s:394 +0x5

goroutine 0 [idle]:
pthread_cond_wait
\tpc=0x7f3a5c1d2e1b
block
\t/app/block.c:7 pc=0x4a1b60
runtime.asmcgocall()
\t/usr/local/go/src/runtime/asm_amd64.s:918 +0x42
"""


def test_cgo_frames() -> None:
    dumps = parse_all(CGO)
    gs = [g for d in dumps for g in d.all_goroutines]
    assert [g.id for g in gs] == [1, 0, 0]
    assert all(not d.diagnostics or all(x.severity == "info" for x in d.diagnostics) for d in dumps)
    single = gs[1].frames[0]
    assert single.cgo and single.pc == 0x7F3A5C1D2E1B
    named = gs[2].frames[:2]
    assert [f.function.full for f in named] == ["pthread_cond_wait", "block"]
    assert named[1].file == "/app/block.c" and named[1].line == 7 and named[1].pc == 0x4A1B60


WINDOWS = """goroutine 1 [running]:
main.main()
\tC:/Users/dev/go/src/app/main.go:12 +0x1d
exit status 2
"""


def test_windows_paths_and_trailer() -> None:
    d = parse(WINDOWS)
    f = d.goroutines[0].frames[0]
    assert (f.file, f.line) == ("C:/Users/dev/go/src/app/main.go", 12)
    assert d.trailer == ("exit status 2",)


RELAY = """SIGQUIT: quit
PC=0x40de0e m=0 sigcode=0

goroutine 1 gp=0xc0000061c0 m=0 mp=0x4da700 [running]:
main.main()
\t/app/main.go:9 +0x1d fp=0xc00003e750 sp=0xc00003e748 pc=0x45d145

r0      0x1
r1      0x2\tr2      0x3

-----

SIGQUIT: quit
PC=0x487283 m=1 sigcode=0

goroutine 0 gp=0x255ffa3cc5a0 m=1 mp=0x255ffa3fe008 [idle]:
runtime.futex(0x5fff20, 0x80, 0x0, 0x255ffa3f1ea0, 0x0, 0x0)
\t/usr/local/go/src/runtime/sys_linux_amd64.s:576 +0x23 fp=0x255ffa3f1e70 sp=0x255ffa3f1e68 pc=0x487283
goroutine 7 gp=0x255ffa3cc1e0 m=1 mp=0x255ffa3fe008 [running]:
main.spin()
\t/app/main.go:20 +0x5 fp=0x255ffa3f1e78 sp=0x255ffa3f1e70 pc=0x487300
rax    0xfffffffffffffffc
rbx    0x0
"""


def test_crash_relay_sections_and_two_per_line_registers() -> None:
    d = parse(RELAY)
    assert d.kind == "signal" and d.diagnostics == ()
    assert [g.id for g in d.goroutines] == [1]
    assert dict(d.registers) == {"r0": 1, "r1": 2, "r2": 3}
    (t,) = d.threads
    assert t.signal is not None and t.signal.m == 1
    assert [g.id for g in t.goroutines] == [0, 7]
    assert t.goroutines[1].state == "running" and t.goroutines[1].m == 1
    assert dict(t.registers) == {"rax": 0xFFFFFFFFFFFFFFFC, "rbx": 0}


LABELS126 = 'goroutine 30 [chan receive labels:{"kind": "a]b, c}", "w\\x7f": "\\u00e9"}]:\nmain.f()\n\t/a.go:1\n'


def test_labels_126_quoted_inside_brackets() -> None:
    g = parse(LABELS126).goroutines[0]
    assert g.state == "chan receive"
    assert g.labels == (("kind", "a]b, c}"), ("w\x7f", "é"))


def test_statuses_with_flags() -> None:
    text = ("goroutine 5 [chan receive (nil chan) (durable), synctest bubble 2]:\nmain.f()\n\t/a.go:1\n\n"
            "goroutine 6 [leaked (leaked)]:\nmain.g()\n\t/a.go:2\n\n"
            "goroutine 7 [???]:\nmain.h()\n\t/a.go:3\n")
    g5, g6, g7 = parse(text).goroutines
    assert (g5.state, g5.durable, g5.synctest_bubble) == ("chan receive (nil chan)", True, 2)
    assert (g6.state, g6.leaked) == ("leaked", True)
    assert g7.state == "???"


def test_function_name_parts() -> None:
    cases = {
        "main.(*T).Method": ("main", "*T", "Method"),
        "main.T.ValMethod": ("main", "T", "ValMethod"),
        "main.main.func1": ("main", None, "main.func1"),
        "net/http.(*conn).serve": ("net/http", "*conn", "serve"),
        "main.(*List[...]).Push": ("main", "*List[...]", "Push"),
        "gopkg.in/yaml%2ev2.(*decoder).unmarshal": ("gopkg.in/yaml%2ev2", "*decoder", "unmarshal"),
        "main.Map[...]": ("main", None, "Map[...]"),
        "runtime.goexit": ("runtime", None, "goexit"),
    }
    for full, want in cases.items():
        f = split_function(full)
        assert (f.package, f.receiver, f.name) == want, full
