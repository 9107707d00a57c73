"""atheris fuzz target over ``parse`` + ``to_dict`` + ``analyze`` (run by .ci/fuzz, not by pytest).

The promise checked on every input: the library raises nothing but :class:`stackparse.ParseError`
on bad input, and once a ``Dump`` is returned its ``to_dict()`` (JSON-serialisable) and
``analyze()`` answer; and the C kernel ``_wordscan.column_words`` gives its pure definition's
words on the input's lines and argument lists (:func:`check_kernel`). Any other exception is a
finding: atheris reports it, libFuzzer writes the
input as ``crash-<sha1>`` and the run fails. Under .ci/fuzz the mypyc-compiled modules and the
C extensions are built with AddressSanitizer and UBSan, so a memory error or undefined behaviour in them
aborts the run too.

The input's length picks the entry point (so every seed meets all of them as it mutates):
``parse_all`` on the text, ``parse`` on the text, ``parse_all(strict=True)``, and
``parse_all`` on the raw bytes (the library's own decoding and binary check).

Usage (libFuzzer flags pass through)::

    python fuzz/harness.py [--expect-compiled MOD,MOD...] [libFuzzer flags] [CORPUS_DIR...]
    python fuzz/harness.py crash-1234abcd        # replay one input

``--expect-compiled`` makes the harness refuse to run unless each named module was loaded from
a compiled extension (not its ``.py`` source): a build that silently fell back to Python would
fuzz nothing native. ``STACKPARSE_FUZZ_SANITIZED=1`` makes it refuse to run unless the ASan and
UBSan runtimes are in the process.

``STACKPARSE_FUZZ_PLANT`` (used by ``.ci/fuzz --selftest`` only) plants a known bug in the
target, so that the script can check that it sees one: ``asan`` writes past a malloc'd block
through ctypes, ``ubsan`` calls a sanitized C probe that overflows a signed int (library path
in ``STACKPARSE_FUZZ_PROBE``), ``exception`` raises an exception that is not ParseError.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.machinery
import json
import os
import sys

import atheris

with atheris.instrument_imports(include=["stackparse"]):
    import stackparse
    import stackparse.analysis  # imported lazily by stackparse.analyze: instrument it now
    from stackparse import ParseError, analyze, parse, parse_all
    from stackparse.analysis.blocking import columns, words
    from stackparse.parsing import args as pyargs

try:  # the compiled skeletons (stackparse/native.py: EXTENSIONS), checked against the Python ones
    from stackparse.parsing import _argskel
except ImportError:
    _argskel = None  # type: ignore[assignment]
try:  # the C kernel of the exact words (EXTENSIONS), checked against its definition below
    from stackparse.analysis.blocking._wordscan import column_words as kernel_column_words
except ImportError:  # not built: --expect-compiled refuses that where it is required
    kernel_column_words = None

_WARM = "goroutine 1 [chan receive]:\nmain.f(0x1, {0x2})\n\t/a.go:1 +0x1\ncreated by main.main\n\t/a.go:2 +0x2\n"


def check_compiled(names: list[str]) -> list[str]:
    """The named modules as loaded, each with where it came from; exits 3 if one is not compiled."""
    out, bad = [], []
    for name in names:
        mod = importlib.import_module(name)
        loader = getattr(mod.__spec__, "loader", None)
        compiled = isinstance(loader, importlib.machinery.ExtensionFileLoader)
        out.append(f"{name}: {'compiled' if compiled else 'NOT COMPILED'} {mod.__file__}")
        if not compiled:
            bad.append(name)
    if bad:
        print("\n".join(out), file=sys.stderr)
        print(f"fuzz: {', '.join(bad)} loaded from Python source, not the compiled build", file=sys.stderr)
        sys.exit(3)
    return out


def check_sanitized() -> list[str]:
    """The sanitizer runtimes this process has loaded; exits 4 when ASan or UBSan is missing."""
    me = ctypes.CDLL(None)
    found = {name: hasattr(me, sym) for name, sym in
             (("AddressSanitizer", "__asan_init"), ("UndefinedBehaviorSanitizer", "__ubsan_handle_add_overflow"))}
    if not all(found.values()):
        print(f"fuzz: sanitizer runtime missing from the process: {found}", file=sys.stderr)
        sys.exit(4)
    return [f"{name} runtime loaded" for name in found]


def _plant(kind: str) -> None:
    if kind == "asan":
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        block = libc.malloc(16)
        ctypes.memset(block, 0x41, 32)  # 16 bytes past the end of the block
    elif kind == "ubsan":
        probe = ctypes.CDLL(os.environ["STACKPARSE_FUZZ_PROBE"])
        probe.probe_add.argtypes = [ctypes.c_int, ctypes.c_int]
        probe.probe_add(2**31 - 1, 1)
    elif kind == "kernel":
        pass  # check_kernel compares with a definition that has one more word
    elif kind == "exception":
        raise ValueError("planted by STACKPARSE_FUZZ_PLANT=exception")


def one_input(data: bytes) -> None:
    if _PLANT:
        _plant(_PLANT)
    mode = len(data) % 4
    text = data.decode("utf-8", "replace")
    _check_arg_classes(text)
    check_kernel(text if mode != 3 else data.decode("latin-1"))
    try:
        if mode == 0:
            dumps = parse_all(text)
        elif mode == 1:
            dumps = [parse(text)]
        elif mode == 2:
            dumps = parse_all(text, strict=True)
        else:
            dumps = parse_all(data)
    except ParseError as e:
        if not str(e) or e.line < 1:
            raise AssertionError(f"ParseError without a message or line: {e!r}") from e
        return
    if not dumps:
        raise AssertionError("parse_all returned no dump and raised nothing")
    for d in dumps:
        json.dumps(d.to_dict())
        a = analyze(d)
        if a is None:
            raise AssertionError("analyze returned None")


def _check_arg_classes(text: str) -> None:
    """The compiled skeletons (``_argskel``) equal the Python ones on the input's lines and on
    the text between each line's first "(" and its end."""
    if _argskel is None:
        return
    lines = text.split("\n")[:4096]
    texts = lines + [ln[ln.find("(") + 1 : -1] for ln in lines]
    if _argskel.arg_classes(texts) != pyargs.arg_classes(texts):
        raise AssertionError("_argskel.arg_classes differs from args.arg_classes")


