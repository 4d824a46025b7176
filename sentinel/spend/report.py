"""One spend report, as JSON-ready data, from either store: what the CLI prints (table,
JSON, CSV), what `GET /v1/spend` answers and what the status page's card shows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.durations import parse_duration
from sentinel.store.spend_queries import SPEND_GROUPS, SpendRow, SpendStore

BY = tuple(SPEND_GROUPS)
COLUMNS = (
    "key", "currency", "calls", "cost", "cache_savings", "cache_hit_ratio",
    "cache_hit_tokens", "cache_miss_tokens", "output_tokens",
)  # fmt: skip


# what both stores can hold (Elasticsearch's date_nanos: 1970 to 2262)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)


def parse_time(text: str, now: datetime) -> datetime:
    """A duration back from now (`7d`, `12h`) or an ISO date / date-time (UTC if naive),
    within what the stores hold."""
    try:
        when = now - parse_duration(text)
    except OverflowError:
        return EARLIEST
    except ValueError:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is neither a duration (7d, 12h) nor a date (2026-11-01T00:00Z)"
            ) from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return min(max(when, EARLIEST), LATEST)


def _row(r: SpendRow) -> dict[str, Any]:
    return {
        "key": r.key,
        "currency": r.currency or None,
        "calls": r.calls,
        "cost": r.cost if r.currency else None,
        "cache_savings": r.cache_savings if r.currency else None,
        "cache_hit_ratio": r.cache_hit_ratio,
        "cache_hit_tokens": r.cache_hit_tokens,
        "cache_miss_tokens": r.cache_miss_tokens,
        "output_tokens": r.output_tokens,
    }


def report(
    store: SpendStore,
    *,
    by: str,
    start: datetime,
    end: datetime,
    where: dict[str, str] | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Rows per group and currency (currency None: calls with no cost: no usage, or no
    price row), and totals per currency of the rows returned (the costliest `limit`)."""
    rows = store.spend(start, end, by, where, limit)
    totals: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = totals.setdefault(r.currency or "", {"calls": 0, "cost": 0.0, "cache_savings": 0.0})
        t["calls"] += r.calls
        t["cost"] += r.cost
        t["cache_savings"] += r.cache_savings
    return {
        "by": by,
        "since": start.astimezone(UTC).isoformat(),
        "until": end.astimezone(UTC).isoformat(),
        "where": dict(where or {}),
        "rows": [_row(r) for r in rows],
        "totals": {
            cur or "no_cost": {**t, "cost": t["cost"] if cur else None,
                                "cache_savings": t["cache_savings"] if cur else None}
            for cur, t in totals.items()
        },
    }  # fmt: skip


# a cell a spreadsheet would run as a formula (OWASP's CSV injection list)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A conversation id or model name comes from the caller (the proxy's
    X-Sentinel-Conversation header): `=HYPERLINK(...)` must reach a spreadsheet as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[data["by"], *COLUMNS[1:]], lineterminator="\n")
    writer.writeheader()
    for row in data["rows"]:
        cells = {data["by"]: row["key"], **{c: row[c] for c in COLUMNS[1:]}}
        writer.writerow({k: _cell(v) for k, v in cells.items()})
    return buf.getvalue()


def card(store: SpendStore, now: datetime, currency: str) -> dict[str, Any]:
    """The status page's spend card: today's spend, the last 7 days, the cache hit ratio."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = store.spend(today - timedelta(days=6), now + timedelta(microseconds=1), "day")
    mine = [r for r in days if r.currency == currency]
    trend = {(today - timedelta(days=d)).strftime("%Y-%m-%d"): 0.0 for d in range(6, -1, -1)}
    for r in mine:
        trend[r.key] = trend.get(r.key, 0.0) + r.cost
    hit = sum(r.cache_hit_tokens for r in days)
    miss = sum(r.cache_miss_tokens for r in days)
    return {
        "currency": currency,
        "today": trend[today.strftime("%Y-%m-%d")],
        "trend": [{"day": d, "cost": c} for d, c in trend.items()],
        "cache_savings_7d": sum(r.cache_savings for r in mine),
        "cache_hit_ratio_7d": hit / (hit + miss) if hit + miss else None,
    }
