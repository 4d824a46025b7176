"""Settings that would break a promise are refused where they are read: a subject key
file that is missing (never replaced by a new random key), an anonymization window of
zero or over 72 hours; `sentinel keys init` is the explicit way to create a key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from sentinel import Sentinel
from sentinel.cli import app
from sentinel.config import Settings
from sentinel.doctor import check_secrets, check_settings
from sentinel.errors import ConfigurationError
from sentinel.models import subject_key_for
from sentinel.testing import FakeDeepSeek

runner = CliRunner()


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SENTINEL_SUBJECT_KEY_FILE set to a path that does not exist (yet)."""
    path = tmp_path / "keys" / "subject.key"
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY")
    monkeypatch.setenv("SENTINEL_SUBJECT_KEY_FILE", str(path))
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{tmp_path / 'sentinel.db'}")
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(tmp_path / "spool"))
    return path


def test_client_refuses_a_missing_key_file_and_creates_nothing(key_file: Path) -> None:
    with FakeDeepSeek() as fake, pytest.raises(ConfigurationError) as err:
        Sentinel(base_url=fake.url, api_key=fake.api_key)
    assert "SENTINEL_SUBJECT_KEY_FILE" in str(err.value)
    assert "sentinel keys init" in str(err.value)
    assert not key_file.exists()


def test_serve_refuses_a_missing_key_file(key_file: Path) -> None:
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "SENTINEL_SUBJECT_KEY_FILE" in result.output
    assert "Traceback" not in result.output
    assert not key_file.exists()


def test_doctor_fails_a_missing_key_file(key_file: Path) -> None:
    checks = {c.name: c for c in check_secrets(Settings())}
    assert checks["subject HMAC key"].status == "fail"
    assert "SENTINEL_SUBJECT_KEY_FILE" in checks["subject HMAC key"].detail
    assert not key_file.exists()


def test_keys_init_creates_the_key_once_and_every_reader_agrees(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_file = key_file.with_name("audit.key")
    monkeypatch.setenv("SENTINEL_AUDIT_KEY_FILE", str(audit_file))
    created = runner.invoke(app, ["keys", "init"])
    assert created.exit_code == 0, created.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(audit_file.stat().st_mode) == 0o600
    assert audit_file.with_name("audit.head").exists()  # its anchor, born with it
    assert audit_file.read_bytes() != key_file.read_bytes()
    key = key_file.read_bytes()
    assert len(key.strip()) == 64
    again = runner.invoke(app, ["keys", "init"])
    assert again.exit_code == 1 and "left unchanged" in again.output
    assert key_file.read_bytes() == key  # never overwritten

    assert {c.name: c for c in check_secrets(Settings())}["subject HMAC key"].status == "ok"
    with FakeDeepSeek() as fake, Sentinel(base_url=fake.url, api_key=fake.api_key) as client:
        resp = client.chat.completions.create(
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": "hi"}],
            subject_id="user 42",
        )
        client.flush()
        stored = client._core.store.get_call(resp.request_id)
    assert stored is not None
    assert stored.subject_key == subject_key_for("user 42", key.strip())


def test_an_empty_key_file_is_refused_too(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True)
    key_file.write_text("\n")
    with pytest.raises(ConfigurationError, match=r"SENTINEL_SUBJECT_KEY_FILE.*empty"):
        Settings().subject_secret_bytes()


def test_without_either_variable_the_data_dir_key_is_created_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY")
    first = Settings().subject_secret_bytes()
    assert Settings().subject_key_path.exists()
    assert Settings().subject_secret_bytes() == first


@pytest.mark.parametrize("value", ["0", "0s", "73h", "4d"])
def test_anonymize_within_outside_0_to_72h_is_refused_at_load(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_ANONYMIZE_WITHIN", value)
    with pytest.raises(ValidationError, match="SENTINEL_ANONYMIZE_WITHIN"):
        Settings()
    check, settings = check_settings()
    assert check.status == "fail" and settings is None
    assert "SENTINEL_ANONYMIZE_WITHIN" in check.detail
    served = runner.invoke(app, ["serve"])
    assert served.exit_code == 2 and "SENTINEL_ANONYMIZE_WITHIN" in served.output


def test_a_longer_window_needs_the_explicit_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_ANONYMIZE_WITHIN", "30d")
    monkeypatch.setenv("SENTINEL_ANONYMIZE_WITHIN_ALLOW_LONGER", "true")
    assert Settings().anonymize_within.days == 30
    monkeypatch.setenv("SENTINEL_ANONYMIZE_WITHIN", "0")
    with pytest.raises(ValidationError, match="positive"):
        Settings()  # the opt-in never allows zero
