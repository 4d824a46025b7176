"""The polled balance series of both stores: one row (SQLite table `balance`) or
document (index `<prefix>-balance`) per poll and currency: time, currency, total,
granted, topped-up and `is_available`. What the burn rate, hours left and the balance
rule metrics read. A mixin per store, hooked as a base class of each.

The id of a sample is its poll time and currency, so writing one twice (a retried
poll) keeps one. A poll whose answer named no currency is kept as one row with an
empty currency, so `is_available` is never lost. Rows older than the retention
(SENTINEL_BALANCE_RETENTION) are deleted by the poller as it writes
(`sentinel.store.balance_state.record_balance`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from sentinel.balance import KINDS, BalanceSample

BALANCE_SCHEMA = """
CREATE TABLE IF NOT EXISTS balance (
    ts REAL NOT NULL, currency TEXT NOT NULL, is_available INTEGER NOT NULL,
    total REAL, granted REAL, topped_up REAL, PRIMARY KEY (ts, currency)
);
"""
# one flat row: (time, currency, is_available, total, granted, topped_up)
Row = tuple[datetime, str, bool, float | None, float | None, float | None]


@runtime_checkable
class BalanceSeries(Protocol):
    def write_balance(self, sample: BalanceSample) -> None:
        """Store one poll's sample (idempotent by poll time and currency)."""

    def balance_samples(self, since: datetime | None = None) -> list[BalanceSample]:
        """The samples polled after `since` (all without it), oldest first."""

    def expire_balance(self, before: datetime) -> int:
        """Delete the samples polled before `before`; how many rows went."""


def rows_of(sample: BalanceSample) -> list[Row]:
    amounts = sample.amounts or {"": {}}
    return [
        (sample.at, currency, sample.is_available, *(a.get(k) for k in KINDS))  # type: ignore[misc]
        for currency, a in sorted(amounts.items())
    ]


def samples_of(rows: Iterable[Row]) -> list[BalanceSample]:
    """Rows of any order back to samples, oldest first."""
    samples = []
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    for at, group in itertools.groupby(ordered, key=lambda r: r[0]):
        rows_at = list(group)
        amounts = {
            currency: {k: v for k, v in zip(KINDS, values, strict=True) if v is not None}
            for _, currency, _, *values in rows_at
            if currency
        }
        samples.append(BalanceSample(at, rows_at[0][2], amounts))
    return samples


def _epoch(dt: datetime) -> float:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


class SQLiteBalanceSeries:
    _op: Any

    def write_balance(self, sample: BalanceSample) -> None:
        rows = [(_epoch(r[0]), r[1], int(r[2]), *r[3:]) for r in rows_of(sample)]
        self._op(
            lambda c: c.executemany(
                "INSERT OR REPLACE INTO balance (ts, currency, is_available, total, granted,"
                " topped_up) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        )

    def balance_samples(self, since: datetime | None = None) -> list[BalanceSample]:
        after = -1.0 if since is None else _epoch(since)
        found = self._op(
            lambda c: c.execute(
                "SELECT ts, currency, is_available, total, granted, topped_up FROM balance"
                " WHERE ts > ? ORDER BY ts",
                (after,),
            ).fetchall()
        )
        return samples_of(
            (datetime.fromtimestamp(ts, UTC), cur, bool(ok), *values)
            for ts, cur, ok, *values in found
        )

    def expire_balance(self, before: datetime) -> int:
        return self._op(
            lambda c: c.execute("DELETE FROM balance WHERE ts < ?", (_epoch(before),)).rowcount
        )


class ElasticBalanceSeries:
    client: Any
    _op: Any
    _index: Any
    _scan: Any
    _delete_matching: Any

    def write_balance(self, sample: BalanceSample) -> None:
        for at, currency, available, *values in rows_of(sample):
            balance: dict[str, Any] = {"currency": currency, "is_available": available}
            balance.update({k: v for k, v in zip(KINDS, values, strict=True) if v is not None})
            self._op(
                self.client.index,
                index=self._index("balance"),
                id=f"{at.isoformat()}|{currency}",
                document={"@timestamp": at, "sentinel": {"balance": balance}},
                refresh=True,  # read by the next rule evaluation; one write per poll
            )

    def balance_samples(self, since: datetime | None = None) -> list[BalanceSample]:
        query: dict[str, Any] = (
            {"match_all": {}}
            if since is None
            else {"range": {"@timestamp": {"gt": since.isoformat()}}}
        )
        rows: list[Row] = []
        for hits in self._scan(self._index("balance"), query):
            for hit in hits:
                src = hit["_source"]
                b = src["sentinel"]["balance"]
                at = datetime.fromisoformat(src["@timestamp"])
                rows.append((at, b["currency"], b["is_available"], *(b.get(k) for k in KINDS)))  # type: ignore[arg-type]
        return samples_of(rows)

    def expire_balance(self, before: datetime) -> int:
        query = {"range": {"@timestamp": {"lt": before.isoformat()}}}
        return self._delete_matching(
            self._index("balance"),
            query,
            what=f"balance samples polled before {before.isoformat()}",
            then="the next balance poll expires them again",
        )
