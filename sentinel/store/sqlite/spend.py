"""SQLiteStore's spend role: reports from the rollup (`spend_rollup`) for whole UTC days
and from the calls for the partial days at a range's edges, and the reads and cost-only
updates of `sentinel prices recompute` (the rollup follows them through its triggers).

`spend_raw` is the same report from the calls alone, grouped in one pass over the
covering index `calls_spend`: what a filter on a subject or a conversation uses (their
own indexes make it cheap), and the baseline the tests and `benchmarks/spend_report.py`
hold the rollup to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sentinel.models import CallRecord
from sentinel.store.spend_queries import (
    SPEND_GROUPS,
    CostUpdate,
    SpendRow,
    check_groups,
    day_key,
    order_rows,
)
from sentinel.store.sqlite.core import SQLiteCore, rollback

Part = tuple[str, list[Any]]
DAY = 86_400

_CALL_SUMS = (
    "COUNT(*), TOTAL(cost), TOTAL(cache_savings), SUM(COALESCE(cache_hit_tokens, 0)),"
    " SUM(COALESCE(cache_miss_tokens, 0)), SUM(COALESCE(output_tokens, 0))"
)
_ROLLED_SUMS = (
    "SUM(calls), TOTAL(cost), TOTAL(cache_savings), SUM(cache_hit_tokens),"
    " SUM(cache_miss_tokens), SUM(output_tokens)"
)
_DAY_OF_CALL = "CAST(ts / 86400 AS INTEGER)"  # the rollup's `day`, to the same rounding
# --by -> the rollup table and its column for the whole days (conversations: own plan)
_ROLLED = {
    "app": ("spend_daily", "app"),
    "model": ("spend_daily", "model"),
    "day": ("spend_daily", "day"),
    "subject": ("spend_subject", "subject_key"),
    "token": ("spend_token", "token"),
}


def _key(by: str) -> str:
    """The call column a report groups by ("" for none: a NULL never joins)."""
    return _DAY_OF_CALL if by == "day" else f"COALESCE({SPEND_GROUPS[by]}, '')"


def _cond(where: dict[str, str]) -> tuple[str, list[Any]]:
    """`where` by spend group; app and model are also the rollup tables' column names."""
    return "".join(f" AND {SPEND_GROUPS[k]} = ?" for k in where), list(where.values())


def _from_calls(by: str, lo: float, hi: float, where: dict[str, str], extra: str = "") -> Part:
    cond, params = _cond(where)
    return (
        f"SELECT {_key(by)}, COALESCE(cost_currency, ''), {_CALL_SUMS} FROM calls"
        f" WHERE ts >= ? AND ts < ?{cond}{extra} GROUP BY 1, 2",
        [lo, hi, *params],
    )


Days = tuple[int, int] | None


