"""An app that hangs up on the proxy mid-stream cancelled its call: the record says so
(outcome failure, error.type CancelledError, stream abandoned), the requests counter
counts it so, and the upstream stream is closed at once. A stream the proxy relayed to
its end stays a success. The real proxy (uvicorn on loopback) in front of a real
AsyncSentinel and FakeDeepSeek; the app is a raw httpx stream that closes its socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

MODEL = "deepseek-v4-flash"


class Hangup:
    def __init__(self, url: str, token: str, client: AsyncSentinel, reader: InMemoryMetricReader):
        self.url, self.token, self.client, self.reader = url, token, client, reader

    def requests(self) -> dict[tuple[Any, Any], int]:
        """sentinel's requests counter by (outcome, error type)."""
        out: dict[tuple[Any, Any], int] = {}
        data = self.reader.get_metrics_data()
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if "request" not in metric.name or not hasattr(metric.data, "data_points"):
                        continue
                    for p in metric.data.data_points:
                        a = p.attributes or {}
                        if "sentinel.outcome" not in a:
                            continue
                        key = (a.get("sentinel.outcome"), a.get("error.type"))
                        out[key] = out.get(key, 0) + int(p.value)
        return out


@pytest.fixture
def hangup(fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[Hangup]:
    reader = InMemoryMetricReader()
    client = AsyncSentinel(
        api_key=fake.api_key, base_url=fake.url, store=sqlite_store, app="hangup",
        meter_provider=MeterProvider(metric_readers=[reader]),
        settings=Settings(spool_dir=tmp_path / "spool"),
    )  # fmt: skip
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("t-proxy", ["proxy"])
    with ServerThread(app) as server:
        yield Hangup(server.url, token, client, reader)


def _stream(h: Hangup, words: int) -> httpx.Response:
    body = {
        "model": MODEL, "stream": True, "thinking": {"type": "disabled"},
        "messages": [{"role": "user", "content": " ".join(f"w{i}" for i in range(words))}],
    }  # fmt: skip
    return httpx.Request(
        "POST", f"{h.url}/v1/chat/completions", json=body,
        headers={"authorization": f"Bearer {h.token}"},
    )  # fmt: skip


def _record(h: Hangup, store: SQLiteStore, request_id: str) -> Any:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert h.client._core.sink.flush(10)
        if (record := store.get_call(request_id)) is not None:
            return record
        time.sleep(0.05)
    raise AssertionError("call not recorded after the app hung up")


def test_an_app_hanging_up_mid_stream_is_recorded_and_counted_as_cancelled(
    hangup: Hangup, fake: FakeDeepSeek, sqlite_store: SQLiteStore
) -> None:
    fake.chunk_delay = 0.2  # ~12 s of stream: the app leaves long before its end
    started = time.monotonic()
    with httpx.Client(timeout=10) as http:
        resp = http.send(_stream(hangup, 60), stream=True)
        try:
            request_id = resp.headers["x-request-id"]
            lines = resp.iter_lines()
            while not next(lines).startswith("data: {"):
                pass
        finally:
            resp.close()  # the app hangs up
    record = _record(hangup, sqlite_store, request_id)
    assert time.monotonic() - started < 8  # the upstream stream was closed, not read out
    assert record.outcome == "failure"
    assert record.error_type == "CancelledError"
    assert record.stream_abandoned is True
    assert hangup.requests().get(("failure", "CancelledError")) == 1


def test_a_stream_relayed_to_its_end_is_still_a_success(
    hangup: Hangup, sqlite_store: SQLiteStore
) -> None:
    req = _stream(hangup, 5)
    with httpx.Client(timeout=10) as http:
        resp = http.send(req)
    assert resp.text.rstrip().endswith("data: [DONE]")
    record = _record(hangup, sqlite_store, resp.headers["x-request-id"])
    assert record.outcome == "success" and not record.stream_abandoned
    assert hangup.requests().get(("failure", "CancelledError")) is None


def test_an_in_process_stream_whose_task_is_cancelled_is_recorded_as_cancelled(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    fake.chunk_delay = 0.2

    async def run() -> str:
        async with AsyncSentinel(
            api_key=fake.api_key, base_url=fake.url, store=sqlite_store,
            settings=Settings(spool_dir=tmp_path / "spool2"),
        ) as client:  # fmt: skip
            stream = await client.chat.completions.create(
                model=MODEL, stream=True, thinking={"type": "disabled"},
                messages=[{"role": "user", "content": " ".join(["w"] * 30)}],
            )  # fmt: skip

            async def read() -> None:
                async for _ in stream:
                    pass

            task = asyncio.create_task(read())
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return stream.request_id

    request_id = asyncio.run(run())
    record = sqlite_store.get_call(request_id)
    assert record is not None
    assert record.outcome == "failure" and record.error_type == "CancelledError"


def _whole(h: Hangup, path: str = "/v1/chat/completions") -> httpx.Request:
    body: dict[str, Any] = {"model": MODEL, "thinking": {"type": "disabled"}}
    if path == "/beta/completions":
        body["prompt"] = "def add(a, b):"
    else:
        body["messages"] = [{"role": "user", "content": "hello there"}]
    return httpx.Request(
        "POST", f"{h.url}{path}", json=body, headers={"authorization": f"Bearer {h.token}"}
    )


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/beta/completions"])
def test_an_app_hanging_up_before_a_whole_answer_is_a_cancelled_call_with_its_usage(
    hangup: Hangup, fake: FakeDeepSeek, sqlite_store: SQLiteStore, path: str
) -> None:
    endpoint = "fim" if path == "/beta/completions" else "chat"
    fake.set_latency(1.0, endpoint=endpoint)  # the app gives up after 0.3 s
    with httpx.Client(timeout=0.3) as http, pytest.raises(httpx.ReadTimeout):
        http.send(_whole(hangup, path))
    deadline = time.monotonic() + 10
    while fake.count(endpoint) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.2)  # the upstream answers; the proxy reads and prices it
    assert hangup.client._core.sink.flush(10)
    records = [
        r
        for batch in sqlite_store.iter_calls_since(datetime(2000, 1, 1, tzinfo=UTC))
        for r in batch
    ]
    assert len(records) == 1
    record = records[0]
    assert record.outcome == "failure"
    assert record.error_type == "CancelledError"
    assert record.output_tokens and record.input_tokens  # the upstream may bill it
    assert record.cost and record.cost > 0
    hangup.client._core.telemetry.flush(10)  # (metrics are built off the calling thread)
    assert hangup.requests().get(("failure", "CancelledError")) == 1


def test_a_whole_answer_the_app_waits_for_is_still_a_success(
    hangup: Hangup, fake: FakeDeepSeek, sqlite_store: SQLiteStore
) -> None:
    fake.set_latency(0.3)
    with httpx.Client(timeout=10) as http:
        resp = http.send(_whole(hangup))
    assert resp.status_code == 200
    record = _record(hangup, sqlite_store, resp.headers["x-request-id"])
    assert record.outcome == "success" and record.error_type is None
    hangup.client._core.telemetry.flush(10)
    assert hangup.requests().get(("success", None)) == 1
