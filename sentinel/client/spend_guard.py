"""Fail fast before a call that can only be refused: the account balance the daemon
last polled said `is_available=false` (`InsufficientBalanceError`, instead of a 402
from DeepSeek), or the app's hard budget for the period is spent (`BudgetExceededError`).

How a client in an app process learns it: from the store, the state `sentinel serve`'s
balance poller and `sentinel budgets` write, never by polling DeepSeek itself (one
poller per cluster). The hot path reads only a snapshot in memory; the snapshot is
re-read (latest balance, the budgets, each budget's spend this period: one state read,
one state listing, one aggregation per budget) at most every SENTINEL_SPEND_CACHE_TTL,
in a background thread, while calls go on against the previous snapshot. So a poll or
a budget change takes effect within the TTL (plus the poll interval), and spend over a
budget is noticed within the TTL: a budget is a hard stop with that much slack, not
an exact one. The first call of a process waits up to FIRST_READ_WAIT for the first
read. A store that cannot be read leaves the previous snapshot (or none: calls go
ahead) in place.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sentinel.clock import Clock
from sentinel.errors import BudgetExceededError, InsufficientBalanceError
from sentinel.store.balance_state import latest_balance
from sentinel.store.base import Store
from sentinel.store.budget_state import Budget, list_budgets, period_bounds

log = logging.getLogger("sentinel.client")
# How long the first call of a process waits for the first snapshot: a slow or hung
# store delays that one call by at most this, never the calls after it.
FIRST_READ_WAIT = 0.5


@dataclass(frozen=True)
class _Spent:
    budget: Budget
    spent: float
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Snapshot:
    unavailable: bool = False  # the last successful poll said is_available=false
    polled_at: datetime | None = None
    budgets: dict[str, _Spent] = field(default_factory=dict)  # by app


def read_snapshot(store: Store, now: datetime) -> Snapshot:
    latest = latest_balance(store)
    budgets = {}
    for budget in list_budgets(store):
        start, end = period_bounds(budget.per, now)
        where = {"app": budget.app, "currency": budget.currency}
        spent = sum(s.cost for s in store.cost_stats(start - timedelta(microseconds=1), now, where))
        budgets[budget.app] = _Spent(budget, spent, start, end)
    return Snapshot(
        unavailable=latest is not None and not latest.is_available,
        polled_at=latest.at if latest else None,
        budgets=budgets,
    )


class SpendGuard:
    def __init__(self, store: Store, ttl: timedelta, clock: Clock) -> None:
        self.store = store
        self.ttl = ttl.total_seconds()
        self.clock = clock
        self._snapshot: Snapshot | None = None
        self._due = 0.0
        self._lock = threading.Lock()
        self._refreshing = False
        self._waited = False

    def refresh(self) -> None:
        """Re-read the snapshot now (what the background refresh runs)."""
        try:
            snapshot = read_snapshot(self.store, self.clock.now())
        except Exception as exc:  # the store is down: keep what we knew
            log.warning("could not read balance and budgets: %s", type(exc).__name__)
        else:
            self._snapshot = snapshot
        finally:
            with self._lock:
                self._due = self.clock.monotonic() + self.ttl
                self._refreshing = False

    def _refresh_soon(self) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
        thread = threading.Thread(target=self.refresh, name="sentinel-spend-guard", daemon=True)
        thread.start()
        if not self._waited:  # the process's first call waits a little for the first read
            self._waited = True
            thread.join(FIRST_READ_WAIT)

    def check(self, app: str, request_id: str) -> None:
        """Raise if a call of `app` can only be refused; else return at once."""
        if self.clock.monotonic() >= self._due:
            self._refresh_soon()
        snapshot = self._snapshot
        if snapshot is None:
            return
        if snapshot.unavailable:
            message = (
                f"DeepSeek reported the balance unavailable at "
                f"{snapshot.polled_at.isoformat() if snapshot.polled_at else 'the last poll'}: "
                "top up the account; calls resume after the next poll that says otherwise"
            )
            body = {"error": {"message": message, "type": "insufficient_balance", "param": None,
                              "code": "insufficient_balance"}}  # fmt: skip
            raise InsufficientBalanceError(message, request_id=request_id, body=body)
        entry = snapshot.budgets.get(app)
        if entry is None or entry.spent < entry.budget.limit:
            return
        now = self.clock.now()
        if not entry.start <= now < entry.end:
            return  # a new period began since the snapshot: its spend is not known yet
        b = entry.budget
        raise BudgetExceededError(
            app, entry.spent, b.limit, b.currency, b.per, (entry.end - now).total_seconds(),
            request_id=request_id,
        )  # fmt: skip
