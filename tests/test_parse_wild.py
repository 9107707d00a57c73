"""Dumps as people pass them around read as well as a clean file.

Variants are made by code (tests/variants.py) from real corpus dumps; each must give the
same goroutines as the clean dump it came from.
"""

from __future__ import annotations

import gzip
import importlib
from pathlib import Path

import pytest
import variants as V  # noqa: N812
from corpusutil import CORPUS, dump_id, goroutine_signature, header_count
from hypothesis import given
from hypothesis import strategies as st

from stackparse import iter_goroutines, parse, parse_all, parse_file, parse_file_all

MODES = ("stack", "sigquit", "sigquit-system", "sigquit-crash", "pprof2", "natural", "natural-system",
         "test", "leakprof")
SAMPLE = sorted(
    p for v in ("go1.19", "go1.22", "go1.27") for p in (CORPUS / v).glob("*.txt")
    if p.name.split(".")[-2] in MODES and p.stat().st_size > 0
    and (p.name.startswith(("fmt_states", "fmt_frames", "fmt_panic_chain", "fmt_deadlock", "fmt_ancestors",
                            "fmt_test_timeout", "fmt_labels", "bug_abba", "fmt_leak")))
)
PPROF1 = sorted(p for v in ("go1.19", "go1.27") for p in (CORPUS / v).glob("fmt_*.pprof1.txt"))


def goroutines(text: str | bytes) -> list:
    return [goroutine_signature(g) for d in parse_all(text) for g in d.all_goroutines]


def clean(path: Path) -> list:
    return goroutines(path.read_bytes())


def test_sample_is_representative() -> None:
    assert len(SAMPLE) >= 40
    assert len(PPROF1) >= 4


@pytest.mark.parametrize("path", SAMPLE, ids=dump_id)
@pytest.mark.parametrize("style", sorted(V.PREFIXES))
def test_log_prefixes(path: Path, style: str) -> None:
    text = path.read_text()
    assert goroutines(V.prefixed(text, style)) == clean(path)


@pytest.mark.parametrize("path", SAMPLE, ids=dump_id)
@pytest.mark.parametrize(
    "variant",
    [V.in_log, V.crlf, V.tabs_to_spaces, lambda t: V.tabs_to_spaces(t, 8), V.indented,
     lambda t: V.indented(t, "// "), lambda t: V.indented(t, "> "), lambda t: V.indented(t, "\t"),
     V.go_test_json, V.docker_json, V.json_field],
    ids=["in_log", "crlf", "spaces4", "spaces8", "md_indent", "comment", "quote", "heredoc", "go_test_json",
         "docker_json", "json_field"],
)
def test_wrapped(path: Path, variant) -> None:  # type: ignore[no-untyped-def]
    assert goroutines(variant(path.read_text())) == clean(path)


@pytest.mark.parametrize("path", PPROF1, ids=dump_id)
@pytest.mark.parametrize("variant", [V.in_log, V.crlf, V.tabs_to_spaces, lambda t: V.prefixed(t, "kubectl")],
                         ids=["in_log", "crlf", "spaces", "kubectl"])
def test_profile_wrapped(path: Path, variant) -> None:  # type: ignore[no-untyped-def]
    want = parse(path.read_bytes())
    got = parse(variant(path.read_text()))
    assert got.profile == want.profile and got.total == want.total
    assert [(r.count, r.pcs, r.labels, r.frames) for r in got.records] == \
        [(r.count, r.pcs, r.labels, r.frames) for r in want.records]


@pytest.mark.parametrize("path", sorted((CORPUS / "go1.27").glob("*.sigquit.txt"))[:6], ids=dump_id)
def test_shell_session(path: Path) -> None:
    dumps = parse_all(V.shell_session(path.read_text()))
    assert dumps[0].kind == "signal"
    assert dumps[0].preamble.signal is not None and dumps[0].preamble.signal.name == "SIGQUIT: quit"
    assert [goroutine_signature(g) for g in dumps[0].all_goroutines] == clean(path)


