"""Undo what log pipelines do to a dump before the grammar reads it.

Dumps reach people inside service logs, behind container or kubectl timestamps, indented in a
code comment or an issue, with tabs turned into spaces, with CRLF line ends, inside JSON log
records with ``\\n`` escapes, or after a shell prompt. The functions here give back the lines the
runtime wrote; line numbers keep pointing at the input.
"""

from __future__ import annotations

import json
import re

__all__ = [
    "HEADER_ANYWHERE",
    "PrefixShape",
    "decode",
    "find_dump_start",
    "normalize_indent",
    "unescape_lines",
    "unwrap_json",
]

#: A goroutine header anywhere in a line: what makes a line the start of a (prefixed) dump.
HEADER_ANYWHERE = re.compile(
    r"goroutine [0-9]+ (?:gp=0x[0-9a-f]+ m=(?:[0-9]+|nil)(?: mp=0x[0-9a-f]+)? )?\["
)
#: Lines that open a dump's preamble, anywhere in a line (after a prompt or a ``^\`` echo).
_PREAMBLE_ANYWHERE = re.compile(
    r"(?:panic: |fatal error: |SIG[A-Z0-9]+: [a-z]|[a-z]+ profile: total [0-9]+$)"
)

_FILE_SHAPE = re.compile(r"^ +(\S.*:[0-9]+(?: \+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?)$")
_OTHER_TAB_LINES = re.compile(
    r"^ +((?:goroutine running on other thread; stack unavailable)"
    r"|(?:(?:\S.*:[0-9]+ )?pc=0x[0-9a-f]+)"
    r"|(?:panic: |fatal error: ).*)$"
)


def decode(data: str | bytes) -> str:
    """Bytes to text (UTF-8; undecodable bytes become U+FFFD) with CRLF turned into LF."""
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text


def normalize_indent(line: str) -> str:
    """Turn a file line whose TAB became spaces back into the runtime's ``\\t…`` form."""
    if line[:1] == " ":
        m = _FILE_SHAPE.match(line) or _OTHER_TAB_LINES.match(line)
        if m:
            return "\t" + m.group(1)
    return line


class PrefixShape:
    """The shape of a log prefix, learned from the line that opened a dump.

    Runs of digits are generalised (timestamps change from line to line); everything else must
    repeat literally. A prefix made only of blanks and quote marks (indentation in a comment,
    ``> `` in markdown) also matches any shorter run of the same characters, since editors trim
    trailing white space on empty lines.
    """

    __slots__ = ("bare", "literal", "pattern")

    def __init__(self, prefix: str) -> None:
        self.literal = prefix
        parts = re.split(r"([0-9]+)", prefix)
        rx = "".join("[0-9]+" if p.isdigit() else re.escape(p) for p in parts if p)
        self.pattern = re.compile(rx)
        trimmed = prefix.rstrip()
        parts = re.split(r"([0-9]+)", trimmed)
        self.bare = re.compile("".join("[0-9]+" if p.isdigit() else re.escape(p) for p in parts if p) + r"\s*")

    def strip(self, line: str) -> str | None:
        """The line without its prefix, or None when the line does not carry this prefix."""
        if line.startswith(self.literal):
            return line[len(self.literal) :]
        m = self.pattern.match(line)
        if m:
            return line[m.end() :]
        if self.bare.fullmatch(line):
            return ""  # an empty dump line whose prefix lost its trailing blank
        return None

    def strip_loose(self, line: str) -> str:
        """The line without the prefix's shape and any blanks after it (so that go test's
        summary lines after an indented report are seen too); the line itself when it does not
        carry the prefix."""
        m = self.bare.match(line)
        return line[m.end() :] if m else line

    def __repr__(self) -> str:
        return f"PrefixShape({self.literal!r})"


def find_dump_start(line: str) -> int:
    """Position in ``line`` where a dump line (header or preamble opener) starts, or -1."""
    m = HEADER_ANYWHERE.search(line)
    p = _PREAMBLE_ANYWHERE.search(line)
    if m and p:
        return min(m.start(), p.start())
    if m:
        return m.start()
    if p:
        return p.start()
    return -1


_JSON_FIELDS = ("Output", "log", "msg", "message", "stack", "stacktrace", "error", "err", "output")


def unwrap_json(text: str) -> str | None:
    """Rebuild the text of JSON-wrapped output, or None when the input is not such a log.

    Handles one JSON object per line (``go test -json`` events, Docker's json-file driver,
    structured loggers): the dump is the concatenation of the string fields that carry output,
    in order, each field ending a line.
    """
    if '"' not in text or "goroutine " not in text:
        return None
    # go test -json runs packages in parallel: their events interleave, so each package's
    # output is put back together on its own (in the order packages first speak)
    streams: dict[str, list[str]] = {"": []}
    out = streams[""]
    found = False
    for raw in text.split("\n"):
        s = raw.strip()
        start = s.find("{")
        if start < 0 or not s.endswith("}"):
            if raw:
                out.append(raw + "\n")
            continue
        try:
            obj = json.loads(s[start:])
        except ValueError:
            out.append(raw + "\n")
            continue
        if not isinstance(obj, dict):
            out.append(raw + "\n")
            continue
        piece = None
        keys = [k for k in _JSON_FIELDS if k in obj] + [k for k in obj if k not in _JSON_FIELDS]
        for key in keys:
            v = obj[key]
            if isinstance(v, str) and ("\n" in v or HEADER_ANYWHERE.search(v)):
                piece = v
                break
        if piece is None:
            # a chunk of a stream without a newline (a long line split over records)
            for key in ("Output", "log"):
                if isinstance(obj.get(key), str):
                    piece = obj[key]
                    break
        if piece is None:
            continue
        if "goroutine " in piece or "\n" in piece or found:
            found = True
        # go test -json "Output" and Docker's "log" carry raw chunks of a stream (a long line
        # may be split over several records); other fields hold whole messages.
        raw_stream = "Output" in obj or "log" in obj
        pkg = obj.get("Package") if "Action" in obj and "Output" in obj else None
        target = out if not isinstance(pkg, str) else streams.setdefault(pkg, [])
        target.append(piece if raw_stream or piece.endswith("\n") else piece + "\n")
    if not found:
        return None
    return "".join("".join(s) for s in streams.values())


#: An escaped dump inside one log line: "\ngoroutine 1 [" (JSON, logfmt, Go's %q).
_ESCAPED_DUMP = re.compile(r"\\n(?:\\t)?goroutine [0-9]+ ")
_LINE_ESCAPES = re.compile(r"\\(?:n|t|r|\"|\\)")
_LINE_ESCAPE_OF = {"\\n": "\n", "\\t": "\t", "\\r": "", '\\"': '"', "\\\\": "\\"}


def unescape_lines(text: str) -> str:
    """Expand the log lines that hold a whole dump with literal ``\\n`` and ``\\t`` escapes (a
    logger that quoted a multi-line message); other lines are left alone."""
    if _ESCAPED_DUMP.search(text) is None:
        return text
    out = []
    for line in text.split("\n"):
        if "\\n" in line and _ESCAPED_DUMP.search(line):
            line = _LINE_ESCAPES.sub(lambda m: _LINE_ESCAPE_OF[m.group(0)], line)
        out.append(line)
    return "\n".join(out)
