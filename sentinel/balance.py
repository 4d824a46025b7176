"""DeepSeek account balance over time: one polled sample, and the burn rate and hours
left computed from a series of them. Pure (times are arguments, no I/O), so the rule
metrics, the poller's gauges and the tests all share one exact definition.

Burn is what the balance lost between consecutive samples; a rise (a top-up, a grant)
is not negative spend, so it is skipped rather than netted against the spending around
it. The rate is that loss over the time the window's samples span, per hour.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

KINDS = ("total", "granted", "topped_up")


@dataclass(frozen=True)
class BalanceSample:
    """One successful GET /user/balance: availability and amounts by currency
    (currency -> {"total", "granted", "topped_up"} -> amount)."""

    at: datetime
    is_available: bool
    amounts: dict[str, dict[str, float]] = field(default_factory=dict)

    def total(self, currency: str) -> float | None:
        return self.amounts.get(currency, {}).get("total")

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "is_available": self.is_available,
                "amounts": self.amounts}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BalanceSample:
        return cls(
            datetime.fromisoformat(data["at"]), bool(data["is_available"]), dict(data["amounts"])
        )


def _amount(value: Any) -> float | None:
    """DeepSeek sends amounts as decimal strings; anything else is left out, not 0 (a
    "NaN" or "Infinity" too: stored, it would make every burn rate and hours-left NaN)."""
    if value is None:
        return None
    try:
        amount = float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None
    return amount if math.isfinite(amount) else None


def sample_from_api(body: Mapping[str, Any], at: datetime) -> BalanceSample:
    """A sample from the API's answer (`Balance.model_dump()` or the raw JSON)."""
    amounts: dict[str, dict[str, float]] = {}
    for info in body.get("balance_infos") or []:
        currency = str(info.get("currency") or "").upper()
        if not currency:
            continue
        values = {k: _amount(info.get(f"{k}_balance")) for k in KINDS}
        amounts[currency] = {k: v for k, v in values.items() if v is not None}
    return BalanceSample(at, bool(body.get("is_available")), amounts)


def burn_per_hour(
    series: Sequence[BalanceSample], currency: str, window: timedelta, now: datetime
) -> float | None:
    """What the balance in `currency` lost per hour over the samples in (now - window,
    now]; None with fewer than two samples (no rate is known yet)."""
    points = [
        (s.at, total)
        for s in sorted(series, key=lambda s: s.at)
        if now - window < s.at <= now and (total := s.total(currency)) is not None
    ]
    if len(points) < 2:
        return None
    hours = (points[-1][0] - points[0][0]).total_seconds() / 3600
    if hours <= 0:
        return None
    spent = sum(max(a - b, 0.0) for (_, a), (_, b) in itertools.pairwise(points))
    return spent / hours


def hours_left(
    series: Sequence[BalanceSample], currency: str, window: timedelta, now: datetime
) -> float | None:
    """Hours until the latest balance in `currency` is gone at the window's burn rate;
    None while no burn is measured (a flat balance never runs out)."""
    burn = burn_per_hour(series, currency, window, now)
    latest = next(
        (s for s in sorted(series, key=lambda s: s.at, reverse=True) if s.at <= now), None
    )
    total = latest.total(currency) if latest else None
    if not burn or total is None:
        return None
    return max(total, 0.0) / burn


def currencies(series: Sequence[BalanceSample]) -> list[str]:
    return sorted({c for s in series for c in s.amounts})
