"""DeepSeek's usage in full: context-cache hit/miss input tokens and reasoning tokens, on
the response, the record, the span, the ECS line, both stores' window totals and the
rule metrics built on them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sentinel.rules.metrics import call_value
from sentinel.store.base import CallStats

SYSTEM = {"role": "system", "content": "You are a support bot for ACME routers, be brief."}


def two_calls_sharing_a_prefix(client: Any) -> list[Any]:
    first = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[SYSTEM, {"role": "user", "content": "reset?"}]
    )
    second = client.chat.completions.create(
        model="deepseek-v4-flash", messages=[SYSTEM, {"role": "user", "content": "wifi?"}]
    )
    return [first, second]


def test_cache_and_reasoning_tokens_reach_response_record_span_and_log(harness: Any) -> None:
    first, second = two_calls_sharing_a_prefix(harness.client())
    assert first.usage.prompt_cache_hit_tokens == 0
    assert second.usage.prompt_cache_hit_tokens == len(SYSTEM["content"].split())
    assert second.usage.prompt_cache_miss_tokens == 1
    assert second.usage.reasoning_tokens and second.usage.reasoning_tokens > 0
    records = harness.calls()
    spans = sorted(harness.spans.get_finished_spans(), key=lambda s: s.start_time or 0)
    lines = harness.log_lines()
    for resp, record, span, line in zip([first, second], records, spans, lines, strict=True):
        usage = resp.usage
        assert record.cache_hit_tokens == usage.prompt_cache_hit_tokens
        assert record.cache_miss_tokens == usage.prompt_cache_miss_tokens
        assert record.reasoning_tokens == usage.completion_tokens_details.reasoning_tokens
        a = span.attributes
        assert a["gen_ai.usage.cache_read.input_tokens"] == usage.prompt_cache_hit_tokens
        assert a["sentinel.usage.cache_miss.input_tokens"] == usage.prompt_cache_miss_tokens
        assert a["gen_ai.usage.reasoning.output_tokens"] == usage.reasoning_tokens
        u = line["gen_ai"]["usage"]
        assert u["cache_read"]["input_tokens"] == usage.prompt_cache_hit_tokens
        assert u["reasoning"]["output_tokens"] == usage.reasoning_tokens
        assert line["sentinel"]["usage"]["cache_miss"]["input_tokens"] == (
            usage.prompt_cache_miss_tokens
        )


def _window_checks(stats: CallStats, records: list[Any]) -> None:
    window = timedelta(minutes=1)
    hit = sum(r.cache_hit_tokens for r in records)
    miss = sum(r.cache_miss_tokens for r in records)
    assert stats.tokens["cache_hit_tokens"] == hit and stats.tokens["cache_miss_tokens"] == miss
    assert call_value("cache_hit_ratio", stats, window) == hit / (hit + miss)
    assert call_value("input_tokens_rate", stats, window) == (
        sum(r.input_tokens for r in records) / 60
    )
    assert call_value("output_tokens_rate", stats, window) == (
        sum(r.output_tokens for r in records) / 60
    )
    assert call_value("reasoning_tokens_rate", stats, window) == (
        sum(r.reasoning_tokens for r in records) / 60
    )


def test_sqlite_window_totals_and_rule_metrics(harness: Any) -> None:
    two_calls_sharing_a_prefix(harness.client())
    records = harness.calls()
    start = min(r.timestamp for r in records) - timedelta(seconds=1)
    [stats] = harness.store.call_stats(start, start + timedelta(minutes=1))
    _window_checks(stats, records)


def test_elasticsearch_window_totals_and_rule_metrics(harness: Any, es_store_factory: Any) -> None:
    store = es_store_factory()
    two_calls_sharing_a_prefix(harness.client())
    records = harness.calls()
    store.write_records(records)
    store.refresh()
    start = min(r.timestamp for r in records) - timedelta(seconds=1)
    [stats] = store.call_stats(start, start + timedelta(minutes=1))
    _window_checks(stats, records)


def test_cache_hit_ratio_is_undefined_without_token_counts() -> None:
    assert call_value("cache_hit_ratio", CallStats(labels={}, total=3), timedelta(1)) is None
