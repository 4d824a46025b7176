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


def test_a_proxy_token_budget_by_id_prefix(db: Path) -> None:
    from sentinel.compliance.tokens import TokenRegistry
    from sentinel.config import Settings

    store = SQLiteStore(db)
    token, info = TokenRegistry(store, Settings().subject_secret_bytes()).create("ci", ["proxy"])
    store.write_records(
        [
            CallRecord(request_id="t1", timestamp=datetime.now(UTC), app="support-bot",
                       proxy_token_id=info.id, model="deepseek-v4-flash", outcome="success",
                       http_status=200, duration_ms=3, cost=0.5, cost_currency="USD")
        ]
    )  # fmt: skip
    args = ["budgets", "set", "--per", "hour", "--limit", "2"]
    result = runner.invoke(app, [*args, "--token", info.id[:6]])
    assert result.exit_code == 0, result.output
    assert f"proxy token '{info.id}'" in result.output
    budget = get_budget(store, token=info.id)
    assert budget is not None and (budget.app, budget.limit, budget.per) == (None, 2, "hour")
    rows = [
        json.loads(line)
        for line in runner.invoke(app, ["budgets", "list", "--json"]).stdout.splitlines()
    ]
    (row,) = [r for r in rows if r["token"] == info.id]
    assert (row["app"], row["spent"], row["limit"]) == (None, 0.5, 2)  # this token's calls only
    table = runner.invoke(app, ["budgets", "list"])
    assert info.id in table.stdout  # never cut
    assert runner.invoke(app, ["budgets", "remove", "--token", info.id]).exit_code == 0
    assert get_budget(store, token=info.id) is None
    entries = [e for e in store.iter_audit() if e.action.startswith("budget.")]
    assert [e.action for e in entries] == ["budget.set", "budget.removed"]
    assert entries[0].details["token"] == info.id and entries[1].details == {"token": info.id}
    secret = token[21:]  # sst_<id>_<secret>
    assert all(secret not in e.model_dump_json() for e in store.iter_audit())
    store.close()


@pytest.mark.parametrize(
    ("owner", "message"),
    [
        ([], "either --app or --token"),
        (["--app", "a", "--token", "abcd"], "either --app or --token"),
        (["--token", "ffff"], "no token with id 'ffff'"),
    ],
)
def test_a_budget_names_one_app_or_one_known_token(
    db: Path, owner: list[str], message: str
) -> None:
    result = runner.invoke(app, ["budgets", "set", "--per", "day", "--limit", "5", *owner])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
