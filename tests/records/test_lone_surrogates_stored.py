"""A conversation holding a lone surrogate (a broken client's "\\ud800": a Python
string may hold one, UTF-8 and JSON may not) was dead-lettered whole: its serialisation
failed, so it never reached the store. Now each lone surrogate of a conversation is
stored as U+FFFD (a pair as its character), and the call record and the conversation
both arrive, in the real SQLite and Elasticsearch stores, through the real client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel import AsyncSentinel, Sentinel
from sentinel.config import Settings
from sentinel.models import CallRecord, Conversation
from sentinel.records.segments import encode, made_valid
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

PROMPT = "hi \ud800 there \udcff, and a pair \ud83d\ude00"
STORED = "hi \ufffd there \ufffd, and a pair \U0001f600"


def _call(fake: FakeDeepSeek, store: Any, tmp_path: Path) -> str:
    fake.reply = lambda _messages: "a fine answer"  # (the fake's echo would send it back)
    client = Sentinel(
        api_key=fake.api_key, base_url=fake.url, store=store,
        settings=Settings(spool_dir=tmp_path / "spool"),
    )  # fmt: skip
    try:
        resp = client.chat.completions.create(
            model="deepseek-v4-flash", thinking={"type": "disabled"},
            messages=[{"role": "user", "content": PROMPT, "name": "bob\ud800"}],
            conversation_id="conv-1",
        )  # fmt: skip
        assert client.flush(10)
        assert client._core.sink.dead_lettered == 0
        return resp.request_id
    finally:
        client.close()


def _arrived(store: Any, request_id: str) -> tuple[CallRecord, Conversation]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        call, conversation = store.get_call(request_id), store.get_conversation(request_id)
        if call is not None and conversation is not None:
            return call, conversation
        time.sleep(0.1)
    raise AssertionError("the call or its conversation never arrived")


def _check(call: CallRecord, conversation: Conversation) -> None:
    assert call.outcome == "success"
    assert conversation.messages[-1]["content"] == STORED
    assert conversation.messages[-1]["name"] == "bob\ufffd"
    assert conversation.conversation_id == "conv-1"
    assert conversation.completion == "a fine answer"


def test_sqlite_stores_the_conversation(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    _check(*_arrived(sqlite_store, _call(fake, sqlite_store, tmp_path)))
    assert not list((tmp_path / "spool").rglob("dead-letter*"))  # nothing set aside


def test_elasticsearch_stores_the_conversation(
    fake: FakeDeepSeek, es_store_factory: Callable[..., Any], tmp_path: Path
) -> None:
    store = es_store_factory()
    _check(*_arrived(store, _call(fake, store, tmp_path)))
    assert not list(tmp_path.rglob("dead-letter*"))


def test_the_spool_keeps_such_a_record_too() -> None:
    """The spool's own serialisation (a store down) makes it valid the same way."""
    record = Conversation(
        request_id="r1", timestamp=datetime.now(UTC), model="deepseek-v4-flash",
        messages=[{"role": "user", "content": PROMPT}],
    )  # fmt: skip
    chunks, bad = encode([record])
    assert len(chunks) == 1 and not bad
    valid = made_valid(record)
    assert valid is not None and valid.messages[0]["content"] == STORED
    assert made_valid(valid) is None  # nothing left to make valid
    assert record.messages[0]["content"] == PROMPT  # the app's record is not changed


@pytest.fixture
def fake() -> Any:
    with FakeDeepSeek() as server:
        yield server


ANSWER = "an answer x\ud800y"  # FakeDeepSeek writes it as JSON does: "x\\ud800y"


def _answered(fake: FakeDeepSeek, store: Any, tmp_path: Path, stream: bool, use_async: bool) -> str:
    """orjson and pydantic's parser refuse an escaped lone surrogate: the call failed
    with "unparseable response body" / "unparseable stream chunk"."""
    fake.reply = lambda _messages: ANSWER
    kwargs: dict[str, Any] = {
        "model": "deepseek-v4-flash", "thinking": {"type": "disabled"}, "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
    }  # fmt: skip
    settings = Settings(spool_dir=tmp_path / f"spool-{stream}-{use_async}")
    if use_async:

        async def run() -> tuple[str, str]:
            async with AsyncSentinel(
                api_key=fake.api_key, base_url=fake.url, store=store, settings=settings
            ) as aclient:
                if stream:
                    text, rid = "", ""
                    async for chunk in await aclient.chat.completions.create(**kwargs):
                        text += chunk.choices[0].delta.content or "" if chunk.choices else ""
                        rid = chunk.request_id
                    assert await aclient.flush(10)
                    return text, rid
                resp = await aclient.chat.completions.create(**kwargs)
                assert await aclient.flush(10)
                return resp.choices[0].message.content or "", resp.request_id

        text, request_id = asyncio.run(run())
    else:
        client = Sentinel(api_key=fake.api_key, base_url=fake.url, store=store, settings=settings)
        try:
            if stream:
                text, request_id = "", ""
                for chunk in client.chat.completions.create(**kwargs):
                    text += chunk.choices[0].delta.content or "" if chunk.choices else ""
                    request_id = chunk.request_id
            else:
                resp = client.chat.completions.create(**kwargs)
                text, request_id = resp.choices[0].message.content or "", resp.request_id
            assert client.flush(10)
        finally:
            client.close()
    assert text == ANSWER  # the lone surrogate as the standard library gives it
    return request_id


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_an_answer_escaping_a_lone_surrogate_reaches_the_app_and_the_store(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path, stream: bool, use_async: bool
) -> None:
    request_id = _answered(fake, sqlite_store, tmp_path, stream, use_async)
    call, conversation = _arrived(sqlite_store, request_id)
    assert call.outcome == "success"
    assert conversation.completion == "an answer x\ufffdy"


def test_a_stop_sequence_with_a_lone_surrogate_is_stored_not_dead_lettered(
    fake: FakeDeepSeek, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    """The call record's stop sequences are the app's text, like a prompt: the record
    went to the dead-letter file instead of the store."""
    client = Sentinel(
        api_key=fake.api_key, base_url=fake.url, store=sqlite_store,
        settings=Settings(spool_dir=tmp_path / "spool"),
    )  # fmt: skip
    try:
        resp = client.chat.completions.create(
            model="deepseek-v4-flash", thinking={"type": "disabled"},
            messages=[{"role": "user", "content": "hi"}], stop=["end\ud800", "\n\n"],
        )  # fmt: skip
        assert client.flush(10)
        assert client._core.sink.dead_lettered == 0
    finally:
        client.close()
    call, _ = _arrived(sqlite_store, resp.request_id)
    assert call.outcome == "success"
    assert call.params.stop == ["end\ufffd", "\n\n"]
    assert not list((tmp_path / "spool").rglob("dead-letter*"))
