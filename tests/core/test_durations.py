"""One duration type for every time setting: `250ms`, `30s`, `5m`, `2h` or a plain
number of seconds, the same in the environment, sentinel.toml and rule files."""

from __future__ import annotations

import typing
from datetime import timedelta

import pytest
from pydantic import ValidationError

from sentinel.config import Duration, PositiveDuration, PositiveSeconds, Settings
from sentinel.durations import parse_duration
from sentinel.settings_errors import describe

# Every time setting, with a value in each accepted spelling and what it must become.
SECONDS = ("timeout", "connect_timeout", "first_byte_timeout", "read_timeout",
           "breaker_cooldown")  # fmt: skip


def _time_fields() -> list[str]:
    hints = typing.get_type_hints(Settings, include_extras=True)
    return [f for f, h in hints.items() if h in (Duration, PositiveDuration, PositiveSeconds)]


def test_every_time_setting_uses_the_duration_type() -> None:
    fields = set(_time_fields())
    assert set(SECONDS) <= fields
    hints = typing.get_type_hints(Settings)
    plain = [f for f, h in hints.items() if h is timedelta and f not in fields]
    assert plain == [], f"time settings without the duration type: {plain}"
    assert len(fields) >= 20


@pytest.mark.parametrize(
    ("text", "seconds"), [("250ms", 0.25), ("30s", 30), ("5m", 300), ("2h", 7200), ("45", 45)]
)
def test_each_spelling_works_for_every_time_setting(
    text: str, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    fields = [f for f in _time_fields() if f != "anonymize_within"]  # at least 1s there
    for field in fields:
        monkeypatch.setenv(f"SENTINEL_{field.upper()}", text)
    settings = Settings()
    for field in fields:
        value = getattr(settings, field)
        got = value if isinstance(value, float) else value.total_seconds()
        assert got == pytest.approx(seconds), field


def test_timeout_30s_is_30_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_TIMEOUT", "30s")
    monkeypatch.setenv("SENTINEL_BREAKER_COOLDOWN", "2m")
    settings = Settings()
    assert settings.timeout == 30.0 and settings.breaker_cooldown == 120.0
    assert Settings(timeout=12.5).timeout == 12.5  # the constructor still takes seconds


@pytest.mark.parametrize("field", ["connect_timeout", "breaker_cooldown", "job_lease"])
def test_zero_and_junk_are_refused_naming_the_variable(
    field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    var = f"SENTINEL_{field.upper()}"
    for bad, said in (("0s", "must be positive"), ("sk-pasted-secret", "invalid duration")):
        monkeypatch.setenv(var, bad)
        with pytest.raises(ValidationError) as info:
            Settings()
        told = describe(info.value)
        assert told.startswith(f"{var}: ") and said in told, told
        assert "sk-pasted" not in told and f"{field} " not in told


@pytest.mark.parametrize("bad", ["99999999999999d", "9" * 30, "99999999999999d5s"])
def test_a_duration_past_timedeltas_range_is_refused_not_a_traceback(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for field in _time_fields():
        var = f"SENTINEL_{field.upper()}"
        monkeypatch.setenv(var, bad)
        with pytest.raises(ValidationError) as info:  # not OverflowError
            Settings()
        told = describe(info.value)
        assert told.startswith(f"{var}: ") and "invalid duration" in told, told
        monkeypatch.delenv(var)
    with pytest.raises(ValueError, match="too large"):
        parse_duration(bad)


def test_zero_still_means_never_where_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_CALLS_RETENTION", "0")
    monkeypatch.setenv("SENTINEL_SAFETY_RELOAD", "0s")
    settings = Settings()
    assert settings.calls_retention == timedelta(0) and settings.safety_reload == timedelta(0)


def test_sentinel_toml_takes_durations_and_a_bad_one_names_its_line(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    toml = tmp_path / "sentinel.toml"
    toml.write_text('app = "t"\nread_timeout = "90s"\n')
    assert Settings().read_timeout == 90.0
    toml.write_text('app = "t"\n\nread_timeout = "ninety"\n')
    with pytest.raises(ValidationError) as info:
        Settings()
    assert describe(info.value).startswith(f"{toml} line 3 (read_timeout): invalid duration")
