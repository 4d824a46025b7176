"""`GET /v1/spend` (scope spend:read) and the status page's spend card, over the real
app and a real store: the same figures as the CLI, never a 500 for any input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sentinel.api.app import create_app
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.web.state import web_state

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def seed(store: Any) -> None:
    records = [
        CallRecord(
            request_id=f"r{i}", timestamp=NOW - timedelta(days=i % 3, hours=1), app="bot",
            model="deepseek-flash", input_tokens=300, cache_hit_tokens=200,
            cache_miss_tokens=100, output_tokens=10, cost=0.25, cost_currency="USD",
            cache_savings=0.5,
        )
        for i in range(9)
    ]  # fmt: skip
    store.write_records(records)
    store.refresh()


@pytest.fixture
def api(store: Any, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    seed(store)
    app = create_app(store, Settings(), clock=FakeClock(NOW), exports_dir=tmp_path / "exports")
    registry = web_state(app).tokens
    tokens = {s: registry.create(f"t-{s}", [s])[0] for s in ("spend:read", "alerts:read")}
    with TestClient(app) as client:
        yield client, tokens


def test_spend_needs_its_scope(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    assert client.get("/v1/spend").status_code == 401
    wrong = {"Authorization": f"Bearer {tokens['alerts:read']}"}
    assert client.get("/v1/spend", headers=wrong).status_code == 403


def test_spend_by_app_and_day(api: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = api
    auth = {"Authorization": f"Bearer {tokens['spend:read']}"}
    res = client.get("/v1/spend", params={"since": "7d"}, headers=auth)
    assert res.status_code == 200, res.text
    (row,) = res.json()["rows"]
    assert (row["key"], row["calls"], row["cost"], row["cache_savings"]) == ("bot", 9, 2.25, 4.5)
    assert row["cache_hit_ratio"] == pytest.approx(2 / 3)
    days = client.get("/v1/spend", params={"by": "day", "since": "7d"}, headers=auth).json()
    assert [(r["key"], r["calls"]) for r in days["rows"]] == [
        ("2026-12-03", 3), ("2026-12-04", 3), ("2026-12-05", 3)
    ]  # fmt: skip
    for params in ({"by": "colour"}, {"since": "soon"}, {"limit": "0"}):
        bad = client.get("/v1/spend", params=params, headers=auth)
        assert bad.status_code == 422, (params, bad.text)
    far = client.get(
        "/v1/spend", params={"since": "0001-01-01", "until": "9999-12-31"}, headers=auth
    )
    assert far.status_code == 200 and far.json()["rows"][0]["calls"] == 9


def test_status_page_shows_todays_spend_and_the_week(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, _ = api
    spend = client.get("/v1/status").json()["spend"]
    assert spend["currency"] == "USD"
    assert spend["today"] == 0.75  # r0, r3, r6 at 11:00 today
    assert [d["day"] for d in spend["trend"]][-1] == "2026-12-05" and len(spend["trend"]) == 7
    assert sum(d["cost"] for d in spend["trend"]) == 2.25
    assert spend["cache_savings_7d"] == 4.5
    assert spend["cache_hit_ratio_7d"] == pytest.approx(2 / 3)
    page = client.get("/").text
    assert 'id="spend-today"' in page
