"""Spend queries of both stores: cost, cache savings and tokens grouped by app, model,
subject key, conversation or day (`sentinel spend`, `GET /v1/spend`, the status page),
and the reads and cost-only updates of `sentinel prices recompute`.

Aggregated where the data is (SQLite: its rollup plus the partial days at the range's
edges; Elasticsearch: a composite aggregation paged through every group), so a report
over a million calls moves its groups, not the calls. A cost update touches only the
three cost fields of calls that still exist: an erased call stays erased.
One mixin per store, hooked into its class with one line: Elasticsearch's here, SQLite's
in `sentinel.store.sqlite.spend` (with its rollup, `sentinel.store.sqlite.spend_rollup`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sentinel.models import CallRecord
from sentinel.store import schema
from sentinel.store.base import StoreUnavailable

# what a spend report groups by -> the call field holding it
SPEND_GROUPS = {
    "app": "app",
    "model": "model",
    "subject": "subject_key",
    "conversation": "conversation_id",
    "day": "timestamp",
    "token": "proxy_token_id",  # the proxy token's public id
}
# the groups Elasticsearch caches for whole past days (days: few groups already)
CACHED_BY = ("app", "model", "subject", "conversation", "token")


@dataclass(frozen=True)
class SpendRow:
    """One group of calls in one currency ("" for calls with no cost)."""

    key: str
    currency: str
    calls: int
    cost: float
    cache_savings: float
    cache_hit_tokens: int
    cache_miss_tokens: int
    output_tokens: int

    @property
    def cache_hit_ratio(self) -> float | None:
        total = self.cache_hit_tokens + self.cache_miss_tokens
        return self.cache_hit_tokens / total if total else None


@dataclass(frozen=True)
class CostUpdate:
    request_id: str
    timestamp: datetime
    cost: float | None
    currency: str | None
    cache_savings: float | None


@runtime_checkable
class SpendStore(Protocol):
    """The spend role of a Store (both stores have it through their mixin)."""

    def spend(
        self,
        start: datetime,
        end: datetime,
        by: str,
        where: dict[str, str] | None = None,
        limit: int = 100,
    ) -> list[SpendRow]:
        """Calls with start <= timestamp < end, by group and currency, the costliest
        `limit` groups (days: every day, oldest first)."""
        ...

    def count_calls_since(self, since: datetime) -> int: ...
    def iter_calls_since(self, since: datetime, batch: int = 1000) -> Iterator[list[CallRecord]]:
        """Every call with timestamp >= since, in pages (for re-pricing)."""
        ...

    def set_costs(self, updates: Sequence[CostUpdate]) -> int:
        """Set the cost fields of existing calls; returns how many were updated."""
        ...


def check_groups(by: str, where: dict[str, str] | None) -> None:
    for name in [by, *(where or {})]:
        if name not in SPEND_GROUPS:
            raise ValueError(f"unknown spend group {name!r}: use {', '.join(SPEND_GROUPS)}")
    if "day" in (where or {}):
        raise ValueError("filter days with the time range, not `day=`")


def day_key(epoch_day: int | float) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=int(epoch_day))).strftime("%Y-%m-%d")


def order_rows(rows: list[SpendRow], by: str, limit: int) -> list[SpendRow]:
    if by == "day":
        return sorted(rows, key=lambda r: (r.key, r.currency))
    totals: dict[str, float] = {}
    for r in rows:
        totals[r.key] = totals.get(r.key, 0.0) + r.cost
    keep = set(sorted(totals, key=lambda k: (-totals[k], k))[:limit])
    return sorted((r for r in rows if r.key in keep), key=lambda r: (-totals[r.key], r.key))


_COST = schema.STORE_PATHS["cost"]
_CURRENCY = schema.STORE_PATHS["cost_currency"]
_SAVINGS = schema.STORE_PATHS["cache_savings"]
# groups one spend aggregation returns (search.max_buckets is 65,536 by default), and
# a page of the composite one
_ALL = 65_000
_PER_PART = 200_000  # calls in a part of the one-aggregation path (see `_every_group`)
_RANKED = 1_000  # the longest top ranked by cost alone first
_PAGE = 10_000
# a cached group's call count (`sentinel.store.elastic.spend_cache`); a call counts 1
CALLS_PATH = "sentinel.spend_cache.calls"
_SUMS = {
    "n": {"sum": {"field": CALLS_PATH, "missing": 1}},
    "cost": {"sum": {"field": _COST}},
    "savings": {"sum": {"field": _SAVINGS}},
    "hit": {"sum": {"field": schema.STORE_PATHS["cache_hit_tokens"]}},
    "miss": {"sum": {"field": schema.STORE_PATHS["cache_miss_tokens"]}},
    "out": {"sum": {"field": schema.STORE_PATHS["output_tokens"]}},
}


def _row(key: str, currency: str, bucket: dict[str, Any]) -> SpendRow:
    return SpendRow(
        key=key,
        currency=currency,
        calls=int(bucket["n"]["value"]),
        cost=bucket["cost"]["value"] or 0.0,
        cache_savings=bucket["savings"]["value"] or 0.0,
        cache_hit_tokens=int(bucket["hit"]["value"] or 0),
        cache_miss_tokens=int(bucket["miss"]["value"] or 0),
        output_tokens=int(bucket["out"]["value"] or 0),
    )


def nest(paths: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in paths.items():
        *parents, leaf = path.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


class ElasticSpendQueries:
    """For ElasticStore (its `_search`, `_scan`, `_op`, `_index`, `_calls_in`, `client`)."""

    _search: Any
    _scan: Any
    _op: Any
    _index: Any
    _calls_in: Any
    _call_index: Any
    _cached_spend: Any  # `sentinel.store.elastic.spend_cache`
    client: Any

    def _range(self, start: datetime, end: datetime | None = None) -> dict[str, Any]:
        bounds = {"gte": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if end is not None:
            bounds["lt"] = end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return {"range": {"@timestamp": bounds}}

    def spend(
        self,
        start: datetime,
        end: datetime,
        by: str,
        where: dict[str, str] | None = None,
        limit: int = 100,
    ) -> list[SpendRow]:
        """Every (group, currency) with the sums the rows need, and the costliest `limit`
        groups chosen here. Not a terms aggregation ordered by cost with size `limit`:
        each daily index returned only its own top few groups, so a group modest every
        day but costliest over the range went missing and others were summed from some
        days only (on 1M calls its top conversation had 3 of its 20 calls). Whole past
        days from the cache of their groups when it holds them (`spend_cache`)."""
        check_groups(by, where)
        self._refuse_closed_days(start, end)
        rows = None if where else self._cached_spend(start, end, by, limit)
        if rows is None:
            return self.spend_raw(start, end, by, where, limit)
        return order_rows(rows, by, limit)

    def _refuse_closed_days(self, start: datetime, end: datetime) -> None:
        """A daily calls index closed by hand is skipped by every search (as a day with
        no calls is), so the report left its calls out and said nothing: refuse instead,
        naming the index (one cat request)."""
        answer = self._op(
            self.client.options(ignore_status=(401, 403)).cat.indices,  # a reader: unchecked
            index=self._index("calls-*"),
            expand_wildcards="closed",
            h="index",
            format="json",
        )
        found = answer.body if answer.meta.status == 200 else []
        first = start.astimezone(UTC).date()
        last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()  # end: exclusive
        closed = []
        for name in sorted(i["index"] for i in found):
            try:
                day = datetime.strptime(name.rsplit("-", 1)[-1], "%Y.%m.%d").date()
            except ValueError:
                continue
            if first <= day <= last:
                closed.append(name)
        if closed:
            raise StoreUnavailable(
                f"daily calls index {', '.join(closed)} is closed: its calls cannot be "
                "counted (open it: POST /<index>/_open)"
            )

    def spend_raw(
        self,
        start: datetime,
        end: datetime,
        by: str,
        where: dict[str, str] | None = None,
        limit: int = 100,
    ) -> list[SpendRow]:
        """`spend` from the calls alone: filtered reports, and the baseline the tests and
        `benchmarks/spend_report.py` hold the cache to."""
        check_groups(by, where)
        filters = [
            self._range(start, end),
            *({"term": {schema.STORE_PATHS[SPEND_GROUPS[k]]: v}} for k, v in (where or {}).items()),
        ]
        index = self._calls_in(start, end)
        rows = None if by == "day" else self._every_group(index, filters, by, limit)
        if rows is None:
            rows = self._every_group_paged(index, filters, by)
        return order_rows(rows, by, limit)

    def _every_group(
        self, index: str, filters: list[dict[str, Any]], by: str, limit: int
    ) -> list[SpendRow] | None:
        """Every group of each currency by terms aggregations (one msearch, run one at a
        time): exact when no call was left out of the returned groups
        (`sum_other_doc_count` 0: no index dropped a group of its own, none was cut at
        the top), else None (more than _ALL groups in a part). A currency with many calls
        is split into partitions of its groups (by hash), at most _PER_PART calls' worth
        each: the reduce holds every index's groups at once, and 50,000 conversations
        from 30 daily indices in one went past a 512 MB heap's circuit breaker. Paging a
        composite aggregation instead took ~19 s on 1M calls. For a short top (`limit`
        up to _RANKED) the groups are ranked by their cost alone and the other sums are
        read for the chosen ones only (`_sums_of`): half the work per group."""
        cur = {"terms": {"field": _CURRENCY, "missing": "", "size": _ALL}}
        res = self._search(index, query={"bool": {"filter": filters}}, size=0,
                           aggs={"cur": cur})  # fmt: skip
        if "aggregations" not in res:  # none of the range's daily indices exists
            return []
        found = res["aggregations"]["cur"]
        if found["sum_other_doc_count"]:
            return None
        field = schema.STORE_PATHS[SPEND_GROUPS[by]]
        ranked = limit <= _RANKED
        sums = {"cost": _SUMS["cost"]} if ranked else _SUMS
        searches: list[dict[str, Any]] = []
        asked: list[str] = []
        for bucket in found["buckets"]:
            c = str(bucket["key"])
            one = (
                {"term": {_CURRENCY: c}}
                if c
                else {"bool": {"must_not": {"exists": {"field": _CURRENCY}}}}
            )
            parts = -(-bucket["doc_count"] // _PER_PART)
            for part in range(parts):
                terms = {"field": field, "missing": "", "size": _ALL}
                if parts > 1:
                    terms["include"] = {"partition": part, "num_partitions": parts}
                searches += [
                    {"index": index, "ignore_unavailable": True, "allow_no_indices": True},
                    {"query": {"bool": {"filter": [*filters, one]}}, "size": 0,
                     "aggs": {"g": {"terms": terms, "aggs": sums}}},
                ]  # fmt: skip
                asked.append(c)
        if not asked:
            return []
        from sentinel.store.elastic.documents import RETRY_STATUS

        res = self._op(self.client.msearch, searches=searches, max_concurrent_searches=1).body
        out: list[SpendRow] = []
        totals: dict[str, float] = {}  # ranked: each group's cost over its currencies
        for c, answer in zip(asked, res["responses"], strict=True):
            if "error" in answer:  # overloaded: down; else (too many buckets): page instead
                if answer.get("status") in RETRY_STATUS:
                    raise StoreUnavailable(f"Elasticsearch answered {answer['status']}")
                return None
            agg = answer["aggregations"]["g"]
            if agg["sum_other_doc_count"]:
                return None
            if not ranked:
                out += [_row(str(b["key"]), c, b) for b in agg["buckets"]]
                continue
            for b in agg["buckets"]:
                totals[str(b["key"])] = totals.get(str(b["key"]), 0.0) + (b["cost"]["value"] or 0)
        if not ranked:
            return out
        top = sorted(totals, key=lambda k: (-totals[k], k))[:limit]
        return self._sums_of(index, filters, field, top)

    def _sums_of(
        self, index: str, filters: list[dict[str, Any]], field: str, keys: list[str]
    ) -> list[SpendRow] | None:
        """Every sum of these groups, per currency (their calls only: a few buckets)."""
        if not keys:
            return []
        cur = {"terms": {"field": _CURRENCY, "missing": "", "size": _ALL}, "aggs": _SUMS}
        res = self._groups_of(index, filters, field, keys, {"cur": cur})
        if res is None:
            return None
        return [_row(str(b["key"]), str(c["key"]), c) for b in res for c in b["cur"]["buckets"]]

    def _costs_of(
        self, index: str, filters: list[dict[str, Any]], field: str, keys: list[str]
    ) -> dict[str, float] | None:
        """The cost of each of these groups over its currencies (to rank them)."""
        res = self._groups_of(index, filters, field, keys, {"cost": _SUMS["cost"]})
        return None if res is None else {str(b["key"]): b["cost"]["value"] or 0.0 for b in res}

    def _groups_of(
        self,
        index: str,
        filters: list[dict[str, Any]],
        field: str,
        keys: list[str],
        aggs: dict[str, Any],
    ) -> list[dict[str, Any]] | None:
        """The buckets of these groups' calls (a few): None if one was left out."""
        named = [k for k in keys if k]
        which: list[dict[str, Any]] = [{"terms": {field: named}}] if named else []
        if "" in keys:
            which.append({"bool": {"must_not": {"exists": {"field": field}}}})
        groups = {"terms": {"field": field, "missing": "", "size": len(keys)}, "aggs": aggs}
        query = {"bool": {"filter": [*filters, {"bool": {"should": which}}]}}
        res = self._search(index, query=query, size=0, aggs={"g": groups})["aggregations"]["g"]
        return None if res["sum_other_doc_count"] else res["buckets"]

    def _every_group_paged(
        self, index: str, filters: list[dict[str, Any]], by: str
    ) -> list[SpendRow]:
        """Every (group or day, currency) by a composite aggregation, page by page: exact
        for any number of groups, slower (it reads the calls again for every page)."""
        if by == "day":
            source: dict[str, Any] = {
                "date_histogram": {"field": "@timestamp", "calendar_interval": "1d"}
            }
        else:
            source = {"terms": {"field": schema.STORE_PATHS[SPEND_GROUPS[by]]}}
        source[next(iter(source))]["missing_bucket"] = True
        group: dict[str, Any] = {
            "composite": {
                "size": _PAGE,
                "sources": [
                    {"k": source},
                    {"cur": {"terms": {"field": _CURRENCY, "missing_bucket": True}}},
                ],
            },
            "aggs": _SUMS,
        }
        out = []
        while True:
            res = self._search(index, query={"bool": {"filter": filters}}, size=0,
                               aggs={"groups": group})  # fmt: skip
            groups = res.get("aggregations", {}).get("groups", {})
            buckets = groups.get("buckets", [])
            for b in buckets:
                k = b["key"]["k"]
                key = "" if k is None else day_key(k // 86_400_000) if by == "day" else str(k)
                out.append(_row(key, b["key"]["cur"] or "", b))
            if "after_key" not in groups or len(buckets) < _PAGE:
                return out
            group["composite"]["after"] = groups["after_key"]

    def count_calls_since(self, since: datetime) -> int:
        res = self._search(
            self._index("calls-*"), query=self._range(since), size=0, track_total_hits=True
        )
        return int(res["hits"]["total"]["value"])

    def iter_calls_since(self, since: datetime, batch: int = 1000) -> Iterator[list[CallRecord]]:
        for hits in self._scan(self._index("calls-*"), self._range(since)):
            yield [CallRecord.model_validate(schema.from_doc("call", h["_source"])) for h in hits]

    def set_costs(self, updates: Sequence[CostUpdate]) -> int:
        from elasticsearch import helpers

        actions = [
            {
                "_op_type": "update",
                "_index": self._call_index(u.timestamp),
                "_id": u.request_id,
                "doc": nest({_COST: u.cost, _CURRENCY: u.currency, _SAVINGS: u.cache_savings}),
            }
            for u in updates
        ]
        # a call erased meanwhile answers 404: it stays erased, and is not counted
        ok, _ = self._op(
            helpers.bulk, self.client, actions, raise_on_error=False, refresh="wait_for"
        )
        return int(ok)
