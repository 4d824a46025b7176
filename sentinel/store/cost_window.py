"""Spend and token usage over a window, per label group: the input of the cost rule
metrics, the budgets' cached spend, and the token metrics (`cache_hit_ratio`, the token
rates). A mixin per store (hooked as a base class of each), so the queries live beside
neither store's other roles and both answer the same contract.

`usage_stats` is sums and a count only, aggregated by the store (SQL SUM, an
Elasticsearch sum aggregation), unlike `call_stats`, whose percentiles SQLite computes
from every row: a rule comparing the cache hit ratio with its 7-day average must not
read a week of rows every evaluation.

Only calls with a cost count (`cost` is None when no price row applied: never a guess),
so a window of unpriced calls has no sample rather than a spend of 0. `currency` is a
label like the others: amounts in two currencies are never added together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from sentinel.store import schema

# label -> (SQLite column, Elasticsearch field)
_LABELS = {
    "app": ("app", "service.name"),
    "model": ("model", "gen_ai.request.model"),
    "subject_key": ("subject_key", "sentinel.subject_key"),
    "currency": ("cost_currency", "sentinel.cost.currency"),
    "proxy_token": ("proxy_token_id", "sentinel.proxy.token_id"),
}
COST_LABELS = tuple(_LABELS)
_ES_COST = "sentinel.cost.amount"


@dataclass(frozen=True)
class CostStats:
    labels: dict[str, str]
    calls: int  # calls with a cost
    cost: float


@dataclass(frozen=True)
class UsageStats:
    labels: dict[str, str]
    total: int  # calls in the window
    tokens: dict[str, int]  # token field of the table of call fields -> total


# the call labels (base.CALL_LABELS): SQLite column, Elasticsearch field
_CALL_LABELS = {label: (label, field) for label, field in schema.CALL_LABEL_FIELDS.items()}


@runtime_checkable
class CostQueries(Protocol):
    def cost_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CostStats]:
        """Cost of the priced calls with start < timestamp <= end, one entry per group."""

    def usage_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[UsageStats]:
        """Calls and token totals with start < timestamp <= end, one entry per group
        (groups by the call labels)."""


def _check(
    where: Mapping[str, str], group_by: Sequence[str], labels: Mapping[str, Any] = _LABELS
) -> None:
    bad = [k for k in [*where, *group_by] if k not in labels]
    if bad:
        kind = "cost" if labels is _LABELS else "call"
        raise ValueError(f"unknown {kind} label(s) {bad}: allowed are {list(labels)}")


def _ts(dt: datetime) -> float:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


class SQLiteCostQueries:
    _op: Any

    def _sums(
        self,
        sums: Sequence[str],
        labels: Mapping[str, tuple[str, str]],
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None,
        group_by: Sequence[str],
        only: str = "",
    ) -> list[tuple[dict[str, str], int, tuple[Any, ...]]]:
        """(labels, calls, the SUM of each of `sums`) per group of the window."""
        where = dict(where or {})
        _check(where, group_by, labels)
        cols = [labels[g][0] for g in group_by]
        picked = ", ".join([*cols, "COUNT(*)", *(f"SUM({c})" for c in sums)])
        sql = f"SELECT {picked} FROM calls WHERE ts > ? AND ts <= ?{only}"
        params: list[Any] = [_ts(start), _ts(end)]
        for k, v in where.items():
            sql += f" AND {labels[k][0]} = ?"
            params.append(v)
        if cols:
            sql += " GROUP BY " + ", ".join(cols)
        rows = self._op(lambda c: c.execute(sql, params).fetchall())
        n = len(cols)
        return [
            (
                {g: "" if v is None else str(v) for g, v in zip(group_by, row[:n], strict=True)},
                row[n],
                row[n + 1 :],
            )
            for row in rows
            if row[n]
        ]

    def cost_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CostStats]:
        groups = self._sums(
            ["cost"], _LABELS, start, end, where, group_by, only=" AND cost IS NOT NULL"
        )
        return [CostStats(labels, n, float(sums[0] or 0.0)) for labels, n, sums in groups]

    def usage_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[UsageStats]:
        names = schema.TOKEN_FIELDS  # token columns are named as their fields
        groups = self._sums(names, _CALL_LABELS, start, end, where, group_by)
        return [
            UsageStats(labels, n, {k: int(v or 0) for k, v in zip(names, sums, strict=True)})
            for labels, n, sums in groups
        ]


class ElasticCostQueries:
    _window_stats: Any
    _calls_in: Any

    def cost_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CostStats]:
        where = dict(where or {})
        _check(where, group_by)
        metrics = {
            "cost": {"sum": {"field": _ES_COST}},
            "priced": {"value_count": {"field": _ES_COST}},
        }
        fields = {k: es for k, (_, es) in _LABELS.items()}
        groups = self._window_stats(
            self._calls_in(start, end), start, end, where, group_by, fields, metrics
        )
        return [
            CostStats(labels, int(a["priced"]["value"]), float(a["cost"]["value"] or 0.0))
            for labels, _, a in groups
            if a["priced"]["value"]
        ]

    def usage_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[UsageStats]:
        where = dict(where or {})
        _check(where, group_by, _CALL_LABELS)
        metrics = {n: {"sum": {"field": schema.STORE_PATHS[n]}} for n in schema.TOKEN_FIELDS}
        groups = self._window_stats(
            self._calls_in(start, end), start, end, where, group_by,
            schema.CALL_LABEL_FIELDS, metrics,
        )  # fmt: skip
        return [
            UsageStats(labels, total, {n: int(a[n]["value"] or 0) for n in schema.TOKEN_FIELDS})
            for labels, total, a in groups
        ]
