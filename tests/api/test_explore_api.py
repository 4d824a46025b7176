"""The explorer's JSON API: who may read it (an `explore` token; or nobody's token from
loopback while none exists), what it answers (filters, keyset pages, timeline, the
conversation without the raw subject id), and clear 4xx answers for bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from explore_data import CONVERSATION, FAILED, MARKUP, NOW, RAW_SUBJECT, seed
from fastapi import FastAPI
from fastapi.testclient import TestClient
from loopback import serve

from sentinel.api.app import create_app
from sentinel.api.state import api_state
from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore


@pytest.fixture
def app(sqlite_store: SQLiteStore, tmp_path: Path) -> FastAPI:
    seed(sqlite_store)
    return create_app(sqlite_store, Settings(), clock=FakeClock(NOW), exports_dir=tmp_path / "x")


@pytest.fixture
def tokens(app: FastAPI) -> dict[str, str]:
    registry = api_state(app).tokens
    return {s: registry.create(f"t-{s}", [s])[0] for s in ("explore", "alerts:read", "admin")}


@pytest.fixture
def client(app: FastAPI, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {tokens['explore']}"}) as c:
        yield c


def test_scope_is_required(app: FastAPI, tokens: dict[str, str]) -> None:
    anonymous = TestClient(app)
    for path in ("/v1/calls", "/v1/calls/charts", f"/v1/calls/{FAILED}",
                 f"/v1/conversations/{CONVERSATION}"):  # fmt: skip
        assert anonymous.get(path).status_code == 401, path
        wrong = anonymous.get(path, headers={"Authorization": f"Bearer {tokens['alerts:read']}"})
        assert wrong.status_code == 403 and "explore" in wrong.headers["www-authenticate"]
        for scope in ("explore", "admin"):
            ok = anonymous.get(path, headers={"Authorization": f"Bearer {tokens[scope]}"})
            assert ok.status_code == 200, (path, scope, ok.text)


def test_without_any_token_only_loopback_gets_in(app: FastAPI) -> None:
    # TestClient's peer is "testclient", not a loopback address
    assert TestClient(app).get("/v1/calls").status_code == 401
    server, thread, url = serve(app)
    try:
        assert httpx.get(f"{url}/v1/calls", timeout=10).status_code == 200
        for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):  # a same-host reverse proxy
            relayed = httpx.get(f"{url}/v1/calls", headers={header: "203.0.113.9"}, timeout=10)
            assert relayed.status_code == 401, header
        api_state(app).tokens.create("first", ["explore"])  # the first token ends it
        assert httpx.get(f"{url}/v1/calls", timeout=10).status_code == 401
    finally:
        server.should_exit = True
        thread.join(10)


def test_filters_and_pages(client: TestClient) -> None:
    everything = client.get("/v1/calls", params={"since": "3h", "limit": 200}).json()["calls"]
    assert len(everything) == 61
    failed = client.get("/v1/calls", params={"since": "3h", "outcome": "failure"}).json()
    assert {c["request_id"] for c in failed["calls"]} == {
        c["request_id"] for c in everything if c["outcome"] == "failure"
    }
    assert client.get("/v1/calls", params={"since": "30m"}).json()["calls"][-1]["timestamp"] >= (
        "2026-03-02T11:30:30"
    )
    seen, cursor = [], None
    while True:
        params = {"since": "3h", "limit": 25, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/calls", params=params).json()
        seen += [c["request_id"] for c in page["calls"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [c["request_id"] for c in everything]  # same order, none twice
    slow = client.get("/v1/calls", params={"since": "3h", "latency_above_ms": 700}).json()
    assert [c["request_id"] for c in slow["calls"]] == [
        c["request_id"] for c in everything if c["duration_ms"] > 700
    ]


def test_call_timeline(client: TestClient) -> None:
    body = client.get(f"/v1/calls/{FAILED}").json()
    assert [(t["attempt"], t["status"], t["then"]) for t in body["timeline"]] == [
        (1, 429, "retry"),
        (2, 503, "failover"),
        (3, 503, None),
    ]
    assert [t["offset_ms"] for t in body["timeline"]] == [0.0, 1120.0, 1420.0]
    assert body["timeline"][-1]["duration_ms"] == pytest.approx(2450.0 - 1420.0)
    assert body["summary"]["breaker"] == "closed"
    assert body["call"]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert body["has_conversation"] is False


def test_conversation_without_the_raw_subject_id(client: TestClient) -> None:
    response = client.get(f"/v1/conversations/{CONVERSATION}")
    body = response.json()
    assert [t["anonymized_at"] is not None for t in body["turns"]] == [False, True]  # oldest first
    assert "<PERSON_1>" in body["turns"][1]["messages"][0]["content"]
    assert MARKUP in body["turns"][0]["messages"][0]["content"]  # stored text, as JSON
    assert RAW_SUBJECT not in response.text


def test_charts_agree_with_the_list(client: TestClient) -> None:
    rows = client.get("/v1/calls", params={"since": "3h", "limit": 200}).json()["calls"]
    charts = client.get("/v1/calls/charts", params={"since": "3h"}).json()
    assert charts["step_seconds"] == 300  # 3 h in at most 60 steps
    assert sum(b["calls"] for b in charts["buckets"]) == len(rows)
    assert sum(b["errors"] for b in charts["buckets"]) == sum(
        r["outcome"] == "failure" for r in rows
    )
    by_model = {m["model"]: m["calls"] for m in charts["models"]}
    assert by_model == {m: sum(r["model"] == m for r in rows) for m in by_model}


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"since": "soon<script>"}, "since"),
        ({"start": "yesterday<b>"}, "start"),
        ({"since": "900d"}, "start"),
        ({"status": "abc"}, "status"),
        ({"outcome": "maybe"}, "outcome"),
        ({"limit": 5000}, "limit"),
        ({"cost_above": "-1"}, "cost_above"),
    ],
)
def test_bad_input_is_a_clear_422(client: TestClient, params: dict[str, Any], where: str) -> None:
    response = client.get("/v1/calls", params=params)
    assert response.status_code == 422, response.text
    assert where in response.text
    assert not re.search(r"<script>|<b>", response.text)  # hostile input is not echoed


def test_unknown_ids_are_404(client: TestClient) -> None:
    for path in ("/v1/calls/nope", "/v1/conversations/nope", "/v1/calls/" + "x" * 300):
        assert client.get(path).status_code == 404, path


def test_pages_are_self_contained(client: TestClient) -> None:
    for path in ("/explore", f"/explore/calls/{FAILED}", f"/explore/conversations/{CONVERSATION}"):
        page = TestClient(client.app).get(path)  # the shells hold no data: no token needed
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert refs and all(r.startswith("/") and not r.startswith("//") for r in refs)
    for name in ("explore.js", "explore.css", "common.js"):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)|@import|innerHTML", asset.text)
