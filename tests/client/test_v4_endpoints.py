"""Beside chat: FIM completions, the model list and the balance, in both clients, with
telemetry and (for FIM) the call's full resilience and records."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sentinel.errors import InsufficientBalanceError, InvalidRequestError


def test_fim_is_a_recorded_text_completion_that_retries(harness: Any) -> None:
    client = harness.client()
    harness.fake.script(429, endpoint="fim")
    resp = client.completions.create(
        model="deepseek-v4-flash", prompt="def add(a, b):\n", suffix="\n    return c",
        max_tokens=30, subject_id="dev-1",
    )  # fmt: skip
    assert resp.object == "text_completion" and resp.content
    sent = harness.fake.requests[-1]
    assert sent.path == "/beta/completions" and sent.json()["suffix"] == "\n    return c"
    assert "messages" not in sent.json() and "thinking" not in sent.json()
    harness.assert_one_each(1)
    record = harness.store.get_call(resp.request_id)
    assert record.operation == "text_completion" and record.retries == 1
    assert record.output_tokens == resp.usage.completion_tokens
    assert harness.store.get_conversation(resp.request_id).completion == resp.content
    [span] = harness.spans.get_finished_spans()
    assert span.name == "text_completion deepseek-v4-flash"
    assert span.attributes["gen_ai.operation.name"] == "text_completion"


def test_fim_validates_before_sending(harness: Any) -> None:
    client = harness.client()
    with pytest.raises(InvalidRequestError, match="prompt is required"):
        client.completions.create(model="deepseek-v4-flash", suffix="x")
    with pytest.raises(TypeError):
        client.completions.create(model="deepseek-v4-flash", prompt="x", messages=[])
    assert harness.fake.count("fim") == 0


def test_balance_and_models_in_both_clients(harness: Any) -> None:
    harness.fake.balances = {"USD": 3.25, "CNY": 0.0}
    sync = harness.client()
    balance = sync.balance()
    assert balance.is_available is True
    assert {b.currency: b.total_balance for b in balance.balance_infos} == {
        "USD": "3.25", "CNY": "0.00",
    }  # fmt: skip
    assert [m.id for m in sync.models.list()] == harness.fake.models
    aclient = harness.aclient()

    async def run() -> Any:
        try:
            return await aclient.balance(), await aclient.models.list()
        finally:
            await aclient.aclose()

    abalance, amodels = asyncio.run(run())
    assert abalance == balance and [m.id for m in amodels] == harness.fake.models
    names = sorted(s.name for s in harness.spans.get_finished_spans())
    assert names == ["GET /models", "GET /models", "GET /user/balance", "GET /user/balance"]


def test_balance_errors_map_and_are_on_the_span(harness: Any) -> None:
    harness.fake.fail(402, endpoint="balance")
    with pytest.raises(InsufficientBalanceError):
        harness.client().balance()
    [span] = harness.spans.get_finished_spans()
    assert span.attributes["http.response.status_code"] == 402
    assert span.attributes["error.type"] == "InsufficientBalanceError"
