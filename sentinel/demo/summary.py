"""The numbers the demo ends with, computed from what Sentinel stored (the call
records), not from what the demo thinks it did: the summary doubles as a check that
every call left a record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sentinel.compliance.audit import Verification
from sentinel.models import CallRecord
from sentinel.store.sqlite import percentile


@dataclass(frozen=True)
class Traffic:
    calls: int
    succeeded: int
    p50_ms: float | None
    p95_ms: float | None
    retries: int
    rate_limited: int
    failovers: int
    failed_fast: int  # rejected by the open circuit breaker without a request
    errors: Counter[str]

    @property
    def success_rate(self) -> float:
        return self.succeeded / self.calls if self.calls else 0.0


def traffic(records: Sequence[CallRecord]) -> Traffic:
    durations = [r.duration_ms for r in records]
    return Traffic(
        calls=len(records),
        succeeded=sum(1 for r in records if not r.is_error),
        p50_ms=percentile(durations, 50),
        p95_ms=percentile(durations, 95),
        retries=sum(r.retries for r in records),
        rate_limited=sum(1 for r in records if r.rate_limited),
        failovers=sum(r.failovers for r in records),
        failed_fast=sum(1 for r in records if r.circuit_open),
        errors=Counter(r.error_type or "error" for r in records if r.is_error),
    )


@dataclass
class DemoResult:
    """Everything the final summary shows."""

    traffic: Traffic
    breaker_opens: int
    spans: int
    log_lines: int
    stored: dict[str, int]  # kind -> documents in the store after the traffic
    feedback_avg: float | None
    alerts_fired: list[str] = field(default_factory=list)
    alerts_resolved: list[str] = field(default_factory=list)
    anonymized: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    exported: dict[str, int] = field(default_factory=dict)
    erased: dict[str, int] = field(default_factory=dict)
    export_after_erasure: int = -1
    audit: Verification | None = None
    seconds: float = 0.0
    spend: dict[str, Any] = field(default_factory=dict)  # sentinel.spend.report, by model
