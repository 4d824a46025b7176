"""What Sentinel and AsyncSentinel share: configuration resolved once at construction
(so a bad key or URL fails before any request), the policy objects, the reporter and
the sink. The two clients differ only in how they do I/O.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import httpx
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import SpanKind, TracerProvider
from pydantic import SecretStr, ValidationError

from sentinel import __version__
from sentinel.client import catalogue, prices
from sentinel.client.auth import Auth, OAuth2ClientCredentials, StaticKeyAuth
from sentinel.client.cache import ResponseCache
from sentinel.client.cost import Pricer
from sentinel.client.http1 import Origin
from sentinel.client.observation import Observation
from sentinel.client.params import ChatRequest
from sentinel.client.reporter import Reporter
from sentinel.client.resilience import CallPolicy, CircuitBreaker, RetryPolicy, TokenBucket
from sentinel.client.secrets import api_key_source, oauth_secret_source
from sentinel.client.spend_guard import SpendGuard
from sentinel.client.tls import ssl_context, validate_base_url
from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.config import Settings, load_settings
from sentinel.errors import (
    ConfigurationError,
    InvalidRequestError,
)
from sentinel.records.sink import Sink
from sentinel.safety import safety_filter
from sentinel.settings_errors import configuration_error
from sentinel.store import Store, open_store
from sentinel.telemetry import ecs
from sentinel.telemetry.calls import CallTelemetry
from sentinel.telemetry.providers import meter_provider_for, tracer_provider_for

log = logging.getLogger("sentinel.client")
VERSION = __version__
CHAT_PATH = "/chat/completions"
PREFIX_CHAT_PATH = "/beta/chat/completions"  # chat prefix completion is a beta feature
FIM_PATH = "/beta/completions"
SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty")
_warned: set[tuple[str, str]] = set()  # once per process, whatever the number of clients
_warned_lock = threading.Lock()


def warn_once(key: tuple[str, str]) -> bool:
    """True the first time `key` is seen in this process (a key seen before is answered
    without the lock: sets only grow here, and a call warns about the same key each time)."""
    if key in _warned:
        return False
    with _warned_lock:
        if key in _warned:
            return False
        _warned.add(key)
        return True


Fallback = str | Callable[[dict[str, Any]], Any]


@dataclass(kw_only=True)
class ClientOptions:
    """Constructor arguments that override Settings (None = use the setting); by name
    only, so a new option cannot shift the others."""

    api_key: str | None = None
    base_url: str | None = None
    backup_base_urls: list[str] | None = None
    store: Store | str | None = None
    app: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    fallback: Fallback | None = None
    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    clock: Clock | None = None
    settings: Settings | None = None
    rate_limiter: TokenBucket | int | str | None = None
    log_stream: TextIO | None = None
    http2: bool | None = None
    gzip_min_bytes: int | None = None
    capture_content: bool | None = None
    cache: bool | None = None


def _settings(o: ClientOptions) -> Settings:
    overrides: dict[str, Any] = {
        "api_key": SecretStr(o.api_key) if o.api_key is not None else None,
        "base_url": o.base_url,
        "backup_base_urls": o.backup_base_urls,
        "store": o.store if isinstance(o.store, str) else None,
        "app": o.app,
        "timeout": o.timeout,
        "max_retries": o.max_retries,
        "http2": o.http2,
        "gzip_min_bytes": o.gzip_min_bytes,
        "capture_content": o.capture_content,
        "cache": o.cache,
    }
    if o.settings is not None:
        return o.settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    try:
        return load_settings(**overrides)
    except ValidationError as exc:
        given = {k for k, v in overrides.items() if v is not None}
        raise configuration_error(exc, given) from None


def _auth(settings: Settings, clock: Clock) -> Auth:
    if settings.oauth_token_url:
        if not settings.oauth_client_id:
            raise ConfigurationError(
                "SENTINEL_OAUTH_TOKEN_URL is set but SENTINEL_OAUTH_CLIENT_ID is not"
            )
        return OAuth2ClientCredentials(
            validate_base_url(settings.oauth_token_url, "SENTINEL_OAUTH_TOKEN_URL"),
            settings.oauth_client_id,
            oauth_secret_source(settings),
            clock,
            scope=settings.oauth_scope,
        )
    return StaticKeyAuth(api_key_source(settings))


def _limiter(
    spec: TokenBucket | int | str | None, settings: Settings, clock: Clock
) -> TokenBucket | None:
    if isinstance(spec, TokenBucket):
        return spec
    if isinstance(spec, str):
        return TokenBucket.preset(spec, clock)
    per_minute = spec if spec is not None else settings.rate_limit_per_minute
    return TokenBucket(per_minute, clock) if per_minute else None


class ClientCore:
    def __init__(self, o: ClientOptions) -> None:
        """Every option resolved once, here, so that no call pays for it: settings,
        credentials, endpoints, breaker and limiter, cache, safety lists, prices,
        telemetry and the sink. Long because it is a flat list of those (each a line or
        two); split, it would only scatter the order they depend on."""
        settings = _settings(o)
        self.settings = settings
        self.clock = o.clock or SYSTEM_CLOCK
        timeouts = (
            settings.timeout,
            settings.connect_timeout,
            settings.first_byte_timeout,
            settings.read_timeout,
        )
        if min(timeouts) <= 0:
            raise ConfigurationError("timeouts must be > 0 seconds")
        self.catalogue = catalogue.load(settings.models_file)
        self.prices = prices.load(settings.prices_file)
        self.endpoints = [validate_base_url(settings.base_url, "base_url")] + [
            validate_base_url(u, f"backup_base_urls[{i}]")
            for i, u in enumerate(settings.backup_base_urls)
        ]
        self.chat_urls = [httpx.URL(e + CHAT_PATH) for e in self.endpoints]
        self._urls: dict[tuple[int, str], httpx.URL] = {}
        self.wire_targets: dict[tuple[int, str], tuple[Origin, bytes]] = {}  # (origin, path)
        self.hosts_raw = [url.netloc for url in self.chat_urls]  # the Host header
        self.hosts = [netloc.decode() for netloc in self.hosts_raw]
        self.auth = _auth(settings, self.clock)
        try:
            self.retry = RetryPolicy(settings.max_retries, jitter=settings.retry_jitter)
            self.breaker = CircuitBreaker(
                self.clock, settings.breaker_threshold, settings.breaker_cooldown
            )
            self.limiter = _limiter(o.rate_limiter, settings, self.clock)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if o.fallback is not None and not (callable(o.fallback) or isinstance(o.fallback, str)):
            raise ConfigurationError("fallback must be a model name or a callable")
        self.fallback = o.fallback
        # before anything is opened: a bad list fails the constructor without leaks
        self.safety = safety_filter(settings.safety_lists, settings.safety_reload.total_seconds())
        self.gzip_min_bytes = settings.gzip_min_bytes
        self.timeout = httpx.Timeout(
            settings.read_timeout,
            connect=settings.connect_timeout,
            pool=settings.connect_timeout,
        )
        # the transports wait `first_byte` for the response to start, `read` between reads
        self.timeout_ext = {**self.timeout.as_dict(), "first_byte": settings.first_byte_timeout}
        # records: a Store instance belongs to the app; a URL we open is ours to close
        if isinstance(o.store, str) or o.store is None:
            self.store: Store = open_store(settings.store_url, settings)
            self._owns_store = True
        else:
            self.store, self._owns_store = o.store, False
        app = settings.app
        self._tp, self._owns_tp = tracer_provider_for(app, o.tracer_provider)
        self._mp, self._owns_mp = meter_provider_for(app, o.meter_provider)
        self.sink = Sink(self.store, settings, meter_provider=self._mp)
        # Streams not yet reported: close() reports them (as abandoned) while the sink
        # still takes records; an app that leaves a stream unclosed and closes the client
        # first would otherwise lose the call when the stream is finalised later.
        self.streams: weakref.WeakSet[Any] = weakref.WeakSet()
        self.guard = SpendGuard(self.store, settings.spend_cache_ttl, self.clock)
        self.telemetry = CallTelemetry(
            self._tp,
            self._mp,
            ecs.call_logger(o.log_stream, settings.log_stream),
            app=app,
            service_name=os.environ.get("OTEL_SERVICE_NAME") or app,
            capture_content=settings.capture_content_in_telemetry,
            version=VERSION,
        )
        if self.safety is not None:
            self.safety.count_on(self._mp)
        self.pricer = Pricer(
            self.prices,
            settings.currency,
            {a.id: a.target for a in self.catalogue.aliases.values()},
            on_unpriced=self._unpriced,
        )
        self.reporter = Reporter(
            self.telemetry,
            self.sink,
            app=app,
            capture_content=settings.capture_content,
            clock=self.clock,
            subject_secret=settings.subject_secret_bytes(),
            safety=self.safety,
            pricer=self.pricer,
            spent=self.guard.spent,
        )
        self.cache = (
            ResponseCache(
                self.store,
                app=app,
                ttl=settings.cache_ttl,
                anonymize_within=settings.anonymize_within,
                max_entries=settings.cache_max_entries,
                clock=self.clock,
                meter_provider=self._mp,
                secret=settings.subject_secret_bytes(),
            )
            if settings.cache
            else None
        )
        self.base_headers = {
            "accept": "application/json",
            "accept-encoding": "gzip, deflate",
            "content-type": "application/json",
            "user-agent": f"deepseek-sentinel/{VERSION}",
        }
        self.base_headers_raw = [(k.encode(), v.encode()) for k, v in self.base_headers.items()]
        self.limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        self.ssl = ssl_context()

    def http_kwargs(self) -> dict[str, Any]:
        """For the httpx client used off the hot path (OAuth token, model list)."""
        return {
            "timeout": self.timeout,
            "limits": self.limits,
            "http2": self.settings.http2,
            "verify": self.ssl,
            "headers": {"user-agent": self.base_headers["user-agent"]},
        }

    def transport_kwargs(
        self, proxy: str | None, limits: httpx.Limits | None = None
    ) -> dict[str, Any]:
        """For the chat transports (see sentinel.client.transport)."""
        return {
            "verify": self.ssl,
            "http2": self.settings.http2,
            "limits": limits or self.limits,
            "proxy": proxy,
        }

    def url(self, index: int, path: str) -> httpx.URL:
        url = self._urls.get((index, path))
        if url is None:
            url = self._urls[(index, path)] = httpx.URL(self.endpoints[index] + path)
        return url

    def resolve(self, request: ChatRequest) -> None:
        """What the catalogue adds to a request: the thinking mode it runs in (as asked,
        else the model's default; FIM has none), and the errors DeepSeek would answer."""
        if request.operation == "text_completion":
            return
        mode = request.thinking
        if mode is None:
            default = self.catalogue.thinking_default(request.model)
            mode = None if default is None else ("enabled" if default else "disabled")
        request.params.thinking = mode
        if mode == "enabled" and request.body.get("logprobs"):
            raise InvalidRequestError(
                f"logprobs is not supported in thinking mode ({request.model} thinks unless "
                "told otherwise); pass thinking={'type': 'disabled'} or drop logprobs"
            )

    def warn(self, obs: Observation) -> None:
        """One-time warnings (log, span event, counter): a model that is an alias or past
        its retirement, sampling parameters thinking mode ignores. A budget this call
        cannot count (another currency) is counted on every call, logged once."""
        request = obs.request
        app = request.app or self.settings.app
        for message in self.guard.uncounted(app, request.proxy_token_id, self.pricer.currency):
            self.telemetry.warning(obs, "budget_currency", message)
            if warn_once(("budget_currency", message)):
                log.warning("%s", message)
        notice = self.catalogue.notice(request.model, self.clock.now())
        if notice is not None and warn_once(("model", request.model)):
            self._warn(obs, "model", notice)
        if request.params.thinking == "enabled":
            ignored = [name for name in SAMPLING if name in request.body]
            if ignored and warn_once(("sampling", request.model)):
                self._warn(
                    obs,
                    "sampling",
                    f"{', '.join(ignored)} has no effect in thinking mode ({request.model}); "
                    "DeepSeek ignores it",
                )

    def _unpriced(self, model: str, first: bool) -> None:
        """Counted every time, logged once per model: the cost stays null, never a guess."""
        self.telemetry.unpriced(model)
        if first:
            log.warning(
                "no %s price for model %r at this time: its calls get cost=null "
                "(add a row to SENTINEL_PRICES_FILE, see `sentinel prices show`)",
                self.pricer.currency,
                model,
            )

    def _warn(self, obs: Observation, kind: str, message: str) -> None:
        log.warning("%s", message)
        self.telemetry.warning(obs, kind, message)

    def policy(self) -> CallPolicy:
        total = self.settings.timeout
        return CallPolicy(
            self.endpoints,
            self.retry,
            self.breaker,
            self.clock,
            deadline=self.clock.monotonic() + total,
            can_refresh_auth=self.auth.refreshable,
            has_fallback=self.fallback is not None,
        )

    def flush(self, timeout: float | None) -> bool:
        """Write out the call lines, cache entries and records so far (see the clients'
        flush()); True if every record reached the store or the spool. The calls'
        spans, metrics and lines are built first (`sentinel.telemetry.worker`)."""
        self.telemetry.flush(timeout)
        ecs.flush(self.telemetry.logger)
        if self.cache is not None:
            self.cache.flush()
        return self.sink.flush(timeout)

    def close(self) -> None:
        for call in list(self.streams):
            call.report()
        if self.safety is not None:
            self.safety.close()
        self.telemetry.close()  # before the providers shut down below
        ecs.flush(self.telemetry.logger)
        if self.cache is not None:
            self.cache.close()
        self.sink.close()
        if self._owns_store:
            self.store.close()
        for provider, owned in ((self._tp, self._owns_tp), (self._mp, self._owns_mp)):
            if owned:
                provider.shutdown()  # type: ignore[attr-defined]


def get_span(core: ClientCore, path: str) -> Any:
    """The span of a GET beside chat (models, balance): endpoint, status, error type."""
    return core.telemetry.tracer.start_as_current_span(
        f"GET {path}",
        kind=SpanKind.CLIENT,
        attributes={"url.path": path, "server.address": core.hosts[0].partition(":")[0]},
    )
