"""Make a production-shaped goroutine dump of N goroutines from real dumps (the fallback when no Go
toolchain is at hand for ``bench/prodgen``).

    python bench/synth.py -n 100000 -o /tmp/synthetic-100000.txt
    python bench/synth.py -n 1000000 --source /tmp/prodgen-100000.txt -o /tmp/synthetic-1000000.txt

Every line written is a line of a real dump (``corpus/go1.27/*.stack.txt`` by default, or the
dumps given with ``--source``), changed only where a production dump differs from a small one:

- goroutine ids are renumbered (unique, increasing);
- stacks are deepened to a realistic depth (about 20 frames on average) by inserting real
  call/file pairs of the source dumps' application frames between the blocking frames and the
  entry frame, so a stack is a plausible chain of real frames;
- pointer arguments (``0x…`` words of call lines) are varied per goroutine, keeping their width,
  their ``?`` mark and the small values (``0x0``, ``0x1``) that are not pointers;
- waiting goroutines get ``N minutes`` in their header (as a dump of a long-running service has);
- the mix of states is the source's mix, weighted towards the blocked states of an incident.

The result is deterministic for a given seed. Output files are named ``synthetic-<N>.txt`` by
the benchmark so that they are never mistaken for real dumps.
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import re
import sys
from typing import TextIO

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus", "go1.27")

_HDR = re.compile(r"^goroutine (\d+)( gp=0x[0-9a-f]+ m=(?:\d+ mp=0x[0-9a-f]+|nil))? \[([^\]]*)\]:$")
_PTR = re.compile(r"0x[0-9a-f]{5,}")
_WAITING = ("chan receive", "chan send", "select", "sync.", "sleep", "IO wait", "semacquire")


def read_blocks(paths: list[str]) -> list[list[str]]:
    """Goroutine blocks (lists of lines) of the given dumps, without their trailing blank line."""
    blocks: list[list[str]] = []
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for chunk in text.split("\n\n"):
            lines = chunk.strip("\n").split("\n")
            if not lines or not _HDR.match(lines[0]):
                continue
            body = lines[1:]
            # only the plain block shape: call/file pairs, optionally a created-by pair
            if len(body) < 2 or len(body) % 2 or any(not x.startswith("\t") for x in body[1::2]):
                continue
            if any(x.startswith("\t") for x in body[0::2]):
                continue
            blocks.append(lines)
    return blocks


def middle_frames(blocks: list[list[str]]) -> list[tuple[str, str]]:
    """Real application frames (call, file) that can sit in the middle of a stack."""
    seen: dict[tuple[str, str], None] = {}
    for b in blocks:
        body = b[1:]
        for k in range(0, len(body), 2):
            call, file = body[k], body[k + 1]
            if not call.startswith("main.") or "(...)" in call:
                continue
            if call.startswith("main.main(") or call.startswith("testing."):
                continue
            seen[(call, file)] = None
    return list(seen)


def vary_pointers(line: str, rnd: random.Random) -> str:
    def sub(m: re.Match[str]) -> str:
        w = len(m.group(0)) - 2
        return "0x" + format(rnd.getrandbits(4 * w) | (1 << (4 * w - 1)), "x")

    return _PTR.sub(sub, line)


def synthesize(blocks: list[list[str]], n: int, out: TextIO, seed: int = 1, depth: int = 20,
               minutes: float = 0.5) -> int:
    """Write ``n`` goroutine blocks built from ``blocks`` to the text stream ``out``; returns bytes."""
    rnd = random.Random(seed)
    mids = middle_frames(blocks) or [("main.work(0x1)", "\t/src/main.go:1 +0x1")]
    waiting = [b for b in blocks if any(s in b[0] for s in _WAITING)]
    others = [b for b in blocks if b not in waiting] or waiting
    written = 0
    gid = 1
    for i in range(n):
        b = rnd.choice(waiting) if (waiting and rnd.random() < 0.95) else rnd.choice(others)
        m = _HDR.match(b[0])
        assert m is not None
        state = m.group(3)
        if i == 0:
            state = "running"
        elif "minutes" not in state and any(s in state for s in _WAITING) and rnd.random() < minutes:
            parts = state.split(", ")
            parts.insert(1, f"{rnd.choice((1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1440))} minutes")
            state = ", ".join(parts)
        body = b[1:]
        created = body[-2:] if body[-2].startswith("created by ") else []
        frames = body[: len(body) - len(created)]
        have = len(frames) // 2
        want = max(have, int(rnd.triangular(max(have, 4), depth * 2 - 4, depth)))
        extra = []
        for _ in range(want - have):
            extra.extend(rnd.choice(mids))
        # the blocking frames stay at the top; the inserted chain sits below them, above the entry
        cut = max(2, len(frames) - 2)
        frames = frames[:cut] + extra + frames[cut:]
        gp = m.group(2) or ""
        if gp:
            gp = vary_pointers(gp, rnd)
        lines = [f"goroutine {gid} {gp.strip() + ' ' if gp else ''}[{state}]:"]
        for k in range(0, len(frames), 2):
            lines.append(vary_pointers(frames[k], rnd) if "0x" in frames[k] else frames[k])
            lines.append(frames[k + 1])
        lines.extend(created)
        text = "\n".join(lines) + "\n\n"
        out.write(text)
        written += len(text)
        gid += 1 + (rnd.random() < 0.2)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10000, help="goroutines")
    ap.add_argument("-o", "--out", default=None, help="output file (default synthetic-<n>.txt)")
    ap.add_argument("--source", nargs="*", default=None,
                    help="real dumps to take blocks from (default: corpus/go1.27/*.stack.txt)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--depth", type=int, default=20, help="mean frames per goroutine")
    args = ap.parse_args(argv)
    paths = args.source or sorted(glob.glob(os.path.join(CORPUS, "*.stack.txt")))
    blocks = read_blocks(paths)
    if not blocks:
        print("synth: no goroutine blocks in the sources", file=sys.stderr)
        return 1
    out = args.out or f"synthetic-{args.n}.txt"
    with open(out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as f:
        size = synthesize(blocks, args.n, f, args.seed, args.depth)
    print(f"synth: {args.n} goroutines, {size} bytes -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
