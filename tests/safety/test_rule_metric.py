"""content_flagged_rate from both stores' window aggregations (real SQLite, real
Elasticsearch), one series per category, and the rule file rules it accepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from sentinel.models import CallRecord, CallSafety
from sentinel.rules.metrics import MetricReader
from sentinel.rules.model import Rule
from sentinel.store.base import Store
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _safety(*categories: str) -> CallSafety:
    counts = dict.fromkeys(categories, 1)
    return CallSafety(categories=sorted(counts), action="mask", matches=len(counts), counts=counts)


def seed(store: Store) -> None:
    """40 calls in the window, 10 of them before it. In the window: app a has 20 calls
    (5 insult, 2 of those also spam), app b has 20 calls (1 spam)."""
    records = []
    for i in range(40):
        app = "a" if i < 20 else "b"
        safety = None
        if app == "a" and i < 5:
            safety = _safety("insult", "spam") if i < 2 else _safety("insult")
        elif app == "b" and i == 25:
            safety = _safety("spam")
        records.append(
            CallRecord(
                request_id=f"w-{i}", timestamp=NOW - timedelta(seconds=10 + i),
                model="deepseek-v4-flash", app=app, safety=safety,
            )
        )  # fmt: skip
    records += [
        CallRecord(request_id=f"old-{i}", timestamp=NOW - timedelta(hours=2),
                   model="deepseek-v4-flash", app="a", safety=_safety("insult"))
        for i in range(10)
    ]  # fmt: skip
    store.write_records(records)
    store.refresh()


def rule(**kw: Any) -> Rule:
    base = {"alert": "Flagged", "metric": "content_flagged_rate", "window": "10m", "op": ">",
            "threshold": 0.0}  # fmt: skip
    return Rule.model_validate({**base, **kw})


def check_store(store: Store) -> None:
    seed(store)
    [total] = store.call_stats(NOW - timedelta(minutes=10), NOW)
    assert total.total == 40 and total.flagged == {"insult": 5, "spam": 3}
    reader = MetricReader(store, NOW, timedelta(hours=72))
    by_app = {(s.labels["app"], s.labels["category"]): (s.value, s.count)
              for s in reader.samples(rule(group_by=["app"]))}  # fmt: skip
    assert by_app == {
        ("a", "insult"): (5 / 20, 20),
        ("a", "spam"): (2 / 20, 20),
        ("b", "spam"): (1 / 20, 20),
    }
    only = reader.samples(rule(where={"category": "spam", "app": "b"}))
    assert [(s.labels, s.value) for s in only] == [({"category": "spam"}, 1 / 20)]
    # nothing flagged in a window: no series, so an alert on a category resolves
    quiet = MetricReader(store, NOW - timedelta(hours=1), timedelta(hours=72))
    assert quiet.samples(rule()) == []


def test_sqlite(sqlite_store: SQLiteStore) -> None:
    check_store(sqlite_store)


def test_elasticsearch(es_store_factory: Callable[..., Any]) -> None:
    store = es_store_factory()
    check_store(store)
    # the record round-trips with its safety field, under sentinel.safety
    call = store.get_call("w-0")
    assert call is not None and call.safety == _safety("insult", "spam")


def test_category_is_a_filter_not_a_grouping() -> None:
    assert rule(where={"category": "insult"}).where == {"category": "insult"}
    with pytest.raises(ValidationError, match="cannot be used with metric content_flagged_rate"):
        rule(group_by=["category"])
    with pytest.raises(ValidationError, match="cannot be used with metric error_rate"):
        rule(metric="error_rate", where={"category": "insult"})
