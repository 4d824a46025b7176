"""The compliance commands of the real `sentinel` CLI, on a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from gdpr_data import OTHER, SUBJECT, records_for, write_all
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{path}")
    store = SQLiteStore(path)
    store.setup()
    write_all(store, records_for(SUBJECT, 10) + records_for(OTHER, 4))
    store.close()
    return path


def test_tokens_create_list_revoke(db: Path) -> None:
    created = runner.invoke(app, ["tokens", "create", "--name", "officer",
                                  "--scope", "gdpr:export", "--scope", "gdpr:erase"])  # fmt: skip
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    store = SQLiteStore(db)
    info = Compliance.build(store, Settings()).tokens.verify(token)
    assert info is not None and info.scopes == ("gdpr:erase", "gdpr:export")

    listed = runner.invoke(app, ["tokens", "list", "--json"])
    assert listed.exit_code == 0
    assert token.rsplit("_", 1)[1] not in listed.output
    assert json.loads(listed.stdout.splitlines()[0])["name"] == "officer"

    assert runner.invoke(app, ["tokens", "revoke", info.id]).exit_code == 0
    assert Compliance.build(store, Settings()).tokens.verify(token) is None
    assert runner.invoke(app, ["tokens", "revoke", "ffffffffffffffff"]).exit_code == 1
    bad = runner.invoke(app, ["tokens", "create", "--name", "x", "--scope", "root"])
    assert bad.exit_code == 2


def test_export_to_a_private_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    result = runner.invoke(app, ["gdpr", "export", SUBJECT, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = json.loads(out.read_text())
    assert doc["summary"]["counts"] == {
        "conversation": 10, "call": 10, "feedback": 10, "alert": 0, "cache": 0,
    }  # fmt: skip
    assert OTHER not in out.read_text()


def test_erase_needs_yes_then_removes_and_reports_per_store(db: Path, tmp_path: Path) -> None:
    refused = runner.invoke(app, ["gdpr", "erase", SUBJECT])
    assert refused.exit_code == 2
    erased = runner.invoke(app, ["gdpr", "erase", SUBJECT, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "completed" in erased.output
    assert "sqlite" in erased.stdout and "30" in erased.stdout
    out = tmp_path / "after.json"
    runner.invoke(app, ["gdpr", "export", SUBJECT, "-o", str(out)])
    assert json.loads(out.read_text())["records"] == []


@pytest.mark.parametrize("subject", ["user\x01", " padded", "a\u202eb", "a" * 10_240])
def test_hostile_subjects_are_refused(db: Path, subject: str) -> None:
    for command in (["gdpr", "export", subject], ["gdpr", "erase", subject, "--yes"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "invalid subject id" in result.output


def test_audit_verify_and_show(db: Path) -> None:
    runner.invoke(app, ["gdpr", "erase", SUBJECT, "--yes"])
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "2 entries" in ok.stdout
    shown = runner.invoke(app, ["audit", "show", "--json"])
    assert [json.loads(line)["action"] for line in shown.stdout.splitlines()] == [
        "erasure.requested", "erasure.completed",
    ]  # fmt: skip

    with sqlite3.connect(db) as conn:  # tamper: claim nothing was removed
        doc = json.loads(conn.execute("SELECT doc FROM audit WHERE seq=2").fetchone()[0])
        doc["counts"] = {"sqlite": 0}
        conn.execute("UPDATE audit SET doc=? WHERE seq=2", (json.dumps(doc),))
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "seq 2" in broken.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["gdpr", "erase", SUBJECT, "--yes"],
        ["gdpr", "export", SUBJECT],
        ["gdpr", "resume"],
        ["gdpr", "tombstones", "list"],
        ["gdpr", "tombstones", "migrate"],
        ["gdpr", "tombstones", "prune"],
    ],
)
def test_a_store_that_is_down_is_named_in_one_line_not_a_traceback(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopback import free_port

    monkeypatch.setenv("SENTINEL_STORE", f"http://127.0.0.1:{free_port()}")  # nothing listens
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(tmp_path / "spool"))
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught StoreUnavailable
    assert "store unavailable (SENTINEL_STORE)" in result.output
    assert "Traceback" not in result.output
