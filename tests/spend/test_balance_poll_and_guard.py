"""The leader polls the balance; a client in another process learns from the store
that the account cannot call, fails fast without a request upstream, and resumes
after a poll says otherwise (within its cache TTL). Budgets stop an app's calls with
the period's end as retry time. Real HTTP to FakeDeepSeek, a real SQLite store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from sentinel.client import Sentinel
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.daemon import Daemon
from sentinel.errors import BudgetExceededError, InsufficientBalanceError
from sentinel.models import CallRecord
from sentinel.rules.loader import RuleSet
from sentinel.store.balance_state import balance_series, latest_balance
from sentinel.store.budget_state import Budget, put_budget
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek, Fault

NOW = datetime(2026, 5, 1, 21, 30, tzinfo=UTC)
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(balances={"USD": 100.0}) as server:
        yield server


@pytest.fixture
def settings(fake: FakeDeepSeek, tmp_path: Path) -> Settings:
    return Settings(
        api_key=fake.api_key, base_url=fake.url, spool_dir=tmp_path / "spool",
        balance_poll_interval="1m", spend_cache_ttl="30s", app="support-bot",
    )  # fmt: skip


def _daemon(store: SQLiteStore, settings: Settings, clock: FakeClock, node: str) -> Daemon:
    rules = RuleSet(groups=[], files=[])
    return Daemon(store, settings, clock, rules=rules, notifiers=[], node_id=node,
                  lease_ttl=timedelta(minutes=1))  # fmt: skip


def _balance_requests(fake: FakeDeepSeek) -> int:
    return sum(1 for r in fake.requests if r.endpoint == "balance")


def _chat_requests(fake: FakeDeepSeek) -> int:
    return sum(1 for r in fake.requests if r.endpoint == "chat")


def test_one_leader_polls_and_stores_the_series_and_gauges(
    fake: FakeDeepSeek, settings: Settings, sqlite_store: SQLiteStore
) -> None:
    clock = FakeClock(NOW)
    leader, follower = (_daemon(sqlite_store, settings, clock, n) for n in ("a", "b"))
    assert leader.lease.acquire() and not follower.lease.acquire()
    for usd in (100.0, 97.5, 95.0):
        fake.balances = {"USD": usd}
        assert leader.poll_balance() is not None
        assert follower.poll_balance() is None  # not the leader: no request at all
        clock.advance(timedelta(minutes=30))
    assert _balance_requests(fake) == 3
    assert [s.total("USD") for s in balance_series(sqlite_store)] == [100.0, 97.5, 95.0]
    gauge = REGISTRY.get_sample_value
    assert gauge("sentinel_balance", {"currency": "USD", "kind": "total"}) == 95.0
    assert gauge("sentinel_balance", {"currency": "USD", "kind": "granted"}) == 0.0
    assert gauge("sentinel_balance_burn_per_hour", {"currency": "USD"}) == 5.0
    assert gauge("sentinel_balance_hours_left", {"currency": "USD"}) == 19.0
    # a failed poll stores nothing and is counted
    failures = gauge("sentinel_balance_poll_failures_total") or 0.0
    fake.faults["balance"].always(Fault.error(503))
    assert leader.poll_balance() is None
    assert gauge("sentinel_balance_poll_failures_total") == failures + 1
    assert len(balance_series(sqlite_store)) == 3
    leader.stop()
    follower.stop()


def test_client_fails_fast_while_the_last_good_poll_said_unavailable(
    fake: FakeDeepSeek, settings: Settings, sqlite_store: SQLiteStore
) -> None:
    clock = FakeClock(NOW)
    daemon = _daemon(sqlite_store, settings, clock, "a")
    daemon.lease.acquire()
    fake.balances = {"USD": 0.0}
    daemon.poll_balance()
    client = Sentinel(settings=settings, store=sqlite_store, clock=clock)
    try:
        with pytest.raises(InsufficientBalanceError) as caught:
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        assert caught.value.status_code == 402 and caught.value.request_id
        assert "top up" in caught.value.message
        assert _chat_requests(fake) == 0
        # a failing poll leaves "unavailable" standing
        fake.faults["balance"].always(Fault.error(503))
        fake.balances = {"USD": 50.0}
        daemon.poll_balance()
        clock.advance(31)
        client._core.guard.refresh()
        with pytest.raises(InsufficientBalanceError):
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        # a good poll: the client notices within its TTL, without a store read per call
        fake.faults["balance"].clear()
        daemon.poll_balance()
        latest = latest_balance(sqlite_store)
        assert latest is not None and latest.is_available
        with pytest.raises(InsufficientBalanceError):  # still the cached snapshot
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        clock.advance(31)
        deadline = time.monotonic() + 10
        while True:  # the refresh runs in the background; calls go on meanwhile
            try:
                client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
                break
            except InsufficientBalanceError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert _chat_requests(fake) == 1
        client.flush()
        refused = [r for r in map(sqlite_store.get_call, _ids(sqlite_store)) if r]
        assert any(r.error_type == "InsufficientBalanceError" for r in refused)
    finally:
        client.close()
        daemon.stop()


def _ids(store: SQLiteStore) -> list[str]:
    return [r[0] for r in store._op(lambda c: c.execute("SELECT request_id FROM calls").fetchall())]


def test_a_spent_budget_stops_its_app_until_the_period_ends(
    fake: FakeDeepSeek, settings: Settings, sqlite_store: SQLiteStore
) -> None:
    clock = FakeClock(NOW)

    def paid(rid: str, at: datetime, cost: float) -> CallRecord:
        return CallRecord(request_id=rid, timestamp=at, app="support-bot",
                          model="deepseek-v4-flash", outcome="success", http_status=200,
                          duration_ms=5, cost=cost, cost_currency="USD")  # fmt: skip

    # 2.25 USD today (21:30, 20:30, 19:30); yesterday's 50 belong to another period
    today = [paid(f"paid-{i}", NOW - timedelta(hours=i), 0.75) for i in range(3)]
    sqlite_store.write_records([*today, paid("yesterday", NOW - timedelta(days=1), 50.0)])
    put_budget(sqlite_store, Budget(app="support-bot", per="day", limit=2.0, currency="USD"))
    put_budget(sqlite_store, Budget(app="batch", per="day", limit=2.0, currency="USD"))
    client = Sentinel(settings=settings, store=sqlite_store, clock=clock)
    try:
        with pytest.raises(BudgetExceededError) as caught:
            client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        err = caught.value
        assert (err.status_code, err.spent, err.limit, err.currency) == (429, 2.25, 2.0, "USD")
        assert err.retry_after == timedelta(hours=2, minutes=30).total_seconds()
        assert err.body["error"]["code"] == "budget_exceeded"
        # another app, under its own budget: goes through
        reply = client.chat.completions.create(model="deepseek-v4-flash", messages=HI, app="batch")
        assert reply.choices[0].message.content
        assert _chat_requests(fake) == 1
        # the next day is a new period (once the snapshot is re-read)
        clock.set(NOW + timedelta(hours=3))
        client.chat.completions.create(model="deepseek-v4-flash", messages=HI)
        assert _chat_requests(fake) == 2
    finally:
        client.close()


def test_serve_schedules_the_poller_on_the_lease_holder(
    fake: FakeDeepSeek, settings: Settings, sqlite_store: SQLiteStore
) -> None:
    quick = settings.model_copy(update={"balance_poll_interval": timedelta(seconds=1)})
    daemon = Daemon(sqlite_store, quick, rules=RuleSet(groups=[], files=[]), notifiers=[],
                    lease_ttl=timedelta(seconds=3))  # fmt: skip
    daemon.start()
    try:
        deadline = time.monotonic() + 30
        while latest_balance(sqlite_store) is None:
            assert time.monotonic() < deadline, "no balance poll within 30 s"
            time.sleep(0.1)
    finally:
        daemon.stop()
    assert _balance_requests(fake) >= 1
    lease = sqlite_store.get_state(daemon.lease.key)
    assert lease is not None and lease[0]["holder"] is None  # released at stop


def test_no_key_or_interval_zero_means_no_poller(
    settings: Settings, sqlite_store: SQLiteStore
) -> None:
    off = settings.model_copy(update={"balance_poll_interval": timedelta(0)})
    keyless = settings.model_copy(update={"api_key": None})
    for s in (off, keyless):
        daemon = Daemon(sqlite_store, s, rules=RuleSet(groups=[], files=[]), notifiers=[])
        assert daemon.balance is None and daemon.poll_balance() is None
        daemon.stop()
