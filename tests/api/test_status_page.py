"""The status page and GET /v1/status: numbers computed independently from the seeded
records, no personal data in the answer, bad windows rejected, no external assets,
and the page rendered by real headless Chromium showing exactly the API's numbers."""

from __future__ import annotations

import io
import math
import re
import struct
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import Texts, run_chromium
from fastapi import FastAPI
from fastapi.testclient import TestClient
from loopback import serve

from sentinel.api.app import create_app
from sentinel.clock import FakeClock
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.models import CallRecord, CallSafety, Conversation
from sentinel.rules.engine import RuleEngine
from sentinel.rules.loader import load_rules
from sentinel.rules.notifiers import StoreNotifier
from sentinel.store.sqlite import SQLiteStore, percentile

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EXPORTED = "status-subject-export-7f1"
PENDING_ERASURE = "status-subject-erase-9c4"
ACTOR = "officer-jane-doe"
SECRET_CONTENT = "my card is 4111 1111 1111 1111"
RULES = """\
groups:
  - name: status-test
    interval: 15s
    rules:
      - alert: StatusTestErrors
        metric: error_rate
        window: 1h
        op: ">"
        threshold: 0.05
        for: 0s
        group_by: [model]
        labels: {severity: page}
        annotations: {summary: "error rate {{ value | percent }}"}
"""


_FLAGGED = CallSafety(categories=["insult"], action="mask", matches=1, counts={"insult": 1})


def _durations(n: int) -> list[float]:
    return [12.0 + (i * 37) % 400 + (i % 7) * 0.3 for i in range(n)]


@pytest.fixture
def seeded(tmp_path: Path, sqlite_store: SQLiteStore) -> dict[str, Any]:
    """60 calls in the last hour (9 errors, 3 rate-limited), 20 older ones, a raw
    conversation 2 h old, a firing alert, a finished export and a pending erasure."""
    clock = FakeClock(NOW)
    durations = _durations(60)
    recent = [
        CallRecord(
            request_id=f"recent-{i}", timestamp=NOW - timedelta(seconds=30 + i * 50),
            model="deepseek-v4-flash", duration_ms=d,
            outcome="failure" if i % 7 == 3 else "success",
            error_type="ServerError" if i % 7 == 3 else None,
            rate_limited=i % 20 == 0, circuit_open=i == 10,
            safety=_FLAGGED if i % 12 == 1 else None,
        )
        for i, d in enumerate(durations)
    ]  # fmt: skip
    old = [
        CallRecord(request_id=f"old-{i}", timestamp=NOW - timedelta(hours=3),
                   model="deepseek-v4-flash", duration_ms=5000.0, outcome="failure")
        for i in range(20)
    ]  # fmt: skip
    conv = Conversation(
        request_id="conv-1", timestamp=NOW - timedelta(hours=2), model="deepseek-v4-flash",
        messages=[{"role": "user", "content": SECRET_CONTENT}], subject_id=EXPORTED,
    )  # fmt: skip
    sqlite_store.write_records([*recent, *old, conv])

    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(RULES)
    engine = RuleEngine(
        sqlite_store, [StoreNotifier(sqlite_store)], anonymize_within=timedelta(hours=72)
    )
    engine.evaluate_group(load_rules([rules_file]).groups[0], NOW)

    settings = Settings(anonymize_within="72h")
    service = Compliance.build(sqlite_store, settings, clock=clock, exports_dir=tmp_path / "ex")
    job = service.exports.request(EXPORTED, service.subject_key(EXPORTED), ACTOR, None)
    service.exports.run(job["id"])
    clock.advance(60)
    service.erasures.request(
        PENDING_ERASURE, service.subject_key(PENDING_ERASURE), ACTOR, None
    )  # pending: the job still holds the raw subject id
    app = create_app(sqlite_store, settings, clock=clock, exports_dir=tmp_path / "ex")
    return {
        "app": app,
        "recent": recent,
        "raw_age": (clock.now() - conv.timestamp).total_seconds(),
        "keys": [service.subject_key(s) for s in (EXPORTED, PENDING_ERASURE)],
    }


