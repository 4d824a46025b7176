"""An httpx transport for HTTP/1.1 chat calls on the standard library's `http.client`.

Why not httpx's own `HTTPTransport`: on loopback its httpcore + h11 stack costs
~0.5 ms of CPU per request, about half of what a fully instrumented Sentinel call
costs in all; `http.client` (C-buffered reads, headers and body in one send) does the
same exchange in well under half that. The transport is only the wire: httpx still
builds the request, decodes gzip, iterates streams and raises its exceptions, so the
rest of the client and every test transport see the same seam (`httpx.BaseTransport`).

It keeps what the chat path needs from a client: a keep-alive pool per origin
(bounded by `Limits.max_connections`, idle connections dropped after
`keepalive_expiry` or when the server closed them), TLS through the given
`ssl.SSLContext` (TLS 1.2 minimum, see `sentinel.client.tls`), connect/read/write/pool
timeouts from the request's `timeout` extension, and httpx's exception types. HTTP/2
and outbound proxies stay on httpx's transport (`sentinel.client.transport`).
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import httpx

from sentinel.client.deadline import first_byte_timeout, idle_timeout
from sentinel.client.http1_wire import Answer, Response, request_head, whole_answer, wire_body

Origin = tuple[bytes, str, int]
_READ = 65536


def origin_of(url: httpx.URL) -> Origin:
    """The pool key: scheme, host and port (the scheme's default when the URL has none)."""
    return url.raw_scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


class _Connection:
    __slots__ = ("conn", "idle_since", "origin")

    def __init__(self, conn: http.client.HTTPConnection, origin: Origin) -> None:
        self.conn = conn
        self.origin = origin
        self.idle_since = 0.0

    def reusable(self, now: float, expiry: float | None) -> bool:
        """Not expired and not closed by the server while idle (an idle socket that
        polls readable has EOF or junk on it: either way it cannot carry a request)."""
        sock = self.conn.sock
        if sock is None or (expiry is not None and now - self.idle_since > expiry):
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable


class ResponseBody(httpx.SyncByteStream):
    """The response body; closing it hands the connection back (or closes it when the
    body was not read to the end or the server asked to close)."""

    def __init__(
        self,
        pool: HTTP1Transport,
        connection: _Connection,
        response: http.client.HTTPResponse,
        read: float | None = None,
        deadline: float | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection
        self._response = response
        self._read = read
        self._deadline = deadline  # time.monotonic() when the call's total budget ends
        self._capped = False  # a read now waits only for what is left of the budget
        self._sock = sock  # kept: http.client drops it from the connection on `close`

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        try:
            while True:
                if self._deadline is not None:
                    self._cap_read()
                chunk = response.read1(_READ)
                if not chunk:
                    break
                yield chunk
        except GeneratorExit:  # the reader stopped early; close() decides about reuse
            raise
        except BaseException as exc:
            self.close()
            if self._capped and isinstance(exc, TimeoutError):
                raise httpx.ReadTimeout("the call's total timeout ran out") from exc
            if isinstance(exc, TimeoutError) and self._read is not None:
                raise idle_timeout(self._read) from exc
            raise _mapped(exc, httpx.ReadTimeout, httpx.ReadError) from exc
        if response.length:  # read1 reports a sized body cut short as a quiet end
            self.close()
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            )

    def _cap_read(self) -> None:
        """A read may wait no longer than the call has left (a body that trickles, then
        stops, would otherwise overrun the total by up to one idle timeout)."""
        assert self._deadline is not None
        left = self._deadline - time.monotonic()
        read = self._read
        if (read is None or left < read) and self._sock is not None:
            self._capped = True
            if left <= 0:
                raise TimeoutError("the call's total timeout ran out")
            self._sock.settimeout(left)

    def drain(self, limit: float) -> None:
        """Read what is left of a body whose content is all consumed (a stream after
        `data: [DONE]`: normally just the chunked terminator) for at most `limit`
        seconds, so close() can pool the connection; an upstream that keeps the body
        open only loses the reuse."""
        connection, response = self._connection, self._response
        if connection is None or connection.conn.sock is None:
            return
        deadline = time.monotonic() + limit
        with contextlib.suppress(Exception):
            connection.conn.sock.settimeout(limit)
            while time.monotonic() < deadline and response.read1(_READ):
                pass

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            response = self._response
            # read to the end: chunked bodies close themselves, sized ones count down
            done = response.isclosed() or response.length == 0
            response.close()
            self._pool._release(connection, done and not response.will_close)


def _settimeout(sock: socket.socket, timeout: float | None) -> None:
    """`settimeout` makes an ioctl each time, even when the value and the socket's mode
    stay the same (three a call: write, first byte, then idle reads)."""
    if sock.gettimeout() != timeout:
        sock.settimeout(timeout)


def _mapped(
    exc: BaseException, timeout: type[httpx.TimeoutException], other: type[httpx.TransportError]
) -> BaseException:
    if isinstance(exc, TimeoutError):
        return timeout(str(exc) or type(exc).__name__)
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message"
            if isinstance(exc, http.client.IncompleteRead | http.client.RemoteDisconnected)
            else f"invalid HTTP response: {type(exc).__name__}"
        )
    if isinstance(exc, OSError):
        return other(f"{type(exc).__name__}: {exc}")
    return exc


