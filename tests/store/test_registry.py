"""The URL -> store registry and `check_templates`: the one place a SENTINEL_STORE
becomes a store, and each store saying whether its schema is there (what `sentinel
doctor` reports instead of reading tables or templates itself)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sentinel.config import Settings
from sentinel.errors import ConfigurationError
from sentinel.models import CallRecord
from sentinel.store import STORES, StoreUnavailable, create_store, open_store, store_kind
from sentinel.store.base import Store
from sentinel.store.elastic import ElasticStore
from sentinel.store.sqlite import SQLiteStore


def test_each_scheme_creates_its_store_unconnected(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "s.db"
    sqlite = create_store(f"sqlite:///{db}", Settings())
    assert isinstance(sqlite, SQLiteStore) and isinstance(sqlite, Store)
    assert not db.exists()  # created, not opened: doctor may still only look
    for url in ("http://127.0.0.1:1", "HTTPS://127.0.0.1:1,https://127.0.0.2:1"):
        es = create_store(url, Settings())
        assert isinstance(es, ElasticStore) and es.name == store_kind(url).name  # type: ignore[union-attr]
        es.close()
    assert {kind.name for kind in STORES.values()} == {"sqlite", "elasticsearch"}
    assert sqlite.name == store_kind(f"sqlite:///{db}").name  # type: ignore[union-attr]


def test_the_sqlite_store_takes_every_url_the_registry_gives_it(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for url in (f"SQLite:///{db}", f"  sqlite:///{db}\n"):
        assert store_kind(url) is STORES["sqlite"]
        store = create_store(url, Settings())
        assert isinstance(store, SQLiteStore) and store.path == db
        store.close()


@pytest.mark.parametrize("url", ["postgres://db/x", "sqlite:relative.db", "127.0.0.1:9200", ""])
def test_a_url_no_store_serves_is_a_clear_error(url: str) -> None:
    assert store_kind(url) is None
    with pytest.raises(ValueError, match=r"not a store URL: use sqlite:///path\.db"):
        create_store(url, Settings())


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("htps://elastic:hunter2@127.0.0.1:9200", "not a store URL"),
        ("http://", "host"),
        ("sqlite://", "sqlite:///path.db"),
        ("sqlite://elastic:hunter2@x/y.db", "sqlite:///path.db"),  # quoted by the store
        ("http://127.0.0.1:9200,sqlite://elastic:hunter2@x/y.db", ""),
    ],
)
def test_a_bad_url_names_sentinel_store_and_never_its_password(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        create_store(url, Settings())
    message = str(info.value)
    assert message.startswith("SENTINEL_STORE=") and problem in message
    assert "hunter2" not in message and "elastic:" not in message
    assert isinstance(info.value, ValueError)  # what callers caught before


def test_sqlite_check_templates_sets_up_and_counts(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", Settings())
    try:
        report = store.check_templates()
        assert report.ok and report.what == "tables" and "0 calls" in report.summary
        when = datetime(2026, 5, 1, tzinfo=UTC)
        store.write_records([CallRecord(request_id="r1", timestamp=when, model="m")])
        assert "1 calls" in store.check_templates().summary
    finally:
        store.close()
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_bytes(b"this is not a database file" * 100)
    broken = SQLiteStore(not_a_db)
    with pytest.raises(StoreUnavailable, match="not a database"):
        broken.check_templates()
    broken.close()


@pytest.mark.elasticsearch
def test_elasticsearch_check_templates_missing_current_outdated(
    es_url: str, es_store_factory: Callable[..., Any]
) -> None:
    prefix = f"test-reg-{uuid.uuid4().hex[:10]}"
    fresh = ElasticStore.from_settings(es_url, Settings(es_index_prefix=prefix))
    try:
        before = fresh.check_templates()
        assert not before.ok and f"{prefix}-calls" in before.missing and not before.outdated
        store = es_store_factory(prefix)
        after = fresh.check_templates()
        assert after.ok and after.what == "index templates", after
        name = f"{prefix}-state"
        body = store.client.indices.get_index_template(name=name)["index_templates"][0]
        template = body["index_template"]
        store.client.indices.put_index_template(
            name=name,
            index_patterns=template["index_patterns"],
            template=template.get("template", {}),
            priority=template.get("priority"),
            meta={**template.get("_meta", {}), "version": "0-older"},
        )
        stale = fresh.check_templates()
        assert stale.outdated == [name] and not stale.missing and not stale.ok
    finally:
        fresh.close()


def test_elasticsearch_check_templates_unreachable_is_store_unavailable() -> None:
    store = create_store("http://127.0.0.1:1", Settings())
    with pytest.raises(StoreUnavailable, match="unreachable"):
        store.check_templates()
    store.close()
