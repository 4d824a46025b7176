"""The HTTP servers we start (the API in `sentinel serve`, the proxy) and their limits
against hostile clients.

uvicorn's httptools protocol has no header size limit and no header or body read
timeout: a 64 MB header is buffered whole before the app (and its authentication)
sees the request, and a client sending one header byte per second holds its
connection forever. `LimitedHttpToolsProtocol` is uvicorn's own protocol with those
limits added where the bytes arrive:

* request line plus headers (and a chunked body's trailers, which are dropped) at most
  `max_header_bytes` (SENTINEL_HTTP_MAX_HEADER_BYTES), one line at most
  `max_line_bytes`: beyond either, 431 and the connection is closed, having buffered
  no more than the limit;
* the headers must be complete `header_timeout` after the request's first byte (or
  after connecting), the body `body_timeout` after the headers: else 408 and close;
* idle keep-alive connections close after `keep_alive`;
* at most `max_concurrency` connections plus requests in flight; requests beyond get
  uvicorn's 503 (its `limit_concurrency`).

Body sizes are capped by the apps' `BodySizeLimit` (413 before any parsing).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from sentinel.config import Settings


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int = 32 * 1024
    max_line_bytes: int = 8 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: float = 5.0
    max_concurrency: int = 256

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            max_header_bytes=settings.http_max_header_bytes,
            max_line_bytes=settings.http_max_header_line_bytes,
            header_timeout=settings.http_header_timeout.total_seconds(),
            body_timeout=settings.http_body_timeout.total_seconds(),
            keep_alive=settings.http_keep_alive.total_seconds(),
            max_concurrency=settings.http_max_concurrency,
        )


class _HeaderTooLarge(Exception):
    """Raised from a parser callback; httptools re-raises it from feed_data."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above (see the module docstring)."""

    limits = ConnectionLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._header_bytes = 0
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        self._refuse(408)

    def _refuse(self, status: int) -> None:
        """Answer `status` with an empty body and close; nothing else is read. In the
        middle of a response (a pipelined request) there is no room for an answer: the
        connection just closes."""
        self._disarm()
        cycle = self.cycle
        answering = cycle is not None and cycle.response_started and not cycle.response_complete
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app (if running) sees a disconnect
            cycle.message_event.set()
        if not self.transport.is_closing():
            if not answering:
                self.transport.write(
                    STATUS_LINE[status] + b"content-length: 0\r\nconnection: close\r\n\r\n"
                )
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        self._unset_keepalive_if_required()
        if self._awaiting_headers:
            if self._timer is None:  # first byte of a keep-alive connection's next request
                self._arm(self.limits.header_timeout)
            room = self.limits.max_header_bytes - self._header_bytes
            if len(data) > room:
                head, rest = data[: max(room, 0)], data[max(room, 0) :]
                self._header_bytes += len(head)
                self._feed(head)
                if self._awaiting_headers:
                    self._refuse(431)
                elif rest and not self.transport.is_closing():
                    self.data_received(rest)
                return
            self._header_bytes += len(data)
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _HeaderTooLarge):
                self._refuse(431)
            else:
                self._refuse(400)
        except httptools.HttpParserUpgrade:
            pass  # e.g. h2c: served as HTTP/1.1, as uvicorn does (we have no WebSocket)

    # parser callbacks --------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_headers = True

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.limits.max_line_bytes:
            raise _HeaderTooLarge
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) + 2 > self.limits.max_line_bytes:
            raise _HeaderTooLarge
        if not self._awaiting_headers:
            # A chunked body's trailer: it counts against the header budget (else an
            # endless trailer section is buffered unbounded, before any authentication)
            # and is dropped: uvicorn would append it to the scope's headers after the
            # middleware checked them.
            self._header_bytes += len(name) + len(value) + 4
            if self._header_bytes > self.limits.max_header_bytes:
                raise _HeaderTooLarge
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._arm(self.limits.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._awaiting_headers, self._header_bytes = True, 0  # the next request's, if any
        super().on_message_complete()


def protocol_for(limits: ConnectionLimits) -> type[LimitedHttpToolsProtocol]:
    """A protocol class bound to `limits` (uvicorn instantiates it per connection)."""
    return type("LimitedHttpToolsProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})


def server_config(app: Any, host: str, port: int, settings: Settings, **options: Any) -> Any:
    """The uvicorn.Config every server we start uses: our protocol and limits."""
    limits = ConnectionLimits.from_settings(settings)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_for(limits),
        ws="none",
        timeout_keep_alive=max(1, round(limits.keep_alive)),
        limit_concurrency=limits.max_concurrency,
        server_header=False,
        **options,
    )