class HTTP1Transport(httpx.BaseTransport):
    def __init__(self, *, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._ssl = verify
        self._expiry = limits.keepalive_expiry
        self._max_idle = limits.max_keepalive_connections
        self._slots = (
            threading.BoundedSemaphore(limits.max_connections)
            if limits.max_connections is not None
            else None
        )
        self._idle: dict[Origin, list[_Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        url = request.url
        body = wire_body(request)
        if body is None:
            body = request.read()
        head = request_head(request.method, url.raw_path, request.headers.raw)
        stream = self._exchange(origin_of(url), request.method, head, body, timeouts)
        response = stream._response
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=stream,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": response.reason.encode("ascii", "replace"),
            },
        )

    def send_whole(
        self, origin: Origin, head: bytes, body: bytes, timeouts: dict[str, float | None]
    ) -> Answer | httpx.Response:
        """A call that does not stream (head and body in wire form, see
        `sentinel.client.outgoing`): its whole answer, read with the timeouts and error
        mapping of a streamed read, the connection handed back before it returns."""
        stream = self._exchange(origin, "POST", head, body, timeouts)
        raw = b"".join(stream)  # on an error the body closes itself, freeing the slot
        stream.close()
        response = stream._response
        return whole_answer(response.status, response.headers, raw)

    def _exchange(
        self,
        origin: Origin,
        method: str,
        head: bytes,
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> ResponseBody:
        self._acquire(timeouts.get("pool"))
        try:
            return self._roundtrip(origin, method, head + body, timeouts)
        except BaseException:
            self._release_slot()
            raise

    def _roundtrip(
        self, origin: Origin, method: str, data: bytes, timeouts: dict[str, float | None]
    ) -> ResponseBody:
        """Send the request, read the response head; the body is the caller's to read."""
        total = timeouts.get("total")
        deadline = None if total is None else time.monotonic() + total
        connection = self._idle_connection(origin)
        reused = connection is not None
        while True:
            if connection is None:
                connection = self._connect(origin, timeouts.get("connect"))
            conn = connection.conn
            try:
                assert conn.sock is not None
                _settimeout(conn.sock, timeouts.get("write"))
                conn.sock.sendall(data)
            except BaseException as exc:
                conn.close()
                if reused and isinstance(exc, OSError) and not isinstance(exc, TimeoutError):
                    connection, reused = None, False  # the server closed it while idle
                    continue
                raise _mapped(exc, httpx.WriteTimeout, httpx.WriteError) from exc
            try:
                sock = conn.sock
                first_byte = timeouts.get("first_byte", timeouts.get("read"))
                _settimeout(sock, first_byte)
                response = Response(sock, method=method)
                response.begin()
                _settimeout(sock, timeouts.get("read"))  # then: idle between reads
            except BaseException as exc:
                conn.close()
                if isinstance(exc, TimeoutError) and first_byte is not None:
                    raise first_byte_timeout(first_byte) from exc
                raise _mapped(exc, httpx.ReadTimeout, httpx.ReadError) from exc
            return ResponseBody(self, connection, response, timeouts.get("read"), deadline, sock)

    def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        conn: http.client.HTTPConnection
        if scheme == b"https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.connect()
        except BaseException as exc:
            conn.close()
            raise _mapped(exc, httpx.ConnectTimeout, httpx.ConnectError) from exc
        return _Connection(conn, origin)

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        now = time.monotonic()
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                if not idle:
                    return None
                connection = idle.pop()
            if connection.reusable(now, self._expiry):
                return connection
            connection.conn.close()

    def _acquire(self, timeout: float | None) -> None:
        if self._slots is not None and not self._slots.acquire(timeout=timeout):
            raise httpx.PoolTimeout("no connection free in the pool within the pool timeout")

    def _release_slot(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def _release(self, connection: _Connection, keep: bool) -> None:
        try:
            if keep and not self._closed:
                connection.idle_since = time.monotonic()
                with self._lock:
                    idle = self._idle.setdefault(connection.origin, [])
                    if self._max_idle is None or len(idle) < self._max_idle:
                        idle.append(connection)
                        return
            connection.conn.close()
        finally:
            self._release_slot()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.conn.close()
