"""Failover behind the proxy: the app sees one endpoint; the sidecar's client moves to the
backup when the primary answers 503, and the app gets 503 only when every endpoint is down."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from proxy_support import ServerThread

from sentinel.client.async_ import AsyncSentinel
from sentinel.config import Settings
from sentinel.proxy.app import create_proxy_app
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek
from sentinel.web.state import web_state

MESSAGES = [{"role": "user", "content": "fail over"}]


def test_primary_down_backup_answers_and_all_down_is_503(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    with FakeDeepSeek() as primary, FakeDeepSeek() as backup:
        client = AsyncSentinel(
            api_key=primary.api_key,
            base_url=primary.url,
            backup_base_urls=[backup.url],
            store=sqlite_store,
            max_retries=0,
            settings=Settings(spool_dir=tmp_path / "spool"),
        )
        app = create_proxy_app(client, close_client=True)
        token, _ = web_state(app).tokens.create("app", ["proxy"])
        with ServerThread(app) as server:
            sdk = openai.OpenAI(base_url=f"{server.url}/v1", api_key=token, max_retries=0)
            primary.fail_always(503)
            raw = sdk.chat.completions.with_raw_response.create(
                model="deepseek-v4-flash", messages=MESSAGES
            )
            assert raw.parse().choices[0].message.content == "Echo: fail over"
            assert client._core.sink.flush(10)
            record = sqlite_store.get_call(raw.headers["x-request-id"])
            assert record.failovers == 1 and record.endpoint == backup.url.split("//")[1]

            backup.fail_always(503)
            with pytest.raises(openai.InternalServerError) as info:
                sdk.chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES)
            assert info.value.status_code == 503
            assert info.value.body["code"] == "upstream_unavailable"
