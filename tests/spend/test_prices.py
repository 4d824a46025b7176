"""The price table as data: the shipped file parses and prices every catalogue model,
an override file merges over it, and a bad row is named by file and line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.client import catalogue, prices
from sentinel.errors import ConfigurationError

runner = CliRunner()


def test_the_shipped_table_prices_every_catalogue_model_without_problems() -> None:
    table = prices.load()
    assert prices.problems(table, catalogue.load().ids()) == []
    assert table.models() >= catalogue.load().ids()


def test_the_shipped_file_says_where_its_prices_come_from() -> None:
    text = (Path(prices.__file__).parent / prices.SHIPPED).read_text(encoding="utf-8")
    assert "https://api-docs.deepseek.com/quick_start/pricing" in text
    assert "Not confirmed" in text


def test_an_override_adds_a_dated_row_and_replaces_one_with_the_same_key(tmp_path: Path) -> None:
    extra = tmp_path / "prices.yml"
    extra.write_text(
        "prices:\n"
        "  deepseek-flash:\n"
        "    - {effective_from: 2027-01-01T00:00:00Z, currency: USD, input_cache_hit: 0.001,\n"
        "       input_cache_miss: 0.1, output: 0.5}\n"
        "    - {effective_from: 2026-09-10T04:00:00Z, currency: USD, input_cache_hit: 0.003,\n"
        "       input_cache_miss: 0.15, output: 0.61}\n"
        "  my-model:\n"
        "    - {effective_from: 2026-01-01, currency: CNY, input_cache_hit: 0,\n"
        "       input_cache_miss: 1, output: 2}\n",
        encoding="utf-8",
    )
    table = prices.load(extra)
    shipped = prices.load()
    assert len(table.rows) == len(shipped.rows) + 2
    sat = datetime(2026, 12, 5, 2, tzinfo=UTC)
    assert table.row_at("deepseek-flash", "USD", sat).output == Decimal("0.61")  # type: ignore[union-attr]
    assert table.row_at("deepseek-flash", "USD", sat).where == f"{extra}:5"  # type: ignore[union-attr]
    later = table.row_at("deepseek-flash", "USD", datetime(2027, 1, 5, 2, tzinfo=UTC))
    assert later is not None and later.output == Decimal("0.5") and later.window is None
    assert table.row_at("my-model", "CNY", sat).input_cache_miss == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("prices:\n  m:\n    - {effective_from: 2026-01-01, currency: EUR, input_cache_hit: 1,"
         " input_cache_miss: 1, output: 1}\n", 3, "currency must be one of USD, CNY"),
        ("prices:\n  m:\n    - effective_from: 2026-01-01\n      currency: USD\n"
         "      input_cache_hit: 1\n      input_cache_miss: 1\n      outptu: 1\n", 7,
         "unknown key 'outptu'"),
        ("prices:\n  m:\n    - {effective_from: 2026-01-01, currency: USD, input_cache_hit: -1,"
         " input_cache_miss: 1, output: 1}\n", 3, "must be a number >= 0"),
        ("prices:\n  m:\n    - {effective_from: soon, currency: USD, input_cache_hit: 1,"
         " input_cache_miss: 1, output: 1}\n", 3, "UTC date-time"),
        ("prices:\n  m:\n\n    - {currency: USD}\n", 4, "missing effective_from"),
        ('windows:\n  peak:\n    hours: ["09:00-12:00", "11:00-13:00"]\n', 3, "hours overlap"),
        ('windows:\n  peak:\n    days: [monday]\n    hours: ["09:00-12:00"]\n', 3, "days must be"),
        ("prices: [\n", 2, "not valid YAML"),
    ],
)  # fmt: skip
def test_a_bad_row_is_named_by_file_and_line(
    tmp_path: Path, text: str, line: int, needle: str
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        prices.load(bad)
    assert str(info.value).startswith(f"{bad}:{line}:")
    assert needle in str(info.value)


def test_a_missing_override_file_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SENTINEL_PRICES_FILE"):
        prices.load(tmp_path / "nope.yml")


def test_check_finds_unpriced_models_overlapping_windows_and_unknown_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "prices.yml"

    def row(window: str, price: int, currency: str = "USD") -> str:
        return (
            f"    - {{effective_from: 2027-01-01, currency: {currency}, {window}"
            f"input_cache_hit: {price}, input_cache_miss: {price}, output: {price}}}\n"
        )

    extra.write_text(
        "windows:\n"
        '  morning: {days: [mon, tue], hours: ["08:00-11:00"]}\n'
        '  late: {days: [tue], hours: ["10:00-12:00"]}\n'
        "prices:\n"
        "  deepseek-flash:\n"
        + row("", 1)
        + row("window: morning, ", 2)
        + row("window: late, ", 3)
        + row("window: nowhere, ", 3, "CNY"),
        encoding="utf-8",
    )
    models = tmp_path / "models.yml"
    models.write_text("models:\n  brand-new-model: {}\n", encoding="utf-8")
    monkeypatch.setenv("SENTINEL_PRICES_FILE", str(extra))
    monkeypatch.setenv("SENTINEL_MODELS_FILE", str(models))
    result = runner.invoke(app, ["prices", "check"])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "model 'brand-new-model' (in the catalogue) has no USD price" in out
    assert f"{extra}:8: deepseek-flash: window 'late' overlaps 'morning' ({extra}:7)" in out
    assert f"{extra}:9: deepseek-flash: window 'nowhere' is not defined" in out
    assert f"{extra}:9: deepseek-flash: no row without a window for CNY" in out


def test_check_passes_on_the_shipped_table_and_show_lists_it() -> None:
    result = runner.invoke(app, ["prices", "check"])
    assert result.exit_code == 0, result.output
    assert "catalogue models priced" in result.output
    shown = runner.invoke(app, ["prices", "show", "--json", "--model", "deepseek-flash"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    peak = [r for r in data["prices"] if r["window"] == "peak" and r["currency"] == "USD"]
    assert peak and peak[-1]["output"] == "1.20"
    assert data["windows"]["peak"]["hours"] == ["09:00-12:00", "14:00-18:00"]
    table = runner.invoke(app, ["prices", "show"])
    assert table.exit_code == 0 and "deepseek-v4-pro" in table.output


def test_a_bad_override_is_one_error_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "p.yml"
    bad.write_text("prices:\n  m:\n    - {currency: USD}\n", encoding="utf-8")
    monkeypatch.setenv("SENTINEL_PRICES_FILE", str(bad))
    result = runner.invoke(app, ["prices", "show"])
    assert result.exit_code == 2
    assert f"{bad}:3: m: missing" in result.output
    assert "Traceback" not in result.output
