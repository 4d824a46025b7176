from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from sentinel.config import Settings
from sentinel.durations import format_duration, parse_duration
from sentinel.settings_errors import describe


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("72h", 259200), ("1m30s", 90), ("250ms", 0.25), ("15", 15), ("1d", 86400), ("0s", 0)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "-5m", "5 minutes", "m5", "5x", "1h30"])
def test_parse_duration_rejects_with_the_bad_text(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(bad)
    assert repr(bad) in str(info.value)


def test_format_duration_round_trips() -> None:
    for text in ("1h30m", "45s", "3d", "250ms", "5m"):
        assert format_duration(parse_duration(text)) == text


def test_env_overrides_and_deepseek_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-secret")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "https://example.invalid")
    monkeypatch.setenv("SENTINEL_BACKUP_BASE_URLS", "https://b1.invalid, https://b2.invalid")
    monkeypatch.setenv("SENTINEL_ANONYMIZE_WITHIN", "48h")
    s = Settings()
    assert s.api_key is not None and s.api_key.get_secret_value() == "sk-test-secret"
    assert "sk-test-secret" not in repr(s)
    assert s.base_url == "https://example.invalid"
    assert s.backup_base_urls == ["https://b1.invalid", "https://b2.invalid"]
    assert s.anonymize_within == timedelta(hours=48)


def test_bad_setting_names_the_variable_not_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_ANONYMIZE_WITHIN", "soon")
    with pytest.raises(ValidationError) as info:
        Settings()
    told = describe(info.value)
    assert told.startswith("SENTINEL_ANONYMIZE_WITHIN: invalid duration") and "30s" in told
    assert "soon" not in told and "pydantic" not in told and "anonymize_within" not in told


def test_toml_file_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sentinel.toml").write_text('app = "from-toml"\napi_port = 9999\n')
    monkeypatch.setenv("SENTINEL_API_PORT", "8001")
    s = Settings()
    assert s.app == "from-toml"
    assert s.api_port == 8001


def test_subject_secret_is_created_once_and_stable_in_the_default_data_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY")
    first = Settings().subject_secret_bytes()
    assert first == Settings().subject_secret_bytes()
    assert Settings().subject_key_path.stat().st_mode & 0o777 == 0o600


def test_subject_secret_is_read_under_its_name_and_its_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SENTINEL_SUBJECT_KEY", "old-name")
    assert Settings().subject_secret_bytes() == b"old-name"
    monkeypatch.setenv("SENTINEL_SUBJECT_SECRET", "new-name")
    assert Settings().subject_secret_bytes() == b"new-name"  # the new name wins
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY")
    assert Settings().subject_secret_bytes() == b"new-name"
    assert Settings(subject_secret="given").subject_secret_bytes() == b"given"
    assert "new-name" not in repr(Settings())


def test_an_upgrade_keeps_the_secret_given_under_the_old_python_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`subject_key` in sentinel.toml or Settings(...) from before the rename: dropped,
    the client would make a new random key and every subject key would change."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY", raising=False)
    monkeypatch.delenv("SENTINEL_SUBJECT_SECRET", raising=False)
    (tmp_path / "sentinel.toml").write_text('subject_key = "from-toml"\n')
    assert Settings().subject_secret_bytes() == b"from-toml"
    assert Settings(subject_key="given").subject_secret_bytes() == b"given"
    monkeypatch.setenv("SENTINEL_SUBJECT_KEY", "from-env")
    assert Settings().subject_secret_bytes() == b"from-env"  # env beats the toml file
    # the old keyword is the lowest form: a set variable (either name) wins over it
    assert Settings(subject_key="given").subject_secret_bytes() == b"from-env"
    assert Settings(subject_secret="given").subject_secret_bytes() == b"given"


def test_default_store_is_sqlite_under_the_data_dir() -> None:
    s = Settings()
    assert s.store_url.startswith("sqlite:///")
    assert s.store_url.endswith("sentinel.db")


def test_an_empty_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # compose files and env templates write `SENTINEL_PRICES_FILE=`: not the working dir
    for name in ("SENTINEL_PRICES_FILE", "SENTINEL_MODELS_FILE", "SENTINEL_SPOOL_DIR"):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert settings.prices_file is None and settings.models_file is None
    assert settings.spool_dir is None


def test_currency_is_read_in_any_case_and_others_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SENTINEL_CURRENCY", " cny ")
    assert Settings().currency == "CNY"
    monkeypatch.setenv("SENTINEL_CURRENCY", "eur")
    with pytest.raises(ValidationError):
        Settings()
