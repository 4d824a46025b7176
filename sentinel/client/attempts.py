"""One call's attempts without the I/O: what to send next, what an answer or a failure
means, and what to do about it (retry after a delay, fail over, refresh the token, fall
back, or give up), by the policy in `sentinel.client.resilience`.

`Sentinel` and `AsyncSentinel` each drive it with a short loop that only sends and
waits, the way they must (blocking or awaiting); everything else about an attempt,
including its telemetry and the errors the app sees, is decided here once. A response
that starts is bound to the call's total timeout (`sentinel.client.deadline`).
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal

import httpx
import orjson

from sentinel.client import outgoing
from sentinel.client.ahttp1 import AsyncHTTP1Transport
from sentinel.client.answers import api_error
from sentinel.client.core import ClientCore
from sentinel.client.deadline import AsyncDeadlineBody, Deadline, DeadlineBody, TotalTimeout
from sentinel.client.http1 import HTTP1Transport, Origin
from sentinel.client.http1_wire import Answer
from sentinel.client.observation import Observation
from sentinel.client.outcome import apply_policy
from sentinel.client.resilience import Action, parse_retry_after
from sentinel.client.resilience.policy import Step
from sentinel.client.types import ChatCompletion, fallback_completion
from sentinel.errors import (
    APIConnectionError,
    APITimeoutError,
    CircuitOpenError,
    SentinelAPIError,
    error_for_status,
)

# Errors after which another endpoint may well work (nothing was processed upstream).
CONNECTION_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
TIMEOUT_ERRORS = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)
# Steps after which the call sends another attempt (as does a fallback to another model).
_ANOTHER = (Action.RETRY, Action.FAILOVER, Action.REFRESH_AUTH)


def encode_body(body: dict[str, Any]) -> bytes:
    """The request's JSON: orjson (~8x cheaper than json.dumps, compact UTF-8), or
    json.dumps for what orjson refuses (an integer over 64 bits, a non-string key in
    extra_body), so every body json.dumps could send is still sent."""
    try:
        return orjson.dumps(body)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(body).encode()


def circuit_open_error(core: ClientCore, request_id: str) -> CircuitOpenError:
    return CircuitOpenError(
        f"circuit breaker open after repeated server errors; next probe in "
        f"{core.breaker.retry_in():.1f}s",
        request_id=request_id,
    )


def call_fallback(core: ClientCore, obs: Observation, cause: SentinelAPIError) -> ChatCompletion:
    """Run the app's degraded-answer callable; if it fails, the original error stands."""
    assert callable(core.fallback)
    try:
        result = core.fallback(dict(obs.request.body))
        return fallback_completion(result, obs.request.model)
    except Exception as exc:
        raise cause from exc


