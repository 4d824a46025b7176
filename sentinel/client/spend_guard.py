"""Fail fast before a call that can only be refused: the account balance the daemon
last polled said `is_available=false` (`InsufficientBalanceError`, instead of a 402
from DeepSeek), or the hard budget of the call's app or proxy token is spent for the
period (`BudgetExceededError`).

How a client in an app process learns it: from the store, the state `sentinel serve`'s
balance poller and `sentinel budgets` write, never by polling DeepSeek itself (one
poller per cluster). The hot path reads only a snapshot in memory; the snapshot is
re-read (latest balance, the budgets, each budget's spend this period: one state read,
one state listing, one aggregation per budget) at most every SENTINEL_SPEND_CACHE_TTL,
in a background thread, while calls go on against the previous snapshot. So a poll or
a budget change takes effect within the TTL (plus the poll interval).

Spend is exact for this process's own calls: each finished call's cost is added to the
running total at once (`spent`), on top of the snapshot, so a burst inside the TTL
stops at the limit; what can overshoot is the calls in flight, and what other
processes spent since the snapshot. A re-read hands over to the store only this
process's calls reported SETTLE before it began (the sink writes in the background,
Elasticsearch searches what its 1 s refresh made visible: a call reported just before
the read may not be counted yet); later ones stay added, so one the store already
counts is counted twice until the next re-read (a refusal up to SETTLE's worth of this
process's spend early, never late). Handing over every call reported before the read
lost the last second's calls on Elasticsearch: sequential calls over short TTLs
overran the limit.

The first call of a process starts the first read and waits for it up to
FIRST_READ_WAIT; the async client waits in a thread (`await_first`), so its event loop
runs other tasks meanwhile. A store that cannot be read leaves the previous snapshot
(or none: calls go ahead) in place.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sentinel.clock import Clock
from sentinel.errors import BudgetExceededError, InsufficientBalanceError
from sentinel.models import CallRecord
from sentinel.store.balance_state import latest_balance
from sentinel.store.base import Store
from sentinel.store.budget_state import (
    Budget,
    budget_key,
    list_budgets,
    period_bounds,
    spend_by_currency,
)

log = logging.getLogger("sentinel.client")
# How long the first call of a process waits for the first snapshot: a slow or hung
# store delays that one call by at most this, never the calls after it.
FIRST_READ_WAIT = 0.5

# How long a reported call may take to be counted by the store (the sink's background
# write, Elasticsearch's 1 s refresh), in whole seconds.
SETTLE = 2

# (budget key, currency, UTC hour of the call, monotonic second it was reported, 0 once
# folded) -> cost added in this process; every budget period is a whole number of hours
_Added = defaultdict[tuple[str, str, datetime, int], float]


@dataclass(frozen=True)
class _Spent:
    budget: Budget
    spent: float
    start: datetime
    end: datetime
    by_currency: dict[str, float] = field(default_factory=dict)  # the owner's, this period


@dataclass(frozen=True)
class Snapshot:
    unavailable: bool = False  # the last successful poll said is_available=false
    polled_at: datetime | None = None
    budgets: dict[str, _Spent] = field(default_factory=dict)  # by Budget.key


def read_snapshot(store: Store, now: datetime) -> Snapshot:
    latest = latest_balance(store)
    budgets = {}
    for budget in list_budgets(store):
        start, end = period_bounds(budget.per, now)
        # every currency: what the budget's own misses is what `budgets list` warns of
        spent = spend_by_currency(store, budget.where, start - timedelta(microseconds=1), now)
        budgets[budget.key] = _Spent(budget, spent.get(budget.currency, 0.0), start, end, spent)
    return Snapshot(
        unavailable=latest is not None and not latest.is_available,
        polled_at=latest.at if latest else None,
        budgets=budgets,
    )


def _keys(app: str, token: str | None) -> list[str]:
    """The budgets a call of `app` made with proxy token `token` counts toward."""
    return [budget_key(app=app)] + ([budget_key(token=token)] if token else [])


class SpendGuard:
    def __init__(self, store: Store, ttl: timedelta, clock: Clock) -> None:
        self.store = store
        self.ttl = ttl.total_seconds()
        self.clock = clock
        self._snapshot: Snapshot | None = None
        self._due = 0.0
        self._lock = threading.Lock()
        self._refreshing = False
        self._first: threading.Thread | None = None
        self._waited = False
        self._added: _Added = defaultdict(float)  # what the snapshot does not count

    def refresh(self) -> None:
        """Re-read the snapshot now (what the background refresh runs)."""
        reported_by = int(self.clock.monotonic()) - SETTLE
        try:
            snapshot = read_snapshot(self.store, self.clock.now())
        except Exception as exc:  # the store is down: keep what we knew
            log.warning("could not read balance and budgets: %s", type(exc).__name__)
            with self._lock:  # by the hour what the next read hands over, so `check` stays cheap
                for k in [k for k in self._added if 0 < k[3] < reported_by]:
                    cost = self._added.pop(k)
                    self._added[k[0], k[1], k[2], 0] += cost
        else:
            with self._lock:  # the calls the new snapshot counts leave the running total
                self._snapshot = snapshot
                for k in [k for k in self._added if k[3] < reported_by]:
                    del self._added[k]
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
        if self._first is None:
            self._first = thread
        thread.start()

    def _first_wait(self) -> float:
        """How long this call still waits for the process's first read (0: not at all)."""
        if self._waited:
            return 0.0
        self._waited = True
        first = self._first
        return FIRST_READ_WAIT if first is not None and first.is_alive() else 0.0

    async def await_first(self) -> None:
        """The async client's wait for the first read, before `check`: in a thread, so
        the event loop runs other tasks meanwhile."""
        if self._waited:
            return
        if self._first is None:
            self._refresh_soon()
        if wait := self._first_wait():
            assert self._first is not None
            await asyncio.to_thread(self._first.join, wait)

    def spent(self, record: CallRecord) -> None:
        """A finished call's cost, added to the running totals of its app and proxy
        token (the reporter calls this for every call, before it is stored)."""
        cost, currency = record.cost, record.cost_currency
        if not cost or currency is None:
            return
        at = period_bounds("hour", record.timestamp)[0]
        reported = max(int(self.clock.monotonic()), 1)  # 0 is a folded sum's
        with self._lock:
            self._added[budget_key(app=record.app), currency, at, reported] += cost
            if record.proxy_token_id:
                key = budget_key(token=record.proxy_token_id)
                self._added[key, currency, at, reported] += cost

    def _local(self, key: str, currency: str, start: datetime, end: datetime) -> float:
        """What this process added for a budget's period that the snapshot lacks."""
        with self._lock:
            return sum(
                v
                for (k, c, at, _), v in self._added.items()
                if k == key and c == currency and start <= at < end
            )

    def uncounted(self, app: str, token: str | None, currency: str) -> list[str]:
        """Why the budgets of a call of `app` (with proxy token `token`), priced in
        `currency`, will not count it: each one set in another currency (an operator's
        --currency, or SENTINEL_CURRENCY changed since). The limit still holds for what
        was spent in the budget's own currency; this call adds nothing to it."""
        snapshot = self._snapshot
        if snapshot is None:
            return []
        entries = (snapshot.budgets.get(key) for key in _keys(app, token))
        return [
            f"the {e.budget.currency} budget of {e.budget.owner} does not count its calls "
            f"priced in {currency} (SENTINEL_CURRENCY; Sentinel never converts currencies): "
            f"set the budget in {currency}"
            for e in entries
            if e is not None and e.budget.currency != currency
        ]

    def check(self, app: str, request_id: str, token: str | None = None) -> None:
        """Raise if a call of `app` (made with proxy token `token`) can only be refused;
        else return at once."""
        if self.clock.monotonic() >= self._due:
            self._refresh_soon()
        if wait := self._first_wait():
            assert self._first is not None
            self._first.join(wait)
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
        for key in _keys(app, token):
            entry = snapshot.budgets.get(key)
            if entry is None:
                continue
            now = self.clock.now()
            if not entry.start <= now < entry.end:
                continue  # a new period began since the snapshot: its spend is not known yet
            b = entry.budget
            spent = entry.spent + self._local(key, b.currency, entry.start, entry.end)
            if spent >= b.limit:
                raise BudgetExceededError(
                    app, spent, b.limit, b.currency, b.per, (entry.end - now).total_seconds(),
                    request_id=request_id, token=b.token,
                )  # fmt: skip
