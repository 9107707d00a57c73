"""Live capture: fetch a goroutine dump from a running service's ``net/http/pprof`` endpoint.

    body = fetch("http://127.0.0.1:6060/debug/pprof/goroutine?debug=2")
    dump = stackparse.parse(body)

:func:`fetch` returns the raw bytes of a goroutine dump (pprof ``goroutine`` or
``goroutineleak`` profile, ``debug=1`` or ``debug=2``, or any text dump served over HTTP) and
raises :class:`CaptureError`, whose message is one line that says what went wrong and what to
do, for everything an on-call engineer meets in practice: a refused connection, a timeout, an
HTTP error status, a page that is not a dump (a login page in front of the service, a binary
``debug=0`` profile), a body cut off mid-way, a body over the size limit.

:func:`watch` fetches the same URL every ``interval`` seconds, for ``--watch``.

Only the standard library is used (``urllib``): one GET with a timeout needs no more, and a
CLI run against a production box should not depend on extra packages.
"""

from __future__ import annotations

import gzip
import http.client
import ipaddress
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "CaptureError", "fetch", "is_url", "watch"]

#: Seconds to wait for the connection and for each read (an inactivity timeout: a 300 MB
#: dump that keeps streaming is not cut off, a server that stops answering is).
DEFAULT_TIMEOUT = 10.0
#: Largest body accepted (after gzip decoding). pprof's own debug=2 buffer stops at 64 MB,
#: but a dump proxied or concatenated can be larger.
DEFAULT_MAX_BYTES = 512 << 20

#: How much of the body is looked at to decide whether it is a goroutine dump.
SNIFF_BYTES = 64 << 10
_CHUNK = 1 << 20
_MARKERS = (b"goroutine ", b"profile: total")
_USER_AGENT = "stackparse (+https://pkg.go.dev/net/http/pprof)"