class Attempts:
    """`io` is how the client reads bodies: "sync" or "async" (which wrapper binds a
    response to the deadline; httpx's in-memory streams are both kinds at once)."""

    def __init__(self, core: ClientCore, obs: Observation, io: Literal["sync", "async"]) -> None:
        # before the policy takes anything: a refused call holds no breaker probe
        request = obs.request
        core.guard.check(request.app or core.settings.app, obs.request_id, request.proxy_token_id)
        self.core = core
        self.obs = obs
        self.policy = policy = core.policy()
        at = policy.deadline
        self._deadline = None if at is None else Deadline(core.clock, at, core.settings.timeout)
        self._wrap = DeadlineBody if io == "sync" else AsyncDeadlineBody
        self._body: dict[str, Any] = obs.request.body
        self._content = encode_body(self._body)
        self._token = ""
        self._status: int | None = None  # of the last answer; None after a connection error
        self._sent = 0.0  # perf_counter when the current attempt was sent

    def admit(self) -> float:
        """Before each attempt: raises CircuitOpenError while the breaker is open;
        returns how long the rate limiter wants the caller to wait first."""
        if not self.policy.admit():
            raise circuit_open_error(self.core, self.obs.request_id)
        self.obs.endpoint = self.core.hosts[self.policy.index]
        limiter = self.core.limiter
        return limiter.reserve() if limiter is not None else 0.0

    @property
    def index(self) -> int:
        """The endpoint this attempt goes to (its transport)."""
        return self.policy.index

    def request(self, token: str) -> httpx.Request:
        return outgoing.chat_request(*self._sending(token))

    def wire(self, token: str) -> tuple[Origin, bytes, bytes, dict[str, float | None]]:
        """The attempt for `send_whole` of our own transports, which a call that does not
        stream goes through (`whole`): the answer comes back read, as an `Answer`."""
        return outgoing.wire_request(*self._sending(token))

    def _sending(self, token: str) -> tuple[Any, ...]:
        """What both request forms are built from; the attempt's clock starts here."""
        self._token = token
        self._sent = time.perf_counter()
        return (self.core, self.policy.index, self._content, token, self.obs.request_id,
                self.policy, self.obs.request.path)  # fmt: skip

    def whole(self, transport: object) -> bool:
        """Whether this attempt goes through `send_whole`: our HTTP/1.1 transports, not
        streaming (a stream, httpx's transports and an app's stay on `httpx.Request`)."""
        return not self.obs.request.stream and isinstance(
            transport, HTTP1Transport | AsyncHTTP1Transport
        )

    def received(self, response: httpx.Response, request: httpx.Request) -> bool:
        """A response started: bound to the deadline; True if its body is to be read now
        (not streaming, or an error reply: read whole here, so that a connection dropping
        mid-body maps like any other drop)."""
        response.request = request  # as httpx.Client sets it: the stream scrubs its key
        if self._deadline is not None:
            response.stream = self._wrap(response.stream, self._deadline)  # type: ignore[arg-type]
        return not self.obs.request.stream or response.status_code >= 400

    def timed_out(self, exc: Exception) -> APITimeoutError:
        """A timeout is final: the request may have been processed upstream."""
        what = str(exc) or type(exc).__name__  # the transports name the timeout that fired
        deadline = self._deadline
        if not isinstance(exc, TotalTimeout) and deadline is not None and deadline.passed():
            what = deadline.message  # e.g. a first byte that never came in time
        return APITimeoutError(f"timed out: {what}", request_id=self.obs.request_id)

    def unreachable(self, exc: Exception) -> tuple[Step, SentinelAPIError]:
        error = APIConnectionError(
            f"connection to {self.obs.endpoint} failed: {type(exc).__name__}",
            request_id=self.obs.request_id,
        )
        self._status = None
        return self.policy.on_connection_error(), error

    def answered(self, response: httpx.Response | Answer) -> tuple[Step, SentinelAPIError] | None:
        """None for a success (the caller returns the response); else what the policy
        makes of the error reply, whose body the caller has read."""
        status = self._status = response.status_code
        self.obs.http_status = status
        if status < 400:
            self.policy.on_status(status)
            return None
        error = api_error(status, response.content, self.obs.request_id, (self._token,))
        if status == 400 and "model not exist" in error.message.lower():
            error = self._name_replacement(error)
        retry_after = parse_retry_after(response.headers.get("retry-after"), self.core.clock.now())
        step = self.policy.on_status(status, retry_after)
        if self.policy.opened_breaker:
            self.core.telemetry.breaker_opened(self.obs.endpoint)
        return step, error

    def _name_replacement(self, error: SentinelAPIError) -> SentinelAPIError:
        """DeepSeek's "Model Not Exist" for a retired alias, with what to call instead
        (from the catalogue): the bare upstream message leaves the developer guessing."""
        model = self._body.get("model")
        notice = self.core.catalogue.notice(model, self.core.clock.now()) if model else None
        if notice is None:
            return error
        body = error.body
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            # the proxy relays the body's message: it must name the replacement too
            body = {**body, "error": {**err, "message": f"{err['message']} ({notice})"}}
        return error_for_status(
            400, f"{error.message} ({notice})", request_id=error.request_id, body=body
        )

    def follow(self, step: Step, error: SentinelAPIError) -> float | ChatCompletion | None:
        """Act on the policy's step: the delay before retrying (a float), the fallback
        callable's answer (a ChatCompletion, the call's result), or None to go on at
        once; raises `error` when the policy gives up."""
        obs, core = self.obs, self.core
        apply_policy(obs, self.policy)
        if step.action in _ANOTHER or (
            step.action is Action.FALLBACK and not callable(core.fallback)
        ):
            self._another_follows(step, error)
        if step.action is Action.RETRY:
            core.telemetry.retry(obs, self._status or 0, step.delay)
            return step.delay
        if step.action is Action.FAILOVER:
            core.telemetry.failover(obs, type(error).__name__, core.endpoints[self.policy.index])
        elif step.action is Action.REFRESH_AUTH:
            core.auth.invalidate(self._token)
        elif step.action is Action.FALLBACK:
            obs.fallback = True
            if callable(core.fallback):
                return call_fallback(core, obs, error)
            self._body = {**self._body, "model": core.fallback}
            self._content = encode_body(self._body)
        else:
            raise error
        return None

    def _another_follows(self, step: Step, error: SentinelAPIError) -> None:
        """Note the attempt that just failed for the call's timeline (only on this error
        path: a call whose first attempt is final costs nothing here)."""
        attempt = {
            "endpoint": self.obs.endpoint,
            "status": self._status,
            "error_type": type(error).__name__,
            "duration_ms": (time.perf_counter() - self._sent) * 1000.0,
            "wait_ms": step.delay * 1000.0 if step.action is Action.RETRY else 0.0,
        }
        if self.obs.attempts is None:
            self.obs.attempts = [attempt]
        else:
            self.obs.attempts.append(attempt)

    def end(self) -> None:
        apply_policy(self.obs, self.policy)
        self.policy.release()