def check_kernel(text: str) -> None:
    """The C kernel's words equal its pure definition's (``columns._column_words``) on columns
    made of the input: its lines, and each line's parenthesised part (an argument list)."""
    if kernel_column_words is None:
        return
    lines = text.split("\n")
    parts = [ln[ln.find("(") + 1 : ln.rfind(")")] for ln in lines if "(" in ln and ")" in ln]
    for texts in (lines, parts):
        flat = kernel_column_words(texts)
        got: list[int] = []
        for p in range(0, len(flat), 2):
            k, v = flat[p], flat[p + 1]
            if v == -1:  # declined: the caller reads the text with exact_words
                for w in words.exact_words(texts[k]):
                    got += (k, w)
            else:
                got += (k, v)
        want = columns._column_words(texts)
        if _PLANT == "kernel":  # the selftest: a kernel that lost a word must be caught
            want = [*want, len(texts), words.MIN_POINTER]
        if got != want:
            raise AssertionError(f"_wordscan.column_words differs from its definition: {got[:8]} != {want[:8]}")


_PLANT = ""


def main() -> None:
    global _PLANT
    argv = list(sys.argv)
    expect: list[str] = []
    if "--expect-compiled" in argv:
        k = argv.index("--expect-compiled")
        expect = [m for m in argv[k + 1].split(",") if m]
        del argv[k : k + 2]
    for line in check_compiled(expect) + (check_sanitized() if os.environ.get("STACKPARSE_FUZZ_SANITIZED") else []):
        print(f"fuzz: {line}", flush=True)
    with atheris.instrument_imports(include=["stackparse"]):
        one_input(_WARM.encode())  # the modules the first call imports lazily, instrumented
    print(f"fuzz: stackparse {stackparse.__version__} from {stackparse.__file__}", flush=True)
    _PLANT = os.environ.get("STACKPARSE_FUZZ_PLANT", "")
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
