"""When to retry a 429: after 1 s, 2 s, 4 s, or later if the server says so."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent
    or unreadable, so a malformed header falls back to the schedule instead of failing."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RetryPolicy:
    """Exponential schedule `base * 2**n`; Retry-After wins when it is larger."""

    def __init__(
        self,
        max_retries: int = 3,
        base_delay: float = 1.0,
        jitter: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.jitter = jitter
        self._rng = rng or random.Random()

    def delay(self, retry_number: int, retry_after: float | None = None) -> float | None:
        """Seconds before retry `retry_number` (0-based), or None when retries are spent."""
        if retry_number >= self.max_retries:
            return None
        delay = self.base_delay * (2**retry_number)
        if self.jitter:  # spread synchronized clients over up to +25%
            delay += self._rng.uniform(0.0, delay * 0.25)
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        return delay
