"""An httpx transport for HTTP/1.1 chat calls on asyncio: a Protocol per connection,
responses parsed by httptools (llhttp, C).

Why not httpx's `AsyncHTTPTransport`: httpcore drives its connections through anyio
streams and parses with the pure-Python h11, which on loopback cost the proxy ~1.5 ms
of CPU per call before the first response byte (more than the rest of a proxied call
together) and sent each request in two writes. Here a request is one write and the
response is parsed as it arrives, in C. Like `sentinel.client.http1` for the sync
client, this is only the wire: httpx still builds requests, decodes gzip, iterates
streams and raises its exceptions, so the client sees the same `AsyncBaseTransport`
seam. It keeps a keep-alive pool per origin (bounded by `Limits.max_connections`; idle
connections dropped after `keepalive_expiry` or once the server closed them), TLS with
the given context, and the request's connect/read/write/pool timeouts. HTTP/2 and
outbound proxies stay on httpx's transport (see `sentinel.client.async_`).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator

import httptools
import httpx

from sentinel.client.deadline import first_byte_timeout, idle_timeout
from sentinel.client.http1 import Origin, origin_of
from sentinel.client.http1_wire import Answer, RawHeaders, request_head, whole_answer, wire_body

_HIGH_WATER = 256 * 1024  # body bytes buffered before reading from the socket pauses


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Connection(asyncio.Protocol):
    """One connection, one response at a time (no pipelining)."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.lost = False
        self.active = False  # between sending a request and releasing its response
        self.idle_since = 0.0
        self._writable: asyncio.Future[None] | None = None
        self._begin()

    def _begin(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self._interim = False
        self.complete = False
        self.keep_alive = False
        self.error: Exception | None = None
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        if not self.active:  # bytes on an idle connection: it cannot carry a request
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"invalid HTTP response: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.headers_done and exc is None and not self._framed():
            self.complete = True  # a body without length or chunking ends with the connection
            self._wake()
        if not self.complete:
            self._fail(
                httpx.ReadError(f"{type(exc).__name__}: {exc}")
                if exc is not None
                else httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message"
                )
            )
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    def _framed(self) -> bool:
        return any(n.lower() in (b"content-length", b"transfer-encoding") for n, _ in self.headers)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:  # informational (103 Early Hints): the response follows
            self.headers = []
            self._interim = True
            return
        self.status = status
        self.headers_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()
        self._wake()

    # the client's side
    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    async def _wait(self, timeout: float | None, started: bool, capped: bool = False) -> None:
        """Wait for the protocol; past `timeout`, the error names which timeout fired:
        the first byte's, the idle one's (`started`) or the total's (`capped`). The
        timer fails our own future (an `asyncio.timeout` block costs a Timeout object,
        a reschedule and the task's uncancel bookkeeping on every wait)."""
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        except TimeoutError:
            if capped:
                raise httpx.ReadTimeout("the call's total timeout ran out") from None
            raise (idle_timeout if started else first_byte_timeout)(timeout) from None
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
                if waiter.done() and not waiter.cancelled():
                    waiter.exception()  # retrieved, had a cancellation raced the timer

    async def send(self, head: bytes, body: bytes, timeout: float | None) -> None:
        if self.lost or self.transport is None:  # closed by the server since it connected
            raise httpx.WriteError("connection closed before the request was sent")
        self._begin()
        self.active = True
        self.transport.write(head + body)
        if self._writable is not None:
            try:
                async with asyncio.timeout(timeout):
                    await self._writable
            except TimeoutError:
                raise httpx.WriteTimeout("timed out sending the request") from None
        if self.lost and not self.headers_done:
            raise self.error or httpx.WriteError("connection closed while sending")

    async def response_head(self, timeout: float | None) -> None:
        while not self.headers_done:
            if self.error is not None:
                raise self.error
            await self._wait(timeout, started=False)

    async def body(self, timeout: float | None, deadline: float | None) -> AsyncIterator[bytes]:
        """The body as it arrives; each wait lasts at most `timeout` (idle between reads)
        and never past `deadline` (time.monotonic(): the call's total budget)."""
        body = self._body
        while True:
            while body:
                # what arrived so far in one piece (one HTTP chunk per SSE event, several
                # per network read): a stream's events then go on, and are screened, together
                chunk = body.popleft() if len(body) == 1 else b"".join(body)
                body.clear()
                self._buffered -= len(chunk)
                yield chunk
            if self.complete:
                return
            if self.error is not None:
                raise self.error
            if self.transport is not None and self._buffered <= _HIGH_WATER:
                self.transport.resume_reading()
            wait, capped = timeout, False
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise httpx.ReadTimeout("the call's total timeout ran out")
                if wait is None or left < wait:
                    wait, capped = left, True
            await self._wait(wait, started=True, capped=capped)

    def take_body(self) -> bytes:
        """All the body that arrived (once the response is complete)."""
        body = self._body
        raw = body.popleft() if len(body) == 1 else b"".join(body)
        body.clear()
        self._buffered = 0
        return raw

    @property
    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.lost

    def close(self) -> None:
        self.lost = True
        if self.transport is not None:
            self.transport.close()


