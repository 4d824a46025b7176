"""Rule metrics from store aggregations over the window (t - window, t] only.

Each rule's metric is derived from one `call_stats` / `feedback_stats` aggregation (or
the oldest raw conversation), never from scanning history, so an evaluation costs the
same with a day or a year of stored calls. Rules in one group that ask for the same
aggregation (same kind, window, filter and grouping) share one query per evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sentinel.balance import BalanceSample, currencies, hours_left
from sentinel.rules.model import (
    BALANCE_METRICS,
    CALL_METRICS,
    COST_METRICS,
    FEEDBACK_METRICS,
    Rule,
)
from sentinel.store.balance_state import balance_series
from sentinel.store.base import CallStats, FeedbackStats, Store
from sentinel.store.cost_window import CostStats


@dataclass(frozen=True)
class Sample:
    """One metric value for one label group; `count` is what min_requests compares."""

    labels: dict[str, str]
    value: float | None
    count: int


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


_TOKEN_RATES = {
    "input_tokens_rate": "input_tokens",
    "output_tokens_rate": "output_tokens",
    "reasoning_tokens_rate": "reasoning_tokens",
}


# Call metrics that need only a count and token sums: read with the store's summing
# query (usage_stats), so long windows and baselines cost no row scan.
USAGE_METRICS = ("cache_hit_ratio", *_TOKEN_RATES)


def call_value(metric: str, stats: CallStats, window: timedelta) -> float | None:
    """The metric for one group's call aggregates; None when it is undefined (no calls)."""
    if metric == "error_rate":
        return _ratio(stats.errors, stats.total)
    if metric == "success_rate":
        return _ratio(stats.total - stats.errors, stats.total)
    if metric == "request_rate":  # calls per second, as Prometheus' rate()
        return stats.total / window.total_seconds()
    if metric == "latency_avg_ms":
        return stats.latency_avg_ms
    if metric == "latency_p95_ms":
        return stats.latency_p95_ms
    if metric == "rate_limited_rate":
        return _ratio(stats.rate_limited, stats.total)
    if metric == "circuit_open_count":
        return float(stats.circuit_open)
    if metric == "cache_hit_ratio":  # of the input tokens DeepSeek reported hit or missed
        hit = stats.tokens.get("cache_hit_tokens", 0)
        return _ratio(hit, hit + stats.tokens.get("cache_miss_tokens", 0))
    if metric in _TOKEN_RATES:  # tokens per second, as Prometheus' rate()
        return stats.tokens.get(_TOKEN_RATES[metric], 0) / window.total_seconds()
    if metric == "ttft_p95_ms":
        return stats.ttft_p95_ms
    raise ValueError(f"not a call metric: {metric}")


def feedback_value(metric: str, stats: FeedbackStats) -> float | None:
    if metric == "quality_score_avg":
        return stats.score_avg
    if metric == "satisfaction_rate":
        return _ratio(stats.satisfied, stats.rated)
    raise ValueError(f"not a feedback metric: {metric}")


def cost_value(metric: str, stats: CostStats, window: timedelta) -> float:
    if metric == "cost_sum":
        return stats.cost
    if metric == "cost_rate":  # per hour: money per second reads as noise
        return stats.cost / (window.total_seconds() / 3600)
    raise ValueError(f"not a cost metric: {metric}")


def balance_samples(
    metric: str, series: list[BalanceSample], window: timedelta, end: datetime
) -> list[Sample]:
    """One sample per currency from the polled series: the latest balance in the window,
    or the hours it lasts at the window's burn rate; `count` is the samples polled."""
    out = []
    for currency in currencies(series):
        polled = [s for s in series if end - window < s.at <= end and s.total(currency) is not None]
        if metric == "balance":
            value = polled[-1].total(currency) if polled else None
        elif metric == "balance_hours_left":
            value = hours_left(series, currency, window, end)
        else:
            raise ValueError(f"not a balance metric: {metric}")
        out.append(Sample({"currency": currency}, value, len(polled)))
    return out


def against_baseline(current: list[Sample], baseline: list[Sample]) -> list[Sample]:
    """current / baseline per label group; undefined where either is, or the base is 0."""
    base = {tuple(sorted(s.labels.items())): s.value for s in baseline}
    out = []
    for s in current:
        b = base.get(tuple(sorted(s.labels.items())))
        value = s.value / b if s.value is not None and b else None
        out.append(Sample(s.labels, value, s.count))
    return out


