"""Spend groups of whole past days, cached in Elasticsearch and checked against the
calls on every read, so `sentinel spend --by conversation|subject` over a million calls
aggregates tens of thousands of group documents instead of the calls.

An exact top of 50,000 conversations over 30 daily indices needs every group's total:
3.5 s from the calls on the benchmark's million. This cache holds those totals for a
range of whole UTC days (one index per range, `<prefix>-spend-<by>-<first>-<end>`, one
document per group and currency, with the calls' own field names and a call count) and
is derived, never written beside the calls: nothing on a write path (bulk writes,
replayed `create`s, `prices recompute`, erasure, retention, a SIGKILL between two
writes) has to keep it right. Instead its index `_meta` holds the fingerprint of the
daily indices it was built from: each one's UUID and each primary shard's max sequence
number. Every change to a call (index, update, delete) takes a new sequence number, a
dropped and re-created daily index a new UUID, a `create` refused with 409 neither. A
report reads that fingerprint again (one index-stats request) and uses the cache only
when nothing moved (and the cache index's own sequence numbers are those it was built
with: nobody edited or closed it); else it rebuilds it (or answers from the calls when
it cannot). It is built only from indices with no operation in flight (local checkpoint = max
sequence number), after a refresh, so what it holds is what those sequence numbers say.

The partial days at the range's edges and today (still written to) are read from the
calls in the same search, so the answer is the one the calls give. Erasure and the
retention drop every cache index at once: they hold conversation ids and subject keys
of the calls they summed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import ApiError, NotFoundError
from elasticsearch import helpers as es_helpers

from sentinel.clock import Clock
from sentinel.store import schema
from sentinel.store.spend_queries import CACHED_BY, CALLS_PATH, SPEND_GROUPS, SpendRow, nest

RANK_PATH = "sentinel.spend_cache.rank"  # a group's cached cost over its currencies

log = logging.getLogger("sentinel.store")

_CANDIDATES = 20_000  # groups summed in full at most (`_threshold_top`)
_RANKED = 1_000  # a longer top merges every group
_KEEP = 4  # cached ranges kept per `--by` (a report's range moves once a day)
_ABANDONED = timedelta(minutes=10)  # a build without its fingerprint this old died
_FORMAT = 2  # of a cached group's document: a new one builds new indices
_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
_SUM_PATHS = {
    "cost": schema.STORE_PATHS["cost"],
    "cache_savings": schema.STORE_PATHS["cache_savings"],
    "cache_hit_tokens": schema.STORE_PATHS["cache_hit_tokens"],
    "cache_miss_tokens": schema.STORE_PATHS["cache_miss_tokens"],
    "output_tokens": schema.STORE_PATHS["output_tokens"],
}
_CURRENCY = schema.STORE_PATHS["cost_currency"]


def _at(path: str, mapping: dict[str, Any]) -> dict[str, Any]:
    """`mapping` at a dotted path, with `properties` at every level above it."""
    *parents, leaf = path.split(".")
    out: dict[str, Any] = {leaf: mapping}
    for p in reversed(parents):
        out = {p: {"properties": out}}
    return out


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for k, v in more.items():
        if k in into and "properties" in v:
            _merge(into[k]["properties"], v["properties"])
        else:
            into[k] = v


def cache_mappings(prefix: str, by: str) -> dict[str, Any]:
    """The calls' own mappings of the fields a cached group holds, plus its call count."""
    calls = schema.load_template("calls", prefix)["template"]["mappings"]["properties"]
    out: dict[str, Any] = {}
    for path in (schema.STORE_PATHS[SPEND_GROUPS[by]], _CURRENCY, *_SUM_PATHS.values()):
        node = calls
        for p in path.split(".")[:-1]:
            node = node[p]["properties"]
        _merge(out, _at(path, node[path.split(".")[-1]]))
    _merge(out, _at(CALLS_PATH, {"type": "long"}))
    _merge(out, _at(RANK_PATH, {"type": "double"}))
    return {"dynamic": "strict", "properties": out}


