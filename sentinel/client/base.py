"""What the two clients' objects share: the constructor (its keywords are the public
client contract, see docs/architecture.md), the core it builds, and the accessors that
do no I/O. `Sentinel` and `AsyncSentinel` add their I/O: the HTTP client, the chat
transports (`sentinel.client.transport`) and the blocking or awaiting calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TextIO, TypeVar

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from sentinel.client.core import ClientCore, ClientOptions, Fallback
from sentinel.client.resilience import TokenBucket
from sentinel.client.transport import transports_for
from sentinel.clock import Clock
from sentinel.config import Settings
from sentinel.store import Store

T = TypeVar("T")


class ClientBase(Generic[T]):
    """`T` is the transport type (httpx.BaseTransport or httpx.AsyncBaseTransport)."""

    _http_class: ClassVar[Callable[..., Any]]
    _make_transport: ClassVar[Callable[[ClientCore, str | None], Any]]

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
        transport: T | None = None,
        settings: Settings | None = None,
        rate_limiter: TokenBucket | int | str | None = None,
        log_stream: TextIO | None = None,
        http2: bool | None = None,
        gzip_min_bytes: int | None = None,
        capture_content: bool | None = None,
        cache: bool | None = None,
    ) -> None:
        options = ClientOptions(
            api_key=api_key,
            base_url=base_url,
            backup_base_urls=backup_base_urls,
            store=store,
            app=app,
            timeout=timeout,
            max_retries=max_retries,
            fallback=fallback,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            clock=clock,
            settings=settings,
            rate_limiter=rate_limiter,
            log_stream=log_stream,
            http2=http2,
            gzip_min_bytes=gzip_min_bytes,
            capture_content=capture_content,
            cache=cache,
        )
        self._core = core = ClientCore(options)
        self._http = type(self)._http_class(transport=transport, **core.http_kwargs())
        make = type(self)._make_transport
        self._chat: list[T]
        self._chat, self._own_transports = transports_for(
            core.chat_urls, lambda proxy: make(core, proxy), transport
        )
        self._attach()

    def _attach(self) -> None:
        """Set the API namespaces (`chat`, `models`, `completions`)."""
        raise NotImplementedError

    @property
    def store(self) -> Store:
        return self._core.store

    @property
    def breaker(self) -> Any:
        return self._core.breaker

    def __repr__(self) -> str:
        core = self._core
        return f"{type(self).__name__}(app={core.settings.app!r}, base_url={core.endpoints[0]!r})"
