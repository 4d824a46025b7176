"""SENTINEL_CALLS_RETENTION: call records (which carry the subject key) expire. SQLite
deletes in batches, Elasticsearch drops whole daily indices; `sentinel serve` runs it
on the leader; doctor shows the setting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.daemon import Daemon
from sentinel.doctor_data import check_retention
from sentinel.models import CallRecord, Conversation
from sentinel.rules.loader import RuleSet
from sentinel.store.sqlite import SQLiteStore
from sentinel.store.sqlite.records import _EXPIRE_BATCH

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def calls(days_ago: list[float], prefix: str = "c") -> list[CallRecord]:
    return [
        CallRecord(
            request_id=f"{prefix}{i}",
            timestamp=NOW - timedelta(days=d),
            model="deepseek-v4-flash",
            subject_key="k" * 64,
        )
        for i, d in enumerate(days_ago)
    ]


def test_sqlite_deletes_only_older_calls_in_batches(sqlite_store: SQLiteStore) -> None:
    old = [401 + i / 100 for i in range(_EXPIRE_BATCH * 2 + 17)]  # more than two batches
    young = [0.5, 10, 399.9]
    sqlite_store.write_records(calls(old, "old") + calls(young, "young"))
    conv = Conversation(request_id="conv", timestamp=NOW - timedelta(days=500),
                        model="deepseek-v4-flash", messages=[])  # fmt: skip
    sqlite_store.write_records([conv])
    assert sqlite_store.expire_calls(NOW - timedelta(days=400)) == len(old)
    assert sqlite_store.count("call") == len(young)
    assert all(sqlite_store.get_call(f"young{i}") for i in range(3))
    assert sqlite_store.count("conversation") == 1  # only call records expire here
    assert sqlite_store.expire_calls(NOW - timedelta(days=400)) == 0  # idempotent


@pytest.mark.elasticsearch
def test_elasticsearch_drops_whole_daily_indices(
    es_store_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sentinel.store.elastic import records as elastic_records

    monkeypatch.setattr(elastic_records, "_EXPIRE_INDICES", 2)  # three days: two delete requests
    store = es_store_factory()
    cutoff = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
    records = [
        CallRecord(request_id=f"r{day}-{h}", timestamp=datetime(2026, 5, day, h, tzinfo=UTC),
                   model="deepseek-v4-flash")
        for day in (7, 8, 9, 10, 11) for h in (1, 13)
    ]  # fmt: skip
    store.write_records(records)
    store.refresh()
    assert store.expire_calls(cutoff) == 6  # May 7, 8, 9: days that ended before the cutoff
    indices = set(store.client.indices.get(index=f"{store.prefix}-calls-*"))
    assert indices == {f"{store.prefix}-calls-2026.05.10", f"{store.prefix}-calls-2026.05.11"}
    store.refresh()
    assert store.count("call") == 4  # the cut-off's own day stays whole until it ends
    assert store.expire_calls(cutoff) == 0


def _daemon(store: SQLiteStore, **settings: Any) -> tuple[Daemon, FakeClock]:
    clock = FakeClock(NOW)
    daemon = Daemon(store, Settings(**settings), clock, rules=RuleSet(groups=[], files=[]),
                    notifiers=[], node_id="retention-test")  # fmt: skip
    assert daemon.lease.acquire(NOW)
    return daemon, clock


def test_serve_expires_calls_on_the_leader(sqlite_store: SQLiteStore) -> None:
    sqlite_store.write_records(calls([2, 30, 31], "c"))
    daemon, _ = _daemon(sqlite_store, calls_retention="30d12h")
    daemon._expire_calls()
    assert sqlite_store.count("call") == 2
    forever, _ = _daemon(sqlite_store, calls_retention="0")
    forever._expire_calls()
    assert sqlite_store.count("call") == 2


def test_retention_is_a_duration_and_doctor_shows_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Settings().calls_retention == timedelta(days=400)
    monkeypatch.setenv("SENTINEL_CALLS_RETENTION", "90d")
    check = check_retention(Settings())
    assert check.status == "ok" and "90d" in check.detail
    monkeypatch.setenv("SENTINEL_CALLS_RETENTION", "0")
    assert check_retention(Settings()).status == "warn"
    monkeypatch.setenv("SENTINEL_CALLS_RETENTION", "a year")
    with pytest.raises(ValueError, match="invalid duration"):
        Settings()
