"""Chat transports: the environment's proxy as httpx would choose it, and sharded async
pools that keep a shard busy until its response (e.g. a long stream) is closed."""

from __future__ import annotations

import asyncio
import json

import httpx

from sentinel.client.transport import ShardedAsyncTransport, proxy_for, transports_for


def test_proxy_from_environment_with_no_proxy_and_loopback(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    assert proxy_for(httpx.URL("https://api.deepseek.com")) == "http://proxy.corp:3128"
    assert proxy_for(httpx.URL("https://llm.internal.example")) is None
    assert proxy_for(httpx.URL("http://127.0.0.1:8080")) is None
    urls = [httpx.URL("https://api.deepseek.com"), httpx.URL("https://b.deepseek.com")]
    made: list[str | None] = []
    chosen, owned = transports_for(urls, lambda proxy: made.append(proxy) or object())
    assert made == ["http://proxy.corp:3128"] and chosen[0] is chosen[1] and owned == [chosen[0]]
    given = object()
    assert transports_for(urls, lambda proxy: object(), given) == ([given, given], [])


async def test_a_long_stream_keeps_its_shard_busy_until_closed(fake_deepseek):
    fake_deepseek.keepalive_comments = 0
    transport = ShardedAsyncTransport(
        lambda limits: httpx.AsyncHTTPTransport(limits=limits),
        httpx.Limits(max_connections=2, max_keepalive_connections=2),
        shards=2,
    )
    url = httpx.URL(fake_deepseek.url + "/chat/completions")

    def request(stream: bool) -> httpx.Request:
        body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}
        if stream:
            body["stream"] = True
        return httpx.Request(
            "POST",
            url,
            content=json.dumps(body).encode(),
            headers={"authorization": f"Bearer {fake_deepseek.api_key}"},
        )

    stream = await transport.handle_async_request(request(stream=True))
    assert transport._load == [1, 0]
    # each shard holds one connection: this only finishes because it goes to shard 1
    plain = await asyncio.wait_for(transport.handle_async_request(request(False)), 5)
    await plain.aread()
    assert plain.status_code == 200 and transport._load == [1, 0]
    await stream.aread()  # reading to the end closes the response
    assert transport._load == [0, 0]
    await transport.aclose()
