"""Window aggregates for the rule engine and the status page: the rows of the window are
read by the indexed timestamp and aggregated in Python (SQLite has no percentiles)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sentinel.store.base import (
    CALL_LABELS,
    FEEDBACK_LABELS,
    CallStats,
    FeedbackStats,
    check_labels,
)
from sentinel.store.sqlite.core import SQLiteCore, to_epoch
from sentinel.store.sqlite.tables import TOKEN_COLUMNS


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), q in [0, 100]."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _flagged(categories: Iterable[str | None]) -> dict[str, int]:
    """Calls per safety category, from each call's JSON list of categories (or NULL)."""
    out: dict[str, int] = {}
    for cats in categories:
        if cats:
            for c in json.loads(cats):
                out[c] = out.get(c, 0) + 1
    return out


class SQLiteWindowStats(SQLiteCore):
    """The WindowStats role."""

    def _window_groups(
        self,
        columns: str,
        table: str,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None,
        group_by: Sequence[str],
        allowed: Sequence[str],
    ) -> list[tuple[dict[str, str], list[tuple[Any, ...]]]]:
        """(labels, the `columns` of each row) per group of the window (start, end], a
        missing label as "": what call_stats and feedback_stats aggregate in Python."""
        where = dict(where or {})
        check_labels([*where, *group_by], allowed)
        sql = f"SELECT {', '.join([*group_by, columns]) if group_by else columns} FROM {table}"
        sql += " WHERE ts > ? AND ts <= ?"
        params: list[Any] = [to_epoch(start), to_epoch(end)]
        for k, v in where.items():
            sql += f" AND {k} = ?"
            params.append(v)
        rows = self._op(lambda c: c.execute(sql, params).fetchall())
        n = len(group_by)
        groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
        for row in rows:
            groups.setdefault(tuple(row[:n]), []).append(row[n:])
        return [
            ({g: "" if v is None else str(v) for g, v in zip(group_by, key, strict=True)}, items)
            for key, items in groups.items()
        ]

    def call_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CallStats]:
        groups = self._window_groups(
            ", ".join(
                [
                    "is_error, rate_limited, circuit_open, duration_ms,"
                    " json_extract(doc, '$.safety.categories'), time_to_first_chunk",
                    *TOKEN_COLUMNS,
                ]
            ),
            "calls",
            start,
            end,
            where,
            group_by,
            CALL_LABELS,
        )
        out = []
        for labels, items in groups:
            durations = [i[3] for i in items]
            tokens = {
                name: sum(i[6 + n] or 0 for i in items) for n, name in enumerate(TOKEN_COLUMNS)
            }
            ttft = [i[5] * 1000.0 for i in items if i[5] is not None]
            out.append(
                CallStats(
                    labels=labels,
                    total=len(items),
                    errors=sum(i[0] for i in items),
                    rate_limited=sum(i[1] for i in items),
                    circuit_open=sum(i[2] for i in items),
                    latency_avg_ms=sum(durations) / len(durations),
                    latency_p95_ms=percentile(durations, 95),
                    latency_p50_ms=percentile(durations, 50),
                    latency_p99_ms=percentile(durations, 99),
                    flagged=_flagged(i[4] for i in items),
                    tokens=tokens,
                    ttft_p95_ms=percentile(ttft, 95),
                )
            )
        return out

    def feedback_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[FeedbackStats]:
        groups = self._window_groups(
            "score, satisfied", "feedback", start, end, where, group_by, FEEDBACK_LABELS
        )
        out = []
        for labels, items in groups:
            scores = [i[0] for i in items if i[0] is not None]
            rated = [i[1] for i in items if i[1] is not None]
            out.append(
                FeedbackStats(
                    labels=labels,
                    count=len(items),
                    score_avg=sum(scores) / len(scores) if scores else None,
                    satisfied=sum(rated),
                    rated=len(rated),
                )
            )
        return out
