"""The FastAPI application that `sentinel serve` mounts: one router per concern
(FastAPI's "bigger applications" layout). Routers read shared objects from
`request.app.state` (store, settings, clock, alert manager), set here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.config import Settings
from sentinel.store.base import Store


def create_app(
    store: Store, settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK, **state: Any
) -> FastAPI:
    """Build the API. Extra keyword arguments land on `app.state` (e.g. the daemon's
    rule engine), so routers can reach daemon objects without globals."""
    from sentinel.api import docs, middleware
    from sentinel.api.routers import alerts, async_jobs, gdpr, health, status

    settings = settings or Settings()
    app = FastAPI(
        title="DeepSeek Sentinel",
        version="0.1.0",
        description="Compliance (GDPR export/erasure), alerts and health of a Sentinel deployment.",
        docs_url=None,
        redoc_url=None,
    )
    if settings.api_docs:
        docs.install(app)
    app.state.store = store
    app.state.settings = settings
    app.state.clock = clock
    for key, value in state.items():
        setattr(app.state, key, value)
    for module in (health, alerts, gdpr, status, async_jobs):
        app.include_router(module.router)
    middleware.install(app, max_body_bytes=settings.api_max_body_bytes)
    return app
