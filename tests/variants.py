"""Synthetic variants of real dumps, made by code: the ways dumps reach people.

Every function takes the text of a real corpus dump and returns it as a log pipeline, a chat
tool or an editor would hand it over. Nothing here invents goroutines: the variants must parse
to the same goroutines as the real dump they were made from.
"""

from __future__ import annotations

import json
import random

NOISE = [
    "2026/11/23 18:40:59 INFO server listening addr=:8080",
    "level=warn msg=\"slow request\" path=/api/v1/items took=2.3s",
    "GET /healthz 200 0.4ms",
    "retrying connection to db (attempt 3)",
    "{\"level\":\"info\",\"msg\":\"tick\"}",
    "",
    "WARNING: goroutine count high: 10234",
]


def in_log(text: str, seed: int = 0) -> str:
    """The dump inside a service log, unrelated lines before and after."""
    rnd = random.Random(seed)
    before = "\n".join(rnd.choice(NOISE) for _ in range(20))
    after = "\n".join(rnd.choice(NOISE) for _ in range(20))
    return f"{before}\n{text.rstrip(chr(10))}\n{after}\n"


def concatenated(a: str, b: str, seed: int = 0) -> str:
    """Two dumps in one log, with log lines between them."""
    rnd = random.Random(seed)
    between = "\n".join(rnd.choice([n for n in NOISE if n]) for _ in range(5))
    return f"{a.rstrip(chr(10))}\n{between}\n{b}"


def _ts(i: int) -> str:
    return f"2026-11-23T18:{40 + i // 6000 % 20:02d}:{i // 100 % 60:02d}.{(i * 7919) % 10**9:09d}Z"


PREFIXES = {
    "kubectl": lambda i: _ts(i) + " ",
    "containerd": lambda i: _ts(i) + " stderr F ",
    "syslog": lambda i: f"Nov 23 18:40:{i % 60:02d} web-7d9f api[{1234}]: ",
    "compose": lambda i: "api-1  | ",
    "journal": lambda i: f"[{1000 + i * 13 % 9000}.{i % 1000:03d}] ",
}


def prefixed(text: str, style: str) -> str:
    """Every line behind a log prefix (timestamps change from line to line)."""
    make = PREFIXES[style]
    return "".join(make(i) + line + "\n" for i, line in enumerate(text.rstrip("\n").split("\n")))


def prefixed_with(text: str, make) -> str:  # type: ignore[no-untyped-def]
    return "".join(make(i) + line + "\n" for i, line in enumerate(text.rstrip("\n").split("\n")))


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def tabs_to_spaces(text: str, width: int = 4) -> str:
    """What a chat tool or an editor does to TABs."""
    return text.replace("\t", " " * width)


def indented(text: str, prefix: str = "    ") -> str:
    """Indented in markdown, a code comment or a heredoc; empty lines lose trailing blanks."""
    return "".join((prefix + line).rstrip(" ") + "\n" if line else prefix.rstrip(" ") + "\n"
                   for line in text.rstrip("\n").split("\n"))


def go_test_json(text: str) -> str:
    """``go test -json``: one event per output line."""
    out = []
    for line in text.rstrip("\n").split("\n"):
        out.append(json.dumps({"Time": "2026-11-23T18:40:59.1Z", "Action": "output",
                               "Package": "example.com/svc", "Output": line + "\n"}))
    return "\n".join(out) + "\n"


def docker_json(text: str) -> str:
    """Docker's json-file log driver."""
    return "".join(json.dumps({"log": line + "\n", "stream": "stderr", "time": "2026-11-23T18:40:59Z"}) + "\n"
                   for line in text.rstrip("\n").split("\n"))


def json_field(text: str) -> str:
    """A structured logger that put the whole dump in one field, with \\n and \\t escapes."""
    before = json.dumps({"level": "info", "msg": "starting"})
    rec = json.dumps({"level": "error", "msg": "goroutine dump", "stack": text})
    return f"{before}\n{rec}\n"


def shell_session(text: str) -> str:
    """A SIGQUIT dump as a terminal shows it: the prompt, then ``^\\`` echoed before the
    signal line."""
    return f"$ ./server -addr :8080\nlistening on :8080\n^\\{text}"


def truncated(text: str, at: int) -> str:
    return text[:at]


def interleaved_logs(text: str, seed: int = 0, blank_after: bool = False) -> str:
    """Log lines another goroutine wrote while the dump was printed, between goroutine blocks
    (before about half of the headers), as Go 1.19 services show them."""
    rnd = random.Random(seed)
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith("goroutine ") and out and out[-1] == "" and rnd.random() < 0.5:
            out.append(rnd.choice([n for n in NOISE if n]))
            if blank_after:
                out.append("")
        out.append(line)
    return "\n".join(out)


def quoted_crash_before(text: str) -> str:
    """A log line quoting the dump's first line ("panic: …") before the dump, then a log line
    and an empty line, as a supervisor that logs the crash message first writes it."""
    first = text.split("\n", 1)[0]
    return f"2026/11/23 18:40:59 ERROR worker crashed: {first}\nrestarting worker\n\n{text}"


def logfmt_escaped(text: str) -> str:
    """The whole dump in one logfmt line, newlines and tabs escaped (\\n, \\t)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'time=2026-11-23T18:40:59Z level=info msg="started"\ntime=2026-11-23T18:41:00Z level=error msg="{body}"\n'
