"""Outside attacks on the price table: an operator's SENTINEL_PRICES_FILE with
rows no one should trust, and windows that cross midnight in Beijing. Every error is
one line naming file and line (never a traceback), and a window means what it says at
every boundary."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sentinel.client import prices
from sentinel.client.cost import Pricer
from sentinel.errors import ConfigurationError

ROW = "input_cache_hit: 1, input_cache_miss: 2, output: 3"


def _cli(tmp_path: Path, extra: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SENTINEL_PRICES_FILE": str(extra),
           "SENTINEL_STORE": f"sqlite:///{tmp_path / 's.db'}"}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("sentinel")), "prices", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        # a window or currency given as a list / mapping was a TypeError traceback
        ("prices:\n  m:\n    - {effective_from: 2027-01-01, currency: USD, window: [peak], "
         f"{ROW}}}\n", 3, "window must be a name"),
        ("prices:\n  m:\n    - {effective_from: 2027-01-01, currency: USD, window: {a: b}, "
         f"{ROW}}}\n", 3, "window must be a name"),
        ("prices:\n  m:\n    - {effective_from: 2027-01-01, currency: {USD: 1}, "
         f"{ROW}}}\n", 3, "currency must be a name"),
        # two rows for the same moment in one file: which price was meant? (was: the last)
        ("prices:\n  m:\n"
         f"    - {{effective_from: 2027-01-01, currency: USD, {ROW}}}\n"
         f"    - {{effective_from: 2027-01-01T00:00:00Z, currency: USD, {ROW}}}\n", 4,
         "as the row at"),
        # a date-time among holidays never matched a date: silently ignored before
        ('windows:\n  peak:\n    hours: ["09:00-12:00"]\n'
         "    except_dates: [2026-10-01T00:00:00Z]\n", 4, "except_dates must be a list of dates"),
        ('windows:\n  w:\n    hours: ["22:00-02:00", "01:00-03:00"]\n', 3, "hours overlap"),
        ('windows:\n  w:\n    hours: ["09:00-09:00"]\n', 3, "must differ"),
        # a huge price made every cost an infinite float (null on Elasticsearch)
        ("prices:\n  m:\n    - {effective_from: 2027-01-01, currency: USD, input_cache_hit: 1e400,"
         " input_cache_miss: 1, output: 1}\n", 3, "at most 1,000,000"),
        ("prices:\n  m:\n    - {effective_from: 2027-01-01, currency: USD, input_cache_hit: 1,"
         " input_cache_miss: 1, output: 99999999999999999999999999}\n", 3, "at most"),
    ],
)  # fmt: skip
def test_a_bad_row_is_one_line_naming_file_and_line(
    tmp_path: Path, text: str, line: int, needle: str
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        prices.load(bad)
    assert str(info.value).startswith(f"{bad}:{line}:") and needle in str(info.value)
    done = _cli(tmp_path, bad, "check")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{bad}:{line}:" in done.stderr


def test_a_non_utf8_override_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yml"
    bad.write_bytes(b"prices:\n  m:\n    - {currency: USD} # caf\xe9\n")
    done = _cli(tmp_path, bad, "show")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"SENTINEL_PRICES_FILE {bad}:3: not UTF-8" in done.stderr


def test_the_same_key_in_the_operator_file_still_replaces_the_shipped_row(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "p.yml"
    extra.write_text(
        "prices:\n  deepseek-flash:\n    - {effective_from: 2026-09-10T04:00:00Z, currency: USD,"
        " input_cache_hit: 0.003, input_cache_miss: 0.15, output: 0.61}\n",
        encoding="utf-8",
    )
    row = prices.load(extra).row_at("deepseek-flash", "USD", datetime(2026, 12, 5, tzinfo=UTC))
    assert row is not None and row.output == Decimal("0.61")


def test_effective_from_in_beijing_time_is_shown_in_utc(tmp_path: Path) -> None:
    extra = tmp_path / "p.yml"
    extra.write_text(
        "prices:\n  m:\n"
        f"    - {{effective_from: 2027-01-01T08:00:00+08:00, currency: USD, {ROW}}}\n",
        encoding="utf-8",
    )
    (row,) = [r for r in prices.load(extra).rows.values() if r.model == "m"]
    assert row.effective_from == datetime(2027, 1, 1, tzinfo=UTC)
    assert row.effective_from.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


NIGHT = (
    "windows:\n"
    '  night: {days: [fri], hours: ["22:00-02:00"]}\n'
    '  late: {days: [sun], hours: ["20:00-24:00"]}\n'
    "prices:\n  m:\n"
    "    - {effective_from: 2026-01-01, currency: USD, input_cache_hit: 0, input_cache_miss: 1,"
    " output: 0}\n"
    "    - {effective_from: 2026-01-01, currency: USD, window: night, input_cache_hit: 0,"
    " input_cache_miss: 5, output: 0}\n"
    "    - {effective_from: 2026-01-01, currency: USD, window: late, input_cache_hit: 0,"
    " input_cache_miss: 7, output: 0}\n"
)


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        ("2026-12-04T13:59:59", "1"),  # Fri 21:59:59 Beijing: before the night
        ("2026-12-04T14:00:00", "5"),  # Fri 22:00 Beijing
        ("2026-12-04T16:00:00", "5"),  # Sat 00:00 Beijing: still Friday's night
        ("2026-12-04T17:59:59", "5"),  # Sat 01:59:59
        ("2026-12-04T18:00:00", "1"),  # Sat 02:00: over
        ("2026-12-03T15:00:00", "1"),  # Thu 23:00: not a Friday
        ("2026-12-05T17:00:00", "1"),  # Sun 01:00: Saturday night is not Friday's
        ("2026-12-06T12:00:00", "7"),  # Sun 20:00 Beijing
        ("2026-12-06T15:59:59", "7"),  # Sun 23:59:59
        ("2026-12-06T16:00:00", "1"),  # Mon 00:00: 24:00 is the end
    ],
)
def test_a_window_across_midnight_in_beijing(tmp_path: Path, utc: str, expected: str) -> None:
    extra = tmp_path / "p.yml"
    extra.write_text(NIGHT, encoding="utf-8")
    table = prices.load(extra)
    cost = Pricer(table, "USD").price(
        "m", datetime.fromisoformat(utc).replace(tzinfo=UTC), input_tokens=1_000_000,
        output_tokens=0, cache_hit_tokens=0, cache_miss_tokens=1_000_000,
    )  # fmt: skip
    assert cost is not None and cost.amount == Decimal(expected)
    assert prices.problems(table, set()) == []


def test_check_sees_an_overlap_past_midnight(tmp_path: Path) -> None:
    extra = tmp_path / "p.yml"
    extra.write_text(
        NIGHT.replace(
            '["20:00-24:00"]', '["20:00-24:00"]}\n  early: {days: [sat], hours: ["01:00-03:00"]'
        )
        + "    - {effective_from: 2026-01-01, currency: USD, window: early, input_cache_hit: 0,"
        " input_cache_miss: 9, output: 0}\n",
        encoding="utf-8",
    )
    found = prices.problems(prices.load(extra), set())
    assert len(found) == 1 and "window 'early' overlaps 'night'" in found[0]


def test_show_names_where_each_row_comes_from_even_in_a_pipe(tmp_path: Path) -> None:
    extra = tmp_path / "p.yml"
    extra.write_text(
        f"prices:\n  my-model:\n    - {{effective_from: 2027-01-01, currency: USD, {ROW}}}\n",
        encoding="utf-8",
    )
    done = _cli(tmp_path, extra, "show", "--model", "my-model")
    assert done.returncode == 0, done.stderr
    assert f"{extra}:3" in done.stdout
    shipped = _cli(tmp_path, extra, "show", "--model", "deepseek-v4-pro")
    assert "deepseek-v4-pro " in shipped.stdout and "prices.yml:" in shipped.stdout


def test_show_takes_the_currency_in_any_case_and_names_a_wrong_one(tmp_path: Path) -> None:
    extra = tmp_path / "p.yml"
    extra.write_text("prices: {}\n", encoding="utf-8")
    lower = _cli(tmp_path, extra, "show", "--currency", "cny", "--model", "deepseek-flash")
    assert lower.returncode == 0 and lower.stdout.count(" CNY ") == 2, lower.stdout
    wrong = _cli(tmp_path, extra, "show", "--currency", "EUR")
    assert wrong.returncode == 2 and "--currency" in wrong.stderr
