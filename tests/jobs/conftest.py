"""Fixtures: a Sentinel deployment for async jobs (see jobs_support.Deployment)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from jobs_support import Deployment, Receiver, job_settings
from loopback import serve

from sentinel.api.app import create_app
from sentinel.api.state import api_state
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state


@pytest.fixture
def deployment_factory(
    sqlite_store: SQLiteStore, tmp_path: Path, fake_deepseek: FakeDeepSeek
) -> Iterator[Callable[..., Deployment]]:
    made: list[tuple[Deployment, uvicorn.Server, threading.Thread]] = []

    def make(runtime: bool = True, **overrides: Any) -> Deployment:
        settings = job_settings(tmp_path, **overrides)
        app = create_app(sqlite_store, settings, exports_dir=tmp_path / "exports")
        registry = web_state(app).tokens
        tokens, ids = {}, {}
        for name, scopes in {"proxy": ["proxy"], "proxy2": ["proxy"], "admin": ["admin"],
                             "gdpr": ["gdpr:export"]}.items():  # fmt: skip
            tokens[name], info = registry.create(f"t-{name}", scopes)
            ids[name] = info.id
        server, thread, url = serve(app)
        d = Deployment(sqlite_store, settings, fake_deepseek, httpx.Client(base_url=url),
                       tokens, ids, Receiver())  # fmt: skip
        if runtime:
            api_state(app).job_runtime = d.start_runtime()
        made.append((d, server, thread))
        return d

    yield make
    for d, server, thread in made:
        for runtime in d.runtimes:
            runtime.stop(5)
        server.should_exit = True
        thread.join(10)
        d.http.close()
        d.receiver.stop()


@pytest.fixture
def deployment(deployment_factory: Callable[..., Deployment]) -> Deployment:
    return deployment_factory()
