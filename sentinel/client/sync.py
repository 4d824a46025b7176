"""`Sentinel`: the synchronous client."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from sentinel.client import flow, outbound
from sentinel.client.answers import balance_in, get_result, models_in
from sentinel.client.attempts import CONNECTION_ERRORS, TIMEOUT_ERRORS, Attempts
from sentinel.client.base import ClientBase
from sentinel.client.core import get_span
from sentinel.client.deadline import DeadlineBody
from sentinel.client.feedback import record_feedback
from sentinel.client.flow import DRAIN_S, Build, StreamCall, batch_item, check_concurrency
from sentinel.client.http1 import ResponseBody
from sentinel.client.http1_wire import Answer
from sentinel.client.observation import Observation
from sentinel.client.params import build_chat_request, build_fim_request
from sentinel.client.sse import Chunk, LineSplitter, by_event
from sentinel.client.transport import sync_transport
from sentinel.client.types import (
    Balance,
    ChatCompletion,
    ChatCompletionChunk,
    Model,
)
from sentinel.errors import SentinelAPIError, SentinelError


class Stream:
    """Iterate for chunks. The call is reported when the stream ends, fails, is closed
    early (`close()`, `with`) or is garbage-collected unfinished (abandoned)."""

    def __init__(self, call: StreamCall) -> None:
        self._call = call
        self._iter = self._chunks()
        self.request_id = call.obs.request_id

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iter)

    def _chunks(self) -> Iterator[ChatCompletionChunk]:
        call = self._call
        if (only := call.fallback_answer()) is not None:
            yield only
            return
        assert call.response is not None
        parser = call.parser
        lines = LineSplitter()
        try:
            for data in call.response.iter_bytes():
                for event in by_event(lines.feed(data)):  # parsed as the app asks for them
                    yield from _chunks(parser.read(event))
                if parser.done:
                    break
            else:  # the last event may lack its blank line; the held text goes out
                yield from _chunks(parser.read([*lines.end(), ""], final=True))
        except (httpx.HTTPError, SentinelAPIError) as exc:
            call.failed(exc)
            if isinstance(exc, httpx.HTTPError):  # cut off: what was screened goes out
                with contextlib.suppress(SentinelAPIError):  # a block: the call's error
                    yield from _chunks(parser.read([], final=True))
        else:
            call.ended()
        finally:
            self._end()
        call.raise_error()

    def _end(self) -> None:
        call = self._call
        drain = call.report()
        response = call.response
        if response is not None:
            if drain and isinstance(response.stream, DeadlineBody | ResponseBody):
                response.stream.drain(DRAIN_S)  # so the connection goes back to the pool
            response.close()

    def close(self) -> None:
        """Stop reading; reports the call as abandoned if it had not finished."""
        self._iter.close()
        self._end()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # e.g. at interpreter shutdown
            self.close()


def _chunks(items: Iterator[Chunk | str]) -> Iterator[Any]:
    """The chunks of a read's items (its comment lines are only signs of life here)."""
    return (item for item in items if not isinstance(item, str))


class Completions:
    def __init__(self, client: Sentinel) -> None:
        self._client = client

    def create(self, **kwargs: Any) -> Any:
        """OpenAI-shaped; returns ChatCompletion, or a Stream with stream=True.

        Extra keywords: subject_id (stored as an HMAC in telemetry), metadata (labels),
        app (this call's app, overriding the client's: one sidecar serves many apps).
        """
        return self._client._create(kwargs)

    def batch(
        self, requests: Sequence[Mapping[str, Any]], *, concurrency: int = 8
    ) -> list[ChatCompletion | SentinelError]:
        """Run many requests, at most `concurrency` at once; results in input order, a
        failed item holds its exception and the others are unaffected."""
        check_concurrency(concurrency)

        def one(req: Any) -> ChatCompletion | SentinelError:
            kwargs = batch_item(req)
            if isinstance(kwargs, SentinelError):
                return kwargs
            try:
                return self._client._create(kwargs)
            except SentinelError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sentinel-batch") as ex:
            return list(ex.map(one, requests))


class Chat:
    def __init__(self, client: Sentinel) -> None:
        self.completions = Completions(client)


class Models:
    def __init__(self, client: Sentinel) -> None:
        self._client = client

    def list(self) -> list[Model]:
        """The primary endpoint's models (`sentinel doctor` compares them with the
        model catalogue)."""
        return models_in(self._client._get("/models"))


