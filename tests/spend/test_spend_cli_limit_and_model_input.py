"""`sentinel spend --limit` past a 64-bit integer and an empty `--model`, through the real
CLI on a real SQLite file: the first was an OverflowError traceback from SQLite's LIMIT,
the second a report of every model (the filter silently dropped) where an empty `--app`
is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_spend_cli_bad_input import _cli, _error_line, db

__all__ = ["db"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--limit", "99999999999999999999999"], "--limit"),
        (["--limit", str(1 << 63)], "--limit"),
        (["--model", ""], "--model"),
        (["--model", "  "], "--model"),
    ],
)
def test_one_line_exit_2(db: Path, tmp_path: Path, args: list[str], needle: str) -> None:
    done = _cli(tmp_path, "spend", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert needle in _error_line(done.stderr) and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_the_largest_limit_still_answers(db: Path, tmp_path: Path) -> None:
    done = _cli(tmp_path, "spend", "--json", "--limit", str(1 << 62))
    assert done.returncode == 0, done.stderr
    assert '"rows": []' in done.stdout
