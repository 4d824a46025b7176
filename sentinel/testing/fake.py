"""FakeDeepSeek: an OpenAI-compatible DeepSeek stand-in on a real loopback socket.

Apps (and Sentinel's own tests, demo and benchmarks) test against real HTTP, so
connection pooling, timeouts, dropped connections and half-sent streams behave as they
do in production. It is a small asyncio + h11 server rather than an ASGI app because
the faults worth testing (abort the socket mid-stream, close without answering) live
below what ASGI lets an app do.

    from sentinel.testing import FakeDeepSeek, Fault

    with FakeDeepSeek() as fake:                # background thread, ephemeral port
        fake.script(429, 500, 200)              # the next three chat requests
        fake.fail_always(503)                   # then every request: 503
        fake.fail(Fault.truncate(2), endpoint="chat")
        fake.set_latency(0.05)
        fake.chunk_delay = 0.1                  # a stream's chunks 100 ms apart
        fake.clock_skew = 30.0                  # its `Date` header runs 30 s ahead
        client = Sentinel(base_url=fake.url, api_key=fake.api_key)
        ...
        fake.requests                           # what the server received

Endpoints: `POST /chat/completions` ("chat", also under /v1), `GET /models` ("models"),
`POST /oauth/token` ("token", OAuth2 client credentials), `POST /beta/completions`
("fim"), `GET /user/balance` ("balance"; set `fake.balances`). Replies are deterministic:
the completion echoes the last user message, usage counts words. It speaks DeepSeek V4
(thinking mode with `reasoning_content`, tool calls, prefix-cache hit/miss tokens,
retired aliases refused): see `sentinel.testing.v4`.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import gzip
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import h11

from sentinel.testing import v4
from sentinel.testing.faults import ENDPOINTS, Fault, FaultPlan
from sentinel.testing.wire import error_body, read_request, send_json

_PATHS = {
    "/chat/completions": "chat",
    "/beta/chat/completions": "chat",  # chat prefix completion
    "/models": "models",
    "/oauth/token": "token",
    "/beta/completions": "fim",
    "/user/balance": "balance",
}


def echo_reply(messages: list[dict[str, Any]]) -> str:
    """Default completion: echo the last user message, so tests can tell replies apart."""
    for m in reversed(messages):
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            return f"Echo: {m['content']}"
    return "Echo."


@dataclass
class RecordedRequest:
    """One request the server received (after any fault was chosen for it)."""

    method: str
    path: str
    endpoint: str | None
    headers: dict[str, str]
    body: bytes
    fault: Fault
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class FakeDeepSeek:
    """A fake DeepSeek API server with scriptable faults; see the module docstring.

    Arguments: `host`/`port` (default an ephemeral port on 127.0.0.1), `api_key` (the
    Bearer key it accepts), `oauth_client_id`/`oauth_client_secret` and `token_ttl` (the
    OAuth2 client-credentials endpoint; tokens live 2 h like DeepSeek's guide says),
    `models` (for GET /models), `reply` (messages -> completion text; echoes the last
    user message by default), `keepalive_comments` (`: keep-alive` lines sent before a
    stream's first chunk, as DeepSeek does while the model thinks), `chunk_delay` (seconds
    between a stream's chunks, as a model generates tokens: lets a test tell a streaming
    relay from a buffering one), `queue_delay` (seconds a stream waits "queued" before its
    first chunk, spread over its keep-alive lines), `thinking_default` (V4: on),
    `balances` (currency -> amount for GET /user/balance; settable).

    Thread-safe: a test scripts faults from its own thread while the server runs in a
    background thread with its own event loop.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = "sk-fake-deepseek-key",
        oauth_client_id: str = "fake-client",
        oauth_client_secret: str = "fake-client-secret",
        token_ttl: float = 7200.0,
        models: Iterable[str] = v4.MODELS,
        reply: Callable[[list[dict[str, Any]]], str] = echo_reply,
        keepalive_comments: int = 1,
        clock_skew: float = 0.0,
        chunk_delay: float = 0.0,
        queue_delay: float = 0.0,
        thinking_default: bool = True,
        balances: dict[str, float] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key
        self.oauth_client_id = oauth_client_id
        self.oauth_client_secret = oauth_client_secret
        self.token_ttl = token_ttl
        self.models = list(models)
        self.reply = reply
        self.keepalive_comments = keepalive_comments
        # Seconds added to the `Date` header, to test clock-skew checks (`sentinel doctor`).
        self.clock_skew = clock_skew
        self.chunk_delay = chunk_delay
        self.queue_delay = queue_delay
        self.thinking_default = thinking_default
        self.balances = dict(balances if balances is not None else {"USD": 100.0})
        self.prefix_cache = v4.PrefixCache()
        self.faults: dict[str, FaultPlan] = {e: FaultPlan() for e in ENDPOINTS}
        self.requests: list[RecordedRequest] = []
        self.tokens_issued = 0
        self.connections_opened = 0  # TCP connections accepted (keep-alive reuse check)
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to hand to a client, e.g. http://127.0.0.1:54321."""
        if self._server is None:
            raise RuntimeError("FakeDeepSeek is not started; call start() or use `with`")
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    def start(self) -> FakeDeepSeek:
        """Serve in a daemon thread with its own event loop; returns once listening."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, self.host, self.port)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # e.g. port in use: report it to start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            self._server.close()
            pending = asyncio.all_tasks(loop)
            for task in pending:  # open keep-alive connections
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-deepseek", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeDeepSeek:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # fault injection --------------------------------------------------------------

    def _plan(self, endpoint: str) -> FaultPlan:
        if endpoint not in self.faults:
            raise ValueError(f"unknown endpoint {endpoint!r}; use one of {ENDPOINTS}")
        return self.faults[endpoint]

    def script(self, *items: Fault | int, endpoint: str = "chat") -> None:
        """The next requests to `endpoint` get these, in order (200 = serve normally)."""
        self._plan(endpoint).script(items)

    def fail(self, fault: Fault | int, *, times: int = 1, endpoint: str = "chat") -> None:
        """The next `times` requests to `endpoint` suffer `fault`."""
        self._plan(endpoint).script([fault] * times)

    def fail_always(self, fault: Fault | int | None, *, endpoint: str = "chat") -> None:
        """Every request (after any script) suffers `fault`; None stops it."""
        self._plan(endpoint).always(fault)

    def fail_randomly(
        self, rate: float, fault: Fault | int, *, seed: int = 0, endpoint: str = "chat"
    ) -> None:
        """A seeded random share of requests suffers `fault` (reproducible load tests)."""
        self._plan(endpoint).randomly(rate, fault, seed)

    def set_latency(self, seconds: float, *, endpoint: str = "chat") -> None:
        """Added to every response of `endpoint`."""
        self._plan(endpoint).latency = seconds

    def revoke_tokens(self) -> None:
        """Invalidate every OAuth token issued so far (the next call gets a 401)."""
        with self._lock:
            self._tokens.clear()

    def reset(self) -> None:
        """Clear faults, latency and recorded requests (not issued tokens)."""
        for plan in self.faults.values():
            plan.clear()
        with self._lock:
            self.requests.clear()

    def count(self, endpoint: str = "chat") -> int:
        """How many requests `endpoint` has received."""
        with self._lock:
            return sum(1 for r in self.requests if r.endpoint == endpoint)

    # HTTP -------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        with self._lock:
            self.connections_opened += 1
        try:
            while True:
                request, body = await read_request(conn, reader)
                if request is None:
                    return
                keep = await self._respond(conn, writer, request, body)
                if not keep or conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # stop() cancels idle keep-alive connections; ending quietly keeps Python
            # 3.11's stream callback from logging a CancelledError traceback
            return
        finally:
            writer.close()

    async def _respond(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        body: bytes,
    ) -> bool:
        """Answer one request; False when the connection must close (a fault cut it)."""
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        path = request.target.decode().split("?", 1)[0]
        if path.startswith("/v1/"):
            path = path[3:]
        endpoint = _PATHS.get(path)
        fault = self.faults[endpoint].next() if endpoint else Fault.ok()
        with self._lock:
            self.requests.append(
                RecordedRequest(request.method.decode(), path, endpoint, headers, body, fault)
            )
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            writer.transport.abort()
            return False
        if fault.status is not None:
            retry = {"retry-after": f"{fault.retry_after:g}"} if fault.retry_after else {}
            message = fault.message or f"injected fault {fault.status}"
            if fault.cut_body:
                await send_json(
                    conn, writer, fault.status, error_body(fault.status, message), self._date(),
                    retry, cut=True,
                )  # fmt: skip
                return False
            await self._send_error(conn, writer, fault.status, message, retry)
            return True
        answer = self._answer(endpoint, path, headers, body)
        if answer is None:
            return await self._generate(conn, writer, endpoint, body, fault, path)
        await send_json(conn, writer, *answer, self._date())
        return True

    def _answer(
        self, endpoint: str | None, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]] | None:
        """The answer to anything but an authorized completion (None for those)."""
        if endpoint == "token":
            return self._token(headers, body)
        if endpoint is None:
            return 404, error_body(404, f"no route for {path}")
        if not self._authorized(headers):
            return 401, error_body(401, "Authentication Fails (invalid api key)")
        if endpoint == "models":
            data = [{"id": m, "object": "model", "owned_by": "deepseek"} for m in self.models]
            return 200, {"object": "list", "data": data}
        if endpoint == "balance":
            return 200, v4.balance_body(self.balances)
        return None

    async def _generate(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        endpoint: str | None,
        body: bytes,
        fault: Fault,
        path: str = "/chat/completions",
    ) -> bool:
        """A chat or FIM completion, streamed when asked."""
        try:
            req = json.loads(body)
            if endpoint == "fim":
                payload = v4.fim(req, self.prefix_cache)
            else:
                messages = req["messages"]
                if not isinstance(messages, list) or not messages:
                    raise v4.BadRequest("messages must be a non-empty list")
                v4.check(req, self.models, self.thinking_default)
                v4.check_prefix(req, path.startswith("/beta/"))
        except (ValueError, KeyError, TypeError):
            await self._send_error(conn, writer, 400, "messages must be a non-empty list")
            return True
        except v4.BadRequest as exc:
            await self._send_error(conn, writer, 400, str(exc))
            return True
        if endpoint == "fim":
            if req.get("stream"):
                return await self._stream(conn, writer, v4.fim_stream_events(payload), fault)
        elif req.get("stream"):
            events = v4.stream_events(self._completion(req))
            return await self._stream(conn, writer, events, fault)
        else:
            payload = self._completion(req)
        await send_json(conn, writer, 200, payload, self._date())
        return True

    def _authorized(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return False
        token = auth[7:]
        with self._lock:
            return token == self.api_key or token in self._tokens

    def _token(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = headers.get("authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if (client_id, client_secret) != (self.oauth_client_id, self.oauth_client_secret):
            return 401, {"error": "invalid_client"}
        token = "fake-access-" + secrets.token_hex(12)
        with self._lock:
            self._tokens.add(token)
            self.tokens_issued += 1
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}

    def _completion(self, req: dict[str, Any]) -> dict[str, Any]:
        return v4.completion(req, self.reply, self.prefix_cache, self.thinking_default)

    async def _stream(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, events: list[Any], fault: Fault
    ) -> bool:
        writer.write(
            conn.send(
                h11.Response(
                    status_code=200,
                    headers=[
                        ("content-type", "text/event-stream"),
                        ("cache-control", "no-cache"),
                        ("date", self._date()),
                    ],
                    reason=b"OK",
                )
            )
        )
        for _ in range(self.keepalive_comments):  # while "queued"
            writer.write(conn.send(h11.Data(data=b": keep-alive\n\n")))
            if self.queue_delay:
                await writer.drain()
                await asyncio.sleep(self.queue_delay / self.keepalive_comments)
        for n, ev in enumerate(events):
            if fault.truncate_after is not None and n >= fault.truncate_after:
                await writer.drain()
                writer.transport.abort()
                return False
            if n and self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            writer.write(conn.send(h11.Data(data=b"data: " + json.dumps(ev).encode() + b"\n\n")))
            await writer.drain()
        writer.write(conn.send(h11.Data(data=b"data: [DONE]\n\n")))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()
        return True

    async def _send_error(
        self,
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        status: int,
        message: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        await send_json(conn, writer, status, error_body(status, message), self._date(), extra)

    def _date(self) -> str:
        return email.utils.formatdate(time.time() + self.clock_skew, usegmt=True)
