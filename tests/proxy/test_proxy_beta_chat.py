"""An OpenAI SDK pointed at `<proxy>/beta`, DeepSeek's beta base URL, as its docs say to
for chat prefix completion (`prefix: true` on the last, assistant, message): the proxy
serves POST /beta/chat/completions like /v1/chat/completions (auth, records, streams)
and sends it upstream to /beta/chat/completions."""

from __future__ import annotations

import httpx
import openai
import pytest
from proxy_support import Proxy

PREFIX = [
    {"role": "user", "content": "Please write quick sort code"},
    {"role": "assistant", "content": "```python\n", "prefix": True},
]


def beta_sdk(proxy: Proxy, token: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{proxy.url}/beta", api_key=token or proxy.tokens["proxy"], max_retries=0
    )


def test_prefix_completion_through_the_beta_base_url(proxy: Proxy) -> None:
    raw = beta_sdk(proxy).chat.completions.with_raw_response.create(
        model="deepseek-v4-flash", messages=PREFIX, stop=["```"]
    )
    resp = raw.parse()
    assert resp.choices[0].message.content == "Echo: Please write quick sort code"
    upstream = proxy.fake.requests[-1]
    assert upstream.path == "/beta/chat/completions"
    assert upstream.json()["messages"][-1] == PREFIX[-1]  # the prefix flag went along
    proxy.flush()
    record = proxy.store.get_call(raw.headers["x-request-id"])
    assert record is not None and record.outcome == "success"
    assert record.params.prefix is True


def test_a_beta_call_without_a_prefix_still_goes_to_the_beta_path(proxy: Proxy) -> None:
    # the beta base URL also serves what needs no prefix (strict tool mode, say): the
    # proxy forwards to where the app sent it
    chunks = list(
        beta_sdk(proxy).chat.completions.create(
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: hi"
    assert proxy.fake.requests[-1].path == "/beta/chat/completions"


def test_the_beta_path_needs_a_proxy_token(proxy: Proxy) -> None:
    with pytest.raises(openai.AuthenticationError):
        beta_sdk(proxy, "not-a-token").chat.completions.create(
            model="deepseek-v4-flash", messages=PREFIX
        )
    resp = httpx.post(
        f"{proxy.url}/beta/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": PREFIX},
        headers={"authorization": f"Bearer {proxy.tokens['alerts:read']}"},
        timeout=10,
    )
    assert resp.status_code == 403
    assert proxy.fake.count("chat") == 0


def test_fake_deepseek_refuses_a_prefix_outside_beta(proxy: Proxy) -> None:
    # as DeepSeek does: the beta feature needs the beta base URL
    resp = httpx.post(
        f"{proxy.fake.url}/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": PREFIX},
        headers={"authorization": f"Bearer {proxy.fake.api_key}"},
        timeout=10,
    )
    assert resp.status_code == 400
    assert "prefix is only available when using beta api" in resp.json()["error"]["message"]
