"""Write the fuzz seed corpus into a directory (made at run time by .ci/fuzz; nothing is committed).

The seeds are:

- real dumps from corpus/: for every Go version and every capture format (``.stack``,
  ``.sigquit``, ``.sigquit-crash``, ``.pprof1``, ``.leak``, ``.natural`` ...), the smallest
  files, so that libFuzzer starts from what the runtimes really print and mutates quickly;
- the real ``go test`` / goleak logs of tests/data/gotest;
- variants of a few of those dumps made by code, in the shapes logs give them
  (tests/variants.py: CRLF, prefixed, interleaved log lines, escaped on one line ...); their
  file names say ``variant``;
- the hostile shapes and bad inputs of tests/test_parse_hostile.py (quadratic-time shapes,
  4,300-digit numbers, 1,000 nested braces), made small;
- fuzz/regressions/: inputs the fuzzer found, so that each is tried first on every run.

Usage: python fuzz/seeds.py OUT_DIR [--per-format N] [--max-bytes B]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TESTS = ROOT / "tests"


def real_dumps(per_format: int, max_bytes: int) -> list[Path]:
    """The smallest non-empty dumps of each (Go version, format), at most ``per_format`` each."""
    groups: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for p in sorted(CORPUS.glob("go1.*/*.txt")):
        if p.name.endswith(".golden.json"):
            continue
        fmt = p.name[: -len(".txt")].split(".", 1)[-1]  # bug_abba_mutex.sigquit-crash -> sigquit-crash
        size = p.stat().st_size
        if 0 < size <= max_bytes:
            groups[(p.parent.name, fmt)].append(p)
    picked: list[Path] = []
    for key in sorted(groups):
        picked += sorted(groups[key], key=lambda p: (p.stat().st_size, p.name))[:per_format]
    picked += sorted((TESTS / "data" / "gotest").glob("go1.*/*.txt"))
    return picked


def shaped(texts: dict[str, str]) -> dict[str, str]:
    """The arrival shapes of tests/variants.py applied to a few real dumps."""
    import variants as v  # tests/variants.py

    out: dict[str, str] = {}
    for name, text in texts.items():
        out[f"variant-crlf-{name}"] = v.crlf(text)
        out[f"variant-kubectl-{name}"] = v.prefixed(text, "kubectl")
        out[f"variant-tabs-{name}"] = v.tabs_to_spaces(text)
        out[f"variant-interleaved-{name}"] = v.interleaved_logs(text, 1, True)
        out[f"variant-quoted-crash-{name}"] = v.quoted_crash_before(text)
        out[f"variant-logfmt-{name}"] = v.logfmt_escaped(text)
        out[f"variant-json-field-{name}"] = v.json_field(text)
        out[f"variant-gotest-json-{name}"] = v.go_test_json(text)
        out[f"variant-in-log-{name}"] = v.in_log(text, 2)
    return out


def hostile() -> dict[str, str]:
    """The hostile shapes (20 repetitions each) and the bad inputs of test_parse_hostile.py."""
    from test_parse_hostile import BAD_INPUTS, HOSTILE_SHAPES

    out = {f"hostile-{k}": make(20) for k, make in HOSTILE_SHAPES.items()}
    # the 100,000-brace input is 200 KB: the 1,000-brace one carries the same shape
    out.update({f"bad-{k}": t for k, t in BAD_INPUTS.items() if len(t) <= 64_000})
    return out


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in name)[:80]


def write(out: Path, per_format: int = 2, max_bytes: int = 40_000) -> int:
    sys.path.insert(0, str(TESTS))
    out.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, bytes] = {}
    dumps = real_dumps(per_format, max_bytes)
    for p in dumps:
        seeds[f"real-{p.parent.name}-{p.name}"] = p.read_bytes()
    few = {p.parent.name + "-" + p.name: p.read_text() for p in dumps
           if p.name.endswith((".sigquit.txt", ".natural.txt", ".sigquit-crash.txt"))
           and p.parent.name in ("go1.19", "go1.27") and p.stat().st_size <= 16_000}
    for name, text in {**shaped(few), **hostile()}.items():
        seeds[name] = text.encode()
    for p in sorted((ROOT / "fuzz" / "regressions").glob("*")):
        seeds[f"regression-{p.name}"] = p.read_bytes()
    for name, data in seeds.items():
        digest = hashlib.sha1(data).hexdigest()[:10]
        (out / f"{_slug(name)}-{digest}").write_bytes(data)
    return len(seeds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--per-format", type=int, default=2, help="real dumps per (Go version, format)")
    ap.add_argument("--max-bytes", type=int, default=40_000, help="largest real dump taken")
    a = ap.parse_args()
    n = write(a.out, a.per_format, a.max_bytes)
    print(f"seeds: {n} files in {a.out}")


if __name__ == "__main__":
    main()
