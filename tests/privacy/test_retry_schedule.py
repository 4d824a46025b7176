"""The retry schedule of failed anonymizations: pure arithmetic on clock readings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.privacy.deadline import (
    MAX_ATTEMPTS,
    RETRY_BASE,
    RETRY_CAP,
    must_mask_now,
    retry_at,
)

T = datetime(2026, 3, 1, tzinfo=UTC)
FAR = T + timedelta(days=3)
INTERVAL = timedelta(minutes=5)


@pytest.mark.parametrize(("attempts", "wait"), [(1, 1), (2, 2), (3, 4), (4, 8)])
def test_waits_double(attempts: int, wait: int) -> None:
    assert retry_at(attempts, T, FAR, INTERVAL) == T + min(RETRY_BASE * wait, RETRY_CAP)


def test_after_max_attempts_it_is_masked() -> None:
    assert retry_at(MAX_ATTEMPTS, T, FAR, INTERVAL) is None


def test_a_retry_too_close_to_the_deadline_becomes_a_mask() -> None:
    margin = timedelta(hours=1)
    # the retry at +1m, seen by a run up to 5m later, must leave margin/2 before the deadline
    assert retry_at(1, T, T + timedelta(minutes=36), INTERVAL, margin) == T + RETRY_BASE
    assert retry_at(1, T, T + timedelta(minutes=35, seconds=59), INTERVAL, margin) is None
    assert retry_at(1, T, T - timedelta(hours=1), INTERVAL, margin) is None  # overdue


def test_waiting_ones_are_masked_when_the_next_run_may_be_too_late() -> None:
    margin = timedelta(hours=1)
    assert not must_mask_now(T, T + timedelta(minutes=36), INTERVAL, margin)
    assert must_mask_now(T, T + timedelta(minutes=34), INTERVAL, margin)
