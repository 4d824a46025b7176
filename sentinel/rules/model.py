"""Validated alert-rule models: the shape of `rules/*.yml` (DESIGN.md, "Alert rules").

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
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sentinel.config import parse_duration
from sentinel.rules.templates import check_template
from sentinel.store.base import CALL_LABELS

CALL_METRICS = (
    "error_rate",
    "success_rate",
    "request_rate",
    "latency_avg_ms",
    "latency_p95_ms",
    "rate_limited_rate",
    "circuit_open_count",
)
FEEDBACK_METRICS = ("quality_score_avg", "satisfaction_rate")
# Labels the feedback index can filter and group by (a subset of the call labels).
FEEDBACK_LABELS = ("app", "model")
METRICS = (*CALL_METRICS, *FEEDBACK_METRICS, "unanonymized_overdue")

Metric = Literal[
    "error_rate",
    "success_rate",
    "request_rate",
    "latency_avg_ms",
    "latency_p95_ms",
    "rate_limited_rate",
    "circuit_open_count",
    "quality_score_avg",
    "satisfaction_rate",
    "unanonymized_overdue",
]

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


def _duration(value: Any) -> timedelta:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a duration like 30s or 5m, got {value!r}")
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class _Strict(BaseModel):
    # Unknown keys are errors: a misspelt `for:` must not silently mean "fire at once".
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Rule(_Strict):
    alert: str
    metric: Metric
    window: Duration = timedelta(minutes=5)
    op: Op
    threshold: float
    min_requests: int = Field(default=0, ge=0)
    for_: Duration = Field(default=timedelta(0), alias="for")
    keep_firing_for: Duration = timedelta(0)
    group_by: tuple[str, ...] = ()
    where: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not _NAME_RE.fullmatch(self.alert):
            raise ValueError(f"alert name {self.alert!r} must match [A-Za-z_][A-Za-z0-9_]*")
        if self.window <= timedelta(0) and self.metric != "unanonymized_overdue":
            raise ValueError("window must be positive")
        allowed: tuple[str, ...]
        if self.metric == "unanonymized_overdue":
            # A store-wide age: there is nothing to group, filter or count.
            if self.group_by or self.where or self.min_requests:
                raise ValueError(
                    "unanonymized_overdue is store-wide: group_by, where and min_requests "
                    "do not apply"
                )
            allowed = ()
        else:
            allowed = FEEDBACK_LABELS if self.metric in FEEDBACK_METRICS else CALL_LABELS
        bad = [k for k in (*self.group_by, *self.where) if k not in allowed]
        if bad:
            raise ValueError(
                f"label(s) {bad} cannot be used with metric {self.metric}: "
                f"use {list(allowed)}"
            )
        if "alertname" in self.labels:
            raise ValueError("labels must not set alertname; it is the rule's alert name")
        for key, text in self.annotations.items():
            try:
                check_template(text)
            except ValueError as exc:
                raise ValueError(f"annotation {key!r}: {exc}") from exc
        return self

    def holds(self, value: float) -> bool:
        """The comparison the rule states; strict where the operator is strict."""
        return OPS[self.op](value, self.threshold)


class Group(_Strict):
    name: str = Field(min_length=1)
    interval: Duration = timedelta(seconds=15)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _positive(self) -> Group:
        if self.interval <= timedelta(0):
            raise ValueError("interval must be positive")
        return self


class RuleFile(_Strict):
    groups: list[Group]
