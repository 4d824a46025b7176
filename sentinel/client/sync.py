"""`Sentinel`: the synchronous client."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

import httpx
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from sentinel.client import outbound
from sentinel.client.attempts import CONNECTION_ERRORS, TIMEOUT_ERRORS, Attempts
from sentinel.client.cache import answer_from_cache
from sentinel.client.core import (
    ClientCore,
    ClientOptions,
    Fallback,
    get_result,
    get_span,
    models_in,
)
from sentinel.client.feedback import record_feedback
from sentinel.client.http1 import ResponseBody
from sentinel.client.observation import Observation
from sentinel.client.outcome import apply_completion, apply_stream, parse_answer
from sentinel.client.params import build_chat_request, build_fim_request
from sentinel.client.resilience import TokenBucket
from sentinel.client.sse import ChunkParser, sent_credential
from sentinel.client.transport import sync_transport, transports_for
from sentinel.client.types import (
    Balance,
    ChatCompletion,
    ChatCompletionChunk,
    ChunkChoice,
    Delta,
    Model,
    TextCompletion,
)
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.errors import (
    APIConnectionError,
    InvalidRequestError,
    SentinelAPIError,
    SentinelError,
)
from sentinel.store import Store

DRAIN_S = 0.05  # after [DONE]; the body's end comes in the same segment or right after


def fallback_chunk(completion: ChatCompletion) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=completion.id,
        model=completion.model,
        choices=[
            ChunkChoice(
                delta=Delta(role="assistant", content=completion.content),
                finish_reason="stop",
            )
        ],
        usage=completion.usage,
        request_id=completion.request_id,
    )


class Stream:
    """Iterate for chunks. The call is reported when the stream ends, fails, is closed
    early (`close()`, `with`) or is garbage-collected unfinished (abandoned)."""

    def __init__(
        self, obs: Observation, response: httpx.Response | None, fallback: ChatCompletion | None
    ) -> None:
        self._obs = obs
        self._response = response
        self._fallback = fallback
        self._parser = ChunkParser(
            obs.request_id, obs.safety, obs.t0, secrets=sent_credential(response)
        )
        self._iter = self._chunks()
        self.request_id = obs.request_id

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iter)

    def _chunks(self) -> Iterator[ChatCompletionChunk]:
        obs = self._obs
        if self._fallback is not None:
            apply_completion(obs, self._fallback)
            obs.finish()
            yield fallback_chunk(self._fallback)
            return
        assert self._response is not None
        parser = self._parser
        try:
            for line in self._response.iter_lines():
                chunk = parser.feed(line)
                if parser.done:
                    break
                if chunk is not None:
                    yield chunk
            else:
                chunk = parser.end()
                if chunk is not None:
                    yield chunk
        except httpx.HTTPError as exc:
            obs.fail(
                APIConnectionError(
                    f"stream interrupted: {type(exc).__name__}", request_id=obs.request_id
                )
            )
        except SentinelAPIError as exc:
            obs.fail(exc)
        else:
            if not parser.complete:
                obs.fail(
                    APIConnectionError("stream ended before completion", request_id=obs.request_id)
                )
        finally:
            self._end()
        if obs.error is not None:
            raise obs.error

    def _end(self) -> None:
        obs = self._obs
        if obs.finished:
            return
        apply_stream(obs, self._parser.acc)
        if obs.error is None and not self._parser.complete:
            obs.abandoned = True
        response = self._response
        if response is not None:
            if self._parser.done and isinstance(response.stream, ResponseBody):
                response.stream.drain(DRAIN_S)  # so the connection goes back to the pool
            response.close()
        obs.finish()

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


def check_concurrency(concurrency: Any) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency must be an integer >= 1, got {concurrency!r}")


def batch_item(req: Any) -> dict[str, Any] | InvalidRequestError:
    """One item's create() arguments, or why it cannot run as a batch item (its result)."""
    if not isinstance(req, Mapping):
        return InvalidRequestError(
            f"batch items must be dicts of create() arguments, got {type(req).__name__}"
        )
    if req.get("stream"):
        return InvalidRequestError("batch items cannot stream (stream=True)")
    return dict(req)


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

    def create(self, **kwargs: Any) -> TextCompletion:
        """FIM completion (beta, POST /beta/completions): `prompt` and `suffix`, the text
        before and after the gap; observed, stored and resilient like chat."""
        return self._client._create(kwargs, build_fim_request)  # type: ignore[no-any-return]


