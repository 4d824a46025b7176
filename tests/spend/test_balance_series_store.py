"""The balance series on both stores (SQLite table `balance`, Elasticsearch index
`<prefix>-balance`): one row per poll and currency, kept for the retention, what the
burn rate and hours left are read from; the pre-series state entry is imported once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.balance import BalanceSample, burn_per_hour, hours_left
from sentinel.store.balance_state import (
    LEGACY_SERIES_KEY,
    balance_series,
    latest_balance,
    record_balance,
)
from sentinel.store.base import Store

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def _sample(minutes: int, usd: float, cny: float | None = None, ok: bool = True) -> BalanceSample:
    amounts = {"USD": {"total": usd, "granted": 1.0, "topped_up": usd - 1.0}}
    if cny is not None:
        amounts["CNY"] = {"total": cny}
    return BalanceSample(T0 + timedelta(minutes=minutes), ok, amounts)


def test_each_poll_is_a_row_per_currency_read_back_whole(store: Store) -> None:
    polls = [_sample(0, 10.0, 70.0), _sample(30, 9.0, 63.0), _sample(60, 7.5, 52.5)]
    for poll in polls:
        record_balance(store, poll, retention=DAY)
    record_balance(store, polls[-1], retention=DAY)  # a repeated poll: still one row each
    store.refresh()
    assert balance_series(store) == polls
    assert balance_series(store, since=polls[0].at) == polls[1:]
    # burn rate and hours left from the stored series
    series = balance_series(store)
    assert burn_per_hour(series, "USD", DAY, polls[-1].at) == 2.5
    assert hours_left(series, "CNY", DAY, polls[-1].at) == 52.5 / 17.5
    latest = latest_balance(store)
    assert latest == polls[-1]


def test_a_poll_without_amounts_keeps_its_availability(store: Store) -> None:
    record_balance(store, _sample(0, 5.0), retention=DAY)
    empty = BalanceSample(T0 + timedelta(minutes=5), False, {})
    record_balance(store, empty, retention=DAY)
    store.refresh()
    assert balance_series(store)[-1] == empty


def test_rows_older_than_the_retention_go_as_the_poller_writes(store: Store) -> None:
    kept = record_balance(store, _sample(0, 10.0), retention=timedelta(minutes=45))
    assert [s.total("USD") for s in kept] == [10.0]
    record_balance(store, _sample(30, 9.0), retention=timedelta(minutes=45))
    kept = record_balance(store, _sample(60, 8.0), retention=timedelta(minutes=45))
    store.refresh()
    assert [s.total("USD") for s in kept] == [9.0, 8.0]
    assert [s.total("USD") for s in balance_series(store)] == [9.0, 8.0]
    assert store.expire_balance(T0 + DAY) == 2
    store.refresh()
    assert balance_series(store) == []


def test_the_state_entry_of_older_versions_is_imported_once(store: Store) -> None:
    old = [_sample(0, 10.0), _sample(30, 9.5)]
    store.set_state(LEGACY_SERIES_KEY, {"samples": [s.to_dict() for s in old]})
    record_balance(store, _sample(60, 9.0), retention=DAY)
    store.refresh()
    assert [s.total("USD") for s in balance_series(store)] == [10.0, 9.5, 9.0]
    assert store.get_state(LEGACY_SERIES_KEY) is None


def test_the_schema_check_knows_the_balance_series(store: Store) -> None:
    report = store.check_templates()  # SQLite: every table, `balance` included
    assert report.ok, (report.missing, report.outdated)
    if store.name == "elasticsearch":
        index = store._index("balance")  # type: ignore[attr-defined]
        record_balance(store, _sample(0, 3.0, 21.0), retention=DAY)
        store.client.indices.refresh(index=index)  # type: ignore[attr-defined]
        assert store.client.count(index=index)["count"] == 2  # type: ignore[attr-defined]
        store.client.indices.delete_index_template(name=index)  # type: ignore[attr-defined]
        assert store.check_templates().missing == [index]
