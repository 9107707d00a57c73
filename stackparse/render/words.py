"""Words for readers: graph keys, rule names and machine phrasing turned into what a Go engineer
says, for every renderer.

The analysis names its objects by graph keys (``mutex@0xc000012345``, ``chan?g1077`` for a
channel whose address the dump does not print, ``rwmutex@0x..#writer`` for the readers' queue
behind a pending writer) and goroutines by node ids (``g12``). Those keys are stable handles for
programs (the JSON keeps them); a report prints :func:`resource_phrase` instead, and passes the
analysis's free text (finding titles, notes, evidence) through :func:`readable`.
"""

from __future__ import annotations

import re

__all__ = ["KIND_NAMES", "plural", "readable", "resource_phrase", "short_file"]

#: How a resource kind is written in a sentence.
KIND_NAMES = {
    "chan": "channel",
    "select": "select",
    "mutex": "mutex",
    "rwmutex": "RWMutex",
    "rwmutex-writer": "RWMutex",
    "waitgroup": "WaitGroup",
    "wg": "WaitGroup",
    "cond": "sync.Cond",
    "sema": "semaphore",
}


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 goroutine``, ``3 goroutines`` (``words`` for an irregular plural)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def resource_phrase(kind: str, address: str | None, part: str = "") -> str:
    """``mutex 0xc000012345``; ``a channel (address not in the dump)``; ``a select``;
    ``RWMutex 0xc0.. (behind a waiting writer)`` for the ``#writer`` part."""
    name = KIND_NAMES.get(kind, kind)
    if kind == "select":
        return "a select" if not address else f"a select ({address})"
    if not address:
        behind = " behind a waiting writer" if part == "writer" or kind == "rwmutex-writer" else ""
        return f"a {name} (address not in the dump){behind}"
    text = f"{name} {address}"
    if part == "writer" or kind == "rwmutex-writer":
        text += " (behind a waiting writer)"
    elif part:
        text += f" ({part})"
    return text


# mutex@0xc000012345, rwmutex@0xc0..#writer, chan?g1077, rwmutex?g14#writer, select?g12, chan:0x.. (older spelling)
_KEY = re.compile(r"\b([a-z][a-z-]*)(?:[@:](0x[0-9a-f]+)\??|\?g\d+)(?:#([a-z]+))?(?![\w@?#])")
_NODE = re.compile(r"(?<![\w.:/@?])g:?(\d+)\b(?![.(\w])")
# an absolute path (not the tail of an import path such as go.etcd.io/etcd/x.go, as -trimpath prints)
_PATH = re.compile(r"(?<![\w.\-/])\(?(/[^\s():,]+\.(?:go|s|c)):(\d+)\)?")
_ONE = [
    (re.compile(r"\b1 goroutines\b"), "1 goroutine"),
    (re.compile(r"\b1 goroutine wait\b"), "1 goroutine waits"),
    (re.compile(r"\b1 goroutine sleep\b"), "1 goroutine sleeps"),
    (re.compile(r"\b1 workers\b"), "1 worker"),
    (re.compile(r"\b1 possible releasers\b"), "1 possible releaser"),
]



def short_file(file: str) -> str:
    """A path as reports print it: from its import path or as ``dir/file.go``."""
    for marker in ("/pkg/mod/", "/src/"):
        i = file.rfind(marker)
        if i >= 0:
            return file[i + len(marker) :]
    return "/".join(file.rsplit("/", 2)[-2:])


def _key_sub(m: re.Match[str]) -> str:
    kind, address, part = m.group(1), m.group(2), m.group(3) or ""
    if kind not in KIND_NAMES:
        return m.group(0)
    return resource_phrase(kind, address, part)


def readable(text: str) -> str:
    """The analysis's free text for a reader: graph keys as :func:`resource_phrase`, node ids
    (``g12``) as ``goroutine 12``, absolute file paths shortened, and the plurals of one."""
    text = _KEY.sub(_key_sub, text)
    text = _NODE.sub(lambda m: f"goroutine {m.group(1)}", text)
    text = _PATH.sub(lambda m: f"({short_file(m.group(1))}:{m.group(2)})", text)
    for pat, rep in _ONE:
        text = pat.sub(rep, text)
    return text
