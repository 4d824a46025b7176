"""The FastAPI application that `sentinel serve` mounts: one router per concern
(FastAPI's "bigger applications" layout). Routers read the services from the typed
`ApiState` set here (`sentinel.api.state.api_state(app)`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from sentinel.api.state import ApiState
from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.tokens import TokenRegistry
from sentinel.config import Settings
from sentinel.store.base import Store
from sentinel.web.state import install_state

if TYPE_CHECKING:
    from sentinel.jobs.runtime import JobRuntime


def create_app(
    store: Store,
    settings: Settings | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    exports_dir: Path | None = None,
    job_runtime: JobRuntime | None = None,
) -> FastAPI:
    """Build the API over `store`. `job_runtime` is the daemon's (woken when an async
    job is submitted); `exports_dir` defaults to `<data dir>/exports`."""
    from sentinel.api import docs
    from sentinel.api.routers import alerts, async_jobs, explore, gdpr, health, spend, status
    from sentinel.web import middleware

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
    install_state(
        app,
        ApiState(
            store=store,
            settings=settings,
            clock=clock,
            tokens=TokenRegistry(store, settings.subject_secret_bytes(), clock),
            exports_dir=exports_dir,
            job_runtime=job_runtime,
        ),
    )
    for module in (health, alerts, gdpr, status, async_jobs, spend, explore):
        app.include_router(module.router)
    middleware.install(app, max_body_bytes=settings.api_max_body_bytes)
    return app
