"""`sentinel spend --by token` and `GET /v1/spend?by=token`: cost per proxy token (its
public id, `proxy_token_id` on the call), on both stores, through the real command in
a subprocess (table, --json, --csv) and the real API, over whole past days (where
Elasticsearch answers from its cache of groups) and a range cut mid-day."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from spend_support import store_env

from sentinel.api.app import create_app
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import CallRecord
from sentinel.web.state import web_state

T0 = datetime(2026, 11, 10, tzinfo=UTC)
TOKENS = ("0123456789abcdef", "fedcba9876543210")
SENTINEL = str(Path(sys.executable).with_name("sentinel"))


def seed(store: Any) -> dict[str, tuple[int, float]]:
    """Calls over four days by two proxy tokens and the app itself (no token)."""
    want: dict[str, tuple[int, float]] = {}
    records = []
    for i in range(48):
        token = (*TOKENS, None)[i % 3]
        cost = 0.01 * (1 + i % 3) + i * 1e-4
        records.append(
            CallRecord(
                request_id=f"t{i}", timestamp=T0 + timedelta(hours=2 * i), app="bot",
                model="deepseek-flash", proxy_token_id=token, input_tokens=10,
                cache_hit_tokens=5, cache_miss_tokens=5, output_tokens=3, cost=cost,
                cost_currency="USD", cache_savings=0.0,
            )
        )  # fmt: skip
        n, c = want.get(token or "", (0, 0.0))
        want[token or ""] = (n + 1, c + cost)
    assert not store.write_records(records).rejected
    store.refresh()
    return want


def spend(store: Any, *args: str) -> str:
    done = subprocess.run(
        [SENTINEL, "spend", "--by", "token", "--since", T0.isoformat(),
         "--until", (T0 + timedelta(days=4)).isoformat(), *args],
        env=store_env(store), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_spend_by_token_in_every_format_and_the_api(store: Any, tmp_path: Path) -> None:
    want = seed(store)
    rows = json.loads(spend(store, "--json"))["rows"]
    got = {r["key"]: (r["calls"], r["cost"]) for r in rows}
    assert got.keys() == want.keys() == {*TOKENS, ""}
    for k, (n, cost) in want.items():
        assert got[k][0] == n and abs(got[k][1] - cost) < 1e-9, k
    assert [r["key"] for r in rows] == sorted(want, key=lambda k: -want[k][1])
    table = list(csv.DictReader(io.StringIO(spend(store, "--csv"))))
    assert {r["token"] for r in table} == {*TOKENS, ""}
    text = spend(store)
    assert all(t in text for t in TOKENS) and "(none)" in text
    app = create_app(store, Settings(), clock=FakeClock(T0 + timedelta(days=4)),
                     exports_dir=tmp_path / "exports")  # fmt: skip
    token, _ = web_state(app).tokens.create("reader", ["spend:read"])
    with TestClient(app) as client:
        res = client.get("/v1/spend", params={"by": "token", "since": "2d"},
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert res.status_code == 200, res.text
    half = {r["key"]: r["calls"] for r in res.json()["rows"]}
    assert half == {t: 8 for t in (*TOKENS, "")}  # the last two days: 24 calls
