"""Validated alert-rule models: the shape of a rule file (docs/architecture.md, the contract).

Validation happens here, once, at load time, so that a rule which could never be
evaluated (an unknown metric, a label the store cannot group by, a template naming a
variable that does not exist) is reported by `sentinel rules check` with its file and
line instead of failing at 3 a.m. inside the scheduler.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from sentinel.config import Duration, PositiveDuration
from sentinel.rules.templates import check_template
from sentinel.store.base import CALL_LABELS, FEEDBACK_LABELS
from sentinel.store.cost_window import COST_LABELS

# The metrics a rule may name, as types (so validation rejects any other) and as the
# tuples the evaluator dispatches on, each written once.
CallMetric = Literal[
    "error_rate",
    "success_rate",
    "request_rate",
    "latency_avg_ms",
    "latency_p95_ms",
    "rate_limited_rate",
    "circuit_open_count",
    "content_flagged_rate",  # share of calls the safety filter flagged, one series per category
    "cache_hit_ratio",
    "input_tokens_rate",
    "output_tokens_rate",
    "reasoning_tokens_rate",
    "ttft_p95_ms",
]
FeedbackMetric = Literal["quality_score_avg", "satisfaction_rate"]
# Spend: cost of the priced calls (cost_rate per hour), and the polled account balance
# (sentinel.balance); every sample of these carries a `currency` label.
CostMetric = Literal["cost_rate", "cost_sum"]
BalanceMetric = Literal["balance", "balance_hours_left"]
Metric = Literal[CallMetric, FeedbackMetric, CostMetric, BalanceMetric, "unanonymized_overdue"]
CALL_METRICS: tuple[str, ...] = get_args(CallMetric)
FEEDBACK_METRICS: tuple[str, ...] = get_args(FeedbackMetric)
COST_METRICS: tuple[str, ...] = get_args(CostMetric)
BALANCE_METRICS: tuple[str, ...] = get_args(BalanceMetric)
# Metrics whose value can be held against its own past (`baseline`).
_NO_BASELINE = ("unanonymized_overdue", "content_flagged_rate")

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
Op = Literal[">", ">=", "<", "<=", "==", "!="]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt `for:` must not silently mean "fire at once".
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Baseline(_Strict):
    """Compare the metric with its own past instead of a fixed number: the rule's value
    becomes current / baseline, the same metric over `window` (default: the rule's)
    ending `offset` before the evaluation. "Spend this hour above 3x the same hour last
    week" is `window: 1h`, `baseline: {offset: 7d}`, `op: ">"`, `threshold: 3`. An
    undefined or zero baseline makes the condition false (nothing to compare with)."""

    offset: Duration = timedelta(0)
    window: PositiveDuration | None = None


class Rule(_Strict):
    alert: str
    metric: Metric
    window: PositiveDuration = timedelta(minutes=5)
    op: Op
    threshold: float
    baseline: Baseline | None = None
    min_requests: int = Field(default=0, ge=0)
    for_: Duration = Field(default=timedelta(0), alias="for")
    keep_firing_for: Duration = timedelta(0)
    group_by: tuple[str, ...] = ()
    where: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    # Field validators (not one model validator) so each problem is reported on its
    # own line even when other fields of the same rule are invalid too.

    @field_validator("alert")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.fullmatch(v):
            raise ValueError(f"alert name {v!r} must match [A-Za-z_][A-Za-z0-9_]*")
        return v

    @field_validator("min_requests")
    @classmethod
    def _min_requests(cls, v: int, info: ValidationInfo) -> int:
        if v and info.data.get("metric") == "unanonymized_overdue":
            raise ValueError("unanonymized_overdue counts no requests: remove min_requests")
        return v

    @field_validator("group_by", "where")
    @classmethod
    def _labels_known(cls, v: Any, info: ValidationInfo) -> Any:
        metric = info.data.get("metric")
        if metric is None or not v:
            return v
        if metric == "unanonymized_overdue":
            raise ValueError(f"unanonymized_overdue is store-wide: remove {info.field_name}")
        allowed = FEEDBACK_LABELS if metric in FEEDBACK_METRICS else CALL_LABELS
        if metric in COST_METRICS:
            allowed = COST_LABELS
        if metric in BALANCE_METRICS:
            allowed = ("currency",)  # one account-wide series per currency
        if metric == "content_flagged_rate" and info.field_name == "where":
            allowed = (*CALL_LABELS, "category")  # every sample has a category label
        bad = [k for k in v if k not in allowed]
        if bad:
            raise ValueError(
                f"label(s) {bad} cannot be used with metric {metric}: use {list(allowed)}"
            )
        return v

    @field_validator("baseline")
    @classmethod
    def _baseline(cls, v: Baseline | None, info: ValidationInfo) -> Baseline | None:
        metric = info.data.get("metric")
        if v is not None and metric in _NO_BASELINE:
            raise ValueError(f"{metric} cannot be compared with a baseline")
        if v is not None and v.offset == timedelta(0) and v.window is None:
            raise ValueError("a baseline needs an offset or a window, else it is the value")
        return v

    @field_validator("labels")
    @classmethod
    def _no_alertname(cls, v: dict[str, str]) -> dict[str, str]:
        if "alertname" in v:
            raise ValueError("labels must not set alertname; it is the rule's alert name")
        return v

    @field_validator("annotations")
    @classmethod
    def _templates(cls, v: dict[str, str]) -> dict[str, str]:
        for key, text in v.items():
            try:
                check_template(text)
            except ValueError as exc:
                raise ValueError(f"annotation {key!r}: {exc}") from exc
        return v

    def holds(self, value: float) -> bool:
        """The comparison the rule states; strict where the operator is strict."""
        return OPS[self.op](value, self.threshold)


class Group(_Strict):
    name: str = Field(min_length=1)
    interval: PositiveDuration = timedelta(seconds=15)
    rules: list[Rule] = Field(min_length=1)


class RuleFile(_Strict):
    groups: list[Group]