def test_status_numbers_match_the_stored_calls(seeded: dict[str, Any]) -> None:
    # No lifespan (no `with`): the app would resume the pending erasure at startup.
    response = TestClient(seeded["app"]).get("/v1/status")  # no token: the page is public
    assert response.status_code == 200, response.text
    body = response.json()
    recent: list[CallRecord] = seeded["recent"]
    durations = [r.duration_ms for r in recent]
    errors = sum(r.is_error for r in recent)
    traffic = body["traffic"]
    assert body["window"] == "1h"
    assert traffic["calls"] == len(recent) == 60
    assert traffic["errors"] == errors == 9
    assert traffic["success_rate"] == pytest.approx((60 - errors) / 60)
    assert traffic["rate_limited"] == 3
    assert traffic["circuit_open"] == 1
    for q in (50, 95, 99):
        assert traffic["latency"][f"p{q}_ms"] == pytest.approx(percentile(durations, q))
    assert body["anonymization"] == {
        "oldest_raw_age_seconds": seeded["raw_age"],
        "any_raw": True,
        "deadline_seconds": 72 * 3600.0,
        "overdue": False,
    }
    assert body["calls_retention_seconds"] == 400 * 86400.0  # SENTINEL_CALLS_RETENTION
    [alert] = body["alerts"]
    assert alert["alertname"] == "StatusTestErrors"
    assert alert["state"] == "firing"
    assert alert["severity"] == "page"
    assert alert["labels"] == {"model": "deepseek-v4-flash"}
    assert [(g["kind"], g["status"]) for g in body["gdpr"]] == [
        ("erasure", "pending"),
        ("export", "completed"),
    ]
    assert body["gdpr"][1]["records"] == 1  # the one conversation of the exported subject
    # counts and ages only: no job id (a handle on someone's export) on this open page
    assert all("id" not in g and g["age_seconds"] >= 0 for g in body["gdpr"])


def test_status_window_is_honoured_and_validated(seeded: dict[str, Any]) -> None:
    with TestClient(seeded["app"]) as client:
        wide = client.get("/v1/status", params={"window": "4h"}).json()
        assert wide["traffic"]["calls"] == 80 and wide["window"] == "4h"
        for bad in ("soon", "0s", "8d", "-5m", "9" * 400):
            response = client.get("/v1/status", params={"window": bad})
            assert response.status_code == 422, (bad, response.text)
            assert "at most 7d" in response.text
            assert bad not in response.text or bad == "0s"  # hostile input is not echoed


def test_status_holds_no_personal_data(seeded: dict[str, Any]) -> None:
    text = TestClient(seeded["app"]).get("/v1/status").text  # erasure still pending
    for secret in (EXPORTED, PENDING_ERASURE, ACTOR, SECRET_CONTENT, *seeded["keys"]):
        assert secret not in text


def test_page_and_assets_are_self_contained(seeded: dict[str, Any]) -> None:
    with TestClient(seeded["app"]) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert refs and all(r.startswith("/") and not r.startswith("//") for r in refs)
        for name in ("status.js", "status.css"):
            asset = client.get(f"/static/{name}")
            assert asset.status_code == 200
            assert not re.search(r"https?://|url\(\s*['\"]?//|@import", asset.text), name
        assert client.get("/static/../app.py").status_code == 404
        assert client.get("/static/index.htm").status_code == 404
    static = resources.files("sentinel.api").joinpath("static")
    assert {p.name for p in static.iterdir()} >= {"index.html", "status.js", "status.css"}


# --- real headless Chromium ----------------------------------------------------------