class ElasticSpendCache:
    """For ElasticStore (its `_op`, `_range`, `_index`, `_daily`, `_calls_in`,
    `_every_group`, `_every_group_paged`, `client`, `prefix`)."""

    _op: Any
    _search: Any
    _sums_of: Any
    _costs_of: Any
    _range: Any
    _index: Any
    _daily: Any
    _calls_in: Any
    _every_group: Any
    _every_group_paged: Any
    client: Any
    prefix: str
    clock: Clock  # "today" (the day still written to) is the store's clock's

    def _whole_days(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """[lo, hi): the whole past UTC days of [start, end) (today is still written to,
        by the store's clock), or None when fewer than two: nothing worth caching."""
        first = (start.astimezone(UTC) + _DAY - _TICK).date()
        last = min(end.astimezone(UTC).date(), self.clock.now().astimezone(UTC).date())
        if (last - first).days < 2:
            return None
        lo = datetime(first.year, first.month, first.day, tzinfo=UTC)
        return lo, datetime(last.year, last.month, last.day, tzinfo=UTC)

    def _entry(self, by: str, lo: datetime, hi: datetime, print_: str) -> str:
        digest = hashlib.sha256(f"{_FORMAT}:{print_}".encode()).hexdigest()[:16]
        return self._index(f"spend-{by}-{lo:%Y%m%d}-{hi:%Y%m%d}-{digest}")

    def warm_spend(self, start: datetime, end: datetime, bys: Sequence[str]) -> dict[str, str]:
        """Build, ahead of the reports, the caches a report of [start, end) by each of
        `bys` reads (the daemon's warmer), so the first report after a change does not
        pay the build. Per `--by`: "fresh" (valid already), "built", or "skipped"
        (nothing to cache, writes in flight, the calls moved during the build, or another
        process builds it: the next run tries again). Raises like any store read."""
        days = self._whole_days(start, end)
        print_ = None if days is None else self._fingerprint(*days)
        out = {}
        for by in bys:
            if days is None or print_ is None or by not in CACHED_BY:
                out[by] = "skipped"
            elif self._complete(entry := self._entry(by, *days, print_), print_):
                out[by] = "fresh"
            else:
                out[by] = "built" if self._build(entry, by, *days, print_) else "skipped"
        return out

    def _cached_spend(
        self, start: datetime, end: datetime, by: str, limit: int
    ) -> list[SpendRow] | None:
        """The report from the cache of its whole past days plus the calls of the rest,
        or None (nothing to cache, writes in flight, no right to create an index).
        Builds a missing cache itself (a CLI without `sentinel serve`); with the daemon
        running its warmer has built it already (`warm_spend`)."""
        days = self._whole_days(start, end) if by in CACHED_BY else None
        if days is None:
            return None
        lo, hi = days
        try:
            print_ = self._fingerprint(lo, hi)
            if print_ is None:
                return None
            entry = self._entry(by, lo, hi, print_)
            if not self._complete(entry, print_) and not self._build(entry, by, lo, hi, print_):
                return None
        except (ApiError, es_helpers.BulkIndexError) as exc:  # e.g. 403: a reader only
            log.info("spend cache unavailable (%s): reading the calls", exc)
            return None
        log.debug("spend by %s: whole days from the cache %s", by, entry)
        edges = [(a, b) for a, b in ((start, lo), (hi, end)) if a < b]
        edge_index = ",".join(self._calls_in(a, b) for a, b in edges)
        edge_query = [self._range(a, b) for a, b in edges]
        index = ",".join([entry, *([edge_index] if edges else [])])
        which = [{"term": {"_index": entry}}, *edge_query]
        query = [{"bool": {"should": which, "minimum_should_match": 1}}]
        # Erasure, retention or `_forget_old` elsewhere may delete the cache between its
        # check and this read: searches skip a missing index, so the cached days would be
        # silently left out (or no aggregation come back at all). Checked again after.
        rows = None
        with contextlib.suppress(KeyError, NotFoundError):
            if limit <= _RANKED:
                rows = self._threshold_top(entry, edge_index, edge_query, index, query, by, limit)
            if rows is None:
                rows = self._every_group(index, query, by, limit)
            if rows is None:
                rows = self._every_group_paged(index, query, by)
        if rows is None or not self._complete(entry, print_):
            log.info("spend cache %s went while read: reading the calls", entry)
            return None
        return rows

    def _threshold_top(
        self,
        entry: str,
        edge_index: str,
        edge_query: list[dict[str, Any]],
        index: str,
        query: list[dict[str, Any]],
        by: str,
        limit: int,
    ) -> list[SpendRow] | None:
        """The costliest `limit` groups without every group's total (50,000 of them took
        1.5-2 s to merge): a group's total is its cached cost (`rank`, over its
        currencies) plus what its calls at the edges cost, at most E = (most calls of one
        group at the edges) x (costliest call there). With T the `limit`-th largest
        cached cost, no group whose cached cost is below T - E can reach T, while
        `limit` groups already have T: only the others' totals are summed (`_sums_of`).
        None when that does not narrow it (few groups, E >= T, too many candidates)."""
        field = schema.STORE_PATHS[SPEND_GROUPS[by]]
        top = self._search(entry, size=limit, sort=[{RANK_PATH: "desc"}],
                           collapse={"field": field}, _source=False)["hits"]["hits"]  # fmt: skip
        if len(top) < limit:
            return None
        floor = top[-1]["sort"][0]
        reach = self._edge_reach(edge_index, edge_query, field) if edge_query else 0.0
        if reach is None or reach >= floor:
            return None
        low = floor - reach - 1e-9 * max(1.0, abs(floor))  # sums in another order
        keys = self._search(entry, size=0, query={"range": {RANK_PATH: {"gte": low}}},
                            aggs={"k": {"terms": {"field": field, "missing": "",
                                                  "size": _CANDIDATES}}})  # fmt: skip
        found = keys["aggregations"]["k"]
        if found["sum_other_doc_count"]:
            return None
        chosen = [str(b["key"]) for b in found["buckets"]]
        if len(chosen) > limit:  # rank them by cost alone, then read every sum of the top
            costs = self._costs_of(index, query, field, chosen)
            if costs is None:
                return None
            chosen = sorted(costs, key=lambda k: (-costs[k], k))[:limit]
        return self._sums_of(index, query, field, chosen)

    def _edge_reach(self, index: str, query: list[dict[str, Any]], field: str) -> float | None:
        """An upper bound of any one group's cost at the edges, or None (a negative cost:
        the bound would not hold). Counts by the terms aggregation's own error bounds."""
        aggs = {
            "max": {"max": {"field": _SUM_PATHS["cost"]}},
            "min": {"min": {"field": _SUM_PATHS["cost"]}},
            "most": {"terms": {"field": field, "missing": "", "size": 1,
                               "show_term_doc_count_error": True}},
        }  # fmt: skip
        res = self._search(
            index, size=0, aggs=aggs, query={"bool": {"should": query, "minimum_should_match": 1}}
        )
        found = res.get("aggregations")  # absent: no daily index of the edges exists
        if found is None or found["max"]["value"] is None:
            return 0.0
        if found["min"]["value"] < 0:
            return None
        most = found["most"]
        calls = max(
            [most.get("doc_count_error_upper_bound", 0)]
            + [b["doc_count"] + b.get("doc_count_error_upper_bound", 0) for b in most["buckets"]]
        )
        return calls * found["max"]["value"]

    def _fingerprint(self, lo: datetime, hi: datetime) -> str | None:
        """The UUID and primaries' max sequence numbers of each daily index of [lo, hi),
        or None while an operation is in flight on one (not searchable after a refresh)
        or when there is none.
        Stats of the pattern, not of the names: a year of names is past the URL limit."""
        names = {self._daily((lo + timedelta(days=d)).date()) for d in range((hi - lo).days)}
        stats = self._op(
            self.client.indices.stats,
            index=self._index("calls-*"),
            level="shards",
            metric="docs",
            filter_path="indices.*.uuid,indices.*.shards.*.routing.primary,"
            "indices.*.shards.*.seq_no",
        ).body
        out = []
        for name, idx in sorted(stats.get("indices", {}).items()):
            if name not in names:
                continue
            shards = []
            for number, copies in sorted(idx["shards"].items()):
                for copy in copies:
                    if copy["routing"]["primary"]:
                        seq = copy["seq_no"]
                        if seq["local_checkpoint"] != seq["max_seq_no"]:
                            return None
                        shards.append([number, seq["max_seq_no"]])
            out.append([name, idx["uuid"], shards])
        return json.dumps(out) if out else None  # no calls those days: nothing to cache

    def _complete(self, entry: str, print_: str) -> bool:
        found = self._op(self.client.options(ignore_status=404).indices.get_mapping, index=entry)
        meta = found.body.get(entry, {}).get("mappings", {}).get("_meta", {})
        if found.meta.status != 200 or meta.get("fingerprint") != print_:
            return False
        own = self._own_print(entry)
        return own is not None and meta.get("own") == own

    def _own_print(self, entry: str) -> str | None:
        """The cache index's own UUID and primaries' max sequence numbers, None when it
        is closed or gone: the calls' fingerprint cannot see a group deleted or a cost
        edited in the cache by hand (or a closed cache, which searches read as empty),
        this can, so such a cache is built again rather than believed."""
        found = self._op(
            self.client.options(ignore_status=(400, 404)).indices.stats,
            index=entry,
            level="shards",
            metric="docs",
            filter_path="indices.*.uuid,indices.*.shards.*.routing.primary,"
            "indices.*.shards.*.seq_no.max_seq_no",
        )
        idx = found.body.get("indices", {}).get(entry) if found.meta.status == 200 else None
        if not idx:
            return None
        shards = [
            [number, copy["seq_no"]["max_seq_no"]]
            for number, copies in sorted(idx["shards"].items())
            for copy in copies
            if copy["routing"]["primary"]
        ]
        return json.dumps([idx["uuid"], shards])

    def _build(self, entry: str, by: str, lo: datetime, hi: datetime, print_: str) -> bool:
        """Fill the cache of [lo, hi) from the calls; the fingerprint goes in last, so a
        build cut short is built again (once it is older than _ABANDONED: a younger one
        is another report building it, whose writes a delete would send into an
        index created by default mappings). False when the calls moved meanwhile, or
        another report is building it."""
        found = self._op(
            self.client.options(ignore_status=404).indices.get_settings,
            index=entry,
            name="index.creation_date",
        )
        if found.meta.status == 200:
            born = int(found.body[entry]["settings"]["index"]["creation_date"]) / 1000
            # the server's clock stamped it: its age is read against the wall clock
            if datetime.now(UTC).timestamp() - born < _ABANDONED.total_seconds():
                return False
            self._op(self.client.indices.delete, index=entry)
        self._op(
            self.client.indices.create,
            index=entry,
            settings={"index.number_of_shards": 1, "index.auto_expand_replicas": "0-1",
                      "index.refresh_interval": -1},
            mappings=cache_mappings(self.prefix, by),
        )  # fmt: skip
        index = self._calls_in(lo, hi - _TICK)
        self._op(self.client.indices.refresh, index=index, ignore_unavailable=True,
                 allow_no_indices=True)  # fmt: skip
        filters = [self._range(lo, hi)]
        rows = self._every_group(index, filters, by, 1 << 30)
        if rows is None:
            rows = self._every_group_paged(index, filters, by)
        field = schema.STORE_PATHS[SPEND_GROUPS[by]]
        rank: dict[str, float] = {}
        for r in rows:
            rank[r.key] = rank.get(r.key, 0.0) + r.cost
        actions = ({"_index": entry, "_source": _doc(field, r, rank[r.key])} for r in rows)
        self._op(es_helpers.bulk, self.client, actions, chunk_size=5_000, refresh=True)
        if self._fingerprint(lo, hi) != print_:
            return False
        own = self._own_print(entry)  # put_mapping takes no sequence number
        self._op(
            self.client.indices.put_mapping, index=entry, meta={"fingerprint": print_, "own": own}
        )
        self._forget_old(by, keep=entry)
        log.info("spend cache %s built: %d groups", entry, len(rows))
        return True

    def _forget_old(self, by: str, keep: str) -> None:
        found = self._op(
            self.client.indices.get_settings,
            index=self._index(f"spend-{by}-*"),
            name="index.creation_date",
            allow_no_indices=True,
        ).body
        names = sorted(found, key=lambda n: -int(found[n]["settings"]["index"]["creation_date"]))
        old = [n for n in names if n != keep][_KEEP - 1 :]
        if old:
            self._op(self.client.indices.delete, index=",".join(old))


def _doc(field: str, r: SpendRow, rank: float) -> dict[str, Any]:
    flat: dict[str, Any] = {
        CALLS_PATH: r.calls,
        RANK_PATH: rank,
        _SUM_PATHS["cost"]: r.cost,
        _SUM_PATHS["cache_savings"]: r.cache_savings,
        _SUM_PATHS["cache_hit_tokens"]: r.cache_hit_tokens,
        _SUM_PATHS["cache_miss_tokens"]: r.cache_miss_tokens,
        _SUM_PATHS["output_tokens"]: r.output_tokens,
    }
    if r.key:  # "" is the calls with no such field: the documents without it
        flat[field] = r.key
    if r.currency:
        flat[_CURRENCY] = r.currency
    return nest(flat)
