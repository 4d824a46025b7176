"""Spend over a window, per label group: the input of the cost rule metrics and of the
budgets' cached spend. A mixin per store (hooked as a base class of each), so the query
lives beside neither store's other roles and both answer the same contract.

Only calls with a cost count (`cost` is None when no price row applied: never a guess),
so a window of unpriced calls has no sample rather than a spend of 0. `currency` is a
label like the others: amounts in two currencies are never added together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

# label -> (SQLite column, Elasticsearch field)
_LABELS = {
    "app": ("app", "service.name"),
    "model": ("model", "gen_ai.request.model"),
    "subject_key": ("subject_key", "sentinel.subject_key"),
    "currency": ("cost_currency", "sentinel.cost.currency"),
}
COST_LABELS = tuple(_LABELS)
_ES_COST = "sentinel.cost.amount"


@dataclass(frozen=True)
class CostStats:
    labels: dict[str, str]
    calls: int  # calls with a cost
    cost: float


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


def _check(where: Mapping[str, str], group_by: Sequence[str]) -> None:
    bad = [k for k in [*where, *group_by] if k not in _LABELS]
    if bad:
        raise ValueError(f"unknown cost label(s) {bad}: allowed are {list(COST_LABELS)}")


def _ts(dt: datetime) -> float:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


class SQLiteCostQueries:
    _op: Any

    def cost_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CostStats]:
        where = dict(where or {})
        _check(where, group_by)
        cols = [_LABELS[g][0] for g in group_by]
        sql = f"SELECT {''.join(c + ', ' for c in cols)}COUNT(*), SUM(cost) FROM calls"
        sql += " WHERE ts > ? AND ts <= ? AND cost IS NOT NULL"
        params: list[Any] = [_ts(start), _ts(end)]
        for k, v in where.items():
            sql += f" AND {_LABELS[k][0]} = ?"
            params.append(v)
        if cols:
            sql += " GROUP BY " + ", ".join(cols)
        rows = self._op(lambda c: c.execute(sql, params).fetchall())
        n = len(cols)
        return [
            CostStats(
                {g: "" if v is None else str(v) for g, v in zip(group_by, row[:n], strict=True)},
                row[n],
                float(row[n + 1] or 0.0),
            )
            for row in rows
            if row[n]
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