@pytest.mark.parametrize("path", SAMPLE[::3], ids=dump_id)
def test_concatenated(path: Path) -> None:
    other = CORPUS / "go1.27" / "fmt_panic_chain.natural.txt"
    text = V.concatenated(path.read_text(), other.read_text())
    dumps = parse_all(text)
    assert [goroutine_signature(g) for d in dumps for g in d.all_goroutines] == clean(path) + clean(other)
    # never merged across dumps
    assert any(d.kind == "panic" for d in dumps)


@pytest.mark.parametrize("path", SAMPLE[::4], ids=dump_id)
def test_truncated_anywhere(path: Path) -> None:
    text = path.read_text()
    full = parse_all(text)
    full_gs = [g for d in full for g in d.all_goroutines]
    step = max(1, len(text) // 23)
    for at in range(1, len(text), step):
        cut = text[:at]
        dumps = parse_all(cut) if header_count(cut.encode()) or "panic" in cut or "SIG" in cut else None
        if dumps is None:
            continue
        got = [g for d in dumps for g in d.all_goroutines]
        # every header in the cut text is accounted for
        unreadable = sum(1 for d in dumps for x in d.diagnostics if "unreadable goroutine header" in x.message)
        assert len(got) + unreadable == header_count(cut.encode())
        # what was read is what the full dump says, up to the cut
        for g, want in zip(got[:-1], full_gs):
            assert goroutine_signature(g) == goroutine_signature(want)
        if got:
            last, want = got[-1], full_gs[len(got) - 1]
            assert last.id == want.id
            assert last.frames == want.frames[: len(last.frames)]


def test_files_gz_and_streaming(tmp_path: Path) -> None:
    src = CORPUS / "go1.27" / "bug_hidden_deadlock.stack.txt"
    data = src.read_bytes()
    gz = tmp_path / "d.txt.gz"
    gz.write_bytes(gzip.compress(data))
    want = [goroutine_signature(g) for g in parse(data).goroutines]
    assert [goroutine_signature(g) for g in parse_file(gz).goroutines] == want
    assert [goroutine_signature(g) for g in parse_file(src).goroutines] == want
    assert [goroutine_signature(g) for g in iter_goroutines(src)] == want
    with open(src, "rb") as f:
        assert [goroutine_signature(g) for g in iter_goroutines(f)] == want
    with open(src, encoding="utf-8") as f:
        assert [goroutine_signature(g) for g in iter_goroutines(f)] == want
    assert header_count(data) == len(want) > 400


def test_parse_file_small_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunk boundaries fall anywhere: inside blocks, inside a prefixed dump."""
    P = importlib.import_module("stackparse.parsing.chunks")
    src = CORPUS / "go1.27" / "fmt_frames.sigquit-crash.txt"
    text = V.prefixed(src.read_text(), "containerd")
    f = tmp_path / "d.log"
    f.write_text(text)
    want = goroutines(text)
    for size in (97, 1000, 4096):
        monkeypatch.setattr(P, "CHUNK", size)
        assert [goroutine_signature(g) for d in parse_file_all(f) for g in d.all_goroutines] == want


def _reference_chunks(data: bytes, size: int) -> list[bytes]:
    """The chunking rule stated plainly: after each read, cut after the last empty line of what
    is held, else after its last newline, else read on."""
    out, buf = [], b""
    for k in range(0, len(data), size):
        buf += data[k : k + size]
        cut = buf.rfind(b"\n\n")
        cut = cut + 2 if cut >= 0 else (buf.rfind(b"\n") + 1 if b"\n" in buf else -1)
        if cut > 0:
            out.append(buf[:cut])
            buf = buf[cut:]
    out.append(buf)
    return out


@given(st.binary(max_size=300).map(lambda b: b.translate(bytes.maketrans(bytes(range(256)), b"a\n" * 128))),
       st.integers(1, 40))
def test_chunks_cut_where_the_rule_says(data: bytes, size: int) -> None:
    """parsing.chunks._chunks (which avoids copying each piece twice) cuts exactly where the plain rule
    does, whatever the read size, with empty lines across two reads."""
    import io

    P = importlib.import_module("stackparse.parsing.chunks")
    old = P.CHUNK
    P.CHUNK = size
    try:
        got = [piece for piece, _ in P._chunks(io.BytesIO(data))]
    finally:
        P.CHUNK = old
    assert [bytes(p) for p in got] == _reference_chunks(data, size)