class Sentinel:
    """Instrumented, resilient DeepSeek client; the contract is in docs/architecture.md."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        backup_base_urls: list[str] | None = None,
        store: Store | str | None = None,
        app: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        fallback: Fallback | None = None,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        settings: Settings | None = None,
        rate_limiter: TokenBucket | int | str | None = None,
        log_stream: TextIO | None = None,
        http2: bool | None = None,
        gzip_min_bytes: int | None = None,
        capture_content: bool | None = None,
        cache: bool | None = None,
    ) -> None:
        self._core = ClientCore(
            ClientOptions(
                api_key,
                base_url,
                backup_base_urls,
                store,
                app,
                timeout,
                max_retries,
                fallback,
                tracer_provider,
                meter_provider,
                clock,
                settings,
                rate_limiter,
                log_stream,
                http2,
                gzip_min_bytes,
                capture_content,
                cache,
            )
        )
        core = self._core
        self._http = httpx.Client(transport=transport, **core.http_kwargs())
        self._chat, self._own_transports = transports_for(
            core.chat_urls,
            lambda proxy: sync_transport(core, proxy),
            transport,
        )
        self.chat = Chat(self)
        self.models = Models(self)
        self.completions = FIMCompletions(self)

    @property
    def store(self) -> Store:
        return self._core.store

    @property
    def breaker(self) -> Any:
        return self._core.breaker

    def _create(self, kwargs: dict[str, Any], build: Any = build_chat_request) -> Any:
        kwargs, mask = outbound.mask_request(kwargs, self._core.settings)
        return outbound.unmask(self._call(kwargs, mask, build), mask)

    def _call(self, kwargs: dict[str, Any], mask: outbound.OutboundMask | None, build: Any) -> Any:
        request = build(**kwargs)
        core = self._core
        core.resolve(request)
        obs = core.reporter.begin(request)
        outbound.annotate(obs, mask)
        core.warn(obs)
        key = None
        if core.cache is not None and (key := core.cache.key(request, obs.subject_key)):
            hit = core.cache.get(key, request.model)
            obs.cache_hit = hit is not None
            if hit is not None:
                return answer_from_cache(obs, hit)
        try:
            result = self._send(obs)
        except BaseException as exc:
            obs.fail(exc)
            obs.finish()
            raise
        if request.stream:
            if isinstance(result, ChatCompletion):
                return Stream(obs, None, result)
            return Stream(obs, result, None)
        try:
            completion = (
                result
                if isinstance(result, ChatCompletion)
                else parse_answer(request, result.content)
            )
            apply_completion(obs, completion)
            if key and core.cache is not None and not obs.fallback:
                core.cache.put(key, request, obs.subject_key, completion, obs.started)
            return completion
        except ValueError:
            error = SentinelAPIError(
                "unparseable response body", status_code=obs.http_status, request_id=obs.request_id
            )
            obs.fail(error)
            raise error from None
        finally:
            obs.finish()

    def _send(self, obs: Observation) -> httpx.Response | ChatCompletion:
        """Attempts until one succeeds or the policy gives up (see client.attempts)."""
        core, http = self._core, self._http
        attempts = Attempts(core, obs)
        stream = obs.request.stream
        try:
            while True:
                if wait := attempts.admit():
                    core.clock.sleep(wait)
                req = attempts.request(core.auth.token(http))
                try:
                    resp = self._chat[attempts.index].handle_request(req)
                    resp.request = req  # as httpx.Client sets it: the stream scrubs its key
                    # An error reply is read whole even when streaming, here, so that a
                    # connection dropping mid-body maps like any other drop.
                    if not stream or resp.status_code >= 400:
                        resp.read()
                except TIMEOUT_ERRORS as exc:
                    raise attempts.timed_out(exc) from None
                except CONNECTION_ERRORS as exc:
                    step, error = attempts.unreachable(exc)
                else:
                    failed = attempts.answered(resp)
                    if failed is None:
                        return resp
                    resp.close()
                    step, error = failed
                then = attempts.follow(step, error)
                if isinstance(then, ChatCompletion):
                    return then
                if then:
                    core.clock.sleep(then)
        finally:
            attempts.end()

    def balance(self) -> Balance:
        """GET /user/balance: whether the account can call, and what is left."""
        return Balance.model_validate(self._get("/user/balance"))

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
        """Wait until every record (and cache entry) so far is stored and every call
        line written out; True if all records were."""
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

    def __repr__(self) -> str:
        return f"Sentinel(app={self._core.settings.app!r}, base_url={self._core.endpoints[0]!r})"
