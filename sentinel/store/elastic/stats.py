"""Window aggregates for the rule engine and the status page, computed by Elasticsearch
(composite aggregations page through the groups)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sentinel.store import schema
from sentinel.store.base import CallStats, FeedbackStats, check_labels
from sentinel.store.elastic.core import ElasticCore
from sentinel.store.elastic.documents import PAGE, iso, ms


class ElasticWindowStats(ElasticCore):
    """The WindowStats role."""

    def _window_stats(
        self,
        index: str,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None,
        group_by: Sequence[str],
        fields: Mapping[str, str],
        metrics: dict[str, Any],
    ) -> list[tuple[dict[str, str], int, dict[str, Any]]]:
        """(labels, doc count, metric aggregations) per group of the window (start, end]."""
        where = dict(where or {})
        check_labels([*where, *group_by], list(fields))
        query = {
            "bool": {
                "filter": [
                    {"range": {"@timestamp": {"gt": iso(start), "lte": iso(end)}}},
                    *({"term": {fields[k]: v}} for k, v in where.items()),
                ]
            }
        }
        if not group_by:
            res = self._search(index, query=query, size=0, track_total_hits=True, aggs=metrics)
            total = res["hits"]["total"]["value"]
            return [({}, total, res.get("aggregations", {}))] if total else []
        sources = [{g: {"terms": {"field": fields[g], "missing_bucket": True}}} for g in group_by]
        out, after = [], None
        while True:
            composite: dict[str, Any] = {"size": PAGE, "sources": sources}
            if after is not None:
                composite["after"] = after
            res = self._search(
                index,
                query=query,
                size=0,
                aggs={"groups": {"composite": composite, "aggs": metrics}},
            )
            agg = res.get("aggregations", {}).get("groups", {"buckets": []})
            for b in agg["buckets"]:
                labels = {g: "" if b["key"][g] is None else str(b["key"][g]) for g in group_by}
                out.append((labels, b["doc_count"], b))
            after = agg.get("after_key")
            if after is None or len(agg["buckets"]) < PAGE:
                return out

    def call_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[CallStats]:
        metrics = {
            # An error is any outcome but success, exactly as CallRecord.is_error.
            "errors": {"filter": {"bool": {"must_not": {"term": {"event.outcome": "success"}}}}},
            "rate_limited": {"filter": {"term": {"sentinel.rate_limited": True}}},
            "circuit_open": {"filter": {"term": {"sentinel.circuit_open": True}}},
            "latency_avg": {"avg": {"field": "sentinel.duration_ms"}},
            "latency": {"percentiles": {"field": "sentinel.duration_ms", "percents": [50, 95, 99]}},
            "flagged": {"terms": {"field": "sentinel.safety.categories", "size": 500}},
            "ttft": {
                "percentiles": {
                    "field": schema.STORE_PATHS["time_to_first_chunk"],
                    "percents": [95],
                }
            },
            **{
                f"tokens_{name}": {"sum": {"field": schema.STORE_PATHS[name]}}
                for name in schema.TOKEN_FIELDS
            },
        }
        groups = self._window_stats(
            self._calls_in(start, end),
            start,
            end,
            where,
            group_by,
            schema.CALL_LABEL_FIELDS,
            metrics,
        )
        return [
            CallStats(
                labels=labels,
                total=total,
                errors=a["errors"]["doc_count"],
                rate_limited=a["rate_limited"]["doc_count"],
                circuit_open=a["circuit_open"]["doc_count"],
                latency_avg_ms=a["latency_avg"]["value"],
                latency_p50_ms=a["latency"]["values"]["50.0"],
                latency_p95_ms=a["latency"]["values"]["95.0"],
                latency_p99_ms=a["latency"]["values"]["99.0"],
                flagged={b["key"]: b["doc_count"] for b in a["flagged"]["buckets"]},
                tokens={n: int(a[f"tokens_{n}"]["value"] or 0) for n in schema.TOKEN_FIELDS},
                ttft_p95_ms=ms(a["ttft"]["values"]["95.0"]),
            )
            for labels, total, a in groups
        ]

    def feedback_stats(
        self,
        start: datetime,
        end: datetime,
        where: Mapping[str, str] | None = None,
        group_by: Sequence[str] = (),
    ) -> list[FeedbackStats]:
        metrics = {
            "score_avg": {"avg": {"field": "sentinel.feedback.score"}},
            "satisfied": {"filter": {"term": {"sentinel.feedback.satisfied": True}}},
            "rated": {"value_count": {"field": "sentinel.feedback.satisfied"}},
        }
        groups = self._window_stats(
            self._index("feedback"),
            start,
            end,
            where,
            group_by,
            schema.FEEDBACK_LABEL_FIELDS,
            metrics,
        )
        return [
            FeedbackStats(
                labels=labels,
                count=total,
                score_avg=a["score_avg"]["value"],
                satisfied=a["satisfied"]["doc_count"],
                rated=a["rated"]["value"],
            )
            for labels, total, a in groups
        ]
