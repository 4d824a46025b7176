"""Pure policy objects, driven exactly by a FakeClock: no I/O, no sleeping."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.client.auth import TokenCache
from sentinel.client.resilience import (
    Action,
    BreakerState,
    CallPolicy,
    CircuitBreaker,
    RetryPolicy,
    TokenBucket,
    parse_retry_after,
)
from sentinel.clock import FakeClock


def test_retry_schedule_is_1_2_4_then_gives_up():
    p = RetryPolicy()
    assert [p.delay(n) for n in range(4)] == [1.0, 2.0, 4.0, None]


def test_retry_after_wins_only_when_larger():
    p = RetryPolicy()
    assert p.delay(0, retry_after=10) == 10
    assert p.delay(2, retry_after=1) == 4.0


def test_jitter_stays_within_a_quarter_and_is_seeded():
    a = RetryPolicy(jitter=True, rng=random.Random(7))
    b = RetryPolicy(jitter=True, rng=random.Random(7))
    da = [a.delay(n) for n in range(3)]
    assert da == [b.delay(n) for n in range(3)]
    for n, d in enumerate(da):
        assert 2**n <= d <= 2**n * 1.25


def test_parse_retry_after_forms():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:07 GMT", now) == 7.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("-5", now) == 0.0


def test_breaker_transitions_exactly():
    clock = FakeClock()
    b = CircuitBreaker(clock, threshold=3, cooldown=30)
    for _ in range(2):
        assert b.acquire()
        assert b.failure() is False
    assert b.acquire() and b.failure() is True
    assert b.state is BreakerState.OPEN and not b.acquire()
    clock.advance(29.999)
    assert not b.acquire() and b.retry_in() == pytest.approx(0.001)
    clock.advance(0.001)
    assert b.state is BreakerState.HALF_OPEN
    assert b.acquire()  # the one probe
    assert not b.acquire()  # everyone else still fails fast
    assert b.failure() is True  # probe failed: open for another 30 s
    assert not b.acquire()
    clock.advance(30)
    assert b.acquire()
    b.success()
    assert b.state is BreakerState.CLOSED and b.acquire() and b.acquire()
    assert b.opened_count == 2


def test_breaker_success_resets_the_count_and_release_frees_the_probe():
    clock = FakeClock()
    b = CircuitBreaker(clock, threshold=2, cooldown=5)
    b.failure()
    b.success()
    assert b.failure() is False  # not consecutive
    assert b.failure() is True
    clock.advance(5)
    assert b.acquire()
    b.release()  # probe ended without verdict (e.g. connection dropped)
    assert b.acquire()


def _policy(endpoints=("p", "b1", "b2"), **kw):
    clock = kw.pop("clock", FakeClock())
    breaker = kw.pop("breaker", CircuitBreaker(clock))
    return CallPolicy(list(endpoints), RetryPolicy(), breaker, clock, **kw)


def test_failover_order_then_fallback_then_fail():
    p = _policy(has_fallback=True)
    assert p.admit() and p.endpoint == "p"
    assert p.on_status(503).action is Action.FAILOVER and p.endpoint == "b1"
    assert p.on_connection_error().action is Action.FAILOVER and p.endpoint == "b2"
    assert p.on_status(503).action is Action.FALLBACK and p.endpoint == "p"
    assert p.on_status(503).action is Action.FAIL
    assert p.failovers == 2 and p.fallback_used


def test_429_retries_count_and_deadline_cuts_them_short():
    clock = FakeClock()
    p = _policy(clock=clock, deadline=clock.monotonic() + 2.5)
    step = p.on_status(429)
    assert (step.action, step.delay) == (Action.RETRY, 1.0)
    clock.advance(1.0)
    assert p.on_status(429).action is Action.FAIL  # 2 s more would pass the deadline
    assert p.retries == 1 and p.rate_limited


@pytest.mark.parametrize("status", [400, 402, 404, 422])
def test_client_errors_fail_without_retry(status):
    p = _policy()
    assert p.on_status(status).action is Action.FAIL and p.retries == 0


def test_401_refreshes_once_only_when_auth_can_refresh():
    p = _policy(can_refresh_auth=True)
    assert p.on_status(401).action is Action.REFRESH_AUTH
    assert p.on_status(401).action is Action.FAIL
    assert _policy(can_refresh_auth=False).on_status(401).action is Action.FAIL


def test_500_fails_and_feeds_the_breaker():
    clock = FakeClock()
    breaker = CircuitBreaker(clock, threshold=1)
    p = _policy(clock=clock, breaker=breaker)
    assert p.admit()
    assert p.on_status(500).action is Action.FAIL and p.opened_breaker
    q = _policy(clock=clock, breaker=breaker)
    assert not q.admit() and q.circuit_open


def test_token_bucket_waits_exactly_and_borrows_for_concurrent_callers():
    clock = FakeClock()
    bucket = TokenBucket(60, clock, burst=2)  # 1 per second
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 1.0, 2.0]
    clock.advance(10)
    assert bucket.reserve() == 0.0


def test_token_bucket_presets_and_validation():
    clock = FakeClock()
    assert TokenBucket.preset("tier-500", clock).rate == pytest.approx(500 / 60)
    with pytest.raises(ValueError, match="unknown rate limit preset"):
        TokenBucket.preset("tier-7", clock)
    with pytest.raises(ValueError, match="> 0"):
        TokenBucket(0, clock)


def test_token_cache_refreshes_five_minutes_early_for_two_hour_tokens():
    clock = FakeClock()
    cache = TokenCache(clock)
    cache.put("t1", expires_in=7200)
    clock.advance(timedelta(seconds=7200 - 300 - 0.001))
    assert cache.get() == "t1"
    clock.advance(0.001)
    assert cache.get() is None


def test_token_cache_short_lifetimes_refresh_at_ninety_percent_and_invalidate():
    clock = FakeClock()
    cache = TokenCache(clock)
    cache.put("t1", expires_in=100)
    clock.advance(89.9)
    assert cache.get() == "t1"
    cache.invalidate("other")  # a stale 401 from an older token does nothing
    assert cache.get() == "t1"
    cache.invalidate("t1")
    assert cache.get() is None
