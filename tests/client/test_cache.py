"""The response cache, end to end: real client, FakeDeepSeek over loopback, real SQLite
(and the real Elasticsearch for erasure), FakeClock for expiry."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from sentinel.client.cache import cache_key, storable
from sentinel.client.types import ChatCompletion
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.errors import BadRequestError, ConfigurationError
from sentinel.privacy.job import run_once
from sentinel.settings_errors import describe

Harness = Any  # tests/client/conftest.py's harness fixture
MSG = [{"role": "user", "content": "hello"}]
DET = {"model": "deepseek-v4-flash", "messages": MSG, "temperature": 0}
SUBJECT = "user-cache-4242"


def cached(h: Harness, **settings: Any) -> Any:
    return h.client(settings=Settings(cache=True, **settings))


def counter(h: Harness, name: str) -> int:
    return int(sum(p.value for p in h.metric_points(name)))


def cache_attr(h: Harness) -> list[Any]:
    spans = sorted(h.spans.get_finished_spans(), key=lambda s: s.start_time or 0)
    return [s.attributes.get("sentinel.cache.hit") for s in spans]


def test_hit_returns_the_same_answer_with_a_new_request_id_and_no_upstream_call(
    harness: Harness,
) -> None:
    client = cached(harness)
    first = client.chat.completions.create(**DET)
    client.flush()
    second = client.chat.completions.create(**DET)

    assert harness.fake.count() == 1
    assert second.request_id != first.request_id
    assert second.model_dump(exclude={"request_id"}) == first.model_dump(exclude={"request_id"})
    # The one-span/one-log-line/one-record guarantee holds for the hit too.
    harness.assert_one_each(2)
    records = harness.calls()
    assert [r.cached for r in records] == [False, True]
    assert records[1].outcome == "success" and records[1].total_tokens is None
    assert records[0].total_tokens == first.usage.total_tokens
    assert cache_attr(harness) == [False, True]
    assert [line["sentinel"]["cache"] for line in harness.log_lines()] == [
        {"hit": False},
        {"hit": True},
    ]
    assert counter(harness, "sentinel.client.cache.hits") == 1
    assert counter(harness, "sentinel.client.cache.misses") == 1


@pytest.mark.parametrize(
    "change",
    [
        {"messages": [{"role": "user", "content": "hello!"}]},
        {"messages": [{"role": "user", "content": "hello", "name": "bob"}]},
        {"model": "deepseek-v4-pro"},
        {"top_p": 0.5},
        {"max_tokens": 7},
        {"stop": ["\n"]},
        {"frequency_penalty": 0.1},
        {"presence_penalty": 0.1},
        {"response_format": {"type": "json_object"}},
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]},
        {"extra_body": {"seed": 1}},
        {"subject_id": SUBJECT},
    ],
    ids=lambda c: next(iter(c)),
)
def test_any_change_that_can_change_the_answer_misses(
    harness: Harness, change: dict[str, Any]
) -> None:
    client = cached(harness)
    client.chat.completions.create(**DET)
    client.flush()
    client.chat.completions.create(**{**DET, **change})
    assert harness.fake.count() == 2


def test_labels_do_not_change_the_key_but_the_app_does(harness: Harness) -> None:
    client = cached(harness)
    client.chat.completions.create(**DET, metadata={"team": "a"})
    client.flush()
    client.chat.completions.create(**DET, metadata={"team": "b"})
    assert harness.fake.count() == 1
    other = harness.client(settings=Settings(cache=True, app="other-app"))
    other.chat.completions.create(**DET)
    assert harness.fake.count() == 2
    assert cache_key("a", None, DET) == cache_key("a", None, dict(reversed(DET.items())))


@pytest.mark.parametrize(
    "request_kw",
    [{"temperature": 0.3}, {}, {"temperature": 0, "stream": True}],
    ids=["temperature>0", "default-temperature", "stream"],
)
def test_nondeterministic_and_streaming_requests_are_not_cached(
    harness: Harness, request_kw: dict[str, Any]
) -> None:
    client = cached(harness)
    kw = {"model": "deepseek-v4-flash", "messages": MSG, **request_kw}
    for _ in range(2):
        result = client.chat.completions.create(**kw)
        if kw.get("stream"):
            list(result)
        client.flush()
    assert harness.fake.count() == 2
    assert harness.store.count("cache") == 0
    assert cache_attr(harness) == [None, None]  # not consulted: no attribute
    assert counter(harness, "sentinel.client.cache.misses") == 0


def test_entries_expire_after_the_ttl(harness: Harness) -> None:
    client = cached(harness, cache_ttl=timedelta(seconds=60))
    client.chat.completions.create(**DET)
    client.flush()
    harness.clock.advance(59)
    client.chat.completions.create(**DET)
    assert harness.fake.count() == 1
    harness.clock.advance(1)
    client.chat.completions.create(**DET)
    assert harness.fake.count() == 2


def test_ttl_is_never_longer_than_the_anonymization_window(harness: Harness) -> None:
    client = cached(harness, cache_ttl="100h", anonymize_within="72h")
    assert client._core.cache is not None and client._core.cache.ttl == timedelta(hours=72)
    with pytest.raises(ValidationError) as refused:  # a zero TTL is refused with the settings
        cached(harness, cache_ttl="0s")
    assert describe(refused.value) == "SENTINEL_CACHE_TTL: must be positive"
    zero = Settings(cache=True).model_copy(update={"cache_ttl": timedelta(0)})  # unvalidated
    with pytest.raises(ConfigurationError, match="SENTINEL_CACHE_TTL"):
        harness.client(settings=zero)


def test_size_bound_evicts_the_oldest_entry(harness: Harness) -> None:
    client = cached(harness, cache_max_entries=2)
    asks = [[{"role": "user", "content": f"q{i}"}] for i in range(3)]
    for messages in asks:
        client.chat.completions.create(**{**DET, "messages": messages})
        client.flush()
        harness.clock.advance(1)
    assert harness.store.count("cache") == 2
    client.chat.completions.create(**{**DET, "messages": asks[2]})
    assert harness.fake.count() == 3  # the newest is still cached
    client.chat.completions.create(**{**DET, "messages": asks[0]})
    assert harness.fake.count() == 4  # the oldest was evicted


def test_errors_and_fallback_answers_are_never_cached(harness: Harness) -> None:
    client = cached(harness, max_retries=0)
    harness.fake.fail(400)
    with pytest.raises(BadRequestError):
        client.chat.completions.create(**DET)
    client.flush()
    assert harness.store.count("cache") == 0
    degraded = harness.client(
        settings=Settings(cache=True, app="degraded"), fallback=lambda body: "sorry, later"
    )
    harness.fake.fail_always(503)
    assert degraded.chat.completions.create(**DET).content == "sorry, later"
    degraded.flush()
    harness.fake.fail_always(None)
    assert degraded.chat.completions.create(**DET).content == "Echo: hello"
    degraded.flush()
    assert harness.store.count("cache") == 1  # only the real answer


def test_a_store_that_is_down_makes_every_call_a_miss_not_an_error(
    harness: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sentinel.store.elastic import ElasticStore

    down = ElasticStore.from_settings(  # nothing listens on port 1
        "http://127.0.0.1:1", Settings(), dead_letter_path=tmp_path / "dl.jsonl"
    )
    client = harness.client(store=down, settings=Settings(cache=True))
    for _ in range(2):
        assert client.chat.completions.create(**DET).content == "Echo: hello"
        client._core.cache.flush()
    assert harness.fake.count() == 2
    assert cache_attr(harness) == [False, False]
    assert "cache lookup failed (StoreUnavailable)" in caplog.text
    assert "could not store a cache entry (StoreUnavailable)" in caplog.text


def test_only_normally_finished_answers_are_storable() -> None:
    def completion(*reasons: str | None) -> ChatCompletion:
        choices = [{"message": {"content": "x"}, "finish_reason": r} for r in reasons]
        return ChatCompletion.model_validate({"choices": choices})

    assert storable(completion("stop")) and storable(completion("length", "tool_calls"))
    assert not storable(completion("insufficient_system_resource"))
    assert not storable(completion("stop", None)) and not storable(completion())


def test_async_client_hits_the_cache(harness: Harness) -> None:
    async def run() -> tuple[ChatCompletion, ChatCompletion]:
        client = harness.aclient(settings=Settings(cache=True))
        try:
            first = await client.chat.completions.create(**DET)
            await client.flush()
            return first, await client.chat.completions.create(**DET)
        finally:
            await client.aclose()

    first, second = asyncio.run(run())
    assert harness.fake.count() == 1
    assert second.content == first.content and second.request_id != first.request_id
    assert cache_attr(harness) == [False, True]


def test_no_raw_subject_id_in_telemetry_only_in_the_entry(harness: Harness) -> None:
    client = cached(harness)
    for _ in range(2):
        client.chat.completions.create(**DET, subject_id=SUBJECT)
        client.flush()
    assert harness.fake.count() == 1
    assert SUBJECT not in harness.log.getvalue()
    for span in harness.spans.get_finished_spans():
        assert SUBJECT not in json.dumps(dict(span.attributes or {}))
    metrics = harness.metrics.get_metrics_data()
    assert metrics is not None and SUBJECT not in metrics.to_json()
    subject_key = client._core.reporter.subject_key(SUBJECT)
    [entry] = harness.store.iter_subject(SUBJECT, subject_key, ["cache"])
    assert entry["subject_key"] == subject_key and entry["subject_id"] == SUBJECT


def _compliance(store: Any, tmp_path: Path) -> Compliance:
    return Compliance.build(store, Settings(), exports_dir=tmp_path / "exports")


def _exported(store: Any, subject_id: str, tmp_path: Path) -> dict[str, int]:
    compliance = _compliance(store, tmp_path)
    out = io.StringIO()
    key = compliance.subject_key(subject_id)
    return compliance.exports.export_now(out, subject_id, key, "tester").counts


def _erase(store: Any, subject_id: str, tmp_path: Path) -> dict[str, Any]:
    compliance = _compliance(store, tmp_path)
    key = compliance.subject_key(subject_id)
    job = compliance.erasures.request(subject_id, key, "tester", "req-cache")
    result = compliance.erasures.run(job["id"])
    assert result is not None and result["status"] == "completed"
    return result


def _erasure_removes_the_subjects_entries(h: Harness, tmp_path: Path) -> None:
    client = cached(h)
    client.chat.completions.create(**DET, subject_id=SUBJECT)
    client.chat.completions.create(**DET, subject_id="someone-else")
    client.flush()
    h.store.refresh()
    assert h.store.count("cache") == 2
    assert _exported(h.store, SUBJECT, tmp_path)["cache"] == 1  # Art. 15: it is held data

    result = _erase(h.store, SUBJECT, tmp_path)
    assert result["removed_by_kind"][h.store.name]["cache"] == 1
    assert h.store.count("cache") == 1
    assert _exported(h.store, SUBJECT, tmp_path)["cache"] == 0
    client.chat.completions.create(**DET, subject_id=SUBJECT)
    client.chat.completions.create(**DET, subject_id="someone-else")
    assert h.fake.count() == 3  # the erased subject's answer came from upstream again
    client.flush()  # ... and was not cached again: the tombstone stops the write
    h.store.refresh()
    assert h.store.count("cache") == 1


def test_erasure_removes_the_subjects_entries_on_sqlite(harness: Harness, tmp_path: Path) -> None:
    _erasure_removes_the_subjects_entries(harness, tmp_path)


def test_erasure_removes_the_subjects_entries_on_elasticsearch(
    harness: Harness, tmp_path: Path, es_store_factory: Callable[..., Any]
) -> None:
    harness.store = es_store_factory()
    _erasure_removes_the_subjects_entries(harness, tmp_path)


def test_sentinel_gdpr_erase_in_another_process_reaches_a_running_apps_cache(
    harness: Harness,
) -> None:
    client = cached(harness)
    client.chat.completions.create(**DET, subject_id=SUBJECT)
    client.flush()
    env = {**os.environ, "SENTINEL_STORE": f"sqlite:///{harness.store.path}", "COLUMNS": "250"}
    done = subprocess.run(
        [sys.executable, "-m", "sentinel.cli", "gdpr", "erase", SUBJECT, "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"cache": 1' in done.stdout
    client.chat.completions.create(**DET, subject_id=SUBJECT)
    assert harness.fake.count() == 2  # no in-process copy survived the erasure


def test_anonymization_job_purges_entries_before_the_raw_data_deadline(
    harness: Harness,
) -> None:
    settings = Settings(cache=True, cache_ttl="72h", anonymize_within="72h", capture_content=False)
    client = harness.client(settings=settings)
    client.chat.completions.create(**DET)
    harness.clock.advance(timedelta(hours=60))
    client.chat.completions.create(**{**DET, "messages": [{"role": "user", "content": "later"}]})
    client.flush()

    report = run_once(harness.store, settings, harness.clock)
    assert report.cache_purged == 0  # nothing is near its deadline yet
    # The job runs every 5 minutes with a 1 h margin: the first entry goes at the
    # latest run that still comes before it is 72 h old.
    harness.clock.advance(timedelta(hours=72 - 60) - timedelta(hours=1, minutes=5))
    report = run_once(harness.store, settings, harness.clock)
    assert report.cache_purged == 1
    assert harness.store.count("cache") == 1
    client.chat.completions.create(**DET)
    assert harness.fake.count() == 3
