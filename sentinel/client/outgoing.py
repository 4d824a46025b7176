"""One attempt's request as it leaves: the client's constant headers encoded once and
the call's own added in wire form, the body gzipped from SENTINEL_GZIP_MIN_BYTES, the
timeouts capped by what is left of the call's total. Built either as an `httpx.Request`
(streams, httpx's transports, an app's) or as head and body bytes for our own HTTP/1.1
transports' `send_whole` (a call that does not stream: no httpx objects at all).
"""

from __future__ import annotations

import gzip

import httpx

from sentinel.client.core import CHAT_PATH, ClientCore
from sentinel.client.http1 import Origin, origin_of
from sentinel.client.http1_wire import WireBody, request_head
from sentinel.client.resilience import CallPolicy

Timeouts = dict[str, float | None]


def chat_request(
    core: ClientCore,
    index: int,
    content: bytes,
    token: str,
    request_id: str,
    policy: CallPolicy,
    path: str = CHAT_PATH,
) -> httpx.Request:
    """The request for one attempt, with its headers already in wire form: passing a
    ready stream and Host/Content-Length skips httpx's header normalisation and body
    encoding (~30 us of a call's CPU on loopback)."""
    data, headers = _wire_headers(core, index, content, token, request_id)
    return httpx.Request(
        "POST",
        _url(core, index, path),
        stream=WireBody(data),
        headers=headers,
        extensions={"timeout": attempt_timeout(core, policy)},
    )


def wire_request(
    core: ClientCore,
    index: int,
    content: bytes,
    token: str,
    request_id: str,
    policy: CallPolicy,
    path: str = CHAT_PATH,
) -> tuple[Origin, bytes, bytes, Timeouts]:
    """The same attempt for our own transports' `send_whole`: origin, request head and
    body in wire form, timeouts."""
    data, headers = _wire_headers(core, index, content, token, request_id)
    target = core.wire_targets.get((index, path))
    if target is None:
        url = _url(core, index, path)
        target = core.wire_targets[(index, path)] = (origin_of(url), url.raw_path)
    origin, raw_path = target
    return origin, request_head("POST", raw_path, headers), data, attempt_timeout(core, policy)


def _url(core: ClientCore, index: int, path: str) -> httpx.URL:
    """The chat URL of each endpoint is built once (`chat_urls`); other paths per call."""
    return core.chat_urls[index] if path == CHAT_PATH else core.url(index, path)


def _wire_headers(
    core: ClientCore, index: int, content: bytes, token: str, request_id: str
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    data, headers = encode(core, content, token, request_id)
    headers.append((b"host", core.hosts_raw[index]))
    headers.append((b"content-length", str(len(data)).encode()))
    return data, headers


def encode(
    core: ClientCore, body: bytes, token: str, request_id: str
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    headers = [
        *core.base_headers_raw,
        (b"authorization", b"Bearer " + token.encode("ascii")),
        (b"x-request-id", request_id.encode("ascii")),
    ]
    if core.gzip_min_bytes is not None and len(body) >= core.gzip_min_bytes:
        body = gzip.compress(body, compresslevel=5)
        headers.append((b"content-encoding", b"gzip"))
    return body, headers


def attempt_timeout(core: ClientCore, policy: CallPolicy) -> Timeouts:
    """Per-attempt timeout capped by what is left of the total call budget, which our
    transports also keep while the body is read (`total`, from the send)."""
    remaining = policy.remaining()
    if remaining is None:
        return core.timeout_ext
    settings = core.settings
    if remaining >= settings.read_timeout:
        return {**core.timeout_ext, "total": remaining}
    remaining = max(remaining, 0.001)
    connect = min(remaining, settings.connect_timeout)
    capped = httpx.Timeout(remaining, connect=connect, pool=connect).as_dict()
    first_byte = min(remaining, settings.first_byte_timeout)
    return {**capped, "first_byte": first_byte, "total": remaining}
