"""The explorer's queries (`sentinel.store.explore`) on SQLite and the real Elasticsearch:
keyset pages cover every match exactly once, newest first; each filter selects what
a plain Python filter over the written records selects; the charts' counts, error
counts, percentiles and per-model totals agree with the records."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.models import CallRecord
from sentinel.store.base import Store
from sentinel.store.explore import CallFilter, encode_cursor, explorer_for

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START = NOW - timedelta(hours=6)


def _calls() -> list[CallRecord]:
    out = []
    for i in range(90):
        fail = i % 6 == 0
        out.append(
            CallRecord(
                request_id=f"{i:032x}",
                # two calls share each timestamp: the keyset must break ties
                timestamp=NOW - timedelta(minutes=4 * (i // 2), seconds=0),
                app="shop" if i % 3 else "support",
                model="deepseek-v4-pro" if i % 4 == 0 else "deepseek-v4-flash",
                outcome="failure" if fail else "success",
                http_status=(503 if i % 12 == 0 else 429) if fail else 200,
                error_type="ServiceUnavailableError" if fail else None,
                duration_ms=float(20 + (i * 37) % 900),
                retries=i % 3 if i % 4 == 1 else 0,
                failovers=1 if i % 15 == 0 else 0,
                input_tokens=100 + i,
                output_tokens=10 + i,
                cache_hit_tokens=i,
                reasoning_tokens=i % 5,
                cost=round(0.001 * i, 6) if i % 10 else None,
                cost_currency="USD" if i % 10 else None,
                subject_key="k-alice" if i % 7 == 0 else None,
                conversation_id=f"conv-{i % 5}" if i % 2 else None,
            )
        )
    out.append(CallRecord(request_id="f" * 32, timestamp=NOW - timedelta(days=2), model="old"))
    return out


@pytest.fixture
def seeded(store: Store) -> tuple[Store, list[CallRecord]]:
    calls = _calls()
    store.write_records(calls)
    store.refresh()
    return store, [c for c in calls if START <= c.timestamp < NOW + timedelta(minutes=1)]


def _all_pages(store: Store, where: CallFilter, limit: int) -> list[CallRecord]:
    queries = explorer_for(store)
    out: list[CallRecord] = []
    cursor = None
    for _ in range(1000):
        page = queries.calls(where, limit, cursor)
        assert len(page.calls) <= limit
        out += page.calls
        cursor = page.next_cursor
        if cursor is None:
            return out
    raise AssertionError("paging never ended")


def _window(**kw: Any) -> CallFilter:
    return CallFilter(start=START, end=NOW + timedelta(minutes=1), **kw)


def test_pages_cover_every_call_once_newest_first(seeded: Any) -> None:
    store, calls = seeded
    got = _all_pages(store, _window(), limit=7)
    assert len(got) == len(calls) == 90
    assert {c.request_id for c in got} == {c.request_id for c in calls}
    stamps = [c.timestamp for c in got]
    assert stamps == sorted(stamps, reverse=True)
    assert (
        got[0].model_dump()
        == next(c for c in calls if c.request_id == got[0].request_id).model_dump()
    )


FILTERS: list[dict[str, Any]] = [
    {"app": "support"},
    {"model": "deepseek-v4-pro"},
    {"outcome": "failure"},
    {"outcome": "success"},
    {"http_status": 503},
    {"subject_key": "k-alice"},
    {"conversation_id": "conv-3"},
    {"cost_above": 0.05},
    {"latency_above_ms": 700.0},
    {"app": "support", "outcome": "failure", "latency_above_ms": 100.0},
]


def _keep(c: CallRecord, kw: dict[str, Any]) -> bool:
    return all(
        (c.cost is not None and c.cost > v) if k == "cost_above"
        else c.duration_ms > v if k == "latency_above_ms"
        else getattr(c, k) == v
        for k, v in kw.items()
    )  # fmt: skip


def test_each_filter_selects_what_python_selects(seeded: Any) -> None:
    store, calls = seeded
    for kw in FILTERS:
        expected = {c.request_id for c in calls if _keep(c, kw)}
        assert 0 < len(expected) < len(calls), kw  # each case selects some, not all
        got = {c.request_id for c in _all_pages(store, _window(**kw), limit=10)}
        assert got == expected, kw


def test_time_range_is_honoured(seeded: Any) -> None:
    store, calls = seeded
    where = CallFilter(start=NOW - timedelta(hours=1), end=NOW - timedelta(minutes=20))
    expected = {c.request_id for c in calls if where.start <= c.timestamp < where.end}
    assert {c.request_id for c in _all_pages(store, where, 50)} == expected


def test_a_bad_cursor_is_a_value_error(seeded: Any) -> None:
    store, _ = seeded
    # the last ones have the shape of a cursor but values no page gave (["x", "x"], ...)
    forged = [encode_cursor(v) for v in (["x", "x"], ["2026-03-02", "a"], [1.5, "x"])]
    for bad in ("garbage", "WzEsMiwzXQ", "W10", "eyJhIjoxfQ", *forged):
        with pytest.raises(ValueError, match="cursor"):
            explorer_for(store).calls(_window(), 5, bad)


def _nearest_rank(values: list[float], q: int) -> float:
    s = sorted(values)
    return s[max(1, math.ceil(q * len(s) / 100)) - 1]


def test_series_counts_errors_and_percentiles(seeded: Any) -> None:
    store, calls = seeded
    step = timedelta(hours=1)
    buckets = explorer_for(store).series(_window(), step)
    assert len(buckets) == 7  # 6 h and 1 min in steps of 1 h
    assert [b.start for b in buckets] == [START + n * step for n in range(7)]
    for b in buckets:
        inside = [c for c in calls if b.start <= c.timestamp < b.start + step]
        assert b.calls == len(inside)
        assert b.errors == sum(c.is_error for c in inside)
        if not inside:
            assert b.latency_ms[50] is None
            continue
        durations = [c.duration_ms for c in inside]
        p = [b.latency_ms[q] for q in (50, 95, 99)]
        assert min(durations) <= p[0] <= p[1] <= p[2] <= max(durations)
        if store.name == "sqlite":  # Elasticsearch's digest interpolates between ranks
            assert p == [_nearest_rank(durations, q) for q in (50, 95, 99)]
    assert sum(b.calls for b in buckets) == len(calls)


def test_totals_by_model(seeded: Any) -> None:
    store, calls = seeded
    totals = explorer_for(store).by_model(_window())
    assert [t.model for t in totals] == ["deepseek-v4-flash", "deepseek-v4-pro"]  # most first
    for t in totals:
        mine = [c for c in calls if c.model == t.model]
        assert t.calls == len(mine)
        assert t.tokens["input_tokens"] == sum(c.input_tokens for c in mine)
        assert t.tokens["reasoning_tokens"] == sum(c.reasoning_tokens for c in mine)
        assert t.tokens["cache_miss_tokens"] == 0
        assert t.cost == pytest.approx(sum(c.cost or 0 for c in mine))
        assert t.cost_currency == "USD"


def test_resilience_totals(seeded: Any) -> None:
    store, calls = seeded
    got = explorer_for(store).resilience(_window())
    assert got.retried_calls == sum(c.retries > 0 for c in calls) > 0
    assert got.retries == sum(c.retries for c in calls)
    assert got.failed_over_calls == got.failovers == sum(c.failovers for c in calls) > 0


def test_a_column_added_later_is_filled_from_stored_calls(sqlite_store: Any) -> None:
    """A database from before http_status, retries and failovers were columns: setup()
    adds them and fills them from each call's document, so old calls match filters."""
    calls = _calls()
    sqlite_store.write_records(calls)
    for column in ("http_status", "retries", "failovers"):
        sqlite_store._op(lambda c, col=column: c.execute(f"ALTER TABLE calls DROP COLUMN {col}"))
    sqlite_store.close()
    reopened = type(sqlite_store)(sqlite_store.path)
    reopened.setup()
    inside = [c for c in calls if c.timestamp >= START]
    got = _all_pages(reopened, _window(http_status=503), 50)
    assert {c.request_id for c in got} == {c.request_id for c in inside if c.http_status == 503}
    assert explorer_for(reopened).resilience(_window()).retries == sum(c.retries for c in inside)
    reopened.close()
