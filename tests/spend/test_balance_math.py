"""Burn rate and hours left from a polled series: exact figures by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.balance import BalanceSample, burn_per_hour, hours_left, sample_from_api

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _s(minutes: float, usd: float) -> BalanceSample:
    return BalanceSample(T0 + timedelta(minutes=minutes), usd > 0, {"USD": {"total": usd}})


def test_sample_from_the_api_keeps_currency_and_kind_and_skips_garbage() -> None:
    body = {
        "is_available": True,
        "balance_infos": [
            {"currency": "CNY", "total_balance": "110.50", "granted_balance": "10.00",
             "topped_up_balance": "100.50"},
            {"currency": "usd", "total_balance": "not a number"},
            {"total_balance": "1.00"},
        ],
    }  # fmt: skip
    sample = sample_from_api(body, T0)
    assert sample.is_available
    assert sample.amounts == {
        "CNY": {"total": 110.5, "granted": 10.0, "topped_up": 100.5},
        "USD": {},
    }
    assert BalanceSample.from_dict(sample.to_dict()) == sample


def test_burn_rate_is_the_loss_per_hour_and_a_top_up_is_not_negative_spend() -> None:
    # 100 -> 90 in 30 min, top-up to 150, 150 -> 145 in the next 30 min: 15 spent in 1 h
    series = [_s(0, 100), _s(30, 90), _s(31, 150), _s(61, 145)]
    now = T0 + timedelta(minutes=61)
    assert burn_per_hour(series, "USD", timedelta(hours=2), now) == 15.0 / (61 / 60)
    assert hours_left(series, "USD", timedelta(hours=2), now) == 145 / (15.0 / (61 / 60))


def test_window_bounds_and_undefined_cases() -> None:
    series = [_s(0, 100), _s(60, 94), _s(120, 88)]
    at = T0 + timedelta(minutes=120)
    # the window (60 min, 120 min] holds only the last sample: no rate yet
    assert burn_per_hour(series, "USD", timedelta(minutes=60), at) is None
    assert burn_per_hour(series, "USD", timedelta(minutes=61), at) == 6.0
    # samples after `now` are not seen
    assert burn_per_hour(series, "USD", timedelta(hours=3), T0 + timedelta(minutes=60)) == 6.0
    assert hours_left([_s(0, 5), _s(60, 5)], "USD", timedelta(hours=2), at) is None  # flat
    assert burn_per_hour(series, "CNY", timedelta(hours=3), at) is None