class FIMCompletions:
    def __init__(self, client: Sentinel) -> None:
        self._client = client

    def create(self, **kwargs: Any) -> Any:
        """FIM completion (beta, POST /beta/completions): `prompt` and `suffix`, the text
        before and after the gap; observed, stored, masked and resilient like chat. A
        TextCompletion, or with stream=True a Stream of TextCompletion chunks."""
        return self._client._create(kwargs, build_fim_request)


class Sentinel(ClientBase[httpx.BaseTransport]):
    """Instrumented, resilient DeepSeek client; the contract is in docs/architecture.md
    (the constructor's keywords: `sentinel.client.base`)."""

    _http_class = httpx.Client
    _make_transport = sync_transport

    def _attach(self) -> None:
        self.chat = Chat(self)
        self.models = Models(self)
        self.completions = FIMCompletions(self)

    def _create(self, kwargs: dict[str, Any], build: Build = build_chat_request) -> Any:
        kwargs, mask = outbound.mask_request(kwargs, self._core.settings)
        return outbound.unmask(self._call(kwargs, mask, build), mask)

    def _call(
        self, kwargs: dict[str, Any], mask: outbound.OutboundMask | None, build: Build
    ) -> Any:
        core = self._core
        obs, key = flow.begin(core, kwargs, mask, build)
        if key and (hit := flow.from_cache(obs, core.cache.get(key, obs.request.model))):
            return hit
        try:
            result = self._send(obs)
        except BaseException as exc:
            flow.abort(obs, exc)
            raise
        if obs.request.stream:
            call = StreamCall.of(obs, result)
            core.streams.add(call)
            return Stream(call)
        return flow.complete(core, obs, key, result)

    def _send(self, obs: Observation) -> httpx.Response | Answer | ChatCompletion:
        """Attempts until one succeeds or the policy gives up (see client.attempts)."""
        core, http = self._core, self._http
        attempts = Attempts(core, obs, "sync")
        try:
            while True:
                if wait := attempts.admit():
                    core.clock.sleep(wait)
                token = core.auth.token(http)
                transport = self._chat[attempts.index]
                try:
                    if attempts.whole(transport):
                        resp = transport.send_whole(*attempts.wire(token))  # type: ignore[attr-defined]
                    else:
                        req = attempts.request(token)
                        resp = transport.handle_request(req)
                        if attempts.received(resp, req):
                            resp.read()
                except TIMEOUT_ERRORS as exc:
                    raise attempts.timed_out(exc) from None
                except CONNECTION_ERRORS as exc:
                    then = attempts.follow(*attempts.unreachable(exc))
                else:
                    if (failed := attempts.answered(resp)) is None:
                        return resp
                    resp.close()
                    then = attempts.follow(*failed)
                if isinstance(then, ChatCompletion):
                    return then
                if then:
                    core.clock.sleep(then)
        finally:
            attempts.end()

    def balance(self) -> Balance:
        """GET /user/balance: whether the account can call, and what is left."""
        return balance_in(self._get("/user/balance"))

    def _get(self, path: str) -> dict[str, Any]:
        """A GET beside chat, with a span; one retry after a refreshed token on 401."""
        core, http = self._core, self._http
        with get_span(core, path) as span:
            for attempt in (0, 1):
                token = core.auth.token(http)
                resp = http.get(
                    core.endpoints[0] + path, headers={"authorization": f"Bearer {token}"}
                )
                if resp.status_code == 401 and attempt == 0 and core.auth.refreshable:
                    core.auth.invalidate(token)
                    continue
                break
            return get_result(span, resp.status_code, resp.content, token)

    def feedback(
        self,
        request_id: str,
        *,
        score: float | None = None,
        satisfied: bool | None = None,
        comment: str | None = None,
    ) -> None:
        """Record business metrics for a call (never blocks; stored by the sink)."""
        record_feedback(self._core.reporter, request_id, score, satisfied, comment)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until every call so far has its span, metrics and log line built and
        written out (they are built off the calling thread: certain only after this)
        and every record (and cache entry) is stored; True if all records were."""
        return self._core.flush(timeout)

    def close(self) -> None:
        self._http.close()
        for t in self._own_transports:
            t.close()
        self._core.close()

    def __enter__(self) -> Sentinel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