def overdue_seconds(oldest_raw: datetime | None, now: datetime, within: timedelta) -> float:
    """How far the oldest raw conversation is past the anonymization deadline (0 if not)."""
    if oldest_raw is None:
        return 0.0
    return max((now - oldest_raw - within).total_seconds(), 0.0)


class MetricReader:
    """Computes rule samples at one instant, memoizing identical aggregations.

    Create one per group evaluation: the memo is only valid for one `now`."""

    def __init__(self, store: Store, now: datetime, anonymize_within: timedelta) -> None:
        self.store = store
        self.now = now
        self.anonymize_within = anonymize_within
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _cached(self, key: tuple[Any, ...], fetch: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = fetch()
        return self._memo[key]

    def samples(self, rule: Rule) -> list[Sample]:
        current = self._samples(rule, self.now, rule.window)
        if rule.baseline is None:
            return current
        window = rule.baseline.window or rule.window
        return against_baseline(
            current, self._samples(rule, self.now - rule.baseline.offset, window)
        )

    def _samples(self, rule: Rule, end: datetime, window: timedelta) -> list[Sample]:
        start = end - window
        store_where = {k: v for k, v in rule.where.items() if k != "category"}
        where = tuple(sorted(store_where.items()))
        if rule.metric == "content_flagged_rate":
            return self._flagged(rule, start, end, where, store_where)
        if rule.metric in CALL_METRICS:
            stats = self._call_stats(rule, start, end, where)
            if not stats and not rule.group_by:
                # One ungrouped series always exists, so "request_rate < x" can see silence.
                stats = [CallStats(labels={})]
            return [Sample(s.labels, call_value(rule.metric, s, window), s.total) for s in stats]
        if rule.metric in FEEDBACK_METRICS:
            fb: list[FeedbackStats] = self._cached(
                ("feedback", start, end, where, rule.group_by),
                lambda: self.store.feedback_stats(start, end, rule.where, rule.group_by),
            )
            return [Sample(s.labels, feedback_value(rule.metric, s), s.count) for s in fb]
        if rule.metric in COST_METRICS:
            group_by = tuple(dict.fromkeys((*rule.group_by, "currency")))
            costs: list[CostStats] = self._cached(
                ("cost", start, end, where, group_by),
                lambda: self.store.cost_stats(start, end, rule.where, group_by),
            )
            return [Sample(c.labels, cost_value(rule.metric, c, window), c.calls) for c in costs]
        if rule.metric in BALANCE_METRICS:
            series = self._cached(("balance",), lambda: balance_series(self.store))
            samples = balance_samples(rule.metric, series, window, end)
            only = rule.where.get("currency")
            return [s for s in samples if only is None or s.labels["currency"] == only]
        oldest = self._cached(("oldest_raw",), self.store.oldest_raw_conversation)
        return [Sample({}, overdue_seconds(oldest, end, self.anonymize_within), 0)]

    def _call_stats(
        self, rule: Rule, start: datetime, end: datetime, where: tuple[tuple[str, str], ...]
    ) -> list[CallStats]:
        if rule.metric in USAGE_METRICS:  # sums only: no row scan however long the window
            return self._cached(
                ("usage", start, end, where, rule.group_by),
                lambda: [
                    CallStats(labels=u.labels, total=u.total, tokens=u.tokens)
                    for u in self.store.usage_stats(start, end, rule.where, rule.group_by)
                ],
            )
        return self._cached(
            ("call", start, end, where, rule.group_by),
            lambda: self.store.call_stats(start, end, rule.where, rule.group_by),
        )

    def _flagged(
        self,
        rule: Rule,
        start: datetime,
        end: datetime,
        where: tuple[tuple[str, str], ...],
        store_where: dict[str, str],
    ) -> list[Sample]:
        """content_flagged_rate: one sample per category found in the window (labels
        plus `category`), the share of the group's calls in which it was found. A
        category that stops appearing has no sample, so its alert resolves."""
        stats: list[CallStats] = self._cached(
            ("call", start, end, where, rule.group_by),
            lambda: self.store.call_stats(start, end, store_where, rule.group_by),
        )
        only = rule.where.get("category")
        return [
            Sample({**s.labels, "category": category}, n / s.total, s.total)
            for s in stats
            for category, n in sorted(s.flagged.items())
            if s.total and (only is None or category == only)
        ]
