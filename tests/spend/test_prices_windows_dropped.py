"""An operator's SENTINEL_PRICES_FILE whose new dated base row has no window rows ends
the shipped peak pricing from that date (a date's rows replace all earlier ones): peak
calls then cost the off-peak price, silently. `sentinel prices check` fails naming the
file and line (and the shipped row it drops), loading it logs the same once per
process, and `without_windows: true` on the row says it is meant."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.client import datafiles, prices
from sentinel.errors import ConfigurationError

ROW = "input_cache_hit: 0.002, input_cache_miss: 0.12, output: 0.50"
FLASH = (
    "prices:\n  deepseek-flash:\n"
    f"    - {{effective_from: 2027-01-01T00:00:00Z, currency: USD, {ROW}{{extra}}}}\n"
)


def _cli(tmp_path: Path, extra: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SENTINEL_PRICES_FILE": str(extra),
           "SENTINEL_STORE": f"sqlite:///{tmp_path / 's.db'}"}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("sentinel")), "prices", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "override.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_peak_line(model: str, currency: str) -> str:
    """file:line of the latest shipped windowed row: what the warning names."""
    table = prices.load()
    rows = [r for r in table.sorted_rows() if (r.model, r.currency) == (model, currency)]
    return [r for r in rows if r.window == "peak"][-1].where


def test_check_fails_naming_the_row_and_the_shipped_window_it_drops(tmp_path: Path) -> None:
    extra = _file(tmp_path, FLASH.replace("{extra}", ""))
    done = _cli(tmp_path, extra, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "window" in line]
    assert line.startswith(f"{extra}:3: deepseek-flash: the USD rows from 2027-01-01 00:00 UTC")
    assert "no peak window row" in line and "without_windows: true" in line
    assert _shipped_peak_line("deepseek-flash", "USD") in line
    assert "Traceback" not in done.stderr
    # what it means: a peak-hour call (Wednesday 10:00 Beijing) costs the base price
    table = prices.load(extra, warn=False)
    peak = table.row_at("deepseek-flash", "USD", datafiles.utc_time("2027-01-06T02:00:00Z"))
    assert peak is not None and peak.window is None and str(peak.output) == "0.50"


@pytest.mark.parametrize(
    "text",
    [
        FLASH.replace("{extra}", ", without_windows: true"),  # said so
        FLASH.replace("{extra}", "")  # the peak row of the new date given too
        + f"    - {{effective_from: 2027-01-01T00:00:00Z, currency: USD, window: peak, {ROW}}}\n",
        # the same date as a shipped set: its shipped peak row stays in force
        FLASH.replace("2027-01-01T00:00:00Z", "2026-09-10T04:00:00Z").replace("{extra}", ""),
    ],
)
def test_a_set_that_keeps_or_explicitly_drops_the_windows_passes(tmp_path: Path, text: str) -> None:
    done = _cli(tmp_path, _file(tmp_path, text), "check")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok:") and "window" not in done.stderr


def test_a_new_date_between_two_windowed_sets_is_caught(tmp_path: Path) -> None:
    text = ("prices:\n  deepseek-v4-flash:\n"
            f"    - {{effective_from: 2026-09-01T00:00:00Z, currency: USD, {ROW}}}\n")  # fmt: skip
    done = _cli(tmp_path, _file(tmp_path, text), "check")
    assert done.returncode == 1 and "2026-09-01 00:00 UTC have no peak window" in done.stderr


def test_loading_logs_it_once_and_show_prints_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extra = _file(tmp_path, FLASH.replace("{extra}", "").replace("0.50", "0.51"))
    with caplog.at_level(logging.WARNING, logger="sentinel.client"):
        prices.load(extra)
        prices.load(extra)  # a second client in the process: not logged again
    logged = [r.getMessage() for r in caplog.records if "no peak window row" in r.getMessage()]
    assert len(logged) == 1 and logged[0].startswith(f"{extra}:3:")
    done = _cli(tmp_path, extra, "show", "--model", "deepseek-flash")
    assert done.returncode == 0 and f"{extra}:3:" in done.stderr


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (", without_windows: yes please", "without_windows must be true or false"),
        (", window: peak, without_windows: true", "belongs on the row without a window"),
    ],
)
def test_a_bad_marker_names_its_line(tmp_path: Path, extra: str, needle: str) -> None:
    bad = _file(tmp_path, FLASH.replace("{extra}", extra))
    with pytest.raises(ConfigurationError, match=needle):
        prices.load(bad)
    done = _cli(tmp_path, bad, "check")
    assert done.returncode == 2 and f"{bad}:3:" in done.stderr and needle in done.stderr
