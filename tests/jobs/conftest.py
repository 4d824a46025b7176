"""A Sentinel deployment for async jobs, all real and on loopback: the API served by
uvicorn, a JobRuntime running jobs through a Sentinel client against FakeDeepSeek,
one SQLite store, and a webhook receiver (see jobs_support)."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from jobs_support import SECRET, Receiver

from sentinel.api.app import create_app
from sentinel.api.deps import compliance_for
from sentinel.client import Sentinel
from sentinel.config import Settings
from sentinel.jobs.runtime import JobRuntime
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

pytest_plugins = ["sentinel.testing.pytest_plugin"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def job_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_allowed_hosts": ["127.0.0.1"],
        "webhook_secret": SECRET,
        "webhook_retry_base": "0.2s",
        "webhook_retry_max": "1s",
        "job_lease": "2s",
        "spool_dir": tmp_path / "spool",
        **overrides,
    }
    return Settings(**values)


def make_runtime(
    store: Store,
    settings: Settings,
    fake: FakeDeepSeek,
    holder: str,
    run_jobs: bool = True,
    **kwargs: Any,
) -> JobRuntime:
    def client() -> Sentinel:
        return Sentinel(api_key=fake.api_key, base_url=fake.url, store=store, settings=settings,
                        log_stream=io.StringIO())  # fmt: skip

    factory = client if run_jobs else None
    return JobRuntime(store, settings, factory, holder=holder, poll=0.05, **kwargs)


@dataclass
class Deployment:
    store: SQLiteStore
    settings: Settings
    fake: FakeDeepSeek
    http: httpx.Client
    tokens: dict[str, str]
    token_ids: dict[str, str]
    receiver: Receiver
    runtimes: list[JobRuntime] = field(default_factory=list)

    def submit(self, token: str = "proxy", **body: Any) -> httpx.Response:
        body.setdefault("model", "deepseek-chat")
        body.setdefault("messages", [{"role": "user", "content": "hello"}])
        return self.http.post(
            "/v1/async/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[token]}"},
        )

    def start_runtime(self, holder: str = "worker-1", **kwargs: Any) -> JobRuntime:
        runtime = make_runtime(self.store, self.settings, self.fake, holder, **kwargs).start()
        self.runtimes.append(runtime)
        return runtime


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def deployment_factory(
    sqlite_store: SQLiteStore, tmp_path: Path, fake_deepseek: FakeDeepSeek
) -> Iterator[Callable[..., Deployment]]:
    made: list[tuple[Deployment, uvicorn.Server, threading.Thread]] = []

    def make(runtime: bool = True, **overrides: Any) -> Deployment:
        settings = job_settings(tmp_path, **overrides)
        app = create_app(sqlite_store, settings, exports_dir=tmp_path / "exports")
        registry = compliance_for(app).tokens
        tokens, ids = {}, {}
        for name, scopes in {"proxy": ["proxy"], "proxy2": ["proxy"], "admin": ["admin"],
                             "gdpr": ["gdpr:export"]}.items():  # fmt: skip
            tokens[name], info = registry.create(f"t-{name}", scopes)
            ids[name] = info.id
        server, thread, url = serve(app)
        d = Deployment(sqlite_store, settings, fake_deepseek, httpx.Client(base_url=url),
                       tokens, ids, Receiver())  # fmt: skip
        if runtime:
            app.state.job_runtime = d.start_runtime()
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
