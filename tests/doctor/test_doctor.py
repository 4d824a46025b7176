"""`sentinel doctor` against real things: FakeDeepSeek on loopback (with a skewed
`Date` header), a closed port, real SQLite files, the real Elasticsearch, real rule
files, and the real Presidio models."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.config import Settings
from sentinel.doctor import (
    check_rules,
    check_secrets,
    check_settings,
    check_spool,
    check_store,
    check_upstream,
)
from sentinel.testing import FakeDeepSeek

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: nothing listens there


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek(api_key="sk-doctor-test-9f8e7d6c5b4a") as server:
        yield server


@pytest.fixture
def good_env(fake: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray sentinel.toml
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake.url)
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake.api_key)
    (tmp_path / "store").mkdir()  # doctor creates nothing: the directory must exist
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{tmp_path / 'store' / 'sentinel.db'}")
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(tmp_path / "spool"))
    return tmp_path


def _by_name(checks: list) -> dict:
    return {c.name: c for c in checks}


def test_passing_config_exits_0_and_never_shows_the_key(good_env: Path, fake: FakeDeepSeek):
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output
    for name in ("settings", "upstream credential", "subject HMAC key", "store", "spool",
                 "upstream", "clock skew", "models", "rules", "privacy models"):  # fmt: skip
        assert name in result.output
    assert " fail " not in result.output and " warn " not in result.output
    assert fake.api_key not in result.output
    assert fake.count("models") == 1  # the upstream was really asked


def test_clock_skew_against_the_upstream_date_header(good_env: Path, fake: FakeDeepSeek) -> None:
    settings = Settings()
    fake.clock_skew = 120.0
    up, skew = check_upstream(settings, max_skew=5.0, timeout=5.0)
    assert up.status == "ok"
    assert skew.status == "fail" and skew.fix
    measured = float(skew.detail.split("s against")[0])
    assert 118.0 <= measured <= 121.0  # Date has whole seconds
    fake.clock_skew = -90.0
    assert check_upstream(settings, 5.0, 5.0)[1].status == "fail"
    fake.clock_skew = 2.0
    assert check_upstream(settings, 5.0, 5.0)[1].status == "ok"


def test_unreachable_upstream_fails_and_skips_the_clock(good_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEEPSEEK_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    up, skew = check_upstream(Settings(), 5.0, 2.0)
    assert up.status == "fail" and "ConnectError" in up.detail and "DEEPSEEK_BASE_URL" in up.fix
    assert skew.status == "skip"


def test_rejected_key_fails_without_echoing_it(good_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-wrong-key-000111222")
    up, _ = check_upstream(Settings(), 5.0, 5.0)
    assert up.status == "fail" and "401" in up.detail
    assert "sk-wrong" not in up.detail + up.fix


@pytest.mark.parametrize(
    ("var", "value", "skipped"),
    [
        ("SENTINEL_SPOOL_FSYNC", "sometimes", "spool"),
        ("SENTINEL_BREAKER_THRESHOLD", "many", None),
        ("DEEPSEEK_BASE_URL", "http://api.example.com", "upstream"),
        ("SENTINEL_ANONYMIZE_WITHIN", "three days", "data"),
    ],
)
def test_an_invalid_setting_fails_alone_and_the_other_checks_run(
    good_env, monkeypatch, var, value, skipped
):
    monkeypatch.setenv(var, value)
    check, settings = check_settings()
    assert settings is None and check.status == "fail" and var in check.detail and check.fix
    result = runner.invoke(app, ["doctor", "--skip", "privacy"])
    assert result.exit_code == 1
    assert "settings are invalid" not in result.output
    assert "1 check(s) failed: settings" in result.output, result.output
    for ran in ("upstream credential", "store", "rules", "redaction policy"):
        assert ran in result.output
    if skipped:
        assert f"not run: {var} refused (see settings)" in " ".join(result.output.split())


def test_secret_value_in_a_bad_setting_is_not_printed(good_env, monkeypatch) -> None:
    monkeypatch.setenv("SENTINEL_TIMEOUT", "sk-leaked-secret-value")  # a paste into the wrong var
    result = runner.invoke(app, ["doctor", "--skip", "privacy"])
    assert result.exit_code == 1
    assert "sk-leaked-secret-value" not in result.output and "SENTINEL_TIMEOUT" in result.output


def test_missing_and_empty_credentials(good_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    checks = _by_name(check_secrets(Settings()))
    assert checks["upstream credential"].status == "fail"
    assert "DEEPSEEK_API_KEY" in checks["upstream credential"].fix
    empty = good_env / "key.txt"
    empty.write_text("\n")
    monkeypatch.setenv("DEEPSEEK_API_KEY_FILE", str(empty))
    checks = _by_name(check_secrets(Settings()))
    assert checks["upstream credential"].status == "fail"
    assert "empty" in checks["upstream credential"].detail
    empty.write_text("sk-from-file-123\n")
    checks = _by_name(check_secrets(Settings()))
    assert checks["upstream credential"].status == "ok"
    assert "DEEPSEEK_API_KEY_FILE" in checks["upstream credential"].detail
    assert "sk-from-file" not in checks["upstream credential"].detail


def test_subject_key_missing_is_a_warning(good_env: Path, monkeypatch) -> None:
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY")
    checks = _by_name(check_secrets(Settings()))
    assert checks["subject HMAC key"].status == "warn"
    assert "SENTINEL_SUBJECT_SECRET" in checks["subject HMAC key"].fix


def test_unreachable_elasticsearch_store_fails(good_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("SENTINEL_STORE", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("SENTINEL_ES_PASSWORD", "es-secret-pw-4455")
    monkeypatch.setenv("SENTINEL_ES_USERNAME", "elastic")
    started = time.monotonic()
    check = check_store(Settings())
    assert time.monotonic() - started < 30
    assert (
        check.status == "fail" and "unreachable" in check.detail and "SENTINEL_STORE" in check.fix
    )
    assert "es-secret-pw" not in check.detail
    result = runner.invoke(app, ["doctor", "--skip", "privacy"])
    assert result.exit_code == 1 and "store" in result.output.split("failed:")[1]


def test_unusable_sqlite_stores_fail(good_env: Path, monkeypatch) -> None:
    not_a_db = good_env / "notes.db"
    not_a_db.write_bytes(b"this is not a database file" * 100)
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{not_a_db}")
    check = check_store(Settings())
    assert check.status == "fail" and "not a database" in check.detail
    blocker = good_env / "file"
    blocker.write_text("x")
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{blocker / 'sub' / 'sentinel.db'}")
    assert check_store(Settings()).status == "fail"


@pytest.mark.elasticsearch
def test_elasticsearch_templates_missing_then_installed(good_env, monkeypatch, es_url,
                                                        es_store_factory) -> None:  # fmt: skip
    prefix = f"test-doctor-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("SENTINEL_STORE", es_url)
    monkeypatch.setenv("SENTINEL_ES_INDEX_PREFIX", prefix)
    before = check_store(Settings())
    assert before.status == "fail" and "templates missing" in before.detail
    assert f"{prefix}-calls" in before.detail
    es_store_factory(prefix)  # installs the templates (and drops them at teardown)
    after = check_store(Settings())
    assert after.status == "ok", after.detail


def test_spool_states(good_env: Path, monkeypatch) -> None:
    spool = good_env / "spool"
    assert check_spool(Settings()).status == "ok"  # will be created
    spool.mkdir()
    segment = spool / "seg-00000000000000000001.spool"
    segment.write_bytes(b"x" * 4096)
    fresh = check_spool(Settings())
    assert fresh.status == "ok" and "1 segment(s)" in fresh.detail
    old = time.time() - 2 * 3600
    os.utime(segment, (old, old))
    stale = check_spool(Settings())
    assert stale.status == "warn" and "sentinel serve" in stale.fix
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(segment))
    assert check_spool(Settings()).status == "fail"


def test_bad_rule_file_fails_naming_file_and_line(good_env: Path, monkeypatch) -> None:
    rules = good_env / "rules.yml"
    rules.write_text(
        "groups:\n  - name: g\n    interval: 15s\n    rules:\n"
        "      - alert: A\n        metric: error_rate\n        window: 1m\n"
        "        op: '>>'\n        threshold: 0.1\n"
    )
    monkeypatch.setenv("SENTINEL_RULES", str(rules))
    check = check_rules(Settings())
    assert check.status == "fail" and "rules.yml:" in check.detail and check.fix
    monkeypatch.delenv("SENTINEL_RULES")
    assert check_rules(Settings()).status == "ok"


def test_unknown_skip_name_is_a_usage_error(good_env: Path) -> None:
    result = runner.invoke(app, ["doctor", "--skip", "everything"])
    assert result.exit_code == 2 and "everything" in result.output


def test_urls_are_shown_without_credentials(good_env: Path, fake: FakeDeepSeek, monkeypatch):
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake.url.replace("://", "://proxyuser:pw-in-url-77@"))
    result = runner.invoke(app, ["doctor", "--skip", "privacy"])
    assert "pw-in-url-77" not in result.output and "proxyuser" not in result.output
    # A URL carrying credentials is refused outright, naming the setting (issue 15).
    assert result.exit_code == 1 and "DEEPSEEK_BASE_URL" in result.output
