"""Which of the four timeouts fired is in the error: an upstream that never answers
is the first-byte timeout's, one that stops mid-body the idle timeout's, each naming
its setting (a bare "timed out: ReadTimeout" left the developer guessing which to
raise). Both clients, streamed and not, against hand-written loopback upstreams."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from loopback import QuietHandler, http_server

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.config import Settings
from sentinel.errors import APITimeoutError

MSG = [{"role": "user", "content": "hi"}]
RELEASE = threading.Event()  # set at teardown so the stand-ins' threads end


class Silent(QuietHandler):
    """Reads the request, never answers."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        RELEASE.wait(30)


class Stalls(QuietHandler):
    """Starts a stream, sends half an event, then goes quiet."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(b'data: {"id":"x","choices":[{"index":0,"delta":{"content":"he')
        self.wfile.flush()
        RELEASE.wait(30)


@pytest.fixture(autouse=True)
def _release() -> Any:
    RELEASE.clear()
    yield
    RELEASE.set()


def call(url: str, tmp_path: Path, make: str, stream: bool) -> APITimeoutError:
    settings = Settings(
        spool_dir=tmp_path / "spool",
        store=f"sqlite:///{tmp_path}/calls.db",
        first_byte_timeout="300ms",
        read_timeout="300ms",
        timeout="20s",
        max_retries=0,
    )
    kwargs: dict[str, Any] = {"api_key": "sk-test", "base_url": url, "settings": settings}
    if make == "client":
        with Sentinel(**kwargs) as client, pytest.raises(APITimeoutError) as err:
            resp = client.chat.completions.create(
                model="deepseek-v4-flash", messages=MSG, stream=stream
            )
            for _ in resp if stream else ():
                pass
        return err.value

    async def run() -> None:
        client = AsyncSentinel(**kwargs)
        try:
            resp = await client.chat.completions.create(
                model="deepseek-v4-flash", messages=MSG, stream=stream
            )
            if stream:
                async for _ in resp:
                    pass
        finally:
            await client.aclose()

    with pytest.raises(APITimeoutError) as err:
        asyncio.run(run())
    return err.value


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("make", ["client", "aclient"])
def test_no_response_names_the_first_byte_timeout(tmp_path: Path, make: str, stream: bool) -> None:
    with http_server(Silent) as url:
        error = call(url, tmp_path, make, stream)
    assert "first-byte timeout of 0.3s (SENTINEL_FIRST_BYTE_TIMEOUT)" in str(error)
    assert "SENTINEL_READ_TIMEOUT" not in str(error)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("make", ["client", "aclient"])
def test_a_body_that_stops_names_the_idle_timeout(tmp_path: Path, make: str, stream: bool) -> None:
    with http_server(Stalls) as url:
        error = call(url, tmp_path, make, stream)
    assert "no data for 0.3s after the response started (SENTINEL_READ_TIMEOUT)" in str(error)
