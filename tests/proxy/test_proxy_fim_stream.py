"""The proxy relays a streamed FIM completion (`POST /beta/completions`, stream=True) as
SSE in the completions shape the openai SDK reads (`choices[].text`, usage last)."""

from __future__ import annotations

from pathlib import Path

import openai
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

FIM = {"model": "deepseek-v4-flash", "prompt": "def add(a, b):\n", "suffix": "\n    return c"}


def test_fim_stream_through_the_proxy_to_the_openai_sdk(fake: FakeDeepSeek, tmp_path: Path) -> None:
    client = AsyncSentinel(
        api_key=fake.api_key,
        base_url=fake.url,
        store=f"sqlite:///{tmp_path / 'calls.db'}",
        settings=Settings(spool_dir=tmp_path / "spool"),
    )
    app = create_proxy_app(client, close_client=True)
    token, _ = web_state(app).tokens.create("app", ["proxy"])
    with ServerThread(app) as server:
        sdk = openai.OpenAI(base_url=f"{server.url}/beta", api_key=token, max_retries=0)
        whole = sdk.completions.create(**FIM)
        chunks = list(sdk.completions.create(**FIM, stream=True))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == whole.choices[0].text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
