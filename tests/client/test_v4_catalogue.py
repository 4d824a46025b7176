"""The model catalogue as data: the shipped file, an operator's override, and errors that
name the file and line."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sentinel.client import catalogue
from sentinel.errors import ConfigurationError

AFTER = datetime(2026, 8, 1, tzinfo=UTC)
BEFORE = datetime(2026, 7, 1, tzinfo=UTC)


def test_shipped_catalogue_knows_v4_and_the_retired_aliases() -> None:
    cat = catalogue.load()
    assert {"deepseek-v4-flash", "deepseek-v4-pro"} <= cat.ids()
    assert cat.models["deepseek-v4-flash"].context_tokens == 1048576
    assert cat.thinking_default("deepseek-v4-pro") is True
    assert cat.thinking_default("deepseek-chat") is False  # the alias selects the mode
    assert cat.thinking_default("deepseek-reasoner") is True
    assert cat.thinking_default("someone-elses-model") is None
    assert "retired on 2026-07-24 15:59 UTC" in (cat.notice("deepseek-chat", AFTER) or "")
    assert "is an alias of 'deepseek-v4-flash'" in (cat.notice("deepseek-chat", BEFORE) or "")
    assert cat.notice("deepseek-v4-flash", AFTER) is None


def test_an_override_replaces_by_id_and_can_retire_a_model(tmp_path: Path) -> None:
    extra = tmp_path / "models.yml"
    extra.write_text(
        "models:\n  deepseek-chat:\n    thinking_default: false\n"
        "  deepseek-v4-pro:\n    retires: 2026-07-30\n"
    )
    cat = catalogue.load(extra)
    assert "deepseek-chat" in cat.models and "deepseek-chat" not in cat.aliases
    assert "retired on 2026-07-30" in (cat.notice("deepseek-v4-pro", AFTER) or "")


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("models: [\n", 2, "not valid YAML"),
        ("models:\n  m:\n    colour: red\n", 3, "m: unknown key 'colour'"),
        ("aliases:\n  a:\n    target: m\n    retires: soon\n", 4, "alias a: a date"),
        ("flavours: {}\n", 1, "unknown section 'flavours'"),
        ("models:\n  m: 3\n", 2, "models.m must be a mapping"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, where: int, message: str) -> None:
    path = tmp_path / "models.yml"
    path.write_text(text)
    with pytest.raises(
        ConfigurationError, match=re.escape(f"{path}:{where}: ") + ".*" + re.escape(message)
    ):
        catalogue.load(path)


def test_compare_with_the_upstream() -> None:
    cat = catalogue.load()
    ok = catalogue.compare(cat, cat.ids(), AFTER)
    assert ok[0] == "ok"
    status, detail = catalogue.compare(cat, cat.ids() - {"deepseek-v4-pro"}, AFTER)
    assert status == "fail" and "deepseek-v4-pro" in detail
