"""`sentinel spool inspect` and `sentinel spool replay` on a real spool and SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from records_data import call
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.records.spool import Spool
from sentinel.store.sqlite import SQLiteStore


def test_inspect_then_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spool_dir, db = tmp_path / "spool", tmp_path / "s.db"
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(spool_dir))
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{db}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    spool = Spool(spool_dir, segment_bytes=32 * 1024)
    for start in range(0, 250, 50):
        spool.append([call(i, prefix="cli") for i in range(start, start + 50)])
    spool.close()
    runner = CliRunner()
    shown = runner.invoke(app, ["spool", "inspect", "--json"])
    assert shown.exit_code == 0, shown.output
    info = json.loads(shown.output)
    assert info["records"] == 250 and len(info["segments"]) == len(spool.segments()) > 1
    replayed = runner.invoke(app, ["spool", "replay"])
    assert replayed.exit_code == 0, replayed.output
    assert "replayed 250 record(s)" in replayed.output
    store = SQLiteStore(db)
    assert store.count("call") == 250
    store.close()
    after = json.loads(runner.invoke(app, ["spool", "inspect", "--json"]).output)
    assert after["records"] == 0 and after["segments"] == []
