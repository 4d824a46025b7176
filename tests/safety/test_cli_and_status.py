"""`sentinel safety test` / `check`, and the status page's content safety numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sentinel.api.app import create_app
from sentinel.cli import app as cli
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import CallRecord, CallSafety
from sentinel.store.sqlite import SQLiteStore


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_safety_test_shows_matches_actions_and_result(lists_dir: Path) -> None:
    code, out = run("safety", "test", "--lists", str(lists_dir), "--json",
                    "you 笨 蛋 idiot, casino")  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert [(m["category"], m["text"], m["action"]) for m in doc["matches"]] == [
        ("insult-zh", "笨 蛋", "mask"),
        ("insult-en", "idiot", "mask"),
        ("spam", "casino", "flag"),
    ]
    assert doc["result"] == "you *** *****, casino" and not doc["blocked"]

    # on the input side insult-zh (answers only) does not apply, violence blocks
    code, out = run("safety", "test", "-l", str(lists_dir), "-d", "input", "--json", "笨蛋 bomb")
    doc = json.loads(out)
    assert [(m["category"], m["action"]) for m in doc["matches"]] == [
        ("insult-zh", "none"),
        ("violence", "block"),
    ]
    assert doc["blocked"] and doc["blocked_categories"] == ["violence"] and doc["result"] is None

    code, out = run("safety", "test", "-l", str(lists_dir), "炸弹 here")
    assert code == 0 and "violence" in out and "blocked on output" in out


def test_safety_check_reports_file_and_line(lists_dir: Path, tmp_path: Path) -> None:
    code, out = run("safety", "check", "--lists", str(lists_dir))
    assert code == 0 and out.startswith("OK: 4 file(s), 4 categories")
    bad = tmp_path / "bad.txt"
    bad.write_text("fine\nre:x{1,}\n", encoding="utf-8")
    code, out = run("safety", "check", "-l", str(bad))
    assert code == 1 and f"{bad}:2: regular expression can match more than" in out


def test_status_page_counts_flagged_calls_by_category(sqlite_store: SQLiteStore) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    flagged = CallSafety(categories=["insult"], action="mask", matches=2, counts={"insult": 2})
    sqlite_store.write_records(
        [
            CallRecord(request_id=f"s-{i}", timestamp=now - timedelta(minutes=1 + i),
                       model="deepseek-v4-flash", safety=flagged if i % 4 == 0 else None)
            for i in range(12)
        ]
    )  # fmt: skip
    app = create_app(sqlite_store, Settings(), clock=FakeClock(now))
    body = TestClient(app).get("/v1/status").json()
    assert body["traffic"]["calls"] == 12
    assert body["traffic"]["content_flagged"] == {"insult": 3}
    page = TestClient(app).get("/").text
    assert 'id="card-safety"' in page and 'id="flagged"' in page
