"""`sentinel budgets set|list|remove` on a real SQLite store: the budget is what the
clients read, every change is in the audit log, bad input names the option."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.models import CallRecord
from sentinel.store.budget_state import get_budget
from sentinel.store.sqlite import SQLiteStore

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{path}")
    store = SQLiteStore(path)
    store.setup()
    store.write_records(
        [
            CallRecord(request_id="c1", timestamp=datetime.now(UTC), app="support-bot",
                       model="deepseek-v4-flash", outcome="success", http_status=200,
                       duration_ms=3, cost=1.25, cost_currency="USD")
        ]
    )  # fmt: skip
    store.close()
    return path


def test_set_list_remove_with_audit_entries(db: Path) -> None:
    args = ["budgets", "set", "--app", "support-bot", "--per", "day", "--limit", "20"]
    assert runner.invoke(app, [*args, "--currency", "usd"]).exit_code == 0
    assert runner.invoke(app, [*args[:-1], "25", "--currency", "USD"]).exit_code == 0
    store = SQLiteStore(db)
    budget = get_budget(store, "support-bot")
    assert budget is not None and (budget.limit, budget.currency, budget.per) == (25, "USD", "day")
    listed = runner.invoke(app, ["budgets", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    row = json.loads(listed.stdout.splitlines()[0])
    assert (row["app"], row["limit"], row["spent"]) == ("support-bot", 25, 1.25)
    assert runner.invoke(app, ["budgets", "remove", "--app", "support-bot"]).exit_code == 0
    assert runner.invoke(app, ["budgets", "remove", "--app", "support-bot"]).exit_code == 1
    assert get_budget(store, "support-bot") is None
    entries = [e for e in store.iter_audit() if e.action.startswith("budget.")]
    assert [e.action for e in entries] == ["budget.set", "budget.set", "budget.removed"]
    assert entries[1].details["previous"]["limit"] == 20
    assert entries[1].actor.startswith("cli")
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--per", "fortnight", "--limit", "5"], "--per"),
        (["--per", "day", "--limit", "-1"], "--limit"),
        (["--per", "day", "--limit", "5", "--currency", "dollars"], "--currency"),
    ],
)
def test_bad_budget_names_the_option(db: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["budgets", "set", "--app", "a", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