class _Hits:
    """ASGI wrapper counting requests per path (to see the page poll)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.paths: Counter[str] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.paths[scope["path"]] += 1
        await self.app(scope, receive, send)


@pytest.fixture
def hits(seeded: dict[str, Any]) -> _Hits:
    return _Hits(seeded["app"])


@pytest.fixture
def served(hits: _Hits) -> Iterator[str]:
    server, thread, url = serve(hits)
    yield url
    server.should_exit = True
    thread.join(10)


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _ms(x: float) -> str:
    return f"{math.floor(x + 0.5)} ms"  # JavaScript's Math.round


@pytest.mark.chromium
def test_chromium_renders_the_api_numbers(served: str, tmp_path: Path, require_chromium) -> None:
    binary = require_chromium
    api = httpx.get(f"{served}/v1/status", timeout=10).json()
    dom = run_chromium(binary, "--dump-dom", f"{served}/")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-loaded="true"' in dom.stdout, "the script did not load /v1/status"
    page = Texts()
    page.feed(dom.stdout)
    t = api["traffic"]
    assert page.by_id["success-rate"] == _pct(t["success_rate"])
    assert page.by_id["calls"] == str(t["calls"])
    assert page.by_id["errors"] == str(t["errors"])
    for q in ("p50", "p95", "p99"):
        assert page.by_id[q] == _ms(t["latency"][f"{q}_ms"])
    assert page.by_id["rate-limited"] == str(t["rate_limited"])
    assert page.by_id["circuit-open"] == str(t["circuit_open"])
    for key in ("retried", "retries", "failovers"):
        assert page.by_id[key] == str(t[key])
    assert page.by_id["failed-over"] == str(t["failed_over"])
    assert [(r["alertname"], r["state"]) for r in page.rows["alert-changes"]] == [
        (a["alertname"], a["state"]) for a in api["recent_alert_changes"]
    ]
    assert "model=deepseek-v4-flash" in page.by_id["alert-changes"]
    assert t["content_flagged"] == {"insult": 5}  # 5 of the 60 recent calls
    assert page.by_id["flagged"] == "insult: 5 calls (8.3%)"
    assert page.by_id["backlog"] == "2h 1m"  # 7260 s
    assert page.by_id["deadline"] == "3d"
    assert page.by_id["calls-retention"] == "400d"
    assert page.by_id["alert-count"] == str(len(api["alerts"]))
    assert [(r["alertname"], r["state"]) for r in page.rows["alerts"]] == [
        (a["alertname"], a["state"]) for a in api["alerts"]
    ]
    assert [(r["kind"], r["status"]) for r in page.rows["gdpr"]] == [
        (g["kind"], g["status"]) for g in api["gdpr"]
    ]
    assert page.by_id["store-state"] == "sqlite up"
    assert page.by_id["error"] == ""

    shot = tmp_path / "status.png"
    result = run_chromium(binary, "--window-size=1280,900", f"--screenshot={shot}", f"{served}/")
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)


@pytest.mark.chromium
def test_page_refreshes_itself(served: str, hits: _Hits, require_chromium: str) -> None:
    """Over 12 s of (virtual) browser time the page polls /v1/status every 5 s."""
    result = run_chromium(require_chromium, "--dump-dom", f"{served}/", budget_ms=12_000)
    assert result.returncode == 0, result.stderr[-2000:]
    assert hits.paths["/"] == 1
    assert hits.paths["/v1/status"] >= 3  # at load, after 5 s, after 10 s


# --- completeness (issue 21 item 6) --------------------------------------------------


def test_resilience_counts_retries_and_failovers(sqlite_store: SQLiteStore) -> None:
    calls = [
        CallRecord(request_id=f"r-{i}", timestamp=NOW - timedelta(minutes=i + 1),
                   model="deepseek-v4-flash", retries=i % 3, failovers=1 if i % 4 == 0 else 0)
        for i in range(12)
    ]  # fmt: skip
    sqlite_store.write_records(calls)
    app = create_app(sqlite_store, Settings(), clock=FakeClock(NOW))
    traffic = TestClient(app).get("/v1/status").json()["traffic"]
    assert traffic["retried"] == sum(c.retries > 0 for c in calls) == 8
    assert traffic["retries"] == sum(c.retries for c in calls) == 12
    assert traffic["failed_over"] == traffic["failovers"] == 3


def test_alert_changes_carry_their_labels(seeded: dict[str, Any]) -> None:
    changes = TestClient(seeded["app"]).get("/v1/status").json()["recent_alert_changes"]
    assert changes and changes[0]["labels"] == {"model": "deepseek-v4-flash"}


def test_an_export_stays_listed_after_its_subject_is_erased(
    tmp_path: Path, sqlite_store: SQLiteStore
) -> None:
    clock = FakeClock(NOW)
    settings = Settings()
    service = Compliance.build(sqlite_store, settings, clock=clock, exports_dir=tmp_path / "ex")
    key = service.subject_key(EXPORTED)
    job = service.exports.request(EXPORTED, key, ACTOR, None)
    service.exports.run(job["id"])
    clock.advance(120)
    service.exports.export_now(
        io.StringIO(), PENDING_ERASURE, service.subject_key(PENDING_ERASURE), ACTOR
    )
    clock.advance(60)
    erasure = service.erasures.request(EXPORTED, key, ACTOR, None)
    service.erasures.run(erasure["id"])  # deletes the subject's export job and file
    app = create_app(sqlite_store, settings, clock=clock, exports_dir=tmp_path / "ex")
    body = TestClient(app).get("/v1/status").json()
    assert [(g["kind"], g["status"]) for g in body["gdpr"]] == [
        ("erasure", "completed"),
        ("export", "completed"),  # the CLI's export_now: no job, only audit entries
        ("export", "completed"),  # the API's export, its job gone with the erasure
    ]
    since = (clock.now() - NOW).total_seconds()
    assert [g["age_seconds"] for g in body["gdpr"][1:]] == [since - 120, since]
    text = TestClient(app).get("/v1/status").text
    assert EXPORTED not in text and key not in text and ACTOR not in text


def test_backlog_is_none_when_nothing_is_raw(
    sqlite_store: SQLiteStore, tmp_path: Path, require_chromium: str
) -> None:
    app = create_app(sqlite_store, Settings(), clock=FakeClock(NOW))
    anonymization = TestClient(app).get("/v1/status").json()["anonymization"]
    assert anonymization["any_raw"] is False and anonymization["oldest_raw_age_seconds"] == 0
    server, thread, url = serve(app)
    try:
        dom = run_chromium(require_chromium, "--dump-dom", f"{url}/")
    finally:
        server.should_exit = True
        thread.join(10)
    page = Texts()
    page.feed(dom.stdout)
    assert page.by_id["backlog"] == "none"
