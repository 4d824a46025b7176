"""Price override files that YAML itself trips on: an impossible holiday date in
`except_dates` (YAML's date constructor raised a ValueError traceback out of `prices
check` and every process loading the table), a key given twice in one row or window
(YAML keeps the last silently: which effective_from was meant?), and a Python tag on a
value (a multi-line YAML error). Each is one line naming file and line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_prices_file import ROW, _cli

from sentinel.client import prices
from sentinel.errors import ConfigurationError


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('windows:\n  peak:\n    hours: ["09:00-12:00"]\n    except_dates: [2026-02-30]\n',
         4, "except_dates: day is out of range"),
        ("prices:\n  m:\n    - {effective_from: 2027-01-01, effective_from: 2028-01-01, "
         f"currency: USD, {ROW}}}\n", 3, "effective_from given twice"),
        ('windows:\n  peak:\n    hours: ["09:00-12:00"]\n    hours: ["14:00-18:00"]\n',
         4, "hours given twice"),
        ("prices:\n  m:\n    - {effective_from: !!python/name:os.system '', "
         f"currency: USD, {ROW}}}\n", 3, "could not determine a constructor"),
    ],
)  # fmt: skip
def test_one_line_naming_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        prices.load(bad)
    assert str(info.value).startswith(f"{bad}:{line}:") and needle in str(info.value)
    assert "\n" not in str(info.value)
    done = _cli(tmp_path, bad, "check")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    (message,) = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert f"{bad}:{line}:" in message
