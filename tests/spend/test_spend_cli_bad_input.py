"""Bad input to the spend commands, through the real `sentinel` in a subprocess on a real
SQLite file: each is one line naming the option (exit 2), or the store (exit 1), never
a traceback, and never an answer that reads as "nothing spent" (an empty range, an app
name no client accepts, a model with no price), nor an audit entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.store.sqlite import SQLiteStore


def _cli(tmp_path: Path, *args: str, store: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path), "SENTINEL_AUDIT_KEY": "k" * 40,
           "SENTINEL_STORE": f"sqlite:///{store or tmp_path / 's.db'}",
           "SENTINEL_LOG_STREAM": "stderr"}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("sentinel")), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def _error_line(stderr: str) -> str:
    """The one line that says what is wrong (Typer's usage lines aside)."""
    lines = [
        ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(("Usage:", "Try "))
    ]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    SQLiteStore(path).setup()
    return path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["spend", "--since", "2027-01-01", "--until", "2026-01-01"], "--since"),
        (["spend", "--since", "1d", "--until", "2d"], "is not before --until 2d"),
        (["spend", "--until", "next tuesday"], "--until"),  # was "Invalid value:", no option
        (["spend", "--app", "bad app!!"], "--app"),
        (["prices", "show", "--model", "deepseek-v9"], "priced: deepseek-flash"),
        (["prices", "recompute", "--since", "2026-13-01"], "--since"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    db: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    done = _cli(tmp_path, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert needle in _error_line(done.stderr) and "Traceback" not in done.stderr
    assert done.stdout == ""
    store = SQLiteStore(db)
    try:  # in particular no `prices.recompute` entry
        assert list(store.iter_audit()) == []
    finally:
        store.close()


@pytest.mark.parametrize("command", [["budgets", "list"], ["budgets", "remove", "--app", "a"]])
def test_reading_budgets_from_a_missing_database_creates_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "no-such-dir" / "sentinel.db"
    done = _cli(tmp_path, *command, store=typo)
    assert done.returncode == 1
    assert (
        _error_line(done.stderr)
        == f"store unavailable (SENTINEL_STORE): no SQLite database at {typo}"
    )
    assert not typo.parent.exists()  # it was created, and listed as "no budgets"


def test_a_store_that_cannot_be_opened_is_one_line_however_long(tmp_path: Path) -> None:
    # a directory where the database file should be, under a path longer than a terminal
    where = tmp_path / ("deep-" * 20) / "sentinel.db"
    where.mkdir(parents=True)
    done = _cli(tmp_path, "budgets", "set", "--app", "a", "--per", "day", "--limit", "1",
                store=where)  # fmt: skip
    assert done.returncode == 1
    line = _error_line(done.stderr)
    assert line.startswith("store unavailable (SENTINEL_STORE):") and str(where) in line
