"""`GET /v1/spend?app=` or `?model=` (empty), or a `since` not before `until`: a 422
naming the parameter, not the report of every app or model with the filter silently
dropped, nor an empty report that reads as "nothing spent" (the CLI refuses them too)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_spend_api import api

__all__ = ["api"]


@pytest.mark.parametrize("name", ["app", "model"])
def test_an_empty_filter_is_a_422_naming_it(
    api: tuple[TestClient, dict[str, str]], name: str
) -> None:
    client, tokens = api
    auth = {"Authorization": f"Bearer {tokens['spend:read']}"}
    res = client.get("/v1/spend", params={"since": "7d", name: ""}, headers=auth)
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["loc"] == ["query", name]
    assert client.get("/v1/spend", params={"since": "7d"}, headers=auth).json()["rows"]


@pytest.mark.parametrize(
    "params", [{"since": "2026-12-01", "until": "2026-11-01"}, {"since": "1d", "until": "1d"}]
)
def test_an_empty_range_is_a_422_naming_since(
    api: tuple[TestClient, dict[str, str]], params: dict[str, str]
) -> None:
    client, tokens = api
    auth = {"Authorization": f"Bearer {tokens['spend:read']}"}
    res = client.get("/v1/spend", params=params, headers=auth)
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["loc"] == ["query", "since"]