class _Body(httpx.AsyncByteStream):
    """The response body; closing it hands the connection back (or closes it when the
    body was not read to the end or the server asked to close)."""

    def __init__(
        self, pool: _Pool, conn: _Connection, timeout: float | None, deadline: float | None
    ) -> None:
        self._pool = pool
        self.conn = conn  # whose status and headers the response has
        self._conn: _Connection | None = conn  # None once handed back
        self._timeout = timeout
        self._deadline = deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        assert conn is not None
        try:
            async for chunk in conn.body(self._timeout, self._deadline):
                yield chunk
        except BaseException:
            await self.aclose()
            raise

    async def read(self) -> bytes:
        """The whole body, then the connection handed back (a call that does not
        stream: a small answer has mostly come in with its head already)."""
        conn = self._conn
        assert conn is not None
        raw = conn.take_body() if conn.complete else b"".join([c async for c in self])
        await self.aclose()
        return raw

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._pool.release(conn)


class _Pool:
    """One event loop's connections: asyncio connections (and semaphores) belong to the
    loop that made them, so a client used from several loops (asyncio.run twice, a loop
    per thread) keeps one pool per loop."""

    def __init__(self, limits: httpx.Limits) -> None:
        self.expiry = limits.keepalive_expiry
        self.max_idle = limits.max_keepalive_connections
        n = limits.max_connections
        self.slots = asyncio.BoundedSemaphore(n) if n is not None else None
        self.idle: dict[Origin, list[_Connection]] = {}
        self.closed = False

    async def acquire(self, timeout: float | None) -> None:
        slots = self.slots
        if slots is not None and not slots.locked():
            await slots.acquire()  # free: returns at once (no timeout block to pay for)
        elif slots is not None:
            try:
                async with asyncio.timeout(timeout):
                    await self.slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no free connection in time") from None

    def release_slot(self) -> None:
        if self.slots is not None:
            self.slots.release()

    def idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self.idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if not conn.lost and (self.expiry is None or now - conn.idle_since <= self.expiry):
                return conn
            conn.close()
        return None

    def release(self, conn: _Connection) -> None:
        conn.active = False
        self.release_slot()
        idle = self.idle.setdefault(conn.origin, [])
        full = self.max_idle is not None and len(idle) >= self.max_idle
        if self.closed or full or not conn.reusable:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def close(self) -> None:
        self.closed = True
        for idle in self.idle.values():
            for conn in idle:
                conn.close()
        self.idle.clear()


class AsyncHTTP1Transport(httpx.AsyncBaseTransport):
    def __init__(self, *, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._ssl = verify
        self._limits = limits
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool] = (
            weakref.WeakKeyDictionary()
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        url = request.url
        head = request_head(request.method, url.raw_path, request.headers.raw)
        body = wire_body(request)
        if body is None:
            body = await request.aread()
        stream = await self._exchange(origin_of(url), head, body, timeouts)
        conn = stream.conn
        return httpx.Response(
            conn.status,
            headers=conn.headers,
            stream=stream,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def send_whole(
        self, origin: Origin, head: bytes, body: bytes, timeouts: dict[str, float | None]
    ) -> Answer | httpx.Response:
        """A call that does not stream: its whole answer, the connection handed back
        before it returns (see `sentinel.client.http1.HTTP1Transport.send_whole`)."""
        stream = await self._exchange(origin, head, body, timeouts)
        conn = stream.conn
        status, headers = conn.status, conn.headers
        return whole_answer(status, RawHeaders(headers), await stream.read())

    async def _exchange(
        self, origin: Origin, head: bytes, body: bytes, timeouts: dict[str, float | None]
    ) -> _Body:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = _Pool(self._limits)
        await pool.acquire(timeouts.get("pool"))
        try:
            total = timeouts.get("total")
            deadline = None if total is None else time.monotonic() + total
            conn = pool.idle_connection(origin) or await self._connect(
                origin, timeouts.get("connect")
            )
            try:
                await conn.send(head, body, timeouts.get("write"))
                await conn.response_head(timeouts.get("first_byte", timeouts.get("read")))
            except BaseException:  # failed or cancelled mid-exchange: its state is unknown
                conn.close()
                raise
        except BaseException:
            pool.release_slot()
            raise
        return _Body(pool, conn, timeouts.get("read"), deadline)

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        tls = scheme == b"https"
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(origin),
                    host,
                    port,
                    ssl=self._ssl if tls else None,
                    server_hostname=host if tls else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:  # incl. ssl.SSLError: a refused handshake (TLS < 1.2)
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from None
        return conn

    async def aclose(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            pool.close()
