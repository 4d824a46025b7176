"""Property-based run of the async job routes against their own /openapi.json: valid
and invalid bodies, ids and headers; every answer documented, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis_support import app_schema, bounded, call_and_check

from sentinel.api.app import create_app
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore
from sentinel.web.state import web_state


@pytest.fixture
def jobs_app(sqlite_store: SQLiteStore, tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    settings = Settings(webhook_allowed_hosts=["127.0.0.1"], webhook_secret="s")
    app = create_app(sqlite_store, settings, exports_dir=tmp_path / "exports")
    token, _ = web_state(app).tokens.create("fuzz", ["proxy"])
    yield app, token


@pytest.fixture
def jobs_schema(jobs_app: tuple[FastAPI, str]):  # type: ignore[no-untyped-def]
    return app_schema(jobs_app[0], "^/v1/async")


schema = schemathesis.from_pytest_fixture("jobs_schema")


@schema.parametrize()
@bounded(max_examples=60)
def test_async_api_conforms_to_its_openapi_document(case, jobs_app) -> None:  # type: ignore[no-untyped-def]
    call_and_check(case, {"Authorization": f"Bearer {jobs_app[1]}"})
