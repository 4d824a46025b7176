from datetime import UTC, datetime, timedelta

from sentinel.clock import FakeClock


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    clock.sleep(1.5)
    clock.advance(timedelta(minutes=1))
    assert clock.now() == datetime(2026, 1, 1, 0, 1, 1, 500000, tzinfo=UTC)
    assert clock.monotonic() == 61.5
    assert clock.sleeps == [1.5]


async def test_async_sleep_advances() -> None:
    clock = FakeClock()
    before = clock.now()
    await clock.asleep(4)
    assert clock.now() - before == timedelta(seconds=4)
