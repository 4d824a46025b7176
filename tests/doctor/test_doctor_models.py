"""`sentinel doctor` compares the model catalogue with the upstream's GET /models."""

from __future__ import annotations

from pathlib import Path

from sentinel.config import Settings
from sentinel.doctor import check_upstream
from sentinel.testing import FakeDeepSeek


def _models_check(fake: FakeDeepSeek, **settings: object) -> object:
    settings_ = Settings(base_url=fake.url, api_key=fake.api_key, **settings)
    return check_upstream(settings_, 5.0, 5.0, models=True)[-1]


def test_catalogue_matching_the_upstream_is_ok() -> None:
    with FakeDeepSeek() as fake:
        check = _models_check(fake)
    assert check.name == "models" and check.status == "ok", check.detail


def test_a_catalogue_model_the_upstream_dropped_fails_and_a_new_one_warns() -> None:
    with FakeDeepSeek(models=["deepseek-v4-flash", "deepseek-flash"]) as fake:
        check = _models_check(fake)
    assert check.status == "fail" and "deepseek-v4-pro" in check.detail
    with FakeDeepSeek(models=[*FakeDeepSeek().models, "deepseek-v5-preview"]) as fake:
        check = _models_check(fake)
    assert check.status == "warn" and "deepseek-v5-preview" in check.detail


def test_a_broken_models_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "models.yml"
    bad.write_text("models:\n  x:\n    features: nope\n")
    with FakeDeepSeek() as fake:
        check = _models_check(fake, models_file=bad)
    assert check.status == "fail" and f"{bad}:3" in check.detail
