"""`sentinel budgets set --token` and `sentinel tokens revoke` on what an operator may
paste: the whole token `sst_<id>_<secret>` is refused without its secret reaching the
terminal (or a CI log), and a budget on a token that cannot call the proxy (no `proxy`
scope), which no call could ever reach, is refused like a budget in EUR."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.budget_state import list_budgets
from sentinel.store.sqlite import SQLiteStore

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SQLiteStore:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{path}")
    monkeypatch.setenv("SENTINEL_AUDIT_KEY", "a" * 40)
    store = SQLiteStore(path)
    store.setup()
    return store


def _token(store: SQLiteStore, scope: str) -> str:
    return Compliance.build(store, Settings()).tokens.create(f"t-{scope}", [scope])[0]


def test_a_whole_token_is_refused_without_its_secret(store: SQLiteStore) -> None:
    token = _token(store, "proxy")
    secret = token.rsplit("_", 1)[1]
    for args in (["budgets", "set", "--per", "day", "--limit", "5", "--token", token],
                 ["tokens", "revoke", token]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code != 0, args
        assert secret not in result.output, args
        assert "sentinel tokens list" in result.output  # what to give instead
    assert list_budgets(store) == []


def test_a_budget_on_a_token_without_the_proxy_scope_is_refused(store: SQLiteStore) -> None:
    token_id = _token(store, "gdpr:export").split("_")[1]
    result = runner.invoke(app, ["budgets", "set", "--per", "day", "--limit", "5",
                                 "--token", token_id])  # fmt: skip
    assert result.exit_code == 2
    assert "proxy" in result.output
    assert list_budgets(store) == []
    admin_id = _token(store, "admin").split("_")[1]  # admin may call the proxy
    ok = runner.invoke(app, ["budgets", "set", "--per", "day", "--limit", "5", "--token", admin_id])
    assert ok.exit_code == 0, ok.output
