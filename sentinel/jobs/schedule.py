"""When to try a webhook again, and when a claim has lapsed: pure functions of the
clock's time, so the schedule is tested exactly and a restarted daemon continues it
from what the store holds (attempt count and first attempt time).

The delays are the client's exponential schedule (`RetryPolicy`, base * 2**n),
capped, with a little jitter so the deliveries a receiver outage piled up do not all
return in the same second. Retrying stops once the first attempt is older than the
max age; the result stays readable with `GET /v1/async/jobs/{id}`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sentinel.client.resilience import RetryPolicy
from sentinel.config import Settings

# 2**n overflows no float and no timedelta below this; the cap applies long before.
_MAX_EXPONENT = 40


@dataclass(frozen=True)
class DeliverySchedule:
    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(hours=24)
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliverySchedule:
        return cls(settings.webhook_retry_base, settings.webhook_retry_max,
                   settings.webhook_max_age)  # fmt: skip

    def delay(self, failed_attempts: int) -> timedelta:
        """Wait after the `failed_attempts`-th failure (1-based)."""
        n = min(max(failed_attempts - 1, 0), _MAX_EXPONENT)
        policy = RetryPolicy(n + 1, self.base.total_seconds(), self.jitter, self.rng)
        seconds = policy.delay(n) or 0.0
        return min(timedelta(seconds=seconds), self.cap)

    def next_attempt(
        self, failed_attempts: int, first_attempt_at: datetime, now: datetime
    ) -> datetime | None:
        """When to try again after a failure at `now`; None once the max age is past."""
        due = now + self.delay(failed_attempts)
        if due - first_attempt_at > self.max_age:
            return None
        return due


def lapsed(lease: dict[str, str] | None, now: datetime) -> bool:
    """A claim (`{"holder", "expires_at"}`) no longer protects its job: none, or expired."""
    return lease is None or datetime.fromisoformat(lease["expires_at"]) <= now
