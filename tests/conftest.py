"""Shared fixtures. Area-specific fixtures live in tests/<area>/conftest.py.

`require_service` is the one way a test says it needs a real service: locally a
missing service skips with the reason, under CI=true it fails the test, so CI can
never pass quietly without Elasticsearch, Alertmanager or Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sentinel.store.sqlite import SQLiteStore

# The public FakeDeepSeek fixtures (fake_deepseek, sentinel_client, ...), for every area.
# pytest only honours pytest_plugins in a conftest it loads at start-up, such as this one.
pytest_plugins = ["sentinel.testing.pytest_plugin"]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(available: bool, reason: str) -> None:
    """Skip locally, fail under CI, when a real service a test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(name="require_service")
def _require_service_fixture() -> Callable[[bool, str], None]:
    """`require_service` for tests in other directories: every conftest is a module
    named `conftest`, so they cannot import it by name."""
    return require_service


@pytest.fixture(autouse=True)
def _isolated_sentinel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's data dir, real credentials or a real endpoint."""
    for var in list(os.environ):
        if var.startswith(("SENTINEL_", "DEEPSEEK_", "OTEL_")) and var != "SENTINEL_TEST_ES_URL":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("SENTINEL_SUBJECT_KEY", "test-subject-hmac-key")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "sentinel.db")
    store.setup()
    yield store
    store.close()


@pytest.fixture(scope="session")
def es_url() -> str:
    """URL of the real Elasticsearch that `make es-start` runs for the suite."""
    import httpx

    url = os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
    try:
        # Not GET /: the stripped integ-test-zip server lacks the rest-root module (405).
        ok = httpx.get(f"{url}/_cluster/health", timeout=3).status_code == 200
    except httpx.HTTPError:
        ok = False
    require_service(ok, f"Elasticsearch not reachable at {url} (run `make es-start`)")
    return url


@pytest.fixture
def es_store_factory(es_url: str, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Opens ElasticStores on fresh index prefixes (the server is shared with other
    suites) and drops their indices and templates at teardown."""
    import uuid

    from sentinel.config import Settings
    from sentinel.store.elastic import ElasticStore

    opened: dict[str, ElasticStore] = {}

    def open_prefix(prefix: str, **settings: Any) -> ElasticStore:
        return ElasticStore.from_settings(
            es_url,
            Settings(es_index_prefix=prefix, **settings),
            dead_letter_path=tmp_path / f"dead-letter-{prefix}.jsonl",
        )

    def make(prefix: str | None = None, **settings: Any) -> ElasticStore:
        prefix = prefix or f"test-{uuid.uuid4().hex[:12]}"
        store = open_prefix(prefix, **settings)
        store.setup()
        opened[prefix] = store
        return store

    yield make
    for prefix, store in opened.items():
        store.close()  # closing twice is harmless
        dropper = open_prefix(prefix)  # a client of its own: the test may have closed one
        dropper.drop()
        dropper.close()
