"""The polled balance series, in the store's state entries (what `sentinel serve`'s
balance poller writes and the rule metrics, the status page and every client read).

Two entries: `balance:latest` (the last successful poll: small, what clients read to
fail fast while the account cannot call) and `balance:series` (the samples of the
retention, oldest first, capped at `MAX_SAMPLES`), each one read for any window. Only
the leader writes them (the poller runs under the daemon's lease), so last writer wins
is enough. State entries rather than an index of their own: a poll every few minutes
is a few thousand points a week, one document read per rule evaluation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sentinel.balance import BalanceSample
from sentinel.store.base import Store

LATEST_KEY = "balance:latest"
SERIES_KEY = "balance:series"
MAX_SAMPLES = 10_000


def record_balance(
    store: Store, sample: BalanceSample, retention: timedelta
) -> list[BalanceSample]:
    """Append `sample` to the series (dropping samples older than the retention), make it
    the latest; returns the series as stored."""
    kept = [s for s in balance_series(store) if sample.at - retention < s.at < sample.at]
    kept.append(sample)
    store.set_state(SERIES_KEY, {"samples": [s.to_dict() for s in kept[-MAX_SAMPLES:]]})
    store.set_state(LATEST_KEY, sample.to_dict())
    return kept[-MAX_SAMPLES:]


def balance_series(store: Store, since: datetime | None = None) -> list[BalanceSample]:
    """The stored samples (after `since`), oldest first."""
    current = store.get_state(SERIES_KEY)
    if current is None:
        return []
    samples = [BalanceSample.from_dict(d) for d in current[0].get("samples", [])]
    return [s for s in samples if since is None or s.at > since]


def latest_balance(store: Store) -> BalanceSample | None:
    current = store.get_state(LATEST_KEY)
    return None if current is None else BalanceSample.from_dict(current[0])
