"""HTTP/1.1 on the wire for `sentinel.client.http1`: the request head built in wire form
(sent with the body in one write) and the response's header block read without
http.client's email.parser pass. Both were measurable parts of a call's CPU on
loopback; the checks http.client makes (header names and values, line length and
count) are kept."""

from __future__ import annotations

import contextlib
import http.client
import re
from collections.abc import Sequence
from typing import Any

import httpx

_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
_BAD_VALUE = re.compile(rb"[\r\n\0]")
_MAX_LINE, _MAX_HEADERS = 65536, 100  # http.client's _MAXLINE and _MAXHEADERS
_CHECKED: set[tuple[bytes, bytes]] = set()  # header pairs request_head has let through
_CHECKED_MAX = 256  # per-call values (request ids) pass once each; a full set starts over


class _Headers:
    """A response's header block: what `HTTPResponse` reads of its `headers` (get,
    get_all, items), without the email.parser pass http.client runs over it."""

    __slots__ = ("_by_name", "_items")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._by_name: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            have = self._by_name.get(key)
            self._by_name[key] = value if have is None else f"{have}, {value}"

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._by_name.get(name.lower(), default)

    def get_all(self, name: str, default: list[str] | None = None) -> list[str] | None:
        key = name.lower()
        found = [v for n, v in self._items if n.lower() == key]
        return found or default

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


def read_headers(fp: Any) -> _Headers:
    """Header lines up to the blank line, with http.client's limits (line length and
    count); a folded line (leading blank) continues the previous value, a line with
    no colon is ignored, as email.parser leaves it out of the headers."""
    items: list[tuple[str, str]] = []
    while True:
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return _Headers(items)
        if len(items) >= _MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and items:
            name, value = items[-1]
            items[-1] = (name, f"{value} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if colon:
            items.append((name.strip(), value.strip()))


class Response(http.client.HTTPResponse):
    """`HTTPResponse` reading its headers with `read_headers`: http.client parses them
    with email.parser, ~25 us of a call's CPU for a handful of headers (the rest of
    `begin`, below, is http.client's own logic)."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if status != http.client.CONTINUE:
                break
            read_headers(self.fp)  # a 100 Continue's headers are skipped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = read_headers(self.fp)  # type: ignore[assignment]
        encoding = self.headers.get("transfer-encoding")
        self.chunked = bool(encoding and encoding.lower() == "chunked")  # type: ignore[assignment]
        self.chunk_left = None  # type: ignore[assignment]
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            with contextlib.suppress(ValueError):
                self.length = int(length) if int(length) >= 0 else None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


def request_head(method: str, path: bytes, headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    """The request line and headers in wire form, checked as `http.client.putheader`
    checks them (no CR, LF or NUL in a value, a token for a name), so a value smuggling
    a header in is refused (ValueError). Sent with the body in one `sendall`: the
    connection's putrequest/putheader/endheaders cost ~2 us a header and sent headers
    and body in two writes, each waking the server. A pair that passed is remembered:
    most of a call's headers are the same on every call (two regex runs each, else)."""
    lines = [b"%s %s HTTP/1.1" % (method.encode("ascii"), path)]
    checked = _CHECKED
    for header in headers:
        name, value = header
        if header not in checked:
            if not _NAME.fullmatch(name) or _BAD_VALUE.search(value):
                raise ValueError(f"invalid header {name!r}")
            if len(checked) >= _CHECKED_MAX:
                checked.clear()
            checked.add(header)
        lines.append(name + b": " + value)
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


class WireBody(httpx.ByteStream):
    """A request body already in wire form: the transports send `data` as it is
    (httpx's `Request.read()` would iterate the stream to join it again)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.data = data


def wire_body(request: httpx.Request) -> bytes | None:
    """The body of a request built with `WireBody`, or None (then read it from httpx)."""
    stream = request.stream
    return stream.data if type(stream) is WireBody else None


class RawHeaders:
    """Response headers as received (name, value bytes): what an `Answer` is asked for
    (a `retry-after`, a `content-encoding`), looked up when asked."""

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self._raw = raw

    def get(self, name: str, default: str | None = None) -> str | None:
        key = name.lower().encode("ascii")
        for n, v in self._raw:
            if n.lower() == key:
                return v.decode("iso-8859-1")
        return default

    def items(self) -> list[tuple[bytes, bytes]]:
        return list(self._raw)


class Answer:
    """A whole answer from one of our transports, for a call that does not stream: what
    the attempt loop reads of a response (status, headers, body) without an
    `httpx.Response`, whose construction, header normalisation and stream, decoder and
    chunker layers cost ~9 us a call in a loop, 2-4x that inside one. `read` and
    `close` are there so that the loop treats it as it treats a response."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: RawHeaders | Any, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers  # anything with get(name) and items()
        self.content = content

    def read(self) -> bytes:
        return self.content

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def whole_answer(status: int, headers: RawHeaders | Any, raw: bytes) -> Answer | httpx.Response:
    """The answer of a body read whole (`raw`, as on the wire); a coded one (gzip,
    deflate) is decoded by httpx, as its own transports' answers are."""
    if headers.get("content-encoding") is None:
        return Answer(status, headers, raw)
    response = httpx.Response(status, headers=headers.items(), stream=httpx.ByteStream(raw))
    response.read()
    return response
