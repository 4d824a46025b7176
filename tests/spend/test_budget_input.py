"""Outside attacks on `sentinel budgets set`, through the real command: a
budget that no call can ever reach (an infinite limit, a currency calls are never
priced in) or for an app name no client accepts was stored, audited and listed, and
then never stopped anything. Each is refused naming its option, and nothing is stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.store.budget_state import list_budgets
from sentinel.store.sqlite import SQLiteStore


def _budgets(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SENTINEL_STORE": f"sqlite:///{tmp_path / 'b.db'}",
           "SENTINEL_AUDIT_KEY": "k" * 40, "HOME": str(tmp_path)}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("sentinel")), "budgets", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--app", "bot", "--limit", "inf"], "--limit"),
        (["--app", "bot", "--limit", "1e400"], "--limit"),
        (["--app", "bot", "--limit", "20", "--currency", "EUR"], "--currency"),
        (["--app", "=cmd|calc", "--limit", "20"], "--app"),
        (["--app", "a" * 200, "--limit", "20"], "--app"),
    ],
)
def test_a_budget_that_could_never_apply_is_refused(
    tmp_path: Path, args: list[str], option: str
) -> None:
    done = _budgets(tmp_path, "set", "--per", "day", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert option in done.stderr and "Traceback" not in done.stderr
    store = SQLiteStore(tmp_path / "b.db")
    store.setup()
    try:
        assert list_budgets(store) == []
        assert not [e for e in store.iter_audit() if e.action.startswith("budget.")]
    finally:
        store.close()


def test_a_good_budget_in_cny_is_kept(tmp_path: Path) -> None:
    done = _budgets(tmp_path, "set", "--app", "bot", "--per", "week", "--limit", "150",
                    "--currency", "cny")  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = _budgets(tmp_path, "list", "--json")
    assert '"currency": "CNY"' in listed.stdout and '"limit": 150.0' in listed.stdout