def split_days(start: float, end: float) -> tuple[Days, list[tuple[float, float]]]:
    """The whole UTC days [d0, d1) inside [start, end), never day 0 (so a call from
    before 1970, which CAST rounds to day 0, is only ever read raw), and the edge ranges
    left to read from the calls."""
    d0, d1 = max(-(-start // DAY), 1), end // DAY
    if d0 >= d1:
        return None, [(start, end)] if start < end else []
    edges = [(start, d0 * float(DAY)), (d1 * float(DAY), end)]
    return (int(d0), int(d1)), [(lo, hi) for lo, hi in edges if lo < hi]


def rollup_parts(
    by: str, start: float, end: float, where: dict[str, str], outside_fewer: bool = False
) -> list[Part]:
    """SELECTs of (key, currency, calls, cost, saving, hit, miss, output) whose union,
    summed by key and currency, is the report over [start, end). `outside_fewer`: fewer
    calls lie outside the range than inside (see `_conversation_parts`)."""
    days, edges = split_days(start, end)
    if by == "conversation":
        return _conversation_parts(start, end, days, edges, where, outside_fewer)
    parts = [_from_calls(by, lo, hi, where) for lo, hi in edges]
    if days is not None:
        table, column = _ROLLED[by]
        cond, params = _cond(where)
        parts.append(
            (
                f"SELECT {column}, currency, {_ROLLED_SUMS} FROM {table}"
                f" WHERE day >= ? AND day < ?{cond} GROUP BY 1, 2",
                [*days, *params],
            )
        )
    return parts


def _conversation_parts(
    start: float,
    end: float,
    days: Days,
    edges: list[tuple[float, float]],
    where: dict[str, str],
    outside_fewer: bool,
) -> list[Part]:
    """Calls with no conversation (group ""): the daily rollup and the edges. The rest:
    conversations whose rows lie inside the range, from their lifetime sums; those with a
    row straddling an edge either from their calls inside the range or, when fewer calls
    lie outside it (a range cut a few hours into its first and last days, while
    conversations last weeks), as their lifetime sums minus their calls outside it."""
    cond, params = _cond(where)
    parts = [
        _from_calls("conversation", lo, hi, where, " AND conversation_id IS NULL")
        for lo, hi in edges
    ]
    if days is not None:
        parts.append(
            (
                f"SELECT '', currency, {_ROLLED_SUMS} FROM spend_daily"
                f" WHERE day >= ? AND day < ? AND NOT has_conversation{cond} GROUP BY 2",
                [*days, *params],
            )
        )
    overlap = f"first_ts < ? AND last_ts >= ?{cond}"
    straddling = (
        f"SELECT conversation_id FROM spend_conversation WHERE {overlap}"
        " AND (first_ts < ? OR last_ts >= ?)"
    )
    straddling_params = [end, start, *params, start, end]
    parts.append(
        (
            f"SELECT conversation_id, currency, {_ROLLED_SUMS} FROM spend_conversation"
            f" WHERE {overlap} AND conversation_id NOT IN ({straddling}) GROUP BY 1, 2",
            [end, start, *params, *straddling_params],
        )
    )
    if not outside_fewer:
        parts.append(
            (
                f"SELECT conversation_id, COALESCE(cost_currency, ''), {_CALL_SUMS} FROM calls"
                f" WHERE conversation_id IN ({straddling}) AND ts >= ? AND ts < ?{cond}"
                " GROUP BY 1, 2",
                [*straddling_params, start, end, *params],
            )
        )
        return parts
    parts.append(
        (
            f"SELECT conversation_id, currency, {_ROLLED_SUMS} FROM spend_conversation"
            f" WHERE conversation_id IN ({straddling}){cond} GROUP BY 1, 2",
            [*straddling_params, *params],
        )
    )
    negated = ", ".join(f"-{f}" for f in _CALL_SUMS.split(", "))
    for bound, at in (("ts < ?", start), ("ts >= ?", end)):
        # by the timestamp (the covering index), not one seek per straddling conversation
        parts.append(
            (
                f"SELECT conversation_id, COALESCE(cost_currency, ''), {negated}"
                f" FROM calls INDEXED BY calls_spend WHERE {bound}"
                f" AND conversation_id IN ({straddling}){cond} GROUP BY 1, 2",
                [at, *straddling_params, *params],
            )
        )
    return parts


def _report_sql(parts: list[Part], by: str, limit: int) -> Part:
    """The parts summed by key and currency; for groups other than days, only the
    costliest `limit` groups, chosen here: 50,000 conversations would cost more to move
    into Python than to aggregate."""
    sql = (
        "WITH u(k, cur, n, cost, sv, h, m, o) AS ("
        + " UNION ALL ".join(s for s, _ in parts)
        + ") SELECT k, cur, SUM(n), TOTAL(cost) AS cost, TOTAL(sv), SUM(h), SUM(m), SUM(o)"
        " FROM u GROUP BY k, cur HAVING SUM(n) > 0"
    )
    params = [p for _, ps in parts for p in ps]
    if by != "day":
        sql = (
            f"WITH g AS MATERIALIZED ({sql}) SELECT g.* FROM g JOIN (SELECT k FROM g"
            " GROUP BY k ORDER BY TOTAL(cost) DESC, k LIMIT ?) USING (k)"
        )
        params.append(limit)
    return sql, params


class SQLiteSpendQueries(SQLiteCore):
    """The SpendStore role."""

    def spend(
        self,
        start: datetime,
        end: datetime,
        by: str,
        where: dict[str, str] | None = None,
        limit: int = 100,
    ) -> list[SpendRow]:
        check_groups(by, where)
        if not set(where or {}) <= {"app", "model"}:  # the rollup's keys
            return self.spend_raw(start, end, by, where, limit)
        lo, hi = start.timestamp(), end.timestamp()
        outside_fewer = by == "conversation" and self._outside_fewer(lo, hi)
        return self._spend(rollup_parts(by, lo, hi, dict(where or {}), outside_fewer), by, limit)

    def _outside_fewer(self, start: float, end: float) -> bool:
        """Do fewer calls lie outside [start, end) than inside? By whole days, from the
        daily rollup (a few hundred rows): close enough to choose a plan."""
        inside, outside = self._op(
            lambda c: c.execute(
                "SELECT TOTAL(calls) FILTER (WHERE day >= ? AND day <= ?),"
                " TOTAL(calls) FILTER (WHERE day < ? OR day > ?) FROM spend_daily",
                (start // DAY, end // DAY, start // DAY, end // DAY),
            ).fetchone()
        )
        return outside < inside

    def spend_raw(
        self,
        start: datetime,
        end: datetime,
        by: str,
        where: dict[str, str] | None = None,
        limit: int = 100,
    ) -> list[SpendRow]:
        """`spend` from the calls alone (see the module docstring)."""
        check_groups(by, where)
        lo, hi = start.timestamp(), end.timestamp()
        parts = [_from_calls(by, lo, hi, dict(where or {}))] if lo < hi else []
        return self._spend(parts, by, limit)

    def _spend(self, parts: list[Part], by: str, limit: int) -> list[SpendRow]:
        if not parts:
            return []
        sql, params = _report_sql(parts, by, limit)
        rows = self._op(lambda c: c.execute(sql, params).fetchall())
        out = [
            SpendRow(
                key=day_key(k) if by == "day" else ("" if k is None else str(k)),
                currency=cur,
                calls=n,
                cost=cost,
                cache_savings=savings,
                cache_hit_tokens=int(hit or 0),
                cache_miss_tokens=int(miss or 0),
                output_tokens=int(out or 0),
            )
            for k, cur, n, cost, savings, hit, miss, out in rows
        ]
        return order_rows(out, by, limit)

    def count_calls_since(self, since: datetime) -> int:
        return self._op(
            lambda c: c.execute(
                "SELECT COUNT(*) FROM calls WHERE ts >= ?", (since.timestamp(),)
            ).fetchone()[0]
        )

    def iter_calls_since(self, since: datetime, batch: int = 1000) -> Iterator[list[CallRecord]]:
        after: tuple[float, str] = (since.timestamp(), "")
        first = True
        while True:
            op = ">=" if first else ">"
            sql = (
                "SELECT ts, request_id, doc FROM calls WHERE (ts, request_id) "
                f"{op} (?, ?) ORDER BY ts, request_id LIMIT ?"
            )
            rows = self._op(lambda c, s=sql, a=after: c.execute(s, (*a, batch)).fetchall())
            if not rows:
                return
            yield [CallRecord.model_validate_json(doc) for _, _, doc in rows]
            after, first = (rows[-1][0], rows[-1][1]), False

    def set_costs(self, updates: Sequence[CostUpdate]) -> int:
        """Cost fields only, of calls that still exist (an erased call stays erased);
        the rollup's update trigger moves the sums in the same transaction."""
        params = [
            (u.cost, u.currency, u.cache_savings, u.cost, u.currency, u.cache_savings, u.request_id)
            for u in updates
        ]

        def update(c: Any) -> int:
            c.execute("BEGIN IMMEDIATE")
            try:
                cur = c.executemany(
                    "UPDATE calls SET cost=?, cost_currency=?, cache_savings=?, doc=json_set(doc,"
                    " '$.cost', ?, '$.cost_currency', ?, '$.cache_savings', ?)"
                    " WHERE request_id=?",
                    params,
                )
                c.execute("COMMIT")
            except BaseException:
                rollback(c)
                raise
            return cur.rowcount

        return self._op(update)
