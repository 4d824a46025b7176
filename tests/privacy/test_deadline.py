from datetime import UTC, datetime, timedelta

import pytest

from sentinel.privacy.deadline import DEFAULT_MARGIN, anonymize_cutoff, oldest_raw_age

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_cutoff_leaves_room_for_the_next_run_and_the_margin() -> None:
    cutoff = anonymize_cutoff(NOW, timedelta(hours=72), timedelta(minutes=5), timedelta(hours=1))
    assert cutoff == NOW - timedelta(hours=70, minutes=55)


def test_default_margin_is_one_hour() -> None:
    assert anonymize_cutoff(NOW, timedelta(hours=72), timedelta(0)) == NOW - timedelta(hours=71)
    assert timedelta(hours=1) == DEFAULT_MARGIN


def test_a_conversation_left_raw_is_never_overdue_at_the_next_run() -> None:
    within, interval, margin = timedelta(hours=72), timedelta(minutes=5), timedelta(minutes=30)
    cutoff = anonymize_cutoff(NOW, within, interval, margin)
    just_left_raw = cutoff + timedelta(microseconds=1)
    # the next run, even if late by up to the margin, still finds it inside the window
    assert just_left_raw + within > NOW + interval + margin


def test_non_positive_window_is_rejected() -> None:
    with pytest.raises(ValueError):
        anonymize_cutoff(NOW, timedelta(0), timedelta(minutes=5))


def test_oldest_raw_age() -> None:
    assert oldest_raw_age(None, NOW) == timedelta(0)
    assert oldest_raw_age(NOW - timedelta(hours=3), NOW) == timedelta(hours=3)
    assert oldest_raw_age(NOW + timedelta(seconds=5), NOW) == timedelta(0)  # clock skew
