"""What a fleet scan reads: expand the command line into one :class:`Target` per instance.

A target argument is one of

* a URL of a ``net/http/pprof`` endpoint. A URL with no path (``http://10.0.0.7:6060``) means
  that service's ``/debug/pprof/goroutine?debug=2``;
* a dump file (text or gzip);
* a directory: its ``*.txt``, ``*.txt.gz`` and ``*.log`` files, sorted, not recursive (as
  ``stackparse analyze DIR``);
* a glob (``dumps/**/*.txt``), expanded here because a scheduler's workers see no shell;
* a list file: ``@hosts.txt``, or any file whose lines are all URLs or existing paths (blank
  lines and ``#`` comments allowed), one target per line, each expanded as above.

Every target has a ``key``: the absolute path or the URL. The key names the instance in the
report and in the history database, and a scan reads each key once, however often it was given.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["DIR_PATTERNS", "GOROUTINE_PATH", "Target", "TargetError", "expand", "is_url"]

#: Directory targets expand to these files (as ``stackparse analyze DIR``).
DIR_PATTERNS = ("*.txt", "*.txt.gz", "*.log")
#: What a URL with no path fetches.
GOROUTINE_PATH = "/debug/pprof/goroutine"
#: A list file is recognised by content only when it is at most this large (dumps are larger).
_LIST_SNIFF = 1 << 20
_GLOB_CHARS = frozenset("*?[")


class TargetError(ValueError):
    """A target argument names nothing: a missing file, a glob or directory matching no dump."""


@dataclass(frozen=True, slots=True)
class Target:
    """One instance to scan: ``kind`` is ``"url"`` or ``"file"``; ``key`` the URL or absolute path."""

    kind: str
    key: str

    @property
    def is_url(self) -> bool:
        return self.kind == "url"


def is_url(s: str) -> bool:
    return s.strip().lower().startswith(("http://", "https://"))


def expand(args: Iterable[str]) -> list[Target]:
    """The targets of ``args`` in order, each key once. Raises :class:`TargetError` for an
    argument that names no dump (the scan has not started yet: a typo should stop it)."""
    seen: set[str] = set()
    out: list[Target] = []
    for t in _expand_all(args, depth=0):
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)
    return out


def _expand_all(args: Iterable[str], depth: int) -> Iterator[Target]:
    for raw in args:
        arg = raw.strip()
        if not arg:
            continue
        yield from _expand_one(arg, depth)


def _expand_one(arg: str, depth: int) -> Iterator[Target]:
    if is_url(arg):
        yield Target("url", _normalise_url(arg))
        return
    if arg.startswith("@"):
        yield from _read_list(Path(arg[1:]), depth)
        return
    p = Path(arg).expanduser()
    if p.is_dir():
        found = sorted({q for pat in DIR_PATTERNS for q in p.glob(pat) if q.is_file()})
        if not found:
            raise TargetError(f"{arg}: no *.txt, *.txt.gz or *.log files in this directory")
        for q in found:
            yield Target("file", _abs(q))
        return
    if p.is_file():
        if depth == 0 and _is_list_file(p):
            yield from _read_list(p, depth)
        else:
            yield Target("file", _abs(p))
        return
    if _GLOB_CHARS & set(arg):
        matches = sorted(m for m in glob.glob(os.path.expanduser(arg), recursive=True) if os.path.isfile(m))
        if not matches:
            raise TargetError(f"{arg}: the pattern matches no file")
        for m in matches:
            yield Target("file", _abs(Path(m)))
        return
    raise TargetError(f"{arg}: no such file, directory or URL")


def _read_list(path: Path, depth: int) -> Iterator[Target]:
    if depth >= 4:
        raise TargetError(f"{path}: list files nested more than 4 deep")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise TargetError(f"{path}: {e.strerror or e}") from None
    base = path.parent
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not is_url(s) and not s.startswith("@") and not os.path.isabs(os.path.expanduser(s)):
            s = str(base / s)  # relative to the list file, as in a Makefile's include
        lines.append(s)
    yield from _expand_all(lines, depth + 1)


def _is_list_file(p: Path) -> bool:
    """True for a small text file whose every line is a URL, an ``@list`` or an existing path."""
    try:
        if p.stat().st_size > _LIST_SNIFF:
            return False
        head = p.read_bytes()
    except OSError:
        return False
    if head[:2] == b"\x1f\x8b" or b"goroutine " in head:
        return False
    lines = [s.strip() for s in head.decode("utf-8", "replace").splitlines()]
    lines = [s for s in lines if s and not s.startswith("#")]
    if not lines:
        return False
    for s in lines:
        if is_url(s) or s.startswith("@"):
            continue
        q = Path(s).expanduser()
        if not q.is_absolute():
            q = p.parent / q
        if not (q.exists() or (_GLOB_CHARS & set(s))):
            return False
    return True


def _normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.path in ("", "/") and not parts.query:
        return urlunsplit((parts.scheme, parts.netloc, GOROUTINE_PATH, "debug=2", ""))
    return parts.geturl()


def _abs(p: Path) -> str:
    return os.path.abspath(p)
