"""Prometheus series for async jobs, in the default registry that `/metrics` serves.

The gauges describe the whole queue in the shared store (not one daemon's share): each
daemon's scan lists the live jobs anyway and sets them from what it saw, so every
replica reports the same numbers, at most one scan interval old. The oldest job's age
is computed at scrape time from its creation time, so it grows between scans.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge

from sentinel.clock import Clock

JOBS = Gauge("sentinel_async_jobs", "Async jobs in the store by state", ["state"])
OLDEST_QUEUED_AGE = Gauge(
    "sentinel_async_jobs_oldest_queued_age_seconds",
    "Age of the oldest async job still waiting for a worker (0 when none waits)",
)
WEBHOOKS_PENDING = Gauge(
    "sentinel_async_webhooks_pending", "Job results whose webhook is not delivered yet"
)
FINISHED = Counter("sentinel_async_jobs_finished", "Async jobs run to an end", ["status"])
DELIVERIES = Counter(
    "sentinel_async_webhook_deliveries",
    "Webhook delivery attempts by result (delivered, retry, failed: given up)",
    ["result"],
)


class QueueGauges:
    """Holds the last scan's oldest queued job so its age is live at scrape time."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._oldest: datetime | None = None
        OLDEST_QUEUED_AGE.set_function(self._age)

    def _age(self) -> float:
        oldest = self._oldest
        return max(0.0, (self.clock.now() - oldest).total_seconds()) if oldest else 0.0

    def update(self, queued: int, running: int, pending: int, oldest: datetime | None) -> None:
        JOBS.labels("queued").set(queued)
        JOBS.labels("running").set(running)
        WEBHOOKS_PENDING.set(pending)
        self._oldest = oldest
