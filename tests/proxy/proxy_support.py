"""Helpers shared by the proxy tests (a plain module so tests can import it by name;
every conftest is a module named `conftest`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import uvicorn

from sentinel.client.async_ import AsyncSentinel
from sentinel.models import CallRecord
from sentinel.store.budget_state import Budget, Period, put_budget
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek


class ServerThread:
    """uvicorn on an ephemeral loopback port, in a background thread."""

    def __init__(self, app: object) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="proxy-test", daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "proxy did not start"
            time.sleep(0.01)
        return self

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Proxy:
    url: str
    fake: FakeDeepSeek
    client: AsyncSentinel
    store: SQLiteStore
    tokens: dict[str, str]  # "proxy", "alerts:read", "revoked" -> bearer token
    app: Any

    @property
    def base_url(self) -> str:
        """What an OpenAI SDK's base_url is set to."""
        return f"{self.url}/v1"

    def flush(self) -> None:
        assert self.client._core.sink.flush(10)


def overspend(store: SQLiteStore, app: str, per: Period, now: datetime) -> None:
    """`app` has spent 3.00 USD at `now` against a budget of 1.00 USD per `per`."""
    store.write_records(
        [
            CallRecord(request_id=f"paid-{app}", timestamp=now, app=app,
                       model="deepseek-v4-flash", outcome="success", http_status=200,
                       duration_ms=5, cost=3.0, cost_currency="USD")
        ]
    )  # fmt: skip
    put_budget(store, Budget(app=app, per=per, limit=1.0, currency="USD"))
