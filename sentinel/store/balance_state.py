"""The polled balance: what `sentinel serve`'s balance poller writes and the rule
metrics, the status page and every client read.

Each poll goes to the store's balance series (`sentinel.store.balance_series`: the
`balance` table, the `<prefix>-balance` index), which is kept for the retention; the
last one is also the state entry `balance:latest`, one point read for the clients
that fail fast while the account cannot call. Only the leader writes (the poller runs
under the daemon's lease).

Before the series existed the samples lived in the state entry `balance:series`: the
first poll after an upgrade moves them into the series and deletes the entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sentinel.balance import BalanceSample
from sentinel.store.base import Store

LATEST_KEY = "balance:latest"
LEGACY_SERIES_KEY = "balance:series"  # the samples before the balance series


def record_balance(
    store: Store, sample: BalanceSample, retention: timedelta
) -> list[BalanceSample]:
    """Store `sample` in the series (dropping samples older than the retention), make it
    the latest; returns the series as stored."""
    legacy = store.get_state(LEGACY_SERIES_KEY)
    if legacy is not None:
        for old in legacy[0].get("samples", []):
            store.write_balance(BalanceSample.from_dict(old))
        store.delete_state(LEGACY_SERIES_KEY)
    store.write_balance(sample)
    store.set_state(LATEST_KEY, sample.to_dict())  # first: what clients fail fast on
    store.expire_balance(sample.at - retention)
    return store.balance_samples(sample.at - retention)


def balance_series(store: Store, since: datetime | None = None) -> list[BalanceSample]:
    """The stored samples (after `since`), oldest first."""
    return store.balance_samples(since)


def latest_balance(store: Store) -> BalanceSample | None:
    current = store.get_state(LATEST_KEY)
    return None if current is None else BalanceSample.from_dict(current[0])
