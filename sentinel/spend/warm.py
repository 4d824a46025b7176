"""The spend cache warmer of `sentinel serve`: on the lease holder only (one per
cluster), it builds the Elasticsearch caches of whole past days' spend groups
(`sentinel.store.elastic.spend_cache`) for the ranges users ask for, before they ask.

Without it the first report of a range after its calls changed built the cache itself:
3-32 s for `--by conversation` over a million calls, and `--since 30d` moves to a new
range every UTC day, so the first report of each morning paid it. The ranges warmed are
the defaults of `sentinel spend` and `GET /v1/spend` (`--since 30d` to now) for each
cached `--by`; the status card reads days, which are never cached (few groups).

A run costs one index-stats request and one mapping read per `--by` while the caches
hold (the fingerprint check every report makes), and a build when one does not: right
after each UTC midnight (a new range) and at the next run after anything moved the
calls of a cached day (a late write, `prices recompute`) or dropped the caches
(erasure, retention). A report never waits for a build in flight: it reads the calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from apscheduler.triggers.base import BaseTrigger

from sentinel.clock import Clock
from sentinel.spend import DEFAULT_SINCE
from sentinel.spend.report import parse_time
from sentinel.store.spend_queries import CACHED_BY

log = logging.getLogger("sentinel.spend")

AFTER_MIDNIGHT = timedelta(seconds=5)  # the bulk writer's last calls of the day land first


@runtime_checkable
class WarmableStore(Protocol):
    """A store with a spend cache to build ahead of the reports (Elasticsearch)."""

    def warm_spend(self, start: datetime, end: datetime, bys: Any) -> dict[str, str]: ...


def default_range(now: datetime) -> tuple[datetime, datetime]:
    """The range a report with the default `--since` asks for at `now`."""
    return parse_time(DEFAULT_SINCE, now), now


def next_warm(now: datetime, interval: timedelta) -> datetime:
    """The next run after `now`: one interval on, or just after the next UTC midnight
    (when the default range moves to a new set of days) if that comes first."""
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    midnight = day + AFTER_MIDNIGHT
    if midnight <= now:
        midnight += timedelta(days=1)
    return min(now + interval, midnight)


class WarmTrigger(BaseTrigger):
    """APScheduler trigger of `next_warm` (APScheduler passes the time)."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        return next_warm(now, self.interval)


class SpendWarmer:
    def __init__(self, store: WarmableStore, clock: Clock, is_leader: Callable[[], bool]) -> None:
        self.store = store
        self.clock = clock
        self._is_leader = is_leader

    def run(self) -> dict[str, str] | None:
        """One pass if this daemon leads: per `--by`, "fresh", "built" or "skipped"
        (see `warm_spend`). Never raises (a failure is logged; the next run retries)."""
        if not self._is_leader():
            return None
        start, end = default_range(self.clock.now())
        try:
            outcome = self.store.warm_spend(start, end, CACHED_BY)
        except Exception as exc:
            log.warning("spend cache warm-up failed: %s: %s", type(exc).__name__, exc)
            return None
        built = [by for by, what in outcome.items() if what == "built"]
        if built:
            log.info("spend caches built for --since %s by %s", DEFAULT_SINCE, ", ".join(built))
        return outcome