class CaptureError(Exception):
    """A dump could not be fetched. ``str(err)`` is one line that says what to do.

    ``url`` is the URL that was asked for; ``status`` the HTTP status when there was one.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


def is_url(s: str) -> bool:
    """True when ``s`` is an ``http://`` or ``https://`` URL (what the CLI fetches instead of
    opening a file)."""
    return bool(re.match(r"(?i)^https?://", s.strip()))


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """GET ``url`` and return the body, a goroutine dump, as bytes (gzip decoded).

    Raises :class:`CaptureError` when the connection is refused or times out, the status is
    not 200, the body is not a goroutine dump, the body is shorter than its Content-Length
    (connection closed mid-way), or it is larger than ``max_bytes``.
    """
    if not is_url(url):
        raise CaptureError(f"not an http:// or https:// URL: {url!r}", url=url)
    parts = urllib.parse.urlsplit(url.strip())
    url = parts.geturl()
    where = parts.netloc or url
    if not parts.hostname:
        raise CaptureError(f"no host in URL {url!r}", url=url)
    req = urllib.request.Request(
        url, headers={"Accept-Encoding": "gzip", "User-Agent": _USER_AGENT, "Accept": "text/plain, */*"}
    )
    opener = _opener(parts.hostname)
    try:
        resp = opener.open(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        raise _http_error(url, e.code, e.reason, _peek(e)) from None
    except urllib.error.URLError as e:
        raise _connect_error(url, where, e.reason, timeout) from None
    except TimeoutError as e:
        raise _connect_error(url, where, e, timeout) from None
    except (http.client.HTTPException, OSError) as e:
        raise CaptureError(f"cannot fetch {url}: {_describe(e)}", url=url) from None

    with resp:
        status = resp.status
        if status != 200:
            raise _http_error(url, status, resp.reason, _peek(resp))
        ctype = resp.headers.get("Content-Type", "") or ""
        encoding = (resp.headers.get("Content-Encoding", "") or "").strip().lower()
        length = _content_length(resp.headers.get("Content-Length"))
        if length is not None and length > max_bytes and not encoding:
            raise _too_big(url, max_bytes, f"the server announces {length:,} bytes")
        raw = _read_body(resp, url, timeout=timeout, limit=max_bytes, length=length, encoded=bool(encoding))

    if encoding in ("gzip", "x-gzip") or raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, url, max_bytes)
    elif encoding not in ("", "identity"):
        raise CaptureError(f"unsupported Content-Encoding {encoding!r} from {url}", url=url)
    _sniff(raw, url, ctype, parts)
    return raw


def watch(
    url: str,
    interval: float,
    count: int | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[float, bytes]]:
    """Fetch ``url`` now and then every ``interval`` seconds; yield ``(time.time(), body)``.

    ``count`` bounds the number of dumps (``None``: until the caller stops iterating). The
    interval is measured from the start of one fetch to the start of the next, so a slow
    fetch does not make the samples drift. A :class:`CaptureError` stops the iteration (the
    caller decides whether to retry).
    """
    if interval <= 0:
        raise ValueError("interval must be > 0")
    if count is not None and count < 1:
        return
    n = 0
    next_at = clock()
    while True:
        stamp = time.time()
        body = fetch(url, timeout=timeout, max_bytes=max_bytes)
        n += 1
        yield stamp, body
        if count is not None and n >= count:
            return
        next_at += interval
        delay = next_at - clock()
        if delay > 0:
            sleep(delay)
        else:
            next_at = clock()  # fell behind: do not try to catch up with a burst


# --------------------------------------------------------------------------- internals


def _opener(host: str) -> urllib.request.OpenerDirector:
    """An opener that never sends a loopback request through an HTTP proxy from the
    environment (``http_proxy`` usually points at a box that cannot reach our localhost)."""
    handlers: list[urllib.request.BaseHandler] = []
    if _is_loopback(host):
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _content_length(v: str | None) -> int | None:
    if v is None:
        return None
    try:
        n = int(v.strip())
    except ValueError:
        return None
    return n if n >= 0 else None


def _read_body(resp, url: str, *, timeout: float, limit: int, length: int | None, encoded: bool) -> bytes:
    # A gzip body is held to the same limit before decoding; its decoded size is checked
    # again by _gunzip.
    chunks: list[bytes] = []
    got = 0
    while True:
        try:
            chunk = resp.read(_CHUNK)
        except http.client.IncompleteRead as e:
            got += len(e.partial)
            raise _cut_off(url, got, length if length is not None else (got + (e.expected or 0))) from None
        except TimeoutError:
            raise CaptureError(
                f"{url} stopped sending after {got:,} bytes (no data for {timeout:g}s); "
                "the process may be overloaded: retry, or raise --timeout",
                url=url,
            ) from None
        except (http.client.HTTPException, OSError) as e:
            raise CaptureError(
                f"connection to {url} failed after {got:,} bytes: {_describe(e)}; fetch again", url=url
            ) from None
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        if got > limit:
            raise _too_big(url, limit, f"more than {limit:,} {'compressed ' if encoded else ''}bytes came")
    if length is not None and got < length:
        raise _cut_off(url, got, length)
    return b"".join(chunks)


def _gunzip(raw: bytes, url: str, limit: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(raw, limit + 1)
    except zlib.error as e:
        raise CaptureError(
            f"{url} sent a gzip body that cannot be decoded ({e}); fetch again", url=url
        ) from None
    if len(out) > limit:
        raise _too_big(url, limit, "the gzip body decodes to more than that")
    if not d.eof:
        raise CaptureError(
            f"response cut off: the gzip body from {url} ends mid-stream ({len(raw):,} compressed bytes came); "
            "fetch again",
            url=url,
        )
    return out


def _sniff(raw: bytes, url: str, ctype: str, parts: urllib.parse.SplitResult) -> None:
    head = raw[:SNIFF_BYTES]
    stripped = head.lstrip()
    ct = ctype.split(";")[0].strip() or "no Content-Type"
    if not stripped:
        raise CaptureError(f"not a goroutine dump: {url} sent an empty body ({ct})", url=url)
    if stripped[:1] == b"<":
        title = _html_title(head)
        hint = (
            "a login or proxy page is in front of the service: fetch from inside the network, "
            "or save the dump with curl and pass the file"
        )
        raise CaptureError(
            f"not a goroutine dump (got {ct}{', page ' + repr(title) if title else ''}, "
            f"starts with {_excerpt(stripped)}): {hint}",
            url=url,
        )
    if any(m in head for m in _MARKERS):
        return
    if _looks_binary(head):
        q = urllib.parse.parse_qs(parts.query)
        if (
            parts.path.rstrip("/").endswith(("/goroutine", "/goroutineleak"))
            and q.get("debug", ["0"])[0] == "0"
        ):
            raise CaptureError(
                f"not a goroutine dump (got {ct}, a binary debug=0 profile): add ?debug=2 (full stacks) "
                "or ?debug=1 (counts) to the URL",
                url=url,
            )
        raise CaptureError(f"not a goroutine dump (got {ct}, binary data): check the URL", url=url)
    raise CaptureError(
        f"not a goroutine dump (got {ct}, starts with {_excerpt(stripped)}): "
        "point at /debug/pprof/goroutine?debug=2 of the service",
        url=url,
    )


def _looks_binary(b: bytes) -> bool:
    sample = b[:512]
    return b"\x00" in sample or sum(c < 9 or 13 < c < 32 for c in sample) > len(sample) // 10


def _html_title(b: bytes) -> str | None:
    m = re.search(rb"(?is)<title[^>]*>(.*?)</title>", b)
    if not m:
        return None
    t = " ".join(m.group(1).decode("utf-8", "replace").split())
    return t[:60] or None


def _excerpt(b: bytes, n: int = 40) -> str:
    first = b.split(b"\n", 1)[0][:n].decode("utf-8", "replace").strip()
    return repr(first + ("…" if len(first) >= n else ""))


def _peek(resp) -> str:
    """First line of an error body, for the message (servers often say why)."""
    try:
        b = resp.read(512)
    except (OSError, http.client.HTTPException):
        return ""
    if resp.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip"):
        try:
            b = gzip.decompress(b)
        except (OSError, EOFError, zlib.error):
            return ""
    text = b.decode("utf-8", "replace").strip()
    if text.startswith("<"):
        return ""
    return " ".join(text.splitlines()[:1])[:100]


def _http_error(url: str, status: int, reason: str | None, body: str) -> CaptureError:
    reason = (reason or http.client.responses.get(status, "")).strip()
    hints = {
        401: "the endpoint needs credentials: fetch with curl and pass the file",
        403: "the endpoint needs credentials: fetch with curl and pass the file",
        404: "is net/http/pprof imported and mounted at this path? try /debug/pprof/goroutine?debug=2",
    }
    hint = hints.get(status, "check the URL and the service's logs")
    said = f" ({body})" if body else ""
    return CaptureError(f"HTTP {status} {reason} from {url}{said}: {hint}", url=url, status=status)


def _connect_error(url: str, where: str, reason: object, timeout: float) -> CaptureError:
    if isinstance(reason, ConnectionRefusedError):
        msg = f"connection refused by {where}: is the service running, and is this its pprof port?"
    elif isinstance(reason, TimeoutError):
        msg = f"timed out after {timeout:g}s waiting for {where}: the process may be overloaded; raise --timeout"
    elif isinstance(reason, socket.gaierror):
        msg = f"cannot resolve host in {url}: check the host name"
    elif isinstance(reason, OSError):
        msg = f"cannot connect to {where}: {_describe(reason)}"
    else:
        msg = f"cannot fetch {url}: {reason}"
    return CaptureError(msg, url=url)


def _cut_off(url: str, got: int, expected: int | None) -> CaptureError:
    of = f" of {expected:,}" if expected else ""
    return CaptureError(
        f"response cut off: got {got:,}{of} bytes from {url} before the connection closed; fetch again",
        url=url,
    )


def _too_big(url: str, limit: int, why: str) -> CaptureError:
    return CaptureError(
        f"response from {url} is larger than the {limit:,}-byte limit ({why}): raise --max-bytes",
        url=url,
    )


def _describe(e: BaseException) -> str:
    s = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return " ".join(str(s).split())


def leak_profile_url(url: str) -> str | None:
    """The goroutineleak profile (Go 1.26+) of the service a goroutine-dump URL points at:
    ``.../debug/pprof/goroutine?debug=2`` -> ``.../debug/pprof/goroutineleak?debug=2``. None when
    ``url`` is not a pprof goroutine URL (then there is nothing to ask)."""
    parts = urllib.parse.urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if not path.endswith("/goroutine"):
        return None
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path + "leak", "debug=2", "")
    )


def fetch_leaked(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | None:
    """The service's goroutineleak profile, asked right after its goroutine dump at ``url``, or
    None when it does not serve one (a Go older than 1.26, or the profile not enabled: one 404
    is the whole cost). Other failures raise :class:`CaptureError`."""
    leak = leak_profile_url(url)
    if leak is None:
        return None
    try:
        return fetch(leak, timeout=timeout, max_bytes=max_bytes)
    except CaptureError as e:
        if e.status == 404:
            return None
        raise


def merge_leaked(dump: Any, leak_dump: Any) -> Any:
    """``dump`` with the runtime's ``(leaked)`` marks of ``leak_dump`` (the goroutineleak profile
    of the same process, taken just after): every goroutine the profile marks leaked, matched by
    id and stack (function names), is marked in ``dump``; the rest is left as it was."""
    import dataclasses

    marked = {
        g.id: tuple(f.function.full for f in g.frames) for g in getattr(leak_dump, "goroutines", ()) if g.leaked
    }
    if not marked:
        return dump
    changed = False
    out = []
    for g in dump.goroutines:
        funcs = marked.get(g.id)
        if funcs is not None and not g.leaked and _same_stack(funcs, tuple(f.function.full for f in g.frames)):
            g = g._replace(leaked=True)
            changed = True
        out.append(g)
    return dataclasses.replace(dump, goroutines=tuple(out)) if changed else dump


def _same_stack(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The user frames agree (the runtime frames differ between the two profiles' levels)."""

    def user(fs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f for f in fs if not f.startswith(("runtime.", "internal/", "sync.")))

    return user(a) == user(b)
