"""The explorer's queries on SQLite (`sentinel.store.explore`).

Every filter is a column of the calls table and the window is the `calls_ts` range, so
a page reads the index newest first and stops after `limit` matches; the keyset is
(ts, rowid), the order of that index itself, so no sort step is needed (a subject's or a
conversation's calls come from their own indexes instead). Percentiles are
nearest-rank, computed in SQL (window functions), not by shipping every duration to
Python.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sentinel.models import CallRecord
from sentinel.store.explore import (
    PERCENTILES,
    Bucket,
    CallFilter,
    CallPage,
    ModelTotals,
    Resilience,
    decode_cursor,
    encode_cursor,
    fill_buckets,
)
from sentinel.store.schema import TOKEN_FIELDS

if TYPE_CHECKING:
    import sqlite3

    from sentinel.store.sqlite import SQLiteStore

_EQUAL = ("app", "model", "http_status", "subject_key", "conversation_id")


def _where(f: CallFilter) -> tuple[str, list[Any]]:
    sql = ["ts >= ?", "ts < ?"]
    params: list[Any] = [f.start.timestamp(), f.end.timestamp()]
    for name in _EQUAL:
        value = getattr(f, name)
        if value is not None:
            sql.append(f"{name} = ?")
            params.append(value)
    if f.outcome is not None:
        sql.append("is_error = ?")
        params.append(int(f.outcome == "failure"))
    if f.cost_above is not None:
        sql.append("cost > ?")
        params.append(f.cost_above)
    if f.latency_above_ms is not None:
        sql.append("duration_ms > ?")
        params.append(f.latency_above_ms)
    return " AND ".join(sql), params


class SQLiteExplore:
    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        def run(c: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return c.execute(sql, params).fetchall()

        return self.store._op(run)

    def calls(self, where: CallFilter, limit: int, cursor: str | None) -> CallPage:
        sql, params = _where(where)
        if cursor is not None:
            ts, rowid = decode_cursor(cursor, ((int, float), int))
            sql += " AND (ts < ? OR (ts = ? AND rowid < ?))"
            params += [ts, ts, rowid]
        # The page's keys first, then their documents: when an index other than calls_ts
        # serves the filter (a subject's calls), only (ts, rowid) pairs are sorted.
        rows = self._rows(
            "SELECT page.r, page.ts, calls.doc FROM (SELECT rowid AS r, ts FROM calls"
            f" WHERE {sql} ORDER BY ts DESC, rowid DESC LIMIT ?) AS page"
            " JOIN calls ON calls.rowid = page.r ORDER BY page.ts DESC, page.r DESC",
            [*params, limit + 1],
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return CallPage(
            calls=[CallRecord.model_validate_json(doc) for _, _, doc in rows],
            next_cursor=encode_cursor([rows[-1][1], rows[-1][0]]) if more else None,
        )

    def series(self, where: CallFilter, step: timedelta) -> list[Bucket]:
        sql, params = _where(where)
        width = step.total_seconds()
        bucket = "CAST((ts - ?) / ? AS INTEGER)"
        counts = self._rows(
            f"SELECT {bucket} AS b, COUNT(*), SUM(is_error) FROM calls WHERE {sql} GROUP BY b",
            [where.start.timestamp(), width, *params],
        )
        ranks = " OR ".join(f"rn = ({q} * n + 99) / 100" for q in PERCENTILES)
        picked = self._rows(
            f"SELECT b, rn, n, duration_ms FROM (SELECT {bucket} AS b, duration_ms,"
            " ROW_NUMBER() OVER (PARTITION BY " + bucket + " ORDER BY duration_ms) AS rn,"
            " COUNT(*) OVER (PARTITION BY " + bucket + f") AS n FROM calls WHERE {sql})"
            f" WHERE {ranks}",
            [where.start.timestamp(), width] * 3 + params,
        )
        latency: dict[int, dict[int, float | None]] = {}
        for b, rn, n, ms in picked:
            for q in PERCENTILES:
                if rn == (q * n + 99) // 100:
                    latency.setdefault(b, {})[q] = ms
        return fill_buckets(where, step, {b: (n, e or 0) for b, n, e in counts}, latency)

    def by_model(self, where: CallFilter) -> list[ModelTotals]:
        sql, params = _where(where)
        sums = ", ".join(f"SUM({name})" for name in TOKEN_FIELDS)
        rows = self._rows(
            f"SELECT model, COUNT(*), {sums}, SUM(cost), MAX(cost_currency) FROM calls"
            f" WHERE {sql} GROUP BY model ORDER BY COUNT(*) DESC, model",
            params,
        )
        n = len(TOKEN_FIELDS)
        return [
            ModelTotals(
                model=row[0],
                calls=row[1],
                tokens={name: int(row[2 + i] or 0) for i, name in enumerate(TOKEN_FIELDS)},
                cost=row[2 + n],
                cost_currency=row[3 + n],
            )
            for row in rows
        ]

    def resilience(self, where: CallFilter) -> Resilience:
        sql, params = _where(where)
        [row] = self._rows(
            "SELECT COUNT(CASE WHEN retries > 0 THEN 1 END), SUM(retries),"
            " COUNT(CASE WHEN failovers > 0 THEN 1 END), SUM(failovers)"
            f" FROM calls WHERE {sql}",
            params,
        )
        return Resilience(*(int(v or 0) for v in row))
