"""The explorer's queries on Elasticsearch (`sentinel.store.explore`).

Only the daily indices of the window are searched; a page is a sorted search with
`search_after` on (@timestamp, request id) and no total hit count, so its cost does
not grow with the page number or the index size. Charts are one aggregation each
(date_histogram with percentiles; terms by model with sums).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sentinel.models import CallRecord
from sentinel.store import schema
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

if TYPE_CHECKING:
    from sentinel.store.elastic import ElasticStore

_PATHS = schema.STORE_PATHS
_EQUAL = ("app", "model", "http_status", "subject_key", "conversation_id", "outcome")
_SORT = [
    {"@timestamp": {"order": "desc", "format": "strict_date_optional_time_nanos"}},
    {_PATHS["request_id"]: "desc"},
]
_SORT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")  # the sort's format
_ERRORS = {"filter": {"bool": {"must_not": {"term": {_PATHS["outcome"]: "success"}}}}}


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _query(f: CallFilter) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [
        {"range": {"@timestamp": {"gte": _iso(f.start), "lt": _iso(f.end)}}}
    ]
    for name in _EQUAL:
        value = getattr(f, name)
        if value is not None:
            filters.append({"term": {_PATHS[name]: value}})
    if f.cost_above is not None:
        filters.append({"range": {_PATHS["cost"]: {"gt": f.cost_above}}})
    if f.latency_above_ms is not None:
        filters.append({"range": {_PATHS["duration_ms"]: {"gt": f.latency_above_ms}}})
    return {"bool": {"filter": filters}}


class ElasticExplore:
    def __init__(self, store: ElasticStore) -> None:
        self.store = store

    def _search(self, f: CallFilter, **body: Any) -> dict[str, Any]:
        return self.store._search(self.store._calls_in(f.start, f.end), query=_query(f), **body)

    def calls(self, where: CallFilter, limit: int, cursor: str | None) -> CallPage:
        # pre_filter_shard_size=1: the can-match phase skips the daily indices that cannot
        # hold a hit of this page (older than the cursor, say) instead of searching them all.
        body: dict[str, Any] = {
            "sort": _SORT,
            "size": limit + 1,
            "track_total_hits": False,
            "pre_filter_shard_size": 1,
        }
        if cursor is not None:
            after = decode_cursor(cursor, (str, str))
            # a forged time would reach Elasticsearch and come back a 400 (our 500)
            if not _SORT_TIME.fullmatch(after[0]):
                raise ValueError("cursor: not a cursor from a previous page")
            body["search_after"] = after
        hits = self._search(where, **body)["hits"]["hits"]
        more = len(hits) > limit
        hits = hits[:limit]
        return CallPage(
            calls=[CallRecord.model_validate(schema.from_doc("call", h["_source"])) for h in hits],
            next_cursor=encode_cursor(hits[-1]["sort"]) if more else None,
        )

    def series(self, where: CallFilter, step: timedelta) -> list[Bucket]:
        seconds = int(step.total_seconds())
        start = int(where.start.timestamp())
        histogram = {
            "date_histogram": {
                "field": "@timestamp",
                "fixed_interval": f"{seconds}s",
                "offset": f"{start % seconds}s",
            },
            "aggs": {
                "errors": _ERRORS,
                "latency": {
                    "percentiles": {"field": _PATHS["duration_ms"], "percents": PERCENTILES}
                },
            },
        }
        res = self._search(where, size=0, aggs={"steps": histogram})
        counts: dict[int, tuple[int, int]] = {}
        latency: dict[int, dict[int, float | None]] = {}
        for b in res.get("aggregations", {}).get("steps", {}).get("buckets", []):
            index = int((b["key"] / 1000 - start) // seconds)
            counts[index] = (b["doc_count"], b["errors"]["doc_count"])
            values = b["latency"]["values"]
            latency[index] = {q: values.get(f"{q}.0") for q in PERCENTILES}
        return fill_buckets(where, step, counts, latency)

    def by_model(self, where: CallFilter) -> list[ModelTotals]:
        sums = {f"t_{n}": {"sum": {"field": _PATHS[n]}} for n in schema.TOKEN_FIELDS}
        models = {
            "terms": {
                "field": _PATHS["model"],
                "size": 1000,
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            },
            "aggs": {
                **sums,
                "cost": {"sum": {"field": _PATHS["cost"]}},
                "priced": {"value_count": {"field": _PATHS["cost"]}},
                "currency": {"terms": {"field": _PATHS["cost_currency"], "size": 1}},
            },
        }
        res = self._search(where, size=0, aggs={"models": models})
        out = []
        for b in res.get("aggregations", {}).get("models", {}).get("buckets", []):
            currency = b["currency"]["buckets"]
            out.append(
                ModelTotals(
                    model=b["key"],
                    calls=b["doc_count"],
                    tokens={n: int(b[f"t_{n}"]["value"] or 0) for n in schema.TOKEN_FIELDS},
                    cost=b["cost"]["value"] if b["priced"]["value"] else None,
                    cost_currency=currency[0]["key"] if currency else None,
                )
            )
        return out

    def resilience(self, where: CallFilter) -> Resilience:
        aggs: dict[str, Any] = {}
        for name in ("retries", "failovers"):
            path = _PATHS[name]
            aggs[name] = {"sum": {"field": path}}
            aggs[f"{name}_calls"] = {"filter": {"range": {path: {"gt": 0}}}}
        a = self._search(where, size=0, aggs=aggs).get("aggregations")
        if not a:
            return Resilience()
        return Resilience(
            retried_calls=a["retries_calls"]["doc_count"],
            retries=int(a["retries"]["value"] or 0),
            failed_over_calls=a["failovers_calls"]["doc_count"],
            failovers=int(a["failovers"]["value"] or 0),
        )
