"""The explorer's reads: a filtered, paged list of calls and the aggregates its charts draw.

A role of its own beside the `Store` protocol (which the client, rule engine and
compliance service share): only `sentinel serve`'s explorer needs it, and each store
answers it from its own module (`explore_sqlite`, `explore_elastic`), reached through
`explorer_for(store)`. Paging is keyset (SQLite: (ts, rowid); Elasticsearch: sort
values and `search_after`), never OFFSET, so page 1000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from sentinel.models import CallRecord
from sentinel.store.base import Store

# Bucket widths the charts use: the smallest giving at most MAX_BUCKETS buckets.
_STEPS = tuple(
    timedelta(seconds=s)
    for s in (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)
)
MAX_BUCKETS = 60
PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class CallFilter:
    """Calls with start <= timestamp < end matching every given field."""

    start: datetime
    end: datetime
    app: str | None = None
    model: str | None = None
    outcome: Literal["success", "failure"] | None = None
    http_status: int | None = None
    subject_key: str | None = None
    conversation_id: str | None = None
    cost_above: float | None = None
    latency_above_ms: float | None = None


@dataclass(frozen=True)
class CallPage:
    calls: list[CallRecord]
    next_cursor: str | None  # None: this is the last page


@dataclass(frozen=True)
class Bucket:
    """One step of the time charts, starting at `start`."""

    start: datetime
    calls: int
    errors: int
    latency_ms: dict[int, float | None] = field(default_factory=dict)  # percentile -> ms


@dataclass(frozen=True)
class ModelTotals:
    model: str
    calls: int
    tokens: dict[str, int]  # token field -> total
    cost: float | None  # None: no call of the model was priced
    cost_currency: str | None


@dataclass(frozen=True)
class Resilience:
    """What the resilience policy did in a window (the status page's card)."""

    retried_calls: int = 0
    retries: int = 0
    failed_over_calls: int = 0
    failovers: int = 0


class ExploreQueries(Protocol):
    def calls(self, where: CallFilter, limit: int, cursor: str | None) -> CallPage:
        """Newest first, at most `limit`; `cursor` is a previous page's next_cursor
        (ValueError when it is not one)."""

    def series(self, where: CallFilter, step: timedelta) -> list[Bucket]:
        """Every bucket of [start, end) in `step`s, empty ones included, oldest first."""

    def by_model(self, where: CallFilter) -> list[ModelTotals]:
        """Totals per model, most calls first."""

    def resilience(self, where: CallFilter) -> Resilience: ...


def chart_step(start: datetime, end: datetime) -> timedelta:
    span = end - start
    return next((s for s in _STEPS if span / s <= MAX_BUCKETS), _STEPS[-1])


def fill_buckets(
    where: CallFilter,
    step: timedelta,
    counts: dict[int, tuple[int, int]],
    latency: dict[int, dict[int, float | None]],
) -> list[Bucket]:
    """Every step of the window, oldest first, from (calls, errors) and percentiles by
    bucket index (steps since `where.start`); a bucket no call fell in is zero."""
    out = []
    start, index = where.start, 0
    while start < where.end:
        calls, errors = counts.get(index, (0, 0))
        found = latency.get(index, {})
        out.append(Bucket(start, calls, errors, {q: found.get(q) for q in PERCENTILES}))
        start, index = start + step, index + 1
    return out


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, shape: tuple[type | tuple[type, ...], ...]) -> list[Any]:
    """The values of a cursor this module encoded, checked against `shape` (a cursor is
    client input: anything else is a ValueError, never a query built from it)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise ValueError("cursor: not a cursor from a previous page") from None
    if (
        not isinstance(values, list)
        or len(values) != len(shape)
        or not all(
            isinstance(v, t) and not isinstance(v, bool) for v, t in zip(values, shape, strict=True)
        )
    ):
        raise ValueError("cursor: not a cursor from a previous page")
    return values


def explorer_for(store: Store) -> ExploreQueries:
    """The explorer queries of `store` (by its name, the one both stores set)."""
    if store.name == "sqlite":
        from sentinel.store.explore_sqlite import SQLiteExplore

        return SQLiteExplore(store)  # type: ignore[arg-type]
    if store.name == "elasticsearch":
        from sentinel.store.explore_elastic import ElasticExplore

        return ElasticExplore(store)  # type: ignore[arg-type]
    raise ValueError(f"store {store.name!r} has no explorer queries")
